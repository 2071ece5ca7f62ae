// The host-visible AEN / Changed Namespace List model behind the specification chart (machines/aen-log-page.chart.ts):
// what a host must observe after each of its actions, per profile (NVMe Base 2.0 §5.2, §5.16.1.5, §5.27.1.9, §5.1,
// §3.7.2). Pure: `applyEvent` gives the next context, including `expect`, the completions the step must produce.
// This is the oracle generated tests check a controller against; it shares no code with the emulator's latch.
import type { Profile } from '../profiles/profiles.ts';

export type ChartPolicy = Pick<
  Profile,
  'aecGatesNamespaceNotice' | 'noticePerNewNsid' | 'resetClearsChangedList' | 'retainUnreadChangesOverReset' | 'abortAbortsAer' | 'resetRestoresAec' | 'aerCompletionOrder'
> & { readonly profile: string; readonly noticesEnabledAtStart: boolean };

export function chartPolicy(p: Profile): ChartPolicy {
  return {
    profile: p.name,
    aecGatesNamespaceNotice: p.aecGatesNamespaceNotice,
    noticePerNewNsid: p.noticePerNewNsid,
    resetClearsChangedList: p.resetClearsChangedList,
    retainUnreadChangesOverReset: p.retainUnreadChangesOverReset,
    abortAbortsAer: p.abortAbortsAer,
    resetRestoresAec: p.resetRestoresAec,
    aerCompletionOrder: p.aerCompletionOrder,
    noticesEnabledAtStart: (p.aecDefault & 0x100) !== 0,
  };
}

/** One completion a step must produce, in arrival order. AER completions take the parked AER the profile picks. */
export type ExpectedCompletion =
  | { readonly kind: 'aen' }
  | { readonly kind: 'aerLimitExceeded' }
  | { readonly kind: 'aerAborted' }
  | { readonly kind: 'logPage'; readonly list: readonly number[] | 'overflow' }
  | { readonly kind: 'abort'; readonly aborted: boolean }
  | { readonly kind: 'setFeatures' };

export interface ChartContext {
  readonly policy: ChartPolicy;
  readonly aerLimit: number;
  /** AERs parked (the host keeps their CIDs). */
  readonly parked: number;
  /** The expected Changed Namespace List. */
  readonly changed: readonly number[];
  readonly overflow: boolean;
  readonly noticesEnabled: boolean;
  /** A notice was reported and is masked until a RAE=0 read. */
  readonly masked: boolean;
  /** Notice events waiting to be reported: spec ≤ 1 (the unread list); QEMU one per newly changed NSID. */
  readonly queued: number;
  /** What the last step must have produced. */
  readonly expect: readonly ExpectedCompletion[];
}

export type ChartEvent =
  | { type: 'aer.submit' }
  | { type: 'namespace.change'; nsid: number }
  | { type: 'namespace.overflow' }
  | { type: 'changedList.read'; rae: boolean }
  | { type: 'changedList.readShort' }
  | { type: 'notices.set'; enabled: boolean }
  | { type: 'aer.abort' }
  | { type: 'controller.reset' };

/** First NSID of the 1025 distinct changes of `namespace.overflow`. */
export const OVERFLOW_FIRST_NSID = 100;
export const OVERFLOW_COUNT = 1025;

export function initialChartContext(input: { policy: ChartPolicy; aerl: number }): ChartContext {
  return {
    policy: input.policy,
    aerLimit: input.aerl + 1,
    parked: 0,
    changed: [],
    overflow: false,
    noticesEnabled: input.policy.noticesEnabledAtStart,
    masked: false,
    queued: 0,
    expect: [],
  };
}

const reportable = (c: ChartContext): boolean => !c.policy.aecGatesNamespaceNotice || c.noticesEnabled;
const hasUnread = (c: ChartContext): boolean => c.overflow || c.changed.length > 0;
/** Is a notice event waiting (not yet reported)? */
export const hasPendingNotice = (c: ChartContext): boolean => !c.masked && (c.policy.noticePerNewNsid ? c.queued > 0 : c.queued > 0 && hasUnread(c));

/** Report waiting notices to parked AERs while allowed (one per unmask). */
function deliver(c: ChartContext, expect: ExpectedCompletion[]): ChartContext {
  if (c.masked || c.parked === 0 || !reportable(c) || !hasPendingNotice(c)) return c;
  expect.push({ kind: 'aen' });
  return { ...c, parked: c.parked - 1, masked: true, queued: c.queued - 1 };
}

function record(c: ChartContext, nsids: readonly number[]): ChartContext {
  const set = new Set(c.changed);
  let overflow = c.overflow;
  let fresh = 0;
  for (const nsid of nsids) {
    if (overflow || set.has(nsid)) continue;
    fresh++;
    if (set.size >= 1024) {
      overflow = true;
      set.clear();
    } else set.add(nsid);
  }
  const changed = fresh === 0 ? c.changed : [...set].sort((a, b) => a - b);
  // spec: one event stands for the whole unread list; QEMU: one event per newly set NSID.
  const queued = c.policy.noticePerNewNsid ? c.queued + fresh : fresh > 0 || c.queued > 0 ? 1 : 0;
  return { ...c, changed, overflow, queued };
}

function readList(c: ChartContext, rae: boolean, short: boolean, expect: ExpectedCompletion[]): ChartContext {
  const list = c.overflow ? 'overflow' : short ? c.changed.slice(0, 2) : c.changed;
  // The read consumes the whole list (every peer), whatever RAE says.
  let next: ChartContext = { ...c, changed: [], overflow: false };
  if (!c.policy.noticePerNewNsid && !c.masked) next = { ...next, queued: 0 };
  if (!rae) {
    next = { ...next, masked: false };
    if (!c.policy.noticePerNewNsid) next = { ...next, queued: 0 };
  }
  const aens: ExpectedCompletion[] = [];
  next = deliver(next, aens); // QEMU: the unmask lets a queued event go at once, before the read completes
  expect.push(...aens, { kind: 'logPage', list });
  return next;
}

// Guards of the chart ask for the same successor several times per transition: remember it per context object.
const successors = new WeakMap<ChartContext, Map<string, ChartContext>>();

export function applyEvent(c0: ChartContext, event: ChartEvent): ChartContext {
  let memo = successors.get(c0);
  if (!memo) successors.set(c0, (memo = new Map()));
  const key = event.type === 'namespace.change' ? `n${event.nsid}` : event.type === 'changedList.read' ? `r${event.rae ? 1 : 0}` : event.type === 'notices.set' ? `s${event.enabled ? 1 : 0}` : event.type;
  const known = memo.get(key);
  if (known) return known;
  const next = successor(c0, event);
  memo.set(key, next);
  return next;
}

function successor(c0: ChartContext, event: ChartEvent): ChartContext {
  const expect: ExpectedCompletion[] = [];
  let c: ChartContext = { ...c0, expect: [] };
  switch (event.type) {
    case 'aer.submit':
      if (c.parked >= c.aerLimit) {
        expect.push({ kind: 'aerLimitExceeded' });
        break;
      }
      c = deliver({ ...c, parked: c.parked + 1 }, expect);
      break;
    case 'namespace.change':
      c = deliver(record(c, [event.nsid]), expect);
      break;
    case 'namespace.overflow':
      c = deliver(record(c, Array.from({ length: OVERFLOW_COUNT }, (_, i) => OVERFLOW_FIRST_NSID + i)), expect);
      break;
    case 'changedList.read':
      c = readList(c, event.rae, false, expect);
      break;
    case 'changedList.readShort':
      c = readList(c, false, true, expect);
      break;
    case 'notices.set':
      expect.push({ kind: 'setFeatures' });
      c = deliver({ ...c, noticesEnabled: event.enabled }, expect);
      break;
    case 'aer.abort':
      if (c.parked > 0 && c.policy.abortAbortsAer) {
        expect.push({ kind: 'aerAborted' }, { kind: 'abort', aborted: true });
        c = { ...c, parked: c.parked - 1 };
      } else expect.push({ kind: 'abort', aborted: false });
      break;
    case 'controller.reset': {
      const changed = c.policy.resetClearsChangedList ? [] : c.changed;
      const overflow = c.policy.resetClearsChangedList ? false : c.overflow;
      const retained = c.policy.retainUnreadChangesOverReset && (overflow || changed.length > 0) ? 1 : 0;
      c = {
        ...c,
        parked: 0,
        masked: false,
        changed,
        overflow,
        queued: retained,
        noticesEnabled: c.policy.resetRestoresAec ? c.policy.noticesEnabledAtStart : c.noticesEnabled,
      };
      break;
    }
  }
  return { ...c, expect };
}

/** The chart state a context belongs in. */
export function chartStateOf(c: ChartContext): 'idle' | 'aerParked' | 'noticePending' | 'noticeReported' {
  if (c.masked) return 'noticeReported';
  if (hasPendingNotice(c)) return 'noticePending';
  return c.parked > 0 ? 'aerParked' : 'idle';
}
