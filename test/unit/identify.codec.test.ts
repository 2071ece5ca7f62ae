// Identify data structures (NVMe Base 2.0 §5.17.2): Identify Controller (CNS 01h) and Identify Namespace (CNS 00h),
// 4096 bytes each, fields at their spec byte offsets.
import { describe, expect, it } from 'vitest';
import {
  decodeIdentifyController,
  decodeIdentifyNamespace,
  encodeIdentifyController,
  encodeIdentifyNamespace,
  type IdentifyController,
  type IdentifyNamespace,
  OACS_NAMESPACE_MANAGEMENT,
  OAES_NAMESPACE_ATTRIBUTE_NOTICES,
} from '../../src/spec/identify.codec.ts';
import { IDENTIFY_SIZE } from '../../src/spec/constants.ts';

const ctrl: IdentifyController = {
  vid: 0x1b36, ssvid: 0x1af4, sn: 'SN-0001', mn: 'nvme-actors model', fr: '1.0', mdts: 5,
  cntlid: 0x1234, ver: 0x00020000, oaes: 0x00000100, oacs: 0x0008, acl: 3, aerl: 3, lpa: 0x04, elpe: 0x3f,
  frmw: 0x15, wctemp: 343, cctemp: 373, mtfa: 10, sqes: 0x66, cqes: 0x44, nn: 0x01020304, subnqn: 'nqn.2026-11.io.nvme-actors:ctrl-SN-0001',
};
const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.length);
const ascii = (b: Uint8Array, at: number, len: number) => String.fromCharCode(...b.subarray(at, at + len));

describe('Identify Controller (NVMe Base 2.0 §5.17.2.1)', () => {
  const bytes = encodeIdentifyController(ctrl);
  const v = view(bytes);

  it('is 4096 bytes and round-trips', () => {
    expect(IDENTIFY_SIZE).toBe(4096);
    expect(bytes.length).toBe(4096);
    expect(decodeIdentifyController(bytes)).toEqual(ctrl);
  });

  it('VID at 0-1, SSVID at 2-3', () => {
    expect(v.getUint16(0, true)).toBe(0x1b36);
    expect(v.getUint16(2, true)).toBe(0x1af4);
  });

  it('SN at 4-23, space padded ASCII', () => {
    expect(ascii(bytes, 4, 20)).toBe('SN-0001             ');
    expect(bytes[4]).toBe(0x53);
    expect(bytes[10]).toBe(0x31);
    expect(bytes[11]).toBe(0x20);
    expect(bytes[23]).toBe(0x20);
    expect(bytes[24]).toBe('n'.charCodeAt(0)); // MN begins right after
  });

  it('MN at 24-63 and FR at 64-71, space padded', () => {
    expect(ascii(bytes, 24, 40)).toBe('nvme-actors model'.padEnd(40, ' '));
    expect(ascii(bytes, 64, 8)).toBe('1.0     ');
  });

  it('truncates an SN longer than 20 characters', () => {
    const b = encodeIdentifyController({ ...ctrl, sn: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ' });
    expect(ascii(b, 4, 20)).toBe('ABCDEFGHIJKLMNOPQRST');
    expect(b[24]).toBe('n'.charCodeAt(0));
    expect(decodeIdentifyController(b).sn).toBe('ABCDEFGHIJKLMNOPQRST');
  });

  it('MDTS at 77, CNTLID at 78-79, VER at 80-83', () => {
    expect(bytes[77]).toBe(5);
    expect(v.getUint16(78, true)).toBe(0x1234);
    expect(bytes[78]).toBe(0x34);
    expect(bytes[79]).toBe(0x12);
    expect(v.getUint32(80, true)).toBe(0x00020000);
    expect(bytes[82]).toBe(0x02); // MJR in byte 82
  });

  it('OAES at 92-95 (bit 8 Namespace Attribute Notices)', () => {
    expect(OAES_NAMESPACE_ATTRIBUTE_NOTICES).toBe(0x100);
    expect(v.getUint32(92, true)).toBe(0x00000100);
    expect(bytes[93]).toBe(0x01);
    const b = encodeIdentifyController({ ...ctrl, oaes: 0x80000900 });
    expect(view(b).getUint32(92, true)).toBe(0x80000900);
    expect(decodeIdentifyController(b).oaes).toBe(0x80000900);
  });

  it('OACS at 256-257 (bit 3 Namespace Management), ACL 258, AERL 259, FRMW 260, LPA 261, ELPE 262, WCTEMP 266, CCTEMP 268, MTFA 270', () => {
    expect(OACS_NAMESPACE_MANAGEMENT).toBe(0x8);
    expect(v.getUint16(256, true)).toBe(0x0008);
    expect(bytes[258]).toBe(3);
    expect(bytes[259]).toBe(3);
    expect(bytes[260]).toBe(0x15);
    expect(bytes[261]).toBe(0x04);
    expect(bytes[262]).toBe(0x3f);
    expect(v.getUint16(266, true)).toBe(343);
    expect(v.getUint16(268, true)).toBe(373);
    expect(v.getUint16(270, true)).toBe(10);
  });

  it('SQES at 512, CQES at 513, NN at 516-519', () => {
    expect(bytes[512]).toBe(0x66);
    expect(bytes[513]).toBe(0x44);
    expect(v.getUint32(516, true)).toBe(0x01020304);
    expect(bytes[516]).toBe(0x04);
    expect(bytes[519]).toBe(0x01);
  });

  it('SUBNQN at 768, NUL terminated', () => {
    const nqn = new TextEncoder().encode(ctrl.subnqn);
    expect(bytes.subarray(768, 768 + nqn.length)).toEqual(nqn);
    expect(bytes[768 + nqn.length]).toBe(0);
  });

  it('leaves every byte outside the encoded fields zero', () => {
    const written = new Set<number>();
    const mark = (at: number, len: number) => { for (let i = 0; i < len; i++) written.add(at + i); };
    mark(0, 72); mark(77, 7); mark(92, 4); mark(256, 4); mark(260, 3); mark(266, 6); mark(512, 2); mark(516, 4); mark(768, 256);
    const stray = [...bytes.keys()].filter((i) => !written.has(i) && bytes[i] !== 0);
    expect(stray).toEqual([]);
  });

  it('decodes large values at the top of their range', () => {
    const c = { ...ctrl, vid: 0xffff, cntlid: 0xffff, ver: 0xffffffff, oaes: 0xffffffff, oacs: 0xffff, nn: 0xffffffff };
    expect(decodeIdentifyController(encodeIdentifyController(c))).toEqual(c);
  });

  it('rejects a short buffer on decode', () => {
    expect(() => decodeIdentifyController(new Uint8Array(4095))).toThrow(RangeError);
  });
});

describe('Identify Namespace (NVMe Base 2.0 §5.17.2.2 / NVM Command Set §4.1.5.1)', () => {
  const ns: IdentifyNamespace = { nsze: 0x0000000100000800n, ncap: 0x00000000000007ffn, nuse: 0x0000000000000400n, nlbaf: 0, flbas: 0, lbaf0: { ms: 8, lbads: 12 } };
  const bytes = encodeIdentifyNamespace(ns);
  const v = view(bytes);

  it('is 4096 bytes and round-trips', () => {
    expect(bytes.length).toBe(4096);
    expect(decodeIdentifyNamespace(bytes)).toEqual(ns);
  });

  it('NSZE at 0-7, NCAP at 8-15, NUSE at 16-23', () => {
    expect(v.getBigUint64(0, true)).toBe(0x0000000100000800n);
    expect(v.getBigUint64(8, true)).toBe(0x7ffn);
    expect(v.getBigUint64(16, true)).toBe(0x400n);
    expect(bytes[4]).toBe(0x01); // NSZE bit 32
  });

  it('NLBAF at 25, FLBAS at 26', () => {
    const b = encodeIdentifyNamespace({ ...ns, nlbaf: 3, flbas: 0x12 });
    expect(b[24]).toBe(0);
    expect(b[25]).toBe(3);
    expect(b[26]).toBe(0x12);
  });

  it('LBAF0 at 128-131: MS at 128-129, LBADS at byte 130', () => {
    expect(v.getUint16(128, true)).toBe(8);
    expect(bytes[130]).toBe(12);
    expect(bytes[131]).toBe(0);
    expect(v.getUint32(128, true)).toBe(0x000c0008);
    const b = encodeIdentifyNamespace({ ...ns, lbaf0: { ms: 0, lbads: 9 } });
    expect(b[130]).toBe(9);
    expect(decodeIdentifyNamespace(b).lbaf0).toEqual({ ms: 0, lbads: 9 });
  });

  it('carries 64-bit sizes up to 2^64-1', () => {
    const max = (1n << 64n) - 1n;
    const b = encodeIdentifyNamespace({ ...ns, nsze: max, ncap: max, nuse: max });
    expect(b.subarray(0, 24).every((x) => x === 0xff)).toBe(true);
    expect(decodeIdentifyNamespace(b)).toMatchObject({ nsze: max, ncap: max, nuse: max });
  });

  it('rejects a short buffer on decode', () => {
    expect(() => decodeIdentifyNamespace(new Uint8Array(131))).toThrow(RangeError);
  });
});
