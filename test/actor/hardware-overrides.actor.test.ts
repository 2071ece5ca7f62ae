// The hardware overrides of OpenVMM's nvme_test as controller options: CAP.MQES (PciFaultConfig::max_queue_size,
// 1-based, read back as MQES = n-1 in nvme_test/src/pci.rs read_bar0) with its effect on the queue sizes a host may
// program, and the PCI IDs (HardwareConfigFaultConfig vendor_id/device_id, nvme_test/src/pci.rs NvmeFaultController::new)
// in PCI configuration space and in Identify Controller VID/SSVID. Bad values are one-line RangeErrors.
import { describe, expect, it } from 'vitest';
import { createController } from '../../src/emulator.ts';
import { EmulatorTransport } from '../../src/host/emulator-transport.ts';
import { NvmeHost } from '../../src/host/nvme-host.ts';
import { Csts, Register } from '../../src/spec/constants.ts';

describe('CAP.MQES override (maxQueueEntries)', () => {
  it('CAP.MQES reads maxQueueEntries - 1 and the rest of CAP is unchanged', () => {
    const plain = createController();
    const small = createController({ maxQueueEntries: 8 });
    expect(plain.mmioRead64(Register.CAP) & 0xffffn).toBe(4095n);
    expect(small.mmioRead64(Register.CAP) & 0xffffn).toBe(7n);
    expect(small.mmioRead64(Register.CAP) >> 16n).toBe(plain.mmioRead64(Register.CAP) >> 16n);
  });

  it('the host refuses a queue beyond CAP.MQES+1, and an enable whose AQA exceeds it ends in CSTS.CFS', async () => {
    const c = createController({ maxQueueEntries: 8 });
    const host = new NvmeHost(new EmulatorTransport(c), { timeoutMs: 100 });
    await expect(host.enable({ queueSize: 16 })).rejects.toThrow(/outside 2\.\.8 \(CAP\.MQES\+1\)/);
    await host.enable({ queueSize: 8 });
    expect(c.mmioRead32(Register.CSTS) & Csts.RDY).toBe(Csts.RDY);
    await host.disable();
    // A host that ignores CAP: AQA of 16 entries each.
    c.mmioWrite32(Register.AQA, 0x000f000f);
    c.mmioWrite32(Register.CC, 1 | (6 << 16) | (4 << 20));
    expect(c.mmioRead32(Register.CSTS) & Csts.CFS).toBe(Csts.CFS);
  });

  it.each([0, 1, 65537, 2.5, '8', null])('maxQueueEntries %p is refused with one line', (bad) => {
    expect(() => createController({ maxQueueEntries: bad as number })).toThrow(/^maxQueueEntries must be an integer 2\.\.65536 .*, got .*$/);
  });
});

describe('PCI ID overrides (pci)', () => {
  it('configuration space and Identify Controller VID/SSVID report them', async () => {
    const c = createController({ pci: { vendorId: 0x1414, deviceId: 0x00a9, subsystemVendorId: 0x1af4, subsystemId: 0x1100 } });
    expect(c.pciConfigRead32(0x00)).toBe(0x00a91414);
    expect(c.pciConfigRead32(0x2c)).toBe(0x11001af4);
    expect(c.pciConfigRead32(0x08) >>> 8).toBe(0x010802);
    const host = new NvmeHost(new EmulatorTransport(c));
    await host.enable();
    const id = await host.identifyController();
    expect([id.vid, id.ssvid]).toEqual([0x1414, 0x1af4]);
    await host.close();
  });

  it('defaults: FFFFh everywhere, as before', async () => {
    const c = createController();
    expect(c.pci).toEqual({ vendorId: 0xffff, deviceId: 0xffff, subsystemVendorId: 0xffff, subsystemId: 0xffff });
    const host = new NvmeHost(new EmulatorTransport(c));
    await host.enable();
    expect((await host.identifyController()).vid).toBe(0xffff);
    await host.close();
  });

  it.each([{ vendorId: 0x10000 }, { deviceId: -1 }, { vendorId: '1414' }, { vendor: 1 }])('pci %o is refused with one line', (bad) => {
    expect(() => createController({ pci: bad as never })).toThrow(/^pci\.\w+ (must be an integer 0\.\.FFFFh|is not a PCI ID)[^\n]*$/);
  });
});
