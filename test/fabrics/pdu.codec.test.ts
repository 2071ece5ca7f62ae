// NVMe/TCP PDUs and fabrics commands byte for byte (NVMe/TCP 1.0 §3.3, §3.6.2; NVMe Base 2.0 §6), CRC32C against
// RFC 3720 B.4, and the header checks a receiver makes, each with its Fatal Error Status and the offset of the field.
import { describe, expect, it } from 'vitest';
import { crc32c } from '../../src/fabrics/crc32c.ts';
import { checkCommonHeader, decodePdu, encodePdu, type Pdu } from '../../src/fabrics/pdu.codec.ts';
import { Fes } from '../../src/fabrics/constants.ts';
import {
  connectInvalidParameter, decodeConnectData, decodeFabricsCommand, decodeSgl, encodeConnect, encodeConnectData, encodeDisconnect,
  encodePropertyGet, encodePropertySet, inCapsuleSgl, transportSgl, encodeSgl,
} from '../../src/fabrics/fabrics-command.codec.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h.replace(/\s+/g, ''), 'hex'));
const NO = { hdgst: false, ddgst: false };
const BOTH = { hdgst: true, ddgst: true };
const le32 = (n: number): string => hex(Uint8Array.of(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24));

describe('CRC32C (RFC 3720 B.4 iSCSI test vectors)', () => {
  it.each([
    ['32 bytes of zeros', new Uint8Array(32), 0x8a9136aa],
    ['32 bytes of FFh', new Uint8Array(32).fill(0xff), 0x62a8ab43],
    ['32 incrementing bytes 00h..1Fh', Uint8Array.from({ length: 32 }, (_, i) => i), 0x46dd794e],
    ['32 decrementing bytes 1Fh..00h', Uint8Array.from({ length: 32 }, (_, i) => 31 - i), 0x113fdb5c],
    ['an iSCSI SCSI Read (10) command PDU', bytes('01c00000 00000000 00000000 00000000 14000000 00000400 00000014 00000018 28000000 00000000 02000000 00000000'), 0xd9963a56],
  ])('%s', (_name, data, crc) => {
    expect(crc32c(data)).toBe(crc);
  });
  it('a subarray is hashed as its own bytes', () => {
    const big = new Uint8Array(40);
    big.fill(0xff, 4, 36);
    expect(crc32c(big.subarray(4, 36))).toBe(0x62a8ab43);
  });
});

describe('PDU layouts (NVMe/TCP 1.0)', () => {
  it('ICReq: CH 00h/HLEN 80h/PLEN 128, PFV, HPDA, DGST, MAXR2T, reserved zeros', () => {
    const b = encodePdu({ type: 'icReq', pfv: 0, hpda: 2, hdgst: true, ddgst: false, maxr2t: 3 });
    expect(b.length).toBe(128);
    expect(hex(b.subarray(0, 16))).toBe('00008000' + '80000000' + '0000' + '02' + '01' + '03000000');
    expect(b.subarray(16).every((x) => x === 0)).toBe(true);
    expect(decodePdu(b)).toEqual({ pdu: { type: 'icReq', pfv: 0, hpda: 2, hdgst: true, ddgst: false, maxr2t: 3 }, dataDigestError: false });
  });

  it('ICResp: CPDA, DGST both, MAXH2CDATA; never a digest of its own', () => {
    const b = encodePdu({ type: 'icResp', pfv: 0, cpda: 0, hdgst: true, ddgst: true, maxh2cdata: 131072 }, BOTH);
    expect(b.length).toBe(128);
    expect(hex(b.subarray(0, 16))).toBe('01008000' + '80000000' + '0000' + '00' + '03' + '00000200');
  });

  it('CapsuleCmd without digests: HLEN 72, PDO 72, PLEN 72 + data', () => {
    const sqe = Uint8Array.from({ length: 64 }, (_, i) => i);
    const data = Uint8Array.of(0xaa, 0xbb, 0xcc, 0xdd);
    const b = encodePdu({ type: 'capsuleCmd', sqe, data });
    expect(hex(b.subarray(0, 8))).toBe('04004848' + le32(76));
    expect(hex(b.subarray(8, 72))).toBe(hex(sqe));
    expect(hex(b.subarray(72))).toBe('aabbccdd');
    expect(decodePdu(b)).toEqual({ pdu: { type: 'capsuleCmd', sqe, data }, dataDigestError: false });
  });

  it('CapsuleCmd without data: PDO 0, PLEN = HLEN', () => {
    const b = encodePdu({ type: 'capsuleCmd', sqe: new Uint8Array(64), data: new Uint8Array(0) });
    expect(hex(b.subarray(0, 8))).toBe('04004800' + le32(72));
  });

  it('CapsuleCmd with header and data digests: HDGSTF|DDGSTF, HDGST after the header, PDO 76, DDGST after the data', () => {
    const sqe = new Uint8Array(64).fill(7);
    const data = new Uint8Array(8).fill(9);
    const b = encodePdu({ type: 'capsuleCmd', sqe, data }, BOTH);
    expect(b[0]).toBe(0x04);
    expect(b[1]).toBe(0x03);
    expect(b[2]).toBe(72);
    expect(b[3]).toBe(76);
    expect(hex(b.subarray(4, 8))).toBe(le32(76 + 8 + 4));
    expect(hex(b.subarray(72, 76))).toBe(le32(crc32c(b.subarray(0, 72))));
    expect(hex(b.subarray(84, 88))).toBe(le32(crc32c(data)));
    expect(decodePdu(b, BOTH)).toEqual({ pdu: { type: 'capsuleCmd', sqe, data }, dataDigestError: false });
  });

  it('a PDU data alignment pads PDO: CPDA 3 (16 bytes) puts capsule data at 80 with a header digest', () => {
    const b = encodePdu({ type: 'capsuleCmd', sqe: new Uint8Array(64), data: new Uint8Array(4) }, { hdgst: true, pda: 3 });
    expect(b[3]).toBe(80);
    expect(b.length).toBe(84);
  });

  it('CapsuleResp: HLEN 24, PLEN 24, the CQE', () => {
    const cqe = Uint8Array.from({ length: 16 }, (_, i) => 0xf0 + i);
    const b = encodePdu({ type: 'capsuleResp', cqe });
    expect(hex(b)).toBe('05001800' + le32(24) + hex(cqe));
    const withDigest = encodePdu({ type: 'capsuleResp', cqe }, BOTH);
    expect(hex(withDigest.subarray(0, 8))).toBe('05011800' + le32(28));
  });

  it('H2CData: CCCID, TTAG, DATAO, DATAL; LAST_PDU flag', () => {
    const data = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
    const b = encodePdu({ type: 'h2cData', cccid: 0x1234, ttag: 0x0005, datao: 4096, last: true, data });
    expect(hex(b.subarray(0, 24))).toBe('06041818' + le32(32) + '3412' + '0500' + le32(4096) + le32(8) + '00000000');
    expect(hex(b.subarray(24))).toBe(hex(data));
    expect(decodePdu(b)).toEqual({ pdu: { type: 'h2cData', cccid: 0x1234, ttag: 5, datao: 4096, last: true, data }, dataDigestError: false });
  });

  it('C2HData: LAST_PDU | SUCCESS, reserved bytes 11:10', () => {
    const data = new Uint8Array(4).fill(0x5a);
    const b = encodePdu({ type: 'c2hData', cccid: 7, datao: 0, last: true, success: true, data });
    expect(hex(b.subarray(0, 24))).toBe('070c1818' + le32(28) + '0700' + '0000' + le32(0) + le32(4) + '00000000');
  });

  it('R2T: CCCID, TTAG, R2TO, R2TL; no data, PDO 0', () => {
    const b = encodePdu({ type: 'r2t', cccid: 9, ttag: 0xbeef, r2to: 0, r2tl: 12288 });
    expect(hex(b)).toBe('09001800' + le32(24) + '0900' + 'efbe' + le32(0) + le32(12288) + '00000000');
  });

  it('C2HTermReq: FES, FEI, the offending header as data; no digests even when negotiated', () => {
    const header = bytes('08001800 18000000');
    const b = encodePdu({ type: 'c2hTermReq', fes: Fes.INVALID_PDU_HEADER_FIELD, fei: 0, data: header }, BOTH);
    expect(hex(b.subarray(0, 24))).toBe('03001818' + le32(32) + '0100' + le32(0) + '00'.repeat(10));
    expect(hex(b.subarray(24))).toBe(hex(header));
    expect(decodePdu(b, BOTH)).toEqual({ pdu: { type: 'c2hTermReq', fes: 1, fei: 0, data: header }, dataDigestError: false });
  });
});

describe('header checks: the termination PDU each bad field gets', () => {
  const resp = encodePdu({ type: 'capsuleResp', cqe: new Uint8Array(16) });
  it('a reserved PDU-Type: Invalid PDU Header Field at offset 0', () => {
    const b = resp.slice();
    b[0] = 0x08;
    expect(checkCommonHeader(b, NO, 1 << 20)).toMatchObject({ fes: Fes.INVALID_PDU_HEADER_FIELD, fei: 0 });
  });
  it('a wrong HLEN: offset 2', () => {
    const b = resp.slice();
    b[2] = 23;
    expect(checkCommonHeader(b, NO, 1 << 20)).toMatchObject({ fes: Fes.INVALID_PDU_HEADER_FIELD, fei: 2 });
  });
  it('PLEN shorter than the header, or not the header length of a PDU without data: offset 4', () => {
    const b = resp.slice();
    b[4] = 8;
    expect(checkCommonHeader(b, NO, 1 << 20)).toMatchObject({ fes: Fes.INVALID_PDU_HEADER_FIELD, fei: 4 });
    b[4] = 40;
    expect(checkCommonHeader(b, NO, 1 << 20)).toMatchObject({ fes: Fes.INVALID_PDU_HEADER_FIELD, fei: 4 });
  });
  it('PLEN above what the receiver accepts: Data Transfer Limit Exceeded', () => {
    const b = encodePdu({ type: 'h2cData', cccid: 1, ttag: 1, datao: 0, last: true, data: new Uint8Array(64) });
    expect(checkCommonHeader(b, NO, 80)).toMatchObject({ fes: Fes.DATA_TRANSFER_LIMIT_EXCEEDED, fei: 4 });
  });
  it('HDGSTF clear when the header digest was negotiated: offset 1', () => {
    expect(checkCommonHeader(resp, { hdgst: true, ddgst: false }, 1 << 20)).toMatchObject({ fes: Fes.INVALID_PDU_HEADER_FIELD, fei: 1 });
    expect(decodePdu(resp, { hdgst: true, ddgst: false })).toMatchObject({ error: { fes: Fes.INVALID_PDU_HEADER_FIELD, fei: 1 } });
  });
  it('a header digest that does not match: Header Digest Error', () => {
    const b = encodePdu({ type: 'capsuleResp', cqe: new Uint8Array(16) }, BOTH);
    b[10] ^= 1;
    expect(decodePdu(b, BOTH)).toMatchObject({ error: { fes: Fes.HEADER_DIGEST_ERROR } });
  });
  it('a data digest that does not match is not fatal: the PDU comes with dataDigestError', () => {
    const b = encodePdu({ type: 'capsuleCmd', sqe: new Uint8Array(64), data: new Uint8Array(8) }, BOTH);
    b[80] ^= 1;
    expect(decodePdu(b, BOTH)).toMatchObject({ pdu: { type: 'capsuleCmd' }, dataDigestError: true });
  });
  it('a PDO inside the header or not dword-aligned: offset 3', () => {
    const b = encodePdu({ type: 'capsuleCmd', sqe: new Uint8Array(64), data: new Uint8Array(8) });
    b[3] = 70;
    expect(decodePdu(b)).toMatchObject({ error: { fes: Fes.INVALID_PDU_HEADER_FIELD, fei: 3 } });
    b[3] = 74;
    expect(decodePdu(b)).toMatchObject({ error: { fes: Fes.INVALID_PDU_HEADER_FIELD, fei: 3 } });
  });
  it('DATAL that disagrees with the data carried: offset 16', () => {
    const b = encodePdu({ type: 'h2cData', cccid: 1, ttag: 1, datao: 0, last: true, data: new Uint8Array(8) });
    b[16] = 9;
    expect(decodePdu(b)).toMatchObject({ error: { fes: Fes.INVALID_PDU_HEADER_FIELD, fei: 16 } });
  });
  it('HPDA above 31: offset 10', () => {
    const b = encodePdu({ type: 'icReq', pfv: 0, hpda: 0, hdgst: false, ddgst: false, maxr2t: 0 });
    b[10] = 32;
    expect(decodePdu(b)).toMatchObject({ error: { fes: Fes.INVALID_PDU_HEADER_FIELD, fei: 10 } });
  });
  it('every PDU type round-trips with digests', () => {
    const pdus: Pdu[] = [
      { type: 'capsuleCmd', sqe: new Uint8Array(64).fill(3), data: new Uint8Array(12).fill(4) },
      { type: 'capsuleResp', cqe: new Uint8Array(16).fill(5) },
      { type: 'h2cData', cccid: 2, ttag: 3, datao: 8, last: false, data: new Uint8Array(16).fill(6) },
      { type: 'c2hData', cccid: 2, datao: 8, last: true, success: false, data: new Uint8Array(16).fill(7) },
      { type: 'r2t', cccid: 2, ttag: 3, r2to: 0, r2tl: 4096 },
    ];
    for (const p of pdus) expect(decodePdu(encodePdu(p, BOTH), BOTH)).toEqual({ pdu: p, dataDigestError: false });
  });
});

describe('fabrics commands (NVMe Base 2.0 §6)', () => {
  it('Connect: opcode 7Fh, PSDT 01b, FCTYPE 01h, SGL1 in-capsule 1024 bytes (01h), RECFMT, QID, SQSIZE, CATTR, KATO', () => {
    const b = encodeConnect({ cid: 0xfffe, qid: 0, sqsize: 31, cattr: 0, kato: 5000 });
    expect(b.length).toBe(64);
    expect(hex(b.subarray(0, 5))).toBe('7f40feff01');
    expect(b.subarray(5, 24).every((x) => x === 0)).toBe(true);
    expect(hex(b.subarray(24, 40))).toBe('0000000000000000' + '00040000' + '000000' + '01');
    expect(hex(b.subarray(40, 52))).toBe('0000' + '0000' + '1f00' + '00' + '00' + le32(5000));
    expect(decodeFabricsCommand(b)).toEqual({ fctype: 1, cid: 0xfffe, recfmt: 0, qid: 0, sqsize: 31, cattr: 0, kato: 5000, sgl: { address: 0n, length: 1024, id: 0x01 } });
  });
  it('Connect data: HOSTID 15:00, CNTLID 17:16, SUBNQN 511:256, HOSTNQN 767:512', () => {
    const hostid = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
    const d = encodeConnectData({ hostid, cntlid: 0xffff, subnqn: 'nqn.test:sub', hostnqn: 'nqn.test:host' });
    expect(d.length).toBe(1024);
    expect(hex(d.subarray(0, 18))).toBe(hex(hostid) + 'ffff');
    expect(Buffer.from(d.subarray(256, 268)).toString()).toBe('nqn.test:sub');
    expect(d[268]).toBe(0);
    expect(Buffer.from(d.subarray(512, 525)).toString()).toBe('nqn.test:host');
    expect(decodeConnectData(d)).toEqual({ hostid, cntlid: 0xffff, subnqn: 'nqn.test:sub', hostnqn: 'nqn.test:host' });
  });
  it('Property Get: FCTYPE 04h, ATTRIB size (1: 8 bytes), OFST', () => {
    const b = encodePropertyGet({ cid: 3, size: 8, ofst: 0 });
    expect(hex(b.subarray(0, 5))).toBe('7f40030004');
    expect(b[39]).toBe(0x5a);
    expect(b[40]).toBe(1);
    expect(hex(b.subarray(44, 48))).toBe('00000000');
    expect(decodeFabricsCommand(encodePropertyGet({ cid: 3, size: 4, ofst: 0x1c }))).toEqual({ fctype: 4, cid: 3, size: 4, ofst: 0x1c });
  });
  it('Property Set: FCTYPE 00h, ATTRIB, OFST, VALUE 55:48', () => {
    const b = encodePropertySet({ cid: 4, size: 4, ofst: 0x14, value: 0x460001n });
    expect(hex(b.subarray(0, 5))).toBe('7f40040000');
    expect(b[40]).toBe(0);
    expect(hex(b.subarray(44, 56))).toBe('14000000' + '01004600' + '00000000');
    expect(decodeFabricsCommand(b)).toEqual({ fctype: 0, cid: 4, size: 4, ofst: 0x14, value: 0x460001n });
  });
  it('Disconnect: FCTYPE 08h, RECFMT', () => {
    const b = encodeDisconnect({ cid: 5 });
    expect(hex(b.subarray(0, 5))).toBe('7f40050008');
    expect(decodeFabricsCommand(b)).toEqual({ fctype: 8, cid: 5, recfmt: 0 });
  });
  it('a reserved property size decodes without a size (answered Invalid Field)', () => {
    const b = encodePropertyGet({ cid: 1, size: 4, ofst: 0 });
    b[40] = 2;
    expect(decodeFabricsCommand(b)).toEqual({ fctype: 4, cid: 1, size: undefined, ofst: 0 });
  });
  it('SGL descriptors: Data Block / Offset (01h) and Transport Data Block (5Ah), 16 bytes at DPTR', () => {
    const sqe = new Uint8Array(64);
    encodeSgl(inCapsuleSgl(512, 16), sqe);
    expect(hex(sqe.subarray(24, 40))).toBe('1000000000000000' + '00020000' + '000000' + '01');
    encodeSgl(transportSgl(4096), sqe);
    expect(hex(sqe.subarray(24, 40))).toBe('0000000000000000' + '00100000' + '000000' + '5a');
    expect(decodeSgl(sqe)).toEqual({ address: 0n, length: 4096, id: 0x5a });
  });
  it('Connect Invalid Parameters DW0: IPO 15:00, IATTR bit 16', () => {
    expect(connectInvalidParameter('command', 42)).toBe(42);
    expect(connectInvalidParameter('data', 256)).toBe(0x10100);
  });
});
