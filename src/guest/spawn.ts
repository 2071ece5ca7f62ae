// How the guest's QEMU is started and stopped: one replaceable function. The process runs in its own process group;
// a watchdog (a detached `sh` loop) kills that group when this Node process is gone, even after SIGKILL, and
// removes the temporary directory; stop() ends it with a bounded grace period; stderr is kept to a bounded tail.
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';

export interface SpawnedGuest {
  readonly pid: number;
  readonly stdin: Writable;
  readonly stdout: Readable;
  /** Settles once the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The last few KiB of stderr. */
  stderrTail(): string;
  /** SIGTERM, then SIGKILL of the whole group after graceMs; resolves when it has exited. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnGuestOptions {
  /** Removed after the process is gone (also by the watchdog). */
  readonly tempDir: string;
  readonly stderrBytes?: number;
}

const live = new Set<{ child: ChildProcess; tempDir: string }>();
let exitHooked = false;

/** The guests this process started that have not exited: QEMU's pid and the temp dir. */
export function liveGuests(): { pid: number; tempDir: string }[] {
  return [...live].flatMap(({ child, tempDir }) => (child.pid && child.exitCode === null && child.signalCode === null ? [{ pid: child.pid, tempDir }] : []));
}

function hookExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  process.once('exit', () => {
    for (const { child, tempDir } of live) {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // gone already
      }
      rmSync(tempDir, { recursive: true, force: true });
    }
  });
}

/** Start `binary args` supervised. Replace this function (same shape) to use another supervisor. */
export function spawnGuest(binary: string, args: readonly string[], options: SpawnGuestOptions): SpawnedGuest {
  hookExit();
  const child = spawn(binary, args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  const entry = { child, tempDir: options.tempDir };
  live.add(entry);
  const limit = options.stderrBytes ?? 8192;
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (s: string) => {
    stderr = (stderr + s).slice(-limit);
  });
  child.stdin!.on('error', () => undefined); // EPIPE after QEMU died: the exit is reported instead
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('error', (e) => {
      stderr += `\n${e.message}`;
      resolve({ code: null, signal: null });
    });
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  void exited.then(() => {
    live.delete(entry);
    rmSync(options.tempDir, { recursive: true, force: true });
  });

  // Parent-death watchdog: polls this process's PID and kills QEMU's group when it is gone.
  if (child.pid) {
    const script = `while kill -0 ${process.pid} 2>/dev/null && kill -0 ${child.pid} 2>/dev/null; do sleep 0.5; done; kill -KILL -${child.pid} 2>/dev/null; rm -rf '${options.tempDir.replace(/'/g, '')}'`;
    const dog = spawn('sh', ['-c', script], { stdio: 'ignore', detached: true });
    dog.on('error', () => undefined);
    dog.unref();
  }

  let stopping: Promise<void> | undefined;
  const signalGroup = (sig: NodeJS.Signals): void => {
    try {
      if (child.pid) process.kill(-child.pid, sig);
    } catch {
      // gone already
    }
  };
  return {
    pid: child.pid ?? -1,
    stdin: child.stdin!,
    stdout: child.stdout!,
    exited,
    stderrTail: () => stderr,
    stop(graceMs = 2000) {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          signalGroup('SIGTERM');
          const timer = setTimeout(() => signalGroup('SIGKILL'), graceMs);
          await exited;
          clearTimeout(timer);
        }
        rmSync(options.tempDir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}
