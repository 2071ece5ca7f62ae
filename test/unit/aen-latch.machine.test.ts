// AEN latch statechart decisions through XState's pure transition functions (NVMe Base 2.0 §5.2 AER, §5.16
// Get Log Page RAE, §5.16.1.5 Changed Namespace List, §5.27.1.9 AEC, §3.7.2 reset). `transition()` returns the
// next snapshot and the actions it would run; sendTo/emit are inspected, not executed.
import { describe, expect, it } from 'vitest';
import { initialTransition, transition, type SnapshotFrom } from 'xstate';
import { aenLatchMachine } from '../../machines/aen-latch.machine.ts';
import type { CompletionRequested, LatchEmitted, LatchEvent, LatchReplied } from '../../machines/events.ts';
import { latchPolicy, offlineChangeList } from '../../src/logic/aen-latch.ts';
import { PROFILES, type Profile } from '../../src/profiles/profiles.ts';
import { Status } from '../../src/spec/constants.ts';
import { decodeErrorLog } from '../../src/spec/health-log.codec.ts';

type Snap = SnapshotFrom<typeof aenLatchMachine>;
type Sent = CompletionRequested | LatchReplied;
interface Step {
  readonly s: Snap;
  readonly sent: Sent[];
  readonly emitted: LatchEmitted[];
}

const NOTICE_DW0 = 0x00040002;
/** The health, SMART and firmware regions at rest (issue 18 added them beside the notice and error regions). */
const QUIET = { smart: 'clear', health: 'withinLimits', firmware: 'idle', firmwareNotice: 'clear' } as const;

const policyOf = latchPolicy;

function start(profile: Profile = PROFILES.spec): Snap {
  const [s] = initialTransition(aenLatchMachine, { aerl: 3, policy: policyOf(profile) });
  return s;
}

function send(s: Snap, event: LatchEvent): Step {
  const [next, actions] = transition(aenLatchMachine, s, event);
  const sent: Sent[] = [];
  const emitted: LatchEmitted[] = [];
  for (const a of actions) {
    // XState's action type union names the setup() actions; the built-ins arrive as 'xstate.sendTo'/'xstate.emit'.
    const type: string = a.type;
    const params = a.params as { event?: unknown } | undefined;
    if (type === 'xstate.sendTo') sent.push(params!.event as Sent);
    else if (type === 'xstate.emit') emitted.push(params!.event as LatchEmitted);
  }
  return { s: next, sent, emitted };
}

/** Send events in order and return the last step. */
function run(s: Snap, ...events: LatchEvent[]): Step {
  let step: Step = { s, sent: [], emitted: [] };
  for (const e of events) step = send(step.s, e);
  return step;
}

const online = (profile: Profile = PROFILES.spec) => send(start(profile), { type: 'controller.enabled' }).s;
const aer = (cid: number): LatchEvent => ({ type: 'aer.received', cid });
const changed = (nsid: number, extra: Partial<Extract<LatchEvent, { type: 'namespace.changed' }>> = {}): LatchEvent => ({ type: 'namespace.changed', nsid, ...extra });
const read = (rae: boolean, numd = 1024, offset = 0): LatchEvent => ({ type: 'changedList.read', rae, numd, offset });
const dwords = (b: Uint8Array) => Array.from({ length: b.length / 4 }, (_, i) => new DataView(b.buffer, b.byteOffset).getUint32(i * 4, true));

describe('aenLatchMachine: lifecycle', () => {
  it('starts offline with AERL + 1 slots and the profile\'s AEC', () => {
    const s = start();
    expect(s.value).toBe('offline');
    expect(s.context.aerLimit).toBe(4);
    expect(s.context.aec).toBe(0x100);
    expect(s.context.parked).toEqual([]);
  });

  it('controller.enabled goes to online.clear', () => {
    expect(online().value).toEqual({ online: { notice: 'clear', errorEvent: 'clear', ...QUIET } });
  });

  it('ignores an AER while offline (no admin queue exists)', () => {
    const { s, sent } = send(start(), aer(1));
    expect(s.value).toBe('offline');
    expect(s.context.parked).toEqual([]);
    expect(sent).toEqual([]);
  });

  it('queues a namespace change while offline and applies it at enable', () => {
    let { s } = send(start(), changed(5, { requestId: 'r1', until: 'processed' }));
    expect(s.value).toBe('offline');
    expect(offlineChangeList(s.context.offlineChanges)).toEqual([{ nsid: 5, requestId: 'r1', until: 'processed' }]);
    expect(s.context.changed.nsids).toEqual([]);
    const step = send(s, { type: 'controller.enabled' });
    s = step.s;
    expect(s.value).toEqual({ online: { notice: 'pending', errorEvent: 'clear', ...QUIET } });
    expect(s.context.changed.nsids).toEqual([5]);
    expect(s.context.offlineChanges).toBeNull();
    expect(step.emitted).toContainEqual({ type: 'namespace.processed', requestId: 'r1', nsid: 5, outcome: 'deferred' });
  });
});

describe('aenLatchMachine: AER parking and the limit (§5.2)', () => {
  it('parks AERs in submission order and emits aer.parked', () => {
    const a = send(online(), aer(10));
    expect(a.s.context.parked).toEqual([10]);
    expect(a.emitted).toEqual([{ type: 'aer.parked', cid: 10, parked: 1 }]);
    expect(a.sent).toEqual([]);
    const b = send(a.s, aer(11));
    expect(b.s.context.parked).toEqual([10, 11]);
    expect(b.emitted).toEqual([{ type: 'aer.parked', cid: 11, parked: 2 }]);
  });

  it('an AER beyond AERL + 1 is completed with the limit status and not parked; the state stays', () => {
    const s = run(online(), aer(1), aer(2), aer(3), aer(4)).s;
    expect(s.context.parked).toEqual([1, 2, 3, 4]);
    const over = send(s, aer(5));
    expect(over.s.value).toEqual({ online: { notice: 'clear', errorEvent: 'clear', ...QUIET } });
    expect(over.s.context.parked).toEqual([1, 2, 3, 4]);
    expect(over.sent).toEqual([{ type: 'completion.requested', cid: 5, status: { sct: 1, sc: 0x05, dnr: false }, dw0: 0 }]);
    expect(over.emitted).toEqual([]);
  });

  it('the limit holds in posted too', () => {
    const posted = run(online(), aer(1), changed(1)).s;
    expect(posted.value).toEqual({ online: { notice: 'posted', errorEvent: 'clear', ...QUIET } });
    const s = run(posted, aer(2), aer(3), aer(4), aer(5)).s;
    const over = send(s, aer(6));
    expect(over.s.value).toEqual({ online: { notice: 'posted', errorEvent: 'clear', ...QUIET } });
    expect(over.s.context.parked).toEqual([2, 3, 4, 5]);
    expect(over.sent).toEqual([{ type: 'completion.requested', cid: 6, status: Status.AER_LIMIT_EXCEEDED, dw0: 0 }]);
  });
});

describe('aenLatchMachine: Namespace Attribute Changed (§5.2, §5.16.1.5)', () => {
  it('from online.clear with a parked AER, namespace.changed posts the notice: online.posted', () => {
    const { s, sent, emitted } = send(send(online(), aer(7)).s, changed(3, { requestId: 'r', until: 'processed' }));
    expect(s.value).toEqual({ online: { notice: 'posted', errorEvent: 'clear', ...QUIET } });
    expect(s.context.parked).toEqual([]);
    expect(s.context.changed).toEqual({ nsids: [3], overflow: false });
    expect(sent).toEqual([{ type: 'completion.requested', cid: 7, status: Status.SUCCESS, dw0: NOTICE_DW0 }]);
    expect(emitted).toContainEqual({ type: 'aen.posted', cid: 7, dw0: NOTICE_DW0, });
    expect(emitted).toContainEqual({ type: 'namespace.processed', requestId: 'r', nsid: 3, outcome: 'posted' });
  });

  it('without a parked AER, namespace.changed goes to online.pending and posts nothing', () => {
    const { s, sent, emitted } = send(online(), changed(3, { requestId: 'r' }));
    expect(s.value).toEqual({ online: { notice: 'pending', errorEvent: 'clear', ...QUIET } });
    expect(s.context.changed.nsids).toEqual([3]);
    expect(sent).toEqual([]);
    expect(emitted).toEqual([{ type: 'namespace.processed', requestId: 'r', nsid: 3, outcome: 'deferred' }]);
  });

  it('pending reports as soon as an AER arrives', () => {
    const pending = run(online(), changed(3), changed(1)).s;
    const { s, sent, emitted } = send(pending, aer(9));
    expect(s.value).toEqual({ online: { notice: 'posted', errorEvent: 'clear', ...QUIET } });
    expect(s.context.parked).toEqual([]);
    expect(s.context.changed.nsids).toEqual([1, 3]);
    expect(sent).toEqual([{ type: 'completion.requested', cid: 9, status: Status.SUCCESS, dw0: NOTICE_DW0 }]);
    expect(emitted.map((e) => e.type)).toEqual(['aer.parked', 'aen.posted']);
  });

  it('the notice completes the most recently parked AER (LIFO)', () => {
    const { s, sent } = send(run(online(), aer(1), aer(2), aer(3)).s, changed(4));
    expect(sent).toEqual([{ type: 'completion.requested', cid: 3, status: Status.SUCCESS, dw0: NOTICE_DW0 }]);
    expect(s.context.parked).toEqual([1, 2]);
  });

  it('FIFO completion order completes the oldest', () => {
    const fifo: Profile = { ...PROFILES.spec, aerCompletionOrder: 'fifo' };
    const { sent } = send(run(online(fifo), aer(1), aer(2), aer(3)).s, changed(4));
    expect(sent[0]).toMatchObject({ cid: 1 });
  });

  it('the latch keeps no record of who waits for an AEN: a deferred change, then aen.posted when an AER arrives', () => {
    const step = send(online(), changed(2, { requestId: 'w1', until: 'aen' }));
    expect(step.emitted).toEqual([{ type: 'namespace.processed', requestId: 'w1', nsid: 2, outcome: 'deferred' }]);
    expect(Object.keys(step.s.context)).not.toContain('aenWaiters');
    const { emitted } = send(step.s, aer(5));
    expect(emitted).toContainEqual({ type: 'aen.posted', cid: 5, dw0: NOTICE_DW0 });
  });

  it('a change from Namespace Attachment answers the command with success', () => {
    const { sent } = send(online(), changed(2, { fromCommand: true }));
    expect(sent).toEqual([{ type: 'latch.replied', status: Status.SUCCESS, dw0: 0 }]);
  });

  it('in posted, further changes are recorded but masked (coalesced, nothing posted)', () => {
    const posted = run(online(), aer(1), changed(3), aer(2)).s;
    expect(posted.value).toEqual({ online: { notice: 'posted', errorEvent: 'clear', ...QUIET } });
    const { s, sent, emitted } = send(posted, changed(1, { requestId: 'x' }));
    expect(s.value).toEqual({ online: { notice: 'posted', errorEvent: 'clear', ...QUIET } });
    expect(s.context.parked).toEqual([2]);
    expect(s.context.changed.nsids).toEqual([1, 3]);
    expect(sent).toEqual([]);
    expect(emitted).toEqual([{ type: 'namespace.processed', requestId: 'x', nsid: 1, outcome: 'coalesced' }]);
  });
});

describe('aenLatchMachine: Get Log Page 04h and RAE (§5.16)', () => {
  const posted = () => run(online(), aer(1), changed(3), changed(1)).s;

  it('in posted, changedList.read rae=true returns the list, empties it and stays posted (masked)', () => {
    const { s, sent, emitted } = send(posted(), read(true));
    expect(s.value).toEqual({ online: { notice: 'posted', errorEvent: 'clear', ...QUIET } });
    expect(s.context.changed).toEqual({ nsids: [], overflow: false });
    expect(sent.length).toBe(1);
    const reply = sent[0] as LatchReplied;
    expect(reply).toMatchObject({ type: 'latch.replied', status: Status.SUCCESS, dw0: 0 });
    expect(reply.data!.length).toBe(4096);
    expect(dwords(reply.data!.subarray(0, 12))).toEqual([1, 3, 0]);
    expect(emitted).toEqual([{ type: 'changedList.read', nsids: [1, 3], overflow: false, rae: true, unmasked: false }]);
  });

  it('after an rae=true read, a new change with an AER parked is still masked', () => {
    const s = run(posted(), read(true), aer(2)).s;
    const { s: next, sent } = send(s, changed(4));
    expect(next.value).toEqual({ online: { notice: 'posted', errorEvent: 'clear', ...QUIET } });
    expect(sent).toEqual([]);
    expect(next.context.parked).toEqual([2]);
  });

  it('in posted, changedList.read rae=false clears the event: online.clear', () => {
    const { s, emitted } = send(posted(), read(false));
    expect(s.value).toEqual({ online: { notice: 'clear', errorEvent: 'clear', ...QUIET } });
    expect(s.context.changed).toEqual({ nsids: [], overflow: false });
    expect(emitted).toEqual([{ type: 'changedList.read', nsids: [1, 3], overflow: false, rae: false, unmasked: true }]);
  });

  it('after an rae=false read the next change is reported again', () => {
    const s = run(posted(), read(false), aer(2)).s;
    const { s: next, sent } = send(s, changed(4));
    expect(next.value).toEqual({ online: { notice: 'posted', errorEvent: 'clear', ...QUIET } });
    expect(sent).toEqual([{ type: 'completion.requested', cid: 2, status: Status.SUCCESS, dw0: NOTICE_DW0 }]);
  });

  it('in pending, a read consumes the list and returns to clear', () => {
    const { s, sent } = send(run(online(), changed(2)).s, read(true));
    expect(s.value).toEqual({ online: { notice: 'clear', errorEvent: 'clear', ...QUIET } });
    expect(dwords((sent[0] as LatchReplied).data!.subarray(0, 8))).toEqual([2, 0]);
  });

  it('in clear, a read returns an empty list', () => {
    const { s, sent } = send(online(), read(false, 4));
    expect(s.value).toEqual({ online: { notice: 'clear', errorEvent: 'clear', ...QUIET } });
    expect(Array.from((sent[0] as LatchReplied).data!)).toEqual(new Array(16).fill(0));
  });

  it('returns numd dwords from the byte offset (spec honours LPOL)', () => {
    const s = run(online(), aer(1), changed(1), changed(2), changed(3)).s;
    const { sent } = send(s, read(false, 2, 4));
    expect(dwords((sent[0] as LatchReplied).data!)).toEqual([2, 3]);
  });

  it('openvmm ignores the offset', () => {
    const s = run(online(PROFILES.openvmm), aer(1), changed(1), changed(2), changed(3)).s;
    const { sent } = send(s, read(false, 2, 4));
    expect(dwords((sent[0] as LatchReplied).data!)).toEqual([1, 2]);
  });
});

describe('aenLatchMachine: Asynchronous Event Configuration (§5.27.1.9)', () => {
  it('aec.set stores the value (DW0 reserved: 0, as QEMU answers); aec.get returns it', () => {
    const set = send(online(), { type: 'aec.set', value: 0x300 });
    expect(set.s.context.aec).toBe(0x300);
    expect(set.sent).toEqual([{ type: 'latch.replied', status: Status.SUCCESS, dw0: 0 }]);
    const get = send(set.s, { type: 'aec.get' });
    expect(get.sent).toEqual([{ type: 'latch.replied', status: Status.SUCCESS, dw0: 0x300 }]);
  });

  it('with AEC bit 8 clear (spec), a change stays pending despite a parked AER, and is posted when bit 8 is set', () => {
    const s = run(online(), { type: 'aec.set', value: 0 }, aer(1)).s;
    const pending = send(s, changed(2));
    expect(pending.s.value).toEqual({ online: { notice: 'pending', errorEvent: 'clear', ...QUIET } });
    expect(pending.sent).toEqual([]);
    const enabled = send(pending.s, { type: 'aec.set', value: 0x100 });
    expect(enabled.s.value).toEqual({ online: { notice: 'posted', errorEvent: 'clear', ...QUIET } });
    expect(enabled.sent).toEqual([
      { type: 'latch.replied', status: Status.SUCCESS, dw0: 0 },
      { type: 'completion.requested', cid: 1, status: Status.SUCCESS, dw0: NOTICE_DW0 },
    ]);
  });

  it('QEMU ignores AEC bit 8 for the notice', () => {
    const s = run(online(PROFILES.qemu), aer(1)).s;
    expect(s.context.aec).toBe(0);
    const { s: next, sent } = send(s, changed(2));
    expect(next.value).toEqual({ online: { notice: 'posted', errorEvent: 'clear', ...QUIET } });
    expect(sent).toEqual([{ type: 'completion.requested', cid: 1, status: Status.SUCCESS, dw0: NOTICE_DW0 }]);
  });
});

describe('aenLatchMachine: Abort (§5.1)', () => {
  it('aborting a parked AER completes it with 0/07h, then answers the Abort with DW0 = 0', () => {
    const s = run(online(), aer(1), aer(2), aer(3)).s;
    const { s: next, sent } = send(s, { type: 'abort.requested', sqid: 0, cid: 2 });
    expect(next.context.parked).toEqual([1, 3]);
    expect(sent).toEqual([
      { type: 'completion.requested', cid: 2, status: { sct: 0, sc: 0x07, dnr: false }, dw0: 0 },
      { type: 'latch.replied', status: Status.SUCCESS, dw0: 0 },
    ]);
  });

  it('aborting a CID that is not parked (or on another SQ) answers DW0 = 1, not aborted', () => {
    const s = run(online(), aer(1)).s;
    for (const req of [{ sqid: 0, cid: 9 }, { sqid: 1, cid: 1 }]) {
      const { s: next, sent } = send(s, { type: 'abort.requested', ...req });
      expect(next.context.parked).toEqual([1]);
      expect(sent).toEqual([{ type: 'latch.replied', status: Status.SUCCESS, dw0: 1 }]);
    }
  });
});

describe('aenLatchMachine: controller reset (§3.7.2)', () => {
  it('controller.reset goes offline with parked emptied and no completions for them', () => {
    // AEC bit 8 off keeps the change pending with AERs parked and a request waiting for the AEN
    const pending = run(online(), changed(4, { requestId: 'w', until: 'aen' }), { type: 'aec.set', value: 0 }).s;
    const withAers = run(pending, aer(1), aer(2)).s;
    expect(withAers.value).toEqual({ online: { notice: 'pending', errorEvent: 'clear', ...QUIET } });
    const { s: off, sent, emitted } = send(withAers, { type: 'controller.reset' });
    expect(off.value).toBe('offline');
    expect(off.context.parked).toEqual([]);
    expect(off.context.aec).toBe(0x100); // spec restores the default
    expect(sent).toEqual([]);
    expect(emitted).toEqual([
      { type: 'aer.dropped', cids: [1, 2] },
      { type: 'latch.reset' },
    ]);
  });

  it('a reset with nothing parked emits only latch.reset', () => {
    const { s, emitted } = send(online(), { type: 'controller.reset' });
    expect(s.value).toBe('offline');
    expect(emitted).toEqual([{ type: 'latch.reset' }]);
  });

  it('reset from posted lifts the mask: after re-enable the next change is reported', () => {
    const posted = run(online(), aer(1), changed(3), read(true)).s;
    const s = run(posted, { type: 'controller.reset' }, { type: 'controller.enabled' }, aer(2)).s;
    expect(s.value).toEqual({ online: { notice: 'clear', errorEvent: 'clear', ...QUIET } });
    const { sent } = send(s, changed(5));
    expect(sent).toEqual([{ type: 'completion.requested', cid: 2, status: Status.SUCCESS, dw0: NOTICE_DW0 }]);
  });

  it('spec: unread changes survive the reset and are reported again once an AER is parked', () => {
    const s = run(online(), changed(3), { type: 'controller.reset' }).s;
    expect(s.context.changed.nsids).toEqual([3]);
    const again = send(s, { type: 'controller.enabled' }).s;
    expect(again.value).toEqual({ online: { notice: 'pending', errorEvent: 'clear', ...QUIET } });
    const { s: posted, sent } = send(again, aer(8));
    expect(posted.value).toEqual({ online: { notice: 'posted', errorEvent: 'clear', ...QUIET } });
    expect(sent).toEqual([{ type: 'completion.requested', cid: 8, status: Status.SUCCESS, dw0: NOTICE_DW0 }]);
  });

  it('openvmm: the reset empties the list, so nothing is reported after re-enable', () => {
    const s = run(online(PROFILES.openvmm), changed(3), { type: 'controller.reset' }, { type: 'controller.enabled' }).s;
    expect(s.context.changed.nsids).toEqual([]);
    expect(s.value).toEqual({ online: { notice: 'clear', errorEvent: 'clear', ...QUIET } });
  });

  it('qemu: the list is kept over the reset but the event is forgotten (clear)', () => {
    const s = run(online(PROFILES.qemu), changed(3), { type: 'controller.reset' }, { type: 'controller.enabled' }).s;
    expect(s.context.changed.nsids).toEqual([3]);
    expect(s.value).toEqual({ online: { notice: 'clear', errorEvent: 'clear', ...QUIET } });
    expect(s.context.aec).toBe(0);
  });
});

describe('aenLatchMachine: the Error event region (§5.2, log page 01h)', () => {
  const bad = (info: number): LatchEvent => ({ type: 'doorbell.invalid', info });
  const readErrors = (rae: boolean): LatchEvent => ({ type: 'errorLog.read', rae, numd: 16, offset: 0 });
  const errorDw0 = (info: number) => (info << 8) | (0x01 << 16);

  it('with a parked AER an invalid doorbell is reported at once: errorEvent.posted', () => {
    const { s, sent } = send(send(online(), aer(3)).s, bad(0));
    expect(s.value).toEqual({ online: { notice: 'clear', errorEvent: 'posted', ...QUIET } });
    expect(sent).toEqual([{ type: 'completion.requested', cid: 3, status: Status.SUCCESS, dw0: errorDw0(0) }]);
  });

  it('without one it is retained (pending) and the first info is the one reported', () => {
    const pending = run(online(), bad(1), bad(0)).s;
    expect(pending.value).toEqual({ online: { notice: 'clear', errorEvent: 'pending', ...QUIET } });
    expect(pending.context.waiting).toEqual(['error']);
    const { s, sent } = send(pending, aer(4));
    expect(s.value).toEqual({ online: { notice: 'clear', errorEvent: 'posted', ...QUIET } });
    expect(s.context.waiting).toEqual([]);
    expect(sent).toEqual([{ type: 'completion.requested', cid: 4, status: Status.SUCCESS, dw0: errorDw0(1) }]);
  });

  it('masked while posted; RAE=1 keeps the mask, RAE=0 replies the newest entry and clears it', () => {
    const posted = run(online(), aer(1), aer(2), bad(0), bad(1)).s;
    expect(posted.context.parked).toEqual([1]);
    const kept = send(posted, readErrors(true));
    expect(kept.s.value).toEqual({ online: { notice: 'clear', errorEvent: 'posted', ...QUIET } });
    const cleared = send(kept.s, readErrors(false));
    expect(cleared.s.value).toEqual({ online: { notice: 'clear', errorEvent: 'clear', ...QUIET } });
    expect(cleared.sent).toMatchObject([{ type: 'latch.replied', status: Status.SUCCESS, dw0: 0 }]);
    // The newest of the two entries (Error Count 2), not specific to a command (SQID, CID, location FFFFh).
    expect(decodeErrorLog((cleared.sent[0] as LatchReplied).data!)).toEqual([{ errorCount: 2, sqid: 0xffff, cid: 0xffff, status: { sct: 0, sc: 0, dnr: false }, phase: 0, parameterErrorLocation: 0xffff, lba: 0n, nsid: 0 }]);
    expect(cleared.emitted).toEqual([{ type: 'errorLog.read', errors: 2, rae: false, unmasked: true }]);
    expect(send(cleared.s, bad(1)).sent).toEqual([{ type: 'completion.requested', cid: 1, status: Status.SUCCESS, dw0: errorDw0(1) }]);
  });

  it('oldest first across regions: one AER takes the older event, the next the other', () => {
    const both = run(online(), bad(0), changed(5)).s;
    expect(both.context.waiting).toEqual(['error', 'notice']);
    const first = send(both, aer(1));
    expect(first.sent).toEqual([{ type: 'completion.requested', cid: 1, status: Status.SUCCESS, dw0: errorDw0(0) }]);
    expect(first.s.value).toEqual({ online: { notice: 'pending', errorEvent: 'posted', ...QUIET } });
    const second = send(first.s, aer(2));
    expect(second.sent).toEqual([{ type: 'completion.requested', cid: 2, status: Status.SUCCESS, dw0: NOTICE_DW0 }]);
  });

  it('two AERs parked at once take both waiting events in order', () => {
    const both = run(online(), changed(5), bad(1)).s;
    const s = run(both, aer(1)).s;
    expect(s.context.waiting).toEqual(['error']);
    const { sent } = send(s, aer(2));
    expect(sent).toEqual([{ type: 'completion.requested', cid: 2, status: Status.SUCCESS, dw0: errorDw0(1) }]);
  });

  it('qemu: with no AER parked the error is not kept', () => {
    const s = send(online(PROFILES.qemu), bad(0)).s;
    expect(s.value).toEqual({ online: { notice: 'clear', errorEvent: 'clear', ...QUIET } });
  });

  it('a reset forgets a retained error and the order', () => {
    const s = run(online(), bad(0), changed(3), { type: 'controller.reset' }, { type: 'controller.enabled' }).s;
    expect(s.value).toEqual({ online: { notice: 'pending', errorEvent: 'clear', ...QUIET } });
    expect(s.context.waiting).toEqual(['notice']);
    expect(s.context.pendingErrorInfo).toBeNull();
  });
});

describe('aenLatchMachine: a masked change', () => {
  it('spec: a change in posted is coalesced (it joins the list the posted AEN asks the host to read); no new AEN', () => {
    const posted = run(online(), aer(1), aer(2), changed(3)).s;
    const { s, emitted, sent } = send(posted, changed(4, { requestId: 'w', until: 'aen' }));
    expect(emitted).toEqual([{ type: 'namespace.processed', requestId: 'w', nsid: 4, outcome: 'coalesced' }]);
    expect(sent).toEqual([]);
    expect(s.context.changed.nsids).toEqual([3, 4]);
  });

  it('qemu: a masked change queues one more event, reported after the RAE=0 read', () => {
    const posted = run(online(PROFILES.qemu), aer(1), aer(2), changed(3)).s;
    const { s, emitted } = send(posted, changed(4, { requestId: 'w', until: 'aen' }));
    expect(emitted.map((e) => e.type)).toEqual(['namespace.processed']);
    expect(s.context.queuedNotices).toBe(1);
  });
});
