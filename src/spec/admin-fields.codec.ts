// Command-specific dwords of the admin commands this controller implements, and the AEN completion DW0:
// Get Log Page CDW10–13 (NVMe Base 2.0 §5.16), Identify CDW10 (§5.17), Set/Get Features CDW10–11 (§5.27, §5.15),
// Abort CDW10 (§5.1), Namespace Attachment CDW10 (§5.23), Asynchronous Event Request completion DW0 (§5.2).

/** Get Log Page (02h) CDW10–13. NUMD is 0's based on the wire; `numd` here is the dword count (1-based). */
export interface GetLogPageFields {
  readonly lid: number;
  readonly lsp: number;
  readonly rae: boolean;
  /** Number of dwords to transfer (NUMDU:NUMDL + 1). */
  readonly numd: number;
  readonly lsi: number;
  /** Log page offset in bytes (LPOU:LPOL). */
  readonly offset: bigint;
}

export function encodeGetLogPage(f: Partial<GetLogPageFields> & { lid: number; numd: number }) {
  const n = f.numd - 1;
  if (!Number.isInteger(f.numd) || f.numd < 1 || n > 0xffffffff) throw new RangeError(`numd ${f.numd} is not in 1..2^32`);
  const offset = BigInt.asUintN(64, f.offset ?? 0n);
  return {
    cdw10: ((f.lid & 0xff) | (((f.lsp ?? 0) & 0x7f) << 8) | (f.rae ? 1 << 15 : 0) | ((n & 0xffff) << 16)) >>> 0,
    cdw11: (((n >>> 16) & 0xffff) | (((f.lsi ?? 0) & 0xffff) << 16)) >>> 0,
    cdw12: Number(offset & 0xffffffffn) >>> 0,
    cdw13: Number(offset >> 32n) >>> 0,
  };
}

export function decodeGetLogPage(d: { cdw10: number; cdw11: number; cdw12: number; cdw13: number }): GetLogPageFields {
  const numdl = d.cdw10 >>> 16;
  const numdu = d.cdw11 & 0xffff;
  return {
    lid: d.cdw10 & 0xff,
    lsp: (d.cdw10 >>> 8) & 0x7f,
    rae: ((d.cdw10 >>> 15) & 1) === 1,
    numd: numdu * 0x10000 + numdl + 1,
    lsi: d.cdw11 >>> 16,
    offset: (BigInt(d.cdw13 >>> 0) << 32n) | BigInt(d.cdw12 >>> 0),
  };
}

/** Identify (06h) CDW10: CNS [7:0], CNTID [31:16]. */
export const encodeIdentify = (f: { cns: number; cntid?: number }) => ({ cdw10: ((f.cns & 0xff) | (((f.cntid ?? 0) & 0xffff) << 16)) >>> 0 });
export const decodeIdentify = (d: { cdw10: number }) => ({ cns: d.cdw10 & 0xff, cntid: d.cdw10 >>> 16 });

/** Set/Get Features CDW10: FID [7:0], SEL [10:8] (Get) or SV [31] (Set); the value is CDW11. */
export const encodeFeatures = (f: { fid: number; sel?: number; sv?: boolean; value?: number }) => ({
  cdw10: ((f.fid & 0xff) | (((f.sel ?? 0) & 0x7) << 8) | (f.sv ? 1 << 31 : 0)) >>> 0,
  cdw11: (f.value ?? 0) >>> 0,
});
export const decodeFeatures = (d: { cdw10: number; cdw11: number }) => ({
  fid: d.cdw10 & 0xff,
  sel: (d.cdw10 >>> 8) & 0x7,
  sv: d.cdw10 >>> 31 === 1,
  value: d.cdw11 >>> 0,
});

/** Number of Queues (FID 07h) value: NSQR [15:0], NCQR [31:16], both 0's based. */
export const encodeNumberOfQueues = (f: { nsqr: number; ncqr: number }) => ((f.nsqr & 0xffff) | ((f.ncqr & 0xffff) << 16)) >>> 0;
export const decodeNumberOfQueues = (v: number) => ({ nsqr: v & 0xffff, ncqr: v >>> 16 });

/** Abort (08h) CDW10: SQID [15:0], CID [31:16]. Completion DW0 bit 0 = 1 means "not aborted". */
export const encodeAbort = (f: { sqid: number; cid: number }) => ({ cdw10: ((f.sqid & 0xffff) | ((f.cid & 0xffff) << 16)) >>> 0 });
export const decodeAbort = (d: { cdw10: number }) => ({ sqid: d.cdw10 & 0xffff, cid: d.cdw10 >>> 16 });

/** Namespace Attachment (15h) CDW10: SEL [3:0] (0 attach, 1 detach). */
export const encodeNamespaceAttachment = (f: { sel: number }) => ({ cdw10: f.sel & 0xf });
export const decodeNamespaceAttachment = (d: { cdw10: number }) => ({ sel: d.cdw10 & 0xf });

/** Asynchronous Event Request completion DW0: type [2:0], info [15:8], log page [23:16]. */
export interface AenResult {
  readonly type: number;
  readonly info: number;
  readonly lid: number;
}
export const encodeAenDw0 = (r: AenResult): number => ((r.type & 0x7) | ((r.info & 0xff) << 8) | ((r.lid & 0xff) << 16)) >>> 0;
export const decodeAenDw0 = (dw0: number): AenResult => ({ type: dw0 & 0x7, info: (dw0 >>> 8) & 0xff, lid: (dw0 >>> 16) & 0xff });
