// Regression (issue 13 item 7): one throwing callback killed the controller and the process.
// Symptom: an `onTrace` listener or an `onInterrupt` callback that threw left the controller actor in status
// 'error' for good (CSTS stopped answering, every later command timed out); XState then rethrew the error from a
// timer and the process exited 1 with a stack trace. Cause: listeners were called straight from inside the
// machines' provided actions, and an exception in an action fails the actor. Fix: each call is isolated; the
// exception goes to `onListenerError` (default: one process warning) and the controller keeps running.
import { describe, expect, it } from 'vitest';
import { createController } from '../../src/emulator.ts';
import { EmulatorTransport } from '../../src/host/emulator-transport.ts';
import { NvmeHost } from '../../src/host/nvme-host.ts';
import { guardUnhandledRejections } from '../support/rejection-guard.ts';

guardUnhandledRejections();

describe('regression: a throwing listener does not kill the controller', () => {
  it('onTrace and onInterrupt throw on every call: commands, AENs and resets still work; each failure is reported', async () => {
    const reported: string[] = [];
    const controller = createController({
      onInterrupt: () => {
        throw new Error('interrupt boom');
      },
      onListenerError: (e, source) => reported.push(`${source}: ${(e as Error).message}`),
    });
    let good = 0;
    controller.onTrace(() => {
      throw new Error('trace boom');
    });
    controller.onTrace(() => good++); // a listener after the throwing one still hears everything
    const host = new NvmeHost(new EmulatorTransport(controller), { timeoutMs: 1000 });
    await host.enable();
    expect((await host.identifyController()).aerl).toBe(3);
    const aer = await host.submitAer();
    const receipt = await controller.faults.namespace.notifyChange(1, { until: 'aen' });
    expect(receipt.aen?.cid).toBe(aer);
    expect(controller.actor.getSnapshot().status).toBe('active');
    await host.disable();
    await host.enable();
    expect((await host.identifyController()).aerl).toBe(3);
    expect(controller.actor.getSnapshot().status).toBe('active');
    expect(good).toBeGreaterThan(10);
    expect(reported).toContain('onTrace: trace boom');
    expect(reported).toContain('onInterrupt: interrupt boom');
    await host.close();
  });
});
