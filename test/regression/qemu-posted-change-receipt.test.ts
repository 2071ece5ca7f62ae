// Regression (qemu profile): with an AER parked, a new change was acknowledged before its AEN.
// Symptom: notifyChange(n) answered outcome 'deferred' although the AEN was posted at once, and a Namespace
// Attachment's completion arrived before the AEN it raised (QEMU 7.2 posts the AEN first, docs/qemu-observations.md c).
// Cause: in the latch's `clear` state the guard `canReportNotice` also requires a queued notice (noticePerNewNsid),
// but the change queues its notice in `recordChange`, after the guard ran; so the change went to `pending`, was
// acknowledged, and only then did `pending`'s eventless transition post the AEN. Fix: the change transition uses
// `canReportChange` (an AER parked and notices enabled), a fresh change always bringing its own notice.
import { expect, it } from 'vitest';
import { emulatorTransport } from '../../src/host/emulator-transport.ts';
import { NvmeHost } from '../../src/host/nvme-host.ts';

it('qemu: receipt posted, and the AEN precedes the attach completion', async () => {
  const transport = emulatorTransport({ profile: 'qemu', namespaces: [{ nsid: 1 }, { nsid: 2, attached: false }] });
  const host = new NvmeHost(transport);
  try {
    await host.enable();
    const first = await host.submitAer();
    expect(await transport.controller.faults.namespace.notifyChange(1)).toEqual({ nsid: 1, outcome: 'posted' });
    await host.waitFor(first);
    await host.readChangedList();
    const second = await host.submitAer();
    const attach = await host.namespaceAttachment(2, 'attach', [1]);
    const aen = await host.waitFor(second);
    expect(aen.dw0).toBe(0x00040002);
    expect(aen.seq).toBeLessThan(attach.seq);
  } finally {
    await host.close();
  }
});
