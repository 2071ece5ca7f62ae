// Guest physical memory: sparse 4 KiB pages allocated on first write, bounded to `size` bytes;
// tryRead/tryWrite answer out-of-range with undefined/false, read/write throw GuestMemoryError.
import { describe, expect, it } from 'vitest';
import { GuestMemory, GuestMemoryError } from '../../src/device/guest-memory.ts';

const MiB = 1 << 20;
const bytes = (...xs: number[]) => new Uint8Array(xs);

describe('GuestMemory', () => {
  it('accepts only positive multiples of 4096 as its size', () => {
    expect(new GuestMemory(4096).size).toBe(4096);
    expect(() => new GuestMemory(0)).toThrow(RangeError);
    expect(() => new GuestMemory(4095)).toThrow(RangeError);
    expect(() => new GuestMemory(4096 + 1)).toThrow(RangeError);
    expect(() => new GuestMemory(-4096)).toThrow(RangeError);
    expect(() => new GuestMemory(1.5 * 4096)).toThrow(RangeError);
  });

  it('reads untouched pages as zero without allocating them', () => {
    const m = new GuestMemory(MiB);
    const out = m.tryRead(0x3000, 8192)!;
    expect(out.length).toBe(8192);
    expect(out.every((b) => b === 0)).toBe(true);
    expect(m.read(0xff000n, 4096).every((b) => b === 0)).toBe(true);
    expect(m.allocatedBytes).toBe(0);
  });

  it('zero-fills a reused output buffer over untouched pages', () => {
    const m = new GuestMemory(MiB);
    const out = new Uint8Array(16).fill(0xee);
    expect(m.tryRead(0x5000, 16, out)).toBe(out);
    expect(out.every((b) => b === 0)).toBe(true);
  });

  it('reads back what it wrote', () => {
    const m = new GuestMemory(MiB);
    expect(m.tryWrite(0x1234, bytes(1, 2, 3, 4))).toBe(true);
    expect(Array.from(m.tryRead(0x1233, 6)!)).toEqual([0, 1, 2, 3, 4, 0]);
    expect(m.allocatedBytes).toBe(4096);
  });

  it('splits a write across a page boundary and reads it back across the boundary', () => {
    const m = new GuestMemory(MiB);
    const data = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
    m.write(0x1ff8n, data); // 8 bytes in page 1, 8 in page 2
    expect(m.allocatedBytes).toBe(8192);
    expect(Array.from(m.read(0x1ff8n, 16))).toEqual(Array.from(data));
    expect(Array.from(m.read(0x2000n, 8))).toEqual([9, 10, 11, 12, 13, 14, 15, 16]);
    expect(Array.from(m.read(0x1ff0n, 8))).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('a write spanning three pages allocates three pages', () => {
    const m = new GuestMemory(MiB);
    const data = new Uint8Array(4096 + 2).fill(0x5a);
    m.write(0x0fffn, data); // last byte of page 0, all of page 1, first byte of page 2
    expect(m.allocatedBytes).toBe(3 * 4096);
    expect(m.read(0x0fffn, 4098).every((b) => b === 0x5a)).toBe(true);
    expect(m.read(0x0ffen, 1)[0]).toBe(0);
    expect(m.read(0x2001n, 1)[0]).toBe(0);
  });

  it('rewriting a page does not allocate it again', () => {
    const m = new GuestMemory(MiB);
    m.write(0n, bytes(1));
    m.write(0xfffn, bytes(2));
    expect(m.allocatedBytes).toBe(4096);
  });

  it('accepts the last byte and refuses the byte after', () => {
    const m = new GuestMemory(2 * 4096);
    expect(m.tryWrite(8191, bytes(7))).toBe(true);
    expect(m.tryRead(8191, 1)![0]).toBe(7);
    expect(m.tryRead(8191, 2)).toBeUndefined();
    expect(m.tryRead(8192, 1)).toBeUndefined();
    expect(m.tryRead(8192, 0)!.length).toBe(0);
    expect(m.tryWrite(8191, bytes(1, 2))).toBe(false);
    expect(m.tryWrite(8192, bytes(1))).toBe(false);
    expect(m.tryRead(-1, 1)).toBeUndefined();
    expect(m.tryWrite(-1, bytes(1))).toBe(false);
  });

  it('a refused write changes nothing', () => {
    const m = new GuestMemory(2 * 4096);
    expect(m.tryWrite(8190, bytes(1, 2, 3))).toBe(false);
    expect(m.allocatedBytes).toBe(0);
    expect(Array.from(m.tryRead(8190, 2)!)).toEqual([0, 0]);
  });

  it('contains() checks [address, address+length) against size, with bigint addresses', () => {
    const m = new GuestMemory(4096);
    expect(m.contains(0n, 4096)).toBe(true);
    expect(m.contains(1n, 4096)).toBe(false);
    expect(m.contains(4096, 0)).toBe(true);
    expect(m.contains(4096, 1)).toBe(false);
    expect(m.contains(-1n, 1)).toBe(false);
    expect(m.contains(0, -1)).toBe(false);
    expect(m.contains((1n << 64n) - 1n, 1)).toBe(false);
  });

  it('read and write throw GuestMemoryError with the access out of range', () => {
    const m = new GuestMemory(4096);
    let err: unknown;
    try {
      m.read(0xfffn, 2);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GuestMemoryError);
    expect(err).toBeInstanceOf(RangeError);
    expect(err).toMatchObject({ name: 'GuestMemoryError', address: 0xfffn, length: 2, size: 4096 });
    expect(() => m.write(0x1000n, bytes(1))).toThrow(GuestMemoryError);
    expect(() => m.write((1n << 64n) - 1n, bytes(1))).toThrow(GuestMemoryError);
    expect(() => m.read(1n << 53n, 1)).toThrow(GuestMemoryError);
    expect(m.allocatedBytes).toBe(0);
  });
});
