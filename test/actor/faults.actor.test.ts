// The admin and enable faults (after OpenVMM's FaultConfiguration): each behaviour proves it fired through its
// handle, changes exactly what it says, and nothing happens while `faults.active` is off.
import { describe, expect, it, vi } from 'vitest';
import { createController } from '../../src/emulator.ts';
import { EmulatorTransport } from '../../src/host/emulator-transport.ts';
import { NvmeHost } from '../../src/host/nvme-host.ts';
import { FaultConfigError, matchCommand } from '../../src/faults/admin-faults.ts';
import { AdminOpcode, Csts, Register, Status } from '../../src/spec/constants.ts';

async function rig(options: { timeoutMs?: number } = {}) {
  const controller = createController({ namespaces: [{ nsid: 1 }, { nsid: 2, attached: false }] });
  const host = new NvmeHost(new EmulatorTransport(controller), { timeoutMs: options.timeoutMs ?? 500 });
  await host.enable();
  return { controller, host, faults: controller.faults };
}
const identify = { opcode: AdminOpcode.IDENTIFY, cdw10: 1, dataIn: 4096 } as const;
const keepAlive = { opcode: AdminOpcode.KEEP_ALIVE } as const;

describe('admin submission faults', () => {
  it('update rewrites the command before dispatch (the opcode stays)', async () => {
    const { host, faults } = await rig();
    faults.active = true;
    const f = faults.admin.submission(matchCommand({ opcode: AdminOpcode.IDENTIFY }), { kind: 'update', command: { cdw10: 0x7f } });
    const c = await host.execute(identify);
    expect(Status.format(c.status)).toBe('0/02h DNR'); // CNS 7Fh is not supported: the update reached the handler
    await expect(f.fired).resolves.toBeUndefined();
    expect(f.count).toBe(1);
  });

  it('drop consumes the command: no completion, and the queue carries on', async () => {
    const { host, faults } = await rig();
    faults.active = true;
    const f = faults.admin.submission(matchCommand({ opcode: AdminOpcode.KEEP_ALIVE }), { kind: 'drop' });
    const dropped = await host.submit(keepAlive);
    const next = await host.execute(identify);
    expect(Status.equals(next.status, Status.SUCCESS)).toBe(true);
    expect(next.sqhd).toBe(2); // both entries were consumed
    expect(host.isOutstanding(dropped)).toBe(true);
    expect(f.count).toBe(1);
  });

  it('delay holds the whole admin queue, then completes in order', async () => {
    const { host, faults } = await rig();
    faults.active = true;
    faults.admin.submission(matchCommand({ opcode: AdminOpcode.KEEP_ALIVE }), { kind: 'delay', ms: 30 });
    const first = await host.submit(keepAlive);
    const second = await host.submit(identify);
    await host.poll();
    expect(host.isOutstanding(first) && host.isOutstanding(second)).toBe(true);
    const a = await host.waitFor(first);
    const b = await host.waitFor(second);
    expect(a.seq).toBeLessThan(b.seq);
  });

  it('verify only records that it fired', async () => {
    const { host, faults } = await rig();
    faults.active = true;
    const f = faults.admin.submission(matchCommand({ opcode: AdminOpcode.IDENTIFY, cdw10: 1 }), { kind: 'verify' });
    expect(f.count).toBe(0);
    await host.execute({ ...identify, cdw10: 2 });
    expect(f.count).toBe(0); // CNS 02h does not match cdw10 = 1
    const c = await host.execute(identify);
    expect(Status.equals(c.status, Status.SUCCESS)).toBe(true);
    await f.fired;
    expect(f.count).toBe(1);
  });

  it('first match wins, and remove() takes a fault out', async () => {
    const { host, faults } = await rig();
    faults.active = true;
    const first = faults.admin.submission(matchCommand({ opcode: AdminOpcode.KEEP_ALIVE }), { kind: 'verify' });
    const second = faults.admin.submission(matchCommand({ opcode: AdminOpcode.KEEP_ALIVE }), { kind: 'drop' });
    await host.execute(keepAlive);
    expect([first.count, second.count]).toEqual([1, 0]);
    first.remove();
    const cid = await host.submit(keepAlive);
    await host.poll();
    expect(host.isOutstanding(cid)).toBe(true);
    expect(second.count).toBe(1);
  });

  it('customPayload is refused on the submission side', async () => {
    const { faults } = await rig();
    expect(() => faults.admin.submission(matchCommand({ opcode: 6 }), { kind: 'customPayload', data: new Uint8Array(4) } as never)).toThrow(FaultConfigError);
    expect(() => faults.admin.submission({ pattern: new Uint8Array(3), mask: new Uint8Array(64) }, { kind: 'drop' })).toThrow(FaultConfigError);
  });
});

describe('admin completion faults', () => {
  it('update replaces the status and DW0 of the matched command', async () => {
    const { host, faults } = await rig();
    faults.active = true;
    faults.admin.completion(matchCommand({ opcode: AdminOpcode.KEEP_ALIVE }), { kind: 'update', completion: { status: Status.INTERNAL_ERROR, dw0: 0xdead } });
    const c = await host.execute(keepAlive);
    expect(Status.format(c.status)).toBe('0/06h');
    expect(c.dw0).toBe(0xdead);
  });

  it('customPayload writes the data the host receives', async () => {
    const { host, faults } = await rig();
    faults.active = true;
    const f = faults.admin.completion(matchCommand({ opcode: AdminOpcode.IDENTIFY }), { kind: 'customPayload', data: Uint8Array.from([0xde, 0xad, 0xbe, 0xef]) });
    const c = await host.execute(identify);
    expect([...c.data!.subarray(0, 4)]).toEqual([0xde, 0xad, 0xbe, 0xef]);
    expect(f.count).toBe(1);
  });

  it('drop of an AEN: the AER never completes though the notice was reported', async () => {
    const { host, faults, controller } = await rig();
    faults.active = true;
    const f = faults.admin.completion(matchCommand({ opcode: AdminOpcode.ASYNC_EVENT_REQUEST }), { kind: 'drop' });
    const aer = await host.submitAer();
    const receipt = await controller.faults.namespace.notifyChange(1);
    expect(receipt.outcome).toBe('posted');
    await host.poll();
    expect(host.isOutstanding(aer)).toBe(true);
    expect(f.count).toBe(1);
  });

  it('delay posts the completion later', async () => {
    const { host, faults } = await rig();
    faults.active = true;
    faults.admin.completion(matchCommand({ opcode: AdminOpcode.KEEP_ALIVE }), { kind: 'delay', ms: 20 });
    const cid = await host.submit(keepAlive);
    await host.poll();
    expect(host.isOutstanding(cid)).toBe(true);
    expect(Status.equals((await host.waitFor(cid)).status, Status.SUCCESS)).toBe(true);
  });
});

describe('faultActive gates admin and enable faults, not the namespace fault', () => {
  it('an inactive fault does not fire; switching it on does', async () => {
    const { host, faults } = await rig();
    const f = faults.admin.submission(matchCommand({ opcode: AdminOpcode.KEEP_ALIVE }), { kind: 'drop' });
    expect(faults.active).toBe(false);
    expect(Status.equals((await host.execute(keepAlive)).status, Status.SUCCESS)).toBe(true);
    expect(f.count).toBe(0);
    faults.active = true;
    const cid = await host.submit(keepAlive);
    await host.poll();
    expect(host.isOutstanding(cid)).toBe(true);
    expect(f.count).toBe(1);
  });
});

describe('controller-enable faults', () => {
  it('fatal: the enable ends in CSTS.CFS; the next enable without the fault works', async () => {
    const { controller, host, faults } = await rig();
    await host.disable();
    faults.active = true;
    const f = faults.enable({ kind: 'fatal' });
    await expect(host.enable()).rejects.toThrow(/fatal status/);
    expect(controller.mmioRead32(Register.CSTS) & Csts.CFS).toBe(Csts.CFS);
    expect(f.count).toBe(1);
    faults.active = false;
    await host.disable();
    await host.enable();
    expect(controller.mmioRead32(Register.CSTS) & 3).toBe(Csts.RDY);
  });

  it('neverReady: CSTS.RDY stays 0 until CC.EN is cleared', async () => {
    const { controller, host, faults } = await rig({ timeoutMs: 50 });
    await host.disable();
    faults.active = true;
    faults.enable({ kind: 'neverReady' });
    await expect(host.enable()).rejects.toThrow(/timed out .* CSTS.RDY = 1/);
    expect(controller.mmioRead32(Register.CSTS) & 3).toBe(0);
    await host.disable();
    faults.active = false;
    await host.enable();
    expect(controller.mmioRead32(Register.CSTS) & 1).toBe(1);
  });

  it('delay: CSTS.RDY comes after the delay', async () => {
    const { controller, host, faults } = await rig();
    await host.disable();
    faults.active = true;
    faults.enable({ kind: 'delay', ms: 20 });
    controller.mmioWrite32(Register.CC, 1 | (6 << 16) | (4 << 20));
    expect(controller.mmioRead32(Register.CSTS) & 1).toBe(0);
    await vi.waitFor(() => expect(controller.mmioRead32(Register.CSTS) & 1).toBe(1), { timeout: 1000, interval: 5 });
  });
});
