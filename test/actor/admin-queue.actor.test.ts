// The admin queue pair as the host sees it (NVMe Base 2.0 §3.3.1, §4.1, §4.2.1; docs/semantics.md §2 adminQueue): commands
// complete one at a time in submission order, every CQE reports SQ head and SQID 0, small rings wrap correctly, and an
// AEN stays ahead of the command that raised it when the two fill the CQ. (A full CQ holding completions cannot be
// provoked through NvmeHost, which frees CQ slots whenever it polls; test/unit/queues.test.ts covers it.)
import { describe, expect, it } from 'vitest';
import { AdminOpcode, Cns, FeatureId } from '../../src/spec/constants.ts';
import { encodeFeatures, encodeIdentify } from '../../src/spec/admin-fields.codec.ts';
import { NS_ATTR_CHANGED_DW0, parkAers, pollSettled, statusOf, useRigs } from '../support/rig.ts';

const rig = useRigs();

describe('submission order', () => {
  it('commands submitted together complete in submission order with SQHD counting up', async () => {
    const { host } = await rig();
    const cids = [
      await host.submit({ opcode: AdminOpcode.IDENTIFY, ...encodeIdentify({ cns: Cns.CONTROLLER }), dataIn: 4096 }),
      await host.submit({ opcode: 0x99 }),
      await host.submit({ opcode: AdminOpcode.KEEP_ALIVE }),
      await host.submit({ opcode: AdminOpcode.GET_FEATURES, ...encodeFeatures({ fid: FeatureId.ASYNC_EVENT_CONFIG }) }),
    ];
    const arrived = await pollSettled(host);
    expect(arrived.map((c) => c.cid)).toEqual(cids);
    expect(arrived.map((c) => c.sqhd)).toEqual([1, 2, 3, 4]);
    expect(arrived.map(statusOf)).toEqual(['0/00h', '0/01h DNR', '0/00h', '0/00h']);
    expect(arrived.every((c) => c.sqid === 0)).toBe(true);
  });

  it('an AEN reports SQID 0 and the SQ head at the time it was posted', async () => {
    const { host, notifyChange } = await rig();
    const [aer] = await parkAers(host, 1);
    await host.keepAlive();
    await notifyChange(1);
    const [aen] = await pollSettled(host);
    expect(aen).toMatchObject({ cid: aer, sqid: 0, sqhd: 2, dw0: NS_ATTR_CHANGED_DW0 });
  });
});

describe('small queues', () => {
  it('3-entry queues: the AEN and the attach completion fill the CQ, in that order, and both arrive', async () => {
    const { host } = await rig({ namespaces: [{ nsid: 1 }, { nsid: 2, attached: false }] });
    await host.enable({ queueSize: 3 });
    const aer = await host.submitAer();
    expect(await host.poll()).toEqual([]);
    const attach = await host.namespaceAttachment(2, 'attach', [1]);
    expect(statusOf(attach)).toBe('0/00h');
    const aen = host.completion(aer);
    expect(aen?.dw0).toBe(NS_ATTR_CHANGED_DW0);
    expect(aen!.seq).toBe(attach.seq - 1);
    expect(await host.activeNamespaces()).toEqual([1, 2]);
  });

  it('2-entry queues: twenty commands in a row wrap the rings many times and each completes', async () => {
    const { host } = await rig();
    await host.enable({ queueSize: 2 });
    for (let i = 0; i < 20; i++) {
      const c = await host.keepAlive();
      expect(statusOf(c)).toBe('0/00h');
      expect(c.sqhd).toBe((i + 1) % 2);
    }
  });
});
