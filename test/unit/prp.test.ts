// PRP1/PRP2 and PRP-list walking (NVMe Base 2.0 §4.1.1): segments of a transfer, Data Transfer Error (0/04h) for a
// pointer outside guest memory, PRP Offset Invalid (0/13h) for a misaligned entry; writeSegments/readSegments.
import { describe, expect, it } from 'vitest';
import { GuestMemory } from '../../src/device/guest-memory.ts';
import { PRP_OFFSET_INVALID, readSegments, resolvePrps, writeSegments, type PrpResult } from '../../src/device/prp.ts';
import { Status } from '../../src/spec/constants.ts';

const PAGE = 4096;
const SIZE = 16 * 1024 * 1024;

function writeList(m: GuestMemory, at: number, entries: readonly number[]): void {
  const b = new Uint8Array(entries.length * 8);
  const v = new DataView(b.buffer);
  entries.forEach((e, i) => v.setBigUint64(i * 8, BigInt(e), true));
  m.write(BigInt(at), b);
}
const segmentsOf = (r: PrpResult) => {
  if (!r.ok) throw new Error(`expected ok, got ${Status.format(r.status)}`);
  return r.segments;
};

describe('resolvePrps', () => {
  it('PRP Offset Invalid is 0/13h', () => {
    expect(PRP_OFFSET_INVALID).toEqual({ sct: 0, sc: 0x13, dnr: false });
    expect(Status.DATA_TRANSFER_ERROR).toEqual({ sct: 0, sc: 0x04, dnr: false });
  });

  it('a zero-length transfer has no segments and ignores both pointers', () => {
    const m = new GuestMemory(SIZE);
    expect(resolvePrps(m, 0x3n, 0x7n, 0)).toEqual({ ok: true, segments: [] });
  });

  it('a single page from PRP1 ignores PRP2', () => {
    const m = new GuestMemory(SIZE);
    expect(resolvePrps(m, 0x10000n, 0xdeadn, 4096)).toEqual({ ok: true, segments: [{ address: 0x10000, length: 4096 }] });
    expect(resolvePrps(m, 0x10000n, 0n, 512)).toEqual({ ok: true, segments: [{ address: 0x10000, length: 512 }] });
  });

  it('PRP1 with an offset that fits its page uses PRP1 alone', () => {
    const m = new GuestMemory(SIZE);
    expect(segmentsOf(resolvePrps(m, 0x10800n, 0n, 2048))).toEqual([{ address: 0x10800, length: 2048 }]);
  });

  it('PRP1 with an offset spans into PRP2', () => {
    const m = new GuestMemory(SIZE);
    expect(segmentsOf(resolvePrps(m, 0x10c00n, 0x20000n, 4096))).toEqual([
      { address: 0x10c00, length: 1024 },
      { address: 0x20000, length: 3072 },
    ]);
  });

  it('two whole pages use PRP1 and PRP2 as data pointers', () => {
    const m = new GuestMemory(SIZE);
    expect(segmentsOf(resolvePrps(m, 0x10000n, 0x30000n, 8192))).toEqual([
      { address: 0x10000, length: 4096 },
      { address: 0x30000, length: 4096 },
    ]);
  });

  it('more than two pages: PRP2 points to a PRP list', () => {
    const m = new GuestMemory(SIZE);
    writeList(m, 0x40000, [0x50000, 0x60000, 0x70000]);
    expect(segmentsOf(resolvePrps(m, 0x10000n, 0x40000n, 4 * PAGE))).toEqual([
      { address: 0x10000, length: 4096 },
      { address: 0x50000, length: 4096 },
      { address: 0x60000, length: 4096 },
      { address: 0x70000, length: 4096 },
    ]);
  });

  it('a PRP list with a partial last page and an offset PRP1', () => {
    const m = new GuestMemory(SIZE);
    writeList(m, 0x40000, [0x50000, 0x60000]);
    // 0x200 bytes in PRP1's page, then 4096 + 100
    expect(segmentsOf(resolvePrps(m, 0x10e00n, 0x40000n, 0x200 + 4096 + 100))).toEqual([
      { address: 0x10e00, length: 0x200 },
      { address: 0x50000, length: 4096 },
      { address: 0x60000, length: 100 },
    ]);
  });

  it('a PRP list that starts at an offset inside its page', () => {
    const m = new GuestMemory(SIZE);
    writeList(m, 0x40100, [0x50000, 0x60000]);
    expect(segmentsOf(resolvePrps(m, 0x10000n, 0x40100n, 3 * PAGE)).map((s) => s.address)).toEqual([0x10000, 0x50000, 0x60000]);
  });

  it('chains to the next list page through the last entry of a list page', () => {
    const m = new GuestMemory(SIZE);
    // The list starts two entries before the end of its page: entry at 0x40ff0 is data, entry at 0x40ff8 chains.
    writeList(m, 0x40ff0, [0x50000, 0x80000]);
    writeList(m, 0x80000, [0x60000, 0x70000, 0x90000]);
    expect(segmentsOf(resolvePrps(m, 0x10000n, 0x40ff0n, 5 * PAGE))).toEqual([
      { address: 0x10000, length: 4096 },
      { address: 0x50000, length: 4096 },
      { address: 0x60000, length: 4096 },
      { address: 0x70000, length: 4096 },
      { address: 0x90000, length: 4096 },
    ]);
  });

  it('a full list page: 511 data entries, then the chain pointer in entry 511', () => {
    const m = new GuestMemory(SIZE);
    const pages = 514; // after PRP1's page: 511 entries in list page 1, 2 in list page 2
    const first = Array.from({ length: 511 }, (_, i) => 0x200000 + i * PAGE);
    writeList(m, 0x40000, [...first, 0x41000]);
    writeList(m, 0x41000, [0x900000, 0x901000]);
    const segs = segmentsOf(resolvePrps(m, 0x10000n, 0x40000n, pages * PAGE));
    expect(segs.length).toBe(514);
    expect(segs[1]).toEqual({ address: 0x200000, length: 4096 });
    expect(segs[511]).toEqual({ address: 0x200000 + 510 * PAGE, length: 4096 });
    expect(segs[512]).toEqual({ address: 0x900000, length: 4096 });
    expect(segs[513]).toEqual({ address: 0x901000, length: 4096 });
    expect(segs.some((s) => s.address === 0x41000)).toBe(false); // the chain pointer is not data
  });

  it('with exactly 512 list entries needed, the last entry of the page is data, not a chain', () => {
    const m = new GuestMemory(SIZE);
    const entries = Array.from({ length: 512 }, (_, i) => 0x200000 + i * PAGE);
    writeList(m, 0x40000, entries);
    const segs = segmentsOf(resolvePrps(m, 0x10000n, 0x40000n, 513 * PAGE));
    expect(segs.length).toBe(513);
    expect(segs[512]).toEqual({ address: 0x200000 + 511 * PAGE, length: 4096 });
  });

  it('a list entry that points at its own list page is read as data', () => {
    const m = new GuestMemory(SIZE);
    writeList(m, 0x40000, [0x40000, 0x50000]);
    expect(segmentsOf(resolvePrps(m, 0x10000n, 0x40000n, 3 * PAGE)).map((s) => s.address)).toEqual([0x10000, 0x40000, 0x50000]);
  });

  it('a PRP list whose chain pointer points back at itself is walked a bounded number of times and returns', () => {
    const m = new GuestMemory(SIZE);
    const data = Array.from({ length: 511 }, (_, i) => 0x200000 + i * PAGE);
    writeList(m, 0x40000, [...data, 0x40000]); // entry 511 chains to the same list page
    const pages = 1 + 511 * 3 + 7;
    const r = resolvePrps(m, 0x10000n, 0x40000n, pages * PAGE);
    const segs = segmentsOf(r);
    expect(segs.length).toBe(pages);
    expect(segs.reduce((n, s) => n + s.length, 0)).toBe(pages * PAGE);
    expect(segs[512]).toEqual({ address: 0x200000, length: 4096 }); // the list read again from its start
    expect(segs[pages - 1]).toEqual({ address: 0x200000 + 6 * PAGE, length: 4096 });
  });

  it('PRP1 outside guest memory: Data Transfer Error', () => {
    const m = new GuestMemory(SIZE);
    expect(resolvePrps(m, BigInt(SIZE), 0n, 16)).toEqual({ ok: false, status: Status.DATA_TRANSFER_ERROR });
    expect(resolvePrps(m, BigInt(SIZE + PAGE), 0n, 4096)).toEqual({ ok: false, status: Status.DATA_TRANSFER_ERROR });
    expect(resolvePrps(m, 1n << 63n, 0n, 16)).toEqual({ ok: false, status: Status.DATA_TRANSFER_ERROR });
  });

  it('PRP2 data page outside guest memory: Data Transfer Error', () => {
    const m = new GuestMemory(SIZE);
    expect(resolvePrps(m, 0x10000n, BigInt(SIZE), 8192)).toEqual({ ok: false, status: Status.DATA_TRANSFER_ERROR });
  });

  it('PRP list outside guest memory, or a list entry outside it: Data Transfer Error', () => {
    const m = new GuestMemory(SIZE);
    expect(resolvePrps(m, 0x10000n, BigInt(SIZE), 3 * PAGE)).toEqual({ ok: false, status: Status.DATA_TRANSFER_ERROR });
    writeList(m, 0x40000, [0x50000, SIZE]);
    expect(resolvePrps(m, 0x10000n, 0x40000n, 3 * PAGE)).toEqual({ ok: false, status: Status.DATA_TRANSFER_ERROR });
  });

  it('a chain pointer outside guest memory: Data Transfer Error', () => {
    const m = new GuestMemory(SIZE);
    writeList(m, 0x40ff0, [0x50000, SIZE]);
    expect(resolvePrps(m, 0x10000n, 0x40ff0n, 4 * PAGE)).toEqual({ ok: false, status: Status.DATA_TRANSFER_ERROR });
  });

  it('PRP1 not dword aligned: PRP Offset Invalid (0/13h)', () => {
    const m = new GuestMemory(SIZE);
    expect(resolvePrps(m, 0x10002n, 0n, 16)).toEqual({ ok: false, status: PRP_OFFSET_INVALID });
    expect(resolvePrps(m, 0x10001n, 0n, 16)).toEqual({ ok: false, status: PRP_OFFSET_INVALID });
    // dword aligned with an offset is fine
    expect(resolvePrps(m, 0x10004n, 0n, 16).ok).toBe(true);
  });

  it('PRP2 data pointer with a non-zero offset: PRP Offset Invalid', () => {
    const m = new GuestMemory(SIZE);
    expect(resolvePrps(m, 0x10000n, 0x20004n, 8192)).toEqual({ ok: false, status: PRP_OFFSET_INVALID });
  });

  it('PRP list pointer not qword aligned: PRP Offset Invalid', () => {
    const m = new GuestMemory(SIZE);
    expect(resolvePrps(m, 0x10000n, 0x40004n, 3 * PAGE)).toEqual({ ok: false, status: PRP_OFFSET_INVALID });
  });

  it('PRP list entry with a non-zero offset: PRP Offset Invalid', () => {
    const m = new GuestMemory(SIZE);
    writeList(m, 0x40000, [0x50000, 0x60010]);
    expect(resolvePrps(m, 0x10000n, 0x40000n, 3 * PAGE)).toEqual({ ok: false, status: PRP_OFFSET_INVALID });
  });

  it('chain pointer not qword aligned: PRP Offset Invalid', () => {
    const m = new GuestMemory(SIZE);
    writeList(m, 0x40ff0, [0x50000, 0x80004]);
    expect(resolvePrps(m, 0x10000n, 0x40ff0n, 4 * PAGE)).toEqual({ ok: false, status: PRP_OFFSET_INVALID });
  });
});

describe('writeSegments / readSegments', () => {
  it('scatter data over the segments in order and gather it back', () => {
    const m = new GuestMemory(SIZE);
    const segs = [{ address: 0x10ffc, length: 4 }, { address: 0x30000, length: 4096 }, { address: 0x50000, length: 8 }];
    const data = Uint8Array.from({ length: 4108 }, (_, i) => (i * 7) & 0xff);
    writeSegments(m, segs, data);
    expect(Array.from(m.read(0x10ffcn, 4))).toEqual([0, 7, 14, 21]);
    expect(m.read(0x30000n, 1)[0]).toBe((4 * 7) & 0xff);
    expect(Array.from(m.read(0x50000n, 8))).toEqual(Array.from(data.subarray(4100)));
    expect(readSegments(m, segs, data.length)).toEqual(data);
  });

  it('writeSegments writes only as much as the data holds', () => {
    const m = new GuestMemory(SIZE);
    const segs = [{ address: 0x10000, length: 4096 }, { address: 0x20000, length: 4096 }];
    writeSegments(m, segs, new Uint8Array(10).fill(9));
    expect(m.read(0x10000n, 11)[9]).toBe(9);
    expect(m.read(0x10000n, 11)[10]).toBe(0);
    expect(m.allocatedBytes).toBe(4096); // the second segment was never touched
  });

  it('readSegments stops at the requested length and zero-pads past the segments', () => {
    const m = new GuestMemory(SIZE);
    m.write(0x10000n, new Uint8Array([1, 2, 3, 4]));
    m.write(0x20000n, new Uint8Array([5, 6]));
    const segs = [{ address: 0x10000, length: 2 }, { address: 0x20000, length: 2 }];
    expect(Array.from(readSegments(m, segs, 3))).toEqual([1, 2, 5]);
    expect(Array.from(readSegments(m, segs, 6))).toEqual([1, 2, 5, 6, 0, 0]);
  });

  it('round-trips through resolved PRPs', () => {
    const m = new GuestMemory(SIZE);
    writeList(m, 0x40000, [0x50000, 0x60000]);
    const segs = segmentsOf(resolvePrps(m, 0x10800n, 0x40000n, 2048 + 4096 + 1000));
    const data = Uint8Array.from({ length: 2048 + 4096 + 1000 }, (_, i) => i & 0xff);
    writeSegments(m, segs, data);
    expect(readSegments(m, segs, data.length)).toEqual(data);
    expect(m.read(0x60000n + 999n, 2)[1]).toBe(0);
  });
});
