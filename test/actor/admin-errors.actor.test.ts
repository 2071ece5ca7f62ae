// Error completions keep the controller working (NVMe Base 2.0 §4.6.1.2; docs/semantics.md §4, spec profile): an unknown
// opcode gets 0/01h DNR, an unknown log page 1/09h DNR, a bad NSID 0/0Bh DNR, a data pointer outside guest memory
// 0/04h. After each, Identify Controller still succeeds, a parked AER stays parked and no AEN is raised.
import { describe, expect, it } from 'vitest';
import { AdminOpcode, Cns, LogPage } from '../../src/spec/constants.ts';
import { encodeIdentify } from '../../src/spec/admin-fields.codec.ts';
import { DEFAULT_MEMORY_SIZE } from '../../src/emulator.ts';
import type { CommandSpec } from '../../src/host/nvme-host.ts';
import { expectNoCompletion, identifyControllerOk, parkAers, readChangedList, statusOf, useRigs } from '../support/rig.ts';

const rig = useRigs();

const failing: readonly { name: string; command: CommandSpec; status: string }[] = [
  { name: 'unknown opcode 99h', command: { opcode: 0x99 }, status: '0/01h DNR' },
  { name: 'Get Log Page of unknown LID 7Fh', command: { opcode: AdminOpcode.GET_LOG_PAGE, nsid: 0xffffffff, cdw10: 0x7f | (1023 << 16), dataIn: 4096 }, status: '1/09h DNR' },
  { name: 'Identify Namespace with NSID 0', command: { opcode: AdminOpcode.IDENTIFY, nsid: 0, ...encodeIdentify({ cns: Cns.NAMESPACE }), dataIn: 4096 }, status: '0/0Bh DNR' },
  { name: 'Identify with an unsupported CNS', command: { opcode: AdminOpcode.IDENTIFY, ...encodeIdentify({ cns: 0x7f }), dataIn: 4096 }, status: '0/02h DNR' },
];

describe('error statuses (spec profile)', () => {
  it.each(failing)('$name → $status; the controller keeps working', async ({ command, status }) => {
    const { host } = await rig();
    const [aer] = await parkAers(host, 1);
    const c = await host.execute(command);
    expect(statusOf(c)).toBe(status);
    expect(c.dw0).toBe(0);
    await expectNoCompletion(host);
    expect(host.isOutstanding(aer!)).toBe(true);
    await identifyControllerOk(host);
    expect((await readChangedList(host)).list).toEqual({ overflow: false, nsids: [] });
  });

  it('a PRP1 beyond guest memory on Identify gets Data Transfer Error (0/04h) and writes nothing', async () => {
    const { host } = await rig();
    const c = await host.execute({ opcode: AdminOpcode.IDENTIFY, ...encodeIdentify({ cns: Cns.CONTROLLER }), rawPrps: true, prp1: BigInt(DEFAULT_MEMORY_SIZE + 0x1000) });
    expect([c.status.sct, c.status.sc]).toEqual([0, 0x04]);
    await identifyControllerOk(host);
  });

  it('a PRP2 beyond guest memory on Get Log Page 04h gets 0/04h and does not consume the list', async () => {
    const { host, notifyChange } = await rig();
    await notifyChange(6);
    const c = await host.execute({
      opcode: AdminOpcode.GET_LOG_PAGE,
      nsid: 0xffffffff,
      cdw10: LogPage.CHANGED_NAMESPACE_LIST | (1023 << 16),
      rawPrps: true,
      prp1: 0x2000800n,
      prp2: BigInt(DEFAULT_MEMORY_SIZE),
    });
    expect([c.status.sct, c.status.sc]).toEqual([0, 0x04]);
    expect((await readChangedList(host)).list).toEqual({ overflow: false, nsids: [6] });
  });

  it('a PRP1 that is not dword aligned gets PRP Offset Invalid (0/13h)', async () => {
    const { host } = await rig();
    const c = await host.execute({ opcode: AdminOpcode.IDENTIFY, ...encodeIdentify({ cns: Cns.CONTROLLER }), rawPrps: true, prp1: 0x2000002n });
    expect([c.status.sct, c.status.sc]).toEqual([0, 0x13]);
    await identifyControllerOk(host);
  });

  it('a failed Get Log Page 04h (length beyond MDTS) leaves the list and the mask alone', async () => {
    const { host, notifyChange } = await rig();
    await notifyChange(4);
    const c = await host.execute({ opcode: AdminOpcode.GET_LOG_PAGE, nsid: 0xffffffff, cdw10: LogPage.CHANGED_NAMESPACE_LIST | (0xffff << 16), cdw11: 0x1 });
    expect(statusOf(c)).toBe('0/02h DNR');
    expect((await readChangedList(host)).list).toEqual({ overflow: false, nsids: [4] });
  });

  it('errors and successes through more entries than the queue holds: phase tags wrap and CIDs match', async () => {
    const { host } = await rig();
    for (let i = 0; i < 40; i++) {
      const bad = await host.execute({ opcode: 0x99 });
      expect(statusOf(bad)).toBe('0/01h DNR');
      await identifyControllerOk(host);
    }
    expect(statusOf(await host.keepAlive())).toBe('0/00h');
  });
});
