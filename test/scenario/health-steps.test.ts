// The health, firmwareActivation and errorEvent steps (docs/scenarios.md): a file using them runs on the emulator
// with every check holding, a bad field is a one-line error naming its JSON path, and a target without health
// faults fails the step as not carried out.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseScenario, parseScenarioText } from '../../src/scenario/schema.ts';
import { makeEmulatorTarget, runScenario, type TargetFactory } from '../../src/scenario/runner.ts';

const FILE = new URL('./fixtures/smart-and-firmware.json', import.meta.url);

describe('health steps', () => {
  it('the fixture runs on the emulator: SMART, firmware and error events each masked per type', async () => {
    const scenario = parseScenarioText(readFileSync(FILE, 'utf8'), 'smart-and-firmware.json');
    const r = await runScenario(scenario, makeEmulatorTarget());
    expect(r.trace.filter((t) => t.kind === 'expect' && !t.ok)).toEqual([]);
    expect(r.passed).toBe(10);
  });

  it('an outcome that does not hold fails the step', async () => {
    const s = parseScenario({ steps: [{ do: 'enable' }, { do: 'health', criticalWarning: 4, outcome: 'posted' }] });
    const r = await runScenario(s, makeEmulatorTarget());
    expect(r.failed).toBe(1); // AEC bit 2 is clear in the spec profile's default (100h): no event
    expect(r.trace.find((t) => t.kind === 'expect')).toMatchObject({ ok: false, message: 'health criticalWarning 0x00000004 outcome none, expected posted' });
  });

  it('bad fields are one-line errors naming the path', () => {
    expect(() => parseScenario({ steps: [{ do: 'health' }] })).toThrow(/\$\.steps\[0\]: expected a health step/);
    expect(() => parseScenario({ steps: [{ do: 'errorEvent', info: 9 }] })).toThrow(/\$\.steps\[0\]\.info/);
    expect(() => parseScenario({ steps: [{ do: 'firmwareActivation', ms: -1 }] })).toThrow(/\$\.steps\[0\]\.ms/);
  });

  it('a target without health faults fails the step as not carried out', async () => {
    const emulator = makeEmulatorTarget();
    const without: TargetFactory = async (s) => {
      const t = await emulator(s);
      return { ...t, healthFault: undefined };
    };
    const r = await runScenario(parseScenario({ steps: [{ do: 'enable' }, { do: 'errorEvent', info: 3 }] }), without);
    expect(r.failed).toBe(1);
    expect(r.trace.find((t) => t.kind === 'expect')).toMatchObject({ message: 'errorEvent info 3 not carried out: the emulator target has no health faults' });
  });

  it('the firmware step under a profile without firmware activation fails with the reason', async () => {
    const r = await runScenario(parseScenario({ profile: 'qemu', steps: [{ do: 'enable' }, { do: 'firmwareActivation' }] }), makeEmulatorTarget());
    expect(r.failed).toBe(1);
    expect(r.trace.find((t) => t.kind === 'expect')).toMatchObject({ message: expect.stringContaining('no firmware activation') });
  });
});
