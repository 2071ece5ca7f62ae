// Pure decisions of the AEN latch (NVMe Base 2.0 §5.2 Asynchronous Event Request, §5.16.1.5 Changed Namespace
// List, §5.27.1.9 Asynchronous Event Configuration): which parked AER an event completes, whether the
// Namespace Attribute notice may be reported, which waiting event goes first (oldest first across the Notice and
// Error regions), what the AEN's DW0 is. The latch machine receives these via setup().
import { AsyncEventConfig, AsyncEventInfo, AsyncEventType, LogPage, type Status } from '../spec/constants.ts';
import { encodeAenDw0 } from '../spec/admin-fields.codec.ts';
import { addChanges, type ChangedList, EMPTY_CHANGED_LIST } from './changed-list.ts';
import type { Profile } from '../profiles/profiles.ts';
import { decodeThreshold, EMPTY_ERROR_LOG, initialFirmware, INITIAL_HEALTH, isThresholdValid, smartEventsOf, withChange, withThreshold, type ErrorLog, type Firmware, type Health } from './health.ts';

export type LatchPolicy = Pick<
  Profile,
  | 'aecDefault'
  | 'aecGatesNamespaceNotice'
  | 'resetRestoresAec'
  | 'resetClearsChangedList'
  | 'retainUnreadChangesOverReset'
  | 'aerCompletionOrder'
  | 'aerLimitStatus'
  | 'noticePerNewNsid'
  | 'changedListHonoursOffset'
  | 'retainErrorEvents'
  | 'temperatureThreshold'
  | 'smartHealthEvents'
  | 'smartEventsQueueWhileMasked'
  | 'firmwareActivation'
  | 'errorLogEntries'
  | 'errorLogKeepsEntries'
  | 'changedListOrder'
  | 'aecGatesAtChange'
  | 'aecSetEchoesValue'
  | 'aenDropUnlatches'
>;

/** The latch's knobs of a profile. */
export function latchPolicy(p: Profile): LatchPolicy {
  return {
    aecDefault: p.aecDefault,
    aecGatesNamespaceNotice: p.aecGatesNamespaceNotice,
    resetRestoresAec: p.resetRestoresAec,
    resetClearsChangedList: p.resetClearsChangedList,
    retainUnreadChangesOverReset: p.retainUnreadChangesOverReset,
    aerCompletionOrder: p.aerCompletionOrder,
    aerLimitStatus: p.aerLimitStatus,
    noticePerNewNsid: p.noticePerNewNsid,
    changedListHonoursOffset: p.changedListHonoursOffset,
    retainErrorEvents: p.retainErrorEvents,
    temperatureThreshold: p.temperatureThreshold,
    smartHealthEvents: p.smartHealthEvents,
    smartEventsQueueWhileMasked: p.smartEventsQueueWhileMasked,
    firmwareActivation: p.firmwareActivation,
    errorLogEntries: p.errorLogEntries,
    errorLogKeepsEntries: p.errorLogKeepsEntries,
    changedListOrder: p.changedListOrder,
    aecGatesAtChange: p.aecGatesAtChange,
    aecSetEchoesValue: p.aecSetEchoesValue,
    aenDropUnlatches: p.aenDropUnlatches,
  };
}

export interface PendingChange {
  readonly nsid: number;
  readonly requestId?: string;
  readonly until?: 'processed' | 'aen';
}

/** The namespace changes a latch event carries: `list` from index `from` on. One (`namespace.changed`), a batch
 * (`namespaces.changed`, whose first `from` changes were already taken), or none. No copy of a batch is made: a
 * batch split one change at a time costs one step per change, not a copy of the rest per change. */
export function changesOf(e: { type: string; nsid?: number; requestId?: string; until?: 'processed' | 'aen'; changes?: readonly PendingChange[]; from?: number }): { readonly list: readonly PendingChange[]; readonly from: number } {
  if (e.type === 'namespace.changed' && e.nsid !== undefined) return { list: [{ nsid: e.nsid, requestId: e.requestId, until: e.until }], from: 0 };
  return e.type === 'namespaces.changed' && e.changes ? { list: e.changes, from: e.from ?? 0 } : { list: [], from: 0 };
}

/** Record changes in the Changed Namespace List, in order: the list and (QEMU) one more queued notice for each
 * NSID new to the list. */
export function recordChanges(c: LatchContext, changes: { readonly list: readonly PendingChange[]; readonly from: number }): Pick<LatchContext, 'changed' | 'queuedNotices'> {
  // Linux nvmet appends in the order of change (nvmet_add_to_changed_ns_log); the spec's list is ascending.
  const { list, added } = addChanges(c.changed, changes.list.map((change) => change.nsid), changes.from, c.policy.changedListOrder);
  return { changed: list, queuedNotices: c.policy.noticePerNewNsid ? c.queuedNotices + added : c.queuedNotices };
}

/** Changes that arrived while the controller was offline, newest batch first: appending one is O(1) (a new head),
 * where copying an array per change made N offline changes cost N²/2 copies (issue 13 item 1). */
export interface OfflineChanges {
  readonly changes: readonly PendingChange[];
  readonly earlier: OfflineChanges | null;
}

/** `queue` with `changes` appended (O(1)). */
export const withOfflineChanges = (queue: OfflineChanges | null, changes: readonly PendingChange[]): OfflineChanges | null => (changes.length === 0 ? queue : { changes, earlier: queue });

/** Every offline change, oldest first (one array, built once at the replay). */
export function offlineChangeList(queue: OfflineChanges | null): PendingChange[] {
  const batches: (readonly PendingChange[])[] = [];
  for (let q = queue; q; q = q.earlier) batches.push(q.changes);
  const out: PendingChange[] = [];
  for (let i = batches.length - 1; i >= 0; i--) for (const c of batches[i]!) out.push(c);
  return out;
}

/** The latch's regions that report events: the Notice type's Namespace Attribute Changed and Firmware Activation
 * Starting (each its own mask), the Error type and the SMART / Health type. */
export type EventRegion = 'notice' | 'error' | 'smart' | 'firmware';

export interface LatchContext {
  readonly policy: LatchPolicy;
  /** AERL + 1: how many AERs may be parked at once. */
  readonly aerLimit: number;
  /** CIDs of parked AERs in submission order. */
  readonly parked: readonly number[];
  /** Asynchronous Event Configuration (feature 0Bh). */
  readonly aec: number;
  readonly changed: ChangedList;
  /** Changes that arrived while the controller was not enabled; applied at the next enable (newest batch first). */
  readonly offlineChanges: OfflineChanges | null;
  /** `noticePerNewNsid` (QEMU): notice events queued and not yet reported. */
  readonly queuedNotices: number;
  /** Regions with an event waiting for an AER, oldest first (docs/semantics.md §4: reported oldest first). */
  readonly waiting: readonly EventRegion[];
  /** The Error event to report next: its Asynchronous Event Information (00h or 01h), or null. */
  readonly pendingErrorInfo: number | null;
  /** Error events since the Error Information log was last read with RAE=0 (reported or masked). */
  readonly errors: number;
  /** Composite temperature, thresholds and injected Critical Warning bits. */
  readonly health: Health;
  /** The SMART / Health event to report next (its info), or null. */
  readonly pendingSmartInfo: number | null;
  /** QEMU 7.2 (`smartEventsQueueWhileMasked`): SMART events queued behind the mask, oldest first. */
  readonly queuedSmart: readonly number[];
  readonly firmware: Firmware;
  /** The Error Information log (entries survive reads and resets; the Error event is what RAE clears). */
  readonly errorLog: ErrorLog;
}

export interface LatchInput {
  readonly aerl: number;
  readonly policy: LatchPolicy;
  readonly firmwareRevision?: string;
}

export const NAMESPACE_NOTICE_DW0 = encodeAenDw0({
  type: AsyncEventType.NOTICE,
  info: AsyncEventInfo.NOTICE_NAMESPACE_ATTRIBUTE_CHANGED,
  lid: LogPage.CHANGED_NAMESPACE_LIST,
}); // 0x00040002

/** AEN DW0 of an Error event: type 0, the info, log page 01h (Error Information). */
export const errorEventDw0 = (info: number): number => encodeAenDw0({ type: AsyncEventType.ERROR, info, lid: LogPage.ERROR_INFORMATION });

/** Bytes of one Error Information log entry (§5.16.1.2); this controller keeps none, so every entry reads as zero. */
export const ERROR_LOG_ENTRY_SIZE = 64;

export function initialLatchContext(input: LatchInput): LatchContext {
  return {
    policy: input.policy,
    aerLimit: input.aerl + 1,
    parked: [],
    aec: input.policy.aecDefault,
    changed: EMPTY_CHANGED_LIST,
    offlineChanges: null,
    queuedNotices: 0,
    waiting: [],
    pendingErrorInfo: null,
    errors: 0,
    health: INITIAL_HEALTH,
    pendingSmartInfo: null,
    queuedSmart: [],
    firmware: initialFirmware(input.firmwareRevision ?? FIRMWARE_REVISION),
    errorLog: EMPTY_ERROR_LOG,
  };
}

/** The firmware revision running at power on (Identify Controller FR), and the one the activation fault loads. */
export const FIRMWARE_REVISION = '0.1.0';
export const ACTIVATED_REVISION = '0.2.0';

/** AEN DW0 of a SMART / Health event: type 1, the info, log page 02h. */
export const smartEventDw0 = (info: number): number => encodeAenDw0({ type: AsyncEventType.SMART_HEALTH, info, lid: LogPage.SMART_HEALTH });
/** Firmware Activation Starting: Notice, info 01h, log page 03h = 0x00030102. */
export const FIRMWARE_NOTICE_DW0 = encodeAenDw0({ type: AsyncEventType.NOTICE, info: AsyncEventInfo.NOTICE_FIRMWARE_ACTIVATION_STARTING, lid: LogPage.FIRMWARE_SLOT });

/** The health a latch event leads to (the event's own values applied). */
export function healthAfter(c: LatchContext, e: { type: string; cdw11?: number; temperature?: number; criticalWarning?: number }): Health {
  if (e.type === 'threshold.set' && e.cdw11 !== undefined) {
    const t = decodeThreshold(e.cdw11);
    return isThresholdValid(t) ? withThreshold(c.health, t) : c.health;
  }
  if (e.type === 'health.changed') return withChange(c.health, e);
  return c.health;
}

/** The SMART / Health events (infos) a latch event raises under this controller's AEC and profile. */
export function smartEventsRaised(c: LatchContext, e: { type: string; cdw11?: number; temperature?: number; criticalWarning?: number }): number[] {
  if (!c.policy.smartHealthEvents) return [];
  if (e.type === 'threshold.set' && (c.policy.temperatureThreshold !== 'modelled' || e.cdw11 === undefined || !isThresholdValid(decodeThreshold(e.cdw11)))) return [];
  if (e.type !== 'threshold.set' && e.type !== 'health.changed') return [];
  return smartEventsOf(c.health, healthAfter(c, e), c.aec, e.type === 'threshold.set' || (e.type === 'health.changed' && e.temperature !== undefined));
}

/** Firmware Activation Starting is reported only with AEC bit 9 set (§5.27.1.9). */
export const firmwareNoticesEnabled = (c: LatchContext): boolean => (c.aec & AsyncEventConfig.FIRMWARE_ACTIVATION_NOTICES) !== 0;

/** Whether a waiting Namespace Attribute notice may be sent now, as far as AEC is concerned (Linux nvmet reads AEC
 * only when the change happens: `changeRaisesNotice`). */
export function noticesEnabled(c: LatchContext): boolean {
  return !c.policy.aecGatesNamespaceNotice || c.policy.aecGatesAtChange || (c.aec & AsyncEventConfig.NAMESPACE_ATTRIBUTE_NOTICES) !== 0;
}

/** Whether a namespace change raises a Namespace Attribute Changed event at all (false: Linux nvmet with AEC bit 8
 * clear lists the change and raises nothing; nvmet_ns_changed, drivers/nvme/target/core.c). */
export function changeRaisesNotice(c: LatchContext): boolean {
  return !(c.policy.aecGatesNamespaceNotice && c.policy.aecGatesAtChange) || (c.aec & AsyncEventConfig.NAMESPACE_ATTRIBUTE_NOTICES) !== 0;
}

/** Whether a waiting Namespace Attribute notice could be reported now (AEC allows it; QEMU: one is queued). */
export function noticeReportable(c: LatchContext): boolean {
  return noticesEnabled(c) && (!c.policy.noticePerNewNsid || c.queuedNotices > 0);
}

/** True when no older waiting event that could be reported stands before `region`'s (oldest first). */
export function isNextToReport(c: LatchContext, region: EventRegion): boolean {
  for (const r of c.waiting) {
    if (r === region) return true;
    if (r !== 'notice' || noticeReportable(c)) return false;
  }
  return true;
}

/** `waiting` with `region` appended (once). */
export const withWaiting = (waiting: readonly EventRegion[], region: EventRegion): readonly EventRegion[] => (waiting.includes(region) ? waiting : [...waiting, region]);
export const withoutWaiting = (waiting: readonly EventRegion[], region: EventRegion): readonly EventRegion[] => waiting.filter((r) => r !== region);

/** The CID of the parked AER the next event completes, and the parked list without it. */
export function takeAer(c: LatchContext): { cid: number; parked: readonly number[] } {
  if (c.policy.aerCompletionOrder === 'lifo') return { cid: c.parked[c.parked.length - 1]!, parked: c.parked.slice(0, -1) };
  return { cid: c.parked[0]!, parked: c.parked.slice(1) };
}

export function withoutCid(parked: readonly number[], cid: number): readonly number[] {
  const at = parked.lastIndexOf(cid);
  return at < 0 ? parked : [...parked.slice(0, at), ...parked.slice(at + 1)];
}

/** What a controller reset leaves of the latch (§3.7.2: AERs aborted without completions, masks cleared). */
export function afterReset(c: LatchContext): LatchContext {
  return {
    ...c,
    parked: [],
    queuedNotices: 0,
    waiting: [],
    pendingErrorInfo: null,
    errors: 0,
    pendingSmartInfo: null,
    queuedSmart: [],
    aec: c.policy.resetRestoresAec ? c.policy.aecDefault : c.aec,
    changed: c.policy.resetClearsChangedList ? EMPTY_CHANGED_LIST : c.changed,
  };
}

export type { Status };
