// What the trace says about a command and what came back: opcode and status names (the scenario format's own),
// an AEN's DW0 decoded (type, information, log page: NVMe Base 2.0 §5.2, Figures 146-150), and the data of a Get
// Log Page (Changed Namespace List 04h §5.16.1.5, Error Information 01h §5.16.1.2, SMART / Health 02h §5.16.1.3)
// or an Identify (CNS 00h, 01h, 02h: §5.17.2). Decoding never throws: a short or odd buffer gives what it holds.
import { AdminOpcode, AsyncEventType, Cns, LogPage } from '../spec/constants.ts';
import { decodeIdentifyController, decodeIdentifyNamespace } from '../spec/identify.codec.ts';
import { OPCODE_NAMES, STATUS_NAMES } from './schema.ts';

const hex2 = (n: number): string => `${n.toString(16).padStart(2, '0').toUpperCase()}h`;

const OPCODE_BY_NUMBER = new Map<number, string>(Object.entries(OPCODE_NAMES).map(([name, op]) => [op, name]));
/** `getLogPage`, or `opcode 99h` for one the format has no name for. */
export const opcodeName = (opcode: number): string => OPCODE_BY_NUMBER.get(opcode) ?? `opcode ${hex2(opcode)}`;

/** `invalidField`, or `SCT/SCh` (`1/0Ch`) for a status the format has no name for. */
export function statusName(s: { sct: number; sc: number }): string {
  for (const [name, v] of Object.entries(STATUS_NAMES)) if (v.sct === s.sct && v.sc === s.sc) return name;
  return `${s.sct.toString(16)}/${hex2(s.sc)}`;
}

const EVENT_TYPES: Readonly<Record<number, string>> = {
  [AsyncEventType.ERROR]: 'error',
  [AsyncEventType.SMART_HEALTH]: 'smartHealth',
  [AsyncEventType.NOTICE]: 'notice',
  [AsyncEventType.IO_COMMAND_SPECIFIC]: 'ioCommandSpecific',
  [AsyncEventType.VENDOR_SPECIFIC]: 'vendorSpecific',
};
/** Asynchronous Event Information per type (NVMe Base 2.0 Figures 147-149). */
const EVENT_INFOS: Readonly<Record<number, readonly string[]>> = {
  [AsyncEventType.ERROR]: ['invalidDoorbellRegister', 'invalidDoorbellValue', 'diagnosticFailure', 'persistentInternalError', 'transientInternalError', 'firmwareImageLoadError'],
  [AsyncEventType.SMART_HEALTH]: ['nvmSubsystemReliability', 'temperatureThreshold', 'spareBelowThreshold'],
  [AsyncEventType.NOTICE]: ['namespaceAttributeChanged', 'firmwareActivationStarting', 'telemetryLogChanged', 'asymmetricNamespaceAccessChange', 'predictableLatencyEventAggregateLogChange', 'lbaStatusInformationAlert', 'enduranceGroupEventAggregateLogChange'],
};
const LOG_PAGES: Readonly<Record<number, string>> = {
  [LogPage.SUPPORTED_LOG_PAGES]: 'supportedLogPages',
  [LogPage.ERROR_INFORMATION]: 'errorInformation',
  [LogPage.SMART_HEALTH]: 'smartHealth',
  [LogPage.FIRMWARE_SLOT]: 'firmwareSlot',
  [LogPage.CHANGED_NAMESPACE_LIST]: 'changedNamespaceList',
};
export const logPageName = (lid: number): string => LOG_PAGES[lid] ?? `log ${hex2(lid)}`;

/** An AEN's completion DW0: type (bits 2:0), information (15:8), log page (23:16). */
export interface AenInfo {
  readonly type: number;
  readonly typeName: string;
  readonly info: number;
  readonly infoName: string;
  readonly logPage: number;
  readonly logPageName: string;
}

export function decodeAen(dw0: number): AenInfo {
  const type = dw0 & 0x7;
  const info = (dw0 >>> 8) & 0xff;
  const logPage = (dw0 >>> 16) & 0xff;
  return { type, typeName: EVENT_TYPES[type] ?? `type ${type}`, info, infoName: EVENT_INFOS[type]?.[info] ?? `info ${hex2(info)}`, logPage, logPageName: logPageName(logPage) };
}

/** One Error Information entry (64 bytes) whose Error Count is not 0. */
export interface ErrorLogEntry {
  readonly errorCount: number;
  readonly sqid: number;
  readonly cid: number;
  readonly status: { readonly sct: number; readonly sc: number; readonly dnr: boolean };
  readonly parameterErrorLocation: number;
  readonly lba: number;
  readonly nsid: number;
}

/** What a Get Log Page returned, as the trace records it. */
export type LogContents =
  | { readonly nsids: readonly number[]; readonly overflow: boolean }
  | { readonly entries: readonly ErrorLogEntry[]; readonly more: number }
  | { readonly smart: { readonly criticalWarning: number; readonly compositeTemperature: number; readonly availableSpare: number; readonly percentageUsed: number } }
  | Record<string, never>;

/** Entries kept in one record (a 128 KiB read holds 2048 Error Information entries). */
const MAX_ENTRIES = 64;

const view = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);
const u64 = (v: DataView, at: number): number => Number(v.getBigUint64(at, true));

/** A list of NSIDs (Changed Namespace List, Active Namespace List): ascending entries up to the first zero. */
function nsidList(b: Uint8Array): number[] {
  const v = view(b);
  const out: number[] = [];
  for (let at = 0; at + 4 <= b.length; at += 4) {
    const n = v.getUint32(at, true);
    if (n === 0) break;
    out.push(n);
  }
  return out;
}

export function decodeLog(lid: number, data: Uint8Array): LogContents {
  const v = view(data);
  switch (lid) {
    case LogPage.CHANGED_NAMESPACE_LIST: {
      const nsids = nsidList(data);
      return nsids[0] === 0xffffffff ? { nsids: [], overflow: true } : { nsids, overflow: false };
    }
    case LogPage.ERROR_INFORMATION: {
      const entries: ErrorLogEntry[] = [];
      let more = 0;
      for (let at = 0; at + 64 <= data.length; at += 64) {
        const errorCount = u64(v, at);
        if (errorCount === 0) continue;
        if (entries.length >= MAX_ENTRIES) {
          more++;
          continue;
        }
        const sf = v.getUint16(at + 12, true) >>> 1;
        entries.push({
          errorCount, sqid: v.getUint16(at + 8, true), cid: v.getUint16(at + 10, true),
          status: { sct: (sf >>> 8) & 0x7, sc: sf & 0xff, dnr: (sf & 0x4000) !== 0 },
          parameterErrorLocation: v.getUint16(at + 14, true), lba: u64(v, at + 16), nsid: v.getUint32(at + 24, true),
        });
      }
      return { entries, more };
    }
    case LogPage.SMART_HEALTH:
      if (data.length < 6) return {};
      return { smart: { criticalWarning: data[0]!, compositeTemperature: v.getUint16(1, true), availableSpare: data[3]!, percentageUsed: data[5]! } };
    default:
      return {};
  }
}

/** The key fields of an Identify data structure, as the trace records them. */
export type IdentifyContents =
  | { readonly nsids: readonly number[] }
  | { readonly controller: { readonly vid: number; readonly cntlid: number; readonly aerl: number; readonly oaes: number; readonly nn: number; readonly mdts: number; readonly mn: string } }
  | { readonly namespace: { readonly nsze: number; readonly ncap: number; readonly nuse: number; readonly lbaSize: number } }
  | Record<string, never>;

const CNS_NAMES: Readonly<Record<number, string>> = { [Cns.NAMESPACE]: 'namespace', [Cns.CONTROLLER]: 'controller', [Cns.ACTIVE_NAMESPACE_LIST]: 'activeNamespaceList' };
export const cnsName = (cns: number): string => CNS_NAMES[cns] ?? `CNS ${hex2(cns)}`;

export function decodeIdentify(cns: number, data: Uint8Array): IdentifyContents {
  if (data.length < 4096) return cns === Cns.ACTIVE_NAMESPACE_LIST ? { nsids: nsidList(data) } : {};
  switch (cns) {
    case Cns.ACTIVE_NAMESPACE_LIST:
      return { nsids: nsidList(data) };
    case Cns.CONTROLLER: {
      const c = decodeIdentifyController(data);
      return { controller: { vid: c.vid, cntlid: c.cntlid, aerl: c.aerl, oaes: c.oaes, nn: c.nn, mdts: c.mdts, mn: c.mn.trim() } };
    }
    case Cns.NAMESPACE: {
      const n = decodeIdentifyNamespace(data);
      const safe = (x: bigint): number => (x <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(x) : Number.MAX_SAFE_INTEGER);
      return { namespace: { nsze: safe(n.nsze), ncap: safe(n.ncap), nuse: safe(n.nuse), lbaSize: n.lbaf0.lbads >= 9 && n.lbaf0.lbads < 32 ? 2 ** n.lbaf0.lbads : 0 } };
    }
    default:
      return {};
  }
}

/** The opcodes whose data the trace decodes. */
export const DECODED = { log: AdminOpcode.GET_LOG_PAGE, identify: AdminOpcode.IDENTIFY, aer: AdminOpcode.ASYNC_EVENT_REQUEST } as const;
