// A child process (QEMU, a booted guest) that can never outlive the Node process that started it, whatever ends
// that process (exit, an exception, SIGINT/SIGTERM/SIGHUP, SIGKILL), with a bounded close and a bounded stderr
// capture, and a temporary folder it owns that is removed with it or reaped by the next start. POSIX (Linux and
// macOS; /proc, where present, sharpens the liveness checks). What it cannot stop: a grandchild that leaves the
// process group itself (setsid, a daemonizing wrapper).
//
// API
//   createOwnedTempDir(prefix, reap?)  mkdtemp(tmpdir()/prefix) with an owner file (.nvme-actors-owner.json: this
//                               pid, its start time, its ancestors; later the child). The first call for a prefix
//                               in a process first reaps that prefix's stale folders (reapStaleTempDirs).
//   spawnSupervised(options)    spawn `command args` in its own process group (setsid) under a watchdog; resolves
//                               with a SupervisedProcess once it runs, rejects with a SpawnError (code ENOENT,
//                               EACCES, ...) if it cannot be run. A `tempDir` given here belongs to the child from
//                               then on: removed by close(), on a failed spawn, and by the watchdog if we die.
//   SupervisedProcess           pid, stdin/stdout (pipes unless 'ignore'), exited (resolves once, never rejects),
//                               exitStatus, running, stderrTail (the last stderrTailBytes characters; lines go to
//                               onStderrLine, cut to 1024), hold(on) (ref/unref; see keepAlive), kill() (SIGKILL to
//                               the group now), close() (bounded: SIGTERM to the group, SIGKILL after killGraceMs,
//                               gives up waiting after another killGraceMs; destroys the pipes, releases the
//                               watchdog, removes the folder; idempotent, never rejects). When the child exits on
//                               its own, what is left of its group is killed at once.
//   runBounded(command, args, { timeoutMs })  run to the end or kill the group at the deadline (a `--version`
//                               probe): stdout (capped), code, signal, stderrTail, timedOut.
//   reapStaleTempDirs(prefix)   remove tmpdir()/prefix* folders whose owner process (pid and start time) is gone,
//                               after killing the owner's child group if that very process still runs.
//   liveSupervisedProcesses()   children started here and not closed yet.
//
// How: the child is spawned detached (its own session and process group, out of reach of the terminal's Ctrl-C
// and hangup, which this process handles). Right after it, in the same tick, a /bin/sh watchdog is spawned detached
// with the child's group id and folder, holding the read end of a pipe from this process. close() writes "release"
// to it; if this process dies instead (even by SIGKILL) the pipe reaches end-of-file and the watchdog sends SIGTERM
// to the group, SIGKILL after the grace, and removes the folder. In-process guards do the same at once on 'exit'
// and on SIGINT/SIGTERM/SIGHUP (then the signal's default action proceeds unless someone else handles it).
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { lstat, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

export const OWNER_FILE = '.nvme-actors-owner.json';

/** What an owned folder's owner file records. */
export interface OwnerRecord {
  readonly pid: number;
  /** The owner's start time (clock ticks since boot, /proc/PID/stat field 22); absent where /proc is not. */
  readonly startTime?: number;
  /** The owner's parent, grandparent, ... (up to 16; where /proc is). */
  readonly ancestors: readonly number[];
  readonly created: string;
  readonly child?: { readonly pid: number; readonly startTime?: number; readonly command: string };
}

export interface SupervisedOptions {
  readonly command: string;
  readonly args: readonly string[];
  /** Default 'pipe'. */
  readonly stdin?: 'pipe' | 'ignore';
  /** Default 'pipe'. */
  readonly stdout?: 'pipe' | 'ignore';
  readonly env?: NodeJS.ProcessEnv;
  /** A folder from createOwnedTempDir; the child owns it from now on. */
  readonly tempDir?: string;
  /** Characters of stderr kept as the tail (default 8192). */
  readonly stderrTailBytes?: number;
  /** Each stderr line, cut to 1024 characters (a line without end is delivered in pieces of that size). */
  readonly onStderrLine?: (line: string) => void;
  /** SIGTERM → SIGKILL grace of close() and of the watchdog (default 1000 ms). */
  readonly killGraceMs?: number;
  /** Whether the child keeps Node's event loop alive, as a plain child process does (default true). false: only
   * while hold(true) (QEMU holds it while a request is outstanding, so a forgotten close() cannot hang Node). */
  readonly keepAlive?: boolean;
}

export interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** The command could not be run at all. `code` is the errno name (ENOENT, EACCES, ...). */
export class SpawnError extends Error {
  override readonly name = 'SpawnError';
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

const DEFAULT_TAIL = 8192;
const MAX_LINE = 1024;
const DEFAULT_GRACE_MS = 1000;

// The watchdog: $1 the child's process group, $2 its folder ('' for none), $3 the grace in tenths of a second.
// It ignores the signals a terminal or a group kill sends, and waits on its standard input.
// `ended` (with /proc): the group's leader is gone or a zombie, so the grace is over (an orphaned zombie can wait
// long for its new parent to reap it, and `kill -s 0` still reaches it).
const WATCHDOG = [
  "trap '' INT HUP TERM QUIT PIPE",
  'ended() { [ -d /proc/self ] || return 1; s=; read -r s < "/proc/$1/stat" 2>/dev/null || return 0; s=${s##*) }; case $s in Z*|X*) return 0;; esac; return 1; }',
  'while IFS= read -r line; do [ "$line" = release ] && exit 0; done',
  'kill -s TERM -- "-$1" 2>/dev/null',
  'n=0',
  'while [ "$n" -lt "$3" ] && kill -s 0 -- "-$1" 2>/dev/null && ! ended "$1"; do sleep 0.1; n=$((n + 1)); done',
  'kill -s KILL -- "-$1" 2>/dev/null',
  '[ -n "$2" ] && rm -rf -- "$2"',
  'exit 0',
].join('\n');

// ---------------------------------------------------------------------------------------------------------
// /proc (Linux): start times and ancestry, so a pid that was reused is never taken for the process it was.

function procStat(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' '); // [0] is field 3 (state)
  } catch {
    return undefined;
  }
}

const hasProc = (() => {
  let known: boolean | undefined;
  return (): boolean => (known ??= procStat(process.pid) !== undefined);
})();

/** Clock ticks since boot at which `pid` started (Linux), or undefined. */
export function processStartTime(pid: number): number | undefined {
  const fields = procStat(pid);
  return fields ? Number(fields[19]) : undefined;
}

function ancestorsOf(pid: number): number[] {
  const out: number[] = [];
  let p = pid === process.pid ? process.ppid : Number(procStat(pid)?.[1] ?? 0);
  while (p > 1 && out.length < 16) {
    out.push(p);
    const fields = procStat(p);
    if (!fields) break;
    p = Number(fields[1]);
  }
  return out;
}

/** Whether `pid` runs and (where /proc tells) is the process that started at `startTime`. */
export function isSameProcess(pid: number, startTime: number | undefined): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (hasProc()) {
    const now = processStartTime(pid);
    if (now === undefined) return false;
    const state = procStat(pid)?.[0];
    if (state === 'Z' || state === 'X') return false; // a zombie has ended
    return startTime === undefined || now === startTime;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// ---------------------------------------------------------------------------------------------------------
// Live children and folders, and the in-process guards.

const live = new Set<SupervisedProcess>();
const liveDirs = new Set<string>();
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
let guarded = false;

export function liveSupervisedProcesses(): number {
  return live.size;
}

function cleanUpNow(): void {
  for (const p of live) p.kill();
  for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true });
  live.clear();
  liveDirs.clear();
}

function onProcessExit(): void {
  cleanUpNow();
}

function onSignal(signal: NodeJS.Signals): void {
  cleanUpNow();
  updateGuards();
  // Keep the default behaviour (terminate) unless someone else handles the signal.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function updateGuards(): void {
  const needed = live.size > 0 || liveDirs.size > 0;
  if (needed === guarded) return;
  guarded = needed;
  if (needed) {
    process.once('exit', onProcessExit);
    for (const s of SIGNALS) process.once(s, onSignal);
  } else {
    process.removeListener('exit', onProcessExit);
    for (const s of SIGNALS) process.removeListener(s, onSignal);
  }
}

function track<T>(set: Set<T>, item: T, on: boolean): void {
  if (on) set.add(item);
  else set.delete(item);
  updateGuards();
}

// ---------------------------------------------------------------------------------------------------------
// Owned folders.

const reaped = new Map<string, Promise<unknown>>();

function ownerRecord(): OwnerRecord {
  const startTime = processStartTime(process.pid);
  return { pid: process.pid, ...(startTime === undefined ? {} : { startTime }), ancestors: ancestorsOf(process.pid), created: new Date().toISOString() };
}

/** A new folder tmpdir()/prefixXXXXXX owned by this process (its owner file written); stale folders of the same
 * prefix are reaped first, once per process. Remove it with removeOwnedTempDir, or hand it to spawnSupervised. */
export async function createOwnedTempDir(prefix: string, reap: ReapOptions = {}): Promise<string> {
  if (!reaped.has(prefix)) reaped.set(prefix, reapStaleTempDirs(prefix, reap).catch(() => undefined));
  await reaped.get(prefix);
  const dir = await mkdtemp(join(tmpdir(), prefix));
  track(liveDirs, dir, true);
  try {
    await writeFile(join(dir, OWNER_FILE), JSON.stringify(ownerRecord()));
  } catch (e) {
    await removeOwnedTempDir(dir);
    throw e;
  }
  return dir;
}

export async function removeOwnedTempDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  track(liveDirs, dir, false);
}

/** The owner file of `dir`, or undefined (none, or unreadable). */
export async function readOwner(dir: string): Promise<OwnerRecord | undefined> {
  try {
    const o = JSON.parse(await readFile(join(dir, OWNER_FILE), 'utf8')) as OwnerRecord;
    return Number.isInteger(o?.pid) ? o : undefined;
  } catch {
    return undefined;
  }
}

export interface ReapOptions {
  /** Folders without an owner file (made by an older version) are reaped too when their name matches this, they
   * are older than legacyMinAgeMs (default 60 s), and no running process names them in its command line except an
   * orphan (parent PID 1), which is killed. */
  readonly legacyName?: RegExp;
  readonly legacyMinAgeMs?: number;
}

export interface ReapReport {
  readonly removed: string[];
  /** Child processes (pids) of dead owners that were still running and were killed. */
  readonly killed: number[];
}

function commandLines(): { pid: number; ppid: number; cmdline: string }[] {
  if (!hasProc()) return [];
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  return names
    .filter((n) => /^\d+$/.test(n))
    .flatMap((n) => {
      try {
        return [{ pid: Number(n), ppid: Number(procStat(Number(n))?.[1] ?? 0), cmdline: readFileSync(`/proc/${n}/cmdline`, 'utf8') }];
      } catch {
        return [];
      }
    });
}

function killGroupAndLeader(pid: number): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // gone already
    }
  }
}

/** Remove the stale folders tmpdir()/prefix*: those whose owner (pid and start time) no longer runs. */
export async function reapStaleTempDirs(prefix: string, options: ReapOptions = {}): Promise<ReapReport> {
  const removed: string[] = [];
  const killed: number[] = [];
  const root = tmpdir();
  let names: string[];
  try {
    names = (await readdir(root)).filter((n) => n.startsWith(prefix));
  } catch {
    return { removed, killed };
  }
  const uid = process.getuid?.();
  let cmdlines: ReturnType<typeof commandLines> | undefined;
  for (const name of names) {
    const dir = join(root, name);
    const s = await lstat(dir).catch(() => undefined);
    if (!s?.isDirectory() || (uid !== undefined && s.uid !== uid)) continue; // never follow a link, never others' folders
    const owner = await readOwner(dir);
    if (owner) {
      if (isSameProcess(owner.pid, owner.startTime)) continue;
      const child = owner.child;
      // Kill the child only if that very process still runs (pid and start time), and it still names the folder.
      if (child && hasProc() && isSameProcess(child.pid, child.startTime)) {
        const cmdline = (() => {
          try {
            return readFileSync(`/proc/${child.pid}/cmdline`, 'utf8');
          } catch {
            return '';
          }
        })();
        if (child.startTime !== undefined || cmdline.includes(dir)) {
          killGroupAndLeader(child.pid);
          killed.push(child.pid);
        }
      }
    } else {
      if (!options.legacyName?.test(name) || Date.now() - s.mtimeMs < (options.legacyMinAgeMs ?? 60_000)) continue;
      cmdlines ??= commandLines();
      const users = cmdlines.filter((p) => p.cmdline.includes(dir));
      if (users.some((p) => p.ppid !== 1)) continue; // in use by a running program
      for (const p of users) {
        killGroupAndLeader(p.pid);
        killed.push(p.pid);
      }
    }
    await rm(dir, { recursive: true, force: true });
    removed.push(dir);
  }
  return { removed, killed };
}

/** Whether `work` settles within `ms` (it is not cancelled either way). */
async function within(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const done = await Promise.race([work.then(() => true, () => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)))]);
  clearTimeout(timer);
  return done;
}

// ---------------------------------------------------------------------------------------------------------
// Bounded stderr.

/** Keeps the last `cap` characters and splits lines, each cut to MAX_LINE characters. */
class StderrCapture {
  private tailText = '';
  private partial = '';

  constructor(
    private readonly cap: number,
    private readonly onLine: ((line: string) => void) | undefined,
  ) {}

  get tail(): string {
    return this.tailText;
  }

  push(chunk: string): void {
    this.tailText = chunk.length >= this.cap ? chunk.slice(-this.cap) : (this.tailText + chunk).slice(-this.cap);
    if (!this.onLine) return;
    let start = 0;
    let nl: number;
    while ((nl = chunk.indexOf('\n', start)) >= 0) {
      this.emit(this.partial + chunk.slice(start, nl));
      this.partial = '';
      start = nl + 1;
    }
    this.partial += chunk.slice(start);
    while (this.partial.length >= MAX_LINE) {
      this.emit(this.partial.slice(0, MAX_LINE));
      this.partial = this.partial.slice(MAX_LINE);
    }
  }

  end(): void {
    if (this.partial) this.emit(this.partial);
    this.partial = '';
  }

  private emit(line: string): void {
    try {
      this.onLine!(line.length > MAX_LINE ? line.slice(0, MAX_LINE) : line);
    } catch {
      // a listener's failure is not the child's
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// The supervised process.

interface Refable {
  ref(): void;
  unref(): void;
}
const isRefable = (x: unknown): x is Refable => typeof x === 'object' && x !== null && 'ref' in x && 'unref' in x;

export class SupervisedProcess {
  readonly pid: number;
  readonly exited: Promise<ExitStatus>;
  private status: ExitStatus | undefined;
  private readonly stderr: StderrCapture;
  private readonly grace: number;
  private closing: Promise<void> | undefined;
  private groupGone = false;
  private stderrEnded: Promise<void>;
  private readonly keepAlive: boolean;

  /** Use spawnSupervised(). */
  constructor(
    private readonly child: ChildProcess,
    private readonly watchdog: ChildProcess,
    readonly tempDir: string | undefined,
    options: SupervisedOptions,
  ) {
    this.pid = child.pid!;
    this.grace = options.killGraceMs ?? DEFAULT_GRACE_MS;
    this.stderr = new StderrCapture(options.stderrTailBytes ?? DEFAULT_TAIL, options.onStderrLine);
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => this.stderr.push(chunk));
    this.stderrEnded = new Promise((resolve) => {
      if (!child.stderr) return resolve();
      child.stderr.once('end', () => (this.stderr.end(), resolve()));
      child.stderr.once('close', () => resolve());
      child.stderr.once('error', () => resolve());
    });
    child.stdin?.on('error', () => undefined); // EPIPE once it has gone; reported through `exited`
    child.stdout?.on('error', () => undefined);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.status = { code, signal };
        this.killGroup(); // what is left of its group goes with it
        this.groupGone = true;
        resolve(this.status);
      });
    });
    watchdog.stdin?.on('error', () => undefined);
    watchdog.unref();
    if (isRefable(watchdog.stdin)) watchdog.stdin.unref();
    this.keepAlive = options.keepAlive ?? true;
    this.hold(this.keepAlive);
  }

  get stdin(): Writable | null {
    return this.child.stdin;
  }

  get stdout(): Readable | null {
    return this.child.stdout;
  }

  get running(): boolean {
    return this.status === undefined;
  }

  get exitStatus(): ExitStatus | undefined {
    return this.status;
  }

  /** The last characters the child wrote to stderr (at most stderrTailBytes). */
  get stderrTail(): string {
    return this.stderr.tail;
  }

  /** Resolves when stderr has ended or `ms` passed, whichever first (for a last line after an exit). */
  async stderrSettled(ms: number): Promise<void> {
    await within(this.stderrEnded, ms);
  }

  /** Keep Node's event loop alive for this child or not (see keepAlive). */
  hold(on: boolean): void {
    for (const item of [this.child, this.child.stdin, this.child.stdout, this.child.stderr]) {
      if (isRefable(item)) (on ? item.ref : item.unref).call(item);
    }
  }

  /** SIGKILL to the child's whole process group, now. */
  kill(): void {
    this.killGroup('SIGKILL');
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private killGroup(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.groupGone) return;
    for (const target of [-this.pid, this.pid]) {
      try {
        process.kill(target, signal);
      } catch {
        // gone already, or never a group of its own
      }
    }
  }

  private exitWithin(ms: number): Promise<boolean> {
    return this.status ? Promise.resolve(true) : within(this.exited, ms);
  }

  private async shutdown(): Promise<void> {
    this.hold(true);
    if (this.running) {
      this.child.stdin?.end();
      this.killGroup('SIGTERM');
      if (!(await this.exitWithin(this.grace))) {
        this.killGroup('SIGKILL');
        await this.exitWithin(this.grace);
      }
    }
    this.killGroup('SIGKILL');
    this.groupGone = true;
    // A process that left the group may still hold the pipes: never wait for them.
    this.child.stdin?.destroy();
    this.child.stdout?.destroy();
    this.child.stderr?.destroy();
    this.hold(false);
    this.child.unref();
    this.releaseWatchdog();
    if (this.tempDir) await removeOwnedTempDir(this.tempDir);
    track(live, this, false);
  }

  private releaseWatchdog(): void {
    const stdin = this.watchdog.stdin;
    if (!stdin || stdin.destroyed) return;
    stdin.end('release\n');
  }
}

function recordChild(dir: string, child: ChildProcess, command: string): void {
  try {
    const file = join(dir, OWNER_FILE);
    const owner = JSON.parse(readFileSync(file, 'utf8')) as OwnerRecord;
    const startTime = processStartTime(child.pid!);
    writeFileSync(file, JSON.stringify({ ...owner, child: { pid: child.pid!, ...(startTime === undefined ? {} : { startTime }), command } }));
  } catch {
    // the folder is still removed by close() and by the watchdog; only a later reap would miss the child
  }
}

/** Start `command` in its own process group under a parent-death watchdog (see the API note at the top). */
export function spawnSupervised(options: SupervisedOptions): Promise<SupervisedProcess> {
  const grace = options.killGraceMs ?? DEFAULT_GRACE_MS;
  const dir = options.tempDir;
  if (dir) track(liveDirs, dir, true);
  let child: ChildProcess;
  try {
    child = spawn(options.command, options.args, {
      stdio: [options.stdin ?? 'pipe', options.stdout ?? 'pipe', 'pipe'],
      detached: true,
      ...(options.env ? { env: options.env } : {}),
    });
  } catch (e) {
    // A synchronous failure (a bad argument such as a NUL byte in the command).
    if (dir) void removeOwnedTempDir(dir);
    return Promise.reject(new SpawnError(`cannot start ${options.command}: ${(e as Error).message}`, (e as NodeJS.ErrnoException).code));
  }
  if (child.pid === undefined) {
    return new Promise((_, reject) => {
      child.once('error', (error: NodeJS.ErrnoException) => {
        const done = dir ? removeOwnedTempDir(dir) : Promise.resolve();
        void done.finally(() => reject(new SpawnError(`cannot start ${options.command}: ${error.code ?? error.message}`, error.code)));
      });
    });
  }
  // Same tick as the spawn: the watchdog holds the read end of our pipe from now on.
  const watchdog = spawn('/bin/sh', ['-c', WATCHDOG, 'nvme-actors-watchdog', String(child.pid), dir ?? '', String(Math.max(1, Math.ceil(grace / 100)))], {
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: true,
  });
  watchdog.once('error', () => undefined); // no /bin/sh: the in-process guards still apply
  if (dir) recordChild(dir, child, options.command);
  const supervised = new SupervisedProcess(child, watchdog, dir, options);
  track(live, supervised, true);
  return new Promise((resolve, reject) => {
    child.once('spawn', () => resolve(supervised));
    child.once('error', (error: NodeJS.ErrnoException) => {
      void supervised.close().finally(() => reject(new SpawnError(`cannot start ${options.command}: ${error.code ?? error.message}`, error.code)));
    });
  });
}

export interface BoundedRun extends ExitStatus {
  readonly stdout: string;
  readonly stderrTail: string;
  readonly timedOut: boolean;
}

/** Run `command args` to its end, or kill its group at `timeoutMs`; stdout is kept up to `maxOutput` characters. */
export async function runBounded(command: string, args: readonly string[], options: { timeoutMs: number; maxOutput?: number; env?: NodeJS.ProcessEnv }): Promise<BoundedRun> {
  const max = options.maxOutput ?? 65_536;
  const p = await spawnSupervised({ command, args, stdin: 'ignore', killGraceMs: 200, stderrTailBytes: 4096, ...(options.env ? { env: options.env } : {}) });
  let out = '';
  p.stdout?.setEncoding('utf8');
  p.stdout?.on('data', (chunk: string) => {
    if (out.length < max) out = (out + chunk).slice(0, max);
  });
  const stdoutEnded = new Promise<void>((resolve) => {
    if (!p.stdout) return resolve();
    p.stdout.once('end', resolve);
    p.stdout.once('close', resolve);
  });
  p.hold(true);
  const timedOut = !(await within(p.exited, options.timeoutMs));
  if (!timedOut) await Promise.all([within(stdoutEnded, 200), p.stderrSettled(200)]);
  await p.close();
  const status = p.exitStatus ?? { code: null, signal: 'SIGKILL' as NodeJS.Signals };
  return { ...status, stdout: out, stderrTail: p.stderrTail, timedOut };
}
