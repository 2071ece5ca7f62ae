// Regression: every namespace-change request left an actor behind in the controller.
// Symptom: after N notifyChange calls the controller snapshot held N `namespaceChange` children, so memory grew
// without bound and each new request cost O(N) (XState copies the children object on every spawn): a 1025-change
// overflow test took seconds. Cause: XState v5 does not remove a spawned child that has finished; the parent must
// stop it, and the controller never did. First fix: the controller dropped the actor on its done/error event. Since
// then the RPC actors are not the controller's children at all (namespace-change-event-types.test.ts); this test
// still holds that nothing is left behind.
import { expect, it } from 'vitest';
import { emulatorTransport } from '../../src/host/emulator-transport.ts';
import { NvmeHost } from '../../src/host/nvme-host.ts';

it('settled namespace-change actors are dropped: only the latch and the admin queue remain', async () => {
  const transport = emulatorTransport();
  const host = new NvmeHost(transport);
  const { controller } = transport;
  try {
    await host.enable();
    for (let nsid = 1; nsid <= 50; nsid++) await controller.faults.namespace.notifyChange(nsid);
    const waiting = controller.faults.namespace.notifyChange(51, { until: 'aen' });
    await host.submitAer();
    await waiting;
    await host.readChangedList(); // lifts the mask: the next caller waits for a new AEN, which the reset pre-empts
    const rejected = controller.faults.namespace.notifyChange(52, { until: 'aen' });
    await host.disable();
    await expect(rejected).rejects.toMatchObject({ code: 'reset' });
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(Object.keys(controller.actor.getSnapshot().children).sort()).toEqual(['aenLatch']);
    await host.enable();
    expect(Object.keys(controller.actor.getSnapshot().children).sort()).toEqual(['adminQueue', 'aenLatch']);
  } finally {
    await host.close();
  }
});
