// Regression (issue 13 item 3). Symptom: with NVME_ACTORS_QEMU pointing at a wrapper script that runs
// qemu-system-x86_64 "$@" without `exec`, the steps finished at once but close() never returned, and once the
// process exited QEMU was still running; a fake QEMU flooding stderr without newlines hung the same way and grew
// the CLI to 1.4 GB. Cause: close() signalled only the direct child (the wrapper's sh) and waited for 'close',
// which needs every holder of the pipes (QEMU, the grandchild) to exit; stderr was kept in a string that grew
// until a newline came. Now QEMU runs in its own process group, which close() signals (SIGTERM, SIGKILL after a
// grace), it stops waiting after a bounded time and destroys its pipe ends, and stderr is a bounded tail.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NvmeHost } from '../../src/host/nvme-host.ts';
import { QemuStartError, startQemu } from '../../src/host/qemu-transport.ts';
import { declareQemuGate, qemuGate } from '../support/qemu.ts';
import { eventually, fakeQemu, processesNaming, qemuDirsIn, useTempDirs, wrapperScript } from '../support/qemu-fakes.ts';

const gate = await qemuGate();
const dirs = useTempDirs();

/** `work`, or a rejection once `ms` pass (so a hang fails the test instead of running into the suite timeout). */
function bounded<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([work, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms)))]).finally(() => clearTimeout(timer));
}

if (declareQemuGate(gate, 'QEMU behind a wrapper')) {
  describe('a QEMU wrapper script that does not exec', () => {
    it('close() returns, and neither the wrapper nor QEMU is left', async () => {
      const dir = await dirs.make();
      const wrapper = await wrapperScript(dir, 'qemu-wrapper.sh', ['qemu-system-x86_64'], { exec: false });
      const transport = await startQemu({ binary: wrapper });
      const folder = transport.tempDir!;
      expect(processesNaming(folder).length, 'QEMU runs under the wrapper').toBeGreaterThan(0);
      const host = new NvmeHost(transport, { timeoutMs: 2000 });
      await host.enable();
      await bounded(host.close(), 8000, 'close()');
      expect(existsSync(folder), `${folder} is removed`).toBe(false);
      expect(await eventually(() => processesNaming(folder).length === 0, 3000), `still running: ${JSON.stringify(processesNaming(folder))}`).toBe(true);
      expect(processesNaming(wrapper)).toEqual([]);
    }, 20_000);

    it('a binary that floods stderr without newlines and never answers: a start failure with a bounded tail, nothing left', async () => {
      const dir = await dirs.make();
      const fake = await fakeQemu(dir, { mode: 'flood' }, { exec: false });
      const error = await bounded(
        startQemu({ binary: fake.path, startTimeoutMs: 1500 }).then(
          () => undefined,
          (e: unknown) => e,
        ),
        8000,
        'startQemu()',
      );
      expect(error).toBeInstanceOf(QemuStartError);
      const e = error as QemuStartError;
      expect(e.message).toMatch(/^QEMU start failed: QEMU start took longer than 1500 ms/);
      expect(e.message.length).toBeLessThan(400);
      expect(e.message).not.toContain('\n');
      expect(e.stderrTail.length).toBeGreaterThan(0);
      expect(e.stderrTail.length).toBeLessThanOrEqual(4096);
      const [start] = await fake.starts();
      const [folder] = qemuDirsIn(start!.args);
      expect(await eventually(() => processesNaming(dir).length === 0 && processesNaming(folder!).length === 0, 3000), 'the wrapper and the fake are gone').toBe(true);
      expect(existsSync(folder!), `${folder} is removed`).toBe(false);
    }, 20_000);
  });
}
