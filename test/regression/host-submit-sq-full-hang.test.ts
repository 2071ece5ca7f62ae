// Regression: NvmeHost.submit() could wait forever for a submission queue slot.
// Symptom: with 2-entry admin queues and one AER parked, the next host.keepAlive() never returned (the test runner's
// own timeout ended it) although the host has a timeoutMs. Cause: the host learns SQ head only from completions, a
// parked AER produces none, so the host sees a full SQ; the wait loop in submit() had no deadline. Fix: the loop
// throws HostError after timeoutMs, as every other wait in NvmeHost does.
import { expect, it } from 'vitest';
import { emulatorTransport } from '../../src/host/emulator-transport.ts';
import { NvmeHost } from '../../src/host/nvme-host.ts';

it('a submission that finds no free SQ slot fails with HostError after the host timeout', async () => {
  const transport = emulatorTransport();
  const host = new NvmeHost(transport, { timeoutMs: 50 });
  try {
    await host.enable({ queueSize: 2 });
    const aer = await host.submitAer();
    await expect(host.keepAlive()).rejects.toMatchObject({ name: 'HostError', message: expect.stringMatching(/free submission queue slot/) });
    // An AEN reports SQ head moving: the host can submit again.
    await transport.controller.faults.namespace.notifyChange(1);
    expect((await host.waitFor(aer)).dw0).toBe(0x00040002);
    expect((await host.keepAlive()).status).toEqual({ sct: 0, sc: 0, dnr: false });
  } finally {
    await host.close();
  }
});
