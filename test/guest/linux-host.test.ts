// The Linux kernel's NVMe/TCP host (Debian's 6.1, in a QEMU guest) against `serve`: one guest boot for the suite,
// a fresh served controller per case, reached through 10.0.2.2. (a) the kernel enumerates NSID 1 and reads its first
// block as the store holds it; (b) attaching NSID 2 makes it read log 04h with RAE=0 and rescan, and NSID 2's disk
// appears; (c) under each fault on the AEN path, what it does is what docs/hosts.json recorded (the facts, not the
// timings, which are printed). `npm run docs:hosts` re-records them and regenerates docs/hosts.md.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLinuxHost, type LinuxHostGuest } from '../../src/guest/linux-host.ts';
import { checkedFacts, HOST_FAULT_CASES, renderHostsDoc, runHostFaultCase, type HostsRecord } from '../../src/guest/linux-host-faults.ts';
import { declareGuestGate, guestGate } from '../support/guest.ts';

const ROOT = join(import.meta.dirname, '../..');
const recorded = JSON.parse(readFileSync(join(ROOT, 'docs/hosts.json'), 'utf8')) as HostsRecord;

describe('docs/hosts.md', () => {
  it('is docs/hosts.json rendered (npm run docs:hosts writes both), and records every case', () => {
    expect(readFileSync(join(ROOT, 'docs/hosts.md'), 'utf8')).toBe(renderHostsDoc(recorded));
    expect(Object.keys(recorded.cases)).toEqual(HOST_FAULT_CASES.map((c) => c.id));
    // At least five faults on the AEN path besides the baseline.
    expect(HOST_FAULT_CASES.filter((c) => c.arm.length > 0).length).toBeGreaterThanOrEqual(5);
  });
});

const { gate, image } = await guestGate();

if (declareGuestGate(gate, 'Linux NVMe/TCP host')) {
  describe.sequential('the Linux NVMe/TCP host against serve', () => {
    let linux: LinuxHostGuest;

    beforeAll(async () => {
      linux = await startLinuxHost({ image: image! });
      process.stderr.write(`[linux host] boot to READY ${linux.guest.bootMs} ms (${image!.kernelRelease})\n`);
    }, 240_000);

    afterAll(async () => {
      await linux?.close();
    });

    it('(a)+(b) baseline: NSID 1 enumerated and its block 0 read as stored; NSID 2 attached: log 04h with RAE=0, rescan, disk', async () => {
      const o = await runHostFaultCase(linux, HOST_FAULT_CASES.find((c) => c.id === 'baseline')!);
      process.stderr.write(`[linux host] baseline: connect ${o.ms.connect} ms, NSID 2 disk ${o.ms.disk ?? '-'} ms after the change, NSID 3 ${o.ms.next ?? '-'} ms\n`);
      expect(o.block0Matches).toBe(true);
      expect(o).toMatchObject({ aenStatus: '0/00h', aerResubmitted: true, logReads: ['RAE=0 → 0/00h'], rescanned: true, disk: true, heardNext: true, departures: [] });
      expect(o.kernel.some((l) => /rescanning namespaces/.test(l))).toBe(true);
    }, 120_000);

    // On XState's own interpreter (the suite's second project) the baseline and two faults; every fault on the
    // default engine. The host's reactions do not depend on the engine; the served controller's machines do.
    const onXState = process.env.NVME_ACTORS_ENGINE === 'xstate';
    for (const c of HOST_FAULT_CASES.filter((x) => x.id !== 'baseline' && (!onXState || ['aenError', 'logFails'].includes(x.id)))) {
      it(`(c) ${c.id}: ${c.fault}`, async () => {
        const o = await runHostFaultCase(linux, c);
        process.stderr.write(`[linux host] ${c.id}: connect ${o.ms.connect} ms, NSID 2 disk ${o.ms.disk ?? 'none'}, NSID 3 ${o.ms.next ?? 'none'}; ${o.kernel.slice(-2).join(' | ')}\n`);
        expect(checkedFacts(c, o)).toEqual(checkedFacts(c, recorded.cases[c.id]!.facts));
      }, 120_000);
    }
  });
}
