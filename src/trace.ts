// The emulator's trace events: one typed union for everything the facade and the latch report outward.
// The scenario runner and the CLI turn these (and host-side records) into the trace format of SCENARIOS.md.
import type { LatchEmitted } from '../machines/events.ts';
import type { Status } from './spec/constants.ts';

export type TraceEvent =
  | LatchEmitted
  | { type: 'command.fetched'; cid: number; opcode: number; sqhd: number }
  | { type: 'completion.posted'; cid: number; sqid: number; sqhd: number; status: Status; dw0: number }
  | { type: 'completion.refused'; cid: number; reason: string }
  | { type: 'namespace.attachment'; nsid: number; attached: boolean }
  | { type: 'doorbell.invalid'; offset: number; value: number; reason: string }
  | { type: 'register.written'; name: string; value: number }
  | { type: 'controller.enabled'; sqSize: number; cqSize: number }
  | { type: 'controller.reset' }
  | { type: 'controller.enableFailed'; reason: string }
  | { type: 'fault.fired'; side: 'submission' | 'completion' | 'enable'; kind: string; cid: number | null }
  | { type: 'command.dropped'; cid: number; opcode: number };
