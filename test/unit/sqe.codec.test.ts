// Submission Queue Entry codec (NVMe Base 2.0 §4.2, Figure 87): 64 bytes, CDW0 = OPC[7:0] | FUSE[9:8] |
// PSDT[15:14] | CID[31:16], NSID at byte 4, CDW2/3 at 8/12, MPTR at 16, PRP1 at 24, PRP2 at 32, CDW10..15 at 40..60.
import { describe, expect, it } from 'vitest';
import { decodeSqe, encodeSqe, sqe, type Sqe } from '../../src/spec/sqe.codec.ts';
import { SQE_SIZE } from '../../src/spec/constants.ts';

const U64_MAX = (1n << 64n) - 1n;

const full: Sqe = {
  opcode: 0x02, fuse: 0x1, psdt: 0x2, cid: 0xbeef, nsid: 0x11223344,
  cdw2: 0xa0a1a2a3, cdw3: 0xb0b1b2b3,
  mptr: 0x0102030405060708n, prp1: 0x1112131415161718n, prp2: 0x2122232425262728n,
  cdw10: 0xc0c1c2c3, cdw11: 0xd0d1d2d3, cdw12: 0xe0e1e2e3, cdw13: 0xf0f1f2f3, cdw14: 0x01020304, cdw15: 0x05060708,
};

const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.length);

describe('SQE codec (NVMe Base 2.0 §4.2)', () => {
  it('encodes to exactly 64 bytes and round-trips every field', () => {
    const bytes = encodeSqe(full);
    expect(SQE_SIZE).toBe(64);
    expect(bytes.length).toBe(64);
    expect(decodeSqe(bytes)).toEqual(full);
  });

  it('packs opcode [7:0], FUSE [9:8], PSDT [15:14] and CID [31:16] into CDW0', () => {
    const v = view(encodeSqe(full));
    expect(v.getUint32(0, true)).toBe((0x02 | (0x1 << 8) | (0x2 << 14) | (0xbeef << 16)) >>> 0);
    expect(v.getUint32(0, true)).toBe(0xbeef8102);
    expect(v.getUint8(0)).toBe(0x02);
    expect(v.getUint16(2, true)).toBe(0xbeef);
  });

  it('keeps FUSE and PSDT apart from each other and from the opcode', () => {
    const fuseOnly = view(encodeSqe(sqe({ opcode: 0, fuse: 0x3 }))).getUint32(0, true);
    const psdtOnly = view(encodeSqe(sqe({ opcode: 0, psdt: 0x3 }))).getUint32(0, true);
    expect(fuseOnly).toBe(0x00000300);
    expect(psdtOnly).toBe(0x0000c000);
    expect(decodeSqe(encodeSqe(sqe({ opcode: 0xff, fuse: 3, psdt: 3, cid: 0 })))).toMatchObject({ opcode: 0xff, fuse: 3, psdt: 3, cid: 0 });
  });

  it('places NSID at 4, CDW2 at 8, CDW3 at 12', () => {
    const v = view(encodeSqe(full));
    expect(v.getUint32(4, true)).toBe(0x11223344);
    expect(v.getUint32(8, true)).toBe(0xa0a1a2a3);
    expect(v.getUint32(12, true)).toBe(0xb0b1b2b3);
  });

  it('places MPTR at 16, PRP1 at 24 and PRP2 at 32 as little-endian 64-bit values', () => {
    const bytes = encodeSqe(full);
    const v = view(bytes);
    expect(v.getBigUint64(16, true)).toBe(0x0102030405060708n);
    expect(v.getBigUint64(24, true)).toBe(0x1112131415161718n);
    expect(v.getBigUint64(32, true)).toBe(0x2122232425262728n);
    // little-endian: the low byte first
    expect(bytes[16]).toBe(0x08);
    expect(bytes[23]).toBe(0x01);
    expect(bytes[24]).toBe(0x18);
    expect(bytes[32]).toBe(0x28);
  });

  it('places CDW10..CDW15 at bytes 40, 44, 48, 52, 56, 60', () => {
    const v = view(encodeSqe(full));
    expect([40, 44, 48, 52, 56, 60].map((at) => v.getUint32(at, true))).toEqual([
      0xc0c1c2c3, 0xd0d1d2d3, 0xe0e1e2e3, 0xf0f1f2f3, 0x01020304, 0x05060708,
    ]);
  });

  it('carries high-bit values: 0xFFFFFFFF dwords, CID 0xFFFF and 2^64-1 pointers', () => {
    const s = sqe({
      opcode: 0xff, fuse: 3, psdt: 3, cid: 0xffff, nsid: 0xffffffff, cdw2: 0xffffffff, cdw3: 0xffffffff,
      mptr: U64_MAX, prp1: U64_MAX, prp2: U64_MAX,
      cdw10: 0xffffffff, cdw11: 0xffffffff, cdw12: 0xffffffff, cdw13: 0xffffffff, cdw14: 0xffffffff, cdw15: 0xffffffff,
    });
    const bytes = encodeSqe(s);
    // every bit that exists in the layout is set: CDW0 bits 13:10 are reserved and stay clear
    expect(view(bytes).getUint32(0, true)).toBe(0xffffc3ff);
    expect(bytes.subarray(4).every((b) => b === 0xff)).toBe(true);
    const back = decodeSqe(bytes);
    expect(back).toEqual(s);
    expect(back.cid).toBe(0xffff);
    expect(back.nsid).toBe(0xffffffff);
    expect(back.prp2).toBe(U64_MAX);
    expect(back.cdw15).toBe(0xffffffff);
  });

  it('writes into a caller buffer at its byte offset and leaves the rest alone', () => {
    const backing = new Uint8Array(64 * 3).fill(0xaa);
    const slot = backing.subarray(64, 128);
    encodeSqe(sqe({ opcode: 0x06, cid: 1, nsid: 1 }), slot);
    expect(backing.subarray(0, 64).every((b) => b === 0xaa)).toBe(true);
    expect(backing.subarray(128).every((b) => b === 0xaa)).toBe(true);
    expect(decodeSqe(backing.subarray(64, 128))).toEqual(sqe({ opcode: 0x06, cid: 1, nsid: 1 }));
  });

  it('sqe() zero-fills every field not given', () => {
    const bytes = encodeSqe(sqe({ opcode: 0x0c }));
    expect(bytes[0]).toBe(0x0c);
    expect(bytes.subarray(1).every((b) => b === 0)).toBe(true);
  });

  it('rejects buffers shorter than 64 bytes', () => {
    expect(() => encodeSqe(full, new Uint8Array(63))).toThrow(RangeError);
    expect(() => decodeSqe(new Uint8Array(63))).toThrow(RangeError);
  });
});
