// Regression: NvmeHost kept every completion it had read, with its data.
// Symptom: a long run of Identify commands (the benchmark's admin round trip) held one 4 KiB record per CID, up to
// 65,536 of them (256 MiB), and spent its time in the garbage collector. Cause: `completed` was a Map by CID that
// nothing ever emptied. Fix: the host keeps the last 4,096 completions readable by CID (`completion`, `waitFor`).
import { expect, it } from 'vitest';
import { emulatorTransport } from '../../src/host/emulator-transport.ts';
import { NvmeHost } from '../../src/host/nvme-host.ts';
import { AdminOpcode } from '../../src/spec/constants.ts';

it('after 5,000 commands the first completions are forgotten and the last 4,096 are still readable', async () => {
  const host = new NvmeHost(emulatorTransport());
  try {
    await host.enable();
    const cids: number[] = [];
    for (let i = 0; i < 5000; i++) cids.push((await host.execute({ opcode: AdminOpcode.IDENTIFY, cdw10: 1, dataIn: 4096 })).cid);
    expect(host.completion(cids[0]!)).toBeUndefined();
    expect(host.completion(cids[5000 - 4097]!)).toBeUndefined();
    const kept = cids.slice(-4096).map((cid) => host.completion(cid));
    expect(kept.every((c) => c !== undefined && c.data?.length === 4096)).toBe(true);
    expect(kept.map((c) => c!.cid)).toEqual(cids.slice(-4096));
    // A command still outstanding (a parked AER) has no completion to read.
    const aer = await host.submitAer();
    expect(host.completion(aer)).toBeUndefined();
    expect(host.isOutstanding(aer)).toBe(true);
  } finally {
    await host.close();
  }
});
