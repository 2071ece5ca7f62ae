// Regression: every namespace-change request grew XState's caches and cost three controller steps.
// Symptom: `npm run bench` showed the namespace-change RPC at ~120 µs and slowing as a run went on; a CPU profile
// put XState's `memo` on top. Cause: the RPC actors were spawned as the controller's children with a unique id
// each, so each settled with a new event type (`xstate.done.actor.namespaceChange.<id>`), and XState memoizes
// transition candidates per event type on every active state node: one more cache entry per request, forever.
// Fix: the facade starts each RPC actor beside the controller (src/emulator.ts `request`); the controller machine
// never sees a per-request event. This test fails if any namespace change sends the controller an event.
import { expect, it } from 'vitest';
import type { InspectionEvent } from 'xstate';
import { createController } from '../../src/emulator.ts';
import { EmulatorTransport } from '../../src/host/emulator-transport.ts';
import { NvmeHost } from '../../src/host/nvme-host.ts';

it('namespace changes, single and batched, send the controller actor no event; the latch gets one per request', async () => {
  const events: { to: string; type: string }[] = [];
  const controller = createController({
    inspect: (e: InspectionEvent) => {
      if (e.type === '@xstate.event') events.push({ to: e.actorRef.sessionId, type: e.event.type });
    },
  });
  const host = new NvmeHost(new EmulatorTransport(controller));
  try {
    await host.enable();
    await host.submitAer();
    events.length = 0;
    for (let nsid = 1; nsid <= 20; nsid++) await controller.faults.namespace.notifyChange(nsid);
    await controller.faults.namespace.notifyChanges([30, 31, 32]);
    const controllerId = controller.actor.sessionId;
    const latchId = controller.actor.system.get('aenLatch').sessionId;
    expect(events.filter((e) => e.to === controllerId)).toEqual([]);
    expect(events.filter((e) => e.to === latchId).map((e) => e.type)).toEqual([...Array(20).fill('namespace.changed'), 'namespaces.changed']);
    expect(Object.keys(controller.actor.getSnapshot().children).sort()).toEqual(['adminQueue', 'aenLatch']);
  } finally {
    await host.close();
  }
});
