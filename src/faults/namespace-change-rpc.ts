// The namespace-change RPC actor (docs/semantics.md §2 namespaceChange; OpenVMM's `NamespaceChange::ChangeNotification`,
// with a reply per caller): one long-lived callback actor per controller serves every request. It tells the AEN
// latch "namespace N changed" and answers each caller's promise from the latch's emitted facts alone: the
// receipt once the change is processed, and with `until: 'aen'` once an AEN covering it reaches the completion
// queue (NVMe Base 2.0 §5.2: one notice covers every change until the host reads log 04h with RAE=0). The latch
// models NVMe only; who waits for what is kept here. A controller reset rejects the callers waiting for an AEN.
// Where the profile says so (`aenDropUnlatches`, OpenVMM), an AEN answers only once the device confirms it was
// written (`aen.completion`): a dropped AEN answers nobody, as nvme_test's `next_event` completes its RPC only after
// the write. A caller may give up (`namespace.change.cancelled`); it is forgotten at once. With `singleReplySlot`
// (nvme_test's `confirm_namespace_change_fault: Option<Rpc>`), a new request rejects the one still waiting and every
// request is answered by the next AEN posted.
import { fromCallback, type AnyActorRef } from 'xstate';
import type { LatchEmitted, LatchEvent } from '../../machines/events.ts';
import { NAMESPACE_NOTICE_DW0 } from '../logic/aen-latch.ts';
import { NamespaceChangeError, type NamespaceChangeReceipt, type NotifyChangeOptions } from './namespace-change.ts';

/** What a caller's promise is answered through. */
export interface Reply {
  resolve(receipts: NamespaceChangeReceipt[]): void;
  reject(error: NamespaceChangeError): void;
}

/** A request to the RPC actor: NSIDs already checked (1..FFFFFFFEh), one receipt each, in order. */
export interface NamespaceChangeRequested {
  type: 'namespace.change.requested';
  nsids: readonly number[];
  until: 'processed' | 'aen';
  reply: Reply;
}
/** The caller of `reply` gave up (its signal aborted, its timeout passed): reject it with `error`, forget it. */
export interface NamespaceChangeCancelled {
  type: 'namespace.change.cancelled';
  reply: Reply;
  error: NamespaceChangeError;
}
/** The device's word on an AEN the latch asked for: written to the CQ, or dropped by a fault. */
export interface AenCompletion {
  type: 'aen.completion';
  cid: number;
  dw0: number;
  written: boolean;
}
export type NamespaceChangeRpcEvent = NamespaceChangeRequested | NamespaceChangeCancelled | AenCompletion;

export interface NamespaceChangeInput {
  /** The AEN latch: where changes go and whose emitted facts answer the callers. */
  readonly latch: AnyActorRef;
  /** The profile's `noticePerNewNsid` (QEMU): a change made while the notice is masked queues a new event, so it
   * waits for the next AEN instead of being covered by the one posted. */
  readonly noticePerNewNsid: boolean;
  /** The profile's `aenDropUnlatches` (OpenVMM): an AEN answers its callers only once `aen.completion` says it was
   * written; one a fault dropped answers nobody (they wait for the next AEN). */
  readonly confirmAenWrites?: boolean;
  /** nvme_test's single reply slot (opt-in, `openvmm-test`): a new request rejects the waiting one with `replaced`,
   * and every request waits for the next AEN (a change that joins a masked notice waits for a later one). */
  readonly singleReplySlot?: boolean;
  /** Kept current: how many requests are not yet answered. */
  readonly stats?: { waiting: number };
}

interface Request {
  readonly receipts: NamespaceChangeReceipt[];
  left: number;
  readonly reply: Reply;
  readonly until: 'processed' | 'aen';
  readonly changes: Change[];
}
interface Change {
  readonly request: Request;
  readonly index: number;
  readonly nsid: number;
  readonly requestId: string;
  /** What the latch reported when it processed the change (kept while the caller waits for an AEN). */
  outcome?: NamespaceChangeReceipt['outcome'];
}
type Aen = { cid: number; dw0: number };

export const namespaceChangeLogic = fromCallback<NamespaceChangeRpcEvent, NamespaceChangeInput>(({ input, receive }) => {
  const { latch, noticePerNewNsid } = input;
  const confirm = input.confirmAenWrites === true;
  const single = input.singleReplySlot === true;
  let nextId = 0;
  /** Requests not yet answered, by their reply. */
  const open = new Map<Reply, Request>();
  /** Changes sent to the latch and not yet processed, by request id. */
  const unprocessed = new Map<string, Change>();
  /** Processed changes whose caller waits for an AEN that has not been posted (or written) yet, oldest first. */
  let waitingForAen = new Set<Change>();
  /** The Namespace Attribute notice posted and still masked (until a RAE=0 read of log 04h or a reset). */
  let postedNotice: Aen | null = null;
  /** confirm: the AEN posted and not yet confirmed, with the changes it would answer. */
  let unconfirmed: { aen: Aen; covered: Set<Change> } | null = null;
  /** confirm: the AEN of the latest `aen.posted`, and what became of it. */
  let lastAen: { aen: Aen; state: 'unconfirmed' | 'written' | 'dropped' } | null = null;
  /** confirm: the device's word on an AEN that came before the latch's `aen.posted` for it. */
  const early = new Map<number, boolean>();
  const count = (): void => {
    if (input.stats) input.stats.waiting = open.size;
  };

  const settle = (r: Request): void => {
    open.delete(r.reply);
    for (const c of r.changes) {
      unprocessed.delete(c.requestId);
      waitingForAen.delete(c);
      unconfirmed?.covered.delete(c);
    }
    count();
  };
  const answer = (c: Change, outcome: NamespaceChangeReceipt['outcome'], aen?: Aen): void => {
    if (c.request.left <= 0) return;
    c.request.receipts[c.index] = aen && c.request.until === 'aen' ? { nsid: c.nsid, outcome, aen } : { nsid: c.nsid, outcome };
    if (--c.request.left === 0) {
      settle(c.request);
      c.request.reply.resolve(c.request.receipts);
    }
  };
  const fail = (r: Request, error: NamespaceChangeError): void => {
    if (r.left <= 0) return;
    r.left = -1; // one rejection per request
    settle(r);
    r.reply.reject(error);
  };
  const failChange = (c: Change, error: (c: Change) => NamespaceChangeError): void => fail(c.request, error(c));

  /** An AEN is known written (answer what it covers) or dropped (they wait for the next). */
  const aenSettled = (aen: Aen, covered: Iterable<Change>, written: boolean): void => {
    if (lastAen && lastAen.aen.cid === aen.cid) lastAen.state = written ? 'written' : 'dropped';
    if (!written) {
      const next = new Set<Change>(covered);
      for (const c of waitingForAen) next.add(c);
      waitingForAen = next;
      return;
    }
    postedNotice = aen;
    for (const c of [...covered]) answer(c, c.outcome!, aen);
  };

  const processed = (requestId: string | undefined, outcome: NamespaceChangeReceipt['outcome']): void => {
    if (requestId === undefined) return; // a change made by Namespace Attachment
    const c = unprocessed.get(requestId);
    if (!c) return; // given up on meanwhile
    unprocessed.delete(requestId);
    c.outcome = outcome;
    if (outcome === 'posted' && confirm && lastAen) {
      // This change's own AEN was posted in the same step (emitted just before): answered once it is written.
      if (lastAen.state === 'written') return answer(c, outcome, lastAen.aen);
      if (lastAen.state === 'unconfirmed' && unconfirmed) return void unconfirmed.covered.add(c);
      return void waitingForAen.add(c);
    }
    if (c.request.until === 'processed') return answer(c, outcome);
    // 'posted': this change's own AEN was posted in the same step (emitted just before).
    if (outcome === 'posted' && postedNotice) return answer(c, outcome, postedNotice);
    // Masked (§5.2): the change joins the list the posted AEN asks the host to read. nvme_test's single slot waits
    // for a later AEN instead.
    if (outcome === 'coalesced' && !noticePerNewNsid && !single && postedNotice) return answer(c, outcome, postedNotice);
    waitingForAen.add(c);
  };
  const onLatch = (e: LatchEmitted): void => {
    switch (e.type) {
      case 'namespace.processed':
        return processed(e.requestId, e.outcome);
      case 'namespaces.processed':
        for (const c of e.changes) processed(c.requestId, e.outcome);
        return;
      case 'aen.posted': {
        if (e.dw0 !== NAMESPACE_NOTICE_DW0) return; // an Error event covers no namespace change
        const aen = { cid: e.cid, dw0: e.dw0 };
        const covered = waitingForAen;
        waitingForAen = new Set();
        if (!confirm) return aenSettled(aen, covered, true);
        // Still unconfirmed from before: those changes are answered by whichever AEN is written.
        if (unconfirmed) for (const c of unconfirmed.covered) covered.add(c);
        unconfirmed = null;
        lastAen = { aen, state: 'unconfirmed' };
        const known = early.get(aen.cid);
        if (known !== undefined) {
          early.delete(aen.cid);
          return aenSettled(aen, covered, known);
        }
        unconfirmed = { aen, covered };
        return;
      }
      case 'changedList.read':
        if (e.unmasked) postedNotice = null;
        return;
      case 'latch.reset': {
        postedNotice = null;
        lastAen = null;
        early.clear();
        const dropped = [...waitingForAen, ...(unconfirmed?.covered ?? [])];
        waitingForAen = new Set();
        unconfirmed = null;
        for (const c of dropped) failChange(c, (x) => new NamespaceChangeError('reset', `namespace ${x.nsid} change: the controller was reset before an AEN covered it`));
        return;
      }
      default:
        return;
    }
  };
  const subscription = latch.on('*', onLatch as (e: { type: string }) => void);

  const onCompletion = (e: AenCompletion): void => {
    if (!confirm || e.dw0 !== NAMESPACE_NOTICE_DW0) return;
    if (unconfirmed && unconfirmed.aen.cid === e.cid) {
      const { aen, covered } = unconfirmed;
      unconfirmed = null;
      return aenSettled(aen, covered, e.written);
    }
    if (lastAen && lastAen.aen.cid === e.cid && lastAen.state !== 'unconfirmed') return; // already known
    early.set(e.cid, e.written);
  };

  receive((r) => {
    if (r.type === 'aen.completion') return onCompletion(r);
    if (r.type === 'namespace.change.cancelled') {
      const request = open.get(r.reply);
      if (request) fail(request, r.error);
      return;
    }
    if (single) {
      // nvme_test keeps one reply: the new one overwrites it, and the old caller's channel closes.
      for (const old of [...open.values()]) fail(old, new NamespaceChangeError('replaced', `namespace ${old.changes[0]?.nsid ?? '?'} change: a later change took the single reply slot (nvme_test confirm_namespace_change_fault)`));
    }
    const until = single ? 'aen' : r.until;
    const request: Request = { receipts: new Array(r.nsids.length), left: r.nsids.length, reply: r.reply, until, changes: new Array(r.nsids.length) };
    const changes: { nsid: number; requestId: string; until: 'processed' | 'aen' }[] = new Array(r.nsids.length);
    for (let i = 0; i < r.nsids.length; i++) {
      const requestId = String(++nextId);
      const change: Change = { request, index: i, nsid: r.nsids[i]!, requestId };
      request.changes[i] = change;
      unprocessed.set(requestId, change);
      changes[i] = { nsid: r.nsids[i]!, requestId, until };
    }
    open.set(r.reply, request);
    count();
    // One latch event for one NSID, one for a batch (the latch takes it as one change after another).
    const event: LatchEvent = changes.length === 1 ? { type: 'namespace.changed', ...changes[0]! } : { type: 'namespaces.changed', changes };
    latch.send(event);
  });

  return () => {
    subscription.unsubscribe();
    for (const request of [...open.values()]) fail(request, new NamespaceChangeError('stopped', `namespace ${request.changes[0]?.nsid ?? '?'} change: the controller was stopped`));
    unprocessed.clear();
    waitingForAen = new Set();
    unconfirmed = null;
  };
});

/** The arguments of a namespace-change call, checked (NVMe NSIDs 1..FFFFFFFEh, index by index: a hole or an
 * undefined entry is as bad as 0), or the typed error to reject with. Never throws: a getter or a proxy that throws
 * is a bad argument too. */
export function checkRequest(nsids: unknown, opts: unknown): { nsids: number[]; until: 'processed' | 'aen'; signal?: AbortSignal; timeoutMs?: number } | NamespaceChangeError {
  try {
    if (opts !== undefined && (typeof opts !== 'object' || opts === null)) return new NamespaceChangeError('invalidOption', `options must be an object or undefined, got ${opts === null ? 'null' : typeof opts}`);
    const until = (opts as NotifyChangeOptions | undefined)?.until ?? 'processed';
    if (until !== 'processed' && until !== 'aen') return new NamespaceChangeError('invalidOption', `until must be 'processed' or 'aen', got ${typeof until === 'string' ? `'${(until as string).slice(0, 40)}'` : typeof until}`);
    const signal = (opts as NotifyChangeOptions | undefined)?.signal;
    if (signal !== undefined && !(signal instanceof AbortSignal)) return new NamespaceChangeError('invalidOption', `signal must be an AbortSignal, got ${signal === null ? 'null' : typeof signal}`);
    const timeoutMs = (opts as NotifyChangeOptions | undefined)?.timeoutMs;
    if (timeoutMs !== undefined && (typeof timeoutMs !== 'number' || !Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 2147483647)) return new NamespaceChangeError('invalidOption', `timeoutMs must be an integer 1..2147483647, got ${String(timeoutMs).slice(0, 40)}`);
    if (!Array.isArray(nsids) || nsids.length === 0) return new NamespaceChangeError('invalidNsid', 'no NSIDs given: expected a non-empty array of NSIDs 1..FFFFFFFEh');
    const checked: number[] = new Array(nsids.length);
    for (let i = 0; i < nsids.length; i++) {
      const nsid: unknown = nsids[i];
      if (typeof nsid !== 'number' || !Number.isInteger(nsid) || nsid < 1 || nsid > 0xfffffffe || !(i in nsids)) {
        const shown = !(i in nsids) ? 'a hole' : typeof nsid === 'number' ? String(nsid) : typeof nsid;
        return new NamespaceChangeError('invalidNsid', `NSID ${nsids.length > 1 ? `at index ${i} ` : ''}(${shown}) cannot change: it must be an integer 1..FFFFFFFEh (0 and FFFFFFFFh are not namespaces)`);
      }
      checked[i] = nsid;
    }
    return { nsids: checked, until, ...(signal ? { signal } : {}), ...(timeoutMs !== undefined ? { timeoutMs } : {}) };
  } catch (e) {
    return new NamespaceChangeError('invalidOption', `the arguments could not be read: ${e instanceof Error ? e.message : String(e)}`.slice(0, 200));
  }
}
