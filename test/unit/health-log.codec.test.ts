// The health log codecs (NVMe Base 2.0 §5.16.1.2 Error Information entries, 64 bytes; §5.16.1.3 SMART / Health,
// 512 bytes; §5.16.1.4 Firmware Slot Information, 512 bytes) round trip bit-exact, with fields at their offsets, and
// the pure health decisions (src/logic/health.ts) name the event a change raises.
import { describe, expect, it } from 'vitest';
import { decodeErrorLog, decodeErrorLogEntry, decodeFirmwareSlotLog, decodeSmartLog, encodeErrorLogEntry, encodeFirmwareSlotLog, encodeSmartLog, ERROR_LOG_ENTRY_SIZE, errorLocation, SMART_LOG_SIZE } from '../../src/spec/health-log.codec.ts';
import { criticalWarningOf, decodeThreshold, INITIAL_HEALTH, isThresholdValid, parameterErrorLocationOf, smartEventsOf, thresholdDw0, withChange, withError, withThreshold, EMPTY_ERROR_LOG } from '../../src/logic/health.ts';
import { CriticalWarning, Status } from '../../src/spec/constants.ts';

describe('SMART / Health log (02h)', () => {
  it('is 512 bytes with Critical Warning at 0, the temperature at 2:1, the error count at 191:176', () => {
    const s = { criticalWarning: 0x06, compositeTemperature: 0x0143, availableSpare: 100, availableSpareThreshold: 10, percentageUsed: 3, powerOnHours: 7, errorLogEntries: 0x1234 };
    const b = encodeSmartLog(s);
    expect(b.length).toBe(SMART_LOG_SIZE);
    expect([...b.subarray(0, 6)]).toEqual([0x06, 0x43, 0x01, 100, 10, 3]);
    expect(b[128]).toBe(7);
    expect([b[176], b[177]]).toEqual([0x34, 0x12]);
    expect(decodeSmartLog(b)).toEqual(s);
  });
});

describe('Firmware Slot Information (03h)', () => {
  it('AFI in byte 0, FRS1..FRS7 from byte 8, 8 ASCII characters each', () => {
    const f = { activeSlot: 2, nextSlot: 0, revisions: ['0.1.0', '0.2.0', '', '', '', '', ''] };
    const b = encodeFirmwareSlotLog(f);
    expect(b[0]).toBe(0x02);
    expect(String.fromCharCode(...b.subarray(16, 24))).toBe('0.2.0   ');
    expect([...b.subarray(24, 32)]).toEqual(new Array(8).fill(0));
    expect(decodeFirmwareSlotLog(b)).toEqual(f);
  });
});

describe('Error Information entries (01h)', () => {
  it('64 bytes: count, SQID, CID, status field (phase in bit 0), location, LBA, NSID', () => {
    const e = { errorCount: 5, sqid: 0, cid: 0x1234, status: { sct: 1, sc: 0x09, dnr: true }, phase: 1 as const, parameterErrorLocation: errorLocation(40), lba: 0x1122334455n, nsid: 7 };
    const b = encodeErrorLogEntry(e);
    expect(b.length).toBe(ERROR_LOG_ENTRY_SIZE);
    const v = new DataView(b.buffer);
    expect(v.getUint16(12, true)).toBe((0x09 << 1) | (1 << 9) | (1 << 15) | 1);
    expect(v.getUint16(14, true)).toBe(40);
    expect(decodeErrorLogEntry(b)).toEqual(e);
    expect(decodeErrorLog(new Uint8Array(128))).toEqual([]);
  });

  it('the log keeps the newest entries, newest first, with an ever-growing count', () => {
    let log = EMPTY_ERROR_LOG;
    for (let i = 0; i < 5; i++) log = withError(log, { sqid: 0, cid: i, status: Status.INVALID_FIELD, parameterErrorLocation: 40, lba: 0n, nsid: 0 }, 3);
    expect(log.count).toBe(5);
    expect(log.entries.map((e) => [e.errorCount, e.cid])).toEqual([[5, 4], [4, 3], [3, 2]]);
  });

  it('locations: opcode byte 0, NSID byte 4, the selecting field of CDW10 byte 40; none FFFFh', () => {
    expect(parameterErrorLocationOf(0x99, Status.INVALID_OPCODE)).toBe(0);
    expect(parameterErrorLocationOf(0x06, Status.INVALID_NAMESPACE)).toBe(4);
    expect(parameterErrorLocationOf(0x02, Status.INVALID_LOG_PAGE)).toBe(40);
    expect(parameterErrorLocationOf(0x0c, Status.AER_LIMIT_EXCEEDED)).toBe(0xffff);
  });
});

describe('health decisions', () => {
  it('Temperature Threshold: TMPSEL 0 and THSEL 00b/01b only; Get echoes TMPSEL and THSEL', () => {
    expect(isThresholdValid(decodeThreshold(0x100))).toBe(true);
    expect(isThresholdValid(decodeThreshold(0x200000))).toBe(false);
    expect(isThresholdValid(decodeThreshold(0x10000))).toBe(false);
    const h = withThreshold(INITIAL_HEALTH, decodeThreshold(0x100000 | 5));
    expect(thresholdDw0(h, decodeThreshold(0x100000))).toBe(0x100005);
  });

  it('a crossing raises info 01h only with AEC bit 1; a warning bit its own info; only newly set bits', () => {
    const over = withThreshold(INITIAL_HEALTH, decodeThreshold(0x100));
    expect(criticalWarningOf(over)).toBe(CriticalWarning.TEMPERATURE);
    expect(smartEventsOf(INITIAL_HEALTH, over, 0x2, true)).toEqual([0x01]);
    expect(smartEventsOf(INITIAL_HEALTH, over, 0x100, true)).toEqual([]);
    expect(smartEventsOf(over, over, 0x2, true)).toEqual([0x01]); // evaluated at every Set Features 04h
    expect(smartEventsOf(over, over, 0x2, false)).toEqual([]);
    const spare = withChange(INITIAL_HEALTH, { criticalWarning: CriticalWarning.SPARE_BELOW_THRESHOLD | CriticalWarning.READ_ONLY });
    expect(smartEventsOf(INITIAL_HEALTH, spare, 0x3f, false)).toEqual([0x02, 0x00]);
    expect(smartEventsOf(spare, spare, 0x3f, false)).toEqual([]);
  });
});
