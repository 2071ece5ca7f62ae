// Submission Queue Entry, 64 bytes (NVMe Base 2.0 §4.2, Figure 87): CDW0 (opcode, FUSE, PSDT, CID), NSID,
// CDW2–3, MPTR, PRP1/PRP2 (DPTR) and CDW10–15. Little-endian throughout. SGLs are not decoded.
import { SQE_SIZE } from './constants.ts';

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
  const v = new DataView(out.buffer, out.byteOffset, SQE_SIZE);
  v.setUint32(0, (s.opcode & 0xff) | ((s.fuse & 0x3) << 8) | ((s.psdt & 0x3) << 14) | ((s.cid & 0xffff) << 16), true);
  v.setUint32(4, s.nsid >>> 0, true);
  v.setUint32(8, s.cdw2 >>> 0, true);
  v.setUint32(12, s.cdw3 >>> 0, true);
  v.setBigUint64(16, u64(s.mptr), true);
  v.setBigUint64(24, u64(s.prp1), true);
  v.setBigUint64(32, u64(s.prp2), true);
  v.setUint32(40, s.cdw10 >>> 0, true);
  v.setUint32(44, s.cdw11 >>> 0, true);
  v.setUint32(48, s.cdw12 >>> 0, true);
  v.setUint32(52, s.cdw13 >>> 0, true);
  v.setUint32(56, s.cdw14 >>> 0, true);
  v.setUint32(60, s.cdw15 >>> 0, true);
  return out;
}

export function decodeSqe(bytes: Uint8Array): Sqe {
  if (bytes.length < SQE_SIZE) throw new RangeError(`SQE is ${bytes.length} bytes, needs ${SQE_SIZE}`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, SQE_SIZE);
  const cdw0 = v.getUint32(0, true);
  return {
    opcode: cdw0 & 0xff,
    fuse: (cdw0 >>> 8) & 0x3,
    psdt: (cdw0 >>> 14) & 0x3,
    cid: cdw0 >>> 16,
    nsid: v.getUint32(4, true),
    cdw2: v.getUint32(8, true),
    cdw3: v.getUint32(12, true),
    mptr: v.getBigUint64(16, true),
    prp1: v.getBigUint64(24, true),
    prp2: v.getBigUint64(32, true),
    cdw10: v.getUint32(40, true),
    cdw11: v.getUint32(44, true),
    cdw12: v.getUint32(48, true),
    cdw13: v.getUint32(52, true),
    cdw14: v.getUint32(56, true),
    cdw15: v.getUint32(60, true),
  };
}
