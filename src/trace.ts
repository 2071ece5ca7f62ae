// The trace catalogue: one typed list of everything nvme-actors traces, as QEMU's trace-events is one list. Two
// sources share it: the emulator's trace events (`controller.onTrace`: what the facade and the latch report
// outward) and the scenario runner's records (the trace of `nvme-actors run`, text and `--json`, and of the HTML
// report). TRACE_CATALOGUE names every kind of both with what it carries; a kind missing from it does not compile.
import type { LatchEmitted } from '../machines/events.ts';
import type { Status } from './spec/constants.ts';
import type { AenInfo, ErrorLogEntry } from './scenario/decode.ts';

export type TraceEvent =
  | LatchEmitted
  | { type: 'command.fetched'; cid: number; opcode: number; sqhd: number }
  | { type: 'completion.posted'; cid: number; sqid: number; sqhd: number; status: Status; dw0: number }
  | { type: 'completion.refused'; cid: number; reason: string }
  | { type: 'namespace.attachment'; nsid: number; attached: boolean }
  | { type: 'doorbell.invalid'; offset: number; value: number; reason: string }
  | { type: 'register.written'; name: string; value: number }
  | { type: 'controller.enabled'; sqSize: number; cqSize: number }
  | { type: 'controller.reset' }
  | { type: 'controller.enableFailed'; reason: string }
  | { type: 'fault.fired'; side: 'submission' | 'completion' | 'enable'; kind: string; cid: number | null }
  | { type: 'command.dropped'; cid: number; opcode: number }
  | { type: 'controller.panicked'; side: 'submission' | 'completion' | 'controller'; cid: number | null; message: string };

/** A status as the runner records it. */
export type TraceStatus = { sct: number; sc: number; dnr: boolean };

/** The scenario runner's records (docs/scenarios.md "Trace"). `tag` is null for a command the host sent itself,
 * and then `why` says what for (`namespaceChange 2`, `controller id for attach`). */
export type TraceRecord =
  | { kind: 'submit'; tag: string | null; cid: number; opcode: number; command: string; why?: string }
  | {
      kind: 'completion';
      tag: string | null;
      cid: number;
      sqid: number;
      sqhd: number;
      status: TraceStatus;
      /** `success`, `invalidField`, … or `SCT/SCh`. */
      statusName: string;
      dw0: string;
      /** The command completed (absent only for a CID the host never sent). */
      opcode?: number;
      command?: string;
      why?: string;
      /** A successful Asynchronous Event Request: its DW0 decoded. */
      aen?: AenInfo;
    }
  | { kind: 'receipt'; nsid: number; count: number; outcome: string; aen?: { cid: number; dw0: string }; via?: string }
  | {
      kind: 'log';
      tag: string | null;
      cid?: number;
      lid?: number;
      /** `changedNamespaceList`, `errorInformation`, `smartHealth`, … */
      page?: string;
      /** 04h: the NSIDs in the list (empty on overflow). */
      nsids?: readonly number[];
      /** 04h: entry 0 was FFFFFFFFh (more than 1024 namespaces changed). */
      overflow?: boolean;
      /** 01h: the entries whose Error Count is not 0 (at most 64), and how many more there were. */
      entries?: readonly ErrorLogEntry[];
      more?: number;
      /** 02h: its key fields. */
      smart?: { criticalWarning: number; compositeTemperature: number; availableSpare: number; percentageUsed: number };
      /** Bytes received. */
      bytes?: number;
      why?: string;
    }
  | {
      kind: 'identify';
      tag: string | null;
      cid: number;
      cns: number;
      /** `namespace`, `controller`, `activeNamespaceList` */
      structure: string;
      nsid: number;
      nsids?: readonly number[];
      controller?: { vid: number; cntlid: number; aerl: number; oaes: number; nn: number; mdts: number; mn: string };
      namespace?: { nsze: number; ncap: number; nuse: number; lbaSize: number };
      why?: string;
    }
  | { kind: 'register'; name: string; value: string }
  | { kind: 'lifecycle'; action: 'enable' | 'disable' | 'shutdown' }
  | { kind: 'expect'; step: number; ok: boolean; message: string }
  | { kind: 'note'; message: string };

interface CatalogueEntry {
  readonly source: 'emulator' | 'runner';
  readonly carries: string;
}

/** Every trace kind: the runner's records by `kind`, the emulator's events by `type`. */
export const TRACE_CATALOGUE = {
  submit: { source: 'runner', carries: 'a command written to the submission queue: tag (null: sent by the host itself, then why), cid, opcode and its name' },
  completion: { source: 'runner', carries: 'a completion consumed from the completion queue: tag, cid, sqid, sqhd, status and its name, dw0, the command (opcode and name), an AEN decoded (type, info, log page)' },
  receipt: { source: 'runner', carries: 'the receipt of a namespaceChange step: nsid, count, outcome (posted, coalesced, deferred), the AEN it reached, or the means used (via) on a peer without receipts' },
  log: { source: 'runner', carries: 'what a Get Log Page returned: lid and page name; 04h the NSIDs or the overflow marker; 01h the entries; 02h the key fields; bytes received' },
  identify: { source: 'runner', carries: 'what an Identify returned: cns and structure name; CNS 02h the NSID list; 01h vid, cntlid, aerl, oaes, nn, mdts, mn; 00h nsze, ncap, nuse, LBA size' },
  register: { source: 'runner', carries: 'a register read by an expectRegister step: name, value' },
  lifecycle: { source: 'runner', carries: 'enable, disable (controller reset) or shutdown done' },
  expect: { source: 'runner', carries: 'an expectation: the step index, whether it held, and what was expected against what was received' },
  note: { source: 'runner', carries: 'anything else worth knowing (a fault set up, a step a target cannot carry out, a peer failure)' },
  'namespace.processed': { source: 'emulator', carries: 'a namespace change processed by the latch: requestId, nsid, outcome' },
  'aen.posted': { source: 'emulator', carries: 'an AEN posted: the AER cid, dw0' },
  'namespaces.processed': { source: 'emulator', carries: 'every change of a batch processed in one step: changes (nsid, requestId), outcome' },
  'latch.reset': { source: 'emulator', carries: 'a controller reset took the latch offline: parked AERs dropped, masks cleared' },
  'aer.parked': { source: 'emulator', carries: 'an AER parked: cid, how many are parked' },
  'aer.dropped': { source: 'emulator', carries: 'parked AERs dropped without completion (controller reset): cids' },
  'changedList.read': { source: 'emulator', carries: 'the Changed Namespace List read: nsids, overflow, rae, whether the notice was unmasked' },
  'errorLog.read': { source: 'emulator', carries: 'the Error Information log read: entries, rae, whether the notice was unmasked' },
  'command.fetched': { source: 'emulator', carries: 'a command fetched from the admin SQ: cid, opcode, sqhd' },
  'completion.posted': { source: 'emulator', carries: 'a completion written to the admin CQ: cid, sqid, sqhd, status, dw0' },
  'completion.refused': { source: 'emulator', carries: 'a completion that could not be written (full CQ, CQ outside memory): cid, reason' },
  'namespace.attachment': { source: 'emulator', carries: 'a namespace attached or detached: nsid, attached' },
  'doorbell.invalid': { source: 'emulator', carries: 'a doorbell write refused: offset, value, reason' },
  'register.written': { source: 'emulator', carries: 'a register written by the host: name, value' },
  'controller.enabled': { source: 'emulator', carries: 'CC.EN 0→1 accepted: sqSize, cqSize' },
  'controller.reset': { source: 'emulator', carries: 'CC.EN 1→0: a controller reset' },
  'controller.enableFailed': { source: 'emulator', carries: 'CC.EN 0→1 refused (CSTS.CFS): reason' },
  'fault.fired': { source: 'emulator', carries: 'an injected fault fired: side, kind, cid' },
  'command.dropped': { source: 'emulator', carries: 'a command dropped by a fault: cid, opcode' },
  'controller.panicked': { source: 'emulator', carries: 'a panic fault fired: the controller is fatal (CSTS.CFS) until a reset; side, cid (null for an immediate panic), message' },
} as const satisfies Record<TraceRecord['kind'] | TraceEvent['type'], CatalogueEntry>;
