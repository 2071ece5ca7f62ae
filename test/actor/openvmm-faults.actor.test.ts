// The faults of OpenVMM's nvme_test that the first fault set lacked (nvme_test/src/workers/admin.rs process_event and
// apply_completion_queue_fault): Panic (the controller goes fatal: CSTS.CFS, outstanding commands never complete,
// only CC.EN 1→0 recovers), on a command match and immediately; and a completion Delay that blocks the whole admin
// queue, beside the non-blocking one whose completion other completions overtake.
import { describe, expect, it } from 'vitest';
import { createController } from '../../src/emulator.ts';
import { EmulatorTransport } from '../../src/host/emulator-transport.ts';
import { NvmeHost } from '../../src/host/nvme-host.ts';
import { FaultConfigError, matchCommand } from '../../src/faults/admin-faults.ts';
import { AdminOpcode, Csts, Register, Status } from '../../src/spec/constants.ts';
import type { TraceEvent } from '../../src/trace.ts';

async function rig() {
  const controller = createController();
  const host = new NvmeHost(new EmulatorTransport(controller), { timeoutMs: 500 });
  const trace: TraceEvent[] = [];
  controller.onTrace((e) => trace.push(e));
  await host.enable();
  return { controller, host, faults: controller.faults, trace };
}
const identify = { opcode: AdminOpcode.IDENTIFY, cdw10: 1, dataIn: 4096 } as const;
const keepAlive = { opcode: AdminOpcode.KEEP_ALIVE } as const;
const csts = (c: { mmioRead32(o: number): number }) => c.mmioRead32(Register.CSTS);

describe('panic', () => {
  it('on a submission match: CSTS.CFS, the command and every outstanding one never complete, later commands are not fetched', async () => {
    const { controller, host, faults, trace } = await rig();
    const aer = await host.submitAer();
    faults.active = true;
    const f = faults.admin.submission(matchCommand({ opcode: AdminOpcode.KEEP_ALIVE }), { kind: 'panic', message: 'boom' });
    const ka = await host.submit(keepAlive);
    const after = await host.submit(identify);
    await f.fired;
    await host.poll();
    expect(csts(controller) & Csts.CFS).toBe(Csts.CFS);
    expect(csts(controller) & Csts.RDY).toBe(0);
    expect([aer, ka, after].every((cid) => host.isOutstanding(cid))).toBe(true);
    expect(controller.actor.getSnapshot().value).toBe('fatal');
    expect(trace).toContainEqual({ type: 'controller.panicked', side: 'submission', cid: expect.any(Number), message: 'boom' });
    // The latch went offline with the panic: the parked AER is gone, no AEN will ever complete it.
    expect(controller.actor.system.get('aenLatch')!.getSnapshot().value).toBe('offline');
  });

  it('on a completion match: the command was handled, its completion is never posted, and the controller is fatal', async () => {
    const { controller, host, faults } = await rig();
    faults.active = true;
    const f = faults.admin.completion(matchCommand({ opcode: AdminOpcode.IDENTIFY }), { kind: 'panic' });
    const id = await host.submit(identify);
    await f.fired;
    await host.poll();
    expect(host.isOutstanding(id)).toBe(true);
    expect(csts(controller) & Csts.CFS).toBe(Csts.CFS);
  });

  it('immediately (faults.panic, not gated by faults.active), and only a controller reset recovers', async () => {
    const { controller, host, faults, trace } = await rig();
    const aer = await host.submitAer();
    faults.panic('now');
    expect(csts(controller) & Csts.CFS).toBe(Csts.CFS);
    expect(trace).toContainEqual({ type: 'controller.panicked', side: 'controller', cid: null, message: 'now' });
    const id = await host.submit(identify);
    await host.poll();
    expect(host.isOutstanding(id) && host.isOutstanding(aer)).toBe(true);
    faults.panic('again'); // a second panic changes nothing
    expect(controller.actor.getSnapshot().value).toBe('fatal');
    await host.disable(); // CC.EN 1→0 (NVMe Base 2.0 §3.1.3.6)
    expect(csts(controller) & Csts.CFS).toBe(0);
    await host.enable();
    expect(Status.equals((await host.execute(identify)).status, Status.SUCCESS)).toBe(true);
  });

  it('a bad panic message is a one-line FaultConfigError', async () => {
    const { faults } = await rig();
    expect(() => faults.panic(42 as unknown as string)).toThrow(FaultConfigError);
    expect(() => faults.admin.submission(matchCommand({ opcode: 6 }), { kind: 'panic', message: {} as unknown as string })).toThrow(/panic message must be a string/);
    expect(() => faults.admin.submission(matchCommand({ opcode: 6 }), { kind: 'explode' } as never)).toThrow(/one of update, drop, delay, panic, verify/);
  });
});

describe('completion delay', () => {
  it('blocking: the whole admin queue holds in completionHeld; later commands complete after the held one', async () => {
    const { controller, host, faults } = await rig();
    faults.active = true;
    const f = faults.admin.completion(matchCommand({ opcode: AdminOpcode.KEEP_ALIVE }), { kind: 'delay', ms: 30, blocking: true });
    const held = await host.submit(keepAlive);
    const behind = await host.submit(identify);
    await f.fired;
    await host.poll();
    expect(host.isOutstanding(held) && host.isOutstanding(behind)).toBe(true);
    expect(controller.actor.system.get('adminQueue')!.getSnapshot().value).toBe('completionHeld');
    const a = await host.waitFor(held);
    const b = await host.waitFor(behind);
    expect(a.seq).toBeLessThan(b.seq);
    expect(b.sqhd).toBe(2);
  });

  it('blocking: an AEN the latch posts meanwhile waits behind the held completion', async () => {
    const { controller, host, faults } = await rig();
    const aer = await host.submitAer();
    faults.active = true;
    faults.admin.completion(matchCommand({ opcode: AdminOpcode.KEEP_ALIVE }), { kind: 'delay', ms: 30, blocking: true });
    const held = await host.submit(keepAlive);
    await controller.faults.namespace.notifyChange(1);
    await host.poll();
    expect(host.isOutstanding(aer)).toBe(true); // deferred in the admin queue
    const k = await host.waitFor(held);
    const aen = await host.waitFor(aer);
    expect(aen.dw0).toBe(0x00040002);
    expect(k.seq).toBeLessThan(aen.seq);
  });

  it('blocking on a command the latch answers (Get Log Page 04h): held the same way', async () => {
    const { host, faults } = await rig();
    faults.active = true;
    faults.admin.completion(matchCommand({ opcode: AdminOpcode.GET_LOG_PAGE }), { kind: 'delay', ms: 30, blocking: true });
    const log = await host.submit({ opcode: AdminOpcode.GET_LOG_PAGE, cdw10: 4 | (1023 << 16), dataIn: 4096 });
    const behind = await host.submit(keepAlive);
    await host.poll();
    expect(host.isOutstanding(log) && host.isOutstanding(behind)).toBe(true);
    expect((await host.waitFor(log)).seq).toBeLessThan((await host.waitFor(behind)).seq);
  });

  it('non-blocking (today\'s): a later command overtakes the delayed completion', async () => {
    const { host, faults } = await rig();
    faults.active = true;
    faults.admin.completion(matchCommand({ opcode: AdminOpcode.KEEP_ALIVE }), { kind: 'delay', ms: 30 });
    const delayed = await host.submit(keepAlive);
    const next = await host.execute(identify);
    expect(host.isOutstanding(delayed)).toBe(true);
    expect((await host.waitFor(delayed)).seq).toBeGreaterThan(next.seq);
  });

  it('a reset during a blocking hold drops the held completion', async () => {
    const { host, faults } = await rig();
    faults.active = true;
    faults.admin.completion(matchCommand({ opcode: AdminOpcode.KEEP_ALIVE }), { kind: 'delay', ms: 20, blocking: true });
    await host.submit(keepAlive);
    await host.disable();
    faults.active = false;
    await host.enable();
    expect(Status.equals((await host.execute(identify)).status, Status.SUCCESS)).toBe(true);
  });

  it('blocking is refused where it means nothing', async () => {
    const { faults } = await rig();
    expect(() => faults.admin.completion(matchCommand({ opcode: 6 }), { kind: 'drop', blocking: true } as never)).toThrow(/blocking is an option of a delay/);
    expect(() => faults.admin.submission(matchCommand({ opcode: 6 }), { kind: 'delay', ms: 1, blocking: true } as never)).toThrow(/completion delay option/);
    expect(() => faults.admin.completion(matchCommand({ opcode: 6 }), { kind: 'delay', ms: 1, blocking: 'yes' } as never)).toThrow(/true or false/);
  });
});
