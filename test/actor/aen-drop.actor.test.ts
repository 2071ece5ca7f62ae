// A completion fault that drops the Namespace Attribute AEN, per profile. Under `openvmm` and `openvmm-test`
// (aenDropUnlatches, as nvme_test/src/workers/admin.rs next_event does: `continue` before the latch is set and before
// the RPC's `complete`) the AER is consumed, the latch stays unset, the next parked AER is consumed in turn, and the
// RPC is never answered; the caller can still give up (signal, timeoutMs) and nothing of it is kept, however many.
// Under the other profiles the notice is masked as if posted and the RPC answers `posted`. Also the opt-in emulations
// of nvme_test: its single reply slot and its panic on namespace removal.
import { describe, expect, it } from 'vitest';
import { createController, type ControllerOptions } from '../../src/emulator.ts';
import { EmulatorTransport } from '../../src/host/emulator-transport.ts';
import { NvmeHost } from '../../src/host/nvme-host.ts';
import { matchCommand } from '../../src/faults/admin-faults.ts';
import { NamespaceChangeError } from '../../src/faults/namespace-change.ts';
import { AdminOpcode, Csts, Register } from '../../src/spec/constants.ts';

async function rig(options: ControllerOptions) {
  const controller = createController({ namespaces: [{ nsid: 1 }, { nsid: 2 }], ...options });
  const host = new NvmeHost(new EmulatorTransport(controller), { timeoutMs: 300 });
  await host.enable();
  return { controller, host, faults: controller.faults };
}
const dropAens = (faults: ReturnType<typeof createController>['faults']) => {
  faults.active = true;
  return faults.admin.completion(matchCommand({ opcode: AdminOpcode.ASYNC_EVENT_REQUEST }), { kind: 'drop' });
};
/** Settles within `turns` event-loop turns, or reports 'pending'. */
const settledWithin = async (p: Promise<unknown>, turns = 5): Promise<'resolved' | 'rejected' | 'pending'> => {
  let state: 'resolved' | 'rejected' | 'pending' = 'pending';
  p.then(() => (state = 'resolved'), () => (state = 'rejected'));
  for (let i = 0; i < turns; i++) await new Promise((r) => setImmediate(r));
  return state;
};
const latchNotice = (c: ReturnType<typeof createController>) => (c.actor.system.get('aenLatch')!.getSnapshot().value as { online?: { notice: string } }).online?.notice;

describe.each(['openvmm', 'openvmm-test'] as const)('profile %s: a dropped AEN leaves the latch unset', (profile) => {
  it('every parked AER is consumed, the latch waits in pending, and the RPC never answers', async () => {
    const { controller, host, faults } = await rig({ profile });
    const aers = [await host.submitAer(), await host.submitAer(), await host.submitAer()];
    const drop = dropAens(faults);
    const change = controller.faults.namespace.notifyChange(1);
    expect(await settledWithin(change)).toBe('pending');
    expect(drop.count).toBe(3); // one AEN per parked AER, each dropped
    expect(latchNotice(controller)).toBe('pending');
    await host.poll();
    expect(aers.every((cid) => host.isOutstanding(cid))).toBe(true); // consumed by the controller, never completed
    expect(faults.namespace.waiting).toBe(1);
    // The next AER, with the fault gone, gets the AEN: the latch was never set. And the waiting RPC is answered.
    drop.remove();
    const aer = await host.submitAer();
    expect((await host.waitFor(aer)).dw0).toBe(0x00040002);
    await expect(change).resolves.toMatchObject({ nsid: 1, outcome: 'posted' });
    expect(faults.namespace.waiting).toBe(0);
  });

  it('a never-answered call can be given up on (signal, timeoutMs), and thousands of them leave nothing behind', async () => {
    const { controller, host, faults } = await rig({ profile });
    await host.submitAer();
    dropAens(faults);
    const timedOut = controller.faults.namespace.notifyChange(1, { timeoutMs: 5 });
    await expect(timedOut).rejects.toMatchObject({ code: 'timeout' });
    const N = 5000;
    const ctl = new AbortController();
    const calls = Array.from({ length: N }, (_, i) => controller.faults.namespace.notifyChange(1 + (i % 2), { until: 'aen', signal: ctl.signal }));
    await new Promise((r) => setImmediate(r));
    expect(faults.namespace.waiting).toBe(N);
    ctl.abort();
    const results = await Promise.allSettled(calls);
    expect(results.every((r) => r.status === 'rejected' && (r.reason as NamespaceChangeError).code === 'aborted')).toBe(true);
    expect(faults.namespace.waiting).toBe(0);
    // An aborted signal given up front rejects at once and records nothing.
    await expect(controller.faults.namespace.notifyChange(1, { signal: ctl.signal })).rejects.toMatchObject({ code: 'aborted' });
    expect(faults.namespace.waiting).toBe(0);
  });
});

describe.each(['spec', 'qemu', 'linux-nvmet'] as const)('profile %s: a dropped AEN is masked as if posted', (profile) => {
  it('the RPC answers posted, the latch is set, the other parked AERs stay parked', async () => {
    const { controller, host, faults } = await rig({ profile });
    await host.submitAer();
    await host.submitAer();
    const drop = dropAens(faults);
    await expect(controller.faults.namespace.notifyChange(1)).resolves.toMatchObject({ outcome: 'posted' });
    expect(drop.count).toBe(1);
    expect(latchNotice(controller)).toBe('posted');
  });
});

describe('bad options of a call', () => {
  it.each([{ timeoutMs: 0 }, { timeoutMs: 1.5 }, { signal: {} }])('%o is an invalidOption rejection', async (opts) => {
    const { controller } = await rig({});
    await expect(controller.faults.namespace.notifyChange(1, opts as never)).rejects.toMatchObject({ code: 'invalidOption' });
  });
});

describe('openvmm-test: the opt-in emulations of nvme_test', () => {
  it('singleReplySlot: a second change rejects the waiting first with replaced; the next AEN answers the second', async () => {
    const { controller, host } = await rig({ profile: 'openvmm-test', singleReplySlot: true });
    const first = controller.faults.namespace.notifyChange(1); // no AER parked: waits for an AEN
    expect(await settledWithin(first)).toBe('pending');
    const second = controller.faults.namespace.notifyChange(2);
    await expect(first).rejects.toMatchObject({ code: 'replaced' });
    const aer = await host.submitAer();
    await expect(second).resolves.toMatchObject({ nsid: 2, outcome: 'deferred', aen: { cid: aer, dw0: 0x00040002 } });
    // Masked: a change that joins the unread list waits for a later AEN (nvme_test keeps the RPC pending).
    await host.submitAer();
    const masked = controller.faults.namespace.notifyChange(1);
    expect(await settledWithin(masked)).toBe('pending');
    await host.readChangedList(); // RAE=0: unmasks; the list is empty now, so no AEN follows (as in nvme_test)
    expect(await settledWithin(masked)).toBe('pending');
    await controller.faults.namespace.notifyChange(2).catch(() => undefined); // replaces it
    await expect(masked).rejects.toMatchObject({ code: 'replaced' });
  });

  it('without singleReplySlot every caller gets its own answer (the default)', async () => {
    const { controller, host } = await rig({ profile: 'openvmm-test' });
    const a = controller.faults.namespace.notifyChange(1, { until: 'aen' });
    const b = controller.faults.namespace.notifyChange(2, { until: 'aen' });
    await host.submitAer();
    await expect(Promise.all([a, b])).resolves.toHaveLength(2);
  });

  it('removeNamespacePanics: removing a namespace while enabled panics the controller', async () => {
    const { controller, host } = await rig({ profile: 'openvmm-test', removeNamespacePanics: true });
    await expect(controller.faults.namespace.remove(2)).rejects.toMatchObject({ code: 'panicked' });
    expect(controller.mmioRead32(Register.CSTS) & Csts.CFS).toBe(Csts.CFS);
    expect(controller.namespaces.get(2)?.attached).toBe(false);
    await host.disable();
    await host.enable(); // a reset recovers, as from any panic
  });

  it('without it, remove detaches and reports the change', async () => {
    const { controller, host } = await rig({ profile: 'openvmm-test' });
    const aer = await host.submitAer();
    await expect(controller.faults.namespace.remove(2)).resolves.toMatchObject({ nsid: 2, outcome: 'posted' });
    expect((await host.waitFor(aer)).dw0).toBe(0x00040002);
    expect(await host.readChangedList()).toEqual({ overflow: false, nsids: [2] });
    await expect(controller.faults.namespace.remove(2)).rejects.toMatchObject({ code: 'invalidNsid' });
  });

  it.each([{ profile: 'spec', singleReplySlot: true }, { profile: 'openvmm', removeNamespacePanics: true }, { profile: 'openvmm-test', singleReplySlot: 1 }])('%o is refused with one line', (bad) => {
    expect(() => createController(bad as ControllerOptions)).toThrow(/^(singleReplySlot|removeNamespacePanics) (emulates OpenVMM's nvme_test: it needs profile 'openvmm-test'|must be true or false)[^\n]*$/);
  });
});
