// For the guest suites (test/guest): whether a Linux guest can be booted here — QEMU runs and the guest image is
// built or cached (src/guest/image.ts) — and whether it must (NVME_ACTORS_REQUIRE_GUEST=1, set by .ci/run).
// The image is built here, once per worker, with the builder's own bounded budget.
import { ensureGuestImage, type GuestImage } from '../../src/guest/image.ts';
import { defaultQemuBinary } from '../../src/guest/vm.ts';
import { qemuAvailable } from '../../src/host/qemu-transport.ts';
import { declareGate, makeGate, type Gate } from './gate.ts';

const REQUIRE = 'NVME_ACTORS_REQUIRE_GUEST';

export async function guestGate(): Promise<{ gate: Gate; image?: GuestImage }> {
  const binary = defaultQemuBinary();
  if (!(await qemuAvailable(binary))) {
    return { gate: makeGate({ available: false, binary, aptPackage: 'qemu-system-x86', overrideVar: 'NVME_ACTORS_QEMU', requireVar: REQUIRE, what: 'Linux guest' }) };
  }
  try {
    const image = await ensureGuestImage({ log: (l) => process.stderr.write(`${l}\n`) });
    return { gate: { available: true, required: process.env[REQUIRE] === '1', reason: '' }, image };
  } catch (e) {
    const required = process.env[REQUIRE] === '1';
    const reason = `the guest image cannot be built: ${(e as Error).message}` + (required ? ` (${REQUIRE}=1: a missing guest is a failure)` : `; set ${REQUIRE}=1 to make this a failure instead of a skip`);
    return { gate: { available: false, required, reason } };
  }
}

export const declareGuestGate = (gate: Gate, suite: string): boolean => declareGate(gate, suite, 'the Linux guest');
