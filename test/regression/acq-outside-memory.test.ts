// Regression (issue 13 item 15): an admin completion queue outside guest memory was accepted.
// Symptom: with ACQ past the end of guest memory, CSTS.RDY=1 and every completion was written nowhere while the
// trace said `completion.posted`; the controller ran on as if the host had been answered. An ASQ outside memory
// correctly gave CSTS.CFS at the first fetch. Cause: the completion ring ignored the failed guest-memory write and
// the facade traced every post as posted. Fix: a CQE that cannot be written fails the ring; the trace records
// `completion.refused` (never `completion.posted`), and the admin queue fails as for an unreadable SQ: CSTS.CFS
// (QEMU's nvme_post_cqes sets CFS on a failed CQE write).
import { describe, expect, it } from 'vitest';
import { createController } from '../../src/emulator.ts';
import { AdminOpcode, Csts, Register } from '../../src/spec/constants.ts';
import { encodeSqe, sqe } from '../../src/spec/sqe.codec.ts';
import type { TraceEvent } from '../../src/trace.ts';

describe('regression: ACQ outside guest memory', () => {
  it('the first completion fails the controller (CSTS.CFS) and is never traced as posted', () => {
    const controller = createController({ memorySize: 4 * 1024 * 1024 });
    const trace: TraceEvent[] = [];
    controller.onTrace((e) => trace.push(e));
    const asq = 0x10000;
    controller.memory.write(BigInt(asq), encodeSqe(sqe({ opcode: AdminOpcode.KEEP_ALIVE, cid: 7 })));
    controller.memory.write(BigInt(asq + 64), encodeSqe(sqe({ opcode: AdminOpcode.KEEP_ALIVE, cid: 8 })));
    controller.mmioWrite32(Register.AQA, 15 | (15 << 16));
    controller.mmioWrite64(Register.ASQ, BigInt(asq));
    controller.mmioWrite64(Register.ACQ, BigInt(controller.memory.size)); // aligned, just past the end
    controller.mmioWrite32(Register.CC, 1 | (6 << 16) | (4 << 20));
    expect(controller.mmioRead32(Register.CSTS) & Csts.RDY).toBe(Csts.RDY); // as with an ASQ outside memory
    controller.mmioWrite32(Register.SQ0TDBL, 2);
    expect(controller.mmioRead32(Register.CSTS) & Csts.CFS).toBe(Csts.CFS);
    expect(trace.filter((e) => e.type === 'completion.posted')).toEqual([]);
    expect(trace.filter((e) => e.type === 'completion.refused')).toEqual([{ type: 'completion.refused', cid: 7, reason: 'completion queue entry outside guest memory' }]);
    // CC.EN 1→0 then a good ACQ: the controller works again.
    controller.mmioWrite32(Register.CC, 0);
    controller.mmioWrite64(Register.ACQ, 0x20000n);
    controller.mmioWrite32(Register.CC, 1 | (6 << 16) | (4 << 20));
    expect(controller.mmioRead32(Register.CSTS)).toBe(Csts.RDY);
    controller.memory.write(BigInt(asq), encodeSqe(sqe({ opcode: AdminOpcode.KEEP_ALIVE, cid: 9 })));
    controller.mmioWrite32(Register.SQ0TDBL, 1);
    expect(trace.filter((e) => e.type === 'completion.posted').map((e) => (e as { cid: number }).cid)).toEqual([9]);
    controller.stop();
  });

  it('an ACQ whose end lies outside memory fails at the first entry that cannot be written', () => {
    const controller = createController({ memorySize: 1024 * 1024 });
    const trace: TraceEvent[] = [];
    controller.onTrace((e) => trace.push(e));
    const asq = 0x10000;
    for (let i = 0; i < 3; i++) controller.memory.write(BigInt(asq + i * 64), encodeSqe(sqe({ opcode: AdminOpcode.KEEP_ALIVE, cid: i })));
    controller.mmioWrite32(Register.AQA, 15 | (4095 << 16));
    controller.mmioWrite64(Register.ASQ, BigInt(asq));
    controller.mmioWrite64(Register.ACQ, BigInt(controller.memory.size - 0x1000) + 0n); // room for 256 entries only
    controller.mmioWrite32(Register.CC, 1 | (6 << 16) | (4 << 20));
    controller.mmioWrite32(Register.SQ0TDBL, 3);
    expect(controller.mmioRead32(Register.CSTS) & Csts.CFS).toBe(0); // three entries fit
    expect(trace.filter((e) => e.type === 'completion.posted')).toHaveLength(3);
    controller.stop();
  });
});
