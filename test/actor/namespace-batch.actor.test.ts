// A batch of namespace changes (`notifyChanges`, one latch event for many NSIDs) must behave exactly as the same
// changes made one after another: the same receipts, the same AENs, the same Changed Namespace List, under every
// profile and from every latch state a batch can meet. The batch exists for speed (bench: storm), not semantics.
import { describe, expect, it } from 'vitest';
import type { NamespaceChangeReceipt } from '../../src/faults/namespace-change.ts';
import { parkAers, pollSettled, readChangedList, useRigs, type Rig } from '../support/rig.ts';

const rig = useRigs();

interface Setup {
  readonly name: string;
  readonly enable?: boolean;
  prepare(r: Rig): Promise<void>;
}

const setups: Setup[] = [
  { name: 'list empty, one AER parked', prepare: async (r) => void (await parkAers(r.host, 1)) },
  { name: 'list empty, no AER parked', prepare: async () => {} },
  {
    name: 'notice posted and masked, another AER parked',
    prepare: async (r) => {
      await parkAers(r.host, 2);
      await r.notifyChange(40);
      await pollSettled(r.host);
    },
  },
  {
    name: 'AEC bit 8 clear',
    prepare: async (r) => {
      await r.host.setAsyncEventConfig(0);
      await parkAers(r.host, 1);
    },
  },
  {
    name: 'notice posted, the list read with RAE=1 (still masked), another AER parked',
    prepare: async (r) => {
      await parkAers(r.host, 2);
      await r.notifyChange(5);
      await r.notifyChange(7);
      await pollSettled(r.host);
      await readChangedList(r.host, true);
    },
  },
  {
    name: 'notice read and unmasked (RAE=0), one AER parked',
    prepare: async (r) => {
      await parkAers(r.host, 2);
      await r.notifyChange(5);
      await pollSettled(r.host);
      await readChangedList(r.host, false);
    },
  },
];

const batch = [5, 3, 5, 7, 2, 9];

/** Everything the host and the caller can see after the changes. */
async function observe(r: Rig, change: () => Promise<NamespaceChangeReceipt[]>) {
  const receipts = await change();
  const completions = (await pollSettled(r.host)).map((c) => ({ dw0: c.dw0, sc: c.status.sc }));
  const list = (await readChangedList(r.host, true)).list;
  return { receipts: receipts.map(({ nsid, outcome, aen }) => ({ nsid, outcome, aenDw0: aen?.dw0 })), completions, list };
}

describe.each(['spec', 'qemu', 'openvmm'] as const)('profile %s', (profile) => {
  it.each(setups)('a batch equals the same changes one by one: $name', async (setup) => {
    const one = await rig({ profile });
    await setup.prepare(one);
    const sequential = await observe(one, async () => {
      const out: NamespaceChangeReceipt[] = [];
      for (const nsid of batch) out.push(await one.notifyChange(nsid));
      return out;
    });
    const many = await rig({ profile });
    await setup.prepare(many);
    const batched = await observe(many, () => many.controller.faults.namespace.notifyChanges(batch));
    expect(batched).toEqual(sequential);
    expect(batched.receipts.map((r) => r.nsid)).toEqual(batch);
  });

  it('a batch made while the controller is disabled is applied at the next enable, as single changes are', async () => {
    const results = [];
    for (const asBatch of [false, true]) {
      const r = await rig({ profile, enable: false });
      const receipts = asBatch ? r.controller.faults.namespace.notifyChanges(batch) : Promise.all(batch.map((n) => r.notifyChange(n)));
      await r.host.enable();
      await r.host.submitAer();
      results.push(await observe(r, () => receipts));
    }
    expect(results[1]).toEqual(results[0]);
  });

  it("a batch with until: 'aen' while the notice is posted answers every caller as single changes do", async () => {
    const results = [];
    for (const asBatch of [false, true]) {
      const r = await rig({ profile });
      await parkAers(r.host, 2);
      await r.notifyChange(40);
      await pollSettled(r.host);
      const nsids = [41, 42];
      const pending = asBatch ? r.controller.faults.namespace.notifyChanges(nsids, { until: 'aen' }) : Promise.all(nsids.map((n) => r.notifyChange(n, { until: 'aen' })));
      // Under QEMU's semantics the callers wait for the next notice: unmask it by reading the list.
      if (profile === 'qemu') await readChangedList(r.host, false);
      results.push(await observe(r, () => pending));
    }
    expect(results[1]).toEqual(results[0]);
  });
});
