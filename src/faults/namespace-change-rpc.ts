// The namespace-change RPC actor (docs/semantics.md §2 namespaceChange; OpenVMM's `NamespaceChange::ChangeNotification`,
// with a reply per caller): one long-lived callback actor per controller serves every request. It tells the AEN
// latch "namespace N changed" and answers each caller's promise from the latch's emitted facts alone: the
// receipt once the change is processed, and with `until: 'aen'` once an AEN covering it reaches the completion
// queue (NVMe Base 2.0 §5.2: one notice covers every change until the host reads log 04h with RAE=0). The latch
// models NVMe only; who waits for what is kept here. A controller reset rejects the callers waiting for an AEN.
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

export interface NamespaceChangeInput {
  /** The AEN latch: where changes go and whose emitted facts answer the callers. */
  readonly latch: AnyActorRef;
  /** The profile's `noticePerNewNsid` (QEMU): a change made while the notice is masked queues a new event, so it
   * waits for the next AEN instead of being covered by the one posted. */
  readonly noticePerNewNsid: boolean;
}

interface Request {
  readonly receipts: NamespaceChangeReceipt[];
  left: number;
  readonly reply: Reply;
  readonly until: 'processed' | 'aen';
}
interface Change {
  readonly request: Request;
  readonly index: number;
  readonly nsid: number;
  /** What the latch reported when it processed the change (kept while the caller waits for an AEN). */
  outcome?: NamespaceChangeReceipt['outcome'];
}

export const namespaceChangeLogic = fromCallback<NamespaceChangeRequested, NamespaceChangeInput>(({ input, receive }) => {
  const { latch, noticePerNewNsid } = input;
  let nextId = 0;
  /** Changes sent to the latch and not yet processed, by request id. */
  const unprocessed = new Map<string, Change>();
  /** Processed changes whose caller waits for an AEN that has not been posted yet, oldest first. */
  let waitingForAen: Change[] = [];
  /** The Namespace Attribute notice posted and still masked (until a RAE=0 read of log 04h or a reset). */
  let postedNotice: { cid: number; dw0: number } | null = null;

  const answer = (c: Change, outcome: NamespaceChangeReceipt['outcome'], aen?: { cid: number; dw0: number }): void => {
    c.request.receipts[c.index] = aen ? { nsid: c.nsid, outcome, aen } : { nsid: c.nsid, outcome };
    if (--c.request.left === 0) c.request.reply.resolve(c.request.receipts);
  };
  const fail = (c: Change, error: NamespaceChangeError): void => {
    if (c.request.left <= 0) return;
    c.request.left = -1; // one rejection per request
    c.request.reply.reject(error);
  };

  const processed = (requestId: string | undefined, outcome: NamespaceChangeReceipt['outcome']): void => {
    if (requestId === undefined) return; // a change made by Namespace Attachment
    const c = unprocessed.get(requestId);
    if (!c) return;
    unprocessed.delete(requestId);
    if (c.request.until === 'processed') return answer(c, outcome);
    // 'posted': this change's own AEN was posted in the same step (emitted just before).
    if (outcome === 'posted' && postedNotice) return answer(c, outcome, postedNotice);
    // Masked (§5.2): the change joins the list the posted AEN asks the host to read.
    if (outcome === 'coalesced' && !noticePerNewNsid && postedNotice) return answer(c, outcome, postedNotice);
    c.outcome = outcome;
    waitingForAen.push(c);
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
        postedNotice = { cid: e.cid, dw0: e.dw0 };
        const covered = waitingForAen;
        waitingForAen = [];
        for (const c of covered) answer(c, c.outcome!, postedNotice);
        return;
      }
      case 'changedList.read':
        if (e.unmasked) postedNotice = null;
        return;
      case 'latch.reset': {
        postedNotice = null;
        const dropped = waitingForAen;
        waitingForAen = [];
        for (const c of dropped) fail(c, new NamespaceChangeError('reset', `namespace ${c.nsid} change: the controller was reset before an AEN covered it`));
        return;
      }
      default:
        return;
    }
  };
  const subscription = latch.on('*', onLatch as (e: { type: string }) => void);

  receive((r) => {
    const request: Request = { receipts: new Array(r.nsids.length), left: r.nsids.length, reply: r.reply, until: r.until };
    const changes: { nsid: number; requestId: string; until: 'processed' | 'aen' }[] = new Array(r.nsids.length);
    for (let i = 0; i < r.nsids.length; i++) {
      const requestId = String(++nextId);
      unprocessed.set(requestId, { request, index: i, nsid: r.nsids[i]! });
      changes[i] = { nsid: r.nsids[i]!, requestId, until: r.until };
    }
    // One latch event for one NSID, one for a batch (the latch takes it as one change after another).
    const event: LatchEvent = changes.length === 1 ? { type: 'namespace.changed', ...changes[0]! } : { type: 'namespaces.changed', changes };
    latch.send(event);
  });

  return () => {
    subscription.unsubscribe();
    const stopped = (c: Change) => new NamespaceChangeError('stopped', `namespace ${c.nsid} change: the controller was stopped`);
    for (const c of unprocessed.values()) fail(c, stopped(c));
    for (const c of waitingForAen) fail(c, stopped(c));
    unprocessed.clear();
    waitingForAen = [];
  };
});

/** The arguments of a namespace-change call, checked (NVMe NSIDs 1..FFFFFFFEh, index by index: a hole or an
 * undefined entry is as bad as 0), or the typed error to reject with. Never throws: a getter or a proxy that throws
 * is a bad argument too. */
export function checkRequest(nsids: unknown, opts: unknown): { nsids: number[]; until: 'processed' | 'aen' } | NamespaceChangeError {
  try {
    if (opts !== undefined && (typeof opts !== 'object' || opts === null)) return new NamespaceChangeError('invalidOption', `options must be an object or undefined, got ${opts === null ? 'null' : typeof opts}`);
    const until = (opts as NotifyChangeOptions | undefined)?.until ?? 'processed';
    if (until !== 'processed' && until !== 'aen') return new NamespaceChangeError('invalidOption', `until must be 'processed' or 'aen', got ${typeof until === 'string' ? `'${(until as string).slice(0, 40)}'` : typeof until}`);
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
    return { nsids: checked, until };
  } catch (e) {
    return new NamespaceChangeError('invalidOption', `the arguments could not be read: ${e instanceof Error ? e.message : String(e)}`.slice(0, 200));
  }
}
