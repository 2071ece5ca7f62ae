// Asynchronous Event Configuration, feature 0Bh (NVMe Base 2.0 §5.27.1.9; docs/semantics.md §4): bit 8 starts set in the
// spec profile; with it clear, changes are recorded in the list but no notice is sent; setting it again with changes
// pending reports them at once. Get Features returns what Set Features stored.
import { describe, expect, it } from 'vitest';
import { completionOf, expectNoCompletion, getAec, NS_ATTR_CHANGED_DW0, parkAers, pollSettled, readChangedList, statusOf, useRigs } from '../support/rig.ts';

const rig = useRigs();

describe('Get/Set Features 0Bh', () => {
  it('defaults to 100h (Namespace Attribute Notices on)', async () => {
    const { host } = await rig();
    const c = await getAec(host);
    expect(statusOf(c)).toBe('0/00h');
    expect(c.dw0).toBe(0x100);
  });

  it('Get returns what Set stored', async () => {
    const { host } = await rig();
    for (const value of [0, 0x300, 0x1ff, 0x100]) {
      expect(statusOf(await host.setAsyncEventConfig(value))).toBe('0/00h');
      expect((await getAec(host)).dw0).toBe(value);
    }
  });

  it('a controller reset restores the default (spec)', async () => {
    const { host } = await rig();
    await host.setAsyncEventConfig(0);
    await host.disable();
    await host.enable();
    expect((await getAec(host)).dw0).toBe(0x100);
  });
});

describe('AEC bit 8 gates the Namespace Attribute notice', () => {
  it('bit 8 off: the change is recorded and read back, but no AER completes', async () => {
    const { host, notifyChange } = await rig();
    await host.setAsyncEventConfig(0);
    const [aer] = await parkAers(host, 1);
    expect(await notifyChange(2)).toEqual({ nsid: 2, outcome: 'deferred' });
    await expectNoCompletion(host);
    expect((await readChangedList(host)).list).toEqual({ overflow: false, nsids: [2] });
    await expectNoCompletion(host);
    expect(host.isOutstanding(aer!)).toBe(true);
  });

  it('turning bit 8 back on with changes pending reports them at once to a parked AER', async () => {
    const { host, notifyChange } = await rig();
    await host.setAsyncEventConfig(0);
    const [aer] = await parkAers(host, 1);
    await notifyChange(3);
    await notifyChange(1);
    await expectNoCompletion(host);
    const set = await host.setAsyncEventConfig(0x100);
    expect(statusOf(set)).toBe('0/00h');
    await pollSettled(host);
    expect(completionOf(host, aer!)?.dw0).toBe(NS_ATTR_CHANGED_DW0);
    expect((await readChangedList(host)).list).toEqual({ overflow: false, nsids: [1, 3] });
  });

  it('turning bit 8 back on after the list was read reports nothing (nothing is pending)', async () => {
    const { host, notifyChange } = await rig();
    await host.setAsyncEventConfig(0);
    const [aer] = await parkAers(host, 1);
    await notifyChange(3);
    expect((await readChangedList(host)).list).toEqual({ overflow: false, nsids: [3] });
    await host.setAsyncEventConfig(0x100);
    await expectNoCompletion(host);
    expect(host.isOutstanding(aer!)).toBe(true);
  });

  it('other AEC bits do not enable the notice: 0xFF (SMART bits only) still gates it', async () => {
    const { host, notifyChange } = await rig();
    await host.setAsyncEventConfig(0xff);
    await parkAers(host, 1);
    expect((await notifyChange(1)).outcome).toBe('deferred');
    await expectNoCompletion(host);
  });
});
