// The profile fingerprint of QEMU 7.2: every profile's pack replayed on QEMU. The `qemu` profile must pass every
// check (where it does not, the profile is wrong), it must be the best match, the `spec` pack's failures must be
// exactly the listed divergences (nothing unexplained), and docs/conformance.md must be what this run renders.
import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeEvent } from '../../src/model/to-scenario.ts';
import { OVERFLOW_BATCH } from '../../src/model/generate.ts';
import { bestMatch, exhibited, explain, runPack, runPacks, type ProfileRun } from '../../src/model/fingerprint.ts';
import { CONFORMANCE_DOC, DOC_COMMAND, peerMajorMinor, renderConformanceDoc } from '../../src/model/conformance-doc.ts';
import { KNOBS } from '../../src/model/rules.ts';
import { getProfile } from '../../src/profiles/profiles.ts';
import { emulatorTarget } from '../../src/scenario/runner.ts';
import { qemuCannotRun, qemuTarget, qemuVersion } from '../../src/host/qemu-target.ts';
import { liveQemuProcesses } from '../../src/host/qemu-transport.ts';
import { declareQemuGate, qemuChildrenOf, qemuGate } from '../support/qemu.ts';

const gate = await qemuGate();

if (declareQemuGate(gate, 'QEMU fingerprint')) {
  describe.sequential('QEMU 7.2 fingerprint', () => {
    let runs: ProfileRun[] = [];
    let emulatorSpec: ProfileRun;
    let peer = 'QEMU';

    beforeAll(async () => {
      peer = peerMajorMinor((await qemuVersion()) ?? 'QEMU');
      try {
        ({ runs } = await runPacks({ name: 'qemu', factory: qemuTarget, cannotRun: qemuCannotRun }));
      } finally {
        expect(liveQemuProcesses()).toBe(0);
      }
      emulatorSpec = await runPack('spec', { name: 'emulator', factory: emulatorTarget });
    }, 600_000);

    const run = (name: string) => runs.find((r) => r.profile === name)!;

    it('the qemu profile passes every path and rule check on QEMU, and is the best match', () => {
      const failing = run('qemu').results.filter((r) => !r.passed).map((r) => `${r.check.id}: ${r.firstFailure}`);
      expect(failing).toEqual([]);
      expect(bestMatch(runs).profile).toBe('qemu');
    });

    it("the spec pack's failures on QEMU are exactly the listed divergences", () => {
      const e = explain(run('spec'), 'qemu');
      expect(e.unexplained.map((u) => `${u.result.check.id}: predicted ${u.predicted}`)).toEqual([]);
      const shown = exhibited(e).map((d) => d.knob);
      expect(shown).toEqual(expect.arrayContaining(['aecGatesNamespaceNotice', 'invalidLogPageStatus']));
      // Every knob where the profiles differ shows in some failing check: the pack exercises them all.
      const differing = KNOBS.filter((k) => JSON.stringify(getProfile('spec')[k]) !== JSON.stringify(getProfile('qemu')[k]));
      expect(shown).toEqual(differing);
      // Every failing spec check is untestable on QEMU or blamed on a divergence.
      const blamed = new Set(e.divergences.flatMap((d) => d.blamed.map((r) => r.check.id)));
      const untestable = new Set(e.untestable.map((r) => r.check.id));
      for (const r of run('spec').results) if (!r.passed) expect(blamed.has(r.check.id) || untestable.has(r.check.id), r.check.id).toBe(true);
      // QEMU's list cannot overflow: exactly the overflow checks are untestable.
      expect([...untestable].every((id) => run('spec').results.find((r) => r.check.id === id)!.check.label.includes(describeEvent(OVERFLOW_BATCH)) || id === 'rule list-overflow')).toBe(true);
    }, 180_000);

    it('AEC bit 8 does not gate the notice, and an unknown log page gets 0/02h', () => {
      const e = explain(run('spec'), 'qemu');
      const gating = e.divergences.find((d) => d.knob === 'aecGatesNamespaceNotice')!;
      expect(gating.witness?.firstFailure).toMatch(/completed \(status 0\/00h dw0 0x00040002\)/);
      const logPage = e.divergences.find((d) => d.knob === 'invalidLogPageStatus')!;
      expect(logPage.witness?.firstFailure).toBe('expect log: status 0/02h, expected 1/09h');
    });

    it(`${CONFORMANCE_DOC} is current (regenerate with \`${DOC_COMMAND}\`)`, async () => {
      const committed = await readFile(CONFORMANCE_DOC, 'utf8');
      const fresh = renderConformanceDoc({ peer, peerRuns: runs, emulatorSpec });
      expect(committed, `${CONFORMANCE_DOC} is stale: run \`${DOC_COMMAND}\``).toBe(fresh);
    });

    it('leaves no QEMU process behind', () => {
      expect(liveQemuProcesses()).toBe(0);
      expect(qemuChildrenOf(process.pid)).toEqual([]);
    });
  });
}
