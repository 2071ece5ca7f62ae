// NVMe/TCP PDUs, bit-exact (NVMe/TCP Transport Specification 1.0 §3.3 and §3.6.2): the 8-byte common header
// (PDU-Type, FLAGS, HLEN, PDO, PLEN), ICReq/ICResp, H2CTermReq/C2HTermReq, CapsuleCmd/CapsuleResp, H2CData/C2HData
// and R2T, with the header digest (HDGST, after the header) and data digest (DDGST, after the data) when negotiated.
// Decoding checks every header field a receiver must check and answers a bad one with the termination PDU's Fatal
// Error Status and Information (the offset of the bad field); it never throws on peer input. TLS is left out.
import { COMMON_HEADER_SIZE, DIGEST_SIZE, Fes, HeaderLength, PduFlags, PduType, TERM_REQ_MAX_DATA } from './constants.ts';
import { crc32c } from './crc32c.ts';
import { getU32, setU32 } from '../spec/le.ts';

export interface IcReq {
  readonly type: 'icReq';
  readonly pfv: number;
  /** Host PDU Data Alignment, dwords, 0's based (0..31). */
  readonly hpda: number;
  readonly hdgst: boolean;
  readonly ddgst: boolean;
  /** Maximum outstanding R2Ts per command, 0's based. */
  readonly maxr2t: number;
}
export interface IcResp {
  readonly type: 'icResp';
  readonly pfv: number;
  /** Controller PDU Data Alignment, dwords, 0's based (0..31). */
  readonly cpda: number;
  readonly hdgst: boolean;
  readonly ddgst: boolean;
  /** Largest H2CData payload the controller accepts (bytes, a multiple of 4, at least 4,096). */
  readonly maxh2cdata: number;
}
export interface TermReq {
  readonly type: 'h2cTermReq' | 'c2hTermReq';
  /** Fatal Error Status (Fes). */
  readonly fes: number;
  /** Fatal Error Information: for a bad header field, its byte offset in the PDU. */
  readonly fei: number;
  /** The header of the PDU in error (at most 128 bytes). */
  readonly data: Uint8Array;
}
export interface CapsuleCmd {
  readonly type: 'capsuleCmd';
  /** The 64-byte SQE. */
  readonly sqe: Uint8Array;
  /** In-capsule data (may be empty). */
  readonly data: Uint8Array;
}
export interface CapsuleResp {
  readonly type: 'capsuleResp';
  /** The 16-byte CQE. */
  readonly cqe: Uint8Array;
}
export interface H2CData {
  readonly type: 'h2cData';
  readonly cccid: number;
  readonly ttag: number;
  readonly datao: number;
  readonly last: boolean;
  readonly data: Uint8Array;
}
export interface C2HData {
  readonly type: 'c2hData';
  readonly cccid: number;
  readonly datao: number;
  readonly last: boolean;
  readonly success: boolean;
  readonly data: Uint8Array;
}
export interface R2T {
  readonly type: 'r2t';
  readonly cccid: number;
  readonly ttag: number;
  readonly r2to: number;
  readonly r2tl: number;
}
export type Pdu = IcReq | IcResp | TermReq | CapsuleCmd | CapsuleResp | H2CData | C2HData | R2T;

const TYPE_CODE: Readonly<Record<Pdu['type'], PduType>> = {
  icReq: PduType.ICReq, icResp: PduType.ICResp, h2cTermReq: PduType.H2CTermReq, c2hTermReq: PduType.C2HTermReq,
  capsuleCmd: PduType.CapsuleCmd, capsuleResp: PduType.CapsuleResp, h2cData: PduType.H2CData, c2hData: PduType.C2HData, r2t: PduType.R2T,
};
const TYPE_NAME = new Map<number, Pdu['type']>(Object.entries(TYPE_CODE).map(([name, code]) => [code, name as Pdu['type']]));

/** The PDU type name of a type code, or undefined for a reserved code. */
export const pduTypeName = (code: number): Pdu['type'] | undefined => TYPE_NAME.get(code);

/** Digests apply to every PDU but ICReq, ICResp and the termination PDUs (NVMe/TCP 1.0 §3.3.3). */
export const hasDigests = (code: number): boolean => code >= PduType.CapsuleCmd && code <= PduType.R2T;
/** Types that may carry PDU data. */
const carriesData = (code: number): boolean => code === PduType.CapsuleCmd || code === PduType.H2CData || code === PduType.C2HData || code === PduType.H2CTermReq || code === PduType.C2HTermReq;

export interface DigestOptions {
  /** Header digest negotiated (ICReq/ICResp DGST bit 0). */
  readonly hdgst: boolean;
  /** Data digest negotiated (bit 1). */
  readonly ddgst: boolean;
}
export interface EncodeOptions extends Partial<DigestOptions> {
  /** The receiver's PDU data alignment (CPDA for host to controller, HPDA the other way): dwords, 0's based. */
  readonly pda?: number;
}

const NO_DIGESTS: DigestOptions = { hdgst: false, ddgst: false };

/** Encode one PDU as it goes on the wire. */
export function encodePdu(pdu: Pdu, options: EncodeOptions = {}): Uint8Array {
  const code = TYPE_CODE[pdu.type];
  const hlen = HeaderLength[code];
  const digests = hasDigests(code);
  const hd = digests && options.hdgst ? DIGEST_SIZE : 0;
  const data = 'data' in pdu ? pdu.data : undefined;
  const dataLength = data?.length ?? 0;
  const isTerm = code === PduType.H2CTermReq || code === PduType.C2HTermReq;
  const dd = digests && options.ddgst && dataLength > 0 ? DIGEST_SIZE : 0;
  const align = ((options.pda ?? 0) + 1) * 4;
  // The termination PDUs carry their error data right after the header (no alignment, no digests).
  const pdo = dataLength === 0 ? 0 : isTerm ? hlen : Math.ceil((hlen + hd) / align) * align;
  const plen = dataLength === 0 ? hlen + hd : pdo + dataLength + dd;
  const out = new Uint8Array(plen);
  out[0] = code;
  out[1] = (hd ? PduFlags.HDGSTF : 0) | (dd ? PduFlags.DDGSTF : 0);
  out[2] = hlen;
  out[3] = pdo;
  setU32(out, 4, plen);
  switch (pdu.type) {
    case 'icReq':
      out[8] = pdu.pfv & 0xff;
      out[9] = pdu.pfv >>> 8;
      out[10] = pdu.hpda;
      out[11] = (pdu.hdgst ? 1 : 0) | (pdu.ddgst ? 2 : 0);
      setU32(out, 12, pdu.maxr2t);
      break;
    case 'icResp':
      out[8] = pdu.pfv & 0xff;
      out[9] = pdu.pfv >>> 8;
      out[10] = pdu.cpda;
      out[11] = (pdu.hdgst ? 1 : 0) | (pdu.ddgst ? 2 : 0);
      setU32(out, 12, pdu.maxh2cdata);
      break;
    case 'h2cTermReq':
    case 'c2hTermReq':
      out[8] = pdu.fes & 0xff;
      out[9] = pdu.fes >>> 8;
      setU32(out, 10, pdu.fei);
      break;
    case 'capsuleCmd':
      if (pdu.sqe.length !== 64) throw new RangeError(`a CapsuleCmd carries a 64-byte SQE, got ${pdu.sqe.length}`);
      out.set(pdu.sqe, 8);
      break;
    case 'capsuleResp':
      if (pdu.cqe.length !== 16) throw new RangeError(`a CapsuleResp carries a 16-byte CQE, got ${pdu.cqe.length}`);
      out.set(pdu.cqe, 8);
      break;
    case 'h2cData':
      out[8] = pdu.cccid & 0xff;
      out[9] = pdu.cccid >>> 8;
      out[10] = pdu.ttag & 0xff;
      out[11] = pdu.ttag >>> 8;
      setU32(out, 12, pdu.datao);
      setU32(out, 16, dataLength);
      if (pdu.last) out[1]! |= PduFlags.LAST_PDU;
      break;
    case 'c2hData':
      out[8] = pdu.cccid & 0xff;
      out[9] = pdu.cccid >>> 8;
      setU32(out, 12, pdu.datao);
      setU32(out, 16, dataLength);
      if (pdu.last) out[1]! |= PduFlags.LAST_PDU;
      if (pdu.success) out[1]! |= PduFlags.SUCCESS;
      break;
    case 'r2t':
      out[8] = pdu.cccid & 0xff;
      out[9] = pdu.cccid >>> 8;
      out[10] = pdu.ttag & 0xff;
      out[11] = pdu.ttag >>> 8;
      setU32(out, 12, pdu.r2to);
      setU32(out, 16, pdu.r2tl);
      break;
  }
  if (hd) setU32(out, hlen, crc32c(out.subarray(0, hlen)));
  if (data && dataLength > 0) {
    out.set(data, pdo);
    if (dd) setU32(out, pdo + dataLength, crc32c(data));
  }
  return out;
}

/** A fatal transport error found in a received PDU: what the termination PDU must carry. */
export interface PduError {
  readonly fes: number;
  readonly fei: number;
  readonly message: string;
}
export type Decoded = { readonly pdu: Pdu; readonly dataDigestError: boolean } | { readonly error: PduError };

const bad = (fes: number, fei: number, message: string): { error: PduError } => ({ error: { fes, fei, message } });
const invalidField = (fei: number, message: string) => bad(Fes.INVALID_PDU_HEADER_FIELD, fei, message);
const u16 = (b: Uint8Array, at: number): number => b[at]! | (b[at + 1]! << 8);

/** Check a common header alone (the first 8 bytes): enough to know how many bytes the PDU has, and to refuse a
 * PDU before its bytes arrive. `maxPlen` bounds PLEN for PDUs that may carry data. */
export function checkCommonHeader(ch: Uint8Array, digests: DigestOptions, maxPlen: number): PduError | undefined {
  const code = ch[0]!;
  if (pduTypeName(code) === undefined) return { fes: Fes.INVALID_PDU_HEADER_FIELD, fei: 0, message: `PDU-Type ${code.toString(16).padStart(2, '0')}h is reserved` };
  const hlen = HeaderLength[code as PduType];
  if (ch[2] !== hlen) return { fes: Fes.INVALID_PDU_HEADER_FIELD, fei: 2, message: `HLEN ${ch[2]} of a ${pduTypeName(code)} PDU, expected ${hlen}` };
  const hd = hasDigests(code) && digests.hdgst ? DIGEST_SIZE : 0;
  if (hasDigests(code) && ((ch[1]! & PduFlags.HDGSTF) !== 0) !== digests.hdgst) return { fes: Fes.INVALID_PDU_HEADER_FIELD, fei: 1, message: `HDGSTF is ${ch[1]! & 1}, the header digest was negotiated ${digests.hdgst ? 'on' : 'off'}` };
  const plen = getU32(ch, 4);
  const isTerm = code === PduType.H2CTermReq || code === PduType.C2HTermReq;
  if (plen < hlen + hd) return { fes: Fes.INVALID_PDU_HEADER_FIELD, fei: 4, message: `PLEN ${plen} is shorter than the header (${hlen + hd} bytes)` };
  if (!carriesData(code) && plen !== hlen + hd) return { fes: Fes.INVALID_PDU_HEADER_FIELD, fei: 4, message: `PLEN ${plen} of a ${pduTypeName(code)} PDU, expected ${hlen + hd}` };
  if (isTerm && plen > hlen + TERM_REQ_MAX_DATA) return { fes: Fes.INVALID_PDU_HEADER_FIELD, fei: 4, message: `PLEN ${plen} of a termination PDU exceeds ${hlen + TERM_REQ_MAX_DATA}` };
  if (plen > maxPlen) return { fes: Fes.DATA_TRANSFER_LIMIT_EXCEEDED, fei: 4, message: `PLEN ${plen} exceeds the ${maxPlen} bytes this receiver accepts` };
  return undefined;
}

/** Decode one whole PDU (exactly PLEN bytes, the common header already checked by checkCommonHeader). A data
 * digest error is not fatal (NVMe/TCP 1.0 §3.6.2.x: the command completes with a transport error): the PDU is
 * returned with `dataDigestError`. */
export function decodePdu(b: Uint8Array, digests: DigestOptions = NO_DIGESTS): Decoded {
  const code = b[0]!;
  const name = pduTypeName(code);
  if (name === undefined) return invalidField(0, `PDU-Type ${code.toString(16)}h is reserved`);
  const hlen = HeaderLength[code as PduType];
  const flags = b[1]!;
  const withDigests = hasDigests(code);
  const hd = withDigests && digests.hdgst ? DIGEST_SIZE : 0;
  const plen = getU32(b, 4);
  if (withDigests && ((flags & PduFlags.HDGSTF) !== 0) !== digests.hdgst) return invalidField(1, `HDGSTF is ${flags & 1}, the header digest was negotiated ${digests.hdgst ? 'on' : 'off'}`);
  if (b.length !== plen || plen < hlen + hd) return invalidField(4, `PLEN ${plen} does not match the ${b.length} bytes of the PDU`);
  if (hd && getU32(b, hlen) !== crc32c(b.subarray(0, hlen))) return bad(Fes.HEADER_DIGEST_ERROR, 0, 'header digest does not match');
  const isTerm = code === PduType.H2CTermReq || code === PduType.C2HTermReq;
  let data = new Uint8Array(0);
  let dataDigestError = false;
  if (plen > hlen + hd) {
    if (isTerm) data = b.slice(hlen);
    else {
      const pdo = b[3]!;
      if (pdo < hlen + hd || pdo % 4 !== 0 || pdo > plen) return invalidField(3, `PDO ${pdo} is not a dword-aligned offset past the header (${hlen + hd}) inside PLEN ${plen}`);
      const ddgstf = (flags & PduFlags.DDGSTF) !== 0;
      if (ddgstf !== digests.ddgst) return invalidField(1, `DDGSTF is ${ddgstf ? 1 : 0}, the data digest was negotiated ${digests.ddgst ? 'on' : 'off'}`);
      const dd = ddgstf ? DIGEST_SIZE : 0;
      if (plen - pdo < dd) return invalidField(4, `PLEN ${plen} leaves no room for the data digest`);
      data = b.slice(pdo, plen - dd);
      if (dd && getU32(b, plen - dd) !== crc32c(data)) dataDigestError = true;
    }
  }
  const ok = (pdu: Pdu): Decoded => ({ pdu, dataDigestError });
  switch (name) {
    case 'icReq':
      if (b[10]! > 31) return invalidField(10, `HPDA ${b[10]} is above 31`);
      return ok({ type: 'icReq', pfv: u16(b, 8), hpda: b[10]!, hdgst: (b[11]! & 1) !== 0, ddgst: (b[11]! & 2) !== 0, maxr2t: getU32(b, 12) });
    case 'icResp':
      if (b[10]! > 31) return invalidField(10, `CPDA ${b[10]} is above 31`);
      return ok({ type: 'icResp', pfv: u16(b, 8), cpda: b[10]!, hdgst: (b[11]! & 1) !== 0, ddgst: (b[11]! & 2) !== 0, maxh2cdata: getU32(b, 12) });
    case 'h2cTermReq':
    case 'c2hTermReq':
      return ok({ type: name, fes: u16(b, 8), fei: getU32(b, 10), data });
    case 'capsuleCmd':
      return ok({ type: 'capsuleCmd', sqe: b.slice(8, 72), data });
    case 'capsuleResp':
      return ok({ type: 'capsuleResp', cqe: b.slice(8, 24) });
    case 'h2cData':
    case 'c2hData': {
      const datal = getU32(b, 16);
      if (datal !== data.length) return invalidField(16, `DATAL ${datal} but the PDU carries ${data.length} data bytes`);
      if (name === 'h2cData') return ok({ type: 'h2cData', cccid: u16(b, 8), ttag: u16(b, 10), datao: getU32(b, 12), last: (flags & PduFlags.LAST_PDU) !== 0, data });
      if ((flags & PduFlags.SUCCESS) !== 0 && (flags & PduFlags.LAST_PDU) === 0) return invalidField(1, 'SUCCESS set without LAST_PDU');
      return ok({ type: 'c2hData', cccid: u16(b, 8), datao: getU32(b, 12), last: (flags & PduFlags.LAST_PDU) !== 0, success: (flags & PduFlags.SUCCESS) !== 0, data });
    }
    case 'r2t':
      return ok({ type: 'r2t', cccid: u16(b, 8), ttag: u16(b, 10), r2to: getU32(b, 12), r2tl: getU32(b, 16) });
  }
}

/** The termination PDU for an error found in `header` (the offending PDU's first bytes, at most 128 kept). */
export function terminationFor(direction: 'h2cTermReq' | 'c2hTermReq', error: PduError, header: Uint8Array): TermReq {
  return { type: direction, fes: error.fes, fei: error.fei, data: header.slice(0, Math.min(header.length, TERM_REQ_MAX_DATA)) };
}

export { COMMON_HEADER_SIZE };
