// Submission Queue Entry, 64 bytes (NVMe Base 2.0 §4.2, Figure 87): CDW0 (opcode, FUSE, PSDT, CID), NSID,
// CDW2–3, MPTR, PRP1/PRP2 (DPTR) and CDW10–15. Little-endian throughout. SGLs are not decoded.
import { SQE_SIZE } from './constants.ts';
import { getU32, getU64, setU32, setU64 } from './le.ts';

export interface Sqe {
  readonly opcode: number;
  readonly fuse: number;
  readonly psdt: number;
  readonly cid: number;
  readonly nsid: number;
  readonly cdw2: number;
  readonly cdw3: number;
  readonly mptr: bigint;
  readonly prp1: bigint;
  readonly prp2: bigint;
  readonly cdw10: number;
  readonly cdw11: number;
  readonly cdw12: number;
  readonly cdw13: number;
  readonly cdw14: number;
  readonly cdw15: number;
}

/** An SQE with every field zero except those given. */
export function sqe(fields: Partial<Sqe> & { opcode: number }): Sqe {
  return {
    fuse: 0, psdt: 0, cid: 0, nsid: 0, cdw2: 0, cdw3: 0, mptr: 0n, prp1: 0n, prp2: 0n,
    cdw10: 0, cdw11: 0, cdw12: 0, cdw13: 0, cdw14: 0, cdw15: 0,
    ...fields,
  };
}

const U64_MAX = (1n << 64n) - 1n;
/** The value as an unsigned 64-bit field (wrapping like the hardware); no new bigint when it already fits. */
const u64 = (x: bigint): bigint => (x >= 0n && x <= U64_MAX ? x : BigInt.asUintN(64, x));

export function encodeSqe(s: Sqe, out = new Uint8Array(SQE_SIZE)): Uint8Array {
  if (out.length < SQE_SIZE) throw new RangeError(`SQE buffer is ${out.length} bytes, needs ${SQE_SIZE}`);
  setU32(out, 0, (s.opcode & 0xff) | ((s.fuse & 0x3) << 8) | ((s.psdt & 0x3) << 14) | ((s.cid & 0xffff) << 16));
  setU32(out, 4, s.nsid);
  setU32(out, 8, s.cdw2);
  setU32(out, 12, s.cdw3);
  setU64(out, 16, u64(s.mptr));
  setU64(out, 24, u64(s.prp1));
  setU64(out, 32, u64(s.prp2));
  setU32(out, 40, s.cdw10);
  setU32(out, 44, s.cdw11);
  setU32(out, 48, s.cdw12);
  setU32(out, 52, s.cdw13);
  setU32(out, 56, s.cdw14);
  setU32(out, 60, s.cdw15);
  return out;
}

export function decodeSqe(bytes: Uint8Array): Sqe {
  if (bytes.length < SQE_SIZE) throw new RangeError(`SQE is ${bytes.length} bytes, needs ${SQE_SIZE}`);
  const cdw0 = getU32(bytes, 0);
  return {
    opcode: cdw0 & 0xff,
    fuse: (cdw0 >>> 8) & 0x3,
    psdt: (cdw0 >>> 14) & 0x3,
    cid: cdw0 >>> 16,
    nsid: getU32(bytes, 4),
    cdw2: getU32(bytes, 8),
    cdw3: getU32(bytes, 12),
    mptr: getU64(bytes, 16),
    prp1: getU64(bytes, 24),
    prp2: getU64(bytes, 32),
    cdw10: getU32(bytes, 40),
    cdw11: getU32(bytes, 44),
    cdw12: getU32(bytes, 48),
    cdw13: getU32(bytes, 52),
    cdw14: getU32(bytes, 56),
    cdw15: getU32(bytes, 60),
  };
}
