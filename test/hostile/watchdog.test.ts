// Faults in the middle (docs/semantics.md §2: "nothing hangs"): a controller reset while namespace-change RPCs wait for an
// AEN, while a Get Log Page is held by a submission delay fault, while a delay fault holds the admin queue; a
// shutdown with parked AERs; changes while the controller is disabled or fatal; a stop with callers waiting. Every
// promise a test starts settles within the test (resolves, or rejects with a typed error: NamespaceChangeError or
// HostError), proven by a watchdog that tracks them and fails the test if one is still pending at its end.
// Timers are faked (setTimeout only), so injected delays elapse without sleeping.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AdminOpcode, Csts, LogPage, Register } from '../../src/spec/constants.ts';
import { encodeGetLogPage } from '../../src/spec/admin-fields.codec.ts';
import { matchCommand } from '../../src/faults/admin-faults.ts';
import { flushPromiseJobs } from '../support/rejection-guard.ts';
import { completionOf, expectNoCompletion, identifyControllerOk, NS_ATTR_CHANGED_DW0, parkAers, pollSettled, readChangedList, useRigs } from '../support/rig.ts';

const rig = useRigs();

/** Errors a promise of the public API may reject with. */
const TYPED_ERRORS = new Set(['NamespaceChangeError', 'HostError']);

interface Watched<T> {
  readonly label: string;
  readonly promise: Promise<T>;
  state: 'pending' | 'resolved' | 'rejected';
  value?: T;
  reason?: unknown;
}

/** Tracks promises; `expectAllSettled()` fails on any still pending, or rejected with an untyped error. */
function createWatchdog() {
  let watched: Watched<unknown>[] = [];
  return {
    watch<T>(label: string, promise: Promise<T>): Watched<T> {
      const w: Watched<T> = { label, promise, state: 'pending' };
      promise.then(
        (value) => Object.assign(w, { state: 'resolved', value }),
        (reason) => Object.assign(w, { state: 'rejected', reason }),
      );
      watched.push(w as Watched<unknown>);
      return w;
    },
    async expectAllSettled(): Promise<void> {
      await flushPromiseJobs();
      const all = watched;
      watched = [];
      const pending = all.filter((w) => w.state === 'pending').map((w) => w.label);
      if (pending.length > 0) throw new Error(`watchdog: ${pending.length} promise(s) still pending at the end of the test: ${pending.join(', ')}`);
      const untyped = all.filter((w) => w.state === 'rejected' && !(w.reason instanceof Error && TYPED_ERRORS.has(w.reason.name)));
      if (untyped.length > 0) throw new Error(`watchdog: untyped rejection(s): ${untyped.map((w) => `${w.label}: ${String(w.reason)}`).join(', ')}`);
    },
  };
}

const dog = createWatchdog();
/** A test whose promises must all settle by its end. */
const test = (name: string, body: () => Promise<void>) =>
  it(name, async () => {
    await body();
    await dog.expectAllSettled();
  });

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
});
afterEach(() => {
  vi.useRealTimers();
});

const rejectedWith = (w: Watched<unknown>, code: string) => {
  expect(w.state).toBe('rejected');
  expect(w.reason).toMatchObject({ name: 'NamespaceChangeError', code });
};

describe('the watchdog itself', () => {
  it('fails on a promise still pending, and on an untyped rejection', async () => {
    const d = createWatchdog();
    d.watch('never', new Promise(() => {}));
    await expect(d.expectAllSettled()).rejects.toThrow(/1 promise\(s\) still pending.*never/);
    d.watch('plain', Promise.reject(new Error('boom')));
    await expect(d.expectAllSettled()).rejects.toThrow(/untyped rejection.*plain/);
    d.watch('ok', Promise.resolve(1));
    await expect(d.expectAllSettled()).resolves.toBeUndefined();
  });
});

describe('reset while namespace-change RPCs wait', () => {
  test("callers waiting for an AEN (until: 'aen') are rejected with 'reset'; those waiting for processing resolve", async () => {
    const { host, controller, notifyChange } = await rig();
    const aen = [1, 2, 3].map((nsid) => dog.watch(`until aen ${nsid}`, notifyChange(nsid, { until: 'aen' })));
    const batch = dog.watch('batch until aen', controller.faults.namespace.notifyChanges([4, 5], { until: 'aen' }));
    const processed = dog.watch('until processed', notifyChange(6));
    await flushPromiseJobs();
    expect(processed.state).toBe('resolved');
    expect(processed.value).toMatchObject({ nsid: 6, outcome: 'deferred' });
    for (const w of [...aen, batch]) expect(w.state).toBe('pending');

    await host.disable();
    await flushPromiseJobs();
    for (const w of [...aen, batch]) rejectedWith(w, 'reset');

    await host.enable();
    await identifyControllerOk(host);
    // The changes themselves were recorded: the list survives the reset (spec profile) and a new AER reports it.
    const aer = await host.submitAer();
    expect((await host.waitFor(aer)).dw0).toBe(NS_ATTR_CHANGED_DW0);
    expect((await readChangedList(host)).list).toEqual({ overflow: false, nsids: [1, 2, 3, 4, 5, 6] });
  });

  test('an AER parked before the reset does not satisfy a waiter after it; a new AER does', async () => {
    const { host, notifyChange } = await rig();
    await parkAers(host, 4);
    await host.disable();
    await host.enable();
    const waiting = dog.watch('after reset', notifyChange(7, { until: 'aen' }));
    await flushPromiseJobs();
    expect(waiting.state).toBe('pending');
    const aer = await host.submitAer();
    await pollSettled(host);
    expect(waiting.state).toBe('resolved');
    expect(waiting.value).toEqual({ nsid: 7, outcome: 'deferred', aen: { cid: aer, dw0: NS_ATTR_CHANGED_DW0 } });
  });
});

describe('reset while a log read is in flight', () => {
  test('Get Log Page 04h held by a submission delay: the reset drops it, the delay never completes it, the list is not consumed', async () => {
    const { host, controller, notifyChange, trace } = await rig();
    await notifyChange(3);
    controller.faults.active = true;
    const fault = controller.faults.admin.submission(matchCommand({ opcode: AdminOpcode.GET_LOG_PAGE }), { kind: 'delay', ms: 30 });
    const read = dog.watch('log read submit', host.submit({ opcode: AdminOpcode.GET_LOG_PAGE, nsid: 0xffffffff, ...encodeGetLogPage({ lid: LogPage.CHANGED_NAMESPACE_LIST, numd: 1024 }), dataIn: 4096 }));
    const fired = dog.watch('fault fired', fault.fired);
    await flushPromiseJobs();
    expect(fired.state).toBe('resolved');
    expect(read.state).toBe('resolved');
    const cid = read.value!;
    await expectNoCompletion(host);

    await host.disable();
    fault.remove();
    await vi.advanceTimersByTimeAsync(100);
    expect(trace.filter((e) => e.type === 'completion.posted' && e.cid === cid)).toEqual([]);

    await host.enable();
    await vi.advanceTimersByTimeAsync(100);
    await expectNoCompletion(host);
    expect((await readChangedList(host)).list).toEqual({ overflow: false, nsids: [3] });
  });

  test('Get Log Page 01h held by a delay: after the delay it completes (zeros), then the command queued behind it', async () => {
    const { host, controller } = await rig();
    controller.faults.active = true;
    controller.faults.admin.submission(matchCommand({ opcode: AdminOpcode.GET_LOG_PAGE }), { kind: 'delay', ms: 30 });
    // One submit at a time: NvmeHost.submit is not reentrant (concurrent calls race on its SQ tail).
    const readCid = await host.submit({ opcode: AdminOpcode.GET_LOG_PAGE, nsid: 0xffffffff, ...encodeGetLogPage({ lid: LogPage.ERROR_INFORMATION, numd: 16 }), dataIn: 64 });
    const identifyCid = await host.submit({ opcode: AdminOpcode.IDENTIFY, cdw10: 1, dataIn: 4096 });
    await expectNoCompletion(host);
    await vi.advanceTimersByTimeAsync(30);
    const arrived = await pollSettled(host);
    expect(arrived.map((c) => c.cid)).toEqual([readCid, identifyCid]);
    expect(arrived[0]!.data).toEqual(new Uint8Array(64));
  });
});

describe('reset while a delay fault holds the queue', () => {
  test('commands and AERs behind the held command vanish with the reset; waiters are rejected; the next enable is clean', async () => {
    const { host, controller, notifyChange, trace } = await rig();
    controller.faults.active = true;
    controller.faults.admin.submission(matchCommand({ opcode: AdminOpcode.IDENTIFY }), { kind: 'delay', ms: 30 });
    const held = await host.submit({ opcode: AdminOpcode.IDENTIFY, cdw10: 1, dataIn: 4096 });
    const aer = await host.submitAer(); // behind the held command: not yet parked
    const waiting = dog.watch('until aen behind the hold', notifyChange(9, { until: 'aen' }));
    await flushPromiseJobs();
    expect(waiting.state).toBe('pending');
    expect(controller.actor.system.get('adminQueue')!.getSnapshot().value).toBe('delayed');

    await host.disable();
    await flushPromiseJobs();
    rejectedWith(waiting, 'reset');
    controller.faults.active = false;
    await vi.advanceTimersByTimeAsync(100);
    expect(trace.filter((e) => e.type === 'completion.posted' && (e.cid === held || e.cid === aer))).toEqual([]);

    await host.enable();
    await identifyControllerOk(host);
    await expectNoCompletion(host);
    expect(controller.actor.getSnapshot().status).toBe('active');
  });

  test('the delay elapsing, then the reset: the held command completes, the AER behind it parks and answers a waiter', async () => {
    const { host, controller, notifyChange } = await rig();
    controller.faults.active = true;
    controller.faults.admin.submission(matchCommand({ opcode: AdminOpcode.IDENTIFY }), { kind: 'delay', ms: 30 });
    const identifyCid = await host.submit({ opcode: AdminOpcode.IDENTIFY, cdw10: 1, dataIn: 4096 });
    const aer = await host.submitAer();
    const waiting = dog.watch('until aen', notifyChange(2, { until: 'aen' }));
    await flushPromiseJobs();
    expect(waiting.state).toBe('pending');
    controller.faults.active = false;
    await vi.advanceTimersByTimeAsync(30);
    const arrived = await pollSettled(host);
    expect(arrived.map((c) => c.cid)).toEqual([identifyCid, aer]);
    expect(waiting.state).toBe('resolved');
    expect(waiting.value).toEqual({ nsid: 2, outcome: 'deferred', aen: { cid: aer, dw0: NS_ATTR_CHANGED_DW0 } });
    await host.disable();
    await host.enable();
    await identifyControllerOk(host);
  });
});

describe('shutdown with parked AERs', () => {
  test('parked AERs stay parked through shutdown, answer a change, and vanish at the reset that follows', async () => {
    const { host, controller, notifyChange } = await rig();
    const [a, b, c, d] = await parkAers(host, 4);
    await host.shutdown();
    expect(controller.mmioRead32(Register.CSTS)).toBe(Csts.RDY | (Csts.SHST_COMPLETE << Csts.SHST_SHIFT));
    const posted = dog.watch('change during shutdown', notifyChange(1, { until: 'aen' }));
    await pollSettled(host);
    expect(posted.state).toBe('resolved');
    expect(posted.value).toEqual({ nsid: 1, outcome: 'posted', aen: { cid: d, dw0: NS_ATTR_CHANGED_DW0 } });
    // Masked: a change now joins the list the posted AEN points at; the caller is answered with that AEN.
    const covered = dog.watch('masked change during shutdown', notifyChange(2, { until: 'aen' }));
    await flushPromiseJobs();
    expect(covered.value).toEqual({ nsid: 2, outcome: 'coalesced', aen: { cid: d, dw0: NS_ATTR_CHANGED_DW0 } });
    // Unmasked, with notices off (AEC bit 8 clear): a caller waiting for an AEN waits, three AERs still parked.
    expect((await readChangedList(host)).list).toEqual({ overflow: false, nsids: [1, 2] });
    await host.setAsyncEventConfig(0);
    const masked = dog.watch('change with notices off during shutdown', notifyChange(3, { until: 'aen' }));
    await flushPromiseJobs();
    expect(masked.state).toBe('pending');

    await host.disable();
    await flushPromiseJobs();
    rejectedWith(masked, 'reset');
    for (const cid of [a, b, c]) expect(completionOf(host, cid!)).toBeUndefined();
    await host.enable();
    await expectNoCompletion(host);
    await identifyControllerOk(host);
  });

  test('stop during shutdown with parked AERs and waiting callers rejects them with a typed error', async () => {
    const { host, controller, notifyChange } = await rig();
    await parkAers(host, 2);
    await host.setAsyncEventConfig(0); // notices off: a change is recorded, no AEN is sent
    await host.shutdown();
    const waiting = dog.watch('until aen at stop', notifyChange(2, { until: 'aen' }));
    const processed = dog.watch('processed', notifyChange(3));
    await flushPromiseJobs();
    expect(processed.state).toBe('resolved');
    controller.stop();
    await flushPromiseJobs();
    rejectedWith(waiting, 'stopped');
    const after = dog.watch('after stop', notifyChange(4));
    await flushPromiseJobs();
    rejectedWith(after, 'stopped');
  });
});

describe('a change while the controller is not enabled', () => {
  test('during disable: the change waits for the next enable, then resolves (deferred) and is reported', async () => {
    const { host, notifyChange } = await rig();
    await host.disable();
    const processed = dog.watch('processed while disabled', notifyChange(4));
    const aen = dog.watch('aen while disabled', notifyChange(5, { until: 'aen' }));
    await flushPromiseJobs();
    expect(processed.state).toBe('pending');
    expect(aen.state).toBe('pending');
    await host.enable();
    await flushPromiseJobs();
    expect(processed.value).toEqual({ nsid: 4, outcome: 'deferred' });
    expect(aen.state).toBe('pending');
    const aer = await host.submitAer();
    await pollSettled(host);
    expect(aen.value).toEqual({ nsid: 5, outcome: 'deferred', aen: { cid: aer, dw0: NS_ATTR_CHANGED_DW0 } });
    expect((await readChangedList(host)).list).toEqual({ overflow: false, nsids: [4, 5] });
  });

  test('during disable, then stopped without another enable: rejected with stopped', async () => {
    const { host, controller, notifyChange } = await rig();
    await host.disable();
    const waiting = dog.watch('never enabled again', notifyChange(4));
    await flushPromiseJobs();
    expect(waiting.state).toBe('pending');
    controller.stop();
    await flushPromiseJobs();
    rejectedWith(waiting, 'stopped');
  });

  test('while fatal (bad enable): the change waits; EN 1→0 and a good enable process it', async () => {
    const { host, controller, notifyChange } = await rig({ enable: false });
    controller.mmioWrite32(Register.AQA, 0);
    controller.mmioWrite32(Register.CC, 1);
    expect(controller.mmioRead32(Register.CSTS)).toBe(Csts.CFS);
    const waiting = dog.watch('change while fatal', notifyChange(8, { until: 'aen' }));
    controller.mmioWrite32(Register.CC, 0);
    await flushPromiseJobs();
    expect(waiting.state).toBe('pending');
    await host.enable();
    const aer = await host.submitAer();
    await pollSettled(host);
    expect(waiting.value).toEqual({ nsid: 8, outcome: 'deferred', aen: { cid: aer, dw0: NS_ATTR_CHANGED_DW0 } });
  });

  test('the controller goes fatal while a caller waits for an AEN: rejected with reset', async () => {
    const { host, controller, notifyChange } = await rig();
    const waiting = dog.watch('until aen, then fatal', notifyChange(8, { until: 'aen' }));
    await flushPromiseJobs();
    // The admin queue's SQ base now lies outside guest memory: the next fetch fails and the controller is fatal.
    await host.disable();
    rejectedWith(waiting, 'reset');
    const again = dog.watch('until aen before the bad queue', notifyChange(9, { until: 'aen' }));
    controller.mmioWrite32(Register.AQA, 0x000f000f);
    controller.mmioWrite64(Register.ASQ, BigInt(controller.memory.size));
    controller.mmioWrite64(Register.ACQ, 0x101000n);
    controller.mmioWrite32(Register.CC, 1 | (6 << 16) | (4 << 20));
    expect(controller.mmioRead32(Register.CSTS)).toBe(Csts.RDY);
    controller.mmioWrite32(Register.SQ0TDBL, 1);
    expect(controller.mmioRead32(Register.CSTS)).toBe(Csts.CFS);
    await flushPromiseJobs();
    rejectedWith(again, 'reset');
    controller.mmioWrite32(Register.CC, 0);
    expect(controller.mmioRead32(Register.CSTS)).toBe(0);
    await host.enable();
    await identifyControllerOk(host);
  });
});
