// Identify data structures, 4096 bytes each (NVMe Base 2.0 §5.17.2): Identify Controller (CNS 01h) with the
// fields this project reads (VID, SN, MN, FR, MDTS, CNTLID, VER, OAES, OACS, ACL, AERL, LPA, ELPE, SQES, CQES, NN,
// SUBNQN) and Identify Namespace (CNS 00h: NSZE, NCAP, NUSE, NLBAF, FLBAS, NGUID, LBAF0), and the Namespace
// Identification Descriptor list (CNS 03h, §5.17.2.3: NIDT, NIDL, NID). Other fields are zero.
import { IDENTIFY_SIZE } from './constants.ts';

export interface IdentifyController {
  readonly vid: number;
  readonly ssvid: number;
  readonly sn: string;
  readonly mn: string;
  readonly fr: string;
  readonly mdts: number;
  readonly cntlid: number;
  readonly ver: number;
  readonly oaes: number;
  readonly oacs: number;
  readonly acl: number;
  readonly aerl: number;
  readonly lpa: number;
  readonly elpe: number;
  readonly sqes: number;
  readonly cqes: number;
  readonly nn: number;
  readonly subnqn: string;
}

/** OAES bit 8: Namespace Attribute Notices supported. OACS bit 3: Namespace Management and Attachment. */
export const OAES_NAMESPACE_ATTRIBUTE_NOTICES = 1 << 8;
export const OACS_NAMESPACE_MANAGEMENT = 1 << 3;

const Offset = {
  VID: 0, SSVID: 2, SN: 4, MN: 24, FR: 64, MDTS: 77, CNTLID: 78, VER: 80, OAES: 92,
  OACS: 256, ACL: 258, AERL: 259, LPA: 261, ELPE: 262, SQES: 512, CQES: 513, NN: 516, SUBNQN: 768,
} as const;

function putAscii(b: Uint8Array, at: number, len: number, s: string): void {
  for (let i = 0; i < len; i++) b[at + i] = i < s.length ? s.charCodeAt(i) & 0x7f : 0x20;
}
function getAscii(b: Uint8Array, at: number, len: number): string {
  return String.fromCharCode(...b.subarray(at, at + len)).replace(/[ \0]+$/, '');
}

export function encodeIdentifyController(c: IdentifyController, out = new Uint8Array(IDENTIFY_SIZE)): Uint8Array {
  const v = new DataView(out.buffer, out.byteOffset, IDENTIFY_SIZE);
  v.setUint16(Offset.VID, c.vid, true);
  v.setUint16(Offset.SSVID, c.ssvid, true);
  putAscii(out, Offset.SN, 20, c.sn);
  putAscii(out, Offset.MN, 40, c.mn);
  putAscii(out, Offset.FR, 8, c.fr);
  out[Offset.MDTS] = c.mdts;
  v.setUint16(Offset.CNTLID, c.cntlid, true);
  v.setUint32(Offset.VER, c.ver, true);
  v.setUint32(Offset.OAES, c.oaes >>> 0, true);
  v.setUint16(Offset.OACS, c.oacs, true);
  out[Offset.ACL] = c.acl;
  out[Offset.AERL] = c.aerl;
  out[Offset.LPA] = c.lpa;
  out[Offset.ELPE] = c.elpe;
  out[Offset.SQES] = c.sqes;
  out[Offset.CQES] = c.cqes;
  v.setUint32(Offset.NN, c.nn >>> 0, true);
  const nqn = new TextEncoder().encode(c.subnqn).subarray(0, 255);
  out.set(nqn, Offset.SUBNQN);
  return out;
}

export function decodeIdentifyController(b: Uint8Array): IdentifyController {
  if (b.length < IDENTIFY_SIZE) throw new RangeError(`Identify Controller is ${b.length} bytes, needs ${IDENTIFY_SIZE}`);
  const v = new DataView(b.buffer, b.byteOffset, IDENTIFY_SIZE);
  const nqn = b.subarray(Offset.SUBNQN, Offset.SUBNQN + 256);
  const end = nqn.indexOf(0);
  return {
    vid: v.getUint16(Offset.VID, true),
    ssvid: v.getUint16(Offset.SSVID, true),
    sn: getAscii(b, Offset.SN, 20),
    mn: getAscii(b, Offset.MN, 40),
    fr: getAscii(b, Offset.FR, 8),
    mdts: b[Offset.MDTS]!,
    cntlid: v.getUint16(Offset.CNTLID, true),
    ver: v.getUint32(Offset.VER, true),
    oaes: v.getUint32(Offset.OAES, true),
    oacs: v.getUint16(Offset.OACS, true),
    acl: b[Offset.ACL]!,
    aerl: b[Offset.AERL]!,
    lpa: b[Offset.LPA]!,
    elpe: b[Offset.ELPE]!,
    sqes: b[Offset.SQES]!,
    cqes: b[Offset.CQES]!,
    nn: v.getUint32(Offset.NN, true),
    subnqn: new TextDecoder().decode(end < 0 ? nqn : nqn.subarray(0, end)),
  };
}

export interface IdentifyNamespace {
  readonly nsze: bigint;
  readonly ncap: bigint;
  readonly nuse: bigint;
  readonly nlbaf: number;
  readonly flbas: number;
  /** LBA Format 0: metadata size and LBA data size as a power of two. */
  readonly lbaf0: { readonly ms: number; readonly lbads: number };
  /** Namespace Globally Unique Identifier, bytes 104–119 (encoded when given; read with `identifyNamespaceNguid`). */
  readonly nguid?: Uint8Array;
}

/** The NGUID field of Identify Namespace data (bytes 104–119). */
export function identifyNamespaceNguid(b: Uint8Array): Uint8Array {
  return b.slice(104, 120);
}

export function encodeIdentifyNamespace(n: IdentifyNamespace, out = new Uint8Array(IDENTIFY_SIZE)): Uint8Array {
  const v = new DataView(out.buffer, out.byteOffset, IDENTIFY_SIZE);
  v.setBigUint64(0, n.nsze, true);
  v.setBigUint64(8, n.ncap, true);
  v.setBigUint64(16, n.nuse, true);
  out[25] = n.nlbaf;
  out[26] = n.flbas;
  v.setUint32(128, ((n.lbaf0.ms & 0xffff) | ((n.lbaf0.lbads & 0xff) << 16)) >>> 0, true);
  if (n.nguid) out.set(n.nguid.subarray(0, 16), 104);
  return out;
}

export function decodeIdentifyNamespace(b: Uint8Array): IdentifyNamespace {
  if (b.length < IDENTIFY_SIZE) throw new RangeError(`Identify Namespace is ${b.length} bytes, needs ${IDENTIFY_SIZE}`);
  const v = new DataView(b.buffer, b.byteOffset, IDENTIFY_SIZE);
  const lbaf0 = v.getUint32(128, true);
  return {
    nsze: v.getBigUint64(0, true),
    ncap: v.getBigUint64(8, true),
    nuse: v.getBigUint64(16, true),
    nlbaf: b[25]!,
    flbas: b[26]!,
    lbaf0: { ms: lbaf0 & 0xffff, lbads: (lbaf0 >>> 16) & 0xff },
  };
}

/** Namespace Identifier Type (NVMe Base 2.0 §5.17.2.3, Figure 279): NIDL is fixed per type. */
export const Nidt = {
  EUI64: 0x01,
  NGUID: 0x02,
  UUID: 0x03,
  CSI: 0x04,
} as const;
const NIDL: Readonly<Record<number, number>> = { [Nidt.EUI64]: 8, [Nidt.NGUID]: 16, [Nidt.UUID]: 16, [Nidt.CSI]: 1 };

export interface NamespaceIdDescriptor {
  readonly nidt: number;
  readonly nid: Uint8Array;
}

/** The descriptor list: each descriptor is NIDT, NIDL, two reserved bytes and NIDL bytes of NID; the list ends
 * at the first NIDL of 0 (the rest of the 4096 bytes are zero). */
export function encodeNamespaceIdDescriptors(list: readonly NamespaceIdDescriptor[], out = new Uint8Array(IDENTIFY_SIZE)): Uint8Array {
  let at = 0;
  for (const d of list) {
    const nidl = NIDL[d.nidt];
    if (nidl === undefined || d.nid.length !== nidl) throw new RangeError(`NIDT ${d.nidt} takes ${nidl ?? 'no'} bytes of NID, got ${d.nid.length}`);
    if (at + 4 + nidl > IDENTIFY_SIZE) throw new RangeError('the descriptors do not fit in 4096 bytes');
    out[at] = d.nidt;
    out[at + 1] = nidl;
    out.set(d.nid, at + 4);
    at += 4 + nidl;
  }
  return out;
}

/** Read the descriptors up to the first NIDL of 0 (a descriptor running past the end is a RangeError). */
export function decodeNamespaceIdDescriptors(b: Uint8Array): NamespaceIdDescriptor[] {
  const out: NamespaceIdDescriptor[] = [];
  let at = 0;
  while (at + 4 <= b.length) {
    const nidt = b[at]!;
    const nidl = b[at + 1]!;
    if (nidl === 0) break;
    if (at + 4 + nidl > b.length) throw new RangeError(`descriptor at byte ${at} (NIDL ${nidl}) runs past the end of the list`);
    out.push({ nidt, nid: b.slice(at + 4, at + 4 + nidl) });
    at += 4 + nidl;
  }
  return out;
}
