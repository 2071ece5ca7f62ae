// Asynchronous Event Request Limit and completion order (NVMe Base 2.0 §5.2, Identify Controller AERL byte 259;
// docs/semantics.md §4): AERL = 3, so four AERs park and a fifth gets 1/05h at once (no DNR in the spec profile); parked AERs
// complete last-in first-out as events are reported.
import { describe, expect, it } from 'vitest';
import { completionOf, expectNoCompletion, NS_ATTR_CHANGED_DW0, parkAers, pollSettled, readChangedList, statusOf, useRigs } from '../support/rig.ts';

const rig = useRigs();

describe('AERL', () => {
  it('Identify Controller reports AERL 3 and OAES bit 8 (Namespace Attribute Notices)', async () => {
    const { host } = await rig();
    const id = await host.identifyController();
    expect(id.aerl).toBe(3);
    expect(id.oaes & 0x100).toBe(0x100);
  });

  it('four AERs park; the fifth completes at once with 1/05h and no DNR', async () => {
    const { host } = await rig();
    const parked = await parkAers(host, 4);
    const fifth = await host.submitAer();
    const arrived = await pollSettled(host);
    expect(arrived.map((c) => [c.cid, statusOf(c), c.dw0])).toEqual([[fifth, '1/05h', 0]]);
    for (const cid of parked) expect(host.isOutstanding(cid)).toBe(true);
  });

  it('after one parked AER completes, a new AER parks again (the limit counts parked AERs)', async () => {
    const { host, notifyChange } = await rig();
    const parked = await parkAers(host, 4);
    await notifyChange(1);
    await pollSettled(host);
    expect(completionOf(host, parked[3]!)?.dw0).toBe(NS_ATTR_CHANGED_DW0);
    await parkAers(host, 1);
    const over = await host.submitAer();
    await pollSettled(host);
    expect(statusOf(completionOf(host, over)!)).toBe('1/05h');
  });

  it('an AERL of 0 (controller option) parks one AER and rejects the second', async () => {
    const { host } = await rig({ aerl: 0 });
    expect((await host.identifyController()).aerl).toBe(0);
    await parkAers(host, 1);
    const second = await host.submitAer();
    await pollSettled(host);
    expect(statusOf(completionOf(host, second)!)).toBe('1/05h');
  });
});

describe('completion order of parked AERs', () => {
  it('is last-in first-out, one AER per reported notice', async () => {
    const { host, notifyChange } = await rig();
    const cids = await parkAers(host, 4);
    const order: number[] = [];
    for (const nsid of [1, 2, 3]) {
      expect((await notifyChange(nsid)).outcome).toBe('posted');
      const arrived = await pollSettled(host);
      expect(arrived.map((c) => c.dw0)).toEqual([NS_ATTR_CHANGED_DW0]);
      order.push(arrived[0]!.cid);
      expect((await readChangedList(host)).list).toEqual({ overflow: false, nsids: [nsid] });
    }
    expect(order).toEqual([cids[3], cids[2], cids[1]]);
    expect(host.isOutstanding(cids[0]!)).toBe(true);
    await expectNoCompletion(host);
  });
});
