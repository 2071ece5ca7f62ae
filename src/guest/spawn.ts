// How the guest's QEMU is started and stopped: one function over the process supervisor
// (src/host/supervised-process.ts): its own process group, a watchdog that stops it and removes its temporary
// folder when this Node process dies in any way (SIGKILL included), a bounded stderr tail, a bounded close.
import type { Readable, Writable } from 'node:stream';
import { createOwnedTempDir, SpawnError, spawnSupervised, type SupervisedProcess } from '../host/supervised-process.ts';

export interface SpawnedGuest {
  readonly pid: number;
  readonly tempDir: string;
  readonly stdin: Writable;
  readonly stdout: Readable;
  /** Settles once the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The last few KiB of stderr. */
  stderrTail(): string;
  /** SIGTERM, then SIGKILL of the whole group after graceMs; resolves when it is gone and its folder removed. */
  stop(graceMs?: number): Promise<void>;
}

/** The prefix of the guest's temporary folder. It contains `nvme-actors-qemu-`, which marks the process as ours
 * for the test suites' leftover check (test/support/qemu.ts), through the -pidfile argument inside it. */
export const GUEST_TEMP_PREFIX = 'nvme-actors-qemu-guest-';

const live = new Map<number, { pid: number; tempDir: string }>();

/** The guests this process started that have not exited: QEMU's pid and the temp dir. */
export function liveGuests(): { pid: number; tempDir: string }[] {
  return [...live.values()];
}

/** A folder for one guest, owned by this process (the supervisor's reaper removes it if we die before spawning). */
export const guestTempDir = (): Promise<string> => createOwnedTempDir(GUEST_TEMP_PREFIX);

/** Start `binary args` supervised; `tempDir` (from guestTempDir) belongs to the child from now on. Rejects with an
 * Error naming the binary when it cannot be run. */
export async function spawnGuest(binary: string, args: readonly string[], options: { tempDir: string; stderrBytes?: number }): Promise<SpawnedGuest> {
  let p: SupervisedProcess;
  try {
    p = await spawnSupervised({ command: binary, args, tempDir: options.tempDir, stdin: 'pipe', stdout: 'pipe', stderrTailBytes: options.stderrBytes ?? 8192, killGraceMs: 1000, keepAlive: true });
  } catch (e) {
    if (e instanceof SpawnError) throw new Error(`${binary} cannot be run (${e.code ?? e.message})`);
    throw e;
  }
  live.set(p.pid, { pid: p.pid, tempDir: options.tempDir });
  const exited = p.exited.then((s) => {
    live.delete(p.pid);
    return { code: s.code, signal: s.signal };
  });
  p.stdin!.on('error', () => undefined); // EPIPE after QEMU died: the exit is reported instead
  let stopping: Promise<void> | undefined;
  return {
    pid: p.pid,
    tempDir: options.tempDir,
    stdin: p.stdin!,
    stdout: p.stdout!,
    exited,
    stderrTail: () => p.stderrTail,
    stop(graceMs = 1000) {
      stopping ??= (async () => {
        if (p.running) {
          const timer = setTimeout(() => p.kill(), graceMs);
          await p.close();
          clearTimeout(timer);
        } else {
          await p.close();
        }
        live.delete(p.pid);
      })();
      return stopping;
    },
  };
}
