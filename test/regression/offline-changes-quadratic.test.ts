// Regression (issue 13 item 1): namespace changes made while the controller is disabled cost quadratic time and
// memory. Symptom: one scenario step `namespaceChange` with count 100000 and until "aen" before `enable` ran ~73 s
// and died with "heap out of memory" (4.2 GB); 32,000 in-process `notifyChange(n, { until: 'aen' })` calls while
// disabled, then enable, also aborted. Cause: the latch's offline queue was an array copied whole by every change
// (N²/2 element copies, and every snapshot kept its copy alive), then replayed as N raised events, each copying the
// growing array of `until: 'aen'` waiters. Fix: the offline queue is a persistent list (O(1) per change) replayed as
// one batch, and no per-change copy of the waiters is made.
// The check is structural, not a timing: the latch's context after N offline changes holds one queue node per
// change, each sharing the queue before it (no copy), and the replay is one batch event, not N events.
import { describe, expect, it } from 'vitest';
import { createController } from '../../src/emulator.ts';
import { EmulatorTransport } from '../../src/host/emulator-transport.ts';
import { NvmeHost } from '../../src/host/nvme-host.ts';
import type { InspectionEvent } from 'xstate';
import { guardUnhandledRejections } from '../support/rejection-guard.ts';

guardUnhandledRejections();

describe('regression: offline namespace changes are linear', () => {
  it('N offline until-aen changes: each queued without copying the queue, replayed as one batch, all answered by one AEN', async () => {
    const n = 3000;
    const latchEvents: string[] = [];
    const controller = createController({
      nn: 0xfffffffe,
      inspect: (e: InspectionEvent) => {
        if (e.type === '@xstate.event' && (e.actorRef as { id?: string }).id === 'aenLatch' && e.event.type.startsWith('namespace')) latchEvents.push(e.event.type);
      },
    });
    const host = new NvmeHost(new EmulatorTransport(controller), { timeoutMs: 2000 });
    const latch = controller.actor.system.get('aenLatch');
    const queues: unknown[] = [];
    const pending: Promise<{ aen?: { dw0: number } }>[] = [];
    for (let i = 0; i < n; i++) {
      pending.push(controller.faults.namespace.notifyChange(1 + i, { until: 'aen' }));
      queues.push(latch.getSnapshot().context.offlineChanges);
    }
    // Each queue is the previous one with one node in front (shared, never copied).
    for (let i = 1; i < n; i++) expect((queues[i] as { earlier: unknown }).earlier === queues[i - 1]).toBe(true);
    latchEvents.length = 0;
    await host.enable();
    // The replay is one batch event (then the batch's first change taken on its own, the rest as one batch).
    expect(latchEvents.filter((t) => t === 'namespaces.changed').length).toBeLessThanOrEqual(2);
    expect(latchEvents.filter((t) => t === 'namespace.changed').length).toBeLessThanOrEqual(1);
    await host.submitAer();
    const receipts = await Promise.all(pending);
    expect(receipts.every((r) => r.aen?.dw0 === 0x00040002)).toBe(true);
    await host.close();
  });
});
