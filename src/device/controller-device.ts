// The controller's device, as the machines' ports see it (machines/events.ts ControllerPort, AdminQueuePort): the
// admin rings in guest memory, fetching and routing SQEs (submission faults applied, PRPs resolved, NVMe Base 2.0
// §4.1), answering local commands through the pure handlers, posting CQEs (completion faults applied), and the
// Namespace Attachment data path. The machines decide; this module moves bytes and keeps the commands in flight.
import type { AdminQueuePort, CommandFetched, CommandUnreadable, CompletionUnwritable, ControllerPort } from '../../machines/events.ts';
import { CompletionRing, SubmissionRing, type Completion } from './queues.ts';
import type { GuestMemory } from './guest-memory.ts';
import type { NamespaceTable } from './namespaces.ts';
import { readSegments, resolvePrps, writeSegments, type Segment } from './prp.ts';
import { adminQueueGeometry, enableFault } from '../logic/controller.ts';
import { commandRoute, dataLength, decideAttachment, executeLocalCommand, type CommandEnv } from '../logic/admin-commands.ts';
import { Register, type Status } from '../spec/constants.ts';
import { decodeControllerList } from '../spec/namespace-list.codec.ts';
import { decodeSqe, encodeSqe } from '../spec/sqe.codec.ts';
import type { FaultSet } from '../faults/admin-faults.ts';
import type { TraceEvent } from '../trace.ts';
import { parameterErrorLocationOf, type ErrorRecord } from '../logic/health.ts';

export interface DeviceOptions {
  readonly memory: GuestMemory;
  readonly namespaces: NamespaceTable;
  readonly env: CommandEnv;
  readonly faults: FaultSet;
  /** Trace sink, and whether anyone listens (traces are built only then). */
  readonly trace: (e: TraceEvent) => void;
  readonly tracing: () => boolean;
  /** Called after each CQE is written (the interrupt source for vector 0). */
  readonly interrupt: () => void;
  /** A CQE could not be written outside a step of the admin queue (a delayed completion, a CQ head doorbell): the
   * admin queue is told `completion.unwritable`. */
  readonly failAdminQueue: () => void;
  readonly isStopped: () => boolean;
  /** A command completed with an error status: its Error Information log entry (NVMe Base 2.0 §5.16.1.2). */
  readonly recordError?: (record: ErrorRecord) => void;
}

export interface ControllerDevice extends ControllerPort {
  /** Whether the admin rings exist (CC.EN = 1 and not failed to open). */
  readonly enabled: boolean;
}

interface InFlight {
  readonly bytes: Uint8Array;
  readonly segments: readonly Segment[];
}
const NO_DATA = { ok: true as const, segments: [] as readonly Segment[] };
type Fetched = CommandFetched & { bytes: Uint8Array };

export function createControllerDevice(o: DeviceOptions): ControllerDevice {
  const { memory, env, faults, trace, tracing } = o;
  let rings: { sq: SubmissionRing; cq: CompletionRing } | null = null;
  /** Commands fetched and not yet completed, by CID (not the local ones, answered in the step that fetched them):
   * what completion faults match on and write to. */
  const inFlight = new Map<number, InFlight>();
  let generation = 0; // bumped by every reset: a delayed completion of an older generation is never posted
  let cqFailureReported = false;

  /** A completion queue entry outside guest memory: the completion is written nowhere (the trace says so, never
   * `completion.posted`), and the admin queue fails as when the SQ cannot be read: CSTS.CFS (QEMU's nvme_post_cqes
   * sets CFS on a failed CQE write). */
  const cqUnwritable = (cid: number): void => {
    trace({ type: 'completion.refused', cid, reason: 'completion queue entry outside guest memory' });
    if (cqFailureReported) return;
    cqFailureReported = true;
    o.failAdminQueue();
  };
  const write = (c: Completion): void => {
    if (!rings) return;
    const result = rings.cq.post(c);
    if (result === 'unwritable') return cqUnwritable(c.cid);
    if (!tracing()) return;
    if (result === 'refused') trace({ type: 'completion.refused', cid: c.cid, reason: 'completion queue full and hold limit reached' });
    else trace({ type: 'completion.posted', cid: c.cid, sqid: c.sqid, sqhd: c.sqhd, status: c.status, dw0: c.dw0 });
  };
  /** Post a completion, through any completion fault matching the command it answers. */
  const complete = (c: Completion, command: InFlight | undefined): void => {
    if ((c.status.sct !== 0 || c.status.sc !== 0) && o.recordError && command) {
      const sqe = decodeSqe(command.bytes);
      o.recordError({ sqid: c.sqid, cid: c.cid, status: c.status, parameterErrorLocation: parameterErrorLocationOf(sqe.opcode, c.status), lba: 0n, nsid: sqe.nsid });
    }
    const fault = command ? faults.findCompletion(command.bytes) : undefined;
    if (!fault) return write(c);
    fault.fire();
    const b = fault.behaviour;
    trace({ type: 'fault.fired', side: 'completion', kind: b.kind, cid: c.cid });
    switch (b.kind) {
      case 'verify':
        return write(c);
      case 'drop':
        return;
      case 'update':
        return write({ ...c, ...b.completion });
      case 'customPayload':
        writeSegments(memory, command!.segments, b.data);
        return write(c);
      case 'delay': {
        const at = generation;
        setTimeout(() => {
          if (at === generation && !o.isStopped()) write(c);
        }, b.ms).unref?.();
        return;
      }
    }
  };
  const take = (cid: number): InFlight | undefined => {
    const command = inFlight.get(cid);
    inFlight.delete(cid);
    return command;
  };

  const adminQueue: AdminQueuePort = {
    fetch(head): CommandFetched | CommandUnreadable | CompletionUnwritable {
      if (rings?.cq.failed) return { type: 'completion.unwritable' };
      const entry = rings?.sq.fetch(head);
      if (!entry) return { type: 'command.unreadable' };
      let bytes = entry;
      const fault = faults.findSubmission(bytes);
      let injected: CommandFetched['fault'] = null;
      if (fault) {
        fault.fire();
        const b = fault.behaviour;
        trace({ type: 'fault.fired', side: 'submission', kind: b.kind, cid: decodeSqe(bytes).cid });
        if (b.kind === 'update') bytes = encodeSqe({ ...decodeSqe(bytes), ...b.command });
        else if (b.kind === 'drop') injected = { kind: 'drop' };
        else if (b.kind === 'delay') injected = { kind: 'delay', ms: b.ms };
      }
      const sqe = decodeSqe(bytes);
      const length = dataLength(sqe);
      const r = length > 0 ? resolvePrps(memory, sqe.prp1, sqe.prp2, length) : NO_DATA;
      if (tracing()) trace({ type: 'command.fetched', cid: sqe.cid, opcode: sqe.opcode, sqhd: head });
      const route = commandRoute(sqe, env.profile);
      const segments = r.ok ? r.segments : [];
      // A command completed later (by the latch, after a fault, an AER) keeps a copy of its bytes: completion faults
      // match on them. A local command is answered in the step that fetched it, from the ring's scratch entry.
      if (route.kind !== 'local' || injected !== null || !r.ok) inFlight.set(sqe.cid, { bytes: bytes.slice(), segments });
      const fetched: Fetched = { type: 'command.fetched', sqe, route, segments, prpStatus: r.ok ? null : r.status, fault: injected, bytes };
      return fetched;
    },
    execute(command, sqhd) {
      const kept = take(command.sqe.cid);
      const answer = executeLocalCommand(command.sqe, env);
      if (answer.data && answer.status.sct === 0 && answer.status.sc === 0) writeSegments(memory, command.segments, answer.data);
      complete({ cid: command.sqe.cid, sqid: 0, sqhd, status: answer.status, dw0: answer.dw0 }, kept ?? { bytes: (command as Fetched).bytes, segments: command.segments });
    },
    post(cid, sqhd, status: Status, dw0) {
      complete({ cid, sqid: 0, sqhd, status, dw0 }, take(cid));
    },
    completeLatchCommand(current, sqhd, reply) {
      if (reply.data) writeSegments(memory, current.segments, reply.data);
      complete({ cid: current.cid, sqid: 0, sqhd, status: reply.status, dw0: reply.dw0 }, take(current.cid));
    },
    applyAttachment(command) {
      const decision = decideAttachment(command.sqe, decodeControllerList(readSegments(memory, command.segments, 4096)), env);
      if (decision.kind === 'change') {
        o.namespaces.setAttached(decision.nsid, decision.attach);
        trace({ type: 'namespace.attachment', nsid: decision.nsid, attached: decision.attach });
      }
      return decision;
    },
    dropCommand(command) {
      take(command.sqe.cid);
      trace({ type: 'command.dropped', cid: command.sqe.cid, opcode: command.sqe.opcode });
    },
    moveCqHead(head) {
      if (rings && !rings.cq.setHead(head)) cqUnwritable(-1);
    },
    reportInvalidDoorbell(queue, value, size) {
      const offset = queue === 'sq' ? Register.SQ0TDBL : Register.SQ0TDBL + 4;
      trace({ type: 'doorbell.invalid', offset, value, reason: `${queue === 'sq' ? 'SQ tail' : 'CQ head'} ${value} is outside a queue of ${size}` });
    },
  };

  return {
    get enabled() {
      return rings !== null;
    },
    adminQueue,
    openQueues(event) {
      const g = adminQueueGeometry(event.aqa, event.asq, event.acq);
      rings = { sq: new SubmissionRing(memory, g.sqBase, g.sqSize), cq: new CompletionRing(memory, g.cqBase, g.cqSize, undefined, o.interrupt) };
      cqFailureReported = false;
      trace({ type: 'controller.enabled', sqSize: g.sqSize, cqSize: g.cqSize });
    },
    closeQueues() {
      rings = null;
      generation++;
      inFlight.clear();
      trace({ type: 'controller.reset' });
    },
    reportEnableFault(event) {
      trace({ type: 'controller.enableFailed', reason: enableFault(event) ?? 'unknown' });
    },
  };
}
