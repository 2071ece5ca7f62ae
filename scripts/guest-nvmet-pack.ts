// Replays profile packs (src/model/fingerprint.ts) against Linux nvmet in one QEMU guest (a subsystem per check,
// src/guest/nvmet-target.ts) through NvmeHost over NVMe/TCP, and prints each check's result and the per-profile
// totals. Usage: tsx scripts/guest-nvmet-pack.ts [--rules] [--json FILE] [PROFILE...] (default: every profile;
// --rules: only the rule checks, one rule each, not the chart paths; --json: every result with its trace).
import { writeFileSync } from 'node:fs';
import { packChecks } from '../src/model/fingerprint.ts';
import { getProfile, PROFILE_NAMES, type ProfileName } from '../src/profiles/profiles.ts';
import { runScenario } from '../src/scenario/runner.ts';
import { parseScenario } from '../src/scenario/schema.ts';
import { makeSharedNvmetTarget, nvmetCannotRun } from '../src/guest/nvmet-target.ts';

const args = process.argv.slice(2);
const rulesOnly = args.includes('--rules');
const jsonAt = args.indexOf('--json');
const jsonFile = jsonAt >= 0 ? args[jsonAt + 1] : undefined;
const named = args.filter((a, i) => a !== '--rules' && (jsonAt < 0 || (i !== jsonAt && i !== jsonAt + 1)));
const profiles = (named.length ? named : PROFILE_NAMES) as ProfileName[];
const shared = makeSharedNvmetTarget({ log: (l) => process.stderr.write(`${l}\n`) });
const out: unknown[] = [];
const wallStart = Date.now();
try {
  for (const p of profiles) {
    const profile = getProfile(p);
    const checks = packChecks(p).filter((c) => !rulesOnly || c.kind === 'rule');
    let passed = 0;
    for (const [i, check] of checks.entries()) {
      const json = check.build(profile);
      if (!json) continue;
      const scenario = parseScenario(json);
      const untestable = nvmetCannotRun(scenario);
      const started = Date.now();
      const result = await runScenario(scenario, shared.factory);
      const failures = result.trace.flatMap((r) => (r.kind === 'expect' && !r.ok ? [r.message] : []));
      if (result.failed === 0) passed++;
      process.stdout.write(`${p} ${i + 1}/${checks.length} ${result.failed === 0 ? 'pass' : 'FAIL'} ${check.id} (${Date.now() - started} ms): ${check.label.slice(0, 110)}${failures.map((f) => `\n    ${f}`).join('')}${untestable ? `\n    untestable: ${untestable}` : ''}\n`);
      out.push({ profile: p, id: check.id, label: check.label, clause: check.clause, passed: result.failed === 0, failures, trace: result.trace });
      if (jsonFile) writeFileSync(jsonFile, JSON.stringify(out, null, 1));
    }
    process.stdout.write(`${p}: ${passed}/${checks.length} passed\n`);
  }
  const s = shared.stats();
  const booted = shared.nvmet();
  process.stdout.write(`${s.scenarios} scenarios, ${s.boots} boot${s.boots === 1 ? '' : 's'}${booted ? ` (boot to READY ${booted.guest.bootMs} ms, nvmet ready ${booted.readyMs} ms)` : ''}, ${s.configureMs} ms resetting namespaces, wall ${Date.now() - wallStart} ms\n`);
} finally {
  await shared.close();
}
