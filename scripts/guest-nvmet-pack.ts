// Replays profile packs (src/model/fingerprint.ts) against Linux nvmet in one QEMU guest (a subsystem per check,
// src/guest/nvmet-target.ts) through NvmeHost over NVMe/TCP, and prints each check's result, the per-profile
// totals and the best match. Usage: tsx scripts/guest-nvmet-pack.ts [PROFILE...] (default: every profile).
import { bestMatch, runPack, type ProfileRun } from '../src/model/fingerprint.ts';
import { PROFILE_NAMES, type ProfileName } from '../src/profiles/profiles.ts';
import { makeSharedNvmetTarget, nvmetCannotRun } from '../src/guest/nvmet-target.ts';

const profiles = (process.argv.slice(2).length ? process.argv.slice(2) : PROFILE_NAMES) as ProfileName[];
const shared = makeSharedNvmetTarget({ log: (l) => process.stderr.write(`${l}\n`) });
const runs: ProfileRun[] = [];
try {
  for (const p of profiles) {
    const run = await runPack(p, { name: 'nvmet', factory: shared.factory, cannotRun: nvmetCannotRun }, (r, i, n) => {
      process.stdout.write(`${p} ${i + 1}/${n} ${r.passed ? 'pass' : 'FAIL'} ${r.check.id}: ${r.check.label.slice(0, 100)}${r.firstFailure ? `\n    ${r.firstFailure}` : ''}${r.untestable ? `\n    untestable: ${r.untestable}` : ''}\n`);
    });
    runs.push(run);
    process.stdout.write(`${p}: paths ${run.paths.passed}/${run.paths.total}, rules ${run.rules.passed}/${run.rules.total}, ${Math.round(run.wallMs / 1000)} s\n`);
  }
  process.stdout.write(`best match: ${bestMatch(runs).profile}\n`);
} finally {
  await shared.close();
}
