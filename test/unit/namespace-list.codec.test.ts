// NSID lists (NVMe Base 2.0 §5.17.2.2 Active Namespace ID list, §5.16.1.5 Changed Namespace List: 1024 dwords,
// 4096 bytes, FFFFFFFFh in entry 0 on overflow, first zero ends the list) and the Controller List (§4.6.2.1).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  decodeChangedNamespaceList,
  decodeControllerList,
  decodeNsidList,
  encodeChangedNamespaceList,
  encodeControllerList,
  encodeNsidList,
  encodeNsidListFrom,
} from '../../src/spec/namespace-list.codec.ts';
import { CHANGED_NS_LIST_ENTRIES, CHANGED_NS_LIST_OVERFLOW, CHANGED_NS_LIST_SIZE } from '../../src/spec/constants.ts';

const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.length);

describe('NSID list (1024 dwords, 4096 bytes)', () => {
  it('is 4096 bytes with entries as little-endian dwords and zero after the last', () => {
    expect(CHANGED_NS_LIST_SIZE).toBe(4096);
    expect(CHANGED_NS_LIST_ENTRIES).toBe(1024);
    const b = encodeNsidList([1, 2, 0x01020304]);
    expect(b.length).toBe(4096);
    expect(view(b).getUint32(0, true)).toBe(1);
    expect(view(b).getUint32(4, true)).toBe(2);
    expect(view(b).getUint32(8, true)).toBe(0x01020304);
    expect(b[8]).toBe(0x04);
    expect(b.subarray(12).every((x) => x === 0)).toBe(true);
    expect(decodeNsidList(b)).toEqual([1, 2, 0x01020304]);
  });

  it('holds exactly 1024 entries; the 1025th is refused', () => {
    const ids = Array.from({ length: 1024 }, (_, i) => i + 1);
    const b = encodeNsidList(ids);
    expect(view(b).getUint32(4092, true)).toBe(1024);
    expect(decodeNsidList(b)).toEqual(ids);
    expect(() => encodeNsidList([...ids, 1025])).toThrow(RangeError);
  });

  it('an empty list is 4096 zero bytes', () => {
    const b = encodeNsidList([]);
    expect(b.length).toBe(4096);
    expect(b.every((x) => x === 0)).toBe(true);
    expect(decodeNsidList(b)).toEqual([]);
  });

  it('decode stops at the first zero entry', () => {
    const b = new Uint8Array(4096);
    const v = view(b);
    v.setUint32(0, 5, true);
    v.setUint32(4, 9, true);
    v.setUint32(12, 77, true); // after the zero in entry 2: not part of the list
    expect(decodeNsidList(b)).toEqual([5, 9]);
  });

  it('decodes a short buffer (a short read) and ignores a trailing partial dword', () => {
    const b = new Uint8Array(10);
    view(b).setUint32(0, 3, true);
    view(b).setUint32(4, 4, true);
    b[8] = 0xff;
    b[9] = 0xff;
    expect(decodeNsidList(b)).toEqual([3, 4]);
    expect(decodeNsidList(new Uint8Array(3))).toEqual([]);
    expect(decodeNsidList(new Uint8Array(0))).toEqual([]);
  });

  it('decodes from a subarray at a non-zero byte offset', () => {
    const backing = new Uint8Array(16);
    view(backing).setUint32(4, 0xaabbccdd, true);
    view(backing).setUint32(8, 6, true);
    expect(decodeNsidList(backing.subarray(4, 12))).toEqual([0xaabbccdd, 6]);
  });
});

describe('Changed Namespace List (NVMe Base 2.0 §5.16.1.5)', () => {
  it('overflow is FFFFFFFFh in entry 0 and zero everywhere else', () => {
    expect(CHANGED_NS_LIST_OVERFLOW).toBe(0xffffffff);
    const b = encodeChangedNamespaceList({ overflow: true });
    expect(b.length).toBe(4096);
    expect(Array.from(b.subarray(0, 4))).toEqual([0xff, 0xff, 0xff, 0xff]);
    expect(b.subarray(4).every((x) => x === 0)).toBe(true);
    expect(decodeChangedNamespaceList(b)).toEqual({ overflow: true });
  });

  it('round-trips a list without overflow', () => {
    const b = encodeChangedNamespaceList({ overflow: false, nsids: [2, 7, 1024] });
    expect(view(b).getUint32(8, true)).toBe(1024);
    expect(decodeChangedNamespaceList(b)).toEqual({ overflow: false, nsids: [2, 7, 1024] });
    expect(decodeChangedNamespaceList(new Uint8Array(4096))).toEqual({ overflow: false, nsids: [] });
  });

  it('recognises the overflow marker in a 4-byte short read', () => {
    expect(decodeChangedNamespaceList(new Uint8Array([0xff, 0xff, 0xff, 0xff]))).toEqual({ overflow: true });
  });

  it('FFFFFFFFh in an entry other than 0 is not overflow', () => {
    const b = encodeNsidList([1, 0xffffffff]);
    expect(decodeChangedNamespaceList(b)).toEqual({ overflow: false, nsids: [1, 0xffffffff] });
  });
});

describe('Controller List (NVMe Base 2.0 §4.6.2.1)', () => {
  it('NUMID at bytes 0-1, then 16-bit identifiers from byte 2', () => {
    const b = encodeControllerList([0x1234, 0x0001]);
    expect(b.length).toBe(4096);
    expect(view(b).getUint16(0, true)).toBe(2);
    expect(view(b).getUint16(2, true)).toBe(0x1234);
    expect(view(b).getUint16(4, true)).toBe(0x0001);
    expect(b.subarray(6).every((x) => x === 0)).toBe(true);
    expect(decodeControllerList(b)).toEqual([0x1234, 0x0001]);
  });

  it('holds at most 2047 identifiers (2 + 2047*2 = 4096 bytes)', () => {
    const ids = Array.from({ length: 2047 }, (_, i) => i);
    const b = encodeControllerList(ids);
    expect(view(b).getUint16(4094, true)).toBe(2046);
    expect(decodeControllerList(b)).toEqual(ids);
    expect(() => encodeControllerList([...ids, 2047])).toThrow(RangeError);
  });

  it('clamps NUMID to 2047 and to what the buffer holds', () => {
    const b = new Uint8Array(4096);
    view(b).setUint16(0, 0xffff, true);
    expect(decodeControllerList(b).length).toBe(2047);
    const short = new Uint8Array(7); // NUMID 5 but room for 2 ids
    view(short).setUint16(0, 5, true);
    view(short).setUint16(2, 11, true);
    view(short).setUint16(4, 12, true);
    expect(decodeControllerList(short)).toEqual([11, 12]);
  });

  it('an empty list decodes to no identifiers', () => {
    expect(decodeControllerList(encodeControllerList([]))).toEqual([]);
  });
});

describe('encodeNsidListFrom', () => {
  it('encodes the same page as encodeNsidList of the slice, for any list and start', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 0xfffffffe }), { maxLength: 2500 }), fc.nat(2600), (nsids, start) => {
        const want = Array.from(encodeNsidList(nsids.slice(start, start + 1024)));
        expect(Array.from(encodeNsidListFrom(nsids, start))).toEqual(want);
        expect(Array.from(encodeNsidListFrom(Uint32Array.from(nsids), start))).toEqual(want);
        // An output that is not dword-aligned takes the byte-by-byte path.
        const odd = new Uint8Array(4097);
        expect(Array.from(encodeNsidListFrom(Uint32Array.from(nsids), start, odd.subarray(1)))).toEqual(want);
      }),
      { numRuns: 50 },
    );
  });

  it('refuses a negative or fractional start and a short buffer', () => {
    expect(() => encodeNsidListFrom([1], -1)).toThrow(RangeError);
    expect(() => encodeNsidListFrom([1], 0.5)).toThrow(RangeError);
    expect(() => encodeNsidListFrom([1], 0, new Uint8Array(100))).toThrow(RangeError);
  });
});
