// Regression (issue 13 item 17). Symptom: every run of the suite left nvme-actors-qemu-cli-* folders in the temp
// dir (test/differential/qemu-target.differential.test.ts wrote its scenario files there and never removed them),
// and nothing noticed. Cause: no test cleaned up its folders, and the global teardown only looked for QEMU
// processes. Now those folders are removed after each test, and the teardown (test/support/qemu-global-setup.ts)
// fails the run on any nvme-actors folder the run left: everything in the run's private TMPDIR, and new folders
// elsewhere in the system's temp dir whose owner file names this run's process tree (never another run's).
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OWNER_FILE } from '../../src/host/supervised-process.ts';
import setup, { leftoverTempDirs } from '../support/qemu-global-setup.ts';
import { useTempDirs } from '../support/qemu-fakes.ts';

const dirs = useTempDirs('nvme-actors-teardown-test-');

const owner = (pid: number, ancestors: number[]) => JSON.stringify({ pid, ancestors, created: new Date().toISOString() });

describe('the global teardown’s check for temporary folders', () => {
  it('counts what is in the run’s directory, and outside it only new folders owned by the run’s process tree', async () => {
    const runDir = await dirs.make();
    const systemDir = await dirs.make();
    await mkdir(join(runDir, 'nvme-actors-qemu-cli-AbC123'));
    await mkdir(join(runDir, 'unrelated-folder')); // not ours by name: not counted
    for (const n of ['nvme-actors-old', 'nvme-actors-mine', 'nvme-actors-child-of-mine', 'nvme-actors-theirs', 'nvme-actors-no-owner']) await mkdir(join(systemDir, n));
    await writeFile(join(systemDir, 'nvme-actors-old', OWNER_FILE), owner(4242, []));
    await writeFile(join(systemDir, 'nvme-actors-mine', OWNER_FILE), owner(4242, []));
    await writeFile(join(systemDir, 'nvme-actors-child-of-mine', OWNER_FILE), owner(777, [778, 4242, 1]));
    await writeFile(join(systemDir, 'nvme-actors-theirs', OWNER_FILE), owner(999, [998, 1]));
    const left = await leftoverTempDirs(runDir, systemDir, new Set(['nvme-actors-old']), 4242);
    expect(left.sort()).toEqual([join(runDir, 'nvme-actors-qemu-cli-AbC123'), join(systemDir, 'nvme-actors-child-of-mine'), join(systemDir, 'nvme-actors-mine')].sort());
  });

  it('the teardown fails the run on a folder left in the run’s directory, removes it, and restores TMPDIR', async () => {
    const savedTmp = process.env.TMPDIR;
    const savedExit = process.exitCode;
    const savedWrite = process.stderr.write;
    let teardown: (() => Promise<void>) | undefined;
    try {
      teardown = await setup();
      expect(tmpdir()).not.toBe(savedTmp ?? '/tmp');
      const forgotten = join(tmpdir(), 'nvme-actors-qemu-cli-forgot');
      await mkdir(forgotten);
      process.stderr.write = (() => true) as typeof process.stderr.write; // the teardown's report line
      await expect(teardown()).rejects.toThrow(/temporary folders left behind by the test run \(removed now\): .*nvme-actors-qemu-cli-forgot/);
      teardown = undefined;
      expect(existsSync(forgotten)).toBe(false);
      expect(process.env.TMPDIR).toBe(savedTmp);
    } finally {
      process.stderr.write = savedWrite;
      await teardown?.().catch(() => undefined);
      process.exitCode = savedExit;
      if (savedTmp === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = savedTmp;
    }
  });
});
