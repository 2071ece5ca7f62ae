// The message vocabulary of the actor system (type-only): what the facade sends the controller, what the
// controller, the admin queue and the AEN latch send each other, and what they emit outward for traces and for
// the namespace-change RPC. Names are `subject.fact`; payload fields use spec names (cid, sqid, lid, rae, nsid).
import type { Status } from '../src/spec/constants.ts';
import type { Sqe } from '../src/spec/sqe.codec.ts';
import type { Segment } from '../src/device/prp.ts';
import type { AttachmentDecision, Route } from '../src/logic/admin-commands.ts';
import type { IoDecision } from '../src/logic/io-commands.ts';

// ---- facade → controller ----
export interface CcWritten {
  type: 'cc.written';
  cc: number;
  previous: number;
  aqa: number;
  asq: bigint;
  acq: bigint;
  /** CAP.MQES (0's based) of this controller: the largest queue AQA may describe (default 4095). */
  mqes?: number;
  /** An injected enable fault in force for this write (only while faults are active). */
  enableFault?: { kind: 'delay'; ms: number } | { kind: 'neverReady' } | { kind: 'fatal' } | null;
}
/** `fault.panicked`: an immediate panic (`faults.panic()`), the controller goes fatal from whatever state it is in. */
export type ControllerEvent = CcWritten | FaultPanicked;

// ---- facade → admin queue (doorbells) ----
/** A write to the admin SQ tail (`sq`, 1000h) or CQ head (`cq`, 1000h + stride) doorbell. */
export interface DoorbellWritten { type: 'doorbell.written'; queue: 'sq' | 'cq'; value: number }

// ---- admin queue internal ----
/** The command at SQ head, decoded; `segments` are its data pointer resolved to guest memory, or `prpStatus` the
 * status that resolving them failed with. */
export interface CommandFetched {
  type: 'command.fetched';
  sqe: Sqe;
  /** Where it goes, decided once at the fetch (src/logic/admin-commands.ts commandRoute). */
  route: Route;
  segments: readonly Segment[];
  prpStatus: Status | null;
  /** An injected submission fault: the command is dropped (never completed), held this long before dispatch, or
   * the controller panics on it (goes fatal without handling it). */
  fault?: { kind: 'drop' } | { kind: 'delay'; ms: number } | { kind: 'panic'; message: string } | null;
  /** A blocking completion delay matches the command (decided at the fetch, fired at the completion): once its
   * completion is produced the whole admin queue holds this long before posting it and fetching the next command. */
  completionHold?: number | null;
}
/** The controller panicked (an injected Panic fault, OpenVMM's `AdminQueueFaultBehavior::Panic`): it goes fatal. */
export interface FaultPanicked { type: 'fault.panicked'; message: string }
export interface CommandUnreadable { type: 'command.unreadable' }
/** A completion queue entry lies outside guest memory: the completion was written nowhere. */
export interface CompletionUnwritable { type: 'completion.unwritable' }

// ---- admin queue ↔ AEN latch ----
export interface AerReceived { type: 'aer.received'; cid: number }
export interface ChangedListRead { type: 'changedList.read'; rae: boolean; numd: number; offset: number }
export interface AecSet { type: 'aec.set'; value: number }
export interface AecGet { type: 'aec.get' }
export interface AbortRequested { type: 'abort.requested'; sqid: number; cid: number }
/** A namespace changed: from Namespace Attachment (`replyTo` set) or from the fault (`requestId` set). */
export interface NamespaceChanged { type: 'namespace.changed'; nsid: number; requestId?: string; until?: 'processed' | 'aen'; fromCommand?: boolean }
/** Several namespaces changed at once (one fault request for many NSIDs): the same as one `namespace.changed` per
 * change, in order, taken in one step where the outcome cannot differ between them. */
export interface NamespacesChanged { type: 'namespaces.changed'; changes: readonly { nsid: number; requestId?: string; until?: 'processed' | 'aen' }[]; /** The first `from` changes were already taken (default 0). */ from?: number }
export interface ControllerEnabled { type: 'controller.enabled' }
export interface ControllerReset { type: 'controller.reset' }
/** A doorbell write the controller ignored (NVMe Base 2.0 §5.2 Error event): info 00h Write to Invalid Doorbell
 * Register (no such queue), 01h Invalid Doorbell Write Value (SQ tail / CQ head beyond the queue size). */
export interface DoorbellInvalid { type: 'doorbell.invalid'; info: number }
/** Get Log Page 01h Error Information: reading it with RAE=0 clears the Error event (§5.16.1.2). */
export interface ErrorLogRead { type: 'errorLog.read'; rae: boolean; numd: number; offset: number }
/** A completion fault dropped the AEN the latch posted to AER `cid` (OpenVMM: the latch stays unset). */
export interface AenDropped { type: 'aen.dropped'; cid: number; dw0: number }
export type LatchEvent = AenDropped | AerReceived | ChangedListRead | AecSet | AecGet | AbortRequested | NamespaceChanged | NamespacesChanged | ControllerEnabled | ControllerReset | DoorbellInvalid | ErrorLogRead;

/** The latch asks the admin queue to post a completion it owns (an AEN, an aborted AER, an AER over the limit). */
export interface CompletionRequested { type: 'completion.requested'; cid: number; status: Status; dw0: number }
/** The latch's answer to the admin command in flight. */
export interface LatchReplied { type: 'latch.replied'; status: Status; dw0: number; data?: Uint8Array }
export type AdminQueueEvent = DoorbellWritten | CommandFetched | CommandUnreadable | CompletionUnwritable | CompletionRequested | LatchReplied | FaultPanicked;

// ---- outward (emit) ----
export type ReceiptOutcome = 'posted' | 'coalesced' | 'deferred';
export type LatchEmitted =
  | { type: 'namespace.processed'; requestId: string | undefined; nsid: number; outcome: ReceiptOutcome }
  /** Every change of a batch processed in one step, with one outcome. */
  | { type: 'namespaces.processed'; changes: readonly { nsid: number; requestId?: string }[]; outcome: ReceiptOutcome }
  | { type: 'aen.posted'; cid: number; dw0: number }
  /** A controller reset took the latch offline: parked AERs dropped, masks cleared (§3.7.2). */
  | { type: 'latch.reset' }
  | { type: 'aer.parked'; cid: number; parked: number }
  | { type: 'aer.dropped'; cids: readonly number[] }
  | { type: 'changedList.read'; nsids: readonly number[]; overflow: boolean; rae: boolean; unmasked: boolean }
  | { type: 'errorLog.read'; errors: number; rae: boolean; unmasked: boolean };

// ---- ports: what the machines' actions act on (the emulator's device layer), given as actor input ----
/** The admin queue's device: guest memory, the rings, the pure handlers, the trace. */
export interface AdminQueuePort {
  /** Read the SQE at `head`: apply any submission fault, resolve its data pointer, decide its route. An SQ outside
   * guest memory gives `command.unreadable`; a completion queue that has failed, `completion.unwritable`. */
  fetch(head: number): CommandFetched | CommandUnreadable | CompletionUnwritable | FaultPanicked;
  /** Answer a 'local' command through the pure handlers: its data, then its completion with SQHD `sqhd`. */
  execute(command: CommandFetched, sqhd: number): void;
  /** Post a completion of a command fetched earlier (through any completion fault that matches it). */
  post(cid: number, sqhd: number, status: Status, dw0: number): void;
  /** Write the latch's data (if any) to the command's data pointer and post its completion. */
  completeLatchCommand(current: { readonly cid: number; readonly segments: readonly Segment[] }, sqhd: number, reply: LatchReplied): void;
  /** Validate a Namespace Attachment (its controller list read from guest memory); apply it if valid. */
  applyAttachment(command: CommandFetched): AttachmentDecision;
  /** A submission fault dropped the command: it is forgotten (trace). */
  dropCommand(command: CommandFetched): void;
  /** The host consumed CQ entries up to `head`: the ring frees slots and writes what it held while full. */
  moveCqHead(head: number): void;
  /** A submission panic fault fired on the command: the controller goes fatal (trace; nothing is posted after). */
  panic(command: CommandFetched): void;
  /** Post the completion a blocking completion delay held (if it is still held). */
  releaseHeldCompletion(): void;
  /** A doorbell value outside its queue was ignored (trace). */
  reportInvalidDoorbell(queue: 'sq' | 'cq', value: number, size: number): void;
}

/** The controller's device: it opens and closes the rings, and hands the admin queue its port. */
export interface ControllerPort {
  openQueues(event: CcWritten): void;
  closeQueues(): void;
  reportEnableFault(event: CcWritten): void;
  readonly adminQueue: AdminQueuePort;
}

// ---- I/O queues (machines/io-queue.machine.ts) ----
/** An I/O command at SQ head, decoded: the command logic's decision (src/logic/io-commands.ts), and its data pointer
 * resolved to guest memory (or the status that failed) when it moves data. */
export interface IoCommandFetched {
  type: 'command.fetched';
  sqe: Sqe;
  decision: IoDecision;
  segments: readonly Segment[];
  prpStatus: Status | null;
}
/** The I/O SQ tail doorbell of this queue. */
export interface IoDoorbellWritten { type: 'doorbell.written'; queue: 'sq'; value: number }
/** Delete I/O Submission Queue, or a controller reset: the queue is gone. */
export interface IoQueueDeleted { type: 'queue.deleted' }
export type IoQueueEvent = IoDoorbellWritten | IoCommandFetched | CommandUnreadable | IoQueueDeleted;

/** An I/O submission queue's device: its ring, the block stores, its completion queue. */
export interface IoQueuePort {
  /** Read and decide the SQE at `head` (`command.unreadable` when the SQ lies outside guest memory). */
  fetch(head: number): IoCommandFetched | CommandUnreadable;
  /** Post a completion to this SQ's completion queue. */
  post(cid: number, sqhd: number, status: Status, dw0: number): void;
  /** Read: the blocks to the command's data pointer, then its completion. */
  readBlocks(command: IoCommandFetched, sqhd: number): void;
  /** Write: the data pointer's bytes to the blocks, then its completion. */
  writeBlocks(command: IoCommandFetched, sqhd: number): void;
  /** An SQ tail beyond the queue was ignored: trace, and an Error event (Invalid Doorbell Write Value). */
  reportInvalidDoorbell(value: number, size: number): void;
  /** The SQ could not be read: trace. */
  reportUnreadable(): void;
}
