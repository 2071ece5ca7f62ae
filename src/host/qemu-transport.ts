// A Transport onto QEMU's emulated NVMe controller (PCI 1b36:0010), driven with no guest OS over the qtest
// line protocol on stdio: the VM stays paused (-S), the host finds the device by PCI config cycles, maps BAR0,
// and reaches registers and guest RAM with readl/writel/read/write. One request line is in flight at a time.
// Every QEMU child is killed on close() and, as a last resort, when this Node process exits.

import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Transport } from './transport.ts';

export interface QemuNamespaceOptions {
  nsid: number;
  /** Logical blocks (default 2048). */
  blocks?: number;
  /** Logical block size in bytes (default 512). */
  blockSize?: number;
  /** false: present in the subsystem but not attached to the controller (`detached=true`). Default true. */
  attached?: boolean;
}

export interface QemuOptions {
  /** Default: nsid 1, attached, 2048 × 512 B. */
  namespaces?: QemuNamespaceOptions[];
  /** Default 'qemu-system-x86_64'; the environment variable NVME_ACTORS_QEMU overrides the default. */
  binary?: string;
  /** Asynchronous Event Request Limit, 0's based (QEMU's `aerl` property, default 3). */
  aerl?: number;
  /** Guest RAM in MiB (default 64). */
  memoryMiB?: number;
  /** Spawn + device discovery budget (default 15000 ms). */
  startTimeoutMs?: number;
  /** Budget for one qtest answer (default 10000 ms); a miss kills QEMU. */
  commandTimeoutMs?: number;
  /** Lifecycle notes and QEMU's stderr, line by line. */
  log?: (line: string) => void;
}

const DEFAULT_BINARY = 'qemu-system-x86_64';
const INSTALL_HINT = 'install it with `apt-get install -y --no-install-recommends qemu-system-x86` or set NVME_ACTORS_QEMU';
const NVME_PCI_ID = 0x00101b36; // device 0010h << 16 | vendor 1b36h (Red Hat, QEMU NVMe)
const BAR0_ADDRESS = 0xe0000000n; // inside q35's 32-bit PCI hole, clear of MCFG (b0000000h) and the IOAPIC/LAPIC
const GUEST_RAM_BASE = 0x100000n; // 1 MiB: above the legacy area
const MAX_GUEST_WINDOW = 32 * 1024 * 1024;
const IO_CHUNK = 64 * 1024; // bytes per read/write line (128 KiB of hex)
const STDERR_TAIL = 4096;
const KILL_GRACE_MS = 1000;

export class QemuUnavailableError extends Error {
  override readonly name = 'QemuUnavailableError';
}

export class QemuStartError extends Error {
  override readonly name = 'QemuStartError';
  constructor(
    message: string,
    readonly stderrTail: string,
  ) {
    super(stderrTail ? `${message}\n--- QEMU stderr (tail) ---\n${stderrTail}` : message);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Live children: killed (and their temp dirs removed) if Node exits or is interrupted while they run.

const liveChildren = new Set<ChildProcess>();
const tempDirs = new Set<string>(); // removed by close(); the exit guard removes any left behind
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
let guarded = false;

/** QEMU processes started by this module that have not exited yet. */
export function liveQemuProcesses(): number {
  return liveChildren.size;
}

function cleanUpNow(): void {
  for (const child of liveChildren) child.kill('SIGKILL');
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  liveChildren.clear();
  tempDirs.clear();
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

/** Install the exit/signal guards while anything needs cleaning up; remove them when nothing does. */
function updateGuards(): void {
  const needed = liveChildren.size > 0 || tempDirs.size > 0;
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

function trackChild(child: ChildProcess, live: boolean): void {
  if (live) liveChildren.add(child);
  else liveChildren.delete(child);
  updateGuards();
}

function trackDir(dir: string, live: boolean): void {
  if (live) tempDirs.add(dir);
  else tempDirs.delete(dir);
  updateGuards();
}

// ---------------------------------------------------------------------------------------------------------
// Small helpers.

const hex = (v: bigint | number): string => `0x${v.toString(16)}`;

function toHex(data: Uint8Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('hex');
}

function fromHex(text: string, length: number): Uint8Array {
  const digits = text.startsWith('0x') ? text.slice(2) : text;
  const out = new Uint8Array(length);
  out.set(Buffer.from(digits.slice(0, length * 2), 'hex'));
  return out;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => (ms > 0 ? setTimeout(resolve, ms) : setImmediate(resolve)));
}

/** The QEMU binary startQemu runs: NVME_ACTORS_QEMU, else qemu-system-x86_64. */
export function defaultBinary(): string {
  return process.env.NVME_ACTORS_QEMU || DEFAULT_BINARY;
}

interface Refable {
  ref(): void;
  unref(): void;
}

function isRefable(x: unknown): x is Refable {
  return typeof x === 'object' && x !== null && 'ref' in x && 'unref' in x;
}

/** Keep Node alive for this child only while work is outstanding, so a forgotten close() cannot hang Node. */
function holdOpen(child: ChildProcess, on: boolean): void {
  for (const item of [child, child.stdin, child.stdout, child.stderr]) {
    if (isRefable(item)) (on ? item.ref : item.unref).call(item);
  }
}

// ---------------------------------------------------------------------------------------------------------
// The qtest channel: a FIFO of waiters, one answer line per request.

interface Waiter {
  request: string;
  resolve: (answer: string) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

class QtestChannel {
  private readonly waiters: Waiter[] = [];
  private stdoutBuffer = '';
  private stderrBuffer = '';
  private stderrTailText = '';
  private failure: Error | undefined;
  private lock: Promise<unknown> = Promise.resolve();
  readonly exited: Promise<void>;

  constructor(
    readonly child: ChildProcess,
    private readonly commandTimeoutMs: number,
    private readonly log: (line: string) => void,
  ) {
    this.exited = new Promise((resolve) => child.once('close', () => resolve()));
    child.stdout?.setEncoding('utf8');
    child.stderr?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => this.onStdout(chunk));
    child.stderr?.on('data', (chunk: string) => this.onStderr(chunk));
    child.stdin?.on('error', () => undefined); // EPIPE after exit; reported through 'exit'
    child.once('exit', () => trackChild(child, false));
    child.once('close', (code: number | null, signal: NodeJS.Signals | null) => this.onClose(code, signal)); // stderr drained
    holdOpen(child, false);
  }

  get alive(): boolean {
    return this.failure === undefined;
  }

  get stderrTail(): string {
    return (this.stderrTailText + this.stderrBuffer).trim();
  }

  /** Run `body` with exclusive use of the channel, so multi-line operations never interleave. */
  exclusive<T>(body: () => Promise<T>): Promise<T> {
    const run = this.lock.then(body, body);
    this.lock = run.catch(() => undefined);
    return run;
  }

  /** Send one request line and resolve with its answer (the text after `OK`). */
  request(line: string): Promise<string> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.onTimeout(line), this.commandTimeoutMs);
      if (this.waiters.length === 0) holdOpen(this.child, true);
      this.waiters.push({ request: line, resolve, reject, timer });
      this.child.stdin?.write(`${line}\n`);
    });
  }

  /** Mark the channel failed: pending and later requests reject with `error`. */
  fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(error);
    }
  }

  private onStdout(chunk: string): void {
    this.stdoutBuffer += chunk;
    let nl: number;
    while ((nl = this.stdoutBuffer.indexOf('\n')) >= 0) {
      const line = this.stdoutBuffer.slice(0, nl).replace(/\r$/, '');
      this.stdoutBuffer = this.stdoutBuffer.slice(nl + 1);
      this.onLine(line);
    }
  }

  private onLine(line: string): void {
    if (line.startsWith('IRQ')) return; // only sent after irq_intercept_*, which we never ask for
    const waiter = line.startsWith('OK') || line.startsWith('FAIL') || line.startsWith('ERR') ? this.waiters.shift() : undefined;
    if (!waiter) {
      this.log(`qtest: unexpected line: ${line}`);
      return;
    }
    clearTimeout(waiter.timer);
    if (this.waiters.length === 0) holdOpen(this.child, false);
    if (line.startsWith('OK')) waiter.resolve(line.slice(2).trim());
    else waiter.reject(new Error(`qtest request \`${waiter.request.slice(0, 80)}\` answered: ${line}`));
  }

  private onStderr(chunk: string): void {
    this.stderrBuffer += chunk;
    let nl: number;
    while ((nl = this.stderrBuffer.indexOf('\n')) >= 0) {
      const line = this.stderrBuffer.slice(0, nl);
      this.stderrBuffer = this.stderrBuffer.slice(nl + 1);
      this.stderrTailText = (this.stderrTailText + line + '\n').slice(-STDERR_TAIL);
      this.log(`qemu stderr: ${line}`);
    }
  }

  private onClose(code: number | null, signal: NodeJS.Signals | null): void {
    const how = signal ? `signal ${signal}` : `code ${code}`;
    const tail = this.stderrTail;
    this.log(`qemu pid ${this.child.pid} exited (${how})`);
    const last = tail.split('\n').pop() ?? '';
    const detail = tail ? `: ${last}\n--- QEMU stderr (tail) ---\n${tail}` : ' with no stderr output';
    this.fail(new Error(`QEMU exited (${how})${detail}`));
  }

  private onTimeout(line: string): void {
    const error = new Error(`QEMU did not answer \`${line.slice(0, 80)}\` within ${this.commandTimeoutMs} ms; killed it`);
    this.fail(error);
    this.child.kill('SIGKILL');
  }
}

// ---------------------------------------------------------------------------------------------------------
// Command line and disk images.

interface NamespaceImage {
  nsid: number;
  path: string;
  attached: boolean;
  blockSize: number;
}

function namespaceList(options: QemuOptions): QemuNamespaceOptions[] {
  return options.namespaces ?? [{ nsid: 1, attached: true }];
}

async function createImages(dir: string, namespaces: QemuNamespaceOptions[]): Promise<NamespaceImage[]> {
  const images: NamespaceImage[] = [];
  for (const ns of namespaces) {
    const blockSize = ns.blockSize ?? 512;
    const path = join(dir, `ns${ns.nsid}.img`);
    const file = await open(path, 'w');
    try {
      await file.truncate((ns.blocks ?? 2048) * blockSize); // sparse
    } finally {
      await file.close();
    }
    images.push({ nsid: ns.nsid, path, attached: ns.attached ?? true, blockSize });
  }
  return images;
}

function namespaceArgs(image: NamespaceImage): string[] {
  const drive = `drive${image.nsid}`;
  const device = [`nvme-ns`, `drive=${drive}`, `nsid=${image.nsid}`, `bus=nvme0`];
  if (image.blockSize !== 512) device.push(`logical_block_size=${image.blockSize}`, `physical_block_size=${image.blockSize}`);
  if (!image.attached) device.push('detached=true');
  return ['-drive', `file=${image.path},if=none,id=${drive},format=raw`, '-device', device.join(',')];
}

function qemuArgs(memoryMiB: number, images: NamespaceImage[], aerl: number | undefined): string[] {
  return [
    ...['-machine', 'q35', '-qtest', 'stdio', '-qtest-log', '/dev/null'],
    ...['-display', 'none', '-nodefaults', '-m', `${memoryMiB}M`, '-S'],
    ...['-device', 'nvme-subsys,id=subsys0,nqn=subsys0'],
    ...['-device', `nvme,id=nvme0,serial=nvme-actors,subsys=subsys0${aerl === undefined ? '' : `,aerl=${aerl}`}`],
    ...images.flatMap(namespaceArgs),
  ];
}

function spawnQemu(binary: string, args: string[]): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    child.once('spawn', () => resolve(child));
    child.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'EACCES') {
        reject(new QemuUnavailableError(`${binary} not found: ${INSTALL_HINT}`));
      } else {
        reject(new QemuStartError(`cannot start ${binary}: ${error.message}`, ''));
      }
    });
  });
}

// ---------------------------------------------------------------------------------------------------------
// The transport.

export class QemuTransport implements Transport {
  readonly name = 'qemu';
  readonly memoryBase = GUEST_RAM_BASE;
  readonly memorySize: number;
  private slot = -1;
  /** Guest physical address BAR0 is mapped at. */
  readonly bar0 = BAR0_ADDRESS;
  private closing: Promise<void> | undefined;

  /** Use startQemu(). */
  constructor(
    private readonly channel: QtestChannel,
    private readonly tempDir: string,
    memoryMiB: number,
    private readonly log: (line: string) => void,
  ) {
    this.memorySize = Math.min(MAX_GUEST_WINDOW, (memoryMiB - 2) * 1024 * 1024);
  }

  /** Bus:device.function of the NVMe controller, e.g. '00:01.0'. */
  get pciAddress(): string {
    return this.slot < 0 ? '' : `00:${this.slot.toString(16).padStart(2, '0')}.0`;
  }

  get pid(): number | undefined {
    return this.channel.child.pid;
  }

  /** Whether the QEMU process is still running and answering. */
  get alive(): boolean {
    return this.channel.alive;
  }

  /** Send one raw qtest line (e.g. `readl 0xe000001c`) and return the answer after `OK`. */
  command(line: string): Promise<string> {
    return this.channel.exclusive(() => this.channel.request(line));
  }

  async mmioRead32(offset: number): Promise<number> {
    return Number(BigInt(await this.command(`readl ${hex(this.bar0 + BigInt(offset))}`)) & 0xffffffffn);
  }

  async mmioRead64(offset: number): Promise<bigint> {
    return BigInt(await this.command(`readq ${hex(this.bar0 + BigInt(offset))}`));
  }

  async mmioWrite32(offset: number, value: number): Promise<void> {
    await this.command(`writel ${hex(this.bar0 + BigInt(offset))} ${hex(value >>> 0)}`);
  }

  async mmioWrite64(offset: number, value: bigint): Promise<void> {
    await this.command(`writeq ${hex(this.bar0 + BigInt(offset))} ${hex(BigInt.asUintN(64, value))}`);
  }

  memRead(address: bigint, length: number): Promise<Uint8Array> {
    return this.channel.exclusive(async () => {
      const out = new Uint8Array(length);
      for (let done = 0; done < length; done += IO_CHUNK) {
        const n = Math.min(IO_CHUNK, length - done);
        out.set(fromHex(await this.channel.request(`read ${hex(address + BigInt(done))} ${n}`), n), done);
      }
      return out;
    });
  }

  memWrite(address: bigint, data: Uint8Array): Promise<void> {
    return this.channel.exclusive(async () => {
      for (let done = 0; done < data.length; done += IO_CHUNK) {
        const part = data.subarray(done, Math.min(data.length, done + IO_CHUNK));
        await this.channel.request(`write ${hex(address + BigInt(done))} ${part.length} 0x${toHex(part)}`);
      }
    });
  }

  /** A real sleep: Debian's QEMU has no qtest accelerator, so time cannot be stepped. */
  wait(ms: number): Promise<void> {
    return sleep(ms);
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const child = this.channel.child;
    if (child.exitCode === null && child.signalCode === null) {
      holdOpen(child, true);
      this.channel.fail(new Error('QemuTransport is closed'));
      child.stdin?.end();
      child.kill('SIGTERM');
      const grace = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
      await this.channel.exited;
      clearTimeout(grace);
    }
    trackChild(child, false);
    await rm(this.tempDir, { recursive: true, force: true });
    trackDir(this.tempDir, false);
    this.log(`qemu pid ${child.pid} closed`);
  }

  // --- start-up: PCI discovery and BAR programming ---------------------------------------------------------

  /** Start-up step (startQemu calls it): locate 1b36:0010 on bus 0, map BAR0, enable memory space and bus mastering. */
  async discover(): Promise<void> {
    this.slot = await this.findDevice();
    await this.mapBar0(this.slot);
    const vs = await this.mmioRead32(0x08);
    if (vs === 0xffffffff || vs === 0) throw new Error(`BAR0 at ${hex(this.bar0)} does not answer (VS=${hex(vs)})`);
    this.log(`nvme at ${this.pciAddress}, BAR0 ${hex(this.bar0)}, VS ${hex(vs)}`);
  }

  private async findDevice(): Promise<number> {
    for (let slot = 0; slot < 32; slot++) {
      if ((await this.configRead(slot, 0x00)) === NVME_PCI_ID) return slot;
    }
    throw new Error('no NVMe controller (1b36:0010) found on PCI bus 0');
  }

  private async mapBar0(slot: number): Promise<void> {
    const bar = await this.configRead(slot, 0x10);
    if ((bar & 0x1) !== 0 || ((bar >>> 1) & 0x3) !== 0x2) throw new Error(`BAR0 is not a 64-bit memory BAR (${hex(bar)})`);
    await this.configWrite(slot, 0x10, Number(this.bar0 & 0xffffffffn));
    await this.configWrite(slot, 0x14, Number(this.bar0 >> 32n));
    const command = (await this.configRead(slot, 0x04)) & 0xffff;
    await this.configWrite(slot, 0x04, command | 0x2 | 0x4); // Memory Space Enable | Bus Master Enable
  }

  private configAddress(slot: number, reg: number): string {
    return hex((0x80000000 | (slot << 11) | (reg & 0xfc)) >>> 0);
  }

  /** Config mechanism #1: address to CF8h, data at CFCh; both lines under one lock. */
  private configRead(slot: number, reg: number): Promise<number> {
    return this.channel.exclusive(async () => {
      await this.channel.request(`outl 0xcf8 ${this.configAddress(slot, reg)}`);
      return Number(BigInt(await this.channel.request('inl 0xcfc'))) >>> 0;
    });
  }

  private configWrite(slot: number, reg: number, value: number): Promise<void> {
    return this.channel.exclusive(async () => {
      await this.channel.request(`outl 0xcf8 ${this.configAddress(slot, reg)}`);
      await this.channel.request(`outl 0xcfc ${hex(value >>> 0)}`);
    });
  }
}

// ---------------------------------------------------------------------------------------------------------
// Entry points.

function withTimeout<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** Start QEMU with an NVMe controller and the given namespaces, and return a ready transport. */
export async function startQemu(options: QemuOptions = {}): Promise<QemuTransport> {
  const binary = options.binary ?? defaultBinary();
  const log = options.log ?? (() => undefined);
  const memoryMiB = options.memoryMiB ?? 64;
  const dir = await mkdtemp(join(tmpdir(), 'nvme-actors-qemu-'));
  trackDir(dir, true);
  let child: ChildProcess | undefined;
  try {
    const images = await createImages(dir, namespaceList(options));
    child = await spawnQemu(binary, qemuArgs(memoryMiB, images, options.aerl));
    trackChild(child, true);
    log(`qemu pid ${child.pid} started: ${binary}`);
    const channel = new QtestChannel(child, options.commandTimeoutMs ?? 10_000, log);
    const transport = new QemuTransport(channel, dir, memoryMiB, log);
    const startTimeoutMs = options.startTimeoutMs ?? 15_000;
    try {
      await withTimeout(transport.discover(), startTimeoutMs, () => new Error(`QEMU start took longer than ${startTimeoutMs} ms`));
    } catch (error) {
      await transport.close();
      const reason = (error as Error).message.split('\n')[0];
      throw new QemuStartError(`QEMU start failed: ${reason}`, channel.stderrTail);
    }
    return transport;
  } catch (error) {
    if (!child) {
      await rm(dir, { recursive: true, force: true });
      trackDir(dir, false);
    }
    throw error;
  }
}

/** Whether the QEMU binary (option default or NVME_ACTORS_QEMU) can be run. */
export async function qemuAvailable(binary: string = defaultBinary()): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(binary, ['--version'], { stdio: 'ignore' });
    child.once('error', () => resolve(false));
    child.once('exit', (code) => resolve(code === 0));
  });
}
