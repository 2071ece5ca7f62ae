// What a host owes the controller after an Asynchronous Event, as pure guards and effects for the host-behaviour
// chart (machines/host-behaviour.chart.ts): re-arm the Asynchronous Event Request (NVMe Base 2.0 §5.2), read the
// log page the event names with RAE=0, or with RAE=1 and later RAE=0 (§5.2, §5.16), and rescan the namespaces a
// Changed Namespace List names (§5.16.1.5, Identify §5.17.2). The events are what a host was seen to send and get
// back (a trace); the departures are what it left undone when the trace ended. Pure: no I/O, no clock.
import { Cns, LogPage } from '../spec/constants.ts';

/** What the host did and got, in trace order. `at` is the trace record's number (for the report). */
export type HostEvent =
  | { type: 'aer.submitted'; cid: number; at?: number }
  | { type: 'aer.completed'; cid: number; sct: number; sc: number; dw0: number; at?: number }
  | { type: 'log.completed'; lid: number; rae: boolean; ok: boolean; nsids: readonly number[]; overflow: boolean; at?: number }
  | { type: 'identify.completed'; cns: number; nsid: number; ok: boolean; active?: readonly number[]; at?: number }
  | { type: 'controller.reset'; at?: number }
  | { type: 'trace.ended'; at?: number };

/** The rules a host can depart from, each with the clause it rests on. */
export const HOST_RULES = {
  aerNotRearmed: { clause: 'NVMe Base 2.0 §5.2', summary: 'an AER completed (with an event or an error) and the host left none outstanding: no later event can be reported to it' },
  aerLimitExceeded: { clause: 'NVMe Base 2.0 §5.2', summary: 'the host had more AERs outstanding than AERL+1 allows (Asynchronous Event Request Limit Exceeded, 1/05h)' },
  logNotRead: { clause: 'NVMe Base 2.0 §5.2, §5.16', summary: 'an AEN named a log page the host never read successfully: the event stays masked and no further event of its type is reported' },
  logRetained: { clause: 'NVMe Base 2.0 §5.16 (RAE)', summary: 'the host read the event\'s log page only with Retain Asynchronous Event (RAE) set: the event is still not cleared' },
  notRescanned: { clause: 'NVMe Base 2.0 §5.16.1.5, §5.17.2', summary: 'the Changed Namespace List named namespaces whose Identify data the host never read again' },
} as const;
export type HostRule = keyof typeof HOST_RULES;

export interface Departure {
  readonly type: 'departure';
  readonly rule: HostRule;
  readonly clause: string;
  readonly detail: string;
  /** The trace record at which it was found (the end of the trace for the obligations left undone). */
  readonly at?: number;
}

export interface OwedLog {
  readonly lid: number;
  /** Read with RAE=1 (the data came back, the event was kept). */
  readonly retained: boolean;
  /** The AEN's DW0. */
  readonly dw0: number;
}

export interface HostContext {
  /** CIDs of the AERs outstanding. */
  readonly outstanding: readonly number[];
  /** The last AER to complete, and how: for the report. */
  readonly lastAer: { readonly cid: number; readonly sct: number; readonly sc: number } | null;
  readonly owedLogs: readonly OwedLog[];
  /** NSIDs named by a Changed Namespace List and not identified since. */
  readonly rescan: readonly number[];
  /** The list overflowed (FFFFFFFFh): every namespace is to be rescanned (an active namespace list from 0). */
  readonly rescanAll: boolean;
}

export const initialHostContext = (): HostContext => ({ outstanding: [], lastAer: null, owedLogs: [], rescan: [], rescanAll: false });

const hex = (n: number, w = 2): string => `${n.toString(16).padStart(w, '0').toUpperCase()}h`;
const statusText = (s: { sct: number; sc: number }): string => `${s.sct.toString(16)}/${hex(s.sc)}`;
const ok = (e: { sct: number; sc: number }): boolean => e.sct === 0 && e.sc === 0;
/** The AER completion DW0's log page identifier (bits 23:16). */
const logPageOf = (dw0: number): number => (dw0 >>> 16) & 0xff;
/** Identify CNS values whose data describe the namespace named by NSID (§5.17.2). */
const NAMESPACE_CNS: ReadonlySet<number> = new Set([Cns.NAMESPACE, 0x03, 0x05, 0x06, 0x08, 0x09]);
const MAX_LIST = 1024;

type Ev<T extends HostEvent['type']> = Extract<HostEvent, { type: T }>;

export const guards = {
  /** 1/05h: the AER was refused, never outstanding. */
  isAerLimitExceeded: (_c: HostContext, e: Ev<'aer.completed'>): boolean => e.sct === 0x1 && e.sc === 0x05,
  /** The completing AER is the only one outstanding. */
  isLastOutstandingAer: (c: HostContext, e: Ev<'aer.completed'>): boolean => c.outstanding.length <= 1 && (c.outstanding.length === 0 || c.outstanding[0] === e.cid),
  /** A successful AER completion: an event, naming its log page. */
  isAen: (_c: HostContext, e: Ev<'aer.completed'>): boolean => ok(e),
  /** After this log read, no owed log is left. */
  leavesNothingOwed: (c: HostContext, e: Ev<'log.completed'>): boolean => effects.readLog(c, e).owedLogs.length === 0,
  /** After this log read, every owed log has been read, some only with RAE=1. */
  leavesOnlyRetained: (c: HostContext, e: Ev<'log.completed'>): boolean => {
    const owed = effects.readLog(c, e).owedLogs;
    return owed.length > 0 && owed.every((l) => l.retained);
  },
  /** A successful Changed Namespace List read that names namespaces (or overflowed). */
  listsNamespaces: (_c: HostContext, e: Ev<'log.completed'>): boolean => e.ok && e.lid === LogPage.CHANGED_NAMESPACE_LIST && (e.overflow || e.nsids.length > 0),
  /** After this Identify, nothing is owed a rescan. */
  leavesNothingToRescan: (c: HostContext, e: Ev<'identify.completed'>): boolean => {
    const next = effects.identified(c, e);
    return next.rescan.length === 0 && !next.rescanAll;
  },
};

export const effects = {
  submitAer: (c: HostContext, e: Ev<'aer.submitted'>): HostContext => ({ ...c, outstanding: [...c.outstanding.filter((cid) => cid !== e.cid), e.cid] }),
  completeAer: (c: HostContext, e: Ev<'aer.completed'>): HostContext => ({ ...c, outstanding: c.outstanding.filter((cid) => cid !== e.cid), lastAer: { cid: e.cid, sct: e.sct, sc: e.sc } }),
  dropAers: (c: HostContext): HostContext => ({ ...c, outstanding: [] }),
  /** The AEN's log page is owed a read (a second AEN for the same page keeps one entry, unread). */
  oweLog: (c: HostContext, e: Ev<'aer.completed'>): HostContext => {
    const lid = logPageOf(e.dw0);
    return { ...c, owedLogs: [...c.owedLogs.filter((l) => l.lid !== lid), { lid, retained: false, dw0: e.dw0 }] };
  },
  /** A successful read of an owed log page: RAE=0 clears it, RAE=1 marks it retained. */
  readLog: (c: HostContext, e: Ev<'log.completed'>): HostContext => {
    if (!e.ok) return c;
    const owedLogs = e.rae ? c.owedLogs.map((l) => (l.lid === e.lid ? { ...l, retained: true } : l)) : c.owedLogs.filter((l) => l.lid !== e.lid);
    return { ...c, owedLogs };
  },
  /** A reset clears every event (§3.7.2): nothing is owed to the old association's events. */
  clearLogs: (c: HostContext): HostContext => ({ ...c, owedLogs: [] }),
  oweRescan: (c: HostContext, e: Ev<'log.completed'>): HostContext => ({
    ...c,
    rescan: e.overflow ? c.rescan : [...new Set([...c.rescan, ...e.nsids])].sort((a, b) => a - b),
    rescanAll: c.rescanAll || e.overflow,
  }),
  /** An Identify of a listed namespace covers it; an active namespace list covers the listed namespaces it shows
   * are gone (inactive namespaces have no Identify data to read) and, read from NSID 0, an overflowed list. */
  identified: (c: HostContext, e: Ev<'identify.completed'>): HostContext => {
    if (!e.ok) return c;
    if (NAMESPACE_CNS.has(e.cns)) return { ...c, rescan: c.rescan.filter((n) => n !== e.nsid) };
    if (e.cns === Cns.ACTIVE_NAMESPACE_LIST && e.active) {
      const active = new Set(e.active);
      const last = e.active.length >= MAX_LIST ? e.active[e.active.length - 1]! : Infinity;
      return { ...c, rescan: c.rescan.filter((n) => n <= e.nsid || n > last || active.has(n)), rescanAll: c.rescanAll && e.nsid !== 0 };
    }
    return c;
  },
};

/** The departures, as the chart's actions emit them. */
export const departures = {
  aerNotRearmed: (c: HostContext, e: HostEvent): Departure => ({
    type: 'departure', rule: 'aerNotRearmed', clause: HOST_RULES.aerNotRearmed.clause, at: e.at,
    detail: c.lastAer ? `the last AER (CID ${c.lastAer.cid}) completed with ${ok(c.lastAer) ? 'an event' : `status ${statusText(c.lastAer)}`} and no AER was submitted after it` : 'no AER outstanding',
  }),
  aerLimitExceeded: (_c: HostContext, e: Ev<'aer.completed'>): Departure => ({
    type: 'departure', rule: 'aerLimitExceeded', clause: HOST_RULES.aerLimitExceeded.clause, at: e.at, detail: `AER CID ${e.cid} completed with 1/05h (more than AERL+1 outstanding)`,
  }),
  logNotRead: (c: HostContext, e: HostEvent): Departure => ({
    type: 'departure', rule: 'logNotRead', clause: HOST_RULES.logNotRead.clause, at: e.at,
    detail: `log page ${c.owedLogs.filter((l) => !l.retained).map((l) => `${hex(l.lid)} (AEN DW0 ${hex(l.dw0, 8)})`).join(', ')} never read successfully`,
  }),
  logRetained: (c: HostContext, e: HostEvent): Departure => ({
    type: 'departure', rule: 'logRetained', clause: HOST_RULES.logRetained.clause, at: e.at,
    detail: `log page ${c.owedLogs.map((l) => hex(l.lid)).join(', ')} read only with RAE=1`,
  }),
  notRescanned: (c: HostContext, e: HostEvent): Departure => ({
    type: 'departure', rule: 'notRescanned', clause: HOST_RULES.notRescanned.clause, at: e.at,
    detail: c.rescanAll ? 'the list overflowed and no active namespace list was read from NSID 0' : `NSID ${c.rescan.join(', ')} not identified after the list named ${c.rescan.length === 1 ? 'it' : 'them'}`,
  }),
};
