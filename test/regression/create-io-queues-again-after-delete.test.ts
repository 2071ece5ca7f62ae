// Symptom: on QEMU 7.2, NvmeHost.createIoQueues() failed with "Set Features 07h (Number of Queues) failed: 0/0Ch
// DNR" whenever I/O queues had been created before since the last reset (deleted or not). Cause: the controller
// takes Number of Queues only before any I/O queue is created (NVMe Base 2.0 §5.27.1.5; QEMU's qs_created,
// OpenVMM the same) and the host treated Command Sequence Error as fatal. The host now reads the allocation with
// Get Features 07h then; the emulator answers Set Features 07h as QEMU does, so this is caught without QEMU.
import { expect, it } from 'vitest';
import { useRigs, statusOf } from '../support/rig.ts';

const rig = useRigs();

it('createIoQueues twice (the second deletes and recreates): both succeed; Set Features 07h in between is 0/0Ch DNR', async () => {
  const { host } = await rig();
  expect(await host.createIoQueues({ count: 2 })).toEqual([1, 2]);
  expect(statusOf(await host.setFeatures(0x07, 0x00030003))).toBe('0/0Ch DNR');
  expect(await host.createIoQueues({ count: 2 })).toEqual([1, 2]);
  expect(statusOf(await host.flush(1))).toBe('0/00h');
  // A reset clears it: Number of Queues may be set again.
  await host.disable();
  await host.enable();
  expect(statusOf(await host.setFeatures(0x07, 0x00030003))).toBe('0/00h');
});
