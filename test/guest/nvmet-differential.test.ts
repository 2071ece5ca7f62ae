// The `linux-nvmet` pack (chart paths and rule checks, with the linux-nvmet profile's expectations) on both targets:
// this emulator under the linux-nvmet profile, and Linux nvmet in a QEMU guest through NvmeHost over NVMe/TCP (one
// guest and one subsystem for the suite, src/guest/nvmet-target.ts). Both must meet every expectation, and what each
// controller answered must be the same: per tag, in arrival order, the status (SCT, SC, DNR) and DW0 of every
// completion and the contents of every Changed Namespace List read. The checks nvmet cannot carry out (the
// 1025-NSID overflow: nvmet holds at most 1024 namespaces) are named and must be exactly those.
// `npm test` runs every rule check and a seeded sample of the chart paths (NVMET_SAMPLE_PATHS of them, seed
// NVMET_SAMPLE_SEED); NVME_ACTORS_LONG=1 (`npm run test:long`) runs the whole pack. The boot-to-ready time and the
// time per check are printed, never asserted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packChecks, type PackCheck } from '../../src/model/fingerprint.ts';
import { getProfile } from '../../src/profiles/profiles.ts';
import { parseScenario } from '../../src/scenario/schema.ts';
import { emulatorTarget, runScenario, type ScenarioResult } from '../../src/scenario/runner.ts';
import { makeSharedNvmetTarget, nvmetCannotRun, type SharedNvmetTarget } from '../../src/guest/nvmet-target.ts';
import { liveGuests } from '../../src/guest/spawn.ts';
import { declareGuestGate, guestGate } from '../support/guest.ts';

const NVMET_SAMPLE_PATHS = 16;
const NVMET_SAMPLE_SEED = 20261201;

/** What the controller answered, per tag and in arrival order; the host's own commands (tag null) are left out. */
function answers(result: ScenarioResult): string[] {
  const out: string[] = [];
  for (const r of result.trace) {
    if (r.kind === 'completion' && r.tag !== null) out.push(`${r.tag}: ${r.status.sct}/${r.status.sc.toString(16)}h${r.status.dnr ? ' DNR' : ''} dw0=${r.dw0}`);
    if (r.kind === 'log' && r.tag !== null && r.lid === 4) out.push(`${r.tag}: list [${(r.overflow ? [0xffffffff] : r.nsids ?? []).join(', ')}]`);
  }
  return out;
}

const failures = (result: ScenarioResult): string[] => result.trace.flatMap((r) => (r.kind === 'expect' && !r.ok ? [r.message] : []));

/** A seeded choice of `n` of the paths (a small LCG: the same sample on every machine). */
function sample<T>(items: readonly T[], n: number, seed: number): T[] {
  let x = seed >>> 0;
  const rest = [...items];
  const out: T[] = [];
  while (out.length < n && rest.length > 0) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out.push(rest.splice(x % rest.length, 1)[0]!);
  }
  return out;
}

const { gate, image } = await guestGate();
const profile = getProfile('linux-nvmet');
const all = packChecks('linux-nvmet');
const long = process.env.NVME_ACTORS_LONG === '1';
const untestable = (c: PackCheck): string | undefined => nvmetCannotRun(parseScenario(c.build(profile)!));
const testable = all.filter((c) => untestable(c) === undefined);
const checks = long ? testable : [...testable.filter((c) => c.kind === 'rule'), ...sample(testable.filter((c) => c.kind === 'path'), NVMET_SAMPLE_PATHS, NVMET_SAMPLE_SEED)];

if (declareGuestGate(gate, 'nvmet differential')) {
  describe.sequential(`linux-nvmet pack on the emulator and on Linux nvmet (${long ? 'every check' : `rules and ${NVMET_SAMPLE_PATHS} paths, seed ${NVMET_SAMPLE_SEED}`})`, () => {
    let shared: SharedNvmetTarget;
    let started = 0;
    let ran = 0;

    beforeAll(() => {
      shared = makeSharedNvmetTarget({ image: image! });
      started = Date.now();
    });

    afterAll(async () => {
      const g = shared.nvmet();
      const s = shared.stats();
      if (g) process.stderr.write(`[nvmet differential] boot to READY ${g.guest.bootMs} ms, nvmet answering ICReq ${g.readyMs} ms after QEMU started; ${ran} checks in ${Date.now() - started} ms (${s.boots} boot, ${s.configureMs} ms resetting namespaces)\n`);
      await shared.close();
      expect(liveGuests()).toEqual([]);
    }, 30_000);

    it('the checks nvmet cannot carry out are the 1025-NSID overflow ones', () => {
      const out = all.filter((c) => untestable(c) !== undefined);
      expect(out.length).toBeGreaterThan(0);
      for (const c of out) expect(c.id === 'rule list-overflow' || c.label.includes('namespace.changed(100..1124)'), c.id).toBe(true);
    });

    it.each(checks.map((c) => [`${c.id}: ${c.label}`, c] as const))('%s', async (_title, check) => {
      const scenario = parseScenario(check.build(profile)!);
      const onEmulator = await runScenario(scenario, emulatorTarget);
      const onNvmet = await runScenario(scenario, shared.factory);
      ran++;
      expect(failures(onEmulator), 'emulator (linux-nvmet profile) meets the expectations').toEqual([]);
      expect(failures(onNvmet), 'Linux nvmet meets the expectations').toEqual([]);
      expect(answers(onNvmet)).toEqual(answers(onEmulator));
    }, 180_000);
  });
}
