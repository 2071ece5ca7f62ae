// BAR0 MMIO wiring (NVMe Base 2.0 §3.1): what a register write means to the actors. CC writes go to the controller
// (with any enable fault in force), both admin doorbells to the admin queue (which validates them: one path for an
// invalid SQ tail or CQ head), an I/O queue's doorbells to the device (its SQ tail to that queue's ioQueue actor),
// a doorbell of a queue that does not exist to the AEN latch as an Error event (Write to Invalid Doorbell Register,
// §5.2). CSTS is read from the controller's state tags.
import type { AnyActorRef } from 'xstate';
import type { CcWritten, DoorbellInvalid, DoorbellWritten } from '../../machines/events.ts';
import { AsyncEventInfo, Csts } from '../spec/constants.ts';
import type { RegisterFile } from './registers.ts';
import type { FaultSet } from '../faults/admin-faults.ts';
import type { TraceEvent } from '../trace.ts';

export interface MmioWiring {
  readonly registers: RegisterFile;
  readonly faults: FaultSet;
  readonly trace: (e: TraceEvent) => void;
  /** The controller actor (CC writes, CSTS tags) and, by systemId, the admin queue and the latch. */
  readonly controller: { send(e: CcWritten): void; getSnapshot(): { hasTag(tag: string): boolean }; system: { get(id: string): AnyActorRef | undefined } };
  /** Whether the admin rings exist (an invalid-register Error event is raised only then). */
  readonly enabled: () => boolean;
  /** An I/O queue's doorbell (QID > 0): false when the queue does not exist. */
  readonly ioDoorbell?: (qid: number, queue: 'sq' | 'cq', value: number) => boolean;
}

export interface Mmio {
  read32(offset: number): number;
  read64(offset: number): bigint;
  write32(offset: number, value: number): void;
  write64(offset: number, value: bigint): void;
}

export function createMmio(w: MmioWiring): Mmio {
  const { registers, faults, trace, controller } = w;
  const csts = (): number => {
    const s = controller.getSnapshot();
    let v = 0;
    if (s.hasTag('csts.rdy')) v |= Csts.RDY;
    if (s.hasTag('csts.cfs')) v |= Csts.CFS;
    if (s.hasTag('csts.shst.occurring')) v |= Csts.SHST_OCCURRING << Csts.SHST_SHIFT;
    if (s.hasTag('csts.shst.complete')) v |= Csts.SHST_COMPLETE << Csts.SHST_SHIFT;
    return v;
  };
  const doorbell = (e: DoorbellWritten): void => {
    controller.system.get('adminQueue')?.send(e);
  };
  const write32 = (offset: number, value: number): void => {
    const effect = registers.write32(offset, value);
    switch (effect.kind) {
      case 'cc': {
        trace({ type: 'register.written', name: 'CC', value: effect.value });
        const enabling = (effect.value & 1) === 1 && (effect.previous & 1) === 0;
        const fault = enabling ? faults.findEnable() : undefined;
        if (fault) {
          fault.fire();
          trace({ type: 'fault.fired', side: 'enable', kind: fault.behaviour.kind, cid: null });
        }
        controller.send({ type: 'cc.written', cc: effect.value, previous: effect.previous, aqa: registers.aqa, asq: registers.asq, acq: registers.acq, mqes: registers.mqes, enableFault: fault?.behaviour ?? null });
        if ((effect.value & 1) === 0) registers.resetMask();
        return;
      }
      case 'sqTail':
      case 'cqHead': {
        const queue = effect.kind === 'sqTail' ? 'sq' : 'cq';
        if (effect.qid === 0) return doorbell({ type: 'doorbell.written', queue, value: effect.value });
        if (w.ioDoorbell?.(effect.qid, queue, effect.value)) return;
        return invalidDoorbell(offset, value);
      }
      case 'invalidDoorbell':
        return invalidDoorbell(effect.offset, effect.value);
      default:
        return;
    }
  };
  /** A doorbell of a queue that does not exist: an Error event, Write to Invalid Doorbell Register (§5.2). */
  const invalidDoorbell = (offset: number, value: number): void => {
    trace({ type: 'doorbell.invalid', offset, value, reason: 'no such queue' });
    const e: DoorbellInvalid = { type: 'doorbell.invalid', info: AsyncEventInfo.ERROR_INVALID_DOORBELL_REGISTER };
    if (w.enabled()) controller.system.get('aenLatch')?.send(e);
  };
  return {
    read32: (offset) => registers.read32(offset, csts()),
    read64: (offset) => BigInt(registers.read32(offset, csts())) | (BigInt(registers.read32(offset + 4, csts())) << 32n),
    write32,
    write64: (offset, value) => {
      write32(offset, Number(value & 0xffffffffn));
      write32(offset + 4, Number((value >> 32n) & 0xffffffffn));
    },
  };
}
