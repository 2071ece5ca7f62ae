// Namespace Attribute Changed notices end to end (NVMe Base 2.0 §5.2, §5.16.1.5; docs/semantics.md §4): a namespace change
// completes a parked AER with DW0 0004_0002h, the receipt says how the change was handled, and the Changed Namespace
// List read with RAE=0 returns the NSID. A change with no AER parked is reported by the next AER.
import { describe, expect, it } from 'vitest';
import { completionOf, expectNoCompletion, NS_ATTR_CHANGED_DW0, parkAers, pollSettled, readChangedList, statusOf, track, useRigs } from '../support/rig.ts';

const rig = useRigs();

describe('AEN for a namespace change', () => {
  it('completes the parked AER with DW0 00040002h and the receipt says posted', async () => {
    const { host, notifyChange } = await rig();
    const [aer] = await parkAers(host, 1);
    const receipt = await notifyChange(1);
    expect(receipt).toEqual({ nsid: 1, outcome: 'posted' });
    const arrived = await pollSettled(host);
    expect(arrived.map((c) => c.cid)).toEqual([aer]);
    const c = arrived[0]!;
    expect(statusOf(c)).toBe('0/00h');
    expect(c.dw0).toBe(NS_ATTR_CHANGED_DW0);
    expect(c.sqid).toBe(0);
  });

  it('the Changed Namespace List (RAE=0) returns exactly the changed NSID, then is empty', async () => {
    const { host, notifyChange } = await rig({ namespaces: [{ nsid: 1 }, { nsid: 7 }] });
    await parkAers(host, 1);
    await notifyChange(7);
    await pollSettled(host);
    expect((await readChangedList(host)).list).toEqual({ overflow: false, nsids: [7] });
    expect((await readChangedList(host)).list).toEqual({ overflow: false, nsids: [] });
  });

  it("with until: 'aen' the receipt names the AER that carried the notice, already in the CQ", async () => {
    const { host, notifyChange } = await rig();
    const [aer] = await parkAers(host, 1);
    const receipt = await notifyChange(1, { until: 'aen' });
    expect(receipt).toEqual({ nsid: 1, outcome: 'posted', aen: { cid: aer, dw0: NS_ATTR_CHANGED_DW0 } });
    const arrived = await host.poll(); // no waiting: the CQE is there when the receipt resolves
    expect(arrived.map((c) => [c.cid, c.dw0])).toEqual([[aer, NS_ATTR_CHANGED_DW0]]);
  });
});

describe('a change with no AER parked', () => {
  it('is deferred, then reported at once by the next AER', async () => {
    const { host, notifyChange } = await rig({ namespaces: [{ nsid: 1 }, { nsid: 3 }] });
    expect(await notifyChange(3)).toEqual({ nsid: 3, outcome: 'deferred' });
    await expectNoCompletion(host);
    const aer = await host.submitAer();
    const arrived = await pollSettled(host);
    expect(arrived.map((c) => [c.cid, statusOf(c), c.dw0])).toEqual([[aer, '0/00h', NS_ATTR_CHANGED_DW0]]);
    expect((await readChangedList(host)).list).toEqual({ overflow: false, nsids: [3] });
  });

  it("until: 'aen' stays pending until an AER arrives, then resolves with that AER", async () => {
    const { host, notifyChange } = await rig();
    const waiting = track(notifyChange(1, { until: 'aen' }));
    expect(await waiting.state()).toBe('pending');
    const aer = await host.submitAer();
    expect(await waiting.promise).toEqual({ nsid: 1, outcome: 'deferred', aen: { cid: aer, dw0: NS_ATTR_CHANGED_DW0 } });
    await pollSettled(host);
    expect(completionOf(host, aer)?.dw0).toBe(NS_ATTR_CHANGED_DW0);
  });

  it('a second AER after the deferred notice stays parked (one notice, not one per AER)', async () => {
    const { host, notifyChange } = await rig();
    await notifyChange(1);
    const first = await host.submitAer();
    const second = await host.submitAer();
    await pollSettled(host);
    expect(completionOf(host, first)?.dw0).toBe(NS_ATTR_CHANGED_DW0);
    expect(completionOf(host, second)).toBeUndefined();
  });
});
