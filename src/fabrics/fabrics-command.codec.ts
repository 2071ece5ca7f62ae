// Fabrics commands and SGL data descriptors as NVMe/TCP uses them, bit-exact (NVMe Base 2.0 §6: Fabrics command
// SQE, Figure 539; Connect, Figures 547–549; Property Get/Set, Figures 550–553; Disconnect, Figure 544; SGL
// descriptors §4.1.8, Figure 112). The SQE's DPTR (bytes 39:24) holds SGL1: an SGL Data Block with subtype Offset
// for in-capsule data, a Transport SGL Data Block for data moved by R2T/H2CData or C2HData (NVMe/TCP 1.0 §3.4).
// Authentication Send/Receive are left out.
import { CONNECT_DATA_SIZE, FABRICS_OPCODE, FabricsCommandType, PropertySize, SglId } from './constants.ts';
import { SQE_SIZE } from '../spec/constants.ts';
import { getU32, getU64, setU32, setU64 } from '../spec/le.ts';

/** SQE CDW0 byte 1 bits 7:6: PSDT 01b, SGLs for the data, "metadata buffer" for MPTR (what NVMe/TCP hosts set). */
export const PSDT_SGL = 0x1;

export interface SglDescriptor {
  readonly address: bigint;
  readonly length: number;
  /** SGL identifier byte: type << 4 | subtype (SglId). */
  readonly id: number;
}

export function encodeSgl(d: SglDescriptor, out: Uint8Array, at = 24): void {
  setU64(out, at, d.address);
  setU32(out, at + 8, d.length);
  out[at + 12] = 0;
  out[at + 13] = 0;
  out[at + 14] = 0;
  out[at + 15] = d.id;
}

export function decodeSgl(b: Uint8Array, at = 24): SglDescriptor {
  return { address: getU64(b, at), length: getU32(b, at + 8), id: b[at + 15]! };
}

/** SGL1 for `length` bytes sent in the capsule (offset 0 into the in-capsule data, ICDOFF 0). */
export const inCapsuleSgl = (length: number, offset = 0): SglDescriptor => ({ address: BigInt(offset), length, id: SglId.DATA_BLOCK_OFFSET });
/** SGL1 for `length` bytes moved by the transport (R2T/H2CData, C2HData); length 0: no data. */
export const transportSgl = (length: number): SglDescriptor => ({ address: 0n, length, id: SglId.TRANSPORT_DATA_BLOCK });

const u16 = (b: Uint8Array, at: number): number => b[at]! | (b[at + 1]! << 8);
const setU16 = (b: Uint8Array, at: number, v: number): void => {
  b[at] = v & 0xff;
  b[at + 1] = (v >>> 8) & 0xff;
};

/** CDW0 of a fabrics command: opcode 7Fh, PSDT SGL, CID; FCTYPE in byte 4. */
function fabricsSqe(fctype: number, cid: number, sgl: SglDescriptor): Uint8Array {
  const out = new Uint8Array(SQE_SIZE);
  out[0] = FABRICS_OPCODE;
  out[1] = PSDT_SGL << 6;
  setU16(out, 2, cid);
  out[4] = fctype;
  encodeSgl(sgl, out);
  return out;
}

export interface Connect {
  readonly fctype: typeof FabricsCommandType.CONNECT;
  readonly cid: number;
  /** Record format 0. */
  readonly recfmt: number;
  readonly qid: number;
  /** Submission queue size, 0's based. */
  readonly sqsize: number;
  /** Connect attributes: bit 2 disables SQ flow control. */
  readonly cattr: number;
  /** Keep Alive Timeout, ms (0: none). */
  readonly kato: number;
  readonly sgl: SglDescriptor;
}
export interface PropertyGet {
  readonly fctype: typeof FabricsCommandType.PROPERTY_GET;
  readonly cid: number;
  /** 4 or 8 bytes. */
  readonly size: 4 | 8;
  readonly ofst: number;
}
export interface PropertySet {
  readonly fctype: typeof FabricsCommandType.PROPERTY_SET;
  readonly cid: number;
  readonly size: 4 | 8;
  readonly ofst: number;
  readonly value: bigint;
}
export interface Disconnect {
  readonly fctype: typeof FabricsCommandType.DISCONNECT;
  readonly cid: number;
  readonly recfmt: number;
}
export interface OtherFabricsCommand {
  readonly fctype: number;
  readonly cid: number;
}
export type FabricsCommand = Connect | PropertyGet | PropertySet | Disconnect;

export function encodeConnect(c: Omit<Connect, 'fctype' | 'sgl' | 'recfmt'> & { recfmt?: number; inCapsule?: boolean }): Uint8Array {
  const sgl = c.inCapsule === false ? transportSgl(CONNECT_DATA_SIZE) : inCapsuleSgl(CONNECT_DATA_SIZE);
  const out = fabricsSqe(FabricsCommandType.CONNECT, c.cid, sgl);
  setU16(out, 40, c.recfmt ?? 0);
  setU16(out, 42, c.qid);
  setU16(out, 44, c.sqsize);
  out[46] = c.cattr;
  setU32(out, 48, c.kato);
  return out;
}

export function encodePropertyGet(p: Omit<PropertyGet, 'fctype'>): Uint8Array {
  const out = fabricsSqe(FabricsCommandType.PROPERTY_GET, p.cid, transportSgl(0));
  out[40] = p.size === 8 ? PropertySize.EIGHT : PropertySize.FOUR;
  setU32(out, 44, p.ofst);
  return out;
}

export function encodePropertySet(p: Omit<PropertySet, 'fctype'>): Uint8Array {
  const out = fabricsSqe(FabricsCommandType.PROPERTY_SET, p.cid, transportSgl(0));
  out[40] = p.size === 8 ? PropertySize.EIGHT : PropertySize.FOUR;
  setU32(out, 44, p.ofst);
  setU64(out, 48, p.size === 8 ? BigInt.asUintN(64, p.value) : BigInt.asUintN(32, p.value));
  return out;
}

export function encodeDisconnect(d: Omit<Disconnect, 'fctype' | 'recfmt'> & { recfmt?: number }): Uint8Array {
  const out = fabricsSqe(FabricsCommandType.DISCONNECT, d.cid, transportSgl(0));
  setU16(out, 40, d.recfmt ?? 0);
  return out;
}

/** Whether a 64-byte SQE is a fabrics command (opcode 7Fh). */
export const isFabricsCommand = (sqe: Uint8Array): boolean => sqe[0] === FABRICS_OPCODE;

/** Decode a fabrics command SQE. A Property Get/Set with a reserved ATTRIB size decodes with `size` undefined
 * (the caller answers Invalid Field). */
export function decodeFabricsCommand(b: Uint8Array): FabricsCommand | OtherFabricsCommand | { readonly fctype: 0x00 | 0x04; readonly cid: number; readonly size: undefined; readonly ofst: number } {
  const cid = u16(b, 2);
  const fctype = b[4]!;
  const size = (b[40]! & 7) === PropertySize.FOUR ? 4 : (b[40]! & 7) === PropertySize.EIGHT ? 8 : undefined;
  switch (fctype) {
    case FabricsCommandType.CONNECT:
      return { fctype, cid, recfmt: u16(b, 40), qid: u16(b, 42), sqsize: u16(b, 44), cattr: b[46]!, kato: getU32(b, 48), sgl: decodeSgl(b) };
    case FabricsCommandType.PROPERTY_GET:
      if (size === undefined) return { fctype, cid, size, ofst: getU32(b, 44) };
      return { fctype, cid, size, ofst: getU32(b, 44) };
    case FabricsCommandType.PROPERTY_SET:
      if (size === undefined) return { fctype, cid, size, ofst: getU32(b, 44) };
      return { fctype, cid, size, ofst: getU32(b, 44), value: size === 8 ? getU64(b, 48) : BigInt(getU32(b, 48)) };
    case FabricsCommandType.DISCONNECT:
      return { fctype, cid, recfmt: u16(b, 40) };
    default:
      return { fctype, cid };
  }
}

/** Connect command data, 1,024 bytes (NVMe Base 2.0 Figure 549). */
export interface ConnectData {
  /** Host Identifier, 16 bytes. */
  readonly hostid: Uint8Array;
  /** FFFFh: any controller (dynamic); for an I/O queue, the admin queue's controller. */
  readonly cntlid: number;
  readonly subnqn: string;
  readonly hostnqn: string;
}

const NQN_FIELD = 256;
export function encodeConnectData(d: ConnectData): Uint8Array {
  const out = new Uint8Array(CONNECT_DATA_SIZE);
  out.set(d.hostid.subarray(0, 16), 0);
  setU16(out, 16, d.cntlid);
  const enc = new TextEncoder();
  out.set(enc.encode(d.subnqn).subarray(0, NQN_FIELD - 1), 256);
  out.set(enc.encode(d.hostnqn).subarray(0, NQN_FIELD - 1), 512);
  return out;
}

const nqnAt = (b: Uint8Array, at: number): string => {
  const field = b.subarray(at, at + NQN_FIELD);
  const end = field.indexOf(0);
  return new TextDecoder().decode(end < 0 ? field : field.subarray(0, end));
};

export function decodeConnectData(b: Uint8Array): ConnectData {
  if (b.length < CONNECT_DATA_SIZE) throw new RangeError(`Connect data is ${b.length} bytes, needs ${CONNECT_DATA_SIZE}`);
  return { hostid: b.slice(0, 16), cntlid: u16(b, 16), subnqn: nqnAt(b, 256), hostnqn: nqnAt(b, 512) };
}

/** Completion DW0 of a Connect that failed with Connect Invalid Parameters: IPO (bytes 1:0, the offset of the bad
 * field) and IATTR (byte 2 bit 0: 0 in the SQE, 1 in the Connect data) (NVMe Base 2.0 Figure 550). */
export const connectInvalidParameter = (where: 'command' | 'data', offset: number): number => (offset & 0xffff) | ((where === 'data' ? 1 : 0) << 16);
