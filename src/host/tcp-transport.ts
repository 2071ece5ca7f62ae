// NVMe/TCP host transport (NVMe/TCP 1.0; NVMe Base 2.0 §3.3 fabrics): one TCP connection to HOST:PORT, ICReq/
// ICResp (digests negotiated), Connect of the admin queue to an NQN (Connect data in the capsule), registers as
// Property Get/Set, commands as capsules with their data in the capsule or on R2T (H2CData), controller-to-host
// data from C2HData, completions from CapsuleResp, and Keep Alive within KATO. I/O queues are further connections
// of the same host (`openIoQueue`: Connect with QID > 0 and the admin queue's CNTLID). TLS and authentication are
// left out. The NvmeHost fabrics back end drives it through `capsules`.
import * as net from 'node:net';
import { randomUUID } from 'node:crypto';
import type { CapsuleQueue, CapsuleResponse, Transport } from './transport.ts';
import { HostError } from './nvme-host.ts';
import { AdminOpcode, Cc, Status, type Status as StatusT } from '../spec/constants.ts';
import { decodeCqe, encodeCqe } from '../spec/cqe.codec.ts';
import { CNTLID_DYNAMIC, Fes, PFV_1_0 } from '../fabrics/constants.ts';
import { encodePdu, terminationFor, type Pdu, type PduError, type DigestOptions } from '../fabrics/pdu.codec.ts';
import { PduReader } from '../fabrics/pdu-stream.ts';
import { PSDT_SGL, encodeConnect, encodeConnectData, encodePropertyGet, encodePropertySet, encodeSgl, inCapsuleSgl, transportSgl } from '../fabrics/fabrics-command.codec.ts';

/** `tcp://HOST:PORT/NQN`, as `--target` takes it. */
export interface TcpTargetAddress {
  readonly host: string;
  readonly port: number;
  readonly nqn: string;
}

/** Parse `tcp://HOST:PORT/NQN` (an IPv6 HOST in brackets); a RangeError with a one-line reason otherwise. */
export function parseTcpTarget(url: string): TcpTargetAddress {
  const m = /^tcp:\/\/(\[[^\]]+\]|[^:/]+):(\d{1,5})\/(.+)$/.exec(url);
  if (!m) throw new RangeError(`target "${url}" is not tcp://HOST:PORT/NQN`);
  const port = Number(m[2]);
  if (port < 1 || port > 65535) throw new RangeError(`target "${url}": port ${port} is outside 1..65535`);
  const nqn = decodeURIComponent(m[3]!);
  if (nqn.length > 223) throw new RangeError(`target "${url}": an NQN has at most 223 bytes`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port, nqn };
}

export interface TcpTransportOptions {
  /** Admin queue entries (Connect SQSIZE + 1; default 32, as Linux). */
  readonly queueSize?: number;
  /** Keep Alive Timeout in ms, sent in Connect (default 30,000; 0: none). */
  readonly kato?: number;
  readonly hostnqn?: string;
  /** Host Identifier, 16 bytes (default: a random UUID per transport). */
  readonly hostid?: Uint8Array;
  /** Ask for header / data digests (CRC32C) in ICReq (default off). */
  readonly hdgst?: boolean;
  readonly ddgst?: boolean;
  /** Bound on the connect sequence and on each Property Get/Set (default 5,000 ms). */
  readonly timeoutMs?: number;
  /** For an in-process peer only (the loopback tests): resolves once the peer has consumed every byte this
   * transport sent and this transport has received every byte the peer sent. Awaited after each capsule and
   * before each poll, it makes the network as synchronous as the emulator transport, so a scenario's steps see
   * the same controller state on both. A remote controller has no such hook. */
  readonly settle?: (transport: TcpTransport) => Promise<void>;
  /** A controller reset as a Linux host makes it on fabrics (nvme_tcp's reset: disable, tear the queues down,
   * connect again): after CC.EN 1→0 is written, the association ends and a new one is connected at once, so the
   * next enable meets a new controller (NVMe Base 2.0 §3.3: a new association, a new dynamic controller). Off by
   * default: CC.EN 1→0 is then only a Property Set. */
  readonly resetEndsAssociation?: boolean;
  /** An I/O queue's connection: its QID and the controller's CNTLID from the admin queue's Connect (set by
   * `openIoQueue`). */
  readonly ioQueue?: { readonly qid: number; readonly cntlid: number; readonly inCapsuleMax: number };
}

interface InFlight {
  readonly own: boolean;
  readonly dataOut?: Uint8Array;
  readonly dataIn: number;
  buffer?: Uint8Array;
  resolve?: (cqe: Uint8Array) => void;
  reject?: (e: Error) => void;
}

const ADMIN_IN_CAPSULE = 8192;
const DEFAULT_HOSTNQN_PREFIX = 'nqn.2014-08.org.nvmexpress:uuid:';

function uuidBytes(uuid: string): Uint8Array {
  return Uint8Array.from(Buffer.from(uuid.replace(/-/g, ''), 'hex'));
}

/** Connect to an NVMe/TCP controller: the admin queue is connected when the promise resolves. */
export async function connectTcp(target: string | TcpTargetAddress, options: TcpTransportOptions = {}): Promise<TcpTransport> {
  const address = typeof target === 'string' ? parseTcpTarget(target) : target;
  const t = new TcpTransport(address, options);
  await t.connect(options.queueSize ?? 32);
  return t;
}

export class TcpTransport implements Transport, CapsuleQueue {
  readonly name = 'tcp';
  readonly memoryBase = 0n;
  readonly memorySize = 0;
  readonly capsules: CapsuleQueue = this;
  readonly inCapsuleMax: number;
  /** The queue this connection carries: 0 the admin queue, 1.. an I/O queue. */
  readonly qid: number;
  queueSize = 0;
  /** The controller's CNTLID, from the Connect response. */
  cntlid = 0;
  readonly kato: number;
  readonly hostnqn: string;
  private readonly hostid: Uint8Array;
  private readonly timeoutMs: number;
  private socket: net.Socket | null = null;
  private reader: PduReader | null = null;
  private digests: DigestOptions = { hdgst: false, ddgst: false };
  private cpda = 0;
  private maxh2cdata = 4096;
  private sqTail = 0;
  private sqhdSeen = 0;
  private readonly inFlight = new Map<number, InFlight>();
  private responses: CapsuleResponse[] = [];
  private wakers: (() => void)[] = [];
  private roomWaiters: (() => void)[] = [];
  private failure: HostError | null = null;
  private nextOwnCid = 0xffff;
  private icResp: ((p: Pdu) => void) | null = null;
  private keepAliveTimer: NodeJS.Timeout | null = null;
  private lastSent = 0;
  private enabled = false;
  private closed = false;
  /** Bytes written to and processed from the connection (for `settle`). */
  bytesOut = 0;
  bytesIn = 0;

  constructor(readonly address: TcpTargetAddress, private readonly options: TcpTransportOptions = {}) {
    this.kato = options.kato ?? 30_000;
    this.hostid = options.hostid ?? uuidBytes(randomUUID());
    this.hostnqn = options.hostnqn ?? `${DEFAULT_HOSTNQN_PREFIX}${Buffer.from(this.hostid).toString('hex').replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5')}`;
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.qid = options.ioQueue?.qid ?? 0;
    this.inCapsuleMax = options.ioQueue?.inCapsuleMax ?? ADMIN_IN_CAPSULE;
  }

  /** Connect I/O queue `qid` of `queueSize` entries (NVMe/TCP 1.0 §2.1: one connection per queue) as this host,
   * to this controller. `inCapsuleMax`: the controller's IOCCSZ × 16 − 64 (default 8 KiB, what `serve` offers). */
  async openIoQueue(qid: number, queueSize: number, inCapsuleMax = ADMIN_IN_CAPSULE): Promise<TcpTransport> {
    if (this.qid !== 0) throw new HostError('I/O queues are opened from the admin queue\'s transport');
    if (!Number.isInteger(qid) || qid < 1 || qid > 0xfffe) throw new HostError(`I/O queue ID ${qid} is outside 1..65534`);
    const t = new TcpTransport(this.address, { ...this.options, kato: 0, hostnqn: this.hostnqn, hostid: this.hostid, ioQueue: { qid, cntlid: this.cntlid, inCapsuleMax } });
    await t.connect(queueSize);
    return t;
  }

  /** The local TCP port of the connection (what the controller sees as the peer's port). */
  get localPort(): number | undefined {
    return this.socket?.localPort;
  }

  // ---- the association: TCP connection, ICReq/ICResp, Connect ----

  /** Open the connection and connect the admin queue with `queueSize` entries. */
  async connect(queueSize: number): Promise<void> {
    if (!Number.isInteger(queueSize) || queueSize < 2 || queueSize > 65536) throw new HostError(`admin queue size ${queueSize} is outside 2..65536`);
    this.closed = false;
    this.failure = null;
    this.sqTail = 0;
    this.sqhdSeen = 0;
    this.inFlight.clear();
    this.responses = [];
    this.enabled = false;
    this.queueSize = queueSize;
    this.bytesIn = 0;
    this.bytesOut = 0;
    const { host, port } = this.address;
    const socket = await this.bounded(new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect({ host, port }, () => {
        s.off('error', reject);
        resolve(s);
      });
      s.once('error', reject);
    }), `connecting to ${host}:${port}`).catch((e: Error) => {
      throw e instanceof HostError ? e : new HostError(`cannot connect to ${host}:${port}: ${e.message}`);
    });
    socket.setNoDelay(true);
    this.socket = socket;
    try {
      await this.associate(socket, queueSize);
    } catch (e) {
      // A connect that fails leaves nothing open.
      this.stopKeepAlive();
      this.socket = null;
      socket.destroy();
      throw e;
    }
  }

  private async associate(socket: net.Socket, queueSize: number): Promise<void> {
    const { host, port } = this.address;
    const reader = new PduReader({ onPdu: (p) => this.onPdu(p), onError: (e, h) => this.terminate(e, h) }, 24 + 4 + 124 + 131072 + 4);
    this.reader = reader;
    socket.on('data', (chunk: Buffer) => {
      if (this.socket !== socket) return;
      reader.push(chunk);
      this.bytesIn += chunk.length;
    });
    socket.on('error', (e) => {
      if (this.socket === socket) this.fail(new HostError(`connection to ${host}:${port}: ${e.message}`));
    });
    socket.on('close', () => {
      if (this.socket === socket) this.fail(new HostError(`the controller at ${host}:${port} closed the connection`));
    });
    const icResp = await this.bounded(new Promise<Pdu>((resolve) => {
      this.icResp = resolve;
      this.write({ type: 'icReq', pfv: PFV_1_0, hpda: 0, hdgst: this.options.hdgst ?? false, ddgst: this.options.ddgst ?? false, maxr2t: 0 });
    }), 'ICResp');
    if (icResp.type !== 'icResp') throw new HostError(`expected ICResp, got ${icResp.type}`);
    if (icResp.pfv !== PFV_1_0) throw this.abandon(`the controller answered PFV ${icResp.pfv}`);
    if (icResp.maxh2cdata < 4096 || icResp.maxh2cdata % 4 !== 0) throw this.abandon(`the controller's MAXH2CDATA ${icResp.maxh2cdata} is below 4096 or not dword-aligned`);
    this.cpda = icResp.cpda;
    this.maxh2cdata = icResp.maxh2cdata;
    this.digests = { hdgst: icResp.hdgst, ddgst: icResp.ddgst };
    reader.digests = this.digests;
    const io = this.options.ioQueue;
    const data = encodeConnectData({ hostid: this.hostid, cntlid: io?.cntlid ?? CNTLID_DYNAMIC, subnqn: this.address.nqn, hostnqn: this.hostnqn });
    const cqe = decodeCqe(await this.ownCommand((cid) => encodeConnect({ cid, qid: this.qid, sqsize: queueSize - 1, cattr: 0, kato: io ? 0 : this.kato }), data));
    if (cqe.status.sct !== 0 || cqe.status.sc !== 0) {
      throw this.abandon(`Connect${this.qid ? ` of I/O queue ${this.qid}` : ''} to ${this.address.nqn} failed: ${Status.format(cqe.status)}${cqe.status.sct === 1 && cqe.status.sc === 0x82 ? ` (invalid parameter at ${(cqe.dw0 >>> 16) & 1 ? 'data' : 'command'} offset ${cqe.dw0 & 0xffff})` : ''}`);
    }
    this.cntlid = cqe.dw0 & 0xffff;
    this.enabled = io !== undefined;
    if (!io) this.startKeepAlive();
  }

  /** Disconnect and connect again with another admin queue size: a new association (a controller reset). */
  async resize(queueSize: number): Promise<void> {
    await this.close();
    await this.connect(queueSize);
  }

  private abandon(message: string): HostError {
    const e = new HostError(message);
    this.fail(e);
    return e;
  }

  private bounded<T>(p: Promise<T>, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        const e = new HostError(`timed out after ${this.timeoutMs} ms waiting for ${what} from ${this.address.host}:${this.address.port}`);
        this.fail(e);
        reject(e);
      }, this.timeoutMs);
      p.then((v) => {
        clearTimeout(timer);
        resolve(v);
      }, (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
  }

  // ---- PDUs ----

  private write(pdu: Pdu): void {
    if (!this.socket || this.socket.destroyed) return;
    const bytes = encodePdu(pdu, { ...this.digests, pda: this.cpda });
    this.bytesOut += bytes.length;
    this.socket.write(bytes);
  }

  private onPdu(p: Pdu): void {
    for (const w of this.wakers.splice(0)) w();
    if (this.icResp) {
      const r = this.icResp;
      this.icResp = null;
      if (p.type !== 'icResp') return this.terminate({ fes: Fes.PDU_SEQUENCE_ERROR, fei: 0, message: `${p.type} before ICResp` }, encodePdu(p).subarray(0, 8));
      return r(p);
    }
    switch (p.type) {
      case 'capsuleResp':
        return this.onResponse(p.cqe);
      case 'c2hData': {
        const f = this.inFlight.get(p.cccid);
        if (!f || f.dataIn === 0 || p.datao + p.data.length > f.dataIn) {
          return this.terminate({ fes: Fes.DATA_TRANSFER_OUT_OF_RANGE, fei: f ? 12 : 8, message: `C2HData for CID ${p.cccid} at ${p.datao}+${p.data.length} is outside the ${f?.dataIn ?? 0} bytes expected` }, encodePdu({ ...p, data: new Uint8Array(0) }).subarray(0, 24));
        }
        (f.buffer ??= new Uint8Array(f.dataIn)).set(p.data, p.datao);
        if (p.success) {
          // SUCCESS: the command completed successfully and no CapsuleResp follows (NVMe/TCP 1.0 §3.6.2.6).
          const cqe = encodeCqe({ dw0: 0, dw1: 0, sqhd: this.sqhdSeen, sqid: 0, cid: p.cccid, phase: 0, status: Status.SUCCESS, crd: 0, more: false });
          this.onResponse(cqe, false);
        }
        return;
      }
      case 'r2t': {
        const f = this.inFlight.get(p.cccid);
        const data = f?.dataOut;
        if (!data || p.r2tl === 0 || p.r2to + p.r2tl > data.length) {
          return this.terminate({ fes: Fes.DATA_TRANSFER_OUT_OF_RANGE, fei: data ? 12 : 8, message: `R2T for CID ${p.cccid} at ${p.r2to}+${p.r2tl} is outside the ${data?.length ?? 0} bytes to send` }, encodePdu(p).subarray(0, 24));
        }
        for (let at = p.r2to; at < p.r2to + p.r2tl; at += this.maxh2cdata) {
          const end = Math.min(at + this.maxh2cdata, p.r2to + p.r2tl);
          this.write({ type: 'h2cData', cccid: p.cccid, ttag: p.ttag, datao: at, last: end === p.r2to + p.r2tl, data: data.subarray(at, end) });
        }
        return;
      }
      case 'c2hTermReq':
        this.fail(new HostError(`the controller ended the connection with C2HTermReq FES ${p.fes.toString(16).padStart(2, '0')}h FEI ${p.fei}`));
        this.socket?.destroy();
        return;
      default:
        return this.terminate({ fes: Fes.INVALID_PDU_HEADER_FIELD, fei: 0, message: `the controller sent a ${p.type} PDU` }, encodePdu(p).subarray(0, 8));
    }
  }

  private onResponse(cqeBytes: Uint8Array, fromCapsule = true): void {
    const cid = cqeBytes[12]! | (cqeBytes[13]! << 8);
    if (fromCapsule) this.sqhdSeen = (cqeBytes[8]! | (cqeBytes[9]! << 8)) % this.queueSize;
    const f = this.inFlight.get(cid);
    this.inFlight.delete(cid);
    for (const w of this.roomWaiters.splice(0)) w();
    if (f?.own) return f.resolve!(cqeBytes);
    this.responses.push(f?.buffer ? { cqe: cqeBytes, data: f.buffer } : { cqe: cqeBytes });
  }

  /** A bad PDU from the controller: H2CTermReq with its FES and FEI, then the connection ends. */
  private terminate(error: PduError, header: Uint8Array): void {
    if (this.socket && !this.socket.destroyed) this.socket.write(encodePdu(terminationFor('h2cTermReq', error, header)));
    this.fail(new HostError(`bad PDU from the controller (H2CTermReq FES ${error.fes.toString(16).padStart(2, '0')}h sent): ${error.message}`));
    this.socket?.end();
  }

  private fail(e: HostError): void {
    if (this.failure) return;
    this.failure = this.closed ? new HostError('the transport is closed') : e;
    this.stopKeepAlive();
    for (const f of this.inFlight.values()) f.reject?.(this.failure);
    for (const w of this.wakers.splice(0)) w();
    for (const w of this.roomWaiters.splice(0)) w();
  }

  // ---- the admin queue as capsules ----

  hasRoom(): boolean {
    return (this.sqTail + 1) % this.queueSize !== this.sqhdSeen;
  }

  cidBusy(cid: number): boolean {
    return this.inFlight.has(cid);
  }

  send(sqe: Uint8Array, dataOut: Uint8Array | undefined, dataIn: number): void | Promise<void> {
    if (this.failure) throw this.failure;
    const out = sqe.slice();
    out[1] = (out[1]! & 0x3f) | (PSDT_SGL << 6);
    const inCapsule = dataOut !== undefined && dataOut.length > 0 && dataOut.length <= this.inCapsuleMax;
    encodeSgl(dataOut && dataOut.length > 0 ? (inCapsule ? inCapsuleSgl(dataOut.length) : transportSgl(dataOut.length)) : transportSgl(dataIn), out);
    const cid = out[2]! | (out[3]! << 8);
    this.inFlight.set(cid, dataOut && !inCapsule ? { own: false, dataOut, dataIn } : { own: false, dataIn });
    this.sendCapsule(out, inCapsule ? dataOut : undefined);
    if (this.options.settle) return this.options.settle(this);
  }

  private sendCapsule(sqe: Uint8Array, data?: Uint8Array): void {
    this.sqTail = (this.sqTail + 1) % this.queueSize;
    this.lastSent = Date.now();
    this.write({ type: 'capsuleCmd', sqe, data: data ?? new Uint8Array(0) });
  }

  takeResponses(): CapsuleResponse[] | Promise<CapsuleResponse[]> {
    if (this.options.settle && !this.failure) return this.options.settle(this).then(() => this.takeNow());
    return this.takeNow();
  }

  private takeNow(): CapsuleResponse[] {
    if (this.responses.length === 0) {
      if (this.failure) throw this.failure;
      return [];
    }
    const r = this.responses;
    this.responses = [];
    return r;
  }

  forget(): void {
    for (const [cid, f] of this.inFlight) if (!f.own) this.inFlight.delete(cid);
    this.responses = [];
  }

  /** One of the transport's own commands (Connect, Property Get/Set, Keep Alive): waits for SQ room, uses a CID
   * from the top of the range, resolves with the CQE. */
  private async ownCommand(build: (cid: number) => Uint8Array, data?: Uint8Array): Promise<Uint8Array> {
    const deadline = Date.now() + this.timeoutMs;
    while (!this.hasRoom()) {
      if (this.failure) throw this.failure;
      if (Date.now() > deadline) throw new HostError(`timed out after ${this.timeoutMs} ms waiting for room in the admin submission queue`);
      await new Promise<void>((r) => {
        this.roomWaiters.push(r);
        setTimeout(r, 10).unref();
      });
    }
    if (this.failure) throw this.failure;
    let cid = this.nextOwnCid;
    while (this.inFlight.has(cid)) cid = cid === 0 ? 0xffff : cid - 1;
    this.nextOwnCid = cid === 0xf000 ? 0xffff : cid - 1;
    const sqe = build(cid);
    const response = new Promise<Uint8Array>((resolve, reject) => this.inFlight.set(cid, { own: true, dataIn: 0, resolve, reject }));
    this.sendCapsule(sqe, data);
    return this.bounded(response, `the response to CID ${cid}`);
  }

  // ---- registers as properties (NVMe Base 2.0 §3.1.3: CAP, VS, CC, CSTS) ----

  private async property(what: string, build: (cid: number) => Uint8Array): Promise<{ dw0: number; dw1: number }> {
    const cqe = decodeCqe(await this.ownCommand(build));
    if (cqe.status.sct !== 0 || cqe.status.sc !== 0) throw new HostError(`${what} failed: ${Status.format(cqe.status as StatusT)}`);
    return { dw0: cqe.dw0, dw1: cqe.dw1 };
  }

  async mmioRead32(offset: number): Promise<number> {
    return (await this.property(`Property Get ${hex(offset)}`, (cid) => encodePropertyGet({ cid, size: 4, ofst: offset }))).dw0 >>> 0;
  }
  async mmioRead64(offset: number): Promise<bigint> {
    const { dw0, dw1 } = await this.property(`Property Get ${hex(offset)}`, (cid) => encodePropertyGet({ cid, size: 8, ofst: offset }));
    return (BigInt(dw1 >>> 0) << 32n) | BigInt(dw0 >>> 0);
  }
  async mmioWrite32(offset: number, value: number): Promise<void> {
    await this.property(`Property Set ${hex(offset)}`, (cid) => encodePropertySet({ cid, size: 4, ofst: offset, value: BigInt(value >>> 0) }));
    if (offset !== 0x14) return;
    const wasEnabled = this.enabled;
    this.enabled = (value & Cc.EN) !== 0;
    if (wasEnabled && !this.enabled && this.options.resetEndsAssociation) {
      await this.close();
      await this.connect(this.queueSize);
    }
  }
  async mmioWrite64(offset: number, value: bigint): Promise<void> {
    await this.property(`Property Set ${hex(offset)}`, (cid) => encodePropertySet({ cid, size: 8, ofst: offset, value }));
  }
  memRead(): Uint8Array {
    throw new HostError('a fabrics controller has no host memory to read: data comes in C2HData');
  }
  memWrite(): void {
    throw new HostError('a fabrics controller has no host memory to write: data goes in capsules or H2CData');
  }

  /** Resolves at the next PDU from the controller, or after `ms`. */
  wait(ms: number): Promise<void> {
    if (this.options.settle && !this.failure) return this.options.settle(this).then(() => new Promise((r) => setImmediate(r)));
    if (this.responses.length > 0 || this.failure) return new Promise((r) => setImmediate(r));
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.max(ms, 1));
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wakers.push(done);
    });
  }

  // ---- Keep Alive (NVMe Base 2.0 §3.9.5): a command at least every KATO/2 while nothing else was sent ----

  private startKeepAlive(): void {
    this.stopKeepAlive();
    if (this.kato === 0) return;
    const period = Math.max(1, Math.floor(this.kato / 4));
    this.lastSent = Date.now();
    this.keepAliveTimer = setInterval(() => {
      if (this.failure || Date.now() - this.lastSent < this.kato / 2) return;
      // Before CC.EN = 1 the controller takes no admin command: a Property Get is the traffic then.
      const sent = this.enabled
        ? this.ownCommand((cid) => encodeKeepAlive(cid))
        : this.ownCommand((cid) => encodePropertyGet({ cid, size: 4, ofst: 0x1c }));
      sent.catch(() => {});
    }, period);
    this.keepAliveTimer.unref();
  }

  private stopKeepAlive(): void {
    if (this.keepAliveTimer) clearInterval(this.keepAliveTimer);
    this.keepAliveTimer = null;
  }

  async close(): Promise<void> {
    this.stopKeepAlive();
    this.closed = true;
    const socket = this.socket;
    this.socket = null;
    this.fail(new HostError('the transport is closed'));
    if (socket && !socket.destroyed) {
      await new Promise<void>((resolve) => {
        socket.once('close', () => resolve());
        socket.end();
        setTimeout(() => socket.destroy(), 1000).unref();
      });
    }
  }
}

function encodeKeepAlive(cid: number): Uint8Array {
  const sqe = new Uint8Array(64);
  sqe[0] = AdminOpcode.KEEP_ALIVE;
  sqe[1] = PSDT_SGL << 6;
  sqe[2] = cid & 0xff;
  sqe[3] = cid >>> 8;
  encodeSgl(transportSgl(0), sqe);
  return sqe;
}

const hex = (n: number): string => `${n.toString(16).toUpperCase().padStart(2, '0')}h`;
