// Regression (issue 13 item 16, first two cliffs): `until: 'aen'` callers cost quadratic time.
// Symptom: 32,000 concurrent `notifyChange(n, { until: 'aen' })` calls with no AER parked took 29 s against 3.3 s
// with `until: 'processed'`; one 100,000-change `namespaceChange` step took 18–27 s. Cause: the AEN latch kept the
// callers waiting for an AEN in its context (`aenWaiters`), an array copied whole by every change that waited, and
// answered masked batches by filtering that array with `includes` per change (N×M); each request also created its
// own RPC actor. Fix: the latch keeps no caller state (it models NVMe only); one long-lived RPC actor keeps the
// waiters in a queue and answers them from the latch's emitted facts (`namespace.processed`, `aen.posted`).
// The checks are structural: the latch's context does not grow with the callers, and no actor is created per call.
import { describe, expect, it } from 'vitest';
import type { InspectionEvent } from 'xstate';
import { createController } from '../../src/emulator.ts';
import { EmulatorTransport } from '../../src/host/emulator-transport.ts';
import { NvmeHost } from '../../src/host/nvme-host.ts';
import { guardUnhandledRejections } from '../support/rejection-guard.ts';

guardUnhandledRejections();

describe('regression: until-aen callers are not kept by the latch', () => {
  it('N waiting callers leave the latch context as one caller does; one AER answers them all; no actor per call', async () => {
    let actors = 0;
    const controller = createController({ inspect: (e: InspectionEvent) => void (e.type === '@xstate.actor' && actors++) });
    const host = new NvmeHost(new EmulatorTransport(controller), { timeoutMs: 2000 });
    await host.enable();
    const latch = controller.actor.system.get('aenLatch');
    const actorsBefore = actors;
    const pending = [controller.faults.namespace.notifyChange(1, { until: 'aen' })];
    const contextAfterOne = JSON.stringify(latch.getSnapshot().context);
    for (let i = 0; i < 2000; i++) pending.push(controller.faults.namespace.notifyChange(1, { until: 'aen' }));
    pending.push(controller.faults.namespace.notifyChanges(Array(500).fill(1), { until: 'aen' }).then((r) => r[0]!));
    expect(JSON.stringify(latch.getSnapshot().context)).toBe(contextAfterOne);
    expect(actors - actorsBefore).toBe(0);
    const cid = await host.submitAer();
    const receipts = await Promise.all(pending);
    expect(new Set(receipts.map((r) => `${r.outcome} ${r.aen?.cid} ${r.aen?.dw0}`))).toEqual(new Set([`deferred ${cid} ${0x00040002}`]));
    await host.close();
  });

  it('a batch made while the notice is masked is answered at once by the posted AEN (spec masking)', async () => {
    const controller = createController({ nn: 0xfffffffe });
    const host = new NvmeHost(new EmulatorTransport(controller), { timeoutMs: 2000 });
    await host.enable();
    const cid = await host.submitAer();
    await controller.faults.namespace.notifyChange(1); // posts the notice; now masked
    const receipts = await controller.faults.namespace.notifyChanges(Array.from({ length: 5000 }, (_, i) => 2 + i), { until: 'aen' });
    expect(receipts).toHaveLength(5000);
    expect(receipts.every((r, i) => r.nsid === 2 + i && r.outcome === 'coalesced' && r.aen?.cid === cid)).toBe(true);
    await host.close();
  });
});
