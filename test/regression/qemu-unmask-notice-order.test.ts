// Regression (qemu profile): the notice released by the unmasking read was posted after the read's completion.
// Symptom: with a change made while masked and a second AER parked, Get Log Page 04h (RAE=0) completed first and the
// second notice (DW0 0004_0002h) after it; QEMU 7.2 posts that notice before the read's own CQE
// (docs/qemu-observations.md e, m). Cause: the latch replied to the read and moved to `pending`, whose eventless
// transition then posted the queued notice. Fix: in `posted`, a RAE=0 read with a queued notice and a parked AER
// posts the notice first, then replies (`canReportQueuedNotice`).
import { expect, it } from 'vitest';
import { emulatorTransport } from '../../src/host/emulator-transport.ts';
import { NvmeHost } from '../../src/host/nvme-host.ts';

it('qemu: second notice before the unmasking read completes', async () => {
  const transport = emulatorTransport({ profile: 'qemu' });
  const host = new NvmeHost(transport);
  const { notifyChange } = transport.controller.faults.namespace;
  try {
    await host.enable();
    const older = await host.submitAer();
    const newer = await host.submitAer();
    await notifyChange(2);
    await host.waitFor(newer);
    await notifyChange(3); // masked: queued
    const read = await host.getLogPage({ lid: 0x04, numd: 1024 });
    const notice = await host.waitFor(older);
    expect(notice.dw0).toBe(0x00040002);
    expect(notice.seq).toBeLessThan(read.seq);
  } finally {
    await host.close();
  }
});
