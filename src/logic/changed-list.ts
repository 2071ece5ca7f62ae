// The Changed Namespace List as a value (NVMe Base 2.0 §5.16.1.5): ascending, no duplicates, at most 1024
// entries; one more distinct NSID turns it into the overflow marker (FFFFFFFFh in entry 0) and further changes are
// absorbed, so memory stays bounded however many namespaces change. Pure functions; the AEN latch holds the value.
import { CHANGED_NS_LIST_ENTRIES, CHANGED_NS_LIST_SIZE } from '../spec/constants.ts';
import { encodeChangedNamespaceList } from '../spec/namespace-list.codec.ts';

export interface ChangedList {
  readonly nsids: readonly number[];
  readonly overflow: boolean;
}

export const EMPTY_CHANGED_LIST: ChangedList = Object.freeze({ nsids: Object.freeze([]) as readonly number[], overflow: false });

export function isEmpty(list: ChangedList): boolean {
  return !list.overflow && list.nsids.length === 0;
}

export function contains(list: ChangedList, nsid: number): boolean {
  return list.overflow || indexOf(list.nsids, nsid) >= 0 || list.nsids.includes(nsid);
}

/** Binary search: index of `nsid`, or -(insertion point) - 1. */
function indexOf(nsids: readonly number[], nsid: number): number {
  let lo = 0;
  let hi = nsids.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = nsids[mid]!;
    if (v === nsid) return mid;
    if (v < nsid) lo = mid + 1;
    else hi = mid - 1;
  }
  return -lo - 1;
}

/** Record a change in the order of change (Linux nvmet appends: nvmet_add_to_changed_ns_log): the list is then
 * not sorted, so the duplicate check is a scan (at most 1024 entries). The same object when nothing changes. */
export function appendChange(list: ChangedList, nsid: number): ChangedList {
  if (list.overflow || list.nsids.includes(nsid)) return list;
  if (list.nsids.length >= CHANGED_NS_LIST_ENTRIES) return { nsids: [], overflow: true };
  return { nsids: [...list.nsids, nsid], overflow: false };
}

/** Record a change. Returns the same object when nothing changes (a duplicate, or already overflowed). */
export function addChange(list: ChangedList, nsid: number): ChangedList {
  if (list.overflow) return list;
  const at = indexOf(list.nsids, nsid);
  if (at >= 0) return list;
  if (list.nsids.length >= CHANGED_NS_LIST_ENTRIES) return { nsids: [], overflow: true };
  const insert = -at - 1;
  const nsids = list.nsids.slice();
  nsids.splice(insert, 0, nsid);
  return { nsids, overflow: false };
}

/** Record changes `nsids[from…]` in order, as `addChange` (or, in change order, `appendChange`) one at a time would: the resulting list and how many of
 * them changed it (each NSID new to the list, and the one that overflowed it). One copy and one sort for the batch,
 * where `addChange` per NSID copied the list per NSID (a 1025-NSID change was ~1M element copies). */
export function addChanges(list: ChangedList, nsids: readonly number[], from = 0, order: 'ascending' | 'change' = 'ascending'): { list: ChangedList; added: number } {
  if (list.overflow || from >= nsids.length) return { list, added: 0 };
  if (nsids.length - from === 1) {
    const next = order === 'ascending' ? addChange(list, nsids[from]!) : appendChange(list, nsids[from]!);
    return { list: next, added: next === list ? 0 : 1 };
  }
  const seen = new Set(list.nsids);
  const fresh: number[] = [];
  for (let i = from; i < nsids.length; i++) {
    const nsid = nsids[i]!;
    if (seen.has(nsid)) continue;
    if (list.nsids.length + fresh.length >= CHANGED_NS_LIST_ENTRIES) return { list: { nsids: [], overflow: true }, added: fresh.length + 1 };
    seen.add(nsid);
    fresh.push(nsid);
  }
  if (fresh.length === 0) return { list, added: 0 };
  const merged = [...list.nsids, ...fresh];
  return { list: { nsids: order === 'ascending' ? merged.sort((a, b) => a - b) : merged, overflow: false }, added: fresh.length };
}

/** The bytes a Get Log Page of `numd` dwords at byte `offset` returns: the 4096-byte page, zero beyond its end. */
export function readChangedList(list: ChangedList, numd: number, offset: number): Uint8Array {
  const out = new Uint8Array(numd * 4);
  if (offset === 0 && out.length >= CHANGED_NS_LIST_SIZE) {
    // The whole page (the common read): encoded in place, no second 4 KiB buffer.
    encodeChangedNamespaceList(list.overflow ? { overflow: true } : { overflow: false, nsids: list.nsids }, out);
    return out;
  }
  const page = encodeChangedNamespaceList(list.overflow ? { overflow: true } : { overflow: false, nsids: list.nsids });
  if (offset < CHANGED_NS_LIST_SIZE) out.set(page.subarray(offset, Math.min(CHANGED_NS_LIST_SIZE, offset + out.length)));
  return out;
}
