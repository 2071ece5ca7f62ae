// A guest cannot crash the emulator: random 64-byte SQEs (any opcode, fields, PRPs, NSIDs, NUMD) go through the
// host driver and real rings. Every command completes with a status the spec allows (or parks, for an AER), nothing
// throws, and after each command the invariants hold: SQHD and the CQ phase advance, at most AERL+1 AERs park, the
// controller still answers Identify. Seeded (NVME_ACTORS_SEED); 10,000 commands by default, 1,000,000 with
// NVME_ACTORS_LONG=1.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createController } from '../../src/emulator.ts';
import { EmulatorTransport } from '../../src/host/emulator-transport.ts';
import { NvmeHost } from '../../src/host/nvme-host.ts';
import { AdminOpcode, Status } from '../../src/spec/constants.ts';

const LONG = process.env.NVME_ACTORS_LONG === '1';
const SEED = Number(process.env.NVME_ACTORS_SEED ?? 20261127);
const COMMANDS = LONG ? 1_000_000 : 10_000;
const PER_RUN = 100;

/** Statuses a controller may answer an admin command with (NVMe Base 2.0 §4.6.1.2), as "SCT/SC". */
const ALLOWED = new Set([
  '0/00', '0/01', '0/02', '0/04', '0/06', '0/07', '0/0b', '0/0c', '0/13', '1/05', '1/09', '1/0d', '1/18', '1/19', '1/1a', '1/1c',
  // Create/Delete I/O CQ/SQ (§5.4–§5.7): Completion Queue Invalid, Invalid Queue Identifier, Invalid Queue Size,
  // Invalid Interrupt Vector, Invalid Queue Deletion.
  '1/00', '1/01', '1/02', '1/08', '1/0c',
]);
const key = (s: Status) => `${s.sct}/${s.sc.toString(16).padStart(2, '0')}`;

const u32 = fc.oneof(fc.constant(0), fc.constant(0xffffffff), fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0x1000 }));
const prp = fc.oneof(fc.constant(0n), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.bigInt({ min: 0n, max: 0x4000000n }), fc.constant(0x200000n));
const opcode = fc.oneof(fc.constantFrom(...Object.values(AdminOpcode)), fc.integer({ min: 0, max: 255 }));
const command = fc.record({ opcode, nsid: u32, cdw10: u32, cdw11: u32, cdw12: u32, cdw13: u32, cdw14: u32, cdw15: u32, prp1: prp, prp2: prp });

describe('random admin commands', () => {
  it(`${COMMANDS} random SQEs complete with allowed statuses and leave the controller working (seed ${SEED})`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: PER_RUN, maxLength: PER_RUN }), async (commands) => {
        const controller = createController({ namespaces: [{ nsid: 1 }, { nsid: 2, attached: false }] });
        const host = new NvmeHost(new EmulatorTransport(controller), { timeoutMs: 50 });
        try {
          await host.enable({ queueSize: 8 });
          let parked = 0;
          for (const [i, c] of commands.entries()) {
            const cid = await host.submit({ ...c, rawPrps: true });
            const arrived = await host.poll();
            for (const r of arrived) {
              expect(ALLOWED.has(key(r.status)), `status ${key(r.status)} for opcode ${c.opcode}`).toBe(true);
              expect(r.sqid).toBe(0);
              if (r.cid !== cid) parked--; // only a parked AER completes out of turn (an AEN, or aborted)
            }
            const own = arrived.find((r) => r.cid === cid);
            if (own) expect(own.sqhd).toBe((i + 1) % 8); // one command at a time: SQHD is just past this entry
            else if (c.opcode === AdminOpcode.ASYNC_EVENT_REQUEST) parked++;
            else throw new Error(`opcode 0x${c.opcode.toString(16)} did not complete`);
            expect(parked).toBeGreaterThanOrEqual(0);
            expect(parked).toBeLessThanOrEqual(4);
          }
          const id = await host.identifyController();
          expect(id.aerl).toBe(3);
          const list = await host.readChangedList();
          expect(list.overflow || list.nsids.length <= 1024).toBe(true);
        } finally {
          await host.close();
        }
      }),
      { numRuns: COMMANDS / PER_RUN, seed: SEED },
    );
  }, LONG ? 7_200_000 : 120_000);
});
