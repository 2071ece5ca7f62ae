// The namespace-change fault as a test harness calls it (docs/semantics.md §2 namespaceChange; src/faults/namespace-change.ts):
// bad input is refused with a typed NamespaceChangeError, every concurrent caller gets its own receipt, and callers
// still waiting when the controller is reset or stopped are rejected with a typed error: nothing hangs.
import { describe, expect, it } from 'vitest';
import { NamespaceChangeError } from '../../src/faults/namespace-change.ts';
import { completionOf, expectNoCompletion, NS_ATTR_CHANGED_DW0, parkAers, pollSettled, readChangedList, track, useRigs } from '../support/rig.ts';

const rig = useRigs();

describe('invalid requests', () => {
  it.each([0, 0xffffffff, -1, 1.5, 0x1_0000_0000])("NSID %d is refused with 'invalidNsid' and records nothing", async (nsid) => {
    const { host, notifyChange } = await rig();
    const [aer] = await parkAers(host, 1);
    const p = notifyChange(nsid);
    await expect(p).rejects.toBeInstanceOf(NamespaceChangeError);
    await expect(p).rejects.toMatchObject({ code: 'invalidNsid' });
    await expectNoCompletion(host);
    expect(host.isOutstanding(aer!)).toBe(true);
    expect((await readChangedList(host)).list).toEqual({ overflow: false, nsids: [] });
  });

  it("the highest valid NSID, FFFFFFFEh, is accepted", async () => {
    const { host, notifyChange } = await rig();
    expect(await notifyChange(0xfffffffe)).toEqual({ nsid: 0xfffffffe, outcome: 'deferred' });
    expect((await readChangedList(host)).list).toEqual({ overflow: false, nsids: [0xfffffffe] });
  });

  it("an unknown 'until' is refused with 'invalidOption'", async () => {
    const { notifyChange } = await rig();
    await expect(notifyChange(1, { until: 'soon' as never })).rejects.toMatchObject({ name: 'NamespaceChangeError', code: 'invalidOption' });
  });
});

describe('concurrent callers', () => {
  it('several calls at once each get their own receipt', async () => {
    const { host, notifyChange } = await rig();
    const [aer] = await parkAers(host, 1);
    const receipts = await Promise.all([notifyChange(5), notifyChange(2), notifyChange(5), notifyChange(9)]);
    expect(receipts).toEqual([
      { nsid: 5, outcome: 'posted' },
      { nsid: 2, outcome: 'coalesced' },
      { nsid: 5, outcome: 'coalesced' },
      { nsid: 9, outcome: 'coalesced' },
    ]);
    await pollSettled(host);
    expect(completionOf(host, aer!)?.dw0).toBe(NS_ATTR_CHANGED_DW0);
    expect((await readChangedList(host)).list).toEqual({ overflow: false, nsids: [2, 5, 9] });
  });

  it("'processed' and 'aen' callers at once: each resolves on its own terms", async () => {
    const { host, notifyChange } = await rig();
    const waitsForAen = track(notifyChange(1, { until: 'aen' }));
    const processed = await notifyChange(2);
    expect(processed).toEqual({ nsid: 2, outcome: 'deferred' });
    expect(await waitsForAen.state()).toBe('pending');
    const aer = await host.submitAer();
    expect(await waitsForAen.promise).toEqual({ nsid: 1, outcome: 'deferred', aen: { cid: aer, dw0: NS_ATTR_CHANGED_DW0 } });
  });

  it('a reset rejects every caller waiting for an AEN, each with its own error', async () => {
    const { host, notifyChange } = await rig();
    const waiting = [notifyChange(1, { until: 'aen' }), notifyChange(2, { until: 'aen' }), notifyChange(1, { until: 'aen' })];
    const settled = Promise.allSettled(waiting);
    await host.disable();
    const results = await settled;
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    const errors = results.map((r) => (r as PromiseRejectedResult).reason as NamespaceChangeError);
    for (const e of errors) expect(e).toMatchObject({ name: 'NamespaceChangeError', code: 'reset' });
    expect(new Set(errors).size).toBe(3);
    expect(errors[1]!.message).toMatch(/namespace 2/);
  });
});

describe('stopping the controller', () => {
  it("rejects a caller still waiting with 'stopped' (it does not resolve with no receipt)", async () => {
    const { host, notifyChange } = await rig();
    const waiting = notifyChange(1, { until: 'aen' });
    expect(await track(waiting).state()).toBe('pending');
    await host.close();
    await expect(waiting).rejects.toMatchObject({ name: 'NamespaceChangeError', code: 'stopped' });
  });

  it("a change queued while disabled is rejected with 'stopped' when the controller stops", async () => {
    const { host, notifyChange } = await rig({ enable: false });
    const queued = notifyChange(3);
    expect(await track(queued).state()).toBe('pending');
    await host.close();
    await expect(queued).rejects.toMatchObject({ code: 'stopped' });
  });

  it("a call after stop is rejected with 'stopped'", async () => {
    const { host, notifyChange } = await rig();
    await host.close();
    await expect(notifyChange(1)).rejects.toMatchObject({ code: 'stopped' });
  });
});
