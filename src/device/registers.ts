// BAR0 register file (NVMe Base 2.0 §3.1.3): CAP, VS, INTMS/INTMC, CC, CSTS, AQA, ASQ, ACQ and the admin
// doorbells. Stores what the host wrote and turns each write into a typed effect for the facade to route to the
// actors; CSTS is not stored here: the facade computes it from the controller's state tags. No NSSR, CMB, PMR.
import { Register } from '../spec/constants.ts';

/** CAP: MQES 4095 (0's based), CQR 1, DSTRD 0, TO 1 (500 ms units), CSS bit 37 NVM, MPSMIN = MPSMAX = 0 (4 KiB). */
export const CAP_MQES = 4095;
/** CAP with MQES `mqes` (0's based; a controller option may lower or raise it, as OpenVMM's `max_queue_size`). */
export const capValue = (mqes: number): bigint => BigInt(mqes) | (1n << 16n) | (1n << 24n) | (1n << 37n);
export const CAP_VALUE = capValue(CAP_MQES);
export const VS_VALUE = 0x00020000; // 2.0.0
export const DOORBELL_STRIDE = 4;
/** Number of queue pairs whose doorbells exist: the admin queue and the 16 I/O queue pairs (a doorbell of an I/O
 * queue not created is routed and found missing: Invalid Doorbell Register). */
export const DOORBELL_QUEUES = 17;
export const DOORBELL_END = Register.SQ0TDBL + 2 * DOORBELL_QUEUES * DOORBELL_STRIDE;

export type RegisterEffect =
  | { readonly kind: 'none' }
  | { readonly kind: 'cc'; readonly value: number; readonly previous: number }
  | { readonly kind: 'sqTail'; readonly qid: number; readonly value: number }
  | { readonly kind: 'cqHead'; readonly qid: number; readonly value: number }
  /** A write to a doorbell of a queue that does not exist (NVMe Base 2.0 §5.2: Invalid Doorbell Register). */
  | { readonly kind: 'invalidDoorbell'; readonly offset: number; readonly value: number }
  | { readonly kind: 'ignored'; readonly offset: number; readonly reason: string };

const NONE: RegisterEffect = { kind: 'none' };

export class RegisterFile {
  /** CAP as this controller reports it. */
  readonly cap: bigint;
  /** CAP.MQES, 0's based. */
  constructor(readonly mqes: number = CAP_MQES) {
    this.cap = capValue(mqes);
  }
  cc = 0;
  aqa = 0;
  asq = 0n;
  acq = 0n;
  intms = 0;

  /** Reads of the stored registers; CSTS is supplied by the caller (it lives in the controller's state). */
  read32(offset: number, csts: number): number {
    switch (offset) {
      case Register.CAP: return Number(this.cap & 0xffffffffn);
      case Register.CAP + 4: return Number(this.cap >> 32n);
      case Register.VS: return VS_VALUE;
      case Register.INTMS:
      case Register.INTMC: return this.intms;
      case Register.CC: return this.cc;
      case Register.CSTS: return csts;
      case Register.AQA: return this.aqa;
      case Register.ASQ: return Number(this.asq & 0xffffffffn);
      case Register.ASQ + 4: return Number(this.asq >> 32n);
      case Register.ACQ: return Number(this.acq & 0xffffffffn);
      case Register.ACQ + 4: return Number(this.acq >> 32n);
      default: return 0; // reserved and doorbells read as zero
    }
  }

  write32(offset: number, value: number): RegisterEffect {
    value >>>= 0;
    switch (offset) {
      case Register.INTMS: this.intms = (this.intms | value) >>> 0; return NONE;
      case Register.INTMC: this.intms = (this.intms & ~value) >>> 0; return NONE;
      case Register.CC: {
        const previous = this.cc;
        this.cc = value;
        return { kind: 'cc', value, previous };
      }
      case Register.AQA: this.aqa = value & 0x0fff0fff; return NONE;
      case Register.ASQ: this.asq = (this.asq & 0xffffffff00000000n) | BigInt(value); return NONE;
      case Register.ASQ + 4: this.asq = (this.asq & 0xffffffffn) | (BigInt(value) << 32n); return NONE;
      case Register.ACQ: this.acq = (this.acq & 0xffffffff00000000n) | BigInt(value); return NONE;
      case Register.ACQ + 4: this.acq = (this.acq & 0xffffffffn) | (BigInt(value) << 32n); return NONE;
    }
    if (offset >= Register.SQ0TDBL) {
      const index = (offset - Register.SQ0TDBL) / DOORBELL_STRIDE;
      if (!Number.isInteger(index)) return { kind: 'ignored', offset, reason: 'unaligned doorbell write' };
      const qid = index >> 1;
      if (offset >= DOORBELL_END) return { kind: 'invalidDoorbell', offset, value };
      return index % 2 === 0 ? { kind: 'sqTail', qid, value: value & 0xffff } : { kind: 'cqHead', qid, value: value & 0xffff };
    }
    return { kind: 'ignored', offset, reason: 'read-only or reserved register' };
  }

  /** Controller reset leaves AQA/ASQ/ACQ as they are (NVMe Base 2.0 §3.7.2); CC.EN was cleared by the host. */
  resetMask(): void {
    this.intms = 0;
  }
}
