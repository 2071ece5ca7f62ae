// Choosing the engine: NVME_ACTORS_ENGINE and createController's `engine` option, the one-line errors for a bad name
// and for a machine that uses what the 'fast' engine leaves out, and that every actor of a controller runs on the
// engine chosen (the admin queue and the latch are invoked by name: they follow the controller's engine).
import { describe, expect, it } from 'vitest';
import { createActor, setup, type AnyActorRef } from 'xstate';
import { checkEngine, defaultEngine, fastLogic, logicFor } from '../../src/engine/index.ts';
import { createController } from '../../src/emulator.ts';
import { controllerMachine } from '../../machines/controller.machine.ts';

const isTableLogic = (ref: AnyActorRef | undefined): boolean => !!ref && !('root' in ((ref as unknown as { logic: object }).logic));

describe('engine selection', () => {
  it('NVME_ACTORS_ENGINE names the default; unset or empty means fast; anything else is a one-line error', () => {
    expect(defaultEngine({})).toBe('fast');
    expect(defaultEngine({ NVME_ACTORS_ENGINE: '' })).toBe('fast');
    expect(defaultEngine({ NVME_ACTORS_ENGINE: 'xstate' })).toBe('xstate');
    expect(() => defaultEngine({ NVME_ACTORS_ENGINE: 'v6' })).toThrow(/^NVME_ACTORS_ENGINE: unknown engine 'v6'; expected one of xstate, fast$/);
    expect(() => checkEngine('XState')).toThrow(RangeError);
  });

  it.each(['xstate', 'fast'] as const)("createController({ engine: '%s' }) runs the controller, the latch and the admin queue on it", (engine) => {
    const c = createController({ engine });
    try {
      // Enable: the admin queue is invoked only while CC.EN = 1.
      c.mmioWrite32(0x24, 0x001f001f);
      c.mmioWrite64(0x28, 0x10000n);
      c.mmioWrite64(0x30, 0x20000n);
      c.mmioWrite32(0x14, 0x00460001);
      const refs = [c.actor as unknown as AnyActorRef, c.actor.system.get('aenLatch'), c.actor.system.get('adminQueue')];
      expect(refs.every((r) => r !== undefined)).toBe(true);
      expect(refs.map(isTableLogic)).toEqual([engine === 'fast', engine === 'fast', engine === 'fast']);
      expect(c.actor.getSnapshot().value).toEqual({ enabled: 'ready' });
      expect(c.mmioRead32(0x1c) & 1).toBe(1);
    } finally {
      c.stop();
    }
  });

  it('a bad engine option is a one-line error from createController', () => {
    expect(() => createController({ engine: 'quick' as never })).toThrow(/^engine: unknown engine 'quick'; expected one of xstate, fast$/);
  });

  it("a machine with a history state, `after` or an output is refused by the 'fast' engine with its name and the state", () => {
    const withHistory = setup({}).createMachine({ id: 'h', initial: 'a', states: { a: { initial: 'x', states: { x: {}, back: { type: 'history' } } } } });
    expect(() => fastLogic(withHistory)).toThrow("engine 'fast' cannot run machine 'h': a history state in state 'h.a.back' (use engine 'xstate')");
    const withAfter = setup({}).createMachine({ id: 't', initial: 'a', states: { a: { after: { 10: 'b' } }, b: {} } });
    expect(() => fastLogic(withAfter)).toThrow(/cannot run machine 't': an `after` transition in state 't.a'/);
    const withOutput = setup({}).createMachine({ id: 'o', initial: 'a', output: 1, states: { a: { type: 'final' } } });
    expect(() => fastLogic(withOutput)).toThrow(/cannot run machine 'o': an `output`/);
  });

  it('logicFor builds the tables once per machine and hands XState its own machine back', () => {
    expect(logicFor(controllerMachine, 'fast')).toBe(logicFor(controllerMachine, 'fast'));
    expect(logicFor(controllerMachine, 'xstate')).toBe(controllerMachine);
  });

  it("the 'fast' snapshot answers like XState's: matches, hasTag, can, toJSON", () => {
    const m = setup({}).createMachine({ id: 'm', initial: 'a', states: { a: { tags: ['t'], on: { go: 'b' } }, b: {} } });
    for (const logic of [m, logicFor(m, 'fast')]) {
      const a = createActor(logic).start();
      const s = a.getSnapshot();
      expect([s.matches('a'), s.hasTag('t'), s.can({ type: 'go' }), s.can({ type: 'stay' })]).toEqual([true, true, true, false]);
      expect(JSON.parse(JSON.stringify(s))).toMatchObject({ value: 'a', status: 'active', tags: ['t'] });
      a.send({ type: 'go' });
      expect(a.getSnapshot().value).toBe('b');
      a.stop();
    }
  });
});
