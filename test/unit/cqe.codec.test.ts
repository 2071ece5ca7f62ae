// Completion Queue Entry codec (NVMe Base 2.0 §4.2.1, Figures 89–91): 16 bytes, DW0, DW1,
// DW2 = SQHD[15:0] | SQID[31:16], DW3 = CID[15:0] | P[16] | SC[24:17] | SCT[27:25] | CRD[29:28] | M[30] | DNR[31].
import { describe, expect, it } from 'vitest';
import { cqePhase, decodeCqe, encodeCqe, statusField, type Cqe } from '../../src/spec/cqe.codec.ts';
import { CQE_SIZE, Status } from '../../src/spec/constants.ts';

const base: Cqe = { dw0: 0, dw1: 0, sqhd: 0, sqid: 0, cid: 0, phase: 0, status: Status.SUCCESS, crd: 0, more: false };
const dw = (b: Uint8Array, i: number) => new DataView(b.buffer, b.byteOffset, b.length).getUint32(i * 4, true);

describe('CQE codec (NVMe Base 2.0 §4.2.1)', () => {
  it('places SQHD, SQID, CID, phase, SC, SCT and DNR at their bits', () => {
    const bytes = encodeCqe({ dw0: 0x00040002, dw1: 0, sqhd: 0x1234, sqid: 0, cid: 0xbeef, phase: 1, status: Status.withDnr(Status.AER_LIMIT_EXCEEDED), crd: 0, more: false });
    expect(bytes.length).toBe(16);
    const v = new DataView(bytes.buffer);
    expect(v.getUint32(0, true)).toBe(0x00040002);
    expect(v.getUint32(8, true)).toBe(0x1234);
    // DW3: CID 0xbeef, P=1 (bit 16), SC 05h at 24:17, SCT 1 at 27:25, DNR bit 31
    expect(v.getUint32(12, true) >>> 0).toBe((0xbeef | (1 << 16) | (0x05 << 17) | (1 << 25) | (1 << 31)) >>> 0);
    const back = decodeCqe(bytes);
    expect(back).toMatchObject({ cid: 0xbeef, sqhd: 0x1234, phase: 1, status: { sct: 1, sc: 5, dnr: true } });
  });

  it('is 16 bytes; DW0 at 0, DW1 at 4, SQHD at 8, SQID at 10, CID at 12', () => {
    expect(CQE_SIZE).toBe(16);
    const bytes = encodeCqe({ ...base, dw0: 0xdeadbeef, dw1: 0xcafef00d, sqhd: 0xabcd, sqid: 0x1357, cid: 0x2468 });
    const v = new DataView(bytes.buffer);
    expect(v.getUint32(0, true)).toBe(0xdeadbeef);
    expect(v.getUint32(4, true)).toBe(0xcafef00d);
    expect(v.getUint16(8, true)).toBe(0xabcd);
    expect(v.getUint16(10, true)).toBe(0x1357);
    expect(v.getUint16(12, true)).toBe(0x2468);
    expect(v.getUint32(8, true)).toBe(0x1357abcd);
  });

  it('puts each DW3 field in its own bits and nowhere else', () => {
    expect(dw(encodeCqe({ ...base, cid: 0xffff }), 3)).toBe(0x0000ffff);
    expect(dw(encodeCqe({ ...base, phase: 1 }), 3)).toBe(0x00010000);
    expect(dw(encodeCqe({ ...base, status: { sct: 0, sc: 0xff, dnr: false } }), 3)).toBe(0x01fe0000);
    expect(dw(encodeCqe({ ...base, status: { sct: 7, sc: 0, dnr: false } }), 3)).toBe(0x0e000000);
    expect(dw(encodeCqe({ ...base, crd: 3 }), 3)).toBe(0x30000000);
    expect(dw(encodeCqe({ ...base, crd: 1 }), 3)).toBe(0x10000000);
    expect(dw(encodeCqe({ ...base, crd: 2 }), 3)).toBe(0x20000000);
    expect(dw(encodeCqe({ ...base, more: true }), 3)).toBe(0x40000000);
    expect(dw(encodeCqe({ ...base, status: { sct: 0, sc: 0, dnr: true } }), 3)).toBe(0x80000000);
  });

  it('sets every DW3 bit when every field is at its maximum, and decodes them back', () => {
    const c: Cqe = { dw0: 0xffffffff, dw1: 0xffffffff, sqhd: 0xffff, sqid: 0xffff, cid: 0xffff, phase: 1, status: { sct: 7, sc: 0xff, dnr: true }, crd: 3, more: true };
    const bytes = encodeCqe(c);
    expect(bytes.every((b) => b === 0xff)).toBe(true);
    expect(decodeCqe(bytes)).toEqual(c);
  });

  it('round-trips a mixed entry exactly', () => {
    const c: Cqe = { dw0: 0x00040002, dw1: 7, sqhd: 31, sqid: 0, cid: 0x8001, phase: 0, status: Status.withDnr(Status.INVALID_LOG_PAGE), crd: 2, more: true };
    const back = decodeCqe(encodeCqe(c));
    expect(back).toEqual(c);
    expect(dw(encodeCqe(c), 3)).toBe((0x8001 | (0x09 << 17) | (1 << 25) | (2 << 28) | (1 << 30) | (1 << 31)) >>> 0);
  });

  it('statusField is DW3 bits 31:17 with the phase bit clear', () => {
    expect(statusField(Status.SUCCESS)).toBe(0);
    expect(statusField(Status.INVALID_FIELD) >>> 0).toBe(0x00040000);
    expect(statusField(Status.AER_LIMIT_EXCEEDED) >>> 0).toBe(0x020a0000);
    expect(statusField(Status.withDnr(Status.INVALID_OPCODE)) >>> 0).toBe(0x80020000);
    expect(statusField(Status.SUCCESS, 3, true) >>> 0).toBe(0x70000000);
    // DW3[31:16] in the "raw" style of the reference facts §1.3: AERL exceeded = 0x020A
    expect((statusField(Status.AER_LIMIT_EXCEEDED) >>> 16) & 0xffff).toBe(0x020a);
    expect(statusField({ sct: 7, sc: 0xff, dnr: true }, 3, true) & 0x10000).toBe(0);
  });

  it('cqePhase reads bit 16 of DW3 (bit 0 of byte 14) only', () => {
    expect(cqePhase(encodeCqe({ ...base, phase: 1 }))).toBe(1);
    expect(cqePhase(encodeCqe({ ...base, phase: 0, cid: 0xffff, status: { sct: 7, sc: 0xff, dnr: true }, crd: 3, more: true }))).toBe(0);
    const raw = new Uint8Array(16);
    raw[14] = 0x01;
    expect(cqePhase(raw)).toBe(1);
    raw[14] = 0xfe;
    expect(cqePhase(raw)).toBe(0);
  });

  it('encodes into a slot of a larger buffer without touching its neighbours', () => {
    const ring = new Uint8Array(48).fill(0x55);
    encodeCqe({ ...base, cid: 3, phase: 1 }, ring.subarray(16, 32));
    expect(ring.subarray(0, 16).every((b) => b === 0x55)).toBe(true);
    expect(ring.subarray(32).every((b) => b === 0x55)).toBe(true);
    expect(decodeCqe(ring.subarray(16, 32))).toMatchObject({ cid: 3, phase: 1, status: { sct: 0, sc: 0, dnr: false } });
  });

  it('rejects buffers shorter than 16 bytes', () => {
    expect(() => encodeCqe(base, new Uint8Array(15))).toThrow(RangeError);
    expect(() => decodeCqe(new Uint8Array(15))).toThrow(RangeError);
  });
});
