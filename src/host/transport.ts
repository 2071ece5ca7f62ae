// The host driver's only view of a controller: BAR0 MMIO, guest memory and a way to let time pass.
// Implemented in-process (the emulator) and over QEMU's qtest protocol, so one host driver drives both.
// All addresses are byte addresses; MMIO offsets are relative to BAR0.

/** A transport answers synchronously where it can (the emulator) and with a promise where it must (QEMU). */
export type Awaitable<T> = T | Promise<T>;

export interface Transport {
  /** Present on a fabrics transport: the admin queue as capsules (registers are then Property Get/Set). */
  readonly capsules?: CapsuleQueue;
  /** A short name for traces: 'emulator', 'qemu'. */
  readonly name: string;
  /** Bytes of guest memory the host may use for queues and buffers, from `memoryBase`. */
  readonly memoryBase: bigint;
  readonly memorySize: number;
  mmioRead32(offset: number): Awaitable<number>;
  mmioRead64(offset: number): Awaitable<bigint>;
  mmioWrite32(offset: number, value: number): Awaitable<void>;
  mmioWrite64(offset: number, value: bigint): Awaitable<void>;
  memRead(address: bigint, length: number): Awaitable<Uint8Array>;
  memWrite(address: bigint, data: Uint8Array): Awaitable<void>;
  /** Let the controller make progress. In-process: yields to pending work; QEMU: sleeps briefly. */
  wait(ms: number): Promise<void>;
  /** Release the target (stop the QEMU process). Idempotent. */
  close(): Promise<void>;
}

/** A command's response over a fabrics transport: the CQE of its CapsuleResp and the data that came with it. */
export interface CapsuleResponse {
  readonly cqe: Uint8Array;
  /** Controller-to-host data (C2HData) of a command sent with `dataIn`. */
  readonly data?: Uint8Array;
}

/** The admin queue of a message-based (fabrics) controller (NVMe Base 2.0 §2.2, NVMe/TCP 1.0): commands go as
 * capsules, not through rings in guest memory. A Transport that has one drives NvmeHost's fabrics back end; its
 * register calls are Property Get/Set. */
export interface CapsuleQueue {
  /** Submission queue entries (the Connect command's SQSIZE + 1). */
  readonly queueSize: number;
  /** A new association with an admin queue of `queueSize` entries (disconnect, connect again). */
  resize(queueSize: number): Promise<void>;
  /** Room for one more capsule: SQ tail against the SQHD of the responses (every capsule counts, the transport's
   * own Property Get/Set and Keep Alive included). */
  hasRoom(): boolean;
  /** A CID is in flight (the transport's own commands included): the host must not use it. */
  cidBusy(cid: number): boolean;
  /** Send one command capsule (the transport sets PSDT and SGL1 from the data: a PRP pointer has no meaning on
   * fabrics): `dataOut` goes in the capsule or on R2T, `dataIn` bytes are expected back. */
  send(sqe: Uint8Array, dataOut: Uint8Array | undefined, dataIn: number): Awaitable<void>;
  /** The largest data a command capsule may carry (IOCCSZ; 8 KiB on an NVMe/TCP admin queue). */
  readonly inCapsuleMax: number;
  /** Responses to the host's commands received since the last call, in arrival order. */
  takeResponses(): Awaitable<CapsuleResponse[]>;
  /** Forget the host's commands in flight (after a controller reset). */
  forget(): void;
  /** Fabrics only: connect I/O queue `qid` of `queueSize` entries to the same controller (on NVMe/TCP its own
   * connection, Connect with the admin queue's CNTLID). The queue is a CapsuleQueue of its own. */
  openIoQueue?(qid: number, queueSize: number): Promise<CapsuleQueue & { readonly qid: number; close(): Promise<void> }>;
}
