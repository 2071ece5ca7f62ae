// Controller Configuration decisions (NVMe Base 2.0 §3.1.3.5, §3.5.1): what a CC write asks for, and whether
// an enable can proceed with the admin queue attributes the host programmed. Pure; the controller machine's
// guards call these with the values carried by the `cc.written` event.
import { Cc } from '../spec/constants.ts';
import { CAP_MQES } from '../device/registers.ts';

export const ccEnabled = (cc: number): boolean => (cc & Cc.EN) !== 0;
export const ccShn = (cc: number): number => (cc >>> Cc.SHN_SHIFT) & Cc.SHN_MASK;

export interface AdminQueueGeometry {
  readonly sqBase: number;
  readonly sqSize: number;
  readonly cqBase: number;
  readonly cqSize: number;
}

/** AQA: ASQS [11:0] and ACQS [27:16], both 0's based. */
export function adminQueueGeometry(aqa: number, asq: bigint, acq: bigint): AdminQueueGeometry {
  return { sqSize: (aqa & 0xfff) + 1, cqSize: ((aqa >>> 16) & 0xfff) + 1, sqBase: Number(asq), cqBase: Number(acq) };
}

/** Why an enable with these values cannot proceed, or null if it can (§3.5.1 steps 1–4). */
export function enableFault(e: { cc: number; aqa: number; asq: bigint; acq: bigint; mqes?: number }): string | null {
  const css = (e.cc >>> Cc.CSS_SHIFT) & Cc.CSS_MASK;
  const mps = (e.cc >>> Cc.MPS_SHIFT) & Cc.MPS_MASK;
  const ams = (e.cc >>> Cc.AMS_SHIFT) & Cc.AMS_MASK;
  const iosqes = (e.cc >>> Cc.IOSQES_SHIFT) & Cc.IOSQES_MASK;
  const iocqes = (e.cc >>> Cc.IOCQES_SHIFT) & Cc.IOCQES_MASK;
  if (css !== 0) return `CC.CSS ${css} is not supported (NVM command set only)`;
  if (mps !== 0) return `CC.MPS ${mps} is outside CAP.MPSMIN..MPSMAX (0..0)`;
  if (ams !== 0) return `CC.AMS ${ams} is not supported (round robin only)`;
  if (iosqes !== 0 && iosqes !== 6) return `CC.IOSQES ${iosqes} is not 6 (64-byte entries)`;
  if (iocqes !== 0 && iocqes !== 4) return `CC.IOCQES ${iocqes} is not 4 (16-byte entries)`;
  const asqs = e.aqa & 0xfff;
  const acqs = (e.aqa >>> 16) & 0xfff;
  const mqes = Math.min(e.mqes ?? CAP_MQES, CAP_MQES); // CAP.MQES, and an admin queue holds at most 4096 entries
  if (asqs < 1 || asqs > mqes) return `AQA.ASQS ${asqs} gives a queue of ${asqs + 1} entries, outside 2..${mqes + 1}`;
  if (acqs < 1 || acqs > mqes) return `AQA.ACQS ${acqs} gives a queue of ${acqs + 1} entries, outside 2..${mqes + 1}`;
  if ((e.asq & 0xfffn) !== 0n) return `ASQ 0x${e.asq.toString(16)} is not 4 KiB aligned`;
  if ((e.acq & 0xfffn) !== 0n) return `ACQ 0x${e.acq.toString(16)} is not 4 KiB aligned`;
  return null;
}
