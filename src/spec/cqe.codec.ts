// Completion Queue Entry, 16 bytes (NVMe Base 2.0 §4.2.1, Figures 89–91): DW0 command specific, DW1,
// DW2 = SQHD[15:0] | SQID[31:16], DW3 = CID[15:0] | P[16] | SC[24:17] | SCT[27:25] | CRD[29:28] | M[30] | DNR[31].
import { CQE_SIZE, type Status } from './constants.ts';

export interface Cqe {
  readonly dw0: number;
  readonly dw1: number;
  readonly sqhd: number;
  readonly sqid: number;
  readonly cid: number;
  readonly phase: 0 | 1;
  readonly status: Status;
  readonly crd: number;
  readonly more: boolean;
}

/** DW3 bits 31:17 as a number: SC, SCT, CRD, M, DNR (the phase bit excluded). */
export function statusField(s: Status, crd = 0, more = false): number {
  return ((s.sc & 0xff) << 17) | ((s.sct & 0x7) << 25) | ((crd & 0x3) << 28) | (more ? 1 << 30 : 0) | (s.dnr ? 1 << 31 : 0);
}

export function encodeCqe(c: Cqe, out = new Uint8Array(CQE_SIZE)): Uint8Array {
  if (out.length < CQE_SIZE) throw new RangeError(`CQE buffer is ${out.length} bytes, needs ${CQE_SIZE}`);
  const v = new DataView(out.buffer, out.byteOffset, CQE_SIZE);
  v.setUint32(0, c.dw0 >>> 0, true);
  v.setUint32(4, c.dw1 >>> 0, true);
  v.setUint32(8, ((c.sqhd & 0xffff) | ((c.sqid & 0xffff) << 16)) >>> 0, true);
  v.setUint32(12, ((c.cid & 0xffff) | ((c.phase & 1) << 16) | statusField(c.status, c.crd, c.more)) >>> 0, true);
  return out;
}

export function decodeCqe(bytes: Uint8Array): Cqe {
  if (bytes.length < CQE_SIZE) throw new RangeError(`CQE is ${bytes.length} bytes, needs ${CQE_SIZE}`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, CQE_SIZE);
  const dw2 = v.getUint32(8, true);
  const dw3 = v.getUint32(12, true);
  return {
    dw0: v.getUint32(0, true),
    dw1: v.getUint32(4, true),
    sqhd: dw2 & 0xffff,
    sqid: dw2 >>> 16,
    cid: dw3 & 0xffff,
    phase: ((dw3 >>> 16) & 1) as 0 | 1,
    status: { sc: (dw3 >>> 17) & 0xff, sct: (dw3 >>> 25) & 0x7, dnr: (dw3 >>> 31) === 1 },
    crd: (dw3 >>> 28) & 0x3,
    more: ((dw3 >>> 30) & 1) === 1,
  };
}

/** The phase tag of the CQE at `bytes` without decoding the rest (what a polling host reads first). */
export function cqePhase(bytes: Uint8Array): 0 | 1 {
  return ((bytes[14]! & 1) as 0 | 1);
}
