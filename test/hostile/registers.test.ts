// A host that programs the registers badly (NVMe Base 2.0 §3.1.3.5 CC, §3.1.3.8–10 AQA/ASQ/ACQ, §3.5.1 step 4): an
// enable with an admin queue of one entry (AQA.ASQS/ACQS = 0), an ASQ or ACQ that is not page aligned, or a CC field
// the controller does not support (MPS outside CAP.MPSMIN..MPSMAX, CSS, AMS, IOSQES, IOCQES) never sets CSTS.RDY; the
// controller reports CSTS.CFS instead (CSTS = 02h exactly) and recovers on CC.EN 1→0 (CSTS = 00h) followed by a valid
// enable (CSTS = 01h). A queue larger than CAP.MQES cannot be programmed: AQA's fields are 12 bits, MQES is 4095.
import { describe, expect, it } from 'vitest';
import { Cc, Csts, Register } from '../../src/spec/constants.ts';
import { CAP_MQES } from '../../src/device/registers.ts';
import { identifyControllerOk, useRigs } from '../support/rig.ts';
import type { EmulatedController } from '../../src/emulator.ts';

const rig = useRigs();

const ASQ = 0x100000n;
const ACQ = 0x101000n;
/** CC.EN with 64-byte SQEs and 16-byte CQEs, NVM command set, 4 KiB pages, round robin. */
const CC_VALID = Cc.EN | (6 << Cc.IOSQES_SHIFT) | (4 << Cc.IOCQES_SHIFT);
const AQA_16 = 15 | (15 << 16);

interface Programming {
  readonly aqa?: number;
  readonly asq?: bigint;
  readonly acq?: bigint;
  readonly cc?: number;
}

function program(controller: EmulatedController, p: Programming = {}): number {
  controller.mmioWrite32(Register.AQA, p.aqa ?? AQA_16);
  controller.mmioWrite64(Register.ASQ, p.asq ?? ASQ);
  controller.mmioWrite64(Register.ACQ, p.acq ?? ACQ);
  controller.mmioWrite32(Register.CC, (p.cc ?? CC_VALID) >>> 0);
  return controller.mmioRead32(Register.CSTS);
}

const field = (shift: number, value: number) => (CC_VALID & ~(0xf << shift)) | (value << shift);

const BAD: readonly [string, Programming][] = [
  ['AQA.ASQS = 0 (a submission queue of one entry)', { aqa: 0 | (15 << 16) }],
  ['AQA.ACQS = 0 (a completion queue of one entry)', { aqa: 15 }],
  ['AQA = 0 (both queues of one entry)', { aqa: 0 }],
  ['ASQ not 4 KiB aligned', { asq: ASQ + 0x40n }],
  ['ASQ with only bit 11 set below the page', { asq: ASQ | 0x800n }],
  ['ACQ not 4 KiB aligned', { acq: ACQ + 0x10n }],
  ['CC.MPS = 1 (8 KiB, above CAP.MPSMAX 0)', { cc: field(Cc.MPS_SHIFT, 1) }],
  ['CC.MPS = 15', { cc: field(Cc.MPS_SHIFT, 15) }],
  ['CC.CSS = 1 (reserved)', { cc: (CC_VALID & ~(Cc.CSS_MASK << Cc.CSS_SHIFT)) | (1 << Cc.CSS_SHIFT) }],
  ['CC.CSS = 7 (admin only, not in CAP.CSS)', { cc: (CC_VALID & ~(Cc.CSS_MASK << Cc.CSS_SHIFT)) | (7 << Cc.CSS_SHIFT) }],
  ['CC.AMS = 1 (weighted round robin, not in CAP.AMS)', { cc: (CC_VALID & ~(Cc.AMS_MASK << Cc.AMS_SHIFT)) | (1 << Cc.AMS_SHIFT) }],
  ['CC.AMS = 7 (vendor specific)', { cc: (CC_VALID & ~(Cc.AMS_MASK << Cc.AMS_SHIFT)) | (7 << Cc.AMS_SHIFT) }],
  ['CC.IOSQES = 5 (32-byte SQEs)', { cc: field(Cc.IOSQES_SHIFT, 5) }],
  ['CC.IOSQES = 7 (128-byte SQEs)', { cc: field(Cc.IOSQES_SHIFT, 7) }],
  ['CC.IOCQES = 3 (8-byte CQEs)', { cc: field(Cc.IOCQES_SHIFT, 3) }],
  ['CC.IOCQES = 5 (32-byte CQEs)', { cc: field(Cc.IOCQES_SHIFT, 5) }],
];

describe('an enable the controller cannot honour sets CSTS.CFS, never CSTS.RDY', () => {
  for (const [what, bad] of BAD) {
    it(`${what}: CSTS 02h; CC.EN 1→0 gives 00h; a valid enable gives 01h and commands run`, async () => {
      const { controller, host, trace } = await rig({ enable: false });
      expect(controller.mmioRead32(Register.CSTS)).toBe(0);
      expect(program(controller, bad)).toBe(Csts.CFS);
      expect(trace).toContainEqual(expect.objectContaining({ type: 'controller.enableFailed' }));
      expect(trace.some((e) => e.type === 'controller.enabled')).toBe(false);

      // Writing CC again with EN still 1 (even with valid fields) is no new enable: still fatal.
      controller.mmioWrite32(Register.CC, CC_VALID);
      expect(controller.mmioRead32(Register.CSTS)).toBe(Csts.CFS);

      controller.mmioWrite32(Register.CC, 0);
      expect(controller.mmioRead32(Register.CSTS)).toBe(0);
      expect(program(controller)).toBe(Csts.RDY);

      // The host driver takes over from a ready controller: it resets and enables with its own layout.
      await host.enable();
      expect(controller.mmioRead32(Register.CSTS)).toBe(Csts.RDY);
      await identifyControllerOk(host);
      expect(controller.actor.getSnapshot().status).toBe('active');
    });
  }

  it('a bad enable after a good one (EN 1→0, then bad) is fatal too, and recovers the same way', async () => {
    const { controller, host } = await rig();
    await identifyControllerOk(host);
    controller.mmioWrite32(Register.CC, 0);
    expect(controller.mmioRead32(Register.CSTS)).toBe(0);
    expect(program(controller, { aqa: 0 })).toBe(Csts.CFS);
    controller.mmioWrite32(Register.CC, 0);
    expect(controller.mmioRead32(Register.CSTS)).toBe(0);
    await host.enable();
    expect(controller.mmioRead32(Register.CSTS)).toBe(Csts.RDY);
    await identifyControllerOk(host);
  });

  it('doorbell writes while fatal are ignored and raise no event; the AEN latch is offline', async () => {
    const { controller, host } = await rig({ enable: false });
    expect(program(controller, { cc: field(Cc.MPS_SHIFT, 2) })).toBe(Csts.CFS);
    controller.mmioWrite32(Register.SQ0TDBL, 1);
    controller.mmioWrite32(Register.SQ0TDBL + 4, 1);
    controller.mmioWrite32(Register.SQ0TDBL + 8, 1);
    expect(controller.mmioRead32(Register.CSTS)).toBe(Csts.CFS);
    controller.mmioWrite32(Register.CC, 0);
    await host.enable();
    const aer = await host.submitAer();
    await host.poll();
    expect(host.isOutstanding(aer)).toBe(true); // no Error event was retained from the fatal period
  });

  it('the largest admin queue AQA can express (4096 entries, CAP.MQES + 1) is accepted', async () => {
    const { controller } = await rig({ enable: false });
    expect(CAP_MQES).toBe(0xfff); // AQA.ASQS/ACQS are 12 bits: a larger queue cannot be programmed
    expect(program(controller, { aqa: 0x0fff0fff })).toBe(Csts.RDY);
  });

  it('the smallest valid admin queue (2 entries) is accepted', async () => {
    const { controller } = await rig({ enable: false });
    expect(program(controller, { aqa: 1 | (1 << 16) })).toBe(Csts.RDY);
  });
});
