// NVM Command Set I/O command decisions as pure functions (NVM Command Set 1.0 §3.2: Flush 00h, Write 01h, Read
// 02h; NVMe Base 2.0 §3.2.1 NSID types): which namespace and blocks a command touches and how many bytes its data
// pointer covers, or the status it fails with. The checks run in QEMU 7.2's order (nvme_io_cmd, nvme_rw): NSID
// valid (0/0Bh), namespace active (inactive or unallocated: 0/02h), opcode (0/01h), transfer within MDTS (0/02h),
// blocks within the namespace (LBA Out of Range, 0/80h). The device moves the bytes (src/device/block-store.ts).
// Left out: metadata, protection information, FUA/LR semantics (accepted, no effect), Compare, Write Zeroes, DSM.
import { IoOpcode, NSID_BROADCAST, Status } from '../spec/constants.ts';
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
