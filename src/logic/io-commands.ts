// NVM Command Set I/O command decisions as pure functions (NVM Command Set 1.0 §3.2: Flush 00h, Write 01h, Read
// 02h; NVMe Base 2.0 §3.2.1 NSID types): which namespace and blocks a command touches and how many bytes its data
// pointer covers, or the status it fails with. The checks run in QEMU 7.2's order (nvme_io_cmd, nvme_rw): NSID
// valid (0/0Bh), namespace active (inactive or unallocated: 0/02h), opcode (0/01h), transfer within MDTS (0/02h),
// blocks within the namespace (LBA Out of Range, 0/80h). The device moves the bytes (src/device/block-store.ts).
// Left out: metadata, protection information, FUA/LR semantics (accepted, no effect), Compare, Write Zeroes, DSM.
import { AdminOpcode, IoOpcode, NSID_BROADCAST, Status } from '../spec/constants.ts';

/** PRP Offset Invalid (0/13h). */
const PRP_OFFSET_INVALID: Status = Object.freeze({ sct: 0, sc: 0x13, dnr: false });
import type { Sqe } from '../spec/sqe.codec.ts';
import type { Profile } from '../profiles/profiles.ts';
import { failure, MAX_TRANSFER, type CommandAnswer, type NamespaceView } from './admin-commands.ts';

export interface IoEnv {
  readonly profile: Profile;
  /** Identify Controller NN: NSIDs 1..NN are valid. */
  readonly nn: number;
  readonly namespaces: NamespaceView;
  /** The largest transfer of one command (MDTS), bytes. */
  readonly maxTransfer?: number;
}

export type IoDecision =
  | { readonly kind: 'fail'; readonly answer: CommandAnswer }
  | { readonly kind: 'read' | 'write'; readonly nsid: number; readonly slba: number; readonly nlb: number; readonly bytes: number }
  /** `nsid` FFFFFFFFh: every namespace (there is no volatile write cache, so nothing to do either way). */
  | { readonly kind: 'flush'; readonly nsid: number };

/** Read/Write CDW10–12 (NVM Command Set 1.0 Figure 44): SLBA, NLB 0's based. */
export function encodeReadWrite(f: { slba: number | bigint; nlb: number }): { cdw10: number; cdw11: number; cdw12: number } {
  const slba = BigInt(f.slba);
  return { cdw10: Number(slba & 0xffffffffn), cdw11: Number((slba >> 32n) & 0xffffffffn), cdw12: (f.nlb - 1) & 0xffff };
}
export function decodeReadWrite(sqe: Pick<Sqe, 'cdw10' | 'cdw11' | 'cdw12'>): { slba: bigint; nlb: number } {
  return { slba: (BigInt(sqe.cdw11 >>> 0) << 32n) | BigInt(sqe.cdw10 >>> 0), nlb: (sqe.cdw12 & 0xffff) + 1 };
}

/** The decision for one I/O command. */
export function decideIoCommand(sqe: Sqe, env: IoEnv): IoDecision {
  const fail = (s: Status): IoDecision => ({ kind: 'fail', answer: failure(env.profile, s) });
  const { nsid } = sqe;
  if (nsid === 0 || (nsid > env.nn && nsid !== NSID_BROADCAST)) return fail(Status.INVALID_NAMESPACE);
  if (sqe.opcode === IoOpcode.FLUSH && nsid === NSID_BROADCAST) return { kind: 'flush', nsid };
  const ns = env.namespaces.get(nsid);
  // An inactive NSID (unallocated, or not attached to this controller): Invalid Field (NVMe Base 2.0 §3.2.1.5).
  if (!ns || !ns.attached) return fail(Status.INVALID_FIELD);
  switch (sqe.opcode) {
    case IoOpcode.FLUSH:
      return { kind: 'flush', nsid };
    case IoOpcode.READ:
    case IoOpcode.WRITE: {
      if (sqe.fuse !== 0) return fail(Status.INVALID_FIELD);
      const { slba, nlb } = decodeReadWrite(sqe);
      const bytes = nlb * ns.blockSize;
      if (bytes > (env.maxTransfer ?? MAX_TRANSFER)) return fail(Status.INVALID_FIELD);
      if (slba + BigInt(nlb) > BigInt(ns.blocks)) return fail(Status.LBA_OUT_OF_RANGE);
      return { kind: sqe.opcode === IoOpcode.READ ? 'read' : 'write', nsid, slba: Number(slba), nlb, bytes };
    }
    default:
      return { kind: 'fail', answer: { status: env.profile.invalidOpcodeStatus, dw0: 0 } };
  }
}

/** Bytes the command's data pointer covers (0 when it fails or moves none). */
export function ioDataLength(decision: IoDecision): number {
  return decision.kind === 'read' || decision.kind === 'write' ? decision.bytes : 0;
}

// ---- Create and Delete I/O Submission / Completion Queue (NVMe Base 2.0 §5.4–§5.7) ----

/** What the queue commands are checked against: the queues that exist. */
export interface QueueTableView {
  hasCq(qid: number): boolean;
  hasSq(qid: number): boolean;
  /** A completion queue some submission queue still posts to. */
  cqInUse(qid: number): boolean;
}

export interface QueueLimits {
  readonly profile: Profile;
  /** I/O queue pairs allocated (QIDs 1..this). */
  readonly maxQueues: number;
  /** CAP.MQES + 1: the largest queue. */
  readonly maxEntries: number;
  /** Interrupt vectors the controller has (a CQ's IV must be below). */
  readonly vectors: number;
}

export type QueueDecision =
  | { readonly kind: 'fail'; readonly answer: CommandAnswer }
  | { readonly kind: 'createCq'; readonly qid: number; readonly size: number; readonly base: bigint; readonly ien: boolean; readonly iv: number }
  | { readonly kind: 'createSq'; readonly qid: number; readonly size: number; readonly base: bigint; readonly cqid: number }
  | { readonly kind: 'deleteSq'; readonly qid: number }
  | { readonly kind: 'deleteCq'; readonly qid: number };

const QUEUE_OPCODES: ReadonlySet<number> = new Set([AdminOpcode.CREATE_IO_CQ, AdminOpcode.CREATE_IO_SQ, AdminOpcode.DELETE_IO_SQ, AdminOpcode.DELETE_IO_CQ]);
export const isQueueCommand = (opcode: number): boolean => QUEUE_OPCODES.has(opcode);

/** Encode Create I/O CQ / SQ CDW10–11 (Figures 150–151, 153–154): QID, QSIZE (0's based), PC and IEN/IV or CQID. */
export function encodeCreateQueue(f: { qid: number; size: number; cqid?: number; iv?: number; ien?: boolean; pc?: boolean }): { cdw10: number; cdw11: number } {
  const pc = f.pc ?? true ? 1 : 0;
  const cdw11 = f.cqid !== undefined ? pc | (f.cqid << 16) : pc | (f.ien ? 2 : 0) | ((f.iv ?? 0) << 16);
  return { cdw10: ((f.qid & 0xffff) | (((f.size - 1) & 0xffff) << 16)) >>> 0, cdw11: cdw11 >>> 0 };
}

/** The decision for a queue command, checked in QEMU 7.2's order (nvme_create_cq, nvme_create_sq, nvme_del_sq,
 * nvme_del_cq) with the spec's statuses: Create I/O CQ: QID 0, above the allocated queues or in use 1/01h, QSIZE 0
 * or above MQES 1/02h, PRP1 not page aligned 0/13h, PC 0 0/02h (CAP.CQR is 1), IV beyond the vectors 1/08h. Create
 * I/O SQ: CQID 0 or no such CQ 1/00h, then the same QID and QSIZE checks, alignment, PC. Delete I/O SQ or CQ: QID 0
 * or no such queue 1/01h; a CQ that an SQ still posts to 1/0Ch. */
export function decideQueueCommand(sqe: Sqe, table: QueueTableView, limits: QueueLimits): QueueDecision {
  const fail = (s: Status): QueueDecision => ({ kind: 'fail', answer: failure(limits.profile, s) });
  const qid = sqe.cdw10 & 0xffff;
  const size = (sqe.cdw10 >>> 16) + 1;
  const pc = (sqe.cdw11 & 1) === 1;
  const badQid = qid === 0 || qid > limits.maxQueues;
  switch (sqe.opcode) {
    case AdminOpcode.CREATE_IO_CQ: {
      if (badQid || table.hasCq(qid)) return fail(Status.INVALID_QUEUE_IDENTIFIER);
      if (size < 2 || size > limits.maxEntries) return fail(Status.INVALID_QUEUE_SIZE);
      if (sqe.prp1 % 4096n !== 0n) return fail(PRP_OFFSET_INVALID);
      if (!pc) return fail(Status.INVALID_FIELD);
      const iv = sqe.cdw11 >>> 16;
      if (iv >= limits.vectors) return fail(Status.INVALID_INTERRUPT_VECTOR);
      return { kind: 'createCq', qid, size, base: sqe.prp1, ien: (sqe.cdw11 & 2) !== 0, iv };
    }
    case AdminOpcode.CREATE_IO_SQ: {
      const cqid = sqe.cdw11 >>> 16;
      if (cqid === 0 || !table.hasCq(cqid)) return fail(Status.COMPLETION_QUEUE_INVALID);
      if (badQid || table.hasSq(qid)) return fail(Status.INVALID_QUEUE_IDENTIFIER);
      if (size < 2 || size > limits.maxEntries) return fail(Status.INVALID_QUEUE_SIZE);
      if (sqe.prp1 % 4096n !== 0n) return fail(PRP_OFFSET_INVALID);
      if (!pc) return fail(Status.INVALID_FIELD);
      return { kind: 'createSq', qid, size, base: sqe.prp1, cqid };
    }
    case AdminOpcode.DELETE_IO_SQ:
      if (badQid || !table.hasSq(qid)) return fail(Status.INVALID_QUEUE_IDENTIFIER);
      return { kind: 'deleteSq', qid };
    case AdminOpcode.DELETE_IO_CQ:
      if (badQid || !table.hasCq(qid)) return fail(Status.INVALID_QUEUE_IDENTIFIER);
      if (table.cqInUse(qid)) return fail(Status.INVALID_QUEUE_DELETION);
      return { kind: 'deleteCq', qid };
    default:
      throw new RangeError(`opcode 0x${sqe.opcode.toString(16)} is not a queue command`);
  }
}
