// `npm run docs:hosts`: boots the Linux guest once, runs every case of src/guest/linux-host-faults.ts against a
// served controller, prints the boot, connect and rescan times, and writes what Linux did to docs/hosts.json (the
// facts test/guest/linux-host.test.ts checks) and docs/hosts.md (rendered from it). The guest is always closed;
// a case that fails is reported and the files are left as they were. Exit 0 written, 1 a case failed, 3 no guest.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startLinuxHost } from '../src/guest/linux-host.ts';
import { GuestError } from '../src/guest/vm.ts';
import { factsOf, HOST_FAULT_CASES, renderHostsDoc, runHostFaultCase, type HostsRecord } from '../src/guest/linux-host-faults.ts';

const ROOT = join(import.meta.dirname, '..');
const only = process.argv.slice(2);
const started = Date.now();
let linux;
try {
  linux = await startLinuxHost({ log: (l) => process.stderr.write(`${l}\n`) });
} catch (e) {
  process.stderr.write(`docs:hosts: no guest: ${(e as Error).message}\n`);
  process.exit(e instanceof GuestError ? e.exitCode : 3);
}
process.stdout.write(`boot to READY: ${linux.guest.bootMs} ms (${linux.guest.image.kernelRelease})\n`);
// A run of some cases (`npm run docs:hosts -- logFails`) keeps the others' recorded facts.
const previous = existsSync(join(ROOT, 'docs/hosts.json')) ? (JSON.parse(readFileSync(join(ROOT, 'docs/hosts.json'), 'utf8')) as HostsRecord) : undefined;
const cases: Record<string, HostsRecord['cases'][string]> = { ...previous?.cases };
let failed = false;
try {
  for (const c of HOST_FAULT_CASES.filter((x) => only.length === 0 || only.includes(x.id))) {
    const t = Date.now();
    try {
      const o = await runHostFaultCase(linux, c);
      cases[c.id] = { facts: factsOf(o), ms: o.ms, kernel: o.kernel };
      process.stdout.write(`${c.id}: connect ${o.ms.connect} ms, NSID 2 disk ${o.ms.disk ?? 'none'} ms, NSID 3 ${o.ms.next ?? 'none'} ms; case ${Date.now() - t} ms; departures ${o.departures.join(', ') || 'none'}\n`);
    } catch (e) {
      failed = true;
      process.stdout.write(`${c.id}: FAILED: ${(e as Error).message}\n`);
    }
  }
} finally {
  await linux.close();
}
if (failed) process.exit(1);
const record: HostsRecord = {
  date: new Date().toISOString().slice(0, 10),
  kernelRelease: linux.guest.image.kernelRelease,
  bootMs: linux.guest.bootMs,
  cases: Object.fromEntries(HOST_FAULT_CASES.filter((c) => cases[c.id]).map((c) => [c.id, cases[c.id]!])),
};
writeFileSync(join(ROOT, 'docs/hosts.json'), `${JSON.stringify(record, null, 2)}\n`);
writeFileSync(join(ROOT, 'docs/hosts.md'), renderHostsDoc(record));
process.stdout.write(`wrote docs/hosts.json and docs/hosts.md (${HOST_FAULT_CASES.length} cases) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
