// Pure decisions about the controller's health (NVMe Base 2.0 §5.16.1.3 SMART / Health Information, §5.27.1.3
// Temperature Threshold, §5.27.1.9 AEC bits 5:0, §5.16.1.4 Firmware Slot Information, §5.16.1.2 Error
// Information): the composite temperature and its thresholds, the Critical Warning bits, which SMART / Health event
// a change raises, the Firmware Slot log, and the Error Information log entries. The AEN latch holds the values.
import { AsyncEventConfig, AsyncEventInfo, CriticalWarning, Status, TemperatureThreshold } from '../spec/constants.ts';
import { encodeErrorLogEntry, encodeFirmwareSlotLog, encodeSmartLog, ERROR_LOG_ENTRY_SIZE, errorLocation, FIRMWARE_SLOT_LOG_SIZE, NOT_SPECIFIC, SMART_LOG_SIZE, type ErrorLogEntry } from '../spec/health-log.codec.ts';

/** 323 K (50 °C), the composite temperature at power on; 343 K the over threshold (QEMU 7.2's defaults, which
 * the spec leaves to the controller). */
export const DEFAULT_TEMPERATURE = 323;
export const DEFAULT_OVER_THRESHOLD = 343;
export const DEFAULT_UNDER_THRESHOLD = 0;

export interface Health {
  /** Composite Temperature, Kelvin. */
  readonly temperature: number;
  readonly overThreshold: number;
  readonly underThreshold: number;
  /** Critical Warning bits raised by faults (the temperature bit is derived from the thresholds). */
  readonly injectedWarnings: number;
}

export const INITIAL_HEALTH: Health = Object.freeze({ temperature: DEFAULT_TEMPERATURE, overThreshold: DEFAULT_OVER_THRESHOLD, underThreshold: DEFAULT_UNDER_THRESHOLD, injectedWarnings: 0 });

/** The temperature is at or over the over threshold, or at or under the under threshold (§5.27.1.3). */
export const temperatureOutOfRange = (h: Health): boolean => h.temperature >= h.overThreshold || h.temperature <= h.underThreshold;

/** Critical Warning byte of log 02h. */
export const criticalWarningOf = (h: Health): number => (h.injectedWarnings | (temperatureOutOfRange(h) ? CriticalWarning.TEMPERATURE : 0)) & 0x3f;

/** A Set Features 04h, decoded (CDW11). */
export interface ThresholdSetting {
  readonly tmpth: number;
  readonly tmpsel: number;
  readonly thsel: number;
}

export const decodeThreshold = (cdw11: number): ThresholdSetting => ({
  tmpth: cdw11 & TemperatureThreshold.TMPTH_MASK,
  tmpsel: (cdw11 >>> TemperatureThreshold.TMPSEL_SHIFT) & TemperatureThreshold.TMPSEL_MASK,
  thsel: (cdw11 >>> TemperatureThreshold.THSEL_SHIFT) & TemperatureThreshold.THSEL_MASK,
});

/** Only the composite temperature (TMPSEL 0h) and the over/under thresholds (THSEL 00b, 01b) exist here. */
export const isThresholdValid = (t: ThresholdSetting): boolean => t.tmpsel === TemperatureThreshold.TMPSEL_COMPOSITE && (t.thsel === TemperatureThreshold.THSEL_OVER || t.thsel === TemperatureThreshold.THSEL_UNDER);

export const withThreshold = (h: Health, t: ThresholdSetting): Health => (t.thsel === TemperatureThreshold.THSEL_OVER ? { ...h, overThreshold: t.tmpth } : { ...h, underThreshold: t.tmpth });

/** Get Features 04h DW0: the threshold THSEL selects, with TMPSEL and THSEL echoed. */
export const thresholdDw0 = (h: Health, t: ThresholdSetting): number =>
  ((t.thsel === TemperatureThreshold.THSEL_OVER ? h.overThreshold : h.underThreshold) | (t.tmpsel << TemperatureThreshold.TMPSEL_SHIFT) | (t.thsel << TemperatureThreshold.THSEL_SHIFT)) >>> 0;

/** A fault's change of health: a new composite temperature, and/or Critical Warning bits raised or cleared. */
export interface HealthChange {
  readonly temperature?: number;
  readonly criticalWarning?: number;
}

export const withChange = (h: Health, c: HealthChange): Health => ({
  ...h,
  temperature: c.temperature ?? h.temperature,
  injectedWarnings: c.criticalWarning === undefined ? h.injectedWarnings : c.criticalWarning & 0x3f & ~CriticalWarning.TEMPERATURE,
});

/** The SMART / Health Asynchronous Event Information of a Critical Warning bit (Figure 148): spare → 02h,
 * temperature → 01h, the others → 00h NVM Subsystem Reliability. */
export function smartInfoOf(bit: number): number {
  if (bit === CriticalWarning.SPARE_BELOW_THRESHOLD) return AsyncEventInfo.SMART_SPARE_BELOW_THRESHOLD;
  if (bit === CriticalWarning.TEMPERATURE) return AsyncEventInfo.SMART_TEMPERATURE_THRESHOLD;
  return AsyncEventInfo.SMART_NVM_SUBSYSTEM_RELIABILITY;
}

/** The SMART / Health events a move from `before` to `after` raises, lowest bit first, as infos. A warning raises
 * its event when it is set by the change, or (the temperature) whenever a threshold or temperature is set while it
 * holds (QEMU 7.2 evaluates it at every Set Features 04h); only bits AEC 5:0 enables report (§5.27.1.9). */
export function smartEventsOf(before: Health, after: Health, aec: number, thresholdOrTemperatureSet: boolean): number[] {
  const was = criticalWarningOf(before);
  const now = criticalWarningOf(after);
  const out: number[] = [];
  for (let bit = 1; bit <= CriticalWarning.PMR_READ_ONLY; bit <<= 1) {
    const raised = (now & bit) !== 0 && ((was & bit) === 0 || (bit === CriticalWarning.TEMPERATURE && thresholdOrTemperatureSet));
    if (raised && (aec & AsyncEventConfig.SMART_CRITICAL_WARNING_BITS & bit) !== 0) out.push(smartInfoOf(bit));
  }
  return out;
}

/** Log 02h as this controller reports it (`modelled`: false gives a page without warnings or temperature). */
export function smartLogOf(h: Health, errorCount: number, modelled: boolean): Uint8Array {
  if (!modelled) return encodeSmartLog({ criticalWarning: 0, compositeTemperature: 0, availableSpare: 0, availableSpareThreshold: 0, percentageUsed: 0, powerOnHours: 0, errorLogEntries: errorCount });
  return encodeSmartLog({
    criticalWarning: criticalWarningOf(h),
    compositeTemperature: h.temperature,
    availableSpare: (h.injectedWarnings & CriticalWarning.SPARE_BELOW_THRESHOLD) !== 0 ? 5 : 100,
    availableSpareThreshold: 10,
    percentageUsed: 0,
    powerOnHours: 0,
    errorLogEntries: errorCount,
  });
}

/** Scratch for reads longer than a page (up to MDTS, 128 KiB): zeroed and refilled per read rather than allocated,
 * as a fresh zeroed 128 KiB buffer per command was most of the cost of a full queue of such reads (issue 13 item 16).
 * Answers are copied out to guest memory in the step that produced them, never kept. */
let scratch = new Uint8Array(0);

/** Bytes `offset`.. of a page, `numd` dwords, zero beyond its end. */
export function pageSlice(page: Uint8Array, numd: number, offset: number): Uint8Array {
  const length = numd * 4;
  let out: Uint8Array;
  if (length <= 4096) out = new Uint8Array(length);
  else {
    if (scratch.length < length) scratch = new Uint8Array(length);
    out = scratch.subarray(0, length);
    out.fill(0);
  }
  if (offset < page.length) out.set(page.subarray(offset, Math.min(page.length, offset + length)));
  return out;
}

export const SMART_LOG_BYTES = SMART_LOG_SIZE;
export const FIRMWARE_LOG_BYTES = FIRMWARE_SLOT_LOG_SIZE;

// ---- firmware -----------------------------------------------------------------------------------------------

export interface Firmware {
  /** The slot the running firmware came from. */
  readonly activeSlot: number;
  /** The revision in each of slots 1..7 ('' empty). */
  readonly revisions: readonly string[];
  /** Activations so far (each puts the next revision in the next slot). */
  readonly activations: number;
}

export const initialFirmware = (revision: string): Firmware => ({ activeSlot: 1, revisions: [revision, '', '', '', '', '', ''], activations: 0 });

/** An activation of slot 2 (the fault's image): slot 2 holds `revision` and becomes the active slot. */
export const activated = (f: Firmware, revision: string): Firmware => {
  const revisions = f.revisions.slice();
  revisions[1] = revision;
  return { activeSlot: 2, revisions, activations: f.activations + 1 };
};

export const firmwareLogOf = (f: Firmware): Uint8Array => encodeFirmwareSlotLog({ activeSlot: f.activeSlot, nextSlot: 0, revisions: f.revisions });

/** Maximum Time for Firmware Activation (Identify Controller bytes 259:258 MTFA, 100 ms units): 1 s here. */
export const MTFA = 10;

// ---- error information log -----------------------------------------------------------------------------------

/** What a failed command or an error event leaves in the log (the count is the log's). */
export type ErrorRecord = Omit<ErrorLogEntry, 'errorCount' | 'phase'>;

export interface ErrorLog {
  /** Error Count of the newest entry: entries ever logged (never reset). */
  readonly count: number;
  /** The newest `capacity` entries, newest first. */
  readonly entries: readonly ErrorLogEntry[];
}

export const EMPTY_ERROR_LOG: ErrorLog = Object.freeze({ count: 0, entries: Object.freeze([]) as readonly ErrorLogEntry[] });

export function withError(log: ErrorLog, r: ErrorRecord, capacity: number): ErrorLog {
  const entry: ErrorLogEntry = { ...r, errorCount: log.count + 1, phase: 0 };
  const entries = [entry, ...log.entries];
  if (entries.length > capacity) entries.length = capacity;
  return { count: log.count + 1, entries };
}

/** The log page: `capacity` entries of 64 bytes, newest first, zero (invalid) past the last kept entry. */
export function errorLogPage(log: ErrorLog, capacity: number, keepsEntries: boolean, numd: number, offset: number): Uint8Array {
  const page = new Uint8Array(capacity * ERROR_LOG_ENTRY_SIZE);
  if (keepsEntries) log.entries.forEach((e, i) => encodeErrorLogEntry(e, page, i * ERROR_LOG_ENTRY_SIZE));
  return pageSlice(page, numd, offset);
}

/** An error not specific to a command (an invalid doorbell write, an injected internal error). */
export const eventRecord = (status: Status = Status.SUCCESS): ErrorRecord => ({ sqid: NOT_SPECIFIC, cid: NOT_SPECIFIC, status, parameterErrorLocation: NOT_SPECIFIC, lba: 0n, nsid: 0 });

/** Byte offsets of the SQE fields a failure names (§5.16.1.2: the byte and bit of the field in error). */
const SQE_BYTE = { OPCODE: 0, NSID: 4, CDW10: 40, CDW11: 44, CDW12: 48 } as const;

/** The Parameter Error Location of a failed admin command: the field the status is about, FFFFh when none is. */
export function parameterErrorLocationOf(opcode: number, status: Status): number {
  if (status.sct === 0 && status.sc === Status.INVALID_OPCODE.sc) return errorLocation(SQE_BYTE.OPCODE);
  if (status.sct === 0 && status.sc === Status.INVALID_NAMESPACE.sc) return errorLocation(SQE_BYTE.NSID);
  if (status.sct === 1 && status.sc === Status.INVALID_LOG_PAGE.sc) return errorLocation(SQE_BYTE.CDW10);
  if (status.sct === 0 && status.sc === Status.INVALID_FIELD.sc) {
    // Get Log Page, Identify, Set/Get Features, Abort, Namespace Attachment: their selecting field is in CDW10.
    return errorLocation(opcode === 0x02 || opcode === 0x06 || opcode === 0x09 || opcode === 0x0a || opcode === 0x15 ? SQE_BYTE.CDW10 : SQE_BYTE.CDW11);
  }
  return NOT_SPECIFIC;
}
