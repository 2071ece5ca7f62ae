// Regression (issue 13 item 4). Symptom: `nvme-actors conformance --target qemu` hung forever when the QEMU binary
// never answered `--version` (`run` gave exit 3 after its start timeout). Cause: qemuVersion() spawned the binary
// and waited for its 'close' with no deadline (qemuAvailable, used by the test gates, likewise). Now the probe runs
// under the supervisor with a 5 s deadline, after which the binary's process group is killed, and the command
// ends with one line and exit 3.
import { describe, expect, it } from 'vitest';
import { qemuAvailable } from '../../src/host/qemu-transport.ts';
import { cli } from '../support/cli.ts';
import { eventually, fakeQemu, processesNaming, useTempDirs } from '../support/qemu-fakes.ts';

const dirs = useTempDirs();

describe('a QEMU binary that never answers --version', () => {
  it('conformance --target qemu: one line naming the binary, exit 3, the binary stopped', async () => {
    const dir = await dirs.make();
    const fake = await fakeQemu(dir, { mode: 'silent', version: 'silent' }, { exec: false });
    const saved = process.env.NVME_ACTORS_QEMU;
    process.env.NVME_ACTORS_QEMU = fake.path;
    let timer: NodeJS.Timeout | undefined;
    try {
      const hang = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('conformance --target qemu still running after 12 s')), 12_000)));
      const r = await Promise.race([cli('conformance', '--target', 'qemu'), hang]);
      expect(r.code).toBe(3);
      expect(r.out).toEqual([]);
      expect(r.err).toEqual([`nvme-actors: ${fake.path} did not answer --version within 5000 ms (stopped it)`]);
    } finally {
      clearTimeout(timer);
      if (saved === undefined) delete process.env.NVME_ACTORS_QEMU;
      else process.env.NVME_ACTORS_QEMU = saved;
    }
    expect(await eventually(() => processesNaming(dir).length === 0, 3000), 'the wrapper and the fake are stopped').toBe(true);
  }, 20_000);

  it('qemuAvailable() answers false within its deadline', async () => {
    const dir = await dirs.make();
    const fake = await fakeQemu(dir, { mode: 'silent', version: 'silent' });
    expect(await qemuAvailable(fake.path)).toBe(false);
    expect(await eventually(() => processesNaming(dir).length === 0, 3000)).toBe(true);
  }, 20_000);
});
