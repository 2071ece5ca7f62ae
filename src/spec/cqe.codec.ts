// Completion Queue Entry, 16 bytes (NVMe Base 2.0 §4.2.1, Figures 89–91): DW0 command specific, DW1,
// DW2 = SQHD[15:0] | SQID[31:16], DW3 = CID[15:0] | P[16] | SC[24:17] | SCT[27:25] | CRD[29:28] | M[30] | DNR[31].
import { CQE_SIZE, type Status } from './constants.ts';
import { getU32, setU32 } from './le.ts';

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
  setU32(out, 0, c.dw0);
  setU32(out, 4, c.dw1);
  setU32(out, 8, (c.sqhd & 0xffff) | ((c.sqid & 0xffff) << 16));
  setU32(out, 12, (c.cid & 0xffff) | ((c.phase & 1) << 16) | statusField(c.status, c.crd, c.more));
  return out;
}

export function decodeCqe(bytes: Uint8Array): Cqe {
  if (bytes.length < CQE_SIZE) throw new RangeError(`CQE is ${bytes.length} bytes, needs ${CQE_SIZE}`);
  const dw2 = getU32(bytes, 8);
  const dw3 = getU32(bytes, 12);
  return {
    dw0: getU32(bytes, 0),
    dw1: getU32(bytes, 4),
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
