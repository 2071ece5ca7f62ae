// The controller's device, as the machines' ports see it (machines/events.ts ControllerPort, AdminQueuePort): the
// admin rings in guest memory, fetching and routing SQEs (submission faults applied, PRPs resolved, NVMe Base 2.0
// §4.1), answering local commands through the pure handlers, posting CQEs (completion faults applied), and the
// Namespace Attachment data path, and the I/O queues: Create/Delete I/O CQ/SQ (decided by src/logic/io-commands.ts),
// one ioQueue actor per I/O SQ (machines/io-queue.machine.ts) with its ring, completion queue and the block stores.
// The machines decide; this module moves bytes and keeps the commands in flight.
import type { AdminQueuePort, CommandFetched, CommandUnreadable, CompletionUnwritable, ControllerPort, FaultPanicked, IoCommandFetched, IoQueueEvent, IoQueuePort } from '../../machines/events.ts';
import type { IoQueueInput } from '../../machines/io-queue.machine.ts';
import { decideIoCommand, decideQueueCommand, ioDataLength, isQueueCommand, type IoEnv } from '../logic/io-commands.ts';
import { MAX_IO_QUEUES, failure, type CommandAnswer } from '../logic/admin-commands.ts';
import { executeIo, type BlockStores } from './block-store.ts';
import { CAP_MQES } from './registers.ts';
import { AsyncEventInfo, Status as StatusValues } from '../spec/constants.ts';
import { CompletionRing, SubmissionRing, type Completion } from './queues.ts';
import type { GuestMemory } from './guest-memory.ts';
import type { NamespaceTable } from './namespaces.ts';
import { readSegments, resolvePrps, writeSegments, type Segment } from './prp.ts';
import { adminQueueGeometry, enableFault } from '../logic/controller.ts';
import { commandRoute, dataLength, decideAttachment, executeLocalCommand, type CommandEnv } from '../logic/admin-commands.ts';
import { Register, type Status } from '../spec/constants.ts';
import { decodeControllerList } from '../spec/namespace-list.codec.ts';
import { decodeSqe, encodeSqe } from '../spec/sqe.codec.ts';
import { panicMessage, type FaultSet } from '../faults/admin-faults.ts';
import type { TraceEvent } from '../trace.ts';

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
  /** A completion panic fault fired: the admin queue is told `fault.panicked` (the controller goes fatal). */
  readonly panicAdminQueue: (message: string) => void;
  /** Told, for every completion the latch asked for with this DW0 and success status (an AEN), whether it was
   * written to the CQ (now or after a delay) or dropped by a fault: the namespace-change RPC's confirmation
   * under profiles where a dropped AEN leaves the RPC unanswered (OpenVMM). */
  readonly onAenCompletion?: (cid: number, dw0: number, written: boolean) => void;
  readonly isStopped: () => boolean;
  /** The namespaces' data, and what I/O commands are checked against. */
  readonly blocks: BlockStores;
  readonly ioEnv: IoEnv;
  /** Start the actor of a new I/O submission queue (the facade runs it on the controller's engine). */
  readonly startIoQueue: (input: IoQueueInput) => { send(e: IoQueueEvent): void; stop(): void };
  /** An Error event for the AEN latch (an I/O queue's invalid doorbell value, §5.2). */
  readonly raiseError: (info: number) => void;
}

export interface ControllerDevice extends ControllerPort {
  /** Whether the admin rings exist (CC.EN = 1 and not failed to open). */
  readonly enabled: boolean;
  /** A doorbell of I/O queue `qid` (SQ tail or CQ head); false when there is no such queue. */
  ioDoorbell(qid: number, queue: 'sq' | 'cq', value: number): boolean;
  /** An immediate panic (`faults.panic()`): nothing is fetched or posted any more until a reset. */
  panic(message: string): void;
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
  /** A panic fault fired: no command is fetched and no completion written until the rings are reopened. */
  let panicked: string | null = null;
  /** CIDs whose completion a blocking completion delay will hold (decided at the fetch), and the completion held. */
  const holds = new Set<number>();
  let heldCompletion: { c: Completion; at: number } | null = null;
  const panicNow = (message: string, side: 'submission' | 'completion' | 'controller', cid: number | null): void => {
    if (panicked !== null) return;
    panicked = message;
    trace({ type: 'controller.panicked', side, cid, message });
  };

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
    if (!rings || panicked !== null) return;
    const result = rings.cq.post(c);
    if (result === 'unwritable') return cqUnwritable(c.cid);
    if (!tracing()) return;
    if (result === 'refused') trace({ type: 'completion.refused', cid: c.cid, reason: 'completion queue full and hold limit reached' });
    else trace({ type: 'completion.posted', cid: c.cid, sqid: c.sqid, sqhd: c.sqhd, status: c.status, dw0: c.dw0 });
  };
  /** Post a completion, through any completion fault matching the command it answers. */
  const complete = (c: Completion, command: InFlight | undefined): void => {
    const expectsHold = holds.delete(c.cid);
    if (panicked !== null) return;
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
      case 'panic':
        panicNow(panicMessage(b.message), 'completion', c.cid);
        return o.panicAdminQueue(panicked!);
      case 'delay': {
        // Blocking, and the admin queue holds for it (decided at the fetch): the machine's completionHeld state
        // posts it when its delay ends. Otherwise (non-blocking, or a fault added after the fetch) a timer does.
        if (b.blocking && expectsHold) {
          heldCompletion = { c, at: generation };
          return;
        }
        const at = generation;
        setTimeout(() => {
          if (at === generation && !o.isStopped()) delayedWrite(c);
        }, b.ms).unref?.();
        return;
      }
    }
  };
  /** A delayed AEN reports its write to the RPC when it is written (or not, after a reset). */
  const delayedWrite = (c: Completion): void => {
    write(c);
    aenOutcome(c, true);
  };
  /** The AEN confirmation (DeviceOptions.onAenCompletion) of a completion the latch asked for. */
  const aenOutcome = (c: Completion, written: boolean): void => {
    if (o.onAenCompletion && c.dw0 !== 0 && c.status.sct === 0 && c.status.sc === 0) o.onAenCompletion(c.cid, c.dw0, written);
  };
  /** A latch completion: posted through its faults; an AEN's fate is reported (written now, later, or never). */
  const completeForLatch = (c: Completion, command: InFlight | undefined): void => {
    if (!o.onAenCompletion || c.dw0 === 0 || c.status.sct !== 0 || c.status.sc !== 0) return complete(c, command);
    const before = faults.active && command ? faults.findCompletion(command.bytes) : undefined;
    complete(c, command);
    if (panicked !== null) return; // the controller goes fatal: the reset rejects whoever waits
    const kind = before?.behaviour.kind;
    if (kind === 'drop') return aenOutcome(c, false);
    if (kind !== 'delay') aenOutcome(c, true);
  };
  const take = (cid: number): InFlight | undefined => {
    const command = inFlight.get(cid);
    inFlight.delete(cid);
    return command;
  };

  // ---- I/O queues ----
  const ioCqs = new Map<number, { ring: CompletionRing; sqs: Set<number> }>();
  const ioSqs = new Map<number, { ring: SubmissionRing; cqid: number; actor: { send(e: IoQueueEvent): void; stop(): void } }>();
  const queueTable = {
    hasCq: (qid: number) => ioCqs.has(qid),
    hasSq: (qid: number) => ioSqs.has(qid),
    cqInUse: (qid: number) => (ioCqs.get(qid)?.sqs.size ?? 0) > 0,
  };
  const queueLimits = { profile: env.profile, maxQueues: MAX_IO_QUEUES, maxEntries: CAP_MQES + 1, vectors: 1 };
  const INVALID_FIELD_DNR = failure(env.profile, StatusValues.INVALID_FIELD);

  const ioPort = (qid: number, sq: SubmissionRing, cq: CompletionRing): IoQueuePort => {
    const post = (cid: number, sqhd: number, status: Status, dw0: number): void => {
      const result = cq.post({ cid, sqid: qid, sqhd, status, dw0 });
      if (!tracing()) return;
      if (result === 'written' || result === 'held') trace({ type: 'completion.posted', cid, sqid: qid, sqhd, status, dw0 });
      else trace({ type: 'completion.refused', cid, reason: result === 'refused' ? 'completion queue full and hold limit reached' : 'completion queue entry outside guest memory' });
    };
    return {
      fetch(head): IoCommandFetched | CommandUnreadable {
        const entry = sq.fetch(head);
        if (!entry) return { type: 'command.unreadable' };
        const sqe = decodeSqe(entry);
        // SGLS is 0 on this PCIe controller: PSDT must be 00b (PRPs), NVMe Base 2.0 §4.1.2.
        const decision = sqe.psdt !== 0 ? { kind: 'fail' as const, answer: INVALID_FIELD_DNR } : decideIoCommand(sqe, o.ioEnv);
        const length = ioDataLength(decision);
        const r = length > 0 ? resolvePrps(memory, sqe.prp1, sqe.prp2, length) : NO_DATA;
        return { type: 'command.fetched', sqe, decision, segments: r.ok ? r.segments : [], prpStatus: r.ok ? null : r.status };
      },
      post,
      readBlocks(command, sqhd) {
        const answer = executeIo(command.decision, o.blocks);
        if (answer.data) writeSegments(memory, command.segments, answer.data);
        post(command.sqe.cid, sqhd, answer.status, answer.dw0);
      },
      writeBlocks(command, sqhd) {
        const answer = executeIo(command.decision, o.blocks, readSegments(memory, command.segments, ioDataLength(command.decision)));
        post(command.sqe.cid, sqhd, answer.status, answer.dw0);
      },
      reportInvalidDoorbell(value, size) {
        trace({ type: 'doorbell.invalid', offset: Register.SQ0TDBL + 2 * qid * 4, value, reason: `SQ ${qid} tail ${value} is outside a queue of ${size}` });
        o.raiseError(AsyncEventInfo.ERROR_INVALID_DOORBELL_VALUE);
      },
      reportUnreadable() {
        trace({ type: 'completion.refused', cid: -1, reason: `I/O submission queue ${qid} lies outside guest memory` });
      },
    };
  };

  const deleteSq = (qid: number): void => {
    const sq = ioSqs.get(qid);
    if (!sq) return;
    ioSqs.delete(qid);
    ioCqs.get(sq.cqid)?.sqs.delete(qid);
    sq.actor.send({ type: 'queue.deleted' });
    sq.actor.stop();
  };
  const deleteAllIoQueues = (): void => {
    for (const qid of [...ioSqs.keys()]) deleteSq(qid);
    ioCqs.clear();
  };

  /** Create/Delete I/O CQ/SQ: decided by the pure logic, applied to the queue table. */
  const manageQueues = (command: CommandFetched): CommandAnswer => {
    const d = decideQueueCommand(command.sqe, queueTable, queueLimits);
    switch (d.kind) {
      case 'fail':
        return d.answer;
      case 'createCq':
        ioCqs.set(d.qid, { ring: new CompletionRing(memory, Number(d.base), d.size, undefined, d.ien ? o.interrupt : undefined), sqs: new Set() });
        break;
      case 'createSq': {
        const cq = ioCqs.get(d.cqid)!;
        const ring = new SubmissionRing(memory, Number(d.base), d.size);
        const actor = o.startIoQueue({ qid: d.qid, sqSize: d.size, device: ioPort(d.qid, ring, cq.ring) });
        ioSqs.set(d.qid, { ring, cqid: d.cqid, actor });
        cq.sqs.add(d.qid);
        break;
      }
      case 'deleteSq':
        deleteSq(d.qid);
        break;
      case 'deleteCq':
        ioCqs.delete(d.qid);
        break;
    }
    return { status: StatusValues.SUCCESS, dw0: 0 };
  };

  const adminQueue: AdminQueuePort = {
    fetch(head): CommandFetched | CommandUnreadable | CompletionUnwritable | FaultPanicked {
      if (panicked !== null) return { type: 'fault.panicked', message: panicked };
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
        else if (b.kind === 'panic') injected = { kind: 'panic', message: panicMessage(b.message) };
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
      // A blocking completion delay is known from the command (completion faults match on it): the admin queue is
      // told now, so that it holds once the completion is produced. AERs complete later, from the latch: not held.
      const hold = injected === null && r.ok && route.kind !== 'aer' ? faults.findCompletion(bytes) : undefined;
      const completionHold = hold?.behaviour.kind === 'delay' && hold.behaviour.blocking ? hold.behaviour.ms : null;
      if (completionHold !== null) holds.add(sqe.cid);
      const fetched: Fetched = { type: 'command.fetched', sqe, route, segments, prpStatus: r.ok ? null : r.status, fault: injected, ...(completionHold !== null ? { completionHold } : {}), bytes };
      return fetched;
    },
    execute(command, sqhd) {
      const kept = take(command.sqe.cid);
      const answer = isQueueCommand(command.sqe.opcode) ? manageQueues(command) : executeLocalCommand(command.sqe, env);
      if (answer.data && answer.status.sct === 0 && answer.status.sc === 0) writeSegments(memory, command.segments, answer.data);
      complete({ cid: command.sqe.cid, sqid: 0, sqhd, status: answer.status, dw0: answer.dw0 }, kept ?? { bytes: (command as Fetched).bytes, segments: command.segments });
    },
    post(cid, sqhd, status: Status, dw0) {
      completeForLatch({ cid, sqid: 0, sqhd, status, dw0 }, take(cid));
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
    panic(command) {
      take(command.sqe.cid);
      panicNow(command.fault?.kind === 'panic' ? command.fault.message : panicMessage(undefined), 'submission', command.sqe.cid);
    },
    releaseHeldCompletion() {
      const held = heldCompletion;
      heldCompletion = null;
      if (held && held.at === generation && !o.isStopped()) write(held.c);
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
    ioDoorbell(qid, queue, value) {
      if (queue === 'sq') {
        const sq = ioSqs.get(qid);
        if (!sq) return false;
        sq.actor.send({ type: 'doorbell.written', queue: 'sq', value });
        return true;
      }
      const cq = ioCqs.get(qid);
      if (!cq) return false;
      if (value >= cq.ring.size) {
        trace({ type: 'doorbell.invalid', offset: Register.SQ0TDBL + (2 * qid + 1) * 4, value, reason: `CQ ${qid} head ${value} is outside a queue of ${cq.ring.size}` });
        o.raiseError(AsyncEventInfo.ERROR_INVALID_DOORBELL_VALUE);
        return true;
      }
      cq.ring.setHead(value);
      return true;
    },
    panic(message) {
      panicNow(message, 'controller', null);
    },
    adminQueue,
    openQueues(event) {
      const g = adminQueueGeometry(event.aqa, event.asq, event.acq);
      rings = { sq: new SubmissionRing(memory, g.sqBase, g.sqSize), cq: new CompletionRing(memory, g.cqBase, g.cqSize, undefined, o.interrupt) };
      cqFailureReported = false;
      panicked = null;
      trace({ type: 'controller.enabled', sqSize: g.sqSize, cqSize: g.cqSize });
    },
    closeQueues() {
      deleteAllIoQueues();
      rings = null;
      generation++;
      inFlight.clear();
      holds.clear();
      heldCompletion = null;
      trace({ type: 'controller.reset' });
    },
    reportEnableFault(event) {
      trace({ type: 'controller.enableFailed', reason: enableFault(event) ?? 'unknown' });
    },
  };
}
