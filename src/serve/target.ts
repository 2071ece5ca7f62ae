// The emulated controller as an NVMe/TCP subsystem (NVMe/TCP 1.0; NVMe Base 2.0 §3.3 fabrics, §6 fabrics
// commands): accept a connection, ICReq/ICResp, Connect for the admin queue, Property Get/Set onto the emulator's
// register file, admin commands into the emulator, Keep Alive with a KATO timer. The adapter is the emulator's PCIe
// host: it owns the admin rings in the emulator's guest memory, writes SQEs there (PRPs to its own buffers), rings
// doorbells and harvests CQEs on the emulator's interrupt, and moves data between capsules and those buffers. One
// host at a time; its I/O queues are further connections of the same host (Connect with QID > 0 and the admin
// queue's CNTLID), whose Read, Write and Flush go to the emulator's block stores (src/logic/io-commands.ts).
import * as net from 'node:net';
import { createController, type ControllerIo, type ControllerOptions, type EmulatedController } from '../emulator.ts';
import { decideIoCommand, ioDataLength } from '../logic/io-commands.ts';
import { executeIo } from '../device/block-store.ts';
import { MAX_IO_QUEUES } from '../logic/admin-commands.ts';
import { Cc, Csts, PAGE_SIZE, Register, SQE_SIZE, CQE_SIZE, Status, AdminOpcode, Cns } from '../spec/constants.ts';
import { decodeCqe, encodeCqe } from '../spec/cqe.codec.ts';
import { decodeSqe } from '../spec/sqe.codec.ts';
import { setU32, setU64 } from '../spec/le.ts';
import { CONNECT_DATA_SIZE, CNTLID_DYNAMIC, FABRICS_OPCODE, FabricsCommandType, FabricsStatus, Fes, MIN_MAXH2CDATA, PFV_1_0, SglId } from '../fabrics/constants.ts';
import { encodePdu, terminationFor, type Pdu, type PduError, type DigestOptions } from '../fabrics/pdu.codec.ts';
import { PduReader } from '../fabrics/pdu-stream.ts';
import { connectInvalidParameter, decodeConnectData, decodeFabricsCommand, decodeSgl, type SglDescriptor } from '../fabrics/fabrics-command.codec.ts';

/** The NQN the target answers to unless told otherwise. */
export const DEFAULT_NQN = 'nqn.2026-12.io.github.nvme-actors:emulator';
/** In-capsule data accepted on the admin queue (NVMe/TCP 1.0 §3.4: 8 KiB for the admin queue). */
export const ADMIN_IN_CAPSULE = 8192;
/** The largest data transfer of one command (32 pages, as the host driver's). */
export const MAX_TRANSFER = 32 * PAGE_SIZE;
/** The largest admin queue a host may Connect with (CAP.MQES as this target reports it, 0's based). */
export const TARGET_MQES = 1023;
/** In-capsule data accepted on an I/O queue (IOCCSZ = (64 + this) / 16). */
export const IO_IN_CAPSULE = 8192;
/** MAXCMD: commands one queue may have outstanding (more than an admin ring holds wait in the adapter). */
export const TARGET_MAXCMD = TARGET_MQES + 1;
const MAXH2CDATA = MAX_TRANSFER;
/** Data buffers in the emulator's memory: commands with data in the emulator at once. */
const DATA_SLOTS = 64;
const SLOT_PAGES = 1 + 33;
const RING_BASE = 0x100000n;

export interface TargetTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface TargetOptions {
  /** The emulated controller's options (profile, AERL, namespaces, ...). */
  readonly controller?: ControllerOptions;
  readonly nqn?: string;
  /** A line per connection event (connect, disconnect, termination): for `serve`'s log. */
  readonly log?: (line: string) => void;
  /** Timers for KATO (tests pass a manual clock). */
  readonly timers?: TargetTimers;
}

/** What the target did with a peer's connection, for tests and the log. */
export type TargetEvent =
  | { type: 'connected'; hostnqn: string; kato: number; sqsize: number }
  | { type: 'ioQueueConnected'; qid: number; sqsize: number }
  | { type: 'terminated'; fes: number; fei: number; message: string }
  | { type: 'keepAliveExpired' }
  | { type: 'closed' };

interface Command {
  readonly cid: number;
  /** The SQE as the host sent it. */
  readonly sqe: Uint8Array;
  readonly sgl: SglDescriptor;
  /** Host-to-controller data, once all of it is here. */
  data?: Uint8Array;
  /** R2T in progress: bytes received so far. */
  received?: number;
  readonly ttag?: number;
  /** Controller-to-host bytes to send with C2HData after the completion. */
  readonly dataIn: number;
  slot: number | null;
}

/** Identify Controller fields a fabrics I/O controller reports (NVMe Base 2.0 Figure 275) that the emulator, a
 * PCIe controller, leaves zero. The override hook this adapter applies to the Identify Controller data it returns. */
export interface FabricsIdentity {
  readonly subnqn: string;
  readonly maxcmd: number;
  readonly ioccsz: number;
}
export function applyFabricsIdentify(data: Uint8Array, f: FabricsIdentity): void {
  data[111] = 1; // CNTRLTYPE: I/O controller
  data[514] = f.maxcmd & 0xff; // MAXCMD
  data[515] = f.maxcmd >>> 8;
  if ((data[320]! | data[321]!) === 0) data[320] = 10; // KAS: 100 ms units (1 s granularity, as Linux nvmet)
  setU32(data, 536, 0x0010_0001); // SGLS: SGLs supported (bit 0), SGL Offset / in-capsule data (bit 20)
  data.fill(0, 768, 1024);
  data.set(new TextEncoder().encode(f.subnqn).subarray(0, 255), 768); // SUBNQN
  setU32(data, 1792, f.ioccsz); // IOCCSZ: 16-byte units, SQE included
  setU32(data, 1796, 1); // IORCSZ: 16 bytes, the CQE
  data[1800] = 0; // ICDOFF
  data[1801] = 0;
  data[1802] = 0; // FCATT: dynamic controller model
  data[1803] = 1; // MSDBD
}

export class NvmeTcpTarget {
  readonly controller: EmulatedController & ControllerIo;
  readonly nqn: string;
  /** The emulated controller's CNTLID, which Connect answers with. */
  readonly cntlid: number;
  private server: net.Server | null = null;
  private readonly connections = new Set<TargetConnection>();
  /** The connection whose admin queue is connected (one host at a time). */
  active: TargetConnection | null = null;
  /** The active host's I/O queues, by QID (each its own connection, NVMe/TCP 1.0 §2.1). */
  readonly ioQueues = new Map<number, TargetConnection>();
  private readonly listeners = new Set<(e: TargetEvent) => void>();
  readonly timers: TargetTimers;
  readonly log: (line: string) => void;
  private harvestQueued = false;

  constructor(options: TargetOptions = {}) {
    this.nqn = options.nqn ?? DEFAULT_NQN;
    this.cntlid = options.controller?.cntlid ?? 1;
    this.log = options.log ?? (() => {});
    this.timers = options.timers ?? { setTimeout: (fn, ms) => setTimeout(fn, ms).unref(), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) };
    this.controller = createController({ ...options.controller, onInterrupt: () => this.scheduleHarvest() });
  }

  onEvent(listener: (e: TargetEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  emit(e: TargetEvent): void {
    for (const l of this.listeners) l(e);
  }

  /** Listen on HOST:PORT (port 0: an ephemeral port); resolves with the address bound. */
  listen(port = 0, host = '127.0.0.1'): Promise<{ host: string; port: number }> {
    if (this.server) throw new Error('the target is already listening');
    const server = net.createServer((socket) => this.accept(socket));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        const a = server.address() as net.AddressInfo;
        resolve({ host: a.address, port: a.port });
      });
    });
  }

  get address(): { host: string; port: number } | undefined {
    const a = this.server?.address();
    return a && typeof a === 'object' ? { host: a.address, port: a.port } : undefined;
  }

  /** Serve one connection given as a duplex stream (a socket; tests may pass one end of a pair). */
  accept(socket: net.Socket): TargetConnection {
    socket.setNoDelay(true);
    const c = new TargetConnection(this, socket);
    this.connections.add(c);
    socket.once('close', () => {
      this.connections.delete(c);
      c.closed();
    });
    return c;
  }

  /** The connection from a peer's TCP port (an in-process host finds its own). */
  connectionOf(peerPort: number | undefined): TargetConnection | undefined {
    for (const c of this.connections) if (c.peerPort === peerPort) return c;
    return undefined;
  }

  /** Stop listening, drop every connection, stop the emulator. */
  async close(): Promise<void> {
    for (const c of this.connections) c.destroy();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((r) => server.close(() => r()));
    this.controller.stop();
  }

  scheduleHarvest(): void {
    if (this.harvestQueued) return;
    this.harvestQueued = true;
    queueMicrotask(() => {
      this.harvestQueued = false;
      const c = this.active;
      try {
        c?.harvest();
      } catch (e) {
        // A bug of ours, not the peer's: say it once and drop that connection; the server goes on.
        this.log(`internal error while harvesting completions: ${(e as Error).message}`);
        c?.destroy();
      }
    });
  }
}

/** One host connection: its PDU stream, its admin queue and (while connected) the emulator's rings. */
export class TargetConnection {
  private readonly reader: PduReader;
  private digests: DigestOptions = { hdgst: false, ddgst: false };
  private hpda = 0;
  private state: 'ic' | 'connect' | 'live' | 'closed' = 'ic';
  /** The queue this connection carries once connected: 0 the admin queue, 1.. an I/O queue. */
  qid = 0;
  /** The host NQN from Connect (an I/O queue must come from the admin queue's host). */
  hostnqn = '';
  private kato = 0;
  private katoTimer: unknown = null;
  /** Capsules the host has sent on the admin queue, and those consumed (for SQHD, NVMe Base 2.0 §4.2.1). */
  private consumed = 0;
  private queueSize = 0;
  // the emulator side: rings of queueSize entries, so its SQ head is this queue's
  private sqTail = 0;
  private sqHead = 0;
  private cqHead = 0;
  private phase: 0 | 1 = 1;
  private ringsReady = false;
  private readonly commands = new Map<number, Command>();
  /** Commands waiting for the emulator's ring or a data slot, in arrival order. */
  private readonly waiting: Command[] = [];
  private freeSlots: number[] = [];
  private nextTtag = 1;
  /** Keep Alive expired: CSTS.CFS reads 1 until the association ends (NVMe Base 2.0 §3.9.5). */
  private fatal = false;
  /** Bytes processed from and written to the connection (for an in-process host's `settle`). */
  bytesIn = 0;
  bytesOut = 0;
  /** PDUs sent per type, for tests and the log. */
  readonly sent: Partial<Record<Pdu['type'], number>> = {};

  readonly peerPort: number | undefined;

  constructor(private readonly target: NvmeTcpTarget, private readonly socket: net.Socket) {
    this.peerPort = socket.remotePort;
    this.reader = new PduReader({ onPdu: (p, dd) => this.onPdu(p, dd), onError: (e, h) => this.terminate(e, h) }, 24 + 4 + 124 + Math.max(MAXH2CDATA, 72 + ADMIN_IN_CAPSULE) + 4);
    socket.on('data', (chunk: Buffer) => {
      try {
        this.reader.push(chunk);
        this.bytesIn += chunk.length;
      } catch (e) {
        // A bug of ours, not the peer's: say it once and drop this connection; the target goes on.
        this.target.log(`internal error on a connection: ${(e as Error).message}`);
        this.destroy();
      }
    });
    socket.on('error', () => {});
  }

  private send(pdu: Pdu): void {
    if (this.state === 'closed' || this.socket.destroyed) return;
    const bytes = encodePdu(pdu, { ...this.digests, pda: this.hpda });
    this.bytesOut += bytes.length;
    this.sent[pdu.type] = (this.sent[pdu.type] ?? 0) + 1;
    this.socket.write(bytes);
  }

  /** A fatal transport error: C2HTermReq with its FES and FEI, then the connection ends (NVMe/TCP 1.0 §3.6.2.2). */
  terminate(error: PduError, header: Uint8Array): void {
    if (this.state === 'closed') return;
    this.target.log(`C2HTermReq FES ${error.fes.toString(16).padStart(2, '0')}h FEI ${error.fei}: ${error.message}`);
    this.target.emit({ type: 'terminated', fes: error.fes, fei: error.fei, message: error.message });
    this.socket.write(encodePdu(terminationFor('c2hTermReq', error, header)));
    this.endAssociation();
    this.socket.end();
  }

  destroy(): void {
    this.endAssociation();
    this.socket.destroy();
  }

  /** The socket closed. */
  closed(): void {
    this.endAssociation();
    this.target.emit({ type: 'closed' });
  }

  /** The association ends: a live admin queue's controller is reset (CC.EN 1→0 drops parked AERs), as a lost
   * connection is on fabrics (NVMe Base 2.0 §3.3.2.4). */
  private endAssociation(): void {
    if (this.state === 'closed') return;
    const wasLive = this.state === 'live';
    this.state = 'closed';
    this.reader.push(new Uint8Array(0));
    if (this.katoTimer !== null) this.target.timers.clearTimeout(this.katoTimer);
    this.katoTimer = null;
    if (wasLive && this.qid > 0) {
      if (this.target.ioQueues.get(this.qid) === this) this.target.ioQueues.delete(this.qid);
      return;
    }
    if (wasLive && this.target.active === this) {
      this.target.active = null;
      this.closeIoQueues();
      const cc = this.target.controller.mmioRead32(Register.CC);
      if (cc & Cc.EN) this.target.controller.mmioWrite32(Register.CC, 0);
      this.forgetCommands();
    }
  }

  /** The association's I/O queues end with it, and with a controller reset (NVMe Base 2.0 §3.7.2: a reset deletes
   * every I/O queue; on NVMe/TCP each is a connection, closed here). */
  private closeIoQueues(): void {
    for (const c of [...this.target.ioQueues.values()]) c.destroy();
    this.target.ioQueues.clear();
  }

  /** Traffic on any queue of the association restarts the Keep Alive timer. */
  touch(): void {
    this.restartKeepAlive();
  }

  private onPdu(pdu: Pdu, dataDigestError: boolean): void {
    if (this.state === 'closed') return;
    if (this.state === 'ic') {
      if (pdu.type !== 'icReq') return this.terminate({ fes: Fes.PDU_SEQUENCE_ERROR, fei: 0, message: `${pdu.type} before ICReq` }, encodePdu(pdu));
      if (pdu.pfv !== PFV_1_0) return this.terminate({ fes: Fes.UNSUPPORTED_PARAMETER, fei: 8, message: `PFV ${pdu.pfv} is not supported` }, encodePdu(pdu));
      this.hpda = pdu.hpda;
      this.send({ type: 'icResp', pfv: PFV_1_0, cpda: 0, hdgst: pdu.hdgst, ddgst: pdu.ddgst, maxh2cdata: Math.max(MIN_MAXH2CDATA, MAXH2CDATA) });
      this.digests = { hdgst: pdu.hdgst, ddgst: pdu.ddgst };
      this.reader.digests = this.digests;
      this.state = 'connect';
      return;
    }
    switch (pdu.type) {
      case 'icReq':
        return this.terminate({ fes: Fes.PDU_SEQUENCE_ERROR, fei: 0, message: 'a second ICReq' }, encodePdu(pdu));
      case 'h2cTermReq':
        this.target.log(`H2CTermReq from the host: FES ${pdu.fes.toString(16)}h FEI ${pdu.fei}`);
        this.destroy();
        return;
      case 'capsuleCmd':
        this.keepAlive();
        return this.onCapsule(pdu.sqe, pdu.data, dataDigestError);
      case 'h2cData':
        this.keepAlive();
        return this.onH2CData(pdu.cccid, pdu.ttag, pdu.datao, pdu.data, pdu.last, dataDigestError);
      default:
        // A controller-to-host PDU sent by a host.
        return this.terminate({ fes: Fes.INVALID_PDU_HEADER_FIELD, fei: 0, message: `a host sent a ${pdu.type} PDU` }, encodePdu(pdu).subarray(0, 8));
    }
  }

  private keepAlive(): void {
    if (this.qid > 0) this.target.active?.touch();
    else this.restartKeepAlive();
  }

  private respond(cid: number, status: { sct: number; sc: number; dnr: boolean }, dw0 = 0, dw1 = 0, consumed = true): void {
    if (consumed) this.consumed++;
    const cqe = encodeCqe({ dw0, dw1, sqhd: this.sqhd(), sqid: this.qid, cid, phase: 0, status, crd: 0, more: false });
    this.send({ type: 'capsuleResp', cqe });
  }

  /** SQHD: capsules consumed, modulo the queue's size. */
  private sqhd(): number {
    return this.queueSize > 0 ? this.consumed % this.queueSize : 0;
  }

  private onCapsule(sqe: Uint8Array, inCapsule: Uint8Array, dataDigestError: boolean): void {
    const cid = sqe[2]! | (sqe[3]! << 8);
    if (dataDigestError) return this.respond(cid, FabricsStatus.TRANSIENT_TRANSPORT_ERROR);
    if (sqe[0] === FABRICS_OPCODE) return this.onFabricsCommand(sqe, inCapsule);
    if (this.state !== 'live') return this.respond(cid, Status.withDnr(Status.COMMAND_SEQUENCE_ERROR));
    if (this.commands.has(cid)) return this.respond(cid, Status.withDnr({ sct: 0, sc: 0x03, dnr: false })); // Command ID Conflict
    if (((sqe[1]! >>> 6) & 3) === 0) return this.respond(cid, Status.withDnr(Status.INVALID_FIELD)); // PSDT: fabrics use SGLs
    const sgl = decodeSgl(sqe);
    const direction = sqe[0]! & 3; // opcode bits 1:0: 01b host to controller, 10b controller to host (§5.1)
    const length = sgl.id === SglId.DATA_BLOCK_OFFSET || sgl.id === SglId.TRANSPORT_DATA_BLOCK ? sgl.length : 0;
    if (sgl.id !== SglId.DATA_BLOCK_OFFSET && sgl.id !== SglId.TRANSPORT_DATA_BLOCK && !(sgl.length === 0 && inCapsule.length === 0)) {
      return this.respond(cid, Status.withDnr({ sct: 0, sc: 0x11, dnr: false })); // SGL Descriptor Type Invalid
    }
    if (length > MAX_TRANSFER) return this.respond(cid, Status.withDnr({ sct: 0, sc: 0x0f, dnr: false })); // Data SGL Length Invalid
    const command: Command = { cid, sqe, sgl, dataIn: direction === 2 && length > 0 ? length : 0, slot: null };
    if (sgl.id === SglId.DATA_BLOCK_OFFSET) {
      const offset = Number(sgl.address);
      if (offset + length > inCapsule.length) return this.respond(cid, Status.withDnr({ sct: 0, sc: 0x16, dnr: false })); // SGL Offset Invalid
      command.data = inCapsule.subarray(offset, offset + length);
    } else if (direction === 1 && length > 0) {
      // Host-to-controller data not in the capsule: ask for it (one R2T: MAXH2CDATA covers the largest transfer).
      const ttag = this.nextTtag;
      this.nextTtag = (this.nextTtag % 0xfffe) + 1;
      this.commands.set(cid, { ...command, ttag, received: 0, data: new Uint8Array(length) });
      this.send({ type: 'r2t', cccid: cid, ttag, r2to: 0, r2tl: length });
      return;
    }
    this.commands.set(cid, command);
    this.queueCommand(command);
  }

  private onH2CData(cccid: number, ttag: number, datao: number, data: Uint8Array, last: boolean, dataDigestError: boolean): void {
    const c = this.commands.get(cccid);
    const header = () => encodePdu({ type: 'h2cData', cccid, ttag, datao, last, data: new Uint8Array(0) }).subarray(0, 24);
    if (!c || c.ttag === undefined || c.ttag !== ttag || c.received === undefined) {
      return this.terminate({ fes: Fes.INVALID_PDU_HEADER_FIELD, fei: c ? 10 : 8, message: `H2CData for CCCID ${cccid} TTAG ${ttag}: no R2T outstanding` }, header());
    }
    if (datao !== c.received || datao + data.length > c.data!.length) {
      return this.terminate({ fes: Fes.DATA_TRANSFER_OUT_OF_RANGE, fei: 12, message: `H2CData DATAO ${datao} + ${data.length} outside the R2T (${c.received} of ${c.data!.length} received)` }, header());
    }
    c.data!.set(data, datao);
    c.received += data.length;
    if (c.received === c.data!.length) {
      if (!last) return this.terminate({ fes: Fes.INVALID_PDU_HEADER_FIELD, fei: 1, message: 'the last H2CData of an R2T without LAST_PDU' }, header());
      c.received = undefined;
      if (dataDigestError) {
        this.commands.delete(cccid);
        return this.respond(cccid, FabricsStatus.TRANSIENT_TRANSPORT_ERROR);
      }
      this.queueCommand(c);
    } else if (last) {
      return this.terminate({ fes: Fes.DATA_TRANSFER_OUT_OF_RANGE, fei: 16, message: `LAST_PDU with ${c.received} of ${c.data!.length} bytes` }, header());
    }
  }

  // ---- fabrics commands ----

  private onFabricsCommand(sqe: Uint8Array, inCapsule: Uint8Array): void {
    const f = decodeFabricsCommand(sqe);
    const cid = f.cid;
    switch (f.fctype) {
      case FabricsCommandType.CONNECT: {
        if (this.state !== 'connect' || !('qid' in f)) return this.respond(cid, Status.withDnr(Status.COMMAND_SEQUENCE_ERROR));
        const invalid = (where: 'command' | 'data', offset: number) => this.respond(cid, FabricsStatus.CONNECT_INVALID_PARAMETERS, connectInvalidParameter(where, offset));
        if (f.recfmt !== 0) return this.respond(cid, FabricsStatus.CONNECT_INCOMPATIBLE_FORMAT);
        if (f.qid > MAX_IO_QUEUES) return invalid('command', 42); // beyond the queues Set Features 07h allocates
        if (f.sqsize < 1 || f.sqsize > TARGET_MQES) return invalid('command', 44);
        if (f.sgl.id !== SglId.DATA_BLOCK_OFFSET || f.sgl.length < CONNECT_DATA_SIZE || Number(f.sgl.address) + CONNECT_DATA_SIZE > inCapsule.length) {
          // Linux hosts and nvmet carry the Connect data in the capsule; an R2T for it is not offered.
          return this.respond(cid, Status.withDnr({ sct: 0, sc: 0x0f, dnr: false }));
        }
        const data = decodeConnectData(inCapsule.subarray(Number(f.sgl.address), Number(f.sgl.address) + CONNECT_DATA_SIZE));
        if (data.subnqn !== this.target.nqn) return invalid('data', 256);
        if (f.qid > 0) return this.connectIoQueue(cid, f.qid, f.sqsize, data.cntlid, data.hostnqn, invalid);
        if (data.cntlid !== CNTLID_DYNAMIC) return invalid('data', 16);
        if (this.target.active && this.target.active !== this) return this.respond(cid, FabricsStatus.CONNECT_CONTROLLER_BUSY);
        this.queueSize = f.sqsize + 1;
        this.kato = f.kato;
        this.state = 'live';
        this.hostnqn = data.hostnqn;
        this.target.active = this;
        this.freeSlots = Array.from({ length: DATA_SLOTS }, (_, i) => i);
        this.target.log(`connected: ${data.hostnqn || '(no host NQN)'}, admin queue of ${this.queueSize}, KATO ${this.kato} ms`);
        this.target.emit({ type: 'connected', hostnqn: data.hostnqn, kato: this.kato, sqsize: f.sqsize });
        this.restartKeepAlive();
        return this.respond(cid, Status.SUCCESS, this.target.cntlid);
      }
      case FabricsCommandType.PROPERTY_GET:
      case FabricsCommandType.PROPERTY_SET: {
        // Properties are the admin queue's (NVMe Base 2.0 §6.5, §6.6); on an I/O queue, as Linux nvmet answers.
        if (this.qid > 0) return this.respond(cid, Status.withDnr(Status.INVALID_OPCODE));
        if (this.state !== 'live') return this.respond(cid, Status.withDnr(Status.COMMAND_SEQUENCE_ERROR));
        if (!('size' in f) || f.size === undefined) return this.respond(cid, Status.withDnr(Status.INVALID_FIELD));
        if (f.fctype === FabricsCommandType.PROPERTY_GET) {
          const value = this.propertyGet(f.ofst, f.size);
          if (value === undefined) return this.respond(cid, Status.withDnr(Status.INVALID_FIELD));
          return this.respond(cid, Status.SUCCESS, Number(value & 0xffffffffn), Number(value >> 32n));
        }
        if (!('value' in f) || !this.propertySet(f.ofst, f.size, f.value)) return this.respond(cid, Status.withDnr(Status.INVALID_FIELD));
        return this.respond(cid, Status.SUCCESS);
      }
      case FabricsCommandType.DISCONNECT:
        if (this.qid > 0 && this.state === 'live') {
          // Disconnect deletes this I/O queue (NVMe Base 2.0 §6.4): answered, then the connection ends.
          this.respond(cid, Status.SUCCESS);
          this.socket.end();
          this.endAssociation();
          return;
        }
        return this.respond(cid, Status.withDnr(Status.INVALID_OPCODE));
      default:
        // Disconnect applies to I/O queues (NVMe Base 2.0 §6.4); on the admin queue, like any other fabrics
        // command this controller does not have, it is an invalid opcode (Linux nvmet answers the same).
        return this.respond(cid, Status.withDnr(Status.INVALID_OPCODE));
    }
  }

  /** Connect of an I/O queue (NVMe Base 2.0 §6.3): the active host's (same host NQN, its controller's CNTLID), on an
   * enabled controller, a QID not yet connected. The queue lives as long as this connection and the association. */
  private connectIoQueue(cid: number, qid: number, sqsize: number, cntlid: number, hostnqn: string, invalid: (where: 'command' | 'data', offset: number) => void): void {
    const admin = this.target.active;
    if (!admin || cntlid !== this.target.cntlid || admin.hostnqn !== hostnqn) return invalid('data', admin && cntlid === this.target.cntlid ? 512 : 16);
    if (!(this.target.controller.mmioRead32(Register.CSTS) & Csts.RDY)) return this.respond(cid, Status.withDnr(Status.COMMAND_SEQUENCE_ERROR));
    if (this.target.ioQueues.has(qid)) return this.respond(cid, Status.withDnr(Status.COMMAND_SEQUENCE_ERROR)); // as nvmet_install_queue
    this.qid = qid;
    this.queueSize = sqsize + 1;
    this.hostnqn = hostnqn;
    this.state = 'live';
    this.target.ioQueues.set(qid, this);
    this.target.log(`I/O queue ${qid} connected, ${this.queueSize} entries`);
    this.target.emit({ type: 'ioQueueConnected', qid, sqsize });
    admin.touch();
    this.respond(cid, Status.SUCCESS, this.target.cntlid);
  }

  /** Properties of a fabrics controller (NVMe Base 2.0 Figure 35): CAP, VS, CC, CSTS; the others are reserved. */
  private propertyGet(ofst: number, size: 4 | 8): bigint | undefined {
    const ctrl = this.target.controller;
    if (ofst === Register.CAP && size === 8) {
      const cap = ctrl.mmioRead64(Register.CAP);
      return (cap & ~0xffffn) | BigInt(Math.min(Number(cap & 0xffffn), TARGET_MQES));
    }
    if (size !== 4) return undefined;
    if (ofst === Register.VS || ofst === Register.CC) return BigInt(ctrl.mmioRead32(ofst));
    if (ofst === Register.CSTS) return BigInt((ctrl.mmioRead32(Register.CSTS) | (this.fatal ? Csts.CFS : 0)) >>> 0);
    return undefined;
  }

  private propertySet(ofst: number, size: 4 | 8, value: bigint): boolean {
    if (ofst !== Register.CC || size !== 4) return false;
    const ctrl = this.target.controller;
    const cc = Number(value & 0xffffffffn);
    const was = ctrl.mmioRead32(Register.CC);
    if ((cc & Cc.EN) && !(was & Cc.EN)) this.openRings();
    ctrl.mmioWrite32(Register.CC, cc);
    if (!(cc & Cc.EN) && (was & Cc.EN)) {
      this.closeIoQueues();
      this.forgetCommands();
    }
    return true;
  }

  // ---- the emulator side: this adapter as its PCIe host ----

  private ringAddresses(): { sq: bigint; cq: bigint; slots: bigint } {
    const page = BigInt(PAGE_SIZE);
    const sqBytes = BigInt(Math.ceil((this.queueSize * SQE_SIZE) / PAGE_SIZE)) * page;
    const cqBytes = BigInt(Math.ceil((this.queueSize * CQE_SIZE) / PAGE_SIZE)) * page;
    return { sq: RING_BASE, cq: RING_BASE + sqBytes, slots: RING_BASE + sqBytes + cqBytes };
  }

  /** Before CC.EN 0→1: AQA/ASQ/ACQ for rings of this queue's size, the CQ zeroed (NVMe Base 2.0 §3.5.1). */
  private openRings(): void {
    const ctrl = this.target.controller;
    const { sq, cq } = this.ringAddresses();
    ctrl.memory.write(cq, new Uint8Array(this.queueSize * CQE_SIZE));
    ctrl.mmioWrite32(Register.AQA, ((this.queueSize - 1) | ((this.queueSize - 1) << 16)) >>> 0);
    ctrl.mmioWrite64(Register.ASQ, sq);
    ctrl.mmioWrite64(Register.ACQ, cq);
    this.sqTail = 0;
    this.sqHead = 0;
    this.cqHead = 0;
    this.phase = 1;
    this.ringsReady = true;
  }

  /** A controller reset dropped every command in the emulator: forget them (their capsules get no response, as
   * a reset on PCIe posts no completion). */
  private forgetCommands(): void {
    // The reset empties the queue: every capsule still held (in the ring, fetched or not, waiting for the ring, or
    // waiting for its R2T data) is consumed as far as SQHD goes, or the host would count them as occupying slots.
    const inRing = this.ringsReady ? (this.sqTail - this.sqHead + this.queueSize) % this.queueSize : 0;
    let awaitingData = 0;
    for (const c of this.commands.values()) if (c.received !== undefined) awaitingData++;
    this.consumed += inRing + this.waiting.length + awaitingData;
    this.ringsReady = false;
    this.commands.clear();
    this.waiting.length = 0;
    this.freeSlots = Array.from({ length: DATA_SLOTS }, (_, i) => i);
  }

  private queueCommand(c: Command): void {
    if (this.qid > 0) return this.executeIoCommand(c);
    if (!this.ringsReady || !(this.target.controller.mmioRead32(Register.CSTS) & Csts.RDY)) {
      // Not enabled: a PCIe controller would not fetch it at all; over fabrics it is answered (§3.5.1).
      this.commands.delete(c.cid);
      return this.respond(c.cid, Status.withDnr(Status.COMMAND_SEQUENCE_ERROR));
    }
    this.waiting.push(c);
    this.submitWaiting();
  }

  /** An I/O command on this I/O queue: decided (src/logic/io-commands.ts) and carried out on the emulator's block
   * stores at once; a Read's blocks go out in C2HData before the CapsuleResp. The data the SGL describes must be the
   * command's length exactly (Data SGL Length Invalid otherwise, as Linux nvmet answers). */
  private executeIoCommand(c: Command): void {
    this.commands.delete(c.cid);
    const ctrl = this.target.controller;
    if (!(ctrl.mmioRead32(Register.CSTS) & Csts.RDY)) return this.respond(c.cid, Status.withDnr(Status.COMMAND_SEQUENCE_ERROR));
    const decision = decideIoCommand(decodeSqe(c.sqe), ctrl.ioEnv);
    const length = ioDataLength(decision);
    const given = c.data?.length ?? c.dataIn;
    if (decision.kind !== 'fail' && given !== length) return this.respond(c.cid, Status.withDnr({ sct: 0, sc: 0x0f, dnr: false })); // Data SGL Length Invalid
    const answer = executeIo(decision, ctrl.blocks, c.data);
    if (answer.data && answer.status.sct === 0 && answer.status.sc === 0) this.send({ type: 'c2hData', cccid: c.cid, datao: 0, last: true, success: false, data: answer.data });
    this.respond(c.cid, answer.status, answer.dw0);
  }

  private submitWaiting(): void {
    const ctrl = this.target.controller;
    let rung = false;
    while (this.waiting.length > 0 && this.ringsReady) {
      const c = this.waiting[0]!;
      if ((this.sqTail + 1) % this.queueSize === this.sqHead) break; // ring full: wait for the emulator to fetch
      const length = c.data?.length ?? c.dataIn;
      let prp1 = 0n;
      let prp2 = 0n;
      if (length > 0) {
        const slot = this.freeSlots.shift();
        if (slot === undefined) break;
        c.slot = slot;
        const list = this.ringAddresses().slots + BigInt(slot * SLOT_PAGES * PAGE_SIZE);
        const data = list + BigInt(PAGE_SIZE);
        prp1 = data;
        if (length > 2 * PAGE_SIZE) {
          const entries = Math.ceil(length / PAGE_SIZE) - 1;
          const bytes = new Uint8Array(entries * 8);
          const v = new DataView(bytes.buffer);
          for (let i = 0; i < entries; i++) v.setBigUint64(i * 8, data + BigInt((i + 1) * PAGE_SIZE), true);
          ctrl.memory.write(list, bytes);
          prp2 = list;
        } else if (length > PAGE_SIZE) prp2 = data + BigInt(PAGE_SIZE);
        if (c.data) ctrl.memory.write(data, c.data);
      }
      this.waiting.shift();
      const entry = c.sqe.slice();
      entry[1] = entry[1]! & 0x3f; // PSDT 00b: PRPs, as the emulator's PCIe ring expects
      setU64(entry, 24, prp1);
      setU64(entry, 32, prp2);
      ctrl.memory.write(this.ringAddresses().sq + BigInt(this.sqTail * SQE_SIZE), entry);
      this.sqTail = (this.sqTail + 1) % this.queueSize;
      rung = true;
    }
    if (rung) {
      ctrl.mmioWrite32(Register.SQ0TDBL, this.sqTail);
      this.target.scheduleHarvest();
    }
  }

  /** Consume the emulator's new CQEs: data to the host with C2HData, then the CapsuleResp. */
  harvest(): void {
    if (!this.ringsReady || this.state !== 'live') return;
    const ctrl = this.target.controller;
    const { cq, slots } = this.ringAddresses();
    let any = false;
    for (;;) {
      const bytes = ctrl.memory.read(cq + BigInt(this.cqHead * CQE_SIZE), CQE_SIZE);
      if ((bytes[14]! & 1) !== this.phase) break;
      any = true;
      this.cqHead = (this.cqHead + 1) % this.queueSize;
      if (this.cqHead === 0) this.phase = this.phase === 1 ? 0 : 1;
      const cqe = decodeCqe(bytes);
      // Capsules consumed so far: the emulator's head moved from sqHead to cqe.sqhd.
      this.consumed += (cqe.sqhd - this.sqHead + this.queueSize) % this.queueSize;
      this.sqHead = cqe.sqhd;
      const c = this.commands.get(cqe.cid);
      this.commands.delete(cqe.cid);
      if (c && c.slot !== null) {
        const address = slots + BigInt(c.slot * SLOT_PAGES * PAGE_SIZE) + BigInt(PAGE_SIZE);
        if (c.dataIn > 0 && cqe.status.sct === 0 && cqe.status.sc === 0) {
          const data = ctrl.memory.read(address, c.dataIn);
          if (c.sqe[0] === AdminOpcode.IDENTIFY && (c.sqe[40]! === Cns.CONTROLLER) && data.length >= 4096) {
            applyFabricsIdentify(data, { subnqn: this.target.nqn, maxcmd: TARGET_MAXCMD, ioccsz: (SQE_SIZE + IO_IN_CAPSULE) / 16 });
          }
          this.send({ type: 'c2hData', cccid: cqe.cid, datao: 0, last: true, success: false, data });
        }
        this.freeSlots.push(c.slot);
      }
      this.respond(cqe.cid, cqe.status, cqe.dw0, cqe.dw1, false);
    }
    if (any) {
      ctrl.mmioWrite32(Register.SQ0TDBL + 4, this.cqHead);
      this.submitWaiting();
    }
  }

  // ---- Keep Alive (NVMe Base 2.0 §3.9.5): any capsule restarts the timer (as Linux nvmet's traffic-based keep
  // alive); expiry is a controller fatal status and ends the association ----

  private restartKeepAlive(): void {
    if (this.state !== 'live' || this.kato === 0) return;
    if (this.katoTimer !== null) this.target.timers.clearTimeout(this.katoTimer);
    this.katoTimer = this.target.timers.setTimeout(() => this.keepAliveExpired(), this.kato);
  }

  private keepAliveExpired(): void {
    this.katoTimer = null;
    if (this.state !== 'live') return;
    this.fatal = true;
    this.target.log(`Keep Alive Timeout (${this.kato} ms) expired: controller fatal status, association ended`);
    this.target.emit({ type: 'keepAliveExpired' });
    this.destroy();
  }
}

