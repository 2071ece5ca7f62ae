// One suite, three profiles (src/profiles, docs/semantics.md §4, docs/qemu-observations.md): the behaviours every
// profile promises run with describe.each; where the profiles differ, each difference is asserted per profile
// with the literal expected value (never read back from the profile object, so a wrong profile fails).
import { describe, expect, it } from 'vitest';
import type { ProfileName } from '../../src/profiles/profiles.ts';
import { AdminOpcode, Cns, LogPage } from '../../src/spec/constants.ts';
import { encodeIdentify } from '../../src/spec/admin-fields.codec.ts';
import { decodeNsidList } from '../../src/spec/namespace-list.codec.ts';
import type { CommandSpec } from '../../src/host/nvme-host.ts';
import { completionOf, expectNoCompletion, getAec, identifyControllerOk, NS_ATTR_CHANGED_DW0, parkAers, pollSettled, range, readChangedList, statusOf, useRigs, type Rig } from '../support/rig.ts';

const rig = useRigs();
const PROFILES: readonly ProfileName[] = ['spec', 'qemu', 'openvmm'];

async function changeAll(r: Rig, nsids: readonly number[]): Promise<void> {
  for (const nsid of nsids) await r.notifyChange(nsid);
}

/** Unknown opcode, unknown log page, Identify with NSID 0: the statuses differ per profile (see below). */
const errorCommands: readonly CommandSpec[] = [
  { opcode: 0x99 },
  { opcode: AdminOpcode.GET_LOG_PAGE, nsid: 0xffffffff, cdw10: 0x7f | (1023 << 16), dataIn: 4096 },
  { opcode: AdminOpcode.IDENTIFY, nsid: 0, ...encodeIdentify({ cns: Cns.NAMESPACE }), dataIn: 4096 },
];

describe.each(PROFILES)('shared behaviour: %s', (profile) => {
  it('a change completes the parked AER with 00040002h (receipt posted); the RAE=0 read returns [nsid]', async () => {
    const { host, notifyChange } = await rig({ profile });
    const [aer] = await parkAers(host, 1);
    expect(await notifyChange(4)).toEqual({ nsid: 4, outcome: 'posted' });
    const arrived = await pollSettled(host);
    expect(arrived.map((c) => [c.cid, statusOf(c), c.dw0])).toEqual([[aer, '0/00h', NS_ATTR_CHANGED_DW0]]);
    expect((await readChangedList(host)).list).toEqual({ overflow: false, nsids: [4] });
  });

  it('three changes (one NSID twice) give one AEN before the read, which returns them ascending without duplicates', async () => {
    const { host, notifyChange } = await rig({ profile });
    const [older, newer] = await parkAers(host, 2);
    for (const nsid of [8, 3, 8, 5]) await notifyChange(nsid);
    await pollSettled(host);
    expect(completionOf(host, newer!)?.dw0).toBe(NS_ATTR_CHANGED_DW0);
    expect(completionOf(host, older!)).toBeUndefined();
    const read = await readChangedList(host, true); // RAE=1: no profile unmasks on it
    expect(read.list).toEqual({ overflow: false, nsids: [3, 5, 8] });
    await expectNoCompletion(host);
  });

  it('a change with no AER parked is deferred and reported when the next AER arrives', async () => {
    const { host, notifyChange } = await rig({ profile });
    expect(await notifyChange(2)).toEqual({ nsid: 2, outcome: 'deferred' });
    const aer = await host.submitAer();
    await pollSettled(host);
    expect(completionOf(host, aer)?.dw0).toBe(NS_ATTR_CHANGED_DW0);
    expect((await readChangedList(host)).list).toEqual({ overflow: false, nsids: [2] });
  });

  it('AERL 3: four AERs park, the fifth gets 1/05h without DNR; events complete them LIFO', async () => {
    const { host, notifyChange } = await rig({ profile });
    expect((await host.identifyController()).aerl).toBe(3);
    const cids = await parkAers(host, 4);
    const fifth = await host.submitAer();
    await pollSettled(host);
    expect(statusOf(completionOf(host, fifth)!)).toBe('1/05h');
    const order: number[] = [];
    for (const nsid of [1, 2]) {
      await notifyChange(nsid);
      const arrived = await pollSettled(host);
      order.push(...arrived.map((c) => c.cid));
      // RAE=0 consumes; in qemu an extra queued notice could follow, but one change per round queues none.
      expect((await readChangedList(host)).list).toEqual({ overflow: false, nsids: [nsid] });
    }
    expect(order).toEqual([cids[3], cids[2]]);
  });

  it('1025 distinct changes overflow (FFFFFFFFh then zeros); 1024 do not', async () => {
    const r = await rig({ profile });
    await changeAll(r, range(1, 1025));
    const over = await readChangedList(r.host);
    expect(over.list).toEqual({ overflow: true });
    expect(over.data!.subarray(4).every((b) => b === 0)).toBe(true);
    await changeAll(r, range(1, 1024));
    expect((await readChangedList(r.host)).list).toEqual({ overflow: false, nsids: range(1, 1024) });
  });

  it('NUMD = 2 returns two entries and empties the whole list', async () => {
    const r = await rig({ profile });
    await changeAll(r, [3, 2, 1]);
    const c = await r.host.getLogPage({ lid: LogPage.CHANGED_NAMESPACE_LIST, numd: 2 });
    expect(statusOf(c)).toBe('0/00h');
    expect(decodeNsidList(c.data!)).toEqual([1, 2]);
    expect((await readChangedList(r.host)).list).toEqual({ overflow: false, nsids: [] });
  });

  it('error completions leave the controller working and the parked AER parked', async () => {
    const { host } = await rig({ profile });
    const [aer] = await parkAers(host, 1);
    for (const command of errorCommands) {
      const c = await host.execute(command);
      expect(statusOf(c)).not.toBe('0/00h');
      await identifyControllerOk(host);
    }
    await expectNoCompletion(host);
    expect(host.isOutstanding(aer!)).toBe(true);
  });
});

describe('statuses per profile', () => {
  const table: readonly { profile: ProfileName; invalidOpcode: string; invalidLogPage: string; invalidNamespace: string; keepAlive: string }[] = [
    { profile: 'spec', invalidOpcode: '0/01h DNR', invalidLogPage: '1/09h DNR', invalidNamespace: '0/0Bh DNR', keepAlive: '0/00h' },
    { profile: 'qemu', invalidOpcode: '0/01h DNR', invalidLogPage: '0/02h DNR', invalidNamespace: '0/0Bh DNR', keepAlive: '0/01h DNR' },
    { profile: 'openvmm', invalidOpcode: '0/01h', invalidLogPage: '1/09h', invalidNamespace: '0/0Bh', keepAlive: '0/01h' },
  ];
  it.each(table)('$profile: opcode 99h $invalidOpcode, LID 7Fh $invalidLogPage, NSID 0 $invalidNamespace, Keep Alive $keepAlive', async (row) => {
    const { host } = await rig({ profile: row.profile });
    expect(statusOf(await host.execute(errorCommands[0]!))).toBe(row.invalidOpcode);
    expect(statusOf(await host.execute(errorCommands[1]!))).toBe(row.invalidLogPage);
    expect(statusOf(await host.execute(errorCommands[2]!))).toBe(row.invalidNamespace);
    expect(statusOf(await host.keepAlive())).toBe(row.keepAlive);
  });
});

describe('AEC (feature 0Bh) per profile', () => {
  it.each([
    { profile: 'spec' as const, aecDefault: 0x100 },
    { profile: 'qemu' as const, aecDefault: 0 },
    { profile: 'openvmm' as const, aecDefault: 0xffffffff },
  ])('$profile: Get Features 0Bh starts at $aecDefault', async ({ profile, aecDefault }) => {
    const { host } = await rig({ profile });
    const c = await getAec(host);
    expect(statusOf(c)).toBe('0/00h');
    expect(c.dw0).toBe(aecDefault);
  });

  it.each([
    { profile: 'spec' as const, gates: true },
    { profile: 'qemu' as const, gates: false },
    { profile: 'openvmm' as const, gates: true },
  ])('$profile: with AEC = 0 the notice is gated: $gates', async ({ profile, gates }) => {
    const { host, notifyChange } = await rig({ profile });
    await host.setAsyncEventConfig(0);
    expect((await getAec(host)).dw0).toBe(0);
    const [aer] = await parkAers(host, 1);
    expect((await notifyChange(1)).outcome).toBe(gates ? 'deferred' : 'posted');
    await pollSettled(host);
    expect(completionOf(host, aer!)?.dw0).toBe(gates ? undefined : NS_ATTR_CHANGED_DW0);
    expect((await readChangedList(host)).list).toEqual({ overflow: false, nsids: [1] });
  });
});

describe('Abort of a parked AER per profile', () => {
  it('spec: aborted (0/07h first, Abort DW0 = 0)', async () => {
    const { host } = await rig({ profile: 'spec' });
    const [aer] = await parkAers(host, 1);
    const abort = await host.abort(aer!);
    expect(abort.dw0).toBe(0);
    expect(statusOf(completionOf(host, aer!)!)).toBe('0/07h');
    expect(completionOf(host, aer!)!.seq).toBeLessThan(abort.seq);
  });

  it.each(['qemu', 'openvmm'] as const)('%s: not aborted (DW0 = 1); the AER stays parked and fires on the next change', async (profile) => {
    const { host, notifyChange } = await rig({ profile });
    const [aer] = await parkAers(host, 1);
    const abort = await host.abort(aer!);
    expect(statusOf(abort)).toBe('0/00h');
    expect(abort.dw0).toBe(1);
    await expectNoCompletion(host);
    expect(host.isOutstanding(aer!)).toBe(true);
    await notifyChange(1);
    await pollSettled(host);
    expect(completionOf(host, aer!)?.dw0).toBe(NS_ATTR_CHANGED_DW0);
  });
});

describe('changes while masked, then the RAE=0 read that unmasks', () => {
  it.each(['spec', 'openvmm'] as const)('%s: the read returns them; no further notice follows', async (profile) => {
    const { host, notifyChange } = await rig({ profile });
    const [older, newer] = await parkAers(host, 2);
    await notifyChange(2);
    await notifyChange(3);
    await pollSettled(host);
    expect(completionOf(host, newer!)?.dw0).toBe(NS_ATTR_CHANGED_DW0);
    expect((await readChangedList(host)).list).toEqual({ overflow: false, nsids: [2, 3] });
    await expectNoCompletion(host);
    expect(host.isOutstanding(older!)).toBe(true);
  });

  it('qemu: the unmasking read is accompanied at once by a second notice, posted before the read completes, whose list is empty', async () => {
    // docs/qemu-observations.md (e)
    const { host, notifyChange } = await rig({ profile: 'qemu' });
    const [a20, a21] = await parkAers(host, 2);
    expect((await notifyChange(2)).outcome).toBe('posted');
    await pollSettled(host);
    expect(completionOf(host, a21!)?.dw0).toBe(NS_ATTR_CHANGED_DW0);
    expect((await notifyChange(3)).outcome).toBe('coalesced');
    await expectNoCompletion(host);
    const rae1 = await readChangedList(host, true);
    expect(rae1.list).toEqual({ overflow: false, nsids: [2, 3] });
    await expectNoCompletion(host);
    await notifyChange(2); // detach ns2 while still masked
    await expectNoCompletion(host);
    const unmasking = await readChangedList(host, false);
    expect(unmasking.list).toEqual({ overflow: false, nsids: [2] });
    const second = completionOf(host, a20!);
    expect(second?.dw0).toBe(NS_ATTR_CHANGED_DW0);
    expect(second!.seq).toBeLessThan(unmasking.seq);
    expect((await readChangedList(host, false)).list).toEqual({ overflow: false, nsids: [] });
    await expectNoCompletion(host);
  });

  it('qemu: changes queued with no AER parked survive a log read and produce stale notices, one per read, LIFO', async () => {
    // docs/qemu-observations.md (m)
    const { host, notifyChange } = await rig({ profile: 'qemu' });
    for (const nsid of [1, 2, 3]) expect((await notifyChange(nsid)).outcome).toBe('deferred');
    expect((await readChangedList(host)).list).toEqual({ overflow: false, nsids: [1, 2, 3] });
    const first = await host.submitAer();
    await pollSettled(host);
    expect(completionOf(host, first)?.dw0).toBe(NS_ATTR_CHANGED_DW0);
    const [, b, c] = await parkAers(host, 3);
    for (const expected of [c, b]) {
      const read = await readChangedList(host);
      expect(read.list).toEqual({ overflow: false, nsids: [] });
      const notice = completionOf(host, expected!);
      expect(notice?.dw0).toBe(NS_ATTR_CHANGED_DW0);
      expect(notice!.seq).toBeLessThan(read.seq);
    }
    await readChangedList(host);
    await expectNoCompletion(host); // three notices: the queue is empty
  });

  it('qemu: a change of an NSID already in the unread list raises no new notice', async () => {
    const { host, notifyChange } = await rig({ profile: 'qemu' });
    await notifyChange(1); // deferred, queued
    const aer = await host.submitAer();
    await pollSettled(host);
    expect(completionOf(host, aer)?.dw0).toBe(NS_ATTR_CHANGED_DW0);
    const [older] = await parkAers(host, 1);
    expect((await notifyChange(1)).outcome).toBe('coalesced');
    expect((await readChangedList(host)).list).toEqual({ overflow: false, nsids: [1] });
    await expectNoCompletion(host);
    expect(host.isOutstanding(older!)).toBe(true);
  });
});

describe('controller reset and the changed list per profile', () => {
  it('spec: the unread list survives and is reported again to the first AER', async () => {
    const { host, notifyChange } = await rig({ profile: 'spec' });
    await notifyChange(2);
    await host.disable();
    await host.enable();
    const aer = await host.submitAer();
    await pollSettled(host);
    expect(completionOf(host, aer)?.dw0).toBe(NS_ATTR_CHANGED_DW0);
    expect((await readChangedList(host)).list).toEqual({ overflow: false, nsids: [2] });
  });

  it('qemu: the list survives, but no notice reports it; the mask is clear for the next change', async () => {
    // docs/qemu-observations.md (i)
    const { host, notifyChange } = await rig({ profile: 'qemu' });
    const [before] = await parkAers(host, 1);
    await notifyChange(2);
    await notifyChange(3);
    await pollSettled(host);
    expect(completionOf(host, before!)?.dw0).toBe(NS_ATTR_CHANGED_DW0);
    await host.setAsyncEventConfig(0x100);
    await host.disable();
    await host.enable();
    const [after] = await parkAers(host, 1);
    expect((await readChangedList(host)).list).toEqual({ overflow: false, nsids: [2, 3] });
    await expectNoCompletion(host);
    expect((await notifyChange(3)).outcome).toBe('posted');
    await pollSettled(host);
    expect(completionOf(host, after!)?.dw0).toBe(NS_ATTR_CHANGED_DW0);
    expect((await getAec(host)).dw0).toBe(0x100); // AEC survives the reset
  });

  it('openvmm: the reset empties the list, so nothing is reported', async () => {
    const { host, notifyChange } = await rig({ profile: 'openvmm' });
    await notifyChange(2);
    await host.disable();
    await host.enable();
    const [aer] = await parkAers(host, 1);
    expect((await readChangedList(host)).list).toEqual({ overflow: false, nsids: [] });
    await expectNoCompletion(host);
    expect(host.isOutstanding(aer!)).toBe(true);
  });
});

describe('profile-specific commands', () => {
  it('openvmm: Namespace Attachment is an invalid opcode without DNR, and changes nothing', async () => {
    const { host } = await rig({ profile: 'openvmm', namespaces: [{ nsid: 1 }, { nsid: 2, attached: false }] });
    const [aer] = await parkAers(host, 1);
    const c = await host.namespaceAttachment(2, 'attach', [1]);
    expect(statusOf(c)).toBe('0/01h');
    await expectNoCompletion(host);
    expect(host.isOutstanding(aer!)).toBe(true);
    expect(await host.activeNamespaces()).toEqual([1]);
  });

  it('qemu: Namespace Attachment raises the notice before its own completion', async () => {
    const { host } = await rig({ profile: 'qemu', namespaces: [{ nsid: 1 }, { nsid: 2, attached: false }] });
    const [aer] = await parkAers(host, 1);
    const c = await host.namespaceAttachment(2, 'attach', [1]);
    expect(statusOf(c)).toBe('0/00h');
    expect(completionOf(host, aer!)!.seq).toBeLessThan(c.seq);
    expect(await host.activeNamespaces()).toEqual([1, 2]);
  });

  it.each([
    { profile: 'spec' as const, entries: [3, 4, 5] },
    { profile: 'qemu' as const, entries: [3, 4, 5] },
    { profile: 'openvmm' as const, entries: [1, 2, 3, 4, 5] },
  ])('$profile: Get Log Page 04h at LPOL 8 returns $entries', async ({ profile, entries }) => {
    const r = await rig({ profile });
    await changeAll(r, [1, 2, 3, 4, 5]);
    const c = await r.host.getLogPage({ lid: LogPage.CHANGED_NAMESPACE_LIST, numd: 1024, offset: 8n });
    expect(statusOf(c)).toBe('0/00h');
    expect(decodeNsidList(c.data!)).toEqual(entries);
  });
});
