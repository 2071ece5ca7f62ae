// Symptom: after the admin queue failed (SQ outside guest memory, CSTS.CFS = 1) a namespace change still came back
// with receipt 'posted' for an AER parked before the failure, as if the AEN had reached a completion queue that no
// longer runs. Cause: entering `fatal` did not take the AEN latch offline. Fix: `fatal` tells the latch the
// controller reset (parked AERs dropped, waiters rejected); a later change waits for the next enable.
import { describe, expect, it } from 'vitest';
import { createController } from '../../src/emulator.ts';
import { EmulatorTransport } from '../../src/host/emulator-transport.ts';
import { NvmeHost } from '../../src/host/nvme-host.ts';
import { Csts, Register } from '../../src/spec/constants.ts';

describe('regression: a fatal controller posts no AEN', () => {
  it('rejects a caller waiting for an AEN and defers later changes once CSTS.CFS is set', async () => {
    const controller = createController({ memorySize: 4 * 1024 * 1024 });
    const host = new NvmeHost(new EmulatorTransport(controller));
    await host.enable();
    // Re-enable with ASQ just past the end of guest memory: valid to CC (aligned), fatal at the first fetch.
    await host.disable();
    controller.mmioWrite64(Register.ASQ, BigInt(controller.memory.size));
    controller.mmioWrite32(Register.CC, 1 | (6 << 16) | (4 << 20));
    expect(controller.mmioRead32(Register.CSTS) & Csts.RDY).toBe(Csts.RDY);
    const aerWaiter = controller.faults.namespace.notifyChange(1, { until: 'aen' });
    const outcome = aerWaiter.then(() => 'resolved', (e: Error) => e.message);
    controller.mmioWrite32(Register.SQ0TDBL, 1); // the fetch fails: CFS
    expect(controller.mmioRead32(Register.CSTS) & Csts.CFS).toBe(Csts.CFS);
    expect(await outcome).toMatch(/reset/);
    let settled = false;
    const later = controller.faults.namespace.notifyChange(2).then(() => (settled = true));
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false); // deferred until the next enable, not 'posted' into a dead queue
    controller.stop();
    await later.catch(() => undefined);
  });
});
