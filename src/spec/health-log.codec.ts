// The log pages behind the SMART / Health, Firmware Activation and Error event types, bit-exact (NVMe Base 2.0
// §5.16.1.2 Error Information, 64 bytes an entry; §5.16.1.3 SMART / Health Information, 512 bytes; §5.16.1.4
// Firmware Slot Information, 512 bytes). Only the fields this controller keeps are named; the rest are zero.
// 128-bit counters are written from a number (their upper 64 bits zero).

export const SMART_LOG_SIZE = 512;
export const FIRMWARE_SLOT_LOG_SIZE = 512;
export const ERROR_LOG_ENTRY_SIZE = 64;

/** SMART / Health Information (log 02h, Figure 207). */
export interface SmartLog {
  /** Byte 0: Critical Warning bits (src/spec/constants.ts CriticalWarning). */
  readonly criticalWarning: number;
  /** Bytes 2:1: Composite Temperature, Kelvin. */
  readonly compositeTemperature: number;
  /** Byte 3: Available Spare, percent. */
  readonly availableSpare: number;
  /** Byte 4: Available Spare Threshold, percent. */
  readonly availableSpareThreshold: number;
  /** Byte 5: Percentage Used. */
  readonly percentageUsed: number;
  /** Bytes 143:128: Power On Hours (the low 64 bits). */
  readonly powerOnHours: number;
  /** Bytes 191:176: Number of Error Information Log Entries over the controller's life (the low 64 bits). */
  readonly errorLogEntries: number;
}

const Smart = { CW: 0, TEMP: 1, SPARE: 3, SPARE_THRESH: 4, USED: 5, POH: 128, NUM_ERR: 176 } as const;

const putU64 = (v: DataView, at: number, n: number): void => v.setBigUint64(at, BigInt(Math.max(0, Math.trunc(n))), true);

export function encodeSmartLog(s: SmartLog, out = new Uint8Array(SMART_LOG_SIZE)): Uint8Array {
  const v = new DataView(out.buffer, out.byteOffset, SMART_LOG_SIZE);
  out[Smart.CW] = s.criticalWarning & 0xff;
  v.setUint16(Smart.TEMP, s.compositeTemperature & 0xffff, true);
  out[Smart.SPARE] = s.availableSpare;
  out[Smart.SPARE_THRESH] = s.availableSpareThreshold;
  out[Smart.USED] = s.percentageUsed;
  putU64(v, Smart.POH, s.powerOnHours);
  putU64(v, Smart.NUM_ERR, s.errorLogEntries);
  return out;
}

export function decodeSmartLog(b: Uint8Array): SmartLog {
  if (b.length < SMART_LOG_SIZE) throw new RangeError(`a SMART / Health log is ${SMART_LOG_SIZE} bytes, got ${b.length}`);
  const v = new DataView(b.buffer, b.byteOffset, SMART_LOG_SIZE);
  return {
    criticalWarning: b[Smart.CW]!,
    compositeTemperature: v.getUint16(Smart.TEMP, true),
    availableSpare: b[Smart.SPARE]!,
    availableSpareThreshold: b[Smart.SPARE_THRESH]!,
    percentageUsed: b[Smart.USED]!,
    powerOnHours: Number(v.getBigUint64(Smart.POH, true)),
    errorLogEntries: Number(v.getBigUint64(Smart.NUM_ERR, true)),
  };
}

/** Firmware Slot Information (log 03h, Figure 209). */
export interface FirmwareSlotLog {
  /** AFI bits 2:0: the slot the running firmware came from (1..7). */
  readonly activeSlot: number;
  /** AFI bits 6:4: the slot activated at the next Controller Level Reset (0: none). */
  readonly nextSlot: number;
  /** FRS1..FRS7: the revision in each slot ('' for an empty slot), 8 ASCII characters each. */
  readonly revisions: readonly string[];
}

export function encodeFirmwareSlotLog(f: FirmwareSlotLog, out = new Uint8Array(FIRMWARE_SLOT_LOG_SIZE)): Uint8Array {
  out[0] = (f.activeSlot & 0x7) | ((f.nextSlot & 0x7) << 4);
  for (let slot = 0; slot < 7; slot++) {
    const rev = f.revisions[slot] ?? '';
    for (let i = 0; i < 8; i++) out[8 + slot * 8 + i] = rev.length === 0 ? 0 : i < rev.length ? rev.charCodeAt(i) & 0x7f : 0x20;
  }
  return out;
}

export function decodeFirmwareSlotLog(b: Uint8Array): FirmwareSlotLog {
  if (b.length < 64) throw new RangeError(`a Firmware Slot Information log needs 64 bytes, got ${b.length}`);
  const revisions: string[] = [];
  for (let slot = 0; slot < 7; slot++) revisions.push(String.fromCharCode(...b.subarray(8 + slot * 8, 16 + slot * 8)).replace(/[ \0]+$/, ''));
  return { activeSlot: b[0]! & 0x7, nextSlot: (b[0]! >> 4) & 0x7, revisions };
}

/** One Error Information log entry (log 01h, Figure 205). */
export interface ErrorLogEntry {
  /** Bytes 7:0: Error Count, unique and incrementing; 0 marks an invalid (empty) entry. */
  readonly errorCount: number;
  /** Bytes 9:8: the SQ of the command (FFFFh: not specific to a queue). */
  readonly sqid: number;
  /** Bytes 11:10: the command (FFFFh: not specific to a command). */
  readonly cid: number;
  /** Bytes 13:12 bits 15:1: the Status Field of the completion (SC 8:1, SCT 11:9, DNR 15); bit 0 the phase tag. */
  readonly status: { readonly sct: number; readonly sc: number; readonly dnr: boolean };
  readonly phase: 0 | 1;
  /** Bytes 15:14: Parameter Error Location: byte 7:0 and bit 10:8 of the field in error (FFFFh: none). */
  readonly parameterErrorLocation: number;
  /** Bytes 23:16: the first LBA of the command in error, where one applies. */
  readonly lba: bigint;
  /** Bytes 27:24: the namespace, where one applies. */
  readonly nsid: number;
}

/** Parameter Error Location of byte `byte`, bit `bit` of the command. */
export const errorLocation = (byte: number, bit = 0): number => (byte & 0xff) | ((bit & 0x7) << 8);
/** Not specific to a command, queue or field. */
export const NOT_SPECIFIC = 0xffff;

export function encodeErrorLogEntry(e: ErrorLogEntry, out = new Uint8Array(ERROR_LOG_ENTRY_SIZE), at = 0): Uint8Array {
  const v = new DataView(out.buffer, out.byteOffset + at, ERROR_LOG_ENTRY_SIZE);
  v.setBigUint64(0, BigInt(e.errorCount), true);
  v.setUint16(8, e.sqid & 0xffff, true);
  v.setUint16(10, e.cid & 0xffff, true);
  const sf = ((e.status.sc & 0xff) << 1) | ((e.status.sct & 0x7) << 9) | (e.status.dnr ? 1 << 15 : 0) | e.phase;
  v.setUint16(12, sf, true);
  v.setUint16(14, e.parameterErrorLocation & 0xffff, true);
  v.setBigUint64(16, e.lba, true);
  v.setUint32(24, e.nsid >>> 0, true);
  return out;
}

export function decodeErrorLogEntry(b: Uint8Array, at = 0): ErrorLogEntry {
  const v = new DataView(b.buffer, b.byteOffset + at, ERROR_LOG_ENTRY_SIZE);
  const sf = v.getUint16(12, true);
  return {
    errorCount: Number(v.getBigUint64(0, true)),
    sqid: v.getUint16(8, true),
    cid: v.getUint16(10, true),
    status: { sc: (sf >> 1) & 0xff, sct: (sf >> 9) & 0x7, dnr: (sf & (1 << 15)) !== 0 },
    phase: (sf & 1) as 0 | 1,
    parameterErrorLocation: v.getUint16(14, true),
    lba: v.getBigUint64(16, true),
    nsid: v.getUint32(24, true),
  };
}

/** The valid entries of an Error Information log read (entries with Error Count 0 are empty), in page order. */
export function decodeErrorLog(b: Uint8Array): ErrorLogEntry[] {
  const out: ErrorLogEntry[] = [];
  for (let at = 0; at + ERROR_LOG_ENTRY_SIZE <= b.length; at += ERROR_LOG_ENTRY_SIZE) {
    const e = decodeErrorLogEntry(b, at);
    if (e.errorCount !== 0) out.push(e);
  }
  return out;
}
