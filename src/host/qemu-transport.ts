// A Transport onto QEMU's emulated NVMe controller (PCI 1b36:0010), driven with no guest OS over the qtest
// line protocol on stdio: the VM stays paused (-S), the host finds the device by PCI config cycles, maps BAR0,
// and reaches registers and guest RAM with readl/writel/read/write. One request line is in flight at a time.
// QEMU runs under src/host/supervised-process.ts: its own process group, killed on close() (bounded, a wrapper
// script that does not `exec` included) and by a watchdog if this Node process dies; its folder is reaped by the
// next start if even that failed. Answers are parsed strictly: a QEMU that exits, stops answering or answers
// garbage fails with a one-line PeerError, and is stopped.

import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { PeerError, quotePeerText } from './peer-error.ts';
import { createOwnedTempDir, removeOwnedTempDir, runBounded, SpawnError, spawnSupervised, type SupervisedProcess } from './supervised-process.ts';
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
const MAX_ANSWER = 2 * IO_CHUNK + 64; // the longest answer line: `OK 0x` and 128 KiB of hex
const STDERR_TAIL = 4096;
const KILL_GRACE_MS = 1000;
/** QEMU's temporary folders: tmpdir()/nvme-actors-qemu-XXXXXX (mkdtemp's six characters). */
export const QEMU_DIR_PREFIX = 'nvme-actors-qemu-';
const LEGACY_DIR = /^nvme-actors-qemu-[A-Za-z0-9]{6}$/; // made before owner files: reaped when unused for 60 s
/** How long `--version` may take (qemuVersion, qemuAvailable). */
export const VERSION_TIMEOUT_MS = 5000;

export class QemuUnavailableError extends Error {
  override readonly name = 'QemuUnavailableError';
}

/** QEMU did not start (or did not get as far as a mapped BAR0). The message is one line; `stderrTail` keeps the
 * last STDERR_TAIL characters QEMU wrote (the command prints its last line with the message). */
export class QemuStartError extends Error {
  override readonly name = 'QemuStartError';
  constructor(
    message: string,
    readonly stderrTail: string,
  ) {
    super(message);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Small helpers.

const hex = (v: bigint | number): string => `0x${v.toString(16)}`;

function toHex(data: Uint8Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('hex');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => (ms > 0 ? setTimeout(resolve, ms) : setImmediate(resolve)));
}

/** The QEMU binary startQemu runs: NVME_ACTORS_QEMU, else qemu-system-x86_64. */
export function defaultBinary(): string {
  return process.env.NVME_ACTORS_QEMU || DEFAULT_BINARY;
}

/** QEMU processes started by this module that have not been closed. */
const liveQemu = new Set<SupervisedProcess>();

/** QEMU processes started by this module that have not been closed yet. */
export function liveQemuProcesses(): number {
  return liveQemu.size;
}

// Strict answers (qtest.c): `OK` alone for a write, `OK 0x` and hex digits for a read of a value, exactly two hex
// digits per byte for `read ADDR LEN`. Anything else means the peer is not the QEMU we talk to.
const VALUE_ANSWER = /^0x[0-9a-fA-F]{1,16}$/;

function peerGarbage(request: string, answer: string, expected: string): PeerError {
  return new PeerError(`QEMU answered \`${quotePeerText(request, 40)}\` with \`${quotePeerText(`OK ${answer}`.trim())}\` (expected ${expected}); stopped it`, 'qemu');
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
  private failure: PeerError | undefined;
  private lock: Promise<unknown> = Promise.resolve();

  constructor(
    readonly process: SupervisedProcess,
    private readonly commandTimeoutMs: number,
    private readonly log: (line: string) => void,
  ) {
    process.stdout?.setEncoding('utf8');
    process.stdout?.on('data', (chunk: string) => this.onStdout(chunk));
    process.stdout?.once('end', () => void this.onGone());
    void process.exited.then(() => this.onGone());
  }

  get alive(): boolean {
    return this.failure === undefined;
  }

  get stderrTail(): string {
    return this.process.stderrTail.trim();
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
      if (this.waiters.length === 0) this.process.hold(true);
      this.waiters.push({ request: line, resolve, reject, timer });
      this.process.stdin?.write(`${line}\n`);
    });
  }

  /** A request whose answer is one value (`OK 0x…`), parsed strictly. */
  async requestValue(line: string): Promise<bigint> {
    const answer = await this.request(line);
    if (!VALUE_ANSWER.test(answer)) throw this.failWith(peerGarbage(line, answer, 'OK and a hexadecimal value'));
    return BigInt(answer);
  }

  /** A request answered by `OK` alone. */
  async requestAck(line: string): Promise<void> {
    const answer = await this.request(line);
    if (answer !== '') throw this.failWith(peerGarbage(line, answer, 'OK alone'));
  }

  /** `read ADDR LEN`: exactly LEN bytes of hex. */
  async requestBytes(line: string, length: number): Promise<Uint8Array> {
    const answer = await this.request(line);
    if (answer.length !== 2 + 2 * length || !answer.startsWith('0x') || !/^[0-9a-fA-F]*$/.test(answer.slice(2))) {
      throw this.failWith(peerGarbage(line, answer, `OK and ${length} bytes of hex`));
    }
    return new Uint8Array(Buffer.from(answer.slice(2), 'hex'));
  }

  /** Mark the channel failed: pending and later requests reject with `error`. */
  fail(error: PeerError): void {
    if (this.failure) return;
    this.failure = error;
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(error);
    }
    this.process.hold(false);
  }

  /** Fail the channel with a protocol violation and stop QEMU; returns the error for the caller to throw. */
  private failWith(error: PeerError): PeerError {
    if (!this.failure) {
      this.log(error.message);
      this.fail(error);
      this.process.kill();
    }
    return this.failure!;
  }

  private onStdout(chunk: string): void {
    if (this.failure) return;
    this.stdoutBuffer += chunk;
    let nl: number;
    while ((nl = this.stdoutBuffer.indexOf('\n')) >= 0 && !this.failure) {
      const line = this.stdoutBuffer.slice(0, nl).replace(/\r$/, '');
      this.stdoutBuffer = this.stdoutBuffer.slice(nl + 1);
      this.onLine(line);
    }
    if (this.stdoutBuffer.length > MAX_ANSWER) {
      this.stdoutBuffer = '';
      this.failWith(new PeerError(`QEMU sent more than ${MAX_ANSWER} characters without a line end on the qtest channel; stopped it`, 'qemu'));
    }
  }

  private onLine(line: string): void {
    if (line.startsWith('IRQ')) return; // only sent after irq_intercept_*, which we never ask for
    const answer = line.startsWith('OK') || line.startsWith('FAIL') || line.startsWith('ERR');
    const waiter = answer ? this.waiters.shift() : undefined;
    if (!waiter) {
      this.failWith(new PeerError(`QEMU sent \`${quotePeerText(line)}\` on the qtest channel ${answer ? 'with no request outstanding' : '(not a qtest answer)'}; stopped it`, 'qemu'));
      return;
    }
    clearTimeout(waiter.timer);
    if (this.waiters.length === 0) this.process.hold(false);
    if (line === 'OK' || line.startsWith('OK ')) waiter.resolve(line.slice(2).trim());
    else if (line.startsWith('OK')) waiter.reject(this.failWith(peerGarbage(waiter.request, line.slice(2), 'OK, a space and a value')));
    else waiter.reject(new PeerError(`QEMU refused \`${quotePeerText(waiter.request, 40)}\`: ${quotePeerText(line, 120)}`, 'qemu'));
  }

  /** QEMU exited or closed its stdout: fail with how it ended and its last stderr line. */
  private async onGone(): Promise<void> {
    if (this.failure) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.process.exited, new Promise((resolve) => (timer = setTimeout(resolve, 300)))]); // stdout ends first
    clearTimeout(timer);
    await this.process.stderrSettled(200); // its last words
    if (this.failure) return;
    const status = this.process.exitStatus;
    const how = status ? `exited (${status.signal ? `signal ${status.signal}` : `code ${status.code}`})` : 'closed its standard output';
    const last = this.stderrTail.split('\n').pop() ?? '';
    this.log(`qemu pid ${this.process.pid} ${how}`);
    this.fail(new PeerError(`QEMU ${how}${last ? `: ${quotePeerText(last, 200)}` : ' with no stderr output'}`, 'qemu', `QEMU ${how}`));
    this.process.kill();
  }

  private onTimeout(line: string): void {
    this.failWith(new PeerError(`QEMU did not answer \`${quotePeerText(line, 40)}\` within ${this.commandTimeoutMs} ms; stopped it`, 'qemu'));
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

async function spawnQemu(binary: string, args: string[], dir: string, log: (line: string) => void): Promise<SupervisedProcess> {
  try {
    return await spawnSupervised({ command: binary, args, tempDir: dir, stderrTailBytes: STDERR_TAIL, killGraceMs: KILL_GRACE_MS, keepAlive: false, onStderrLine: (line) => log(`qemu stderr: ${line}`) });
  } catch (error) {
    if (error instanceof SpawnError && (error.code === 'ENOENT' || error.code === 'EACCES')) throw new QemuUnavailableError(`${binary} not found: ${INSTALL_HINT}`);
    throw new QemuStartError(`cannot start ${binary}: ${(error as Error).message}`, '');
  }
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
    return this.channel.process.pid;
  }

  /** QEMU's temporary folder (its disk images); removed by close(). */
  get tempDir(): string | undefined {
    return this.channel.process.tempDir;
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
    const line = `readl ${hex(this.bar0 + BigInt(offset))}`;
    return Number((await this.channel.exclusive(() => this.channel.requestValue(line))) & 0xffffffffn);
  }

  mmioRead64(offset: number): Promise<bigint> {
    const line = `readq ${hex(this.bar0 + BigInt(offset))}`;
    return this.channel.exclusive(() => this.channel.requestValue(line));
  }

  mmioWrite32(offset: number, value: number): Promise<void> {
    const line = `writel ${hex(this.bar0 + BigInt(offset))} ${hex(value >>> 0)}`;
    return this.channel.exclusive(() => this.channel.requestAck(line));
  }

  mmioWrite64(offset: number, value: bigint): Promise<void> {
    const line = `writeq ${hex(this.bar0 + BigInt(offset))} ${hex(BigInt.asUintN(64, value))}`;
    return this.channel.exclusive(() => this.channel.requestAck(line));
  }

  memRead(address: bigint, length: number): Promise<Uint8Array> {
    return this.channel.exclusive(async () => {
      const out = new Uint8Array(length);
      for (let done = 0; done < length; done += IO_CHUNK) {
        const n = Math.min(IO_CHUNK, length - done);
        out.set(await this.channel.requestBytes(`read ${hex(address + BigInt(done))} ${n}`, n), done);
      }
      return out;
    });
  }

  memWrite(address: bigint, data: Uint8Array): Promise<void> {
    return this.channel.exclusive(async () => {
      for (let done = 0; done < data.length; done += IO_CHUNK) {
        const part = data.subarray(done, Math.min(data.length, done + IO_CHUNK));
        await this.channel.requestAck(`write ${hex(address + BigInt(done))} ${part.length} 0x${toHex(part)}`);
      }
    });
  }

  /** A real sleep: Debian's QEMU has no qtest accelerator, so time cannot be stepped. */
  wait(ms: number): Promise<void> {
    return sleep(ms);
  }

  /** Stop QEMU (its whole process group) and remove its folder; bounded, never rejects. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const p = this.channel.process;
    this.channel.fail(new PeerError('QemuTransport is closed', 'qemu'));
    await p.close();
    liveQemu.delete(p);
    this.log(`qemu pid ${p.pid} closed`);
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
      await this.channel.requestAck(`outl 0xcf8 ${this.configAddress(slot, reg)}`);
      return Number((await this.channel.requestValue('inl 0xcfc')) & 0xffffffffn) >>> 0;
    });
  }

  private configWrite(slot: number, reg: number, value: number): Promise<void> {
    return this.channel.exclusive(async () => {
      await this.channel.requestAck(`outl 0xcf8 ${this.configAddress(slot, reg)}`);
      await this.channel.requestAck(`outl 0xcfc ${hex(value >>> 0)}`);
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
  const dir = await createOwnedTempDir(QEMU_DIR_PREFIX, { legacyName: LEGACY_DIR });
  let images: NamespaceImage[];
  try {
    images = await createImages(dir, namespaceList(options));
  } catch (error) {
    await removeOwnedTempDir(dir);
    throw new QemuStartError(`QEMU start failed: cannot create its disk images in ${dir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, '');
  }
  const child = await spawnQemu(binary, qemuArgs(memoryMiB, images, options.aerl), dir, log); // owns dir from here on
  liveQemu.add(child);
  log(`qemu pid ${child.pid} started: ${binary}`);
  const channel = new QtestChannel(child, options.commandTimeoutMs ?? 10_000, log);
  const transport = new QemuTransport(channel, memoryMiB, log);
  const startTimeoutMs = options.startTimeoutMs ?? 15_000;
  try {
    await withTimeout(transport.discover(), startTimeoutMs, () => new Error(`QEMU start took longer than ${startTimeoutMs} ms`));
  } catch (error) {
    await child.stderrSettled(200);
    await transport.close();
    // The last thing QEMU said is in stderrTail (the command adds it to the line), not in the reason.
    const reason = error instanceof PeerError ? error.brief : (error as Error).message.split('\n')[0];
    throw new QemuStartError(`QEMU start failed: ${reason}`, channel.stderrTail);
  }
  return transport;
}

/** `binary --version`, bounded by `timeoutMs`: its output, or why there is none. */
export type VersionProbe =
  | { readonly kind: 'ok'; readonly output: string }
  | { readonly kind: 'missing' | 'failed' | 'timeout'; readonly message: string };

export async function probeVersion(binary: string = defaultBinary(), timeoutMs = VERSION_TIMEOUT_MS): Promise<VersionProbe> {
  let run;
  try {
    run = await runBounded(binary, ['--version'], { timeoutMs, maxOutput: 4096 });
  } catch (error) {
    if (error instanceof SpawnError && (error.code === 'ENOENT' || error.code === 'EACCES')) return { kind: 'missing', message: `${binary} not found: ${INSTALL_HINT}` };
    return { kind: 'failed', message: `cannot start ${binary}: ${(error as Error).message}` };
  }
  if (run.timedOut) return { kind: 'timeout', message: `${binary} did not answer --version within ${timeoutMs} ms (stopped it)` };
  if (run.code !== 0) return { kind: 'failed', message: `${binary} --version failed (${run.signal ? `signal ${run.signal}` : `exit code ${run.code}`})` };
  return { kind: 'ok', output: run.stdout };
}

/** Whether the QEMU binary (option default or NVME_ACTORS_QEMU) can be run: `--version` succeeds within 5 s. */
export async function qemuAvailable(binary: string = defaultBinary()): Promise<boolean> {
  return (await probeVersion(binary)).kind === 'ok';
}
