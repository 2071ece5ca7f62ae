// vitest globalSetup: after the whole run, no QEMU started by it may still be running, and no nvme-actors temporary
// folder it made may be left. Each QEMU suite checks its own worker as its last test; this catches the rest (a
// worker that died, a suite that forgot). Leftovers are killed or removed and the run fails.
// Folders: the run gets a private temporary directory (TMPDIR, inherited by the workers and every process they
// start), so whatever is left in it was made by this run, whatever other runs on the machine do at the same time.
// A folder made outside it (a path not taken from tmpdir()) counts if it appeared during the run in the system's
// temporary directory and its owner file (src/host/supervised-process.ts) names this process among its owner's
// ancestors.
import { readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { createOwnedTempDir, readOwner, reapStaleTempDirs, removeOwnedTempDir } from '../../src/host/supervised-process.ts';
import { isOurQemu, leftoverQemu, processes } from './qemu.ts';

export const RUN_DIR_PREFIX = 'nvme-actors-test-run-';
const OURS = /^nvme-actors/;
/** Leftovers that fail the run: every nvme-actors folder (each suite removes what it makes). */
const STRICT = OURS;

async function entries(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [] as string[])).filter((n) => OURS.test(n));
}

/** The nvme-actors folders this run left: everything in `runDir`, and the new folders of `systemDir` (not in
 * `before`) whose owner file names `root` as the owner or one of its ancestors. */
export async function leftoverTempDirs(runDir: string, systemDir: string, before: ReadonlySet<string>, root: number = process.pid): Promise<string[]> {
  const inRun = (await entries(runDir)).map((n) => join(runDir, n));
  const outside: string[] = [];
  for (const name of await entries(systemDir)) {
    const dir = join(systemDir, name);
    if (before.has(name) || dir === runDir) continue;
    const owner = await readOwner(dir);
    if (owner && (owner.pid === root || owner.ancestors.includes(root))) outside.push(dir);
  }
  return [...inRun, ...outside];
}

async function poll(check: () => Promise<boolean> | boolean, tries: number): Promise<void> {
  for (let i = 0; i < tries && !(await check()); i++) await new Promise((resolve) => setTimeout(resolve, 100));
}

export default async function setup(): Promise<() => Promise<void>> {
  const before = new Set(processes().filter(isOurQemu).map((p) => p.pid));
  const systemDir = tmpdir();
  const savedTmpdir = process.env.TMPDIR;
  await reapStaleTempDirs(RUN_DIR_PREFIX); // the private directories of runs that were killed
  const beforeDirs = new Set(await entries(systemDir));
  const runDir = await createOwnedTempDir(RUN_DIR_PREFIX);
  process.env.TMPDIR = runDir;

  return async function teardown(): Promise<void> {
    const problems: string[] = [];
    let left = leftoverQemu(process.pid, before);
    // Workers kill their QEMU children as they exit: give a straggler a moment.
    await poll(() => (left = leftoverQemu(process.pid, before)).length === 0, 30);
    for (const p of left) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    if (left.length > 0) problems.push(`QEMU processes left behind by the test run (killed now): ${left.map((p) => `pid ${p.pid} (parent ${p.ppid})`).join(', ')}`);

    // A watchdog removes the folder of a QEMU whose worker died a moment after it: give it that moment too.
    let dirs: string[] = [];
    await poll(async () => (dirs = await leftoverTempDirs(runDir, systemDir, beforeDirs)).length === 0, 30);
    // QEMU folders fail the run; other suites' folders are reported (and removed) until those suites clean up.
    const failing = dirs.filter((d) => STRICT.test(basename(d)));
    const reported = dirs.filter((d) => !STRICT.test(basename(d)));
    if (failing.length > 0) problems.push(`temporary folders left behind by the test run (removed now): ${failing.join(', ')}`);
    if (reported.length > 0) process.stderr.write(`\ntemporary folders left behind by other suites (removed now; not yet failing the run): ${reported.join(', ')}\n`);
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
    await removeOwnedTempDir(runDir);
    if (savedTmpdir === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmpdir;

    if (problems.length === 0) return;
    const message = problems.join('; ');
    process.stderr.write(`\n${message}\n`);
    process.exitCode = 1;
    throw new Error(message);
  };
}
