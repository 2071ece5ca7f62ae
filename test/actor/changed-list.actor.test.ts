// The Changed Namespace List log page (LID 04h, NVMe Base 2.0 §5.16.1.5; docs/semantics.md §4) as a host reads it: at most
// 1024 entries, FFFFFFFFh in entry 0 and zeros after when more changed; a read of NUMD dwords returns that many and
// empties the whole list; LPOL offsets into the page; data lands through PRP1 (with an offset) and PRP2.
import { describe, expect, it } from 'vitest';
import { AdminOpcode, LogPage } from '../../src/spec/constants.ts';
import { encodeGetLogPage } from '../../src/spec/admin-fields.codec.ts';
import { decodeChangedNamespaceList, decodeNsidList } from '../../src/spec/namespace-list.codec.ts';
import { completionOf, NS_ATTR_CHANGED_DW0, parkAers, pollSettled, range, readChangedList, statusOf, useRigs, type Rig } from '../support/rig.ts';

const rig = useRigs();

/** One change after another, as a harness loop would (concurrent callers are covered in the fault suite). */
async function changeAll(r: Rig, nsids: readonly number[]): Promise<void> {
  for (const nsid of nsids) expect((await r.notifyChange(nsid)).nsid).toBe(nsid);
}

describe('overflow', () => {
  it('1025 distinct changes: entry 0 is FFFFFFFFh and every byte after it is zero, behind one AEN', async () => {
    const r = await rig();
    const [older, newer] = await parkAers(r.host, 2);
    await changeAll(r, range(1, 1025));
    await pollSettled(r.host);
    expect(completionOf(r.host, newer)?.dw0).toBe(NS_ATTR_CHANGED_DW0);
    expect(completionOf(r.host, older)).toBeUndefined();
    const read = await readChangedList(r.host);
    const v = new DataView(read.data!.buffer, read.data!.byteOffset, 4096);
    expect(v.getUint32(0, true)).toBe(0xffffffff);
    expect(read.data!.subarray(4).every((b) => b === 0)).toBe(true);
    expect(read.list).toEqual({ overflow: true });
    // The read emptied the list: the next change starts a fresh one.
    expect((await readChangedList(r.host)).list).toEqual({ overflow: false, nsids: [] });
    await r.notifyChange(77);
    expect((await readChangedList(r.host)).list).toEqual({ overflow: false, nsids: [77] });
  });

  it('exactly 1024 distinct changes (some repeated) fill the list without overflow', async () => {
    const r = await rig();
    await changeAll(r, [...range(513, 1024).reverse(), ...range(1, 512), 5, 1024]);
    const read = await readChangedList(r.host);
    expect(read.list).toEqual({ overflow: false, nsids: range(1, 1024) });
    expect(new DataView(read.data!.buffer, read.data!.byteOffset).getUint32(4092, true)).toBe(1024);
  });
});

describe('partial and offset reads', () => {
  it('NUMD = 2 returns two entries, and the whole list is emptied', async () => {
    const r = await rig();
    await changeAll(r, [3, 1, 2]);
    const c = await r.host.getLogPage({ lid: LogPage.CHANGED_NAMESPACE_LIST, numd: 2 });
    expect(statusOf(c)).toBe('0/00h');
    expect(c.data!.length).toBe(8);
    expect(decodeNsidList(c.data!)).toEqual([1, 2]);
    expect((await readChangedList(r.host)).list).toEqual({ overflow: false, nsids: [] });
  });

  it('LPOL = 8 returns the entries from index 2', async () => {
    const r = await rig();
    await changeAll(r, [5, 4, 3, 2, 1]);
    const c = await r.host.getLogPage({ lid: LogPage.CHANGED_NAMESPACE_LIST, numd: 1024, offset: 8n });
    expect(statusOf(c)).toBe('0/00h');
    expect(decodeNsidList(c.data!)).toEqual([3, 4, 5]);
    expect(c.data!.subarray(4096 - 8).every((b) => b === 0)).toBe(true); // beyond the page: zero
  });

  it('an offset that is not dword aligned gets 0/02h DNR and leaves the list alone', async () => {
    const r = await rig();
    await changeAll(r, [1]);
    const c = await r.host.getLogPage({ lid: LogPage.CHANGED_NAMESPACE_LIST, numd: 1, offset: 2n });
    expect(statusOf(c)).toBe('0/02h DNR');
    expect((await readChangedList(r.host)).list).toEqual({ overflow: false, nsids: [1] });
  });
});

describe('data straddling a page boundary', () => {
  it('Get Log Page 04h with PRP1 at page offset 800h returns the right list', async () => {
    const r = await rig();
    await changeAll(r, range(1, 600));
    const c = await r.host.getLogPage({ lid: LogPage.CHANGED_NAMESPACE_LIST, numd: 1024, prpOffset: 0x800 });
    expect(statusOf(c)).toBe('0/00h');
    expect(decodeChangedNamespaceList(c.data!)).toEqual({ overflow: false, nsids: range(1, 600) });
  });

  it('PRP2 is honoured: the second half goes to a page that is not adjacent, and nothing else is touched', async () => {
    const r = await rig();
    await changeAll(r, range(1, 600));
    const a = 0x2000000n; // two pages of ours, far from the host's queues and buffers
    const b = 0x2100000n;
    const sentinel = new Uint8Array(0x2000).fill(0xa5);
    await r.transport.memWrite(a, sentinel);
    await r.transport.memWrite(b, sentinel);
    const c = await r.host.execute({
      opcode: AdminOpcode.GET_LOG_PAGE,
      nsid: 0xffffffff,
      ...encodeGetLogPage({ lid: LogPage.CHANGED_NAMESPACE_LIST, numd: 1024 }),
      rawPrps: true,
      prp1: a + 0x800n,
      prp2: b,
    });
    expect(statusOf(c)).toBe('0/00h');
    const pageA = await r.transport.memRead(a, 0x2000);
    const pageB = await r.transport.memRead(b, 0x2000);
    const joined = new Uint8Array(4096);
    joined.set(pageA.subarray(0x800, 0x1000), 0);
    joined.set(pageB.subarray(0, 0x800), 0x800);
    expect(decodeChangedNamespaceList(joined)).toEqual({ overflow: false, nsids: range(1, 600) });
    expect(pageA.subarray(0, 0x800).every((x) => x === 0xa5)).toBe(true);
    expect(pageA.subarray(0x1000).every((x) => x === 0xa5)).toBe(true); // the page after PRP1's is not PRP2
    expect(pageB.subarray(0x800).every((x) => x === 0xa5)).toBe(true);
  });
});
