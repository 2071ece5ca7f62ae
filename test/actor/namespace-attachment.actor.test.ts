// Namespace Attachment (15h, NVMe Base 2.0 §5.23) as a source of Namespace Attribute Changed (§5.2): attaching or
// detaching a namespace posts the AEN before the command's own completion, and Identify CNS 02h reflects the change.
// Attaching an attached namespace (1/18h) or detaching a detached one (1/1Ah) fails with DNR and raises nothing.
import { describe, expect, it } from 'vitest';
import { Cns, AdminOpcode } from '../../src/spec/constants.ts';
import { encodeIdentify } from '../../src/spec/admin-fields.codec.ts';
import { completionOf, expectNoCompletion, NS_ATTR_CHANGED_DW0, parkAers, pollSettled, readChangedList, statusOf, useRigs, type Rig } from '../support/rig.ts';

const rig = useRigs();
const NAMESPACES = [{ nsid: 1 }, { nsid: 2, attached: false }, { nsid: 3, attached: false }];

async function cntlid(r: Rig): Promise<number> {
  return (await r.host.identifyController()).cntlid;
}

describe('Namespace Attachment raises the notice', () => {
  it('attach: the AEN arrives before the attach completion, and CNS 02h lists the namespace', async () => {
    const r = await rig({ namespaces: NAMESPACES });
    const id = await cntlid(r);
    expect(await r.host.activeNamespaces()).toEqual([1]);
    const [aer] = await parkAers(r.host, 1);
    const attach = await r.host.namespaceAttachment(2, 'attach', [id]);
    expect(statusOf(attach)).toBe('0/00h');
    const aen = completionOf(r.host, aer!);
    expect(aen?.dw0).toBe(NS_ATTR_CHANGED_DW0);
    expect(aen!.seq).toBeLessThan(attach.seq);
    expect(await r.host.activeNamespaces()).toEqual([1, 2]);
    expect((await readChangedList(r.host)).list).toEqual({ overflow: false, nsids: [2] });
  });

  it('detach: the AEN arrives first, CNS 02h drops the namespace, Identify Namespace of it is zero-filled', async () => {
    const r = await rig({ namespaces: NAMESPACES });
    const id = await cntlid(r);
    const [aer] = await parkAers(r.host, 1);
    const detach = await r.host.namespaceAttachment(1, 'detach', [id]);
    expect(statusOf(detach)).toBe('0/00h');
    expect(completionOf(r.host, aer!)!.seq).toBeLessThan(detach.seq);
    expect(await r.host.activeNamespaces()).toEqual([]);
    const ns = await r.host.execute({ opcode: AdminOpcode.IDENTIFY, nsid: 1, ...encodeIdentify({ cns: Cns.NAMESPACE }), dataIn: 4096 });
    expect(statusOf(ns)).toBe('0/00h');
    expect(ns.data!.every((b) => b === 0)).toBe(true);
    expect((await readChangedList(r.host)).list).toEqual({ overflow: false, nsids: [1] });
  });

  it('attachments while the notice is masked join the list without another AEN', async () => {
    const r = await rig({ namespaces: NAMESPACES });
    const id = await cntlid(r);
    const [older, newer] = await parkAers(r.host, 2);
    await r.host.namespaceAttachment(3, 'attach', [id]);
    await r.host.namespaceAttachment(2, 'attach', [id]);
    await pollSettled(r.host);
    expect(completionOf(r.host, newer!)?.dw0).toBe(NS_ATTR_CHANGED_DW0);
    expect(r.host.isOutstanding(older!)).toBe(true);
    expect((await readChangedList(r.host)).list).toEqual({ overflow: false, nsids: [2, 3] });
    expect(await r.host.activeNamespaces()).toEqual([1, 2, 3]);
  });
});

describe('Namespace Attachment errors', () => {
  it('attaching an attached namespace: 1/18h DNR, no AEN, nothing in the list', async () => {
    const r = await rig({ namespaces: NAMESPACES });
    const id = await cntlid(r);
    const [aer] = await parkAers(r.host, 1);
    const c = await r.host.namespaceAttachment(1, 'attach', [id]);
    expect(statusOf(c)).toBe('1/18h DNR');
    await expectNoCompletion(r.host);
    expect(r.host.isOutstanding(aer!)).toBe(true);
    expect((await readChangedList(r.host)).list).toEqual({ overflow: false, nsids: [] });
    expect(await r.host.activeNamespaces()).toEqual([1]);
  });

  it('detaching a detached namespace: 1/1Ah DNR, no AEN', async () => {
    const r = await rig({ namespaces: NAMESPACES });
    const id = await cntlid(r);
    const [aer] = await parkAers(r.host, 1);
    const c = await r.host.namespaceAttachment(3, 'detach', [id]);
    expect(statusOf(c)).toBe('1/1Ah DNR');
    await expectNoCompletion(r.host);
    expect(r.host.isOutstanding(aer!)).toBe(true);
  });

  it('a namespace that does not exist: 0/0Bh DNR; a controller list without this controller: 1/1Ch DNR', async () => {
    const r = await rig({ namespaces: NAMESPACES });
    const id = await cntlid(r);
    await parkAers(r.host, 1);
    expect(statusOf(await r.host.namespaceAttachment(9, 'attach', [id]))).toBe('0/0Bh DNR');
    expect(statusOf(await r.host.namespaceAttachment(2, 'attach', [id + 1]))).toBe('1/1Ch DNR');
    await expectNoCompletion(r.host);
    expect(await r.host.activeNamespaces()).toEqual([1]);
  });
});
