// PRP1/PRP2 and PRP-list walking (NVMe Base 2.0 §4.1.1): turns a command's data pointer and a byte length into
// the guest-memory segments of the transfer. Bounded work: one list entry per page of the transfer, however the
// list is linked (a list that points at itself is read as data, never followed forever). A pointer outside guest
// memory gives Data Transfer Error (0/04h); a misaligned entry gives PRP Offset Invalid (0/13h). Never throws.
import { PAGE_SIZE, Status } from '../spec/constants.ts';
import type { GuestMemory } from './guest-memory.ts';

export interface Segment {
  readonly address: number;
  readonly length: number;
}
export type PrpResult = { readonly ok: true; readonly segments: readonly Segment[] } | { readonly ok: false; readonly status: Status };

export const PRP_OFFSET_INVALID: Status = Object.freeze({ sct: 0, sc: 0x13, dnr: false });

const fail = (status: Status): PrpResult => ({ ok: false, status });

export function resolvePrps(memory: GuestMemory, prp1: bigint, prp2: bigint, length: number): PrpResult {
  if (length === 0) return { ok: true, segments: [] };
  if ((prp1 & 0x3n) !== 0n) return fail(PRP_OFFSET_INVALID);
  const first = Math.min(length, PAGE_SIZE - Number(prp1 % BigInt(PAGE_SIZE)));
  if (!memory.contains(prp1, first)) return fail(Status.DATA_TRANSFER_ERROR);
  const segments: Segment[] = [{ address: Number(prp1), length: first }];
  let remaining = length - first;
  if (remaining === 0) return { ok: true, segments };
  if (remaining <= PAGE_SIZE) {
    // PRP2 is the second data page; its offset must be zero.
    if (prp2 % BigInt(PAGE_SIZE) !== 0n) return fail(PRP_OFFSET_INVALID);
    if (!memory.contains(prp2, remaining)) return fail(Status.DATA_TRANSFER_ERROR);
    segments.push({ address: Number(prp2), length: remaining });
    return { ok: true, segments };
  }
  // PRP2 points to a PRP list; the last entry of each list page chains to the next list page.
  if ((prp2 & 0x7n) !== 0n) return fail(PRP_OFFSET_INVALID);
  let listAddress = prp2;
  const entry = new Uint8Array(8);
  const view = new DataView(entry.buffer);
  while (remaining > 0) {
    const entriesLeftInPage = (PAGE_SIZE - Number(listAddress % BigInt(PAGE_SIZE))) / 8;
    const pagesLeft = Math.ceil(remaining / PAGE_SIZE);
    const chained = pagesLeft > entriesLeftInPage;
    const dataEntries = chained ? entriesLeftInPage - 1 : pagesLeft;
    for (let i = 0; i < dataEntries; i++) {
      if (!memory.contains(listAddress, 8) || !memory.tryRead(Number(listAddress), 8, entry)) return fail(Status.DATA_TRANSFER_ERROR);
      const page = view.getBigUint64(0, true);
      const n = Math.min(remaining, PAGE_SIZE);
      if (page % BigInt(PAGE_SIZE) !== 0n) return fail(PRP_OFFSET_INVALID);
      if (!memory.contains(page, n)) return fail(Status.DATA_TRANSFER_ERROR);
      segments.push({ address: Number(page), length: n });
      remaining -= n;
      listAddress += 8n;
    }
    if (chained) {
      if (!memory.contains(listAddress, 8) || !memory.tryRead(Number(listAddress), 8, entry)) return fail(Status.DATA_TRANSFER_ERROR);
      listAddress = view.getBigUint64(0, true);
      // A chained list starts at a page boundary (as QEMU requires): each list page then yields at least one
      // data entry, so the walk ends however the chain is linked.
      if (listAddress % BigInt(PAGE_SIZE) !== 0n) return fail(PRP_OFFSET_INVALID);
    }
  }
  return { ok: true, segments };
}

/** Copy `data` into the segments (as much as fits); the segments were bounds-checked by `resolvePrps`. */
export function writeSegments(memory: GuestMemory, segments: readonly Segment[], data: Uint8Array): void {
  let at = 0;
  for (const s of segments) {
    if (at >= data.length) break;
    const n = Math.min(s.length, data.length - at);
    memory.tryWrite(s.address, data.subarray(at, at + n));
    at += n;
  }
}

export function readSegments(memory: GuestMemory, segments: readonly Segment[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (const s of segments) {
    const n = Math.min(s.length, length - at);
    if (n <= 0) break;
    memory.tryRead(s.address, n, out.subarray(at, at + n));
    at += n;
  }
  return out;
}
