// Controller lifecycle as the host sees it through CC and CSTS (NVMe Base 2.0 §3.5.1, §3.6, §3.7.2; docs/semantics.md §4):
// a controller reset (CC.EN 1→0) drops parked AERs with no completion and rejects namespace-change callers waiting
// for an AEN with a typed error; a change made while disabled is applied at the next enable; CC.SHN = 01b reports
// shutdown complete with RDY still set.
import { describe, expect, it } from 'vitest';
import { Cc, Csts, Register } from '../../src/spec/constants.ts';
import { NamespaceChangeError } from '../../src/faults/namespace-change.ts';
import { completionOf, expectNoCompletion, identifyControllerOk, NS_ATTR_CHANGED_DW0, parkAers, pollSettled, readChangedList, track, useRigs } from '../support/rig.ts';

const rig = useRigs();

describe('controller reset (CC.EN 1→0)', () => {
  it('drops parked AERs without completions; after re-enable nothing arrives for them', async () => {
    const { host, notifyChange, trace } = await rig();
    await identifyControllerOk(host); // a completion in the CQ before the reset
    const aers = await parkAers(host, 3);
    await host.disable();
    expect(await host.readCsts()).toBe(0);
    expect(trace.filter((e) => e.type === 'aer.dropped')).toEqual([{ type: 'aer.dropped', cids: aers }]);
    await host.enable();
    expect((await host.readCsts()) & Csts.RDY).toBe(Csts.RDY);
    await expectNoCompletion(host);
    for (const cid of aers) expect(host.completion(cid)).toBeUndefined();
    // The latch forgot them too: a change now finds no AER parked.
    expect(await notifyChange(1)).toEqual({ nsid: 1, outcome: 'deferred' });
    await expectNoCompletion(host);
    await identifyControllerOk(host);
  });

  it("rejects a caller waiting with until: 'aen' with NamespaceChangeError 'reset', and the controller keeps working", async () => {
    const { host, notifyChange } = await rig();
    const waiting = notifyChange(1, { until: 'aen' });
    const tracked = track(waiting);
    expect(await tracked.state()).toBe('pending');
    await host.disable();
    await expect(waiting).rejects.toBeInstanceOf(NamespaceChangeError);
    await expect(waiting).rejects.toMatchObject({ name: 'NamespaceChangeError', code: 'reset' });
    await host.enable();
    await identifyControllerOk(host);
    // The change itself survived the reset (spec keeps the unread list): the next AER reports it.
    const first = await host.submitAer();
    await pollSettled(host);
    expect(completionOf(host, first)?.dw0).toBe(NS_ATTR_CHANGED_DW0);
    expect((await readChangedList(host)).list).toEqual({ overflow: false, nsids: [1] });
    const [second] = await parkAers(host, 1);
    expect(await notifyChange(2, { until: 'aen' })).toEqual({ nsid: 2, outcome: 'posted', aen: { cid: second, dw0: NS_ATTR_CHANGED_DW0 } });
  });

  it('a change made while disabled is applied at the next enable: its receipt resolves only then', async () => {
    const { host, notifyChange } = await rig({ namespaces: [{ nsid: 1 }, { nsid: 2 }] });
    await host.disable();
    const change = track(notifyChange(2));
    expect(await change.state()).toBe('pending');
    await host.enable();
    expect(await change.promise).toEqual({ nsid: 2, outcome: 'deferred' });
    const aer = await host.submitAer();
    await pollSettled(host);
    expect(completionOf(host, aer)?.dw0).toBe(NS_ATTR_CHANGED_DW0);
    expect((await readChangedList(host)).list).toEqual({ overflow: false, nsids: [2] });
  });

  it("a change before the first enable with until: 'aen' resolves when the first AER after enable carries it", async () => {
    const { host, notifyChange } = await rig({ enable: false });
    const change = track(notifyChange(1, { until: 'aen' }));
    expect(await change.state()).toBe('pending');
    await host.enable();
    expect(await change.state()).toBe('pending');
    const aer = await host.submitAer();
    expect(await change.promise).toEqual({ nsid: 1, outcome: 'deferred', aen: { cid: aer, dw0: NS_ATTR_CHANGED_DW0 } });
  });

  it('a reset clears the mask: an unread change is reported again to the first AER after enable (spec)', async () => {
    const { host, notifyChange } = await rig();
    await parkAers(host, 1);
    expect((await notifyChange(1)).outcome).toBe('posted');
    await host.disable();
    await host.enable();
    const aer = await host.submitAer();
    await pollSettled(host);
    expect(completionOf(host, aer)?.dw0).toBe(NS_ATTR_CHANGED_DW0);
    expect((await readChangedList(host)).list).toEqual({ overflow: false, nsids: [1] });
  });
});

describe('enable with bad admin queue attributes', () => {
  it('an unaligned ASQ gives CSTS.CFS with RDY clear; CC.EN 1→0 recovers and a proper enable works', async () => {
    const { host, transport } = await rig({ enable: false });
    await transport.mmioWrite32(Register.AQA, 0x000f000f);
    await transport.mmioWrite64(Register.ASQ, transport.memoryBase + 0x80n);
    await transport.mmioWrite64(Register.ACQ, transport.memoryBase + 0x1000n);
    await transport.mmioWrite32(Register.CC, Cc.EN | (6 << Cc.IOSQES_SHIFT) | (4 << Cc.IOCQES_SHIFT));
    expect(await host.readCsts()).toBe(Csts.CFS);
    await transport.mmioWrite32(Register.CC, 0);
    expect(await host.readCsts()).toBe(0);
    await host.enable();
    await identifyControllerOk(host);
  });
});

describe('shutdown (CC.SHN)', () => {
  it('CC.SHN = 01b gives CSTS.SHST = 10b with RDY = 1 (CSTS = 09h)', async () => {
    const { host } = await rig();
    expect(await host.readCsts()).toBe(0x01);
    await host.shutdown();
    expect(await host.readCsts()).toBe(0x09);
  });

  it('the admin queue keeps running after shutdown: a change still completes a parked AER', async () => {
    const { host, notifyChange } = await rig();
    const [aer] = await parkAers(host, 1);
    await host.shutdown();
    expect((await notifyChange(1)).outcome).toBe('posted');
    await pollSettled(host);
    expect(completionOf(host, aer!)?.dw0).toBe(NS_ATTR_CHANGED_DW0);
    expect(await host.readCsts()).toBe(0x09);
  });

  it('CC.EN 1→0 after shutdown resets: CSTS = 0, and the controller enables again', async () => {
    const { host } = await rig();
    await host.shutdown();
    await host.disable();
    expect(await host.readCsts()).toBe(0);
    await host.enable();
    expect(await host.readCsts()).toBe(0x01);
    await identifyControllerOk(host);
  });
});
