// BAR0 register file (NVMe Base 2.0 §3.1.3): CAP, VS, INTMS/INTMC, CC, AQA, ASQ, ACQ reads and writes, and the
// effects doorbell writes produce (DSTRD 0: SQ0TDBL at 1000h, CQ0HDBL at 1004h, nothing beyond the admin queue).
import { describe, expect, it } from 'vitest';
import { CAP_MQES, CAP_VALUE, DOORBELL_END, RegisterFile, VS_VALUE } from '../../src/device/registers.ts';
import { Register } from '../../src/spec/constants.ts';

const capField = (lo: number, bits: number) => Number((CAP_VALUE >> BigInt(lo)) & ((1n << BigInt(bits)) - 1n));

describe('CAP (NVMe Base 2.0 §3.1.3.1)', () => {
  it('MQES [15:0] = 4095, CQR [16] = 1, AMS [18:17] = 0, TO [31:24] = 1', () => {
    expect(CAP_MQES).toBe(4095);
    expect(capField(0, 16)).toBe(4095);
    expect(capField(16, 1)).toBe(1);
    expect(capField(17, 2)).toBe(0);
    expect(capField(24, 8)).toBe(1);
  });

  it('DSTRD [35:32] = 0, NSSRS [36] = 0, CSS [44:37] = NVM only (bit 37), MPSMIN [51:48] = MPSMAX [55:52] = 0', () => {
    expect(capField(32, 4)).toBe(0);
    expect(capField(36, 1)).toBe(0);
    expect(capField(37, 8)).toBe(0b1);
    expect(capField(48, 4)).toBe(0);
    expect(capField(52, 4)).toBe(0);
    expect(CAP_VALUE).toBe(0x0000_0020_0101_0fffn);
  });

  it('reads as two dwords: 0x01010FFF at 00h and 0x00000020 at 04h', () => {
    const r = new RegisterFile();
    expect(r.read32(Register.CAP, 0)).toBe(0x01010fff);
    expect(r.read32(Register.CAP + 4, 0)).toBe(0x00000020);
  });

  it('ignores writes', () => {
    const r = new RegisterFile();
    expect(r.write32(Register.CAP, 0)).toEqual({ kind: 'ignored', offset: 0, reason: 'read-only or reserved register' });
    expect(r.write32(Register.CAP + 4, 0)).toMatchObject({ kind: 'ignored', offset: 4 });
    expect(r.read32(Register.CAP, 0)).toBe(0x01010fff);
  });
});

describe('VS and CSTS', () => {
  it('VS at 08h reads 0x00020000 (2.0.0) and ignores writes', () => {
    const r = new RegisterFile();
    expect(VS_VALUE).toBe(0x00020000);
    expect(r.read32(Register.VS, 0)).toBe(0x00020000);
    expect(r.write32(Register.VS, 0x00010400)).toMatchObject({ kind: 'ignored', offset: 0x08 });
    expect(r.read32(Register.VS, 0)).toBe(0x00020000);
  });

  it('CSTS at 1Ch reads whatever the caller supplies; writes are ignored', () => {
    const r = new RegisterFile();
    expect(r.read32(Register.CSTS, 0x9)).toBe(0x9);
    expect(r.write32(Register.CSTS, 1)).toMatchObject({ kind: 'ignored', offset: 0x1c });
  });
});

describe('INTMS / INTMC (NVMe Base 2.0 §3.1.3.3–4)', () => {
  it('INTMS sets bits, INTMC clears them; both read the mask', () => {
    const r = new RegisterFile();
    expect(r.write32(Register.INTMS, 0x5)).toEqual({ kind: 'none' });
    expect(r.read32(Register.INTMS, 0)).toBe(0x5);
    r.write32(Register.INTMS, 0x80000000);
    expect(r.read32(Register.INTMS, 0)).toBe(0x80000005);
    expect(r.write32(Register.INTMC, 0x1)).toEqual({ kind: 'none' });
    expect(r.read32(Register.INTMS, 0)).toBe(0x80000004);
    expect(r.read32(Register.INTMC, 0)).toBe(0x80000004);
    r.write32(Register.INTMC, 0xffffffff);
    expect(r.read32(Register.INTMS, 0)).toBe(0);
  });

  it('writing zero to INTMS or INTMC changes nothing', () => {
    const r = new RegisterFile();
    r.write32(Register.INTMS, 0x3);
    r.write32(Register.INTMS, 0);
    r.write32(Register.INTMC, 0);
    expect(r.read32(Register.INTMS, 0)).toBe(0x3);
  });

  it('resetMask clears the mask', () => {
    const r = new RegisterFile();
    r.write32(Register.INTMS, 0xff);
    r.resetMask();
    expect(r.read32(Register.INTMS, 0)).toBe(0);
  });
});

describe('CC (NVMe Base 2.0 §3.1.3.5)', () => {
  it('a write is stored and reported as a cc effect with the previous value', () => {
    const r = new RegisterFile();
    expect(r.write32(Register.CC, 0x00460001)).toEqual({ kind: 'cc', value: 0x00460001, previous: 0 });
    expect(r.read32(Register.CC, 0)).toBe(0x00460001);
    expect(r.write32(Register.CC, 0x00460000)).toEqual({ kind: 'cc', value: 0x00460000, previous: 0x00460001 });
    expect(r.cc).toBe(0x00460000);
  });

  it('carries bit 31 as an unsigned value', () => {
    const r = new RegisterFile();
    expect(r.write32(Register.CC, 0x80000001 | 0)).toEqual({ kind: 'cc', value: 0x80000001, previous: 0 });
    expect(r.read32(Register.CC, 0)).toBe(0x80000001);
  });
});

describe('AQA, ASQ, ACQ (NVMe Base 2.0 §3.1.3.8–10)', () => {
  it('AQA keeps ASQS [11:0] and ACQS [27:16] only', () => {
    const r = new RegisterFile();
    expect(r.write32(Register.AQA, 0xffffffff)).toEqual({ kind: 'none' });
    expect(r.read32(Register.AQA, 0)).toBe(0x0fff0fff);
    r.write32(Register.AQA, 0x001f003f);
    expect(r.aqa).toBe(0x001f003f);
  });

  it('ASQ and ACQ are written as independent 32-bit halves of a 64-bit value', () => {
    const r = new RegisterFile();
    r.write32(Register.ASQ, 0x12345000);
    r.write32(Register.ASQ + 4, 0x00000001);
    expect(r.asq).toBe(0x1_1234_5000n);
    expect(r.read32(Register.ASQ, 0)).toBe(0x12345000);
    expect(r.read32(Register.ASQ + 4, 0)).toBe(0x00000001);
    r.write32(Register.ASQ, 0xfffff000); // low half replaced, high half kept
    expect(r.asq).toBe(0x1_ffff_f000n);
    r.write32(Register.ASQ + 4, 0xffffffff); // high half replaced, low half kept
    expect(r.asq).toBe(0xffff_ffff_ffff_f000n);

    r.write32(Register.ACQ + 4, 0x80000000);
    r.write32(Register.ACQ, 0x00002000);
    expect(r.acq).toBe(0x8000_0000_0000_2000n);
    expect(r.read32(Register.ACQ, 0)).toBe(0x00002000);
    expect(r.read32(Register.ACQ + 4, 0)).toBe(0x80000000);
    expect(r.asq).toBe(0xffff_ffff_ffff_f000n); // ACQ writes leave ASQ alone
  });

  it('ASQ at 28h, ACQ at 30h', () => {
    expect(Register.ASQ).toBe(0x28);
    expect(Register.ACQ).toBe(0x30);
    expect(Register.AQA).toBe(0x24);
    expect(Register.CC).toBe(0x14);
  });
});

describe('doorbells (NVMe Base 2.0 §3.1.3.21–22, DSTRD 0)', () => {
  it('SQ0TDBL at 1000h gives sqTail for queue 0, CQ0HDBL at 1004h gives cqHead', () => {
    const r = new RegisterFile();
    expect(r.write32(0x1000, 5)).toEqual({ kind: 'sqTail', qid: 0, value: 5 });
    expect(r.write32(0x1004, 3)).toEqual({ kind: 'cqHead', qid: 0, value: 3 });
  });

  it('keeps the low 16 bits of a doorbell value', () => {
    const r = new RegisterFile();
    expect(r.write32(0x1000, 0xabcd0007)).toEqual({ kind: 'sqTail', qid: 0, value: 7 });
    expect(r.write32(0x1004, 0xffffffff)).toEqual({ kind: 'cqHead', qid: 0, value: 0xffff });
  });

  it('doorbells read as zero', () => {
    const r = new RegisterFile();
    r.write32(0x1000, 5);
    expect(r.read32(0x1000, 0)).toBe(0);
    expect(r.read32(0x1004, 0)).toBe(0);
  });

  it('the doorbells of QIDs 1..16 are routed with their QID (the device says whether the queue exists); beyond them, an invalid doorbell write', () => {
    const r = new RegisterFile();
    expect(DOORBELL_END).toBe(0x1088);
    expect(r.write32(0x1008, 1)).toEqual({ kind: 'sqTail', qid: 1, value: 1 });
    expect(r.write32(0x100c, 2)).toEqual({ kind: 'cqHead', qid: 1, value: 2 });
    expect(r.write32(0x1084, 3)).toEqual({ kind: 'cqHead', qid: 16, value: 3 });
    expect(r.write32(0x1088, 1)).toEqual({ kind: 'invalidDoorbell', offset: 0x1088, value: 1 });
    expect(r.write32(0x1ffc, 0xffffffff)).toEqual({ kind: 'invalidDoorbell', offset: 0x1ffc, value: 0xffffffff });
  });

  it('an unaligned write in the doorbell range is ignored', () => {
    const r = new RegisterFile();
    expect(r.write32(0x1002, 1)).toEqual({ kind: 'ignored', offset: 0x1002, reason: 'unaligned doorbell write' });
    expect(r.write32(0x1009, 1)).toMatchObject({ kind: 'ignored', offset: 0x1009 });
  });

  it('writes to reserved space below the doorbells are ignored', () => {
    const r = new RegisterFile();
    expect(r.write32(0x0ffc, 1)).toMatchObject({ kind: 'ignored', offset: 0x0ffc, reason: 'read-only or reserved register' });
    expect(r.write32(Register.NSSR, 0x4e564d65)).toMatchObject({ kind: 'ignored', offset: 0x20 });
    expect(r.read32(0x38, 0)).toBe(0);
  });
});
