// A guest that never gets ready or dies, and a parent that is killed: each ends with a bounded, clear failure and
// leaves no QEMU and no temp dir. None of these waits for a full boot.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { liveGuests } from '../../src/guest/spawn.ts';
import { bootGuest, GuestError } from '../../src/guest/vm.ts';
import { declareGuestGate, guestGate } from '../support/guest.ts';

const { gate, image } = await guestGate();

/** Running (a zombie waiting for a reaper counts as gone). */
const alive = (pid: number): boolean => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
};

async function until(ok: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (ok()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return ok();
}

const failure = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

if (declareGuestGate(gate, 'guest lifecycle')) {
  describe.sequential('guest lifecycle', () => {
    it('a guest that is not ready within its boot budget fails as boot-timeout and is stopped', async () => {
      const started = Date.now();
      const boot = bootGuest({ image: image!, bootTimeoutMs: 1500 });
      await until(() => liveGuests().length > 0, 5000);
      const [guest] = liveGuests();
      expect(guest).toBeDefined();
      const err = await failure(boot);
      expect(err).toBeInstanceOf(GuestError);
      expect((err as GuestError).kind).toBe('boot-timeout');
      expect((err as GuestError).message).toMatch(/no @@READY on the serial console within 1500 ms/);
      expect((err as GuestError).exitCode).toBe(4);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(await until(() => !alive(guest!.pid) && !existsSync(guest!.tempDir), 5000)).toBe(true);
    });

    it('a QEMU that dies before the guest is ready fails the boot at once, saying how it ended', async () => {
      const boot = bootGuest({ image: image!, bootTimeoutMs: 120_000 });
      await until(() => liveGuests().length > 0, 5000);
      const [guest] = liveGuests();
      const started = Date.now();
      process.kill(guest!.pid, 'SIGKILL');
      const err = await failure(boot);
      expect(err).toBeInstanceOf(GuestError);
      expect((err as GuestError).message).toMatch(/QEMU was killed by SIGKILL before the guest was ready/);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(await until(() => !existsSync(guest!.tempDir), 5000)).toBe(true);
    });

    it('a QEMU binary that cannot start is one clear error', async () => {
      const err = await failure(bootGuest({ image: image!, binary: '/nonexistent/qemu-system-x86_64' }));
      expect(err).toBeInstanceOf(GuestError);
      expect((err as GuestError).message).toMatch(/ENOENT|exited/);
      expect(liveGuests()).toEqual([]);
    });

    it('SIGKILL of the process that started the guest: the watchdog stops QEMU and removes its temp dir', async () => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'test/guest/fixtures/boot-child.ts'], { stdio: ['ignore', 'pipe', 'inherit'] });
      try {
        const line = await new Promise<string>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('the child printed no guest within 30 s')), 30_000);
          createInterface({ input: child.stdout! }).once('line', (l) => {
            clearTimeout(timer);
            resolve(l);
          });
        });
        const { pid, tempDir } = JSON.parse(line) as { pid: number; tempDir: string };
        expect(alive(pid)).toBe(true);
        expect(existsSync(tempDir)).toBe(true);
        child.kill('SIGKILL');
        expect(await until(() => !alive(pid), 10_000)).toBe(true);
        expect(await until(() => !existsSync(tempDir), 5000)).toBe(true);
      } finally {
        child.kill('SIGKILL');
      }
    }, 60_000);
  });
}
