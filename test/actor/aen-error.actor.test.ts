// The Error event for bad doorbell writes (NVMe Base 2.0 §5.2; nvme-aen-facts §1.4): a write to the doorbell of a
// queue that does not exist (info 00h) or an SQ tail / CQ head beyond the queue size (info 01h) is ignored, the ring
// keeps working, and an AEN with DW0 = 0 | info << 8 | 01h << 16 completes a parked AER. The Error type is masked
// until Get Log Page 01h with RAE=0; events waiting for an AER are reported oldest first across event types.
import { describe, expect, it } from 'vitest';
import { LogPage, Register } from '../../src/spec/constants.ts';
import { completionOf, expectNoCompletion, identifyControllerOk, NS_ATTR_CHANGED_DW0, parkAers, pollSettled, statusOf, useRigs } from '../support/rig.ts';
import type { NvmeHost } from '../../src/host/nvme-host.ts';
import { decodeErrorLog } from '../../src/spec/health-log.codec.ts';

const rig = useRigs();

/** Error, Write to Invalid Doorbell Register, log 01h. */
const INVALID_DOORBELL_REGISTER_DW0 = 0x00010000;
/** Error, Invalid Doorbell Write Value, log 01h. */
const INVALID_DOORBELL_VALUE_DW0 = 0x00010100;
const SQ1TDBL = Register.SQ0TDBL + 8; // queue 1 does not exist (admin queue only)
const CQ0HDBL = Register.SQ0TDBL + 4;

async function readErrorLog(host: NvmeHost, rae: boolean, numd = 16) {
  const c = await host.getLogPage({ lid: LogPage.ERROR_INFORMATION, rae, numd });
  expect(statusOf(c)).toBe('0/00h');
  return c;
}

describe('an Error event for each kind of bad doorbell write', () => {
  it('info 00h: a doorbell of a queue that does not exist completes a parked AER; the write is ignored', async () => {
    const { host, controller, trace } = await rig();
    const [aer] = await parkAers(host, 1);
    controller.mmioWrite32(SQ1TDBL, 1);
    await pollSettled(host);
    expect(completionOf(host, aer!)).toMatchObject({ dw0: INVALID_DOORBELL_REGISTER_DW0, status: { sct: 0, sc: 0 } });
    expect(trace).toContainEqual(expect.objectContaining({ type: 'doorbell.invalid', offset: SQ1TDBL, reason: 'no such queue' }));
    await identifyControllerOk(host);
  });

  it('info 01h: an SQ tail beyond the queue size completes a parked AER and leaves the ring as it was', async () => {
    const { host, controller } = await rig();
    const [aer] = await parkAers(host, 1);
    controller.mmioWrite32(Register.SQ0TDBL, 16); // the queue has 16 entries: 0..15
    await pollSettled(host);
    expect(completionOf(host, aer!)?.dw0).toBe(INVALID_DOORBELL_VALUE_DW0);
    // No command was fetched from beyond the tail: the next submission completes with SQHD just past it.
    await identifyControllerOk(host);
    for (let i = 0; i < 20; i++) await identifyControllerOk(host); // wraps the ring
  });

  it('info 01h: a CQ head beyond the queue size completes a parked AER; the CQ keeps its head', async () => {
    const { host, controller } = await rig();
    const [aer] = await parkAers(host, 1);
    controller.mmioWrite32(CQ0HDBL, 0xffff);
    await pollSettled(host);
    expect(completionOf(host, aer!)?.dw0).toBe(INVALID_DOORBELL_VALUE_DW0);
    for (let i = 0; i < 20; i++) await identifyControllerOk(host);
  });

  it('with no AER parked the event is retained and reported to the next AER', async () => {
    const { host, controller } = await rig();
    controller.mmioWrite32(Register.SQ0TDBL, 100);
    await expectNoCompletion(host);
    const aer = await host.submitAer();
    expect((await host.waitFor(aer)).dw0).toBe(INVALID_DOORBELL_VALUE_DW0);
  });

  it('a doorbell write while the controller is disabled raises nothing', async () => {
    const { host, controller } = await rig();
    await host.disable();
    controller.mmioWrite32(SQ1TDBL, 1);
    controller.mmioWrite32(Register.SQ0TDBL, 100);
    await host.enable();
    await parkAers(host, 1);
  });
});

describe('masking by log page 01h', () => {
  it('masked until Get Log Page 01h with RAE=0; RAE=1 keeps the mask; the page holds the entries newest first', async () => {
    const { host, controller } = await rig();
    const [a, b] = await parkAers(host, 2);
    controller.mmioWrite32(SQ1TDBL, 1);
    await pollSettled(host);
    expect(completionOf(host, b!)?.dw0).toBe(INVALID_DOORBELL_REGISTER_DW0);
    controller.mmioWrite32(SQ1TDBL, 2);
    controller.mmioWrite32(CQ0HDBL, 999);
    await expectNoCompletion(host);
    expect(completionOf(host, a!)).toBeUndefined();

    const retained = await readErrorLog(host, true);
    expect(decodeErrorLog(retained.data!).map((e) => e.errorCount)).toEqual([3]); // 16 dwords: the newest entry
    expect(decodeErrorLog((await readErrorLog(host, true, 0x400)).data!).map((e) => [e.errorCount, e.sqid, e.cid])).toEqual([[3, 0xffff, 0xffff], [2, 0xffff, 0xffff], [1, 0xffff, 0xffff]]);
    controller.mmioWrite32(SQ1TDBL, 3);
    await expectNoCompletion(host);

    const cleared = await readErrorLog(host, false, 32);
    expect(decodeErrorLog(cleared.data!).map((e) => e.errorCount)).toEqual([4, 3]);
    await expectNoCompletion(host); // the masked events were in the log just read: nothing is reported
    controller.mmioWrite32(Register.SQ0TDBL, 4096);
    await pollSettled(host);
    expect(completionOf(host, a!)?.dw0).toBe(INVALID_DOORBELL_VALUE_DW0);
  });

  it('the Error mask does not mask notices, and the notice mask does not mask errors', async () => {
    const { host, controller, notifyChange } = await rig();
    const [a, b, c] = await parkAers(host, 3);
    controller.mmioWrite32(SQ1TDBL, 1);
    expect((await notifyChange(1)).outcome).toBe('posted');
    await pollSettled(host);
    expect(completionOf(host, c!)?.dw0).toBe(INVALID_DOORBELL_REGISTER_DW0);
    expect(completionOf(host, b!)?.dw0).toBe(NS_ATTR_CHANGED_DW0);
    expect((await notifyChange(2)).outcome).toBe('coalesced');
    controller.mmioWrite32(SQ1TDBL, 1);
    await expectNoCompletion(host);
    // Reading the changed list does not unmask the Error event.
    await host.readChangedList();
    controller.mmioWrite32(SQ1TDBL, 1);
    await expectNoCompletion(host);
    expect(completionOf(host, a!)).toBeUndefined();
    await readErrorLog(host, false);
    expect((await notifyChange(3)).outcome).toBe('posted');
    await pollSettled(host);
    expect(completionOf(host, a!)?.dw0).toBe(NS_ATTR_CHANGED_DW0);
  });

  it('a log 01h read with an offset past its entries fails with Invalid Field and unmasks nothing', async () => {
    const { host, controller } = await rig();
    const [a, b] = await parkAers(host, 2);
    controller.mmioWrite32(SQ1TDBL, 1);
    await pollSettled(host);
    expect(completionOf(host, b!)?.dw0).toBe(INVALID_DOORBELL_REGISTER_DW0);
    const bad = await host.getLogPage({ lid: LogPage.ERROR_INFORMATION, numd: 16, offset: 64n * 64n }); // ELPE 63: 64 entries
    expect(statusOf(bad)).toBe('0/02h DNR');
    controller.mmioWrite32(SQ1TDBL, 1);
    await expectNoCompletion(host);
    expect(completionOf(host, a!)).toBeUndefined();
  });
});

describe('waiting events are reported oldest first across event types', () => {
  it('a notice older than an error goes to the first AER, the error to the next', async () => {
    const { host, controller, notifyChange } = await rig();
    expect((await notifyChange(5)).outcome).toBe('deferred');
    controller.mmioWrite32(SQ1TDBL, 1);
    await expectNoCompletion(host);
    const first = await host.submitAer();
    expect((await host.waitFor(first)).dw0).toBe(NS_ATTR_CHANGED_DW0);
    const second = await host.submitAer();
    expect((await host.waitFor(second)).dw0).toBe(INVALID_DOORBELL_REGISTER_DW0);
  });

  it('an error older than a notice goes first', async () => {
    const { host, controller, notifyChange } = await rig();
    controller.mmioWrite32(CQ0HDBL, 16);
    expect((await notifyChange(5)).outcome).toBe('deferred');
    const first = await host.submitAer();
    expect((await host.waitFor(first)).dw0).toBe(INVALID_DOORBELL_VALUE_DW0);
    const second = await host.submitAer();
    expect((await host.waitFor(second)).dw0).toBe(NS_ATTR_CHANGED_DW0);
    expect(await host.readChangedList()).toEqual({ overflow: false, nsids: [5] });
  });

  it('an older notice disabled by AEC bit 8 does not hold back a newer error', async () => {
    const { host, controller, notifyChange } = await rig();
    expect(statusOf(await host.setAsyncEventConfig(0))).toBe('0/00h');
    await notifyChange(5);
    controller.mmioWrite32(SQ1TDBL, 1);
    const first = await host.submitAer();
    expect((await host.waitFor(first)).dw0).toBe(INVALID_DOORBELL_REGISTER_DW0);
    const second = await host.submitAer();
    expect(statusOf(await host.setAsyncEventConfig(0x100))).toBe('0/00h');
    expect((await host.waitFor(second)).dw0).toBe(NS_ATTR_CHANGED_DW0);
  });
});

describe('reset', () => {
  it('a controller reset clears a retained Error event and the mask', async () => {
    const { host, controller } = await rig();
    const [aer] = await parkAers(host, 1);
    controller.mmioWrite32(SQ1TDBL, 1);
    await pollSettled(host);
    expect(completionOf(host, aer!)?.dw0).toBe(INVALID_DOORBELL_REGISTER_DW0);
    controller.mmioWrite32(SQ1TDBL, 1); // masked
    await host.enable(); // CC.EN 1→0, then a new enable
    await parkAers(host, 1);
    controller.mmioWrite32(SQ1TDBL, 1);
    const arrived = await pollSettled(host);
    expect(arrived.map((c) => c.dw0)).toEqual([INVALID_DOORBELL_REGISTER_DW0]);
  });
});

describe('qemu profile', () => {
  it('an Error event with no AER outstanding is not kept (QEMU 7.2 raises it only with one outstanding)', async () => {
    const { host, controller } = await rig({ profile: 'qemu' });
    controller.mmioWrite32(SQ1TDBL, 1);
    const aer = await host.submitAer();
    await expectNoCompletion(host);
    controller.mmioWrite32(SQ1TDBL, 1);
    expect((await host.waitFor(aer)).dw0).toBe(INVALID_DOORBELL_REGISTER_DW0);
  });
});
