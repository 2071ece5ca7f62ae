// NvmeHost: a small NVMe host driver over a Transport (NVMe Base 2.0 §3.5.1 initialization, §4.1 queues,
// §3.6 shutdown). One driver, two back ends for the admin queue: on PCIe (the emulator, QEMU) it writes SQEs to a
// ring in guest memory, rings doorbells and polls the CQ by phase tag, data through PRPs; on fabrics (a transport
// with `capsules`, NVMe/TCP) registers are Property Get/Set, commands go as capsules and completions come back as
// CapsuleResp, data in the capsule, on R2T or in C2HData (NVMe Base 2.0 §3.3). I/O queues (createIoQueues) and
// Read/Write/Flush on them: on PCIe Create I/O CQ/SQ with rings in guest memory; on fabrics a Connect per queue.
import type { Awaitable, CapsuleQueue, CapsuleResponse, Transport } from './transport.ts';
import { AdminOpcode, Cc, Cns, Csts, CQE_SIZE, FeatureId, IoOpcode, LogPage, PAGE_SIZE, Register, SQE_SIZE, Status } from '../spec/constants.ts';
import { decodeNumberOfQueues, encodeNumberOfQueues } from '../spec/admin-fields.codec.ts';
import { encodeReadWrite } from '../logic/io-commands.ts';
import { encodeSqe, type Sqe } from '../spec/sqe.codec.ts';
import { cqePhase, decodeCqe, type Cqe } from '../spec/cqe.codec.ts';
import { encodeAbort, encodeFeatures, encodeGetLogPage, encodeIdentify, encodeNamespaceAttachment } from '../spec/admin-fields.codec.ts';
import { decodeIdentifyController, decodeIdentifyNamespace, type IdentifyController, type IdentifyNamespace } from '../spec/identify.codec.ts';
import { decodeChangedNamespaceList, decodeNsidList, encodeControllerList, type ChangedNamespaceList } from '../spec/namespace-list.codec.ts';

export class HostError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HostError';
  }
}

/** A command to submit: SQE fields (CID is assigned by the host) and its data. */
export type CommandSpec = Partial<Omit<Sqe, 'cid'>> & {
  readonly opcode: number;
  /** Controller-to-host bytes to receive through PRPs (Identify, Get Log Page). */
  readonly dataIn?: number;
  /** Host-to-controller bytes to send through PRPs (Namespace Attachment's controller list). */
  readonly dataOut?: Uint8Array;
  /** Byte offset of the data inside its first page (dword aligned): makes PRP1 carry an offset. */
  readonly prpOffset?: number;
  /** Use the given PRP1/PRP2 as they are (no buffer is allocated): for bad-pointer tests. */
  readonly rawPrps?: boolean;
};

export interface CompletionRecord {
  readonly cid: number;
  readonly sqid: number;
  readonly sqhd: number;
  readonly status: Status;
  readonly dw0: number;
  readonly dw1: number;
  /** Order of arrival among this host's completions, from 1. */
  readonly seq: number;
  /** The bytes received, for commands with `dataIn`, read after the completion arrived. */
  readonly data?: Uint8Array;
}

export interface HostOptions {
  /** How long to wait for a register change or a completion (default 2000 ms). */
  readonly timeoutMs?: number;
  /** Sleep between polls (default 0 for the emulator: yield only; 1 ms otherwise). */
  readonly pollIntervalMs?: number;
  /** Data buffer slots (commands with data outstanding at once), default 16. */
  readonly slots?: number;
}

/** Largest transfer this host sets up: 32 pages (128 KiB), within every target's MDTS. */
export const HOST_MAX_TRANSFER = 32 * PAGE_SIZE;
const SLOT_PAGES = 1 + 33; // one PRP list page, then data pages (one spare for a PRP1 offset)
/** Completions kept readable by CID through `completion()` and `waitFor()`. */
const REMEMBERED = 4096;

// ---- one driver for both kinds of transport ----
// Each host operation is written once, as a generator that yields only the promises a transport returns. `drive`
// runs it synchronously for as long as the transport answers synchronously (the emulator: no promise per MMIO
// or memory access), and continues asynchronously from the first promise (QEMU over qtest, or a wait); the
// generator receives each promise's value as the value of its `yield`.
type Steps<T> = Generator<Promise<unknown>, T, any>;
function isPromise<T>(v: Awaitable<T>): v is Promise<T> {
  return typeof (v as { then?: unknown } | null)?.then === 'function';
}
function drive<T>(steps: Steps<T>): Awaitable<T> {
  return resume(steps, steps.next());
}
function resume<T>(steps: Steps<T>, at: IteratorResult<Promise<unknown>, T>): Awaitable<T> {
  return at.done ? at.value : at.value.then((x) => resume(steps, steps.next(x)), (e: unknown) => resume(steps, steps.throw(e)));
}
/** A promise for the public API: a synchronous throw becomes a rejection. */
function settle<T>(run: () => Awaitable<T>): Promise<T> {
  try {
    return Promise.resolve(run());
  } catch (e) {
    return Promise.reject(e);
  }
}
const noop = (): void => {};
/** A command identifier: 16 bits (NVMe Base 2.0 §4.2, CDW0 bits 31:16). */
const isCid = (cid: number): boolean => Number.isInteger(cid) && cid >= 0 && cid <= 0xffff;

interface Outstanding {
  readonly cid: number;
  readonly slot: number | null;
  readonly dataIn: number;
  readonly dataAddress: bigint;
}

export class NvmeHost {
  readonly timeoutMs: number;
  private readonly pollIntervalMs: number;
  private queueSize = 0;
  private sqBase = 0n;
  private cqBase = 0n;
  private slotBase = 0n;
  /** Addresses computed once per layout, on first use (bigint arithmetic allocates, and a host that sends a few
   * commands should not pay for every entry of a deep queue): SQ entries, CQ entries, slot pages. */
  private sqEntries: bigint[] = [];
  private cqEntries: bigint[] = [];
  private slotPages: { list: bigint; data: bigint }[] = [];
  private readonly slotCount: number;
  private freeSlots: number[] = [];
  private sqTail = 0;
  private sqHeadSeen = 0;
  private cqHead = 0;
  private phase: 0 | 1 = 1;
  private nextCid = 1;
  private seq = 0;
  // Indexed by CID (16 bits; CIDs are handed out in order, so the arrays grow densely): a Map's set and delete per
  // command was a measurable share of an admin round trip, and arrays sized for every CID up front cost each new
  // host (one per generated path) a megabyte.
  private readonly outstanding: (Outstanding | undefined)[] = [];
  private readonly completed: (CompletionRecord | undefined)[] = [];
  private readonly recent: (CompletionRecord | undefined)[] = new Array(REMEMBERED);
  private readonly listeners = new Set<(c: CompletionRecord) => void>();
  private readonly submitListeners = new Set<(sqe: Sqe) => void>();
  private enabled = false;
  /** The fabrics back end's admin queue; undefined on PCIe. */
  private readonly capsules: CapsuleQueue | undefined;

  constructor(readonly transport: Transport, options: HostOptions = {}) {
    this.capsules = transport.capsules;
    this.timeoutMs = options.timeoutMs ?? 2000;
    this.pollIntervalMs = options.pollIntervalMs ?? (transport.name === 'emulator' ? 0 : 1);
    this.slotCount = options.slots ?? 16;
  }

  /** Called for every completion as it is consumed from the CQ. */
  onCompletion(listener: (c: CompletionRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called for every command as it is written to the submission queue (before the doorbell), including those
   * the host sends itself (Identify for its controller id, Namespace Attachment for a change on QEMU). */
  onSubmit(listener: (sqe: Sqe) => void): () => void {
    this.submitListeners.add(listener);
    return () => this.submitListeners.delete(listener);
  }

  // ---- registers and lifecycle ----

  async readCsts(): Promise<number> {
    return this.transport.mmioRead32(Register.CSTS);
  }

  /** Program AQA/ASQ/ACQ, set CC.EN with 64/16-byte entries, wait for CSTS.RDY (§3.5.1). */
  async enable(options: { queueSize?: number } = {}): Promise<void> {
    const size = options.queueSize ?? 16;
    const cap = await this.transport.mmioRead64(Register.CAP);
    const mqes = Number(cap & 0xffffn) + 1;
    if (!Number.isInteger(size) || size < 2 || size > mqes) throw new HostError(`queue size ${size} is outside 2..${mqes} (CAP.MQES+1)`);
    if ((await this.readCsts()) & Csts.RDY) await this.disable();
    if (this.capsules) {
      // Fabrics: the admin queue exists from Connect (its size is Connect's SQSIZE); AQA/ASQ/ACQ are not properties
      // of a fabrics controller (NVMe Base 2.0 §3.1.3). Another size is another association.
      if (size !== this.capsules.queueSize) await this.capsules.resize(size);
      this.queueSize = size;
      this.outstanding.length = 0;
    } else {
      this.layout(size);
      // A fresh CQ starts with every phase tag 0: entries left from before a reset would otherwise read as new.
      await this.transport.memWrite(this.cqBase, new Uint8Array(size * CQE_SIZE));
      await this.transport.mmioWrite32(Register.AQA, ((size - 1) | ((size - 1) << 16)) >>> 0);
      await this.transport.mmioWrite64(Register.ASQ, this.sqBase);
      await this.transport.mmioWrite64(Register.ACQ, this.cqBase);
    }
    await this.writeCc(Cc.EN | (6 << Cc.IOSQES_SHIFT) | (4 << Cc.IOCQES_SHIFT));
    await this.waitForCsts((v) => (v & (Csts.RDY | Csts.CFS)) !== 0, 'CSTS.RDY = 1');
    const csts = await this.readCsts();
    if (csts & Csts.CFS) throw new HostError(`controller reported fatal status (CSTS ${csts.toString(16)}h) on enable`);
    this.enabled = true;
  }

  /** CC.EN = 0: a controller reset. Outstanding commands are forgotten (the controller drops them). */
  async disable(): Promise<void> {
    const cc = await this.transport.mmioRead32(Register.CC);
    await this.writeCc(cc & ~Cc.EN);
    await this.waitForCsts((v) => (v & Csts.RDY) === 0, 'CSTS.RDY = 0');
    this.enabled = false;
    this.outstanding.length = 0;
    this.freeSlots = Array.from({ length: this.slotCount }, (_, i) => i);
    this.capsules?.forget();
    this.forgetIoQueues();
  }

  /** CC.SHN = 01b (normal shutdown), wait for CSTS.SHST = 10b (§3.6.1). */
  async shutdown(): Promise<void> {
    const cc = await this.transport.mmioRead32(Register.CC);
    await this.writeCc((cc & ~(Cc.SHN_MASK << Cc.SHN_SHIFT)) | (1 << Cc.SHN_SHIFT));
    await this.waitForCsts((v) => ((v >>> Csts.SHST_SHIFT) & 3) === Csts.SHST_COMPLETE, 'CSTS.SHST = 10b');
  }

  private async writeCc(value: number): Promise<void> {
    await this.transport.mmioWrite32(Register.CC, value >>> 0);
  }

  private async waitForCsts(done: (csts: number) => boolean, what: string): Promise<void> {
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      const v = await this.readCsts();
      if (done(v)) return;
      if (Date.now() > deadline) throw new HostError(`timed out after ${this.timeoutMs} ms waiting for ${what} (CSTS ${v.toString(16)}h)`);
      await this.transport.wait(this.pollIntervalMs);
    }
  }

  private layout(size: number): void {
    const pages = (bytes: number) => BigInt(Math.ceil(bytes / PAGE_SIZE) * PAGE_SIZE);
    this.queueSize = size;
    this.sqBase = this.transport.memoryBase;
    this.cqBase = this.sqBase + pages(size * SQE_SIZE);
    this.slotBase = this.cqBase + pages(size * CQE_SIZE);
    const end = this.slotBase + BigInt(this.slotCount * SLOT_PAGES * PAGE_SIZE);
    if (end > this.transport.memoryBase + BigInt(this.transport.memorySize)) throw new HostError(`queues of ${size} and ${this.slotCount} data slots do not fit in the target's memory`);
    this.sqEntries = [];
    this.cqEntries = [];
    this.slotPages = [];
    this.sqTail = 0;
    this.sqHeadSeen = 0;
    this.cqHead = 0;
    this.phase = 1;
    this.outstanding.length = 0;
    this.freeSlots = Array.from({ length: this.slotCount }, (_, i) => i);
  }

  // ---- submission and completion ----

  /** Write the SQE, ring the tail doorbell; returns the CID. The completion is collected by poll(). Calls that
   * overlap are queued: each takes the SQ tail only after the previous one rang the doorbell. */
  submit(command: CommandSpec): Promise<number> {
    return settle(() => this.queueSubmit(command));
  }

  /** Set while a submission is waiting on the transport: later ones queue behind it. */
  private submitting: Promise<unknown> | null = null;

  private queueSubmit(command: CommandSpec): Awaitable<number> {
    const run = this.submitting ? this.submitting.then(() => drive(this.submitSteps(command))) : drive(this.submitSteps(command));
    if (isPromise(run)) {
      const done: Promise<unknown> = run.then(noop, noop);
      this.submitting = done;
      void done.then(() => {
        if (this.submitting === done) this.submitting = null;
      });
    }
    return run;
  }

  private *submitSteps(command: CommandSpec): Steps<number> {
    if (!this.enabled) throw new HostError('the controller is not enabled: call enable() first');
    const deadline = Date.now() + this.timeoutMs;
    while (this.sqFull()) {
      yield* this.pollSteps();
      if (!this.sqFull()) break;
      // SQ head is only learnt from completions: parked AERs can hold every slot as far as the host knows.
      if (Date.now() > deadline) throw new HostError(`timed out after ${this.timeoutMs} ms waiting for a free submission queue slot (no completion reported SQ head moving)`);
      yield this.transport.wait(this.pollIntervalMs);
    }
    const cid = this.allocateCid();
    const length = command.dataIn ?? command.dataOut?.length ?? 0;
    if (length > HOST_MAX_TRANSFER) throw new HostError(`a transfer of ${length} bytes exceeds this host's ${HOST_MAX_TRANSFER}`);
    if (this.capsules) return yield* this.sendCapsule(cid, command);
    let prp1 = command.prp1 ?? 0n;
    let prp2 = command.prp2 ?? 0n;
    let slot: number | null = null;
    let dataAddress = 0n;
    if (length > 0 && !command.rawPrps) {
      slot = this.freeSlots.shift() ?? null;
      if (slot === null) throw new HostError(`more than ${this.slotCount} commands with data outstanding`);
      const offset = command.prpOffset ?? 0;
      if (offset % 4 !== 0 || offset < 0 || offset >= PAGE_SIZE) throw new HostError(`prpOffset ${offset} must be a dword-aligned offset inside a page`);
      const pages = (this.slotPages[slot] ??= this.slotAddresses(slot));
      dataAddress = offset === 0 ? pages.data : pages.data + BigInt(offset);
      if (offset === 0 && length <= PAGE_SIZE) [prp1, prp2] = [dataAddress, 0n]; // one page: PRP1 alone (the common case)
      else ({ prp1, prp2 } = yield* this.buildPrps(pages.list, dataAddress, length));
      if (command.dataOut) {
        const written = this.transport.memWrite(dataAddress, command.dataOut);
        if (isPromise(written)) yield written;
      }
    }
    const entry: Sqe = {
      opcode: command.opcode, fuse: command.fuse ?? 0, psdt: command.psdt ?? 0, cid, nsid: command.nsid ?? 0,
      cdw2: command.cdw2 ?? 0, cdw3: command.cdw3 ?? 0, mptr: command.mptr ?? 0n, prp1, prp2,
      cdw10: command.cdw10 ?? 0, cdw11: command.cdw11 ?? 0, cdw12: command.cdw12 ?? 0,
      cdw13: command.cdw13 ?? 0, cdw14: command.cdw14 ?? 0, cdw15: command.cdw15 ?? 0,
    };
    this.outstanding[cid] = { cid, slot, dataIn: command.dataIn ?? 0, dataAddress };
    for (const l of this.submitListeners) l(entry);
    const written = this.transport.memWrite((this.sqEntries[this.sqTail] ??= this.sqBase + BigInt(this.sqTail * SQE_SIZE)), encodeSqe(entry));
    if (isPromise(written)) yield written;
    this.sqTail = (this.sqTail + 1) % this.queueSize;
    const rung = this.transport.mmioWrite32(Register.SQ0TDBL, this.sqTail);
    if (isPromise(rung)) yield rung;
    return cid;
  }

  /** No room for another submission: on PCIe the SQ tail against the SQ head of the last completion; on fabrics
   * the transport's count, which includes its own Property Get/Set capsules. */
  private sqFull(): boolean {
    return this.capsules ? !this.capsules.hasRoom() : (this.sqTail + 1) % this.queueSize === this.sqHeadSeen;
  }

  /** The fabrics back end: the SQE with SGL1 for its data (the transport chooses in-capsule or R2T). */
  private *sendCapsule(cid: number, command: CommandSpec): Steps<number> {
    const entry: Sqe = {
      opcode: command.opcode, fuse: command.fuse ?? 0, psdt: command.psdt ?? 0, cid, nsid: command.nsid ?? 0,
      cdw2: command.cdw2 ?? 0, cdw3: command.cdw3 ?? 0, mptr: command.mptr ?? 0n, prp1: 0n, prp2: 0n,
      cdw10: command.cdw10 ?? 0, cdw11: command.cdw11 ?? 0, cdw12: command.cdw12 ?? 0,
      cdw13: command.cdw13 ?? 0, cdw14: command.cdw14 ?? 0, cdw15: command.cdw15 ?? 0,
    };
    this.outstanding[cid] = { cid, slot: null, dataIn: command.dataIn ?? 0, dataAddress: 0n };
    for (const l of this.submitListeners) l(entry);
    const sent = this.capsules!.send(encodeSqe(entry), command.dataOut, command.dataIn ?? 0);
    if (isPromise(sent)) yield sent;
    return cid;
  }

  private slotAddresses(slot: number): { list: bigint; data: bigint } {
    const list = this.slotBase + BigInt(slot * SLOT_PAGES * PAGE_SIZE);
    return { list, data: list + BigInt(PAGE_SIZE) };
  }

  private *buildPrps(listPage: bigint, address: bigint, length: number): Steps<{ prp1: bigint; prp2: bigint }> {
    const page = BigInt(PAGE_SIZE);
    const first = Number(page - (address % page));
    if (length <= first) return { prp1: address, prp2: 0n };
    const second = address - (address % page) + page;
    if (length <= first + PAGE_SIZE) return { prp1: address, prp2: second };
    const entries = Math.ceil((length - first) / PAGE_SIZE);
    const list = new Uint8Array(entries * 8);
    const v = new DataView(list.buffer);
    for (let i = 0; i < entries; i++) v.setBigUint64(i * 8, second + BigInt(i) * page, true);
    const written = this.transport.memWrite(listPage, list);
    if (isPromise(written)) yield written;
    return { prp1: address, prp2: listPage };
  }

  private allocateCid(): number {
    for (let i = 0; i < 0x10000; i++) {
      const cid = this.nextCid;
      this.nextCid = (this.nextCid + 1) & 0xffff;
      if (this.outstanding[cid] === undefined && !this.capsules?.cidBusy(cid)) return cid;
    }
    throw new HostError('no free command identifier');
  }

  /** Consume every new CQE (by phase tag), then ring the CQ head doorbell. Returns what arrived. */
  poll(): Promise<CompletionRecord[]> {
    return settle(() => drive(this.pollSteps()));
  }

  private *pollSteps(): Steps<CompletionRecord[]> {
    const arrived: CompletionRecord[] = [];
    if (this.capsules) {
      const taken = this.capsules.takeResponses();
      const responses: CapsuleResponse[] = isPromise(taken) ? yield taken : taken;
      for (const r of responses) arrived.push(yield* this.record(decodeCqe(r.cqe), r));
      return arrived;
    }
    for (;;) {
      const read = this.transport.memRead((this.cqEntries[this.cqHead] ??= this.cqBase + BigInt(this.cqHead * CQE_SIZE)), CQE_SIZE);
      const bytes: Uint8Array = isPromise(read) ? yield read : read;
      if (cqePhase(bytes) !== this.phase) break;
      const cqe = decodeCqe(bytes);
      this.cqHead = (this.cqHead + 1) % this.queueSize;
      if (this.cqHead === 0) this.phase = this.phase === 1 ? 0 : 1;
      arrived.push(yield* this.record(cqe));
    }
    if (arrived.length > 0) {
      const rung = this.transport.mmioWrite32(Register.SQ0TDBL + 4, this.cqHead);
      if (isPromise(rung)) yield rung;
    }
    return arrived;
  }

  /** `fabrics`: the response as the fabrics back end received it (its data came with it). */
  private *record(cqe: Cqe, fabrics?: CapsuleResponse): Steps<CompletionRecord> {
    this.sqHeadSeen = cqe.sqhd;
    const o = this.outstanding[cqe.cid];
    this.outstanding[cqe.cid] = undefined;
    let data: Uint8Array | undefined;
    // A fabrics controller sends no data for a failed command: the buffer reads as zeros then.
    if (fabrics) data = o && o.dataIn > 0 ? (fabrics.data ?? new Uint8Array(o.dataIn)) : undefined;
    else if (o && o.dataIn > 0 && o.slot !== null) {
      const read = this.transport.memRead(o.dataAddress, o.dataIn);
      data = isPromise(read) ? yield read : read;
    }
    if (o && o.slot !== null) this.freeSlots.push(o.slot);
    const record: CompletionRecord = data
      ? { cid: cqe.cid, sqid: cqe.sqid, sqhd: cqe.sqhd, status: cqe.status, dw0: cqe.dw0, dw1: cqe.dw1, seq: ++this.seq, data }
      : { cid: cqe.cid, sqid: cqe.sqid, sqhd: cqe.sqhd, status: cqe.status, dw0: cqe.dw0, dw1: cqe.dw1, seq: ++this.seq };
    // The last REMEMBERED completions stay readable by CID (a long run would otherwise keep every one).
    const slot = record.seq % REMEMBERED;
    const evicted = this.recent[slot];
    if (evicted && this.completed[evicted.cid] === evicted) this.completed[evicted.cid] = undefined;
    this.recent[slot] = record;
    this.completed[cqe.cid] = record;
    for (const l of this.listeners) l(record);
    return record;
  }

  /** The completion of `cid`, if it has arrived (after the last poll) and is among the last 4,096. */
  completion(cid: number): CompletionRecord | undefined {
    return isCid(cid) ? this.completed[cid] : undefined;
  }

  isOutstanding(cid: number): boolean {
    return isCid(cid) && this.outstanding[cid] !== undefined;
  }

  /** Poll until `cid` completes; a HostError after the timeout. */
  waitFor(cid: number, timeoutMs = this.timeoutMs): Promise<CompletionRecord> {
    return settle(() => drive(this.waitSteps(cid, timeoutMs)));
  }

  private *waitSteps(cid: number, timeoutMs: number): Steps<CompletionRecord> {
    if (!isCid(cid)) throw new HostError(`CID ${cid} is not a command identifier (an integer 0..65535)`);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const done = this.completed[cid];
      if (done && this.outstanding[cid] === undefined) return done;
      yield* this.pollSteps();
      const now = this.completed[cid];
      if (now && this.outstanding[cid] === undefined) return now;
      if (Date.now() > deadline) throw new HostError(`timed out after ${timeoutMs} ms waiting for the completion of CID ${cid}`);
      yield this.transport.wait(this.pollIntervalMs);
    }
  }

  /** Submit and wait for the completion. */
  execute(command: CommandSpec): Promise<CompletionRecord> {
    return settle(() => {
      const cid = this.queueSubmit(command);
      return isPromise(cid) ? cid.then((c) => drive(this.waitSteps(c, this.timeoutMs))) : drive(this.waitSteps(cid, this.timeoutMs));
    });
  }

  // ---- commands as a driver issues them ----

  async identifyController(): Promise<IdentifyController> {
    const c = await this.expectSuccess('Identify Controller', { opcode: AdminOpcode.IDENTIFY, ...encodeIdentify({ cns: Cns.CONTROLLER }), dataIn: 4096 });
    return decodeIdentifyController(c.data!);
  }

  async identifyNamespace(nsid: number): Promise<IdentifyNamespace> {
    const c = await this.expectSuccess(`Identify Namespace ${nsid}`, { opcode: AdminOpcode.IDENTIFY, nsid, ...encodeIdentify({ cns: Cns.NAMESPACE }), dataIn: 4096 });
    return decodeIdentifyNamespace(c.data!);
  }

  async activeNamespaces(after = 0): Promise<number[]> {
    const c = await this.expectSuccess('Identify Active Namespace List', { opcode: AdminOpcode.IDENTIFY, nsid: after, ...encodeIdentify({ cns: Cns.ACTIVE_NAMESPACE_LIST }), dataIn: 4096 });
    return decodeNsidList(c.data!);
  }

  getLogPage(f: { lid: number; rae?: boolean; numd: number; offset?: bigint; nsid?: number; prpOffset?: number }): Promise<CompletionRecord> {
    return this.execute({ opcode: AdminOpcode.GET_LOG_PAGE, nsid: f.nsid ?? 0xffffffff, ...encodeGetLogPage(f), dataIn: f.numd * 4, prpOffset: f.prpOffset });
  }

  /** Read the Changed Namespace List (LID 04h, 1024 dwords). */
  async readChangedList(rae = false): Promise<ChangedNamespaceList> {
    const c = await this.getLogPage({ lid: LogPage.CHANGED_NAMESPACE_LIST, rae, numd: 1024 });
    if (!Status.equals(c.status, Status.SUCCESS)) throw new HostError(`Get Log Page 04h failed: ${Status.format(c.status)}`);
    return decodeChangedNamespaceList(c.data!);
  }

  setFeatures(fid: number, value: number): Promise<CompletionRecord> {
    return this.execute({ opcode: AdminOpcode.SET_FEATURES, ...encodeFeatures({ fid, value }) });
  }

  getFeatures(fid: number): Promise<CompletionRecord> {
    return this.execute({ opcode: AdminOpcode.GET_FEATURES, ...encodeFeatures({ fid }) });
  }

  setAsyncEventConfig(value: number): Promise<CompletionRecord> {
    return this.setFeatures(FeatureId.ASYNC_EVENT_CONFIG, value);
  }

  /** Submit an Asynchronous Event Request; it completes when the controller reports an event. */
  submitAer(): Promise<number> {
    return this.submit({ opcode: AdminOpcode.ASYNC_EVENT_REQUEST });
  }

  abort(cid: number, sqid = 0): Promise<CompletionRecord> {
    return this.execute({ opcode: AdminOpcode.ABORT, ...encodeAbort({ sqid, cid }) });
  }

  /** Namespace Attachment (15h) for this controller: SEL 0 attach, 1 detach. */
  async namespaceAttachment(nsid: number, sel: 'attach' | 'detach', controllers?: readonly number[]): Promise<CompletionRecord> {
    const ids = controllers ?? [(await this.identifyController()).cntlid];
    return this.execute({ opcode: AdminOpcode.NAMESPACE_ATTACHMENT, nsid, ...encodeNamespaceAttachment({ sel: sel === 'attach' ? 0 : 1 }), dataOut: encodeControllerList(ids) });
  }

  keepAlive(): Promise<CompletionRecord> {
    return this.execute({ opcode: AdminOpcode.KEEP_ALIVE });
  }

  private async expectSuccess(what: string, command: CommandSpec): Promise<CompletionRecord> {
    const c = await this.execute(command);
    if (!Status.equals(c.status, Status.SUCCESS)) throw new HostError(`${what} failed: ${Status.format(c.status)}`);
    return c;
  }

  // ---- I/O queues (NVMe Base 2.0 §3.3: Create I/O CQ/SQ on PCIe, Connect on fabrics) ----

  private ioQueues: IoQueue[] = [];
  private nextIoQueue = 0;
  private readonly blockSizes = new Map<number, number>();

  /** The I/O queues created, in QID order. */
  get queues(): readonly IoQueue[] {
    return this.ioQueues;
  }

  /** Set Features 07h for `count` queue pairs, then create them with `queueSize` entries each: on PCIe a Create
   * I/O CQ then a Create I/O SQ per QID (rings and data buffers after the admin queue's in guest memory), on
   * fabrics one Connect per QID. A controller that allocates fewer gets fewer (the returned QIDs say which). */
  async createIoQueues(options: { count?: number; queueSize?: number } = {}): Promise<number[]> {
    const count = options.count ?? 1;
    const size = options.queueSize ?? 16;
    if (!this.enabled) throw new HostError('the controller is not enabled: call enable() first');
    if (!Number.isInteger(count) || count < 1 || count > 0xfffe) throw new HostError(`I/O queue count ${count} is outside 1..65534`);
    if (!Number.isInteger(size) || size < 2 || size > 65536) throw new HostError(`I/O queue size ${size} is outside 2..65536`);
    await this.deleteIoQueues();
    const nq = await this.setFeatures(FeatureId.NUMBER_OF_QUEUES, encodeNumberOfQueues({ nsqr: count - 1, ncqr: count - 1 }));
    if (!Status.equals(nq.status, Status.SUCCESS)) throw new HostError(`Set Features 07h (Number of Queues) failed: ${Status.format(nq.status)}`);
    const granted = decodeNumberOfQueues(nq.dw0);
    const n = Math.min(count, granted.nsqr + 1, granted.ncqr + 1);
    const qids: number[] = [];
    if (this.capsules) {
      if (!this.capsules.openIoQueue) throw new HostError(`the ${this.transport.name} transport cannot open I/O queues`);
      for (let qid = 1; qid <= n; qid++) {
        this.ioQueues.push(new IoQueue(this, qid, size, { kind: 'fabrics', queue: await this.capsules.openIoQueue(qid, size) }));
        qids.push(qid);
      }
      return qids;
    }
    const cap = await this.transport.mmioRead64(Register.CAP);
    const mqes = Number(cap & 0xffffn) + 1;
    if (size > mqes) throw new HostError(`I/O queue size ${size} exceeds CAP.MQES+1 (${mqes})`);
    const stride = 4 << Number((cap >> 32n) & 0xfn);
    const pages = (bytes: number) => BigInt(Math.ceil(bytes / PAGE_SIZE) * PAGE_SIZE);
    let at = this.slotBase + BigInt(this.slotCount * SLOT_PAGES * PAGE_SIZE);
    for (let qid = 1; qid <= n; qid++) {
      const sq = at;
      const cq = sq + pages(size * SQE_SIZE);
      const slots = cq + pages(size * CQE_SIZE);
      at = slots + BigInt(IO_SLOTS * SLOT_PAGES * PAGE_SIZE);
      if (at > this.transport.memoryBase + BigInt(this.transport.memorySize)) throw new HostError(`${n} I/O queues of ${size} do not fit in the target's memory`);
      await this.transport.memWrite(cq, new Uint8Array(size * CQE_SIZE));
      const c = await this.execute({ opcode: AdminOpcode.CREATE_IO_CQ, prp1: cq, rawPrps: true, cdw10: (qid | ((size - 1) << 16)) >>> 0, cdw11: 1 });
      if (!Status.equals(c.status, Status.SUCCESS)) throw new HostError(`Create I/O Completion Queue ${qid} failed: ${Status.format(c.status)}`);
      const q = await this.execute({ opcode: AdminOpcode.CREATE_IO_SQ, prp1: sq, rawPrps: true, cdw10: (qid | ((size - 1) << 16)) >>> 0, cdw11: (1 | (qid << 16)) >>> 0 });
      if (!Status.equals(q.status, Status.SUCCESS)) throw new HostError(`Create I/O Submission Queue ${qid} failed: ${Status.format(q.status)}`);
      this.ioQueues.push(new IoQueue(this, qid, size, { kind: 'pcie', sq, cq, slots, sqDoorbell: Register.SQ0TDBL + 2 * qid * stride, cqDoorbell: Register.SQ0TDBL + (2 * qid + 1) * stride }));
      qids.push(qid);
    }
    return qids;
  }

  /** Delete the I/O queues: on PCIe Delete I/O SQ then CQ for each (a controller reset deletes them too); on
   * fabrics each queue's connection is closed. */
  async deleteIoQueues(): Promise<void> {
    const queues = this.ioQueues;
    this.ioQueues = [];
    for (const q of queues.reverse()) {
      if (q.back.kind === 'fabrics') {
        await q.back.queue.close();
        continue;
      }
      if (!this.enabled) continue;
      await this.execute({ opcode: AdminOpcode.DELETE_IO_SQ, cdw10: q.qid });
      await this.execute({ opcode: AdminOpcode.DELETE_IO_CQ, cdw10: q.qid });
    }
  }

  /** The next I/O queue, round robin (creating one if there is none). */
  private async ioQueue(): Promise<IoQueue> {
    if (this.ioQueues.length === 0) await this.createIoQueues();
    const q = this.ioQueues[this.nextIoQueue % this.ioQueues.length]!;
    this.nextIoQueue++;
    return q;
  }

  /** The LBA data size of a namespace (Identify Namespace, cached; 512 when it cannot be identified). */
  async blockSize(nsid: number): Promise<number> {
    let bs = this.blockSizes.get(nsid);
    if (bs === undefined) {
      const c = await this.execute({ opcode: AdminOpcode.IDENTIFY, nsid, ...encodeIdentify({ cns: Cns.NAMESPACE }), dataIn: 4096 });
      const ns = Status.equals(c.status, Status.SUCCESS) ? decodeIdentifyNamespace(c.data!) : undefined;
      const lbads = ns ? (ns.nsze > 0n ? ns.lbaf0.lbads : 0) : 0;
      bs = lbads >= 9 && lbads <= 16 ? 1 << lbads : 512;
      if (ns && ns.nsze > 0n) this.blockSizes.set(nsid, bs);
    }
    return bs;
  }

  /** Read `nlb` blocks from `slba` (NVM Read 02h); the completion's `data` holds them (zeros when it failed). */
  async read(nsid: number, slba: number | bigint, nlb: number, options: { blockSize?: number } = {}): Promise<CompletionRecord> {
    if (!Number.isInteger(nlb) || nlb < 1 || nlb > 0x10000) throw new HostError(`NLB ${nlb} is outside 1..65536`);
    const bytes = nlb * (options.blockSize ?? (await this.blockSize(nsid)));
    return (await this.ioQueue()).execute({ opcode: IoOpcode.READ, nsid, ...encodeReadWrite({ slba, nlb }), dataIn: bytes });
  }

  /** Write `data` (a whole number of blocks) from `slba` (NVM Write 01h). */
  async write(nsid: number, slba: number | bigint, data: Uint8Array, options: { blockSize?: number } = {}): Promise<CompletionRecord> {
    const bs = options.blockSize ?? (await this.blockSize(nsid));
    if (data.length === 0 || data.length % bs !== 0) throw new HostError(`${data.length} bytes are not a whole number of ${bs}-byte blocks`);
    return (await this.ioQueue()).execute({ opcode: IoOpcode.WRITE, nsid, ...encodeReadWrite({ slba, nlb: data.length / bs }), dataOut: data });
  }

  /** Flush (00h) a namespace (FFFFFFFFh: all). */
  async flush(nsid: number): Promise<CompletionRecord> {
    return (await this.ioQueue()).execute({ opcode: IoOpcode.FLUSH, nsid });
  }

  /** Any I/O command on queue `qid` (default: the next one), e.g. with bad fields. */
  async executeIo(command: CommandSpec, qid?: number): Promise<CompletionRecord> {
    const q = qid === undefined ? await this.ioQueue() : this.ioQueues.find((x) => x.qid === qid);
    if (!q) throw new HostError(`there is no I/O queue ${qid}`);
    return q.execute(command);
  }

  private readonly ioListeners = new Set<(c: CompletionRecord, sqe: Sqe) => void>();

  /** Called for every I/O completion, with the command it answers (CIDs are per queue: `sqid` says which; the
   * admin queue's `onCompletion` does not see them). */
  onIoCompletion(listener: (c: CompletionRecord, sqe: Sqe) => void): () => void {
    this.ioListeners.add(listener);
    return () => this.ioListeners.delete(listener);
  }

  /** @internal for IoQueue: what it needs of the host. */
  get ioContext(): { transport: Transport; timeoutMs: number; pollIntervalMs: number; completed: (c: CompletionRecord, sqe: Sqe) => void } {
    return {
      transport: this.transport,
      timeoutMs: this.timeoutMs,
      pollIntervalMs: this.pollIntervalMs,
      completed: (c, sqe) => {
        for (const l of this.ioListeners) l(c, sqe);
      },
    };
  }

  /** Forget I/O queues a controller reset deleted (PCIe) or whose connections ended. */
  private forgetIoQueues(): void {
    const fabrics = this.ioQueues.filter((q) => q.back.kind === 'fabrics');
    this.ioQueues = [];
    for (const q of fabrics) if (q.back.kind === 'fabrics') void q.back.queue.close().catch(() => {});
  }

  async close(): Promise<void> {
    this.forgetIoQueues();
    await this.transport.close();
  }
}

/** Data buffers of one PCIe I/O queue: commands with data outstanding on it at once. */
const IO_SLOTS = 8;

type IoBack =
  | { readonly kind: 'pcie'; readonly sq: bigint; readonly cq: bigint; readonly slots: bigint; readonly sqDoorbell: number; readonly cqDoorbell: number }
  | { readonly kind: 'fabrics'; readonly queue: CapsuleQueue & { readonly qid: number; close(): Promise<void> } };

/** One I/O queue pair of an NvmeHost: its ring (PCIe) or its connection (fabrics), its CIDs, its completions.
 * Commands are awaited one by one per caller; several callers may have commands outstanding at once. */
export class IoQueue {
  private sqTail = 0;
  private sqHeadSeen = 0;
  private cqHead = 0;
  private phase: 0 | 1 = 1;
  private nextCid = 0;
  private seq = 0;
  private readonly outstanding = new Map<number, { slot: number | null; dataIn: number; address: bigint; sqe: Sqe }>();
  private readonly done = new Map<number, CompletionRecord>();
  private freeSlots = Array.from({ length: IO_SLOTS }, (_, i) => i);
  private lock: Promise<unknown> = Promise.resolve();

  constructor(private readonly host: NvmeHost, readonly qid: number, readonly size: number, readonly back: IoBack) {}

  /** Submit one command on this queue and wait for its completion. */
  execute(command: CommandSpec): Promise<CompletionRecord> {
    const run = this.lock.then(() => this.submit(command));
    this.lock = run.catch(() => {});
    return run.then((cid) => this.waitFor(cid));
  }

  private allocateCid(): number {
    for (let i = 0; i < 0x10000; i++) {
      const cid = this.nextCid;
      this.nextCid = (this.nextCid + 1) & 0xffff;
      if (!this.outstanding.has(cid) && !this.done.has(cid) && !(this.back.kind === 'fabrics' && this.back.queue.cidBusy(cid))) return cid;
    }
    throw new HostError('no free command identifier');
  }

  private full(): boolean {
    return this.back.kind === 'fabrics' ? !this.back.queue.hasRoom() : (this.sqTail + 1) % this.size === this.sqHeadSeen;
  }

  private async submit(command: CommandSpec): Promise<number> {
    const ctx = this.host.ioContext;
    const deadline = Date.now() + ctx.timeoutMs;
    while (this.full() || (this.back.kind === 'pcie' && (command.dataIn || command.dataOut?.length) && this.freeSlots.length === 0)) {
      await this.poll();
      if (Date.now() > deadline) throw new HostError(`timed out after ${ctx.timeoutMs} ms waiting for room in I/O queue ${this.qid}`);
      await ctx.transport.wait(ctx.pollIntervalMs);
    }
    const cid = this.allocateCid();
    const length = command.dataIn ?? command.dataOut?.length ?? 0;
    if (length > HOST_MAX_TRANSFER) throw new HostError(`a transfer of ${length} bytes exceeds this host's ${HOST_MAX_TRANSFER}`);
    const entry: { -readonly [K in keyof Sqe]: Sqe[K] } = {
      opcode: command.opcode, fuse: command.fuse ?? 0, psdt: command.psdt ?? 0, cid, nsid: command.nsid ?? 0,
      cdw2: command.cdw2 ?? 0, cdw3: command.cdw3 ?? 0, mptr: command.mptr ?? 0n, prp1: command.prp1 ?? 0n, prp2: command.prp2 ?? 0n,
      cdw10: command.cdw10 ?? 0, cdw11: command.cdw11 ?? 0, cdw12: command.cdw12 ?? 0,
      cdw13: command.cdw13 ?? 0, cdw14: command.cdw14 ?? 0, cdw15: command.cdw15 ?? 0,
    };
    if (this.back.kind === 'fabrics') {
      this.outstanding.set(cid, { slot: null, dataIn: command.dataIn ?? 0, address: 0n, sqe: entry });
      await this.back.queue.send(encodeSqe({ ...entry, prp1: 0n, prp2: 0n }), command.dataOut, command.dataIn ?? 0);
      return cid;
    }
    const b = this.back;
    let slot: number | null = null;
    let address = 0n;
    if (length > 0 && !command.rawPrps) {
      slot = this.freeSlots.shift()!;
      const list = b.slots + BigInt(slot * SLOT_PAGES * PAGE_SIZE);
      address = list + BigInt(PAGE_SIZE);
      entry.prp1 = address;
      if (length > 2 * PAGE_SIZE) {
        const entries = Math.ceil(length / PAGE_SIZE) - 1;
        const bytes = new Uint8Array(entries * 8);
        const v = new DataView(bytes.buffer);
        for (let i = 0; i < entries; i++) v.setBigUint64(i * 8, address + BigInt((i + 1) * PAGE_SIZE), true);
        await ctx.transport.memWrite(list, bytes);
        entry.prp2 = list;
      } else if (length > PAGE_SIZE) entry.prp2 = address + BigInt(PAGE_SIZE);
      if (command.dataOut) await ctx.transport.memWrite(address, command.dataOut);
    }
    this.outstanding.set(cid, { slot, dataIn: command.dataIn ?? 0, address, sqe: entry });
    await ctx.transport.memWrite(b.sq + BigInt(this.sqTail * SQE_SIZE), encodeSqe(entry));
    this.sqTail = (this.sqTail + 1) % this.size;
    await ctx.transport.mmioWrite32(b.sqDoorbell, this.sqTail);
    return cid;
  }

  /** Consume what has arrived on this queue. */
  async poll(): Promise<CompletionRecord[]> {
    const ctx = this.host.ioContext;
    const arrived: CompletionRecord[] = [];
    if (this.back.kind === 'fabrics') {
      for (const r of await this.back.queue.takeResponses()) arrived.push(this.record(decodeCqe(r.cqe), r.data));
      return arrived;
    }
    const b = this.back;
    for (;;) {
      const bytes = await ctx.transport.memRead(b.cq + BigInt(this.cqHead * CQE_SIZE), CQE_SIZE);
      if (cqePhase(bytes) !== this.phase) break;
      const cqe = decodeCqe(bytes);
      this.cqHead = (this.cqHead + 1) % this.size;
      if (this.cqHead === 0) this.phase = this.phase === 1 ? 0 : 1;
      const o = this.outstanding.get(cqe.cid);
      const data = o && o.dataIn > 0 && o.slot !== null ? await ctx.transport.memRead(o.address, o.dataIn) : undefined;
      arrived.push(this.record(cqe, data));
    }
    if (arrived.length > 0) await ctx.transport.mmioWrite32(b.cqDoorbell, this.cqHead);
    return arrived;
  }

  private record(cqe: Cqe, data: Uint8Array | undefined): CompletionRecord {
    this.sqHeadSeen = cqe.sqhd;
    const o = this.outstanding.get(cqe.cid);
    this.outstanding.delete(cqe.cid);
    if (o?.slot !== null && o?.slot !== undefined) this.freeSlots.push(o.slot);
    const bytes = o && o.dataIn > 0 ? (data ?? new Uint8Array(o.dataIn)) : undefined;
    const record: CompletionRecord = { cid: cqe.cid, sqid: cqe.sqid, sqhd: cqe.sqhd, status: cqe.status, dw0: cqe.dw0, dw1: cqe.dw1, seq: ++this.seq, ...(bytes ? { data: bytes } : {}) };
    if (o) {
      this.done.set(cqe.cid, record);
      this.host.ioContext.completed(record, o.sqe);
    }
    return record;
  }

  private async waitFor(cid: number): Promise<CompletionRecord> {
    const ctx = this.host.ioContext;
    const deadline = Date.now() + ctx.timeoutMs;
    for (;;) {
      const r = this.done.get(cid);
      if (r) {
        this.done.delete(cid);
        return r;
      }
      await this.poll();
      if (this.done.has(cid)) continue;
      if (Date.now() > deadline) throw new HostError(`timed out after ${ctx.timeoutMs} ms waiting for the completion of CID ${cid} on I/O queue ${this.qid}`);
      await ctx.transport.wait(ctx.pollIntervalMs);
    }
  }
}
