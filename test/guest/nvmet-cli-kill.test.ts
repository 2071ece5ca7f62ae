// SIGKILL of the command while its Linux guest runs: `run --target nvmet` and `conformance --target nvmet` start one
// QEMU each (src/guest/vm.ts, supervised by src/host/supervised-process.ts); killing the CLI, which gives it no
// chance to clean up, must still leave no QEMU and no guest temp dir (the supervisor's watchdog ends them).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { processes, type ProcessInfo } from '../support/qemu.ts';
import { declareGuestGate, guestGate } from '../support/guest.ts';

const { gate } = await guestGate();

const isGuestQemu = (p: ProcessInfo): boolean => (p.argv[0] ?? '').split('/').pop()!.startsWith('qemu-system') && p.argv.some((a) => a.includes('nvme-actors-qemu-guest-'));

/** Guest QEMUs that descend from `root`. */
function guestsUnder(root: number): ProcessInfo[] {
  const all = processes();
  const byPid = new Map(all.map((p) => [p.pid, p]));
  return all.filter((p) => {
    if (!isGuestQemu(p)) return false;
    for (let q: ProcessInfo | undefined = p, hops = 0; q && hops < 64; q = byPid.get(q.ppid), hops++) if (q.ppid === root) return true;
    return false;
  });
}

const alive = (pid: number): boolean => processes().some((p) => p.pid === pid);

async function until<T>(get: () => T | undefined, ms: number): Promise<T | undefined> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = get();
    if (v !== undefined || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

if (declareGuestGate(gate, 'nvmet CLI under SIGKILL')) {
  describe.sequential('SIGKILL of the CLI with an nvmet guest running', () => {
    it.each([
      ['run --target nvmet', ['run', 'examples/seed-namespace-change.json', '--target', 'nvmet']],
      ['conformance --target nvmet', ['conformance', '--target', 'nvmet']],
    ])('%s: no QEMU and no guest temp dir is left', async (_name, args) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { stdio: 'ignore' });
      try {
        const guest = await until(() => guestsUnder(child.pid!)[0], 60_000);
        expect(guest, 'the CLI started a guest').toBeDefined();
        const pidfile = guest!.argv[guest!.argv.indexOf('-pidfile') + 1]!;
        const tempDir = dirname(pidfile);
        expect(existsSync(tempDir)).toBe(true);
        await new Promise((r) => setTimeout(r, 2000)); // the guest is booting (or configuring nvmet)
        child.kill('SIGKILL');
        expect(await until(() => (alive(guest!.pid) ? undefined : true), 15_000), 'QEMU ended').toBe(true);
        expect(await until(() => (existsSync(tempDir) ? undefined : true), 10_000), 'its temp dir removed').toBe(true);
      } finally {
        child.kill('SIGKILL');
      }
    }, 120_000);
  });
}
