// The pure guards and effects of the AEN / Changed Namespace List specification chart
// (machines/aen-log-page.chart.ts), each a predicate or an effect the NVMe Base 2.0 text names (§5.2 AER and
// masking, §5.1 Abort, §5.16 Get Log Page and RAE, §5.16.1.5 Changed Namespace List, §5.27.1.9 AEC, §3.7.2 reset),
// plus the named implementations a profile provides where a peer departs from the spec. The chart's context
// records every completion its effects produce: that record is the oracle of generated tests. Shares no code with
// the emulator's latch (machines/aen-latch.machine.ts, src/logic/aen-latch.ts).
import { LogPage, AsyncEventInfo, AsyncEventType } from '../spec/constants.ts';
import { encodeAenDw0 } from '../spec/admin-fields.codec.ts';

/** A completion the controller must post, in the order the chart's effects produce them. AERs are numbered by
 * submission (the first `aer.submit` is AER 1). */
export type Completion =
  | { readonly kind: 'aen'; readonly aer: number; readonly dw0: number }
  | { readonly kind: 'aerLimitExceeded'; readonly aer: number }
  | { readonly kind: 'aerAborted'; readonly aer: number }
  | { readonly kind: 'abort'; readonly aborted: boolean }
  | { readonly kind: 'logPage'; readonly list: readonly number[] | 'overflow' }
  | { readonly kind: 'setFeatures'; readonly rejected?: true };

export interface ChartContext {
  /** AERL + 1: how many AERs may be parked (NVMe Base 2.0 §5.17.2.1, AERL is 0's based). */
  readonly aerLimit: number;
  /** AERs submitted so far (numbers them). */
  readonly submitted: number;
  /** Parked AERs, by number, oldest first. */
  readonly parked: readonly number[];
  /** The Changed Namespace List: ascending (Linux nvmet: in order of change), no duplicates, at most 1024 entries. */
  readonly changed: readonly number[];
  readonly overflow: boolean;
  /** AEC (feature 0Bh) bit 8, Namespace Attribute Notices. */
  readonly noticesOn: boolean;
  /** Namespace Attribute Changed events queued behind the one the notice region shows (behind the pending event, or
   * behind the mask): QEMU queues one per newly listed NSID; the spec coalesces them into one, so 0. */
  readonly queued: number;
  /** Every completion the chart has produced, oldest first: a step's completions are what it appended. */
  readonly completions: readonly Completion[];
}

export type ChartEvent =
  | { type: 'aer.submit' }
  | { type: 'namespace.changed'; nsid: number; count?: number }
  | { type: 'log.read'; rae: boolean; numd: number }
  | { type: 'features.set'; aec: number }
  | { type: 'abort' }
  | { type: 'reset' }
  // Raised by the chart itself (what the controller does in reaction), never sent by a host.
  | { type: 'notice.raised' }
  | { type: 'aen.posted' };

export type HostEvent = Exclude<ChartEvent, { type: 'notice.raised' } | { type: 'aen.posted' }>;
export const INTERNAL_EVENTS = ['notice.raised', 'aen.posted'] as const;

export interface ChartInput {
  readonly aerl: number;
}

/** Namespace Attribute Changed: Notice type, info 00h, log page 04h = 0x00040002 (NVMe Base 2.0 §5.2). */
export const NAMESPACE_ATTRIBUTE_CHANGED_DW0 = encodeAenDw0({ type: AsyncEventType.NOTICE, info: AsyncEventInfo.NOTICE_NAMESPACE_ATTRIBUTE_CHANGED, lid: LogPage.CHANGED_NAMESPACE_LIST });
export const CHANGED_LIST_CAPACITY = 1024;
export const AEC_NAMESPACE_ATTRIBUTE_NOTICES = 0x100;

export function initialChartContext(input: ChartInput): ChartContext {
  if (!Number.isInteger(input.aerl) || input.aerl < 1 || input.aerl > 255) throw new RangeError(`the chart models AERL 1..255, not ${input.aerl}`);
  return { aerLimit: input.aerl + 1, submitted: 0, parked: [], changed: [], overflow: false, noticesOn: true, queued: 0, completions: [] };
}

/** The NSIDs a `namespace.changed` names: `count` consecutive NSIDs from `nsid` (default one). */
export const changedNsids = (e: { nsid: number; count?: number }): number[] => Array.from({ length: e.count ?? 1 }, (_, i) => e.nsid + i);

const add = (c: ChartContext, completion: Completion): readonly Completion[] => [...c.completions, completion];

type Args = { context: ChartContext; event: ChartEvent };

// ---- guards: spec predicates -----------------------------------------------------------------------------------

export const guards = {
  /** The AER being submitted takes the last of the AERL+1 slots. */
  takesLastSlot: ({ context }: Args): boolean => context.parked.length + 1 === context.aerLimit,
  /** Exactly one AER is parked. */
  lastParkedAer: ({ context }: Args): boolean => context.parked.length === 1,
  /** At least one AER is parked. */
  aerParked: ({ context }: Args): boolean => context.parked.length > 0,
  /** AEC bit 8 is clear: the Namespace Attribute notice is not sent. */
  noticesDisabled: ({ context }: Args): boolean => !context.noticesOn,
  /** The Set Features value clears AEC bit 8. */
  clearsAecBit8: ({ event }: Args): boolean => event.type === 'features.set' && (event.aec & AEC_NAMESPACE_ATTRIBUTE_NOTICES) === 0,
  /** Get Log Page CDW10 bit 15: Retain Asynchronous Event. */
  raeSet: ({ event }: Args): boolean => event.type === 'log.read' && event.rae,
  /** Every NSID of the change is already in the list: no new entry. */
  nsidListed: ({ context, event }: Args): boolean => event.type === 'namespace.changed' && changedNsids(event).every((n) => context.changed.includes(n)),
  /** The change's new NSIDs do not fit in the list's 1024 entries. */
  listFull: ({ context, event }: Args): boolean => {
    if (event.type !== 'namespace.changed') return false;
    const set = new Set(context.changed);
    for (const n of changedNsids(event)) set.add(n);
    return set.size > CHANGED_LIST_CAPACITY;
  },
  /** A further Namespace Attribute Changed event is queued. */
  noticeQueued: ({ context }: Args): boolean => context.queued > 0,
  // Profile predicates: the spec's answer here; src/model/chart.ts provides the peers'.
  /** Each newly listed NSID raises an event of its own, and list reads do not discard held events (spec: no). */
  noticePerNewNsid: (_: Args): boolean => false,
  /** Changes still unread at a reset are reported to the next AER (spec: yes, while any are unread). */
  unreadChangesRetained: ({ context }: Args): boolean => context.overflow || context.changed.length > 0,
  /** A reset empties the Changed Namespace List (spec: no). */
  resetEmptiesList: (_: Args): boolean => false,
  /** Abort cannot abort a parked AER: it answers DW0 bit 0 = 1 (spec: it can). */
  cannotAbortAer: (_: Args): boolean => false,
  /** AEC bit 8 is read when the change happens and is clear: the change raises no event at all (spec: the event
   * is recorded and waits for the bit). */
  changeUnannounced: (_: Args): boolean => false,
};

export type ChartGuard = keyof typeof guards;

/** Named implementations a profile may provide in place of the spec's, by the guard they stand for. */
export const profileGuards = {
  /** QEMU 7.2: AEC bit 8 does not gate the notice. */
  aecIgnored: (_: Args): boolean => false,
  always: (_: Args): boolean => true,
  never: (_: Args): boolean => false,
} as const;

// ---- effects -----------------------------------------------------------------------------------------------------

export const effects = {
  /** Park the submitted AER: it has no completion until an event is reported. */
  parkAer: (c: ChartContext): Partial<ChartContext> => ({ submitted: c.submitted + 1, parked: [...c.parked, c.submitted + 1] }),
  /** Complete the submitted AER at once with 1/05h, Asynchronous Event Request Limit Exceeded. */
  rejectAer: (c: ChartContext): Partial<ChartContext> => ({ submitted: c.submitted + 1, completions: add(c, { kind: 'aerLimitExceeded', aer: c.submitted + 1 }) }),
  /** Complete the newest parked AER with DW0 00040002h (parked AERs complete last-in first-out). */
  completeNewestParkedAer: (c: ChartContext): Partial<ChartContext> => ({ parked: c.parked.slice(0, -1), completions: add(c, { kind: 'aen', aer: c.parked[c.parked.length - 1]!, dw0: NAMESPACE_ATTRIBUTE_CHANGED_DW0 }) }),
  /** Complete the oldest parked AER with DW0 00040002h (a first-in first-out controller). */
  completeOldestParkedAer: (c: ChartContext): Partial<ChartContext> => ({ parked: c.parked.slice(1), completions: add(c, { kind: 'aen', aer: c.parked[0]!, dw0: NAMESPACE_ATTRIBUTE_CHANGED_DW0 }) }),
  /** Abort the newest parked AER: it completes with 0/07h, then the Abort with DW0 bit 0 = 0. */
  abortNewestParkedAer: (c: ChartContext): Partial<ChartContext> => ({ parked: c.parked.slice(0, -1), completions: [...add(c, { kind: 'aerAborted', aer: c.parked[c.parked.length - 1]! }), { kind: 'abort', aborted: true }] }),
  /** The Abort completes with DW0 bit 0 = 1: not aborted. */
  answerNotAborted: (c: ChartContext): Partial<ChartContext> => ({ completions: add(c, { kind: 'abort', aborted: false }) }),
  /** A reset drops parked AERs with no completion. */
  dropParkedAers: (_: ChartContext): Partial<ChartContext> => ({ parked: [] }),
  /** Queue a further Namespace Attribute Changed event. */
  queueNotice: (c: ChartContext): Partial<ChartContext> => ({ queued: c.queued + 1 }),
  /** Take the oldest queued event out of the queue (to raise it again). */
  dequeueNotice: (c: ChartContext): Partial<ChartContext> => ({ queued: c.queued - 1 }),
  /** Forget every queued event. */
  discardQueue: (_: ChartContext): Partial<ChartContext> => ({ queued: 0 }),
  /** Add the change's NSIDs to the list in the order they changed, without duplicates (Linux nvmet). */
  appendNsidInChangeOrder: (c: ChartContext, e: ChartEvent): Partial<ChartContext> => {
    if (e.type !== 'namespace.changed') return {};
    return { changed: [...new Set([...c.changed, ...changedNsids(e)])] };
  },
  /** Add the change's NSIDs to the list, ascending and without duplicates. */
  appendNsid: (c: ChartContext, e: ChartEvent): Partial<ChartContext> => {
    if (e.type !== 'namespace.changed') return {};
    return { changed: [...new Set([...c.changed, ...changedNsids(e)])].sort((a, b) => a - b) };
  },
  /** The list overflowed: entry 0 reads FFFFFFFFh and the rest zero until it is read. */
  markOverflow: (_: ChartContext): Partial<ChartContext> => ({ changed: [], overflow: true }),
  /** Get Log Page 04h completes with the list (its first NUMD dwords). */
  returnList: (c: ChartContext, e: ChartEvent): Partial<ChartContext> => {
    const numd = e.type === 'log.read' ? e.numd : CHANGED_LIST_CAPACITY;
    return { completions: add(c, { kind: 'logPage', list: c.overflow ? 'overflow' : c.changed.slice(0, numd) }) };
  },
  /** The list is empty again. */
  emptyList: (_: ChartContext): Partial<ChartContext> => ({ changed: [], overflow: false }),
  /** Set Features 0Bh completes successfully. */
  completeSetFeatures: (c: ChartContext): Partial<ChartContext> => ({ completions: add(c, { kind: 'setFeatures' }) }),
  /** Set Features 0Bh fails with Invalid Field: the controller has no feature 0Bh (a profile's implementation). */
  rejectSetFeatures: (c: ChartContext): Partial<ChartContext> => ({ completions: add(c, { kind: 'setFeatures', rejected: true }) }),
  /** AEC bit 8 cleared. */
  disableNotices: (_: ChartContext): Partial<ChartContext> => ({ noticesOn: false }),
  /** AEC bit 8 set (by Set Features, or by a reset restoring the default). */
  enableNotices: (_: ChartContext): Partial<ChartContext> => ({ noticesOn: true }),
};

export type ChartEffect = keyof typeof effects | 'postAen' | 'raiseNotice';

// ---- the catalogue: what each name means, and where the spec says it ----------------------------------------

export interface CatalogueEntry {
  readonly kind: 'guard' | 'action';
  readonly text: string;
  readonly clause: string;
  /** A profile predicate: the spec's answer is built in; peers provide theirs (src/model/chart.ts). */
  readonly profile?: true;
}

export const CATALOGUE: Readonly<Record<string, CatalogueEntry>> = {
  takesLastSlot: { kind: 'guard', text: 'this AER takes the last of the AERL+1 slots', clause: '§5.2, §5.17.2.1 (AERL)' },
  lastParkedAer: { kind: 'guard', text: 'exactly one AER is parked', clause: '§5.2' },
  aerParked: { kind: 'guard', text: 'an AER is outstanding to carry the event', clause: '§5.2' },
  noticesDisabled: { kind: 'guard', text: 'AEC bit 8 is clear: no Namespace Attribute notice is sent', clause: '§5.27.1.9', profile: true },
  clearsAecBit8: { kind: 'guard', text: 'the Set Features 0Bh value has bit 8 clear', clause: '§5.27.1.9' },
  raeSet: { kind: 'guard', text: 'Get Log Page with RAE=1: the event is retained, the mask stays', clause: '§5.16 (CDW10 bit 15)' },
  nsidListed: { kind: 'guard', text: 'every changed NSID is already in the list', clause: '§5.16.1.5' },
  listFull: { kind: 'guard', text: 'the new NSIDs do not fit in 1024 entries', clause: '§5.16.1.5' },
  noticeQueued: { kind: 'guard', text: 'a further Namespace Attribute Changed event is queued', clause: '§5.2 (retained events)' },
  noticePerNewNsid: { kind: 'guard', text: 'each new NSID raises its own event; reads keep queued ones', clause: '§5.2 (retained events)', profile: true },
  unreadChangesRetained: { kind: 'guard', text: 'changes unread at the reset are reported to the next AER', clause: '§3.7.2, §5.2 (retained events)', profile: true },
  resetEmptiesList: { kind: 'guard', text: 'a reset empties the Changed Namespace List', clause: '§3.7.2, §5.16.1.5', profile: true },
  cannotAbortAer: { kind: 'guard', text: 'Abort does not abort an AER: DW0 bit 0 = 1', clause: '§5.1', profile: true },
  changeUnannounced: { kind: 'guard', text: 'AEC bit 8 is clear when the namespace changes: no event is raised, none is kept', clause: '§5.27.1.9', profile: true },
  parkAer: { kind: 'action', text: 'the AER is parked, no completion yet', clause: '§5.2' },
  rejectAer: { kind: 'action', text: 'the AER completes at once with 1/05h (limit exceeded)', clause: '§5.2' },
  postAen: { kind: 'action', text: 'raise aen.posted: the notice is reported and masked', clause: '§5.2' },
  completeNewestParkedAer: { kind: 'action', text: 'the newest parked AER completes, DW0 00040002h', clause: '§5.2' },
  abortNewestParkedAer: { kind: 'action', text: 'the newest parked AER completes 0/07h, then Abort DW0 = 0', clause: '§5.1' },
  answerNotAborted: { kind: 'action', text: 'Abort completes with DW0 bit 0 = 1', clause: '§5.1' },
  dropParkedAers: { kind: 'action', text: 'parked AERs vanish with no completion', clause: '§3.7.2, §5.2' },
  queueNotice: { kind: 'action', text: 'one more event waits in the queue', clause: '§5.2 (retained events)' },
  dequeueNotice: { kind: 'action', text: 'the oldest queued event leaves the queue', clause: '§5.2' },
  discardQueue: { kind: 'action', text: 'queued events are forgotten', clause: '§3.7.2' },
  raiseNotice: { kind: 'action', text: 'raise notice.raised: a Namespace Attribute Changed event occurs', clause: '§5.2, §5.16.1.5' },
  appendNsid: { kind: 'action', text: 'the NSIDs join the list, ascending, no duplicates', clause: '§5.16.1.5' },
  markOverflow: { kind: 'action', text: 'the list reads FFFFFFFFh in entry 0', clause: '§5.16.1.5' },
  returnList: { kind: 'action', text: 'Get Log Page 04h completes with the list', clause: '§5.16, §5.16.1.5' },
  emptyList: { kind: 'action', text: 'the list is empty again (read, whatever RAE says)', clause: '§5.16.1.5' },
  completeSetFeatures: { kind: 'action', text: 'Set Features 0Bh completes successfully', clause: '§5.27' },
  disableNotices: { kind: 'action', text: 'AEC bit 8 is now clear', clause: '§5.27.1.9' },
  enableNotices: { kind: 'action', text: 'AEC bit 8 is now set', clause: '§5.27.1.9' },
};
