// Symptom: over NVMe/TCP, a host that parked AERs and reset the controller (CC.EN 1→0) a few times found its
// admin submission queue full ("timed out … waiting for room in the admin submission queue") though nothing was
// outstanding.
// Cause: the served target counted a capsule as consumed (SQHD) only when a later CQE showed the emulator's SQ head
// past it; the AERs the emulator had fetched and the reset dropped never were, so each reset left phantom entries
// in the host's view of the queue. A reset now counts every capsule it drops as consumed.
import { expect, it } from 'vitest';
import { loopback } from '../../src/serve/loopback.ts';

it('five rounds of enable, four parked AERs, reset on an 8-entry queue leave the queue usable', async () => {
  const { host } = await loopback();
  for (let round = 0; round < 5; round++) {
    await host.enable({ queueSize: 8 });
    for (let i = 0; i < 4; i++) await host.submitAer();
    await host.disable();
  }
  await host.enable({ queueSize: 8 });
  expect((await host.identifyController()).cntlid).toBe(1);
  await host.close();
});
