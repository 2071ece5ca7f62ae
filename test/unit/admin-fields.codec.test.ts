// Command-specific dwords of the admin commands (NVMe Base 2.0 §5.16 Get Log Page, §5.17 Identify, §5.27/§5.15
// Set/Get Features, §5.1 Abort, §5.23 Namespace Attachment) and the AEN completion DW0 (§5.2).
import { describe, expect, it } from 'vitest';
import {
  decodeAbort,
  decodeAenDw0,
  decodeFeatures,
  decodeGetLogPage,
  decodeIdentify,
  decodeNamespaceAttachment,
  decodeNumberOfQueues,
  encodeAbort,
  encodeAenDw0,
  encodeFeatures,
  encodeGetLogPage,
  encodeIdentify,
  encodeNamespaceAttachment,
  encodeNumberOfQueues,
} from '../../src/spec/admin-fields.codec.ts';
import { AsyncEventInfo, AsyncEventType, LogPage } from '../../src/spec/constants.ts';

describe('Get Log Page CDW10–13 (NVMe Base 2.0 §5.16)', () => {
  it('puts LID in CDW10[7:0] and NUMDL (0\'s based) in CDW10[31:16]', () => {
    const d = encodeGetLogPage({ lid: 0x04, numd: 1024 });
    expect(d.cdw10).toBe(0x03ff0004); // SPDK's read of the Changed NS List, RAE=0 (facts §5, spdk#2647)
    expect(d.cdw11).toBe(0);
    expect(d.cdw12).toBe(0);
    expect(d.cdw13).toBe(0);
  });

  it('encodes numd = 1 as NUMD 0', () => {
    expect(encodeGetLogPage({ lid: 0x02, numd: 1 })).toEqual({ cdw10: 0x00000002, cdw11: 0, cdw12: 0, cdw13: 0 });
  });

  it('puts RAE in CDW10 bit 15', () => {
    expect(encodeGetLogPage({ lid: 0x04, numd: 1, rae: true }).cdw10).toBe(0x00008004);
    expect(encodeGetLogPage({ lid: 0x04, numd: 1, rae: false }).cdw10).toBe(0x00000004);
    expect(decodeGetLogPage({ cdw10: 0x00008004, cdw11: 0, cdw12: 0, cdw13: 0 }).rae).toBe(true);
    expect(decodeGetLogPage({ cdw10: 0xffff7fff, cdw11: 0, cdw12: 0, cdw13: 0 }).rae).toBe(false);
  });

  it('puts LSP in CDW10[14:8], seven bits, without reaching RAE', () => {
    expect(encodeGetLogPage({ lid: 0, numd: 1, lsp: 0x7f }).cdw10).toBe(0x00007f00);
    expect(encodeGetLogPage({ lid: 0, numd: 1, lsp: 0xff }).cdw10).toBe(0x00007f00);
    expect(decodeGetLogPage({ cdw10: 0x00007f00, cdw11: 0, cdw12: 0, cdw13: 0 })).toMatchObject({ lsp: 0x7f, rae: false, lid: 0 });
    expect(decodeGetLogPage({ cdw10: 0x0000ff00, cdw11: 0, cdw12: 0, cdw13: 0 })).toMatchObject({ lsp: 0x7f, rae: true });
  });

  it('splits NUMD across NUMDL (CDW10[31:16]) and NUMDU (CDW11[15:0]) when numd > 65536', () => {
    // numd 65537 -> NUMD 0x10000: NUMDL 0, NUMDU 1
    expect(encodeGetLogPage({ lid: 0x04, numd: 65537 })).toMatchObject({ cdw10: 0x00000004, cdw11: 0x00000001 });
    // numd 65536 -> NUMD 0xFFFF: fits NUMDL alone
    expect(encodeGetLogPage({ lid: 0x04, numd: 65536 })).toMatchObject({ cdw10: 0xffff0004, cdw11: 0 });
    // numd 0x12345679 -> NUMD 0x12345678: NUMDL 0x5678, NUMDU 0x1234
    expect(encodeGetLogPage({ lid: 0x01, numd: 0x12345679 })).toMatchObject({ cdw10: 0x56780001, cdw11: 0x00001234 });
    expect(decodeGetLogPage({ cdw10: 0x56780001, cdw11: 0x00001234, cdw12: 0, cdw13: 0 }).numd).toBe(0x12345679);
    expect(decodeGetLogPage({ cdw10: 0x00000004, cdw11: 0x00000001, cdw12: 0, cdw13: 0 }).numd).toBe(65537);
  });

  it('handles the largest NUMD (2^32 dwords) and rejects numd outside 1..2^32', () => {
    const d = encodeGetLogPage({ lid: 0x04, numd: 2 ** 32 });
    expect(d).toMatchObject({ cdw10: 0xffff0004, cdw11: 0x0000ffff });
    expect(decodeGetLogPage({ ...d }).numd).toBe(2 ** 32);
    expect(() => encodeGetLogPage({ lid: 0x04, numd: 0 })).toThrow(RangeError);
    expect(() => encodeGetLogPage({ lid: 0x04, numd: 2 ** 32 + 1 })).toThrow(RangeError);
    expect(() => encodeGetLogPage({ lid: 0x04, numd: 1.5 })).toThrow(RangeError);
  });

  it('puts LSI in CDW11[31:16] beside NUMDU', () => {
    const d = encodeGetLogPage({ lid: 0x04, numd: 65537, lsi: 0xabcd });
    expect(d.cdw11).toBe(0xabcd0001);
    expect(decodeGetLogPage({ cdw10: 0, cdw11: 0xabcd0001, cdw12: 0, cdw13: 0 })).toMatchObject({ lsi: 0xabcd, numd: 65537 });
  });

  it('carries the 64-bit byte offset as LPOL (CDW12) and LPOU (CDW13)', () => {
    const d = encodeGetLogPage({ lid: 0x04, numd: 1, offset: 0x0000000123456788n });
    expect(d.cdw12).toBe(0x23456788);
    expect(d.cdw13).toBe(0x00000001);
    const max = encodeGetLogPage({ lid: 0x04, numd: 1, offset: (1n << 64n) - 4n });
    expect(max.cdw12).toBe(0xfffffffc);
    expect(max.cdw13).toBe(0xffffffff);
    expect(decodeGetLogPage({ cdw10: 0, cdw11: 0, cdw12: 0xfffffffc, cdw13: 0xffffffff }).offset).toBe((1n << 64n) - 4n);
    expect(decodeGetLogPage({ cdw10: 0, cdw11: 0, cdw12: 0x80000000, cdw13: 0 }).offset).toBe(0x80000000n);
  });

  it('round-trips every field at once', () => {
    const f = { lid: 0x04, lsp: 0x15, rae: true, numd: 0x20001, lsi: 0x0102, offset: 0x1_0000_1000n };
    const d = encodeGetLogPage(f);
    expect(d).toEqual({ cdw10: (0x04 | (0x15 << 8) | (1 << 15) | (0x0000 << 16)) >>> 0, cdw11: 0x01020002, cdw12: 0x00001000, cdw13: 0x00000001 });
    expect(decodeGetLogPage(d)).toEqual(f);
  });
});

describe('Identify CDW10 (NVMe Base 2.0 §5.17)', () => {
  it('puts CNS in [7:0] and CNTID in [31:16]', () => {
    expect(encodeIdentify({ cns: 0x01 }).cdw10).toBe(0x00000001);
    expect(encodeIdentify({ cns: 0x02, cntid: 0xfffe }).cdw10).toBe(0xfffe0002);
    expect(decodeIdentify({ cdw10: 0xfffe0002 })).toEqual({ cns: 0x02, cntid: 0xfffe });
    expect(decodeIdentify({ cdw10: 0x0000ff00 })).toEqual({ cns: 0, cntid: 0 });
  });
});

describe('Set/Get Features CDW10–11 (NVMe Base 2.0 §5.27, §5.15)', () => {
  it('puts FID in [7:0], SEL in [10:8], SV in bit 31 and the value in CDW11', () => {
    expect(encodeFeatures({ fid: 0x0b, value: 0x100 })).toEqual({ cdw10: 0x0000000b, cdw11: 0x00000100 });
    expect(encodeFeatures({ fid: 0x0b, sel: 0x3 }).cdw10).toBe(0x0000030b);
    expect(encodeFeatures({ fid: 0x0b, sel: 0xf }).cdw10).toBe(0x0000070b);
    expect(encodeFeatures({ fid: 0x07, sv: true, value: 0xffffffff })).toEqual({ cdw10: 0x80000007, cdw11: 0xffffffff });
    expect(decodeFeatures({ cdw10: 0x8000070b, cdw11: 0xffffffff })).toEqual({ fid: 0x0b, sel: 7, sv: true, value: 0xffffffff });
    expect(decodeFeatures({ cdw10: 0x0000000b, cdw11: 0x100 })).toEqual({ fid: 0x0b, sel: 0, sv: false, value: 0x100 });
  });

  it('Number of Queues value: NSQR [15:0], NCQR [31:16]', () => {
    expect(encodeNumberOfQueues({ nsqr: 0x0003, ncqr: 0x0007 })).toBe(0x00070003);
    expect(encodeNumberOfQueues({ nsqr: 0xffff, ncqr: 0xffff })).toBe(0xffffffff);
    expect(decodeNumberOfQueues(0xfffe0001)).toEqual({ nsqr: 1, ncqr: 0xfffe });
  });
});

describe('Abort CDW10 (NVMe Base 2.0 §5.1)', () => {
  it('puts SQID in [15:0] and CID in [31:16]', () => {
    expect(encodeAbort({ sqid: 0, cid: 0x1234 }).cdw10).toBe(0x12340000);
    expect(encodeAbort({ sqid: 0xffff, cid: 0xffff }).cdw10).toBe(0xffffffff);
    expect(decodeAbort({ cdw10: 0xbeef0001 })).toEqual({ sqid: 1, cid: 0xbeef });
  });
});

describe('Namespace Attachment CDW10 (NVMe Base 2.0 §5.23)', () => {
  it('puts SEL in [3:0] only', () => {
    expect(encodeNamespaceAttachment({ sel: 1 }).cdw10).toBe(1);
    expect(encodeNamespaceAttachment({ sel: 0x1f }).cdw10).toBe(0xf);
    expect(decodeNamespaceAttachment({ cdw10: 0xfffffff0 })).toEqual({ sel: 0 });
    expect(decodeNamespaceAttachment({ cdw10: 0x00000011 })).toEqual({ sel: 1 });
  });
});

describe('AEN completion DW0 (NVMe Base 2.0 §5.2)', () => {
  it('Namespace Attribute Changed is 0x00040002: type 2, info 00h, LID 04h', () => {
    const dw0 = encodeAenDw0({ type: AsyncEventType.NOTICE, info: AsyncEventInfo.NOTICE_NAMESPACE_ATTRIBUTE_CHANGED, lid: LogPage.CHANGED_NAMESPACE_LIST });
    expect(dw0).toBe(0x00040002);
    expect(decodeAenDw0(0x00040002)).toEqual({ type: 2, info: 0, lid: 4 });
  });

  it('places type [2:0], info [15:8], LID [23:16]; reserved bits 7:3 and 31:24 stay clear', () => {
    expect(encodeAenDw0({ type: 0, info: 0x01, lid: 0x01 })).toBe(0x00010100); // Error / Invalid Doorbell Write Value
    expect(encodeAenDw0({ type: 2, info: 0x01, lid: 0x03 })).toBe(0x00030102); // Firmware Activation Starting
    expect(encodeAenDw0({ type: 0xff, info: 0xfff, lid: 0xfff })).toBe(0x00ffff07);
    expect(decodeAenDw0(0xfffffff8)).toEqual({ type: 0, info: 0xff, lid: 0xff });
    expect(decodeAenDw0(0x00ffff07)).toEqual({ type: 7, info: 0xff, lid: 0xff });
  });
});
