// Masking of the Namespace Attribute Changed notice (NVMe Base 2.0 §5.2, §5.16; docs/semantics.md §4): once reported, the
// notice is masked until Get Log Page 04h with RAE=0; changes meanwhile join the list ('coalesced'), ascending and
// without duplicates. RAE=1 returns (and empties) the list but keeps the mask.
import { describe, expect, it } from 'vitest';
import { AdminOpcode, LogPage } from '../../src/spec/constants.ts';
import { encodeGetLogPage } from '../../src/spec/admin-fields.codec.ts';
import { DEFAULT_MEMORY_SIZE } from '../../src/emulator.ts';
import { completionOf, expectNoCompletion, NS_ATTR_CHANGED_DW0, parkAers, pollSettled, readChangedList, useRigs } from '../support/rig.ts';

const rig = useRigs();

describe('several changes, one notice', () => {
  it('three changes (one NSID twice) give one AEN and one read returns all, ascending, no duplicates', async () => {
    const { host, notifyChange } = await rig();
    const [older, newer] = await parkAers(host, 2);
    const receipts = [await notifyChange(9), await notifyChange(4), await notifyChange(9), await notifyChange(6)];
    expect(receipts.map((r) => [r.nsid, r.outcome])).toEqual([
      [9, 'posted'],
      [4, 'coalesced'],
      [9, 'coalesced'],
      [6, 'coalesced'],
    ]);
    await pollSettled(host);
    expect(completionOf(host, newer)?.dw0).toBe(NS_ATTR_CHANGED_DW0);
    expect(completionOf(host, older)).toBeUndefined();
    expect((await readChangedList(host)).list).toEqual({ overflow: false, nsids: [4, 6, 9] });
    await expectNoCompletion(host);
    expect(completionOf(host, older)).toBeUndefined();
  });
});

describe('the mask is lifted only by a RAE=0 read', () => {
  it('stays masked across changes until the RAE=0 read; the next change then completes a parked AER', async () => {
    const { host, notifyChange } = await rig();
    const [a, b] = await parkAers(host, 2);
    expect((await notifyChange(1)).outcome).toBe('posted');
    expect((await notifyChange(2)).outcome).toBe('coalesced');
    expect((await notifyChange(3)).outcome).toBe('coalesced');
    await pollSettled(host);
    expect(completionOf(host, b)?.dw0).toBe(NS_ATTR_CHANGED_DW0);
    expect(completionOf(host, a)).toBeUndefined();

    expect((await readChangedList(host, false)).list).toEqual({ overflow: false, nsids: [1, 2, 3] });
    await expectNoCompletion(host);
    expect((await notifyChange(5)).outcome).toBe('posted');
    await pollSettled(host);
    expect(completionOf(host, a)?.dw0).toBe(NS_ATTR_CHANGED_DW0);
  });

  it('RAE=1 returns and empties the list but keeps the mask; a change after it does not complete a parked AER', async () => {
    const { host, notifyChange } = await rig();
    const [a, b] = await parkAers(host, 2);
    await notifyChange(1);
    await notifyChange(2);
    await pollSettled(host);
    expect(completionOf(host, b)?.dw0).toBe(NS_ATTR_CHANGED_DW0);

    expect((await readChangedList(host, true)).list).toEqual({ overflow: false, nsids: [1, 2] });
    expect((await notifyChange(3)).outcome).toBe('coalesced');
    await expectNoCompletion(host);
    expect(completionOf(host, a)).toBeUndefined();

    // RAE=0 returns what changed since the RAE=1 read and lifts the mask.
    expect((await readChangedList(host, false)).list).toEqual({ overflow: false, nsids: [3] });
    await expectNoCompletion(host);
    expect((await notifyChange(4)).outcome).toBe('posted');
    await pollSettled(host);
    expect(completionOf(host, a)?.dw0).toBe(NS_ATTR_CHANGED_DW0);
  });

  it('a Get Log Page 04h that fails (Data Transfer Error) neither lifts the mask nor consumes the list', async () => {
    const { host, notifyChange } = await rig();
    const [a, b] = await parkAers(host, 2);
    await notifyChange(1);
    await pollSettled(host);
    expect(completionOf(host, b!)?.dw0).toBe(NS_ATTR_CHANGED_DW0);
    const failed = await host.execute({
      opcode: AdminOpcode.GET_LOG_PAGE,
      nsid: 0xffffffff,
      ...encodeGetLogPage({ lid: LogPage.CHANGED_NAMESPACE_LIST, numd: 1024 }),
      rawPrps: true,
      prp1: BigInt(DEFAULT_MEMORY_SIZE),
    });
    expect([failed.status.sct, failed.status.sc]).toEqual([0, 0x04]);
    expect((await notifyChange(2)).outcome).toBe('coalesced');
    await expectNoCompletion(host);
    expect((await readChangedList(host)).list).toEqual({ overflow: false, nsids: [1, 2] });
    expect((await notifyChange(3)).outcome).toBe('posted');
    await pollSettled(host);
    expect(completionOf(host, a!)?.dw0).toBe(NS_ATTR_CHANGED_DW0);
  });

  it("until: 'aen' waiters all resolve with the one AEN that covers their changes", async () => {
    const { host, notifyChange } = await rig();
    const p1 = notifyChange(1, { until: 'aen' });
    const p2 = notifyChange(2, { until: 'aen' });
    const aer = await host.submitAer();
    const [r1, r2] = await Promise.all([p1, p2]);
    expect(r1).toEqual({ nsid: 1, outcome: 'deferred', aen: { cid: aer, dw0: NS_ATTR_CHANGED_DW0 } });
    expect(r2).toEqual({ nsid: 2, outcome: 'deferred', aen: { cid: aer, dw0: NS_ATTR_CHANGED_DW0 } });
  });
});
