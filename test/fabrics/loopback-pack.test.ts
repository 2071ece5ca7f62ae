// The seed case and every generated pack check (chart paths and rule checks) run on the emulator directly and on the
// same emulator served over NVMe/TCP on 127.0.0.1, driven by NvmeHost over the TCP transport: both meet every
// expectation, and the controller's answers (per tag, in arrival order: status, DNR, DW0; every Changed Namespace
// List read) are the same.
import { describe, expect, it } from 'vitest';
import { packChecks } from '../../src/model/fingerprint.ts';
import { getProfile, type ProfileName } from '../../src/profiles/profiles.ts';
import { parseScenario } from '../../src/scenario/schema.ts';
import { emulatorTarget, runScenario, type ScenarioResult } from '../../src/scenario/runner.ts';
import { tcpLoopbackTarget } from '../../src/serve/loopback.ts';

function answers(result: ScenarioResult): string[] {
  const out: string[] = [];
  for (const r of result.trace) {
    if (r.kind === 'completion' && r.tag !== null) out.push(`${r.tag}: ${r.status.sct}/${r.status.sc.toString(16)}h${r.status.dnr ? ' DNR' : ''} dw0=${r.dw0}`);
    if (r.kind === 'log') out.push(`${r.tag}: list [${r.nsids.join(', ')}]`);
    if (r.kind === 'receipt') out.push(`receipt ${r.nsid}: ${r.outcome}`);
  }
  return out;
}
const failures = (result: ScenarioResult): string[] => result.trace.flatMap((r) => (r.kind === 'expect' && !r.ok ? [r.message] : []));

const SEED = {
  name: 'seed: namespace change is reported once until the log is read',
  controller: { namespaces: [{ nsid: 1 }, { nsid: 2, attached: false }] },
  steps: [
    { do: 'enable' },
    { do: 'submit', tag: 'aer1', command: { opcode: 'asyncEventRequest' } },
    { do: 'namespaceChange', nsid: 1 },
    { do: 'expect', tag: 'aer1', status: 'success', dw0: '0x00040002' },
    { do: 'submit', tag: 'log', command: { opcode: 'getLogPage', lid: 4, rae: false, numd: 1024 } },
    { do: 'expect', tag: 'log', status: 'success', changedNamespaces: [1] },
  ],
};

describe('NvmeHost over NVMe/TCP against the served emulator', () => {
  it('the seed case: enable, AER, namespace change, AEN dw0 0x00040002, log 04h [1]', async () => {
    const scenario = parseScenario(SEED);
    const direct = await runScenario(scenario, emulatorTarget);
    const tcp = await runScenario(scenario, tcpLoopbackTarget);
    expect(tcp.target).toBe('tcp-loopback');
    expect(failures(tcp)).toEqual([]);
    expect(tcp.passed).toBe(2);
    expect(answers(tcp)).toEqual(answers(direct));
    expect(answers(tcp)).toContain('aer1: 0/0h dw0=0x00040002');
    expect(answers(tcp)).toContain('log: list [1]');
  });

  for (const profileName of ['spec', 'qemu', 'openvmm'] as ProfileName[]) {
    const profile = getProfile(profileName);
    const checks = packChecks(profileName);
    it(`the ${profileName} pack (${checks.length} checks): the same answers on both`, async () => {
      for (const check of checks) {
        const json = check.build(profile);
        if (!json) continue;
        const scenario = parseScenario(json);
        const direct = await runScenario(scenario, emulatorTarget);
        const tcp = await runScenario(scenario, tcpLoopbackTarget);
        expect(failures(direct), `${check.id} on the emulator`).toEqual([]);
        expect(failures(tcp), `${check.id} over TCP`).toEqual([]);
        expect(answers(tcp), `${check.id}: ${check.label}`).toEqual(answers(direct));
      }
    }, 120_000);
  }
});
