// Regression: after a controller reset and re-enable, NvmeHost.poll() returned completions from before the reset.
// Symptom: host.disable(); host.enable(); host.poll() gave back e.g. the Identify completion (CID 1) posted before the
// reset, as if new. Cause: NvmeHost.enable() reset its CQ head and phase (1) but left the CQ memory as it was, so the
// old entries' phase tags (1) read as fresh ones. Fix: enable() zeroes the CQ before setting CC.EN, as drivers do.
import { expect, it } from 'vitest';
import { emulatorTransport } from '../../src/host/emulator-transport.ts';
import { NvmeHost } from '../../src/host/nvme-host.ts';

it('no completion from before a reset is read after the re-enable', async () => {
  const host = new NvmeHost(emulatorTransport());
  try {
    await host.enable();
    await host.identifyController();
    await host.keepAlive();
    await host.disable();
    await host.enable();
    expect(await host.poll()).toEqual([]);
    const c = await host.keepAlive();
    expect(c.seq).toBe(3); // the third completion this host consumed: nothing stale in between
  } finally {
    await host.close();
  }
});
