// Abort (08h) of a parked AER in the spec profile (NVMe Base 2.0 §5.1; docs/semantics.md §4): the AER completes with 0/07h
// before the Abort's own completion, whose DW0 bit 0 is 0; an Abort naming no outstanding command answers DW0 = 1.
import { describe, expect, it } from 'vitest';
import { completionOf, expectNoCompletion, identifyControllerOk, NS_ATTR_CHANGED_DW0, parkAers, pollSettled, statusOf, useRigs } from '../support/rig.ts';

const rig = useRigs();

describe('Abort of a parked AER (spec)', () => {
  it('the AER completes 0/07h before the Abort, and the Abort has DW0 bit 0 = 0', async () => {
    const { host } = await rig();
    const [aer] = await parkAers(host, 1);
    const abort = await host.abort(aer!);
    const aborted = completionOf(host, aer!);
    expect(aborted).toBeDefined();
    expect(statusOf(aborted!)).toBe('0/07h');
    expect(statusOf(abort)).toBe('0/00h');
    expect(abort.dw0 & 1).toBe(0);
    expect(aborted!.seq).toBeLessThan(abort.seq);
  });

  it('only the named AER is aborted; the others stay parked and still complete (LIFO) on a change', async () => {
    const { host, notifyChange } = await rig();
    const [a, b, c] = await parkAers(host, 3);
    await host.abort(b!);
    expect(statusOf(completionOf(host, b!)!)).toBe('0/07h');
    expect(host.isOutstanding(a!)).toBe(true);
    expect(host.isOutstanding(c!)).toBe(true);
    await notifyChange(1);
    await pollSettled(host);
    expect(completionOf(host, c!)?.dw0).toBe(NS_ATTR_CHANGED_DW0);
    expect(host.isOutstanding(a!)).toBe(true);
  });

  it('an aborted AER frees its slot: four can park again', async () => {
    const { host } = await rig();
    const [first] = await parkAers(host, 4);
    await host.abort(first!);
    await parkAers(host, 1);
    const over = await host.submitAer();
    await pollSettled(host);
    expect(statusOf(completionOf(host, over)!)).toBe('1/05h');
  });

  it('an Abort naming a CID that is not outstanding answers DW0 = 1 and aborts nothing', async () => {
    const { host } = await rig();
    const [aer] = await parkAers(host, 1);
    const abort = await host.abort(0x7777);
    expect(statusOf(abort)).toBe('0/00h');
    expect(abort.dw0).toBe(1);
    await expectNoCompletion(host);
    expect(host.isOutstanding(aer!)).toBe(true);
  });

  it('an Abort naming the AER on another SQID answers DW0 = 1 and the AER stays parked', async () => {
    const { host } = await rig();
    const [aer] = await parkAers(host, 1);
    const abort = await host.abort(aer!, 1);
    expect(abort.dw0).toBe(1);
    await expectNoCompletion(host);
    expect(host.isOutstanding(aer!)).toBe(true);
    await identifyControllerOk(host);
  });
});
