// Regression: a controller reset that rejected a namespace-change caller killed the controller.
// Symptom: with notifyChange(1, { until: 'aen' }) waiting, CC.EN 1→0 rejected it with 'reset' as designed, but the next
// enable timed out (CSTS stayed 0) and an uncaught NamespaceChangeError escaped to the process. Cause: the rejection
// made the namespaceChange fromPromise actor fail; its `xstate.error.actor.*` event reached the controller, which had
// no transition for it, and XState v5 puts a parent whose child error is unhandled in error status (stopping every
// actor and reporting the error as unhandled). Fix: the controller handles `xstate.error.actor.namespaceChange.*`
// (and `xstate.done.actor.namespaceChange.*`) by dropping the settled RPC actor.
import { expect, it } from 'vitest';
import { emulatorTransport } from '../../src/host/emulator-transport.ts';
import { NvmeHost } from '../../src/host/nvme-host.ts';

it('the controller survives rejecting a waiting caller on reset', async () => {
  const transport = emulatorTransport();
  const host = new NvmeHost(transport, { timeoutMs: 500 });
  try {
    await host.enable();
    const waiting = transport.controller.faults.namespace.notifyChange(1, { until: 'aen' });
    await host.disable();
    await expect(waiting).rejects.toMatchObject({ name: 'NamespaceChangeError', code: 'reset' });
    expect(transport.controller.actor.getSnapshot().status).toBe('active');
    await host.enable();
    expect((await host.identifyController()).aerl).toBe(3);
  } finally {
    await host.close();
  }
});
