// A Linux guest under QEMU (q35, TCG) booted from the cached image (src/guest/image.ts), with its serial console as
// the control channel (the protocol is in src/guest/init-script.ts) and the guest's TCP port 4420 forwarded to a
// free port on the host's 127.0.0.1. Every wait is bounded; a guest that dies or stops answering fails what is
// waiting on it with a GuestError naming what happened, and is never left running (src/guest/spawn.ts).
import { createServer } from 'node:net';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureGuestImage, type GuestImage, type GuestImageOptions } from './image.ts';
import { READY_MARKER } from './init-script.ts';
import { spawnGuest, type SpawnedGuest } from './spawn.ts';

export type GuestErrorKind = 'image' | 'start' | 'boot-timeout' | 'died' | 'hung' | 'closed';

/** Exit codes a command-line caller can use: the guest never got ready, died, or hung. */
export const GUEST_EXIT_CODE: Readonly<Record<GuestErrorKind, number>> = { image: 3, start: 3, 'boot-timeout': 4, died: 5, hung: 6, closed: 5 };

export class GuestError extends Error {
  override readonly name = 'GuestError';
  constructor(
    readonly kind: GuestErrorKind,
    message: string,
    readonly consoleTail: string = '',
  ) {
    super(message);
  }
  get exitCode(): number {
    return GUEST_EXIT_CODE[this.kind];
  }
}

export interface GuestOptions {
  readonly image?: GuestImage;
  readonly imageOptions?: GuestImageOptions;
  /** Default $NVME_ACTORS_QEMU, else qemu-system-x86_64. */
  readonly binary?: string;
  readonly memoryMiB?: number;
  /** From QEMU's start to the READY marker (default 120 s: TCG on a loaded 2-core machine). */
  readonly bootTimeoutMs?: number;
  /** Guest ports to forward from a free port on 127.0.0.1 (default [4420]). */
  readonly forwardPorts?: readonly number[];
  /** Extra kernel command-line words. */
  readonly append?: string;
  readonly log?: (line: string) => void;
}

export interface CommandResult {
  readonly status: number;
  readonly output: string;
}

export interface Guest {
  readonly image: GuestImage;
  readonly pid: number;
  /** Host port on 127.0.0.1 for each forwarded guest port. */
  readonly hostPorts: ReadonlyMap<number, number>;
  /** ms from spawn to the READY marker. */
  readonly bootMs: number;
  /** Run a shell script in the guest; resolves with its exit status and output (stdout and stderr). A guest that
   * does not answer within timeoutMs (default 20 s) is stopped and the call rejects with a 'hung' GuestError. */
  run(script: string, options?: { timeoutMs?: number }): Promise<CommandResult>;
  /** run() that rejects unless the status is 0. */
  check(script: string, options?: { timeoutMs?: number }): Promise<string>;
  /** The last console lines. */
  consoleTail(): string;
  /** Settles when QEMU has exited. */
  readonly exited: Promise<void>;
  /** Power off (bounded), then stop QEMU and remove its temp dir. Idempotent. */
  close(): Promise<void>;
}

const TAIL_LINES = 40;

export function defaultQemuBinary(): string {
  return process.env.NVME_ACTORS_QEMU ?? 'qemu-system-x86_64';
}

/** A port on 127.0.0.1 that was free a moment ago (QEMU binds it; a lost race is retried by bootGuest). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      s.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export async function bootGuest(options: GuestOptions = {}): Promise<Guest> {
  let image: GuestImage;
  try {
    image = options.image ?? (await ensureGuestImage({ ...options.imageOptions, ...(options.log ? { log: options.log } : {}) }));
  } catch (e) {
    throw new GuestError('image', (e as Error).message);
  }
  let last: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await bootOnce(image, options);
    } catch (e) {
      last = e;
      // Another process took the forwarded port between freePort() and QEMU's bind: try another one.
      if (!(e instanceof GuestError && e.kind === 'start' && /host forwarding|Could not set up|in use/i.test(e.message))) throw e;
    }
  }
  throw last;
}

async function bootOnce(image: GuestImage, options: GuestOptions): Promise<Guest> {
  const log = options.log ?? (() => undefined);
  const forward = options.forwardPorts ?? [4420];
  const hostPorts = new Map<number, number>();
  for (const p of forward) hostPorts.set(p, await freePort());
  // The directory name marks the process as ours for the test suites' leftover check (test/support/qemu.ts).
  const tempDir = await mkdtemp(join(tmpdir(), 'nvme-actors-qemu-guest-'));
  const hostfwd = [...hostPorts].map(([g, h]) => `,hostfwd=tcp:127.0.0.1:${h}-:${g}`).join('');
  const args = [
    '-machine', 'q35', '-m', `${options.memoryMiB ?? 512}M`, '-nographic', '-no-reboot',
    '-kernel', image.kernel, '-initrd', image.initramfs,
    '-append', `console=ttyS0 quiet panic=-1 ${options.append ?? ''}`.trim(),
    '-netdev', `user,id=n0${hostfwd}`, '-device', 'e1000,netdev=n0,romfile=',
    '-pidfile', join(tempDir, 'qemu.pid'),
  ];
  const binary = options.binary ?? defaultQemuBinary();
  const started = Date.now();
  const proc = spawnGuest(binary, args, { tempDir });
  log(`guest: started ${binary} (pid ${proc.pid}), forwarding ${[...hostPorts].map(([g, h]) => `127.0.0.1:${h} → guest :${g}`).join(', ')}`);
  return attachConsole(proc, image, hostPorts, started, options.bootTimeoutMs ?? 120_000, log);
}

interface Pending {
  readonly id: number;
  readonly resolve: (r: CommandResult) => void;
  readonly reject: (e: Error) => void;
  output: string[] | undefined; // undefined until @@B
}

function attachConsole(proc: SpawnedGuest, image: GuestImage, hostPorts: Map<number, number>, started: number, bootTimeoutMs: number, log: (l: string) => void): Promise<Guest> {
  const tail: string[] = [];
  let partial = '';
  let ready = false;
  let dead: GuestError | undefined;
  let pending: Pending | undefined;
  let nextId = 1;
  let queue: Promise<unknown> = Promise.resolve();
  let closing: Promise<void> | undefined;
  const consoleTail = (): string => tail.join('\n');
  let onReady: (() => void) | undefined;
  let onDead: ((e: GuestError) => void) | undefined;

  const kill = (e: GuestError): void => {
    if (!dead) dead = e;
    pending?.reject(dead);
    pending = undefined;
    onDead?.(dead);
    void proc.stop(500);
  };

  const onLine = (raw: string): void => {
    const line = raw.replace(/\r/g, '');
    tail.push(line);
    if (tail.length > TAIL_LINES) tail.shift();
    if (!ready) {
      if (line.includes(READY_MARKER)) { // after BIOS screen escapes on the same line
        ready = true;
        onReady?.();
      }
      return;
    }
    const p = pending;
    if (!p) return;
    if (p.output === undefined) {
      if (line === `@@B ${p.id}`) p.output = [];
      return;
    }
    const end = /^@@E (\d+) (\d+)$/.exec(line);
    if (end && Number(end[1]) === p.id) {
      pending = undefined;
      p.resolve({ status: Number(end[2]), output: p.output.join('\n') });
      return;
    }
    p.output.push(line);
  };

  proc.stdout.setEncoding('utf8');
  proc.stdout.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop()!;
    if (partial.length > 65536) partial = partial.slice(-65536);
    for (const l of parts) onLine(l);
  });

  const exited = proc.exited.then(({ code, signal }) => {
    if (!closing) {
      const why = signal ? `was killed by ${signal}` : `exited with status ${code}`;
      const err = proc.stderrTail().trim().split('\n').pop() ?? '';
      kill(new GuestError(ready ? 'died' : 'start', `guest: QEMU ${why}${ready ? ' while the guest was running' : ' before the guest was ready'}${err ? ` (QEMU: ${err.slice(0, 200)})` : ''}`, consoleTail()));
    }
  });

  const send = (script: string, timeoutMs: number): Promise<CommandResult> => {
    if (dead) return Promise.reject(dead);
    const id = nextId++;
    const secs = Math.max(1, Math.ceil(timeoutMs / 1000));
    return new Promise<CommandResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        kill(new GuestError('hung', `guest: no answer to a console command within ${timeoutMs} ms (guest stopped)`, consoleTail()));
      }, timeoutMs + 2000); // the guest's own `timeout` ends the script first; this is for a guest that is gone
      pending = {
        id,
        output: undefined,
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      proc.stdin.write(`@@C ${id} ${secs} ${Buffer.from(script).toString('base64')}\n`);
    });
  };

  const guest: Guest = {
    image,
    pid: proc.pid,
    hostPorts,
    bootMs: 0,
    run(script, o = {}) {
      const timeoutMs = o.timeoutMs ?? 20_000;
      if (Buffer.byteLength(script) > 3000) return Promise.reject(new Error(`guest: a console command is at most 3000 bytes (this one is ${Buffer.byteLength(script)}): split it`));
      const p = queue.then(() => send(script, timeoutMs));
      queue = p.catch(() => undefined);
      return p;
    },
    async check(script, o) {
      const r = await guest.run(script, o);
      if (r.status !== 0) throw new Error(`guest: command failed with status ${r.status}: ${script.split('\n')[0]!.slice(0, 80)}${r.output ? `: ${r.output.split('\n').slice(-3).join(' | ').slice(0, 300)}` : ''}`);
      return r.output;
    },
    consoleTail,
    exited,
    close() {
      closing ??= (async () => {
        if (!dead && ready) {
          proc.stdin.write('@@POWEROFF\n');
          const off = await Promise.race([proc.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 3000).unref())]);
          if (!off) log('guest: no power-off within 3 s; stopping QEMU');
        }
        dead ??= new GuestError('closed', 'guest: closed');
        pending?.reject(dead);
        pending = undefined;
        await proc.stop(1000);
      })();
      return closing;
    },
  };

  return new Promise<Guest>((resolve, reject) => {
    const timer = setTimeout(() => {
      kill(new GuestError('boot-timeout', `guest: no ${READY_MARKER} on the serial console within ${bootTimeoutMs} ms (guest stopped)`, consoleTail()));
    }, bootTimeoutMs);
    onDead = (e) => {
      clearTimeout(timer);
      void proc.stop(500).then(() => reject(e));
    };
    onReady = () => {
      clearTimeout(timer);
      onDead = undefined;
      const bootMs = Date.now() - started;
      log(`guest: ready after ${bootMs} ms (${image.kernelRelease})`);
      resolve(Object.assign(guest, { bootMs }));
    };
  });
}
