// The `fault` and `expectFault` scenario steps (docs/scenarios.md "Additions"): every fault behaviour, run as
// scenario JSON through runScenario on the emulator, proving that the fault fired (expectFault) and its effect.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { emulatorTarget, runScenario, UnsupportedStepError, type ScenarioResult, type TargetFactory } from '../../src/scenario/runner.ts';
import { parseScenario, ScenarioError } from '../../src/scenario/schema.ts';

async function run(steps: unknown[], factory: TargetFactory = emulatorTarget): Promise<ScenarioResult> {
  return runScenario(parseScenario({ name: 'fault', steps }), factory);
}
const failures = (r: ScenarioResult): string[] => r.trace.flatMap((t) => (t.kind === 'expect' && !t.ok ? [t.message] : []));
function expectAllHeld(r: ScenarioResult, checks: number): void {
  expect(failures(r)).toEqual([]);
  expect(r.passed).toBe(checks);
}

const on = { do: 'fault', active: true };
const enable = { do: 'enable' };

describe('fault steps on the emulator', () => {
  it('completion drop: the AER never completes, the fault fired', async () => {
    const r = await run([
      enable, on,
      { do: 'fault', tag: 'lose', on: 'completion', match: { opcode: 'asyncEventRequest' }, behaviour: 'drop' },
      { do: 'submit', tag: 'aer', command: { opcode: 'asyncEventRequest' } },
      { do: 'namespaceChange', nsid: 1 },
      { do: 'expectFault', tag: 'lose', fired: true, count: 1 },
      { do: 'expectPending', tag: 'aer' },
      { do: 'submit', tag: 'log', command: { opcode: 'getLogPage', lid: 4, numd: 1024 } },
      { do: 'expect', tag: 'log', status: 'success', changedNamespaces: [1] },
    ]);
    expectAllHeld(r, 3);
  });

  it('completion update: Identify Controller completes with the replaced status and DW0', async () => {
    const r = await run([
      enable, on,
      { do: 'fault', tag: 'f1', on: 'completion', match: { opcode: 'identify', cdw10: '0x1' }, behaviour: 'update', completion: { status: 'internalError', dnr: true, dw0: '0xabcd' } },
      { do: 'submit', tag: 'ns', command: { opcode: 'identify', cns: 0, nsid: 1 } },
      { do: 'expect', tag: 'ns', status: 'success' },
      { do: 'submit', tag: 'id', command: { opcode: 'identify', cns: 1 } },
      { do: 'expect', tag: 'id', status: '0/06h', dnr: true, dw0: '0xabcd' },
      { do: 'expectFault', tag: 'f1', count: 1 },
    ]);
    expectAllHeld(r, 3);
  });

  it('submission update: the command is rewritten before it is handled (CNS 1 → an invalid CNS)', async () => {
    const r = await run([
      enable, on,
      { do: 'fault', tag: 'cns', on: 'submission', match: { opcode: 'identify', cdw10: 1 }, behaviour: 'update', command: { cdw10: '0xfe' } },
      { do: 'submit', tag: 'id', command: { opcode: 'identify', cns: 1 } },
      { do: 'expect', tag: 'id', status: 'invalidField' },
      { do: 'expectFault', tag: 'cns', fired: true },
    ]);
    expectAllHeld(r, 2);
  });

  it('submission drop: the command is consumed and never completes', async () => {
    const r = await run([
      enable, on,
      { do: 'fault', tag: 'ka', on: 'submission', match: { opcode: 'keepAlive' }, behaviour: 'drop' },
      { do: 'submit', tag: 'k', command: { opcode: 'keepAlive' } },
      { do: 'expectFault', tag: 'ka' },
      { do: 'expectPending', tag: 'k' },
      { do: 'submit', tag: 'after', command: { opcode: 'getFeatures', fid: 7 } },
      { do: 'expect', tag: 'after', status: 'success' },
    ]);
    expectAllHeld(r, 3);
  });

  it.each(['submission', 'completion'])('%s delay: the completion comes late, within timeoutMs', async (side) => {
    const r = await run([
      enable, on,
      { do: 'fault', tag: 'slow', on: side, match: { opcode: 'keepAlive' }, behaviour: 'delay', ms: 150 },
      { do: 'submit', tag: 'k', command: { opcode: 'keepAlive' } },
      { do: 'expectFault', tag: 'slow', fired: true },
      { do: 'expectPending', tag: 'k' },
      { do: 'expect', tag: 'k', status: 'success', timeoutMs: 2000 },
    ]);
    expectAllHeld(r, 3);
  });

  it('completion customPayload: the bytes land in the data buffer', async () => {
    const r = await run([
      enable, on,
      { do: 'fault', tag: 'p', on: 'completion', match: { opcode: 6, cdw10: 1 }, behaviour: 'customPayload', data: '0xdeadbeef0102' },
      { do: 'submit', tag: 'id', command: { opcode: 'identify', cns: 1 } },
      { do: 'expect', tag: 'id', status: 'success', data: '0xdeadbeef0102' },
      { do: 'expectFault', tag: 'p', count: 1 },
    ]);
    expectAllHeld(r, 2);
  });

  it.each(['submission', 'completion'])('%s verify: fires and changes nothing', async (side) => {
    const r = await run([
      enable, on,
      { do: 'fault', tag: 'v', on: side, match: { opcode: 'getFeatures' }, behaviour: 'verify' },
      { do: 'submit', tag: 'g1', command: { opcode: 'getFeatures', fid: 7 } },
      { do: 'submit', tag: 'g2', command: { opcode: 'getFeatures', fid: 7 } },
      { do: 'expect', tag: 'g1', status: 'success' },
      { do: 'expect', tag: 'g2', status: 'success' },
      { do: 'expectFault', tag: 'v', count: 2 },
    ]);
    expectAllHeld(r, 3);
  });

  it('enable fatal: CSTS.CFS is set, the enable step is noted and the file goes on', async () => {
    const r = await run([
      { do: 'fault', tag: 'e1', on: 'enable', behaviour: 'fatal', active: true },
      enable,
      { do: 'expectFault', tag: 'e1', fired: true },
      { do: 'expectRegister', name: 'CSTS', mask: '0x3', value: '0x2' },
    ]);
    expectAllHeld(r, 2);
    expect(r.trace.some((t) => t.kind === 'note' && /enable with an enable fault armed: controller reported fatal status/.test(t.message))).toBe(true);
  });

  it('enable neverReady: CSTS.RDY stays 0; switched off, a reset and enable recover', async () => {
    const r = await run([
      on,
      { do: 'fault', tag: 'stall', on: 'enable', behaviour: 'neverReady' },
      enable,
      { do: 'expectFault', tag: 'stall', count: 1 },
      { do: 'expectRegister', name: 'CSTS', mask: 1, value: 0 },
      { do: 'fault', active: false },
      { do: 'disable' },
      enable,
      { do: 'expectRegister', name: 'CSTS', mask: 1, value: 1 },
      { do: 'expectFault', tag: 'stall', count: 1 },
    ]);
    expectAllHeld(r, 4);
  });

  it('enable delay: CSTS.RDY comes late, within the host\'s wait', async () => {
    const r = await run([
      on,
      { do: 'fault', tag: 'late', on: 'enable', behaviour: 'delay', ms: 20 },
      enable,
      { do: 'expectFault', tag: 'late', fired: true },
      { do: 'expectRegister', name: 'CSTS', mask: 1, value: 1 },
    ]);
    expectAllHeld(r, 2);
  });

  it('faultActive off: the fault does not fire (fired: false, count: 0)', async () => {
    const r = await run([
      enable,
      { do: 'fault', tag: 'idle', on: 'completion', match: { opcode: 'keepAlive' }, behaviour: 'drop' },
      { do: 'submit', tag: 'k', command: { opcode: 'keepAlive' } },
      { do: 'expect', tag: 'k', status: 'success' },
      { do: 'expectFault', tag: 'idle', fired: false },
      { do: 'expectFault', tag: 'idle', count: 0 },
    ]);
    expectAllHeld(r, 3);
  });

  it('an empty match matches every command; a fault that does not fire fails expectFault', async () => {
    const r = await run([
      enable, on,
      { do: 'fault', tag: 'all', on: 'completion', match: {}, behaviour: 'verify' },
      { do: 'fault', tag: 'never', on: 'completion', match: { opcode: 'abort' }, behaviour: 'drop' },
      { do: 'submit', tag: 'k', command: { opcode: 'keepAlive' } },
      { do: 'expect', tag: 'k', status: 'success' },
      { do: 'expectFault', tag: 'all', count: 1 },
      { do: 'expectFault', tag: 'never', fired: true, timeoutMs: 20 },
      { do: 'expectFault', tag: 'all', count: 5, timeoutMs: 20 },
    ]);
    expect(r.passed).toBe(2);
    expect(failures(r)).toEqual(['expectFault never: never fired', 'expectFault all: fired 1 time, expected 5']);
  });

  it('a target without fault injection fails the step with a note, and the file goes on', async () => {
    const withoutFaults: TargetFactory = async (s) => ({ ...(await emulatorTarget(s)), fault: undefined, name: 'plain' });
    const qemuLike: TargetFactory = async (s) => ({
      ...(await emulatorTarget(s)),
      name: 'qemu',
      fault: () => {
        throw new UnsupportedStepError('QEMU has no fault injection (fault steps need the emulator target)');
      },
    });
    const steps = [
      enable, on,
      { do: 'fault', tag: 'f1', on: 'completion', match: { opcode: 'keepAlive' }, behaviour: 'drop' },
      { do: 'submit', tag: 'k', command: { opcode: 'keepAlive' } },
      { do: 'expect', tag: 'k', status: 'success' },
      { do: 'expectFault', tag: 'f1' },
    ];
    const plain = await run(steps, withoutFaults);
    expect(plain.passed).toBe(1);
    expect(failures(plain)).toEqual([
      'fault (faultActive true) not carried out: the plain target has no fault injection',
      'fault f1 (completion drop on opcode=18h) not carried out: the plain target has no fault injection',
      'expectFault f1: the fault was not set up on the plain',
    ]);
    const qemu = await run(steps, qemuLike);
    expect(qemu.passed).toBe(1);
    expect(failures(qemu)[1]).toBe('fault f1 (completion drop on opcode=18h) not carried out on the qemu: QEMU has no fault injection (fault steps need the emulator target)');
  });

  it('the trace names each fault', async () => {
    const r = await run([
      enable,
      { do: 'fault', tag: 'f1', on: 'completion', match: { opcode: 'identify', cdw10: '0x1' }, behaviour: 'delay', ms: 5, active: true },
    ]);
    expect(r.trace.at(-1)).toEqual({ kind: 'note', message: 'fault f1: completion delay 5 ms on opcode=06h cdw10=0x00000001, faultActive true' });
  });

  it('validates: an expectFault before its fault names the path', () => {
    expect(() => parseScenario({ steps: [{ do: 'expectFault', tag: 'x' }] })).toThrow(new ScenarioError('$.steps[0].tag', 'the tag of an earlier fault step, got "x"'));
  });

  it('the fault-step examples in docs/scenarios.md validate and are carried out', async () => {
    const doc = readFileSync('docs/scenarios.md', 'utf8');
    const block = /##+ Fault steps\n[\s\S]*?```json\n([\s\S]*?)```/.exec(doc);
    expect(block).not.toBeNull();
    const steps = block![1]!.trim().split('\n').map((l) => JSON.parse(l) as { do: string });
    expect(steps.filter((st) => st.do === 'fault')).toHaveLength(8);
    const r = await run([enable, ...steps]);
    expect(r.trace.filter((t) => t.kind === 'note' && t.message.startsWith('fault'))).toHaveLength(8);
    expect(failures(r)).toEqual(['expectFault f1: never fired']); // no command is submitted in the example
  });
});
