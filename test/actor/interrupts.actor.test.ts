// The interrupt sink: one call per completion written to the admin CQ (vector 0), none while INTMS masks vector 0,
// and an AEN interrupts like any other completion.
import { describe, expect, it } from 'vitest';
import { createController } from '../../src/emulator.ts';
import { EmulatorTransport } from '../../src/host/emulator-transport.ts';
import { NvmeHost } from '../../src/host/nvme-host.ts';
import { Register } from '../../src/spec/constants.ts';

describe('interrupts', () => {
  it('fires vector 0 per completion, not while INTMS masks it, and for an AEN', async () => {
    const vectors: number[] = [];
    const controller = createController({ onInterrupt: (v) => vectors.push(v) });
    const host = new NvmeHost(new EmulatorTransport(controller));
    await host.enable();
    await host.identifyController();
    expect(vectors).toEqual([0]);
    controller.mmioWrite32(Register.INTMS, 1);
    expect(controller.mmioRead32(Register.INTMS)).toBe(1);
    await host.identifyController();
    expect(vectors).toEqual([0]);
    controller.mmioWrite32(Register.INTMC, 1);
    expect(controller.mmioRead32(Register.INTMS)).toBe(0);
    const aer = await host.submitAer();
    expect(vectors).toEqual([0]);
    await controller.faults.namespace.notifyChange(1);
    expect(vectors).toEqual([0, 0]);
    expect((await host.waitFor(aer)).dw0).toBe(0x00040002);
    await host.close();
  });
});
