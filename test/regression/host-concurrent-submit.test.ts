// Symptom: two overlapping NvmeHost.submit() calls wrote their SQEs to the same slot (both read the same SQ tail
// before either rang the doorbell), so one command was lost and the controller fetched an empty entry (opcode 0,
// CID 0). Cause: submit() was not serialised. Fix: overlapping calls are queued.
import { describe, expect, it } from 'vitest';
import { emulatorTransport } from '../../src/host/emulator-transport.ts';
import { NvmeHost } from '../../src/host/nvme-host.ts';
import { AdminOpcode, Status } from '../../src/spec/constants.ts';

describe('regression: concurrent submissions', () => {
  it('every one of 20 overlapping submissions completes with its own CID and success', async () => {
    const host = new NvmeHost(emulatorTransport());
    await host.enable({ queueSize: 32 });
    const cids = await Promise.all(Array.from({ length: 20 }, () => host.submit({ opcode: AdminOpcode.KEEP_ALIVE })));
    expect(new Set(cids).size).toBe(20);
    for (const cid of cids) expect(Status.equals((await host.waitFor(cid)).status, Status.SUCCESS)).toBe(true);
    await host.close();
  });
});
