// NSID lists of 1024 little-endian dwords, 4096 bytes: the Active Namespace ID list (Identify CNS 02h,
// NVMe Base 2.0 §5.17.2.2) and the Changed Namespace List log page (LID 04h, §5.16.1.5; entry 0 = FFFFFFFFh
// when more than 1024 changed). Unused entries are zero, so the first zero ends the list.
// Also the Controller List of Namespace Attachment (§4.6.2.1): a count and up to 2047 16-bit controller ids.
import { CHANGED_NS_LIST_ENTRIES, CHANGED_NS_LIST_OVERFLOW, CHANGED_NS_LIST_SIZE } from './constants.ts';
import { setU32 } from './le.ts';

export type ChangedNamespaceList = { readonly overflow: true } | { readonly overflow: false; readonly nsids: readonly number[] };

/** Encode up to 1024 NSIDs (ascending is the caller's business). */
export function encodeNsidList(nsids: readonly number[], out = new Uint8Array(CHANGED_NS_LIST_SIZE)): Uint8Array {
  if (nsids.length > CHANGED_NS_LIST_ENTRIES) throw new RangeError(`${nsids.length} NSIDs do not fit in a list of ${CHANGED_NS_LIST_ENTRIES}`);
  return encodeNsidListFrom(nsids, 0, out);
}

/** NVMe structures are little-endian; a host of the same order may store whole dwords. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Encode the page of up to 1024 NSIDs that starts at index `start` of `nsids` (no copy of the list: Identify
 * CNS 02h answers from the whole active list, however long). */
export function encodeNsidListFrom(nsids: ArrayLike<number>, start: number, out = new Uint8Array(CHANGED_NS_LIST_SIZE)): Uint8Array {
  if (out.length < CHANGED_NS_LIST_SIZE) throw new RangeError(`an NSID list needs ${CHANGED_NS_LIST_SIZE} bytes, got ${out.length}`);
  const end = Math.min(nsids.length, start + CHANGED_NS_LIST_ENTRIES);
  if (!Number.isInteger(start) || start < 0) throw new RangeError(`start must be an index ≥ 0, got ${start}`);
  if (LITTLE_ENDIAN && out.byteOffset % 4 === 0 && end > start) {
    // A full page is 1024 entries: copied as dwords, in one block from a Uint32Array (bench: growth).
    const dwords = new Uint32Array(out.buffer, out.byteOffset, end - start);
    if (nsids instanceof Uint32Array) dwords.set(nsids.subarray(start, end));
    else for (let i = start; i < end; i++) dwords[i - start] = nsids[i]!;
  } else {
    for (let i = start; i < end; i++) setU32(out, (i - start) * 4, nsids[i]!);
  }
  return out;
}

/** Decode NSIDs up to the first zero entry; `bytes` may be shorter than 4096 (a short read). */
export function decodeNsidList(bytes: Uint8Array): number[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const out: number[] = [];
  for (let at = 0; at + 4 <= bytes.length; at += 4) {
    const nsid = v.getUint32(at, true);
    if (nsid === 0) break;
    out.push(nsid);
  }
  return out;
}

export function encodeChangedNamespaceList(list: ChangedNamespaceList, out = new Uint8Array(CHANGED_NS_LIST_SIZE)): Uint8Array {
  return list.overflow ? encodeNsidList([CHANGED_NS_LIST_OVERFLOW], out) : encodeNsidList(list.nsids, out);
}

export function decodeChangedNamespaceList(bytes: Uint8Array): ChangedNamespaceList {
  const nsids = decodeNsidList(bytes);
  return nsids[0] === CHANGED_NS_LIST_OVERFLOW ? { overflow: true } : { overflow: false, nsids };
}

/** Controller List: NUMID (16 bits) then that many 16-bit controller identifiers. */
export function encodeControllerList(ids: readonly number[], out = new Uint8Array(4096)): Uint8Array {
  if (ids.length > 2047) throw new RangeError(`a controller list holds at most 2047 ids, got ${ids.length}`);
  const v = new DataView(out.buffer, out.byteOffset, out.length);
  v.setUint16(0, ids.length, true);
  ids.forEach((id, i) => v.setUint16(2 + i * 2, id, true));
  return out;
}

export function decodeControllerList(bytes: Uint8Array): number[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const n = Math.min(v.getUint16(0, true), 2047, (bytes.length - 2) >> 1);
  return Array.from({ length: n }, (_, i) => v.getUint16(2 + i * 2, true));
}
