// The admin queue: fetches SQEs in submission order, one command at a time, as a controller's admin worker does
// (NVMe Base 2.0 §3.3.1, §4.1). Every command takes a transition of this chart: fetched (its route decided once,
// carried on the event), then completed locally, forwarded to the aenLatch (systemId), held for a fault (before
// dispatch, or with its completion: OpenVMM's blocking Delay), or the controller panics on it (fatal). Guest
// memory, the rings and the pure handlers are reached through the device port given as input (AdminQueuePort).
// Both doorbells reach this actor; the CQ's tail, phase and held entries are device state (src/device/queues.ts).
import { assign, enqueueActions, fromPromise, sendTo, setup } from 'xstate';
import type { AdminQueueEvent, AdminQueuePort, CommandFetched, CompletionRequested } from './events.ts';
import { doorbellInvalid, namespaceChanged } from '../src/logic/messages.ts';
import { latchReplied } from '../src/logic/messages.ts';
import { AsyncEventInfo } from '../src/spec/constants.ts';
import type { Profile } from '../src/profiles/profiles.ts';
import type { Segment } from '../src/device/prp.ts';

export interface AdminQueueInput {
  readonly sqSize: number;
  readonly cqSize: number;
  readonly profile: Profile;
  readonly device: AdminQueuePort;
}

export interface AdminQueueContext {
  readonly profile: Profile;
  /** The device port (guest memory, rings, handlers): an explicit port, not state. */
  readonly device: AdminQueuePort;
  readonly sqSize: number;
  readonly cqSize: number;
  /** Next entry to fetch; reported as SQHD in every completion. */
  readonly sqHead: number;
  readonly sqTail: number;
  /** The command in flight: its CID and resolved data pointer (the latch's reply is written there). */
  readonly current: { readonly cid: number; readonly segments: readonly Segment[]; readonly completionHold: number | null } | null;
  /** A command an injected delay holds before dispatch. */
  readonly held: CommandFetched | null;
  /** How long a blocking completion delay holds the queue (ms), while in `completionHeld`. */
  readonly holdMs: number;
  /** Completions the latch asked for while the queue was held: posted, in order, when the hold ends. */
  readonly deferred: readonly CompletionRequested[];
}

export const adminQueueMachine = setup({
  types: {
    context: {} as AdminQueueContext,
    events: {} as AdminQueueEvent,
    input: {} as AdminQueueInput,
  },
  actors: {
    /** Provided: resolves after `ms` (a timer lives outside the machine). */
    faultDelay: fromPromise<void, { ms: number }>(async () => {
      throw new Error("adminQueue actor 'faultDelay' is not provided: the emulator facade supplies it");
    }),
  },
  guards: {
    isDroppedByFault: ({ event }) => event.type === 'command.fetched' && event.fault?.kind === 'drop',
    isDelayedByFault: ({ event }) => event.type === 'command.fetched' && event.fault?.kind === 'delay',
    isPanickedByFault: ({ event }) => event.type === 'command.fetched' && event.fault?.kind === 'panic',
    /** A blocking completion delay matches this locally answered command. */
    hasCompletionHold: ({ event }) => event.type === 'command.fetched' && (event.completionHold ?? null) !== null,
    /** A blocking completion delay matches the command the latch has just answered. */
    isCurrentCompletionHeld: ({ context }) => (context.current?.completionHold ?? null) !== null,
    isValidSqTail: ({ context, event }) => event.type === 'doorbell.written' && event.queue === 'sq' && event.value < context.sqSize,
    isValidCqHead: ({ context, event }) => event.type === 'doorbell.written' && event.queue === 'cq' && event.value < context.cqSize,
    hasTransferError: ({ event }) => event.type === 'command.fetched' && event.prpStatus !== null,
    isAsyncEventRequest: ({ event }) => event.type === 'command.fetched' && event.route.kind === 'aer',
    isLatchCommand: ({ event }) => event.type === 'command.fetched' && event.route.kind === 'latch',
    isNamespaceAttachment: ({ event }) => event.type === 'command.fetched' && event.route.kind === 'attachment',
  },
  actions: {
    storeSqTail: assign({ sqTail: ({ context, event }) => (event.type === 'doorbell.written' ? event.value : context.sqTail) }),
    /** The command at head is consumed and finished with in this step (no command stays in flight). */
    consumeSubmission: assign({ sqHead: ({ context }) => (context.sqHead + 1) % context.sqSize }),
    /** The command at head is consumed and stays in flight until the latch answers it. */
    consumeIntoCurrent: assign(({ context, event }) => ({
      sqHead: (context.sqHead + 1) % context.sqSize,
      current: event.type === 'command.fetched' ? { cid: event.sqe.cid, segments: event.segments, completionHold: event.completionHold ?? null } : null,
    })),
    /** Hold for a blocking completion delay of the command fetched (local) or answered (latch). */
    storeCommandHold: assign({ holdMs: ({ event }) => (event.type === 'command.fetched' ? (event.completionHold ?? 0) : 0) }),
    storeCurrentHold: assign({ holdMs: ({ context }) => context.current?.completionHold ?? 0 }),
    /** The held completion is posted (through the device), then the completions deferred meanwhile are taken again. */
    releaseHeldCompletion: enqueueActions(({ context, enqueue }) => {
      context.device.releaseHeldCompletion();
      for (const c of context.deferred) enqueue.raise(c);
      enqueue.assign({ deferred: [], holdMs: 0 });
    }),
    deferCompletion: assign({ deferred: ({ context, event }) => (event.type === 'completion.requested' ? [...context.deferred, event] : context.deferred) }),
    /** A submission panic fault: the command is not handled; the controller goes fatal. */
    reportPanic: ({ context, event }) => {
      if (event.type === 'command.fetched') context.device.panic(event);
    },
    clearCurrent: assign({ current: null }),
    holdCommand: assign({ held: ({ event }) => (event.type === 'command.fetched' ? event : null) }),
    releaseHeldCommand: enqueueActions(({ context, enqueue }) => {
      if (context.held) enqueue.raise({ ...context.held, fault: null });
      enqueue.assign({ held: null });
    }),
    /** One command at a time: the SQE at head is read (through the port) and raised as `command.fetched`, only
     * when the previous command has been dispatched. */
    fetchNextCommand: enqueueActions(({ context, enqueue }) => {
      if (context.sqHead !== context.sqTail) enqueue.raise(context.device.fetch(context.sqHead));
    }),
    forwardAerToLatch: sendTo(
      ({ system }) => system.get('aenLatch'),
      ({ event }) => ({ type: 'aer.received' as const, cid: event.type === 'command.fetched' ? event.sqe.cid : 0 }),
    ),
    /** Invalid Doorbell Write Value (§5.2 Error event, info 01h): the latch reports it to a parked AER. */
    raiseInvalidDoorbellValue: sendTo(({ system }) => system.get('aenLatch'), () => doorbellInvalid(AsyncEventInfo.ERROR_INVALID_DOORBELL_VALUE)),
    /** The message the command's route carries (decided at the fetch). */
    forwardToLatch: sendTo(
      ({ system }) => system.get('aenLatch'),
      ({ event }) => {
        if (event.type !== 'command.fetched' || event.route.kind !== 'latch') throw new Error('forwardToLatch needs a command routed to the latch');
        return event.route.request;
      },
    ),
    /** A 'local' command: the pure handlers answer it, its data and completion are written. */
    executeCommand: ({ context, event }) => {
      if (event.type === 'command.fetched') context.device.execute(event, context.sqHead);
    },
    /** A data pointer that could not be resolved: Data Transfer Error (the status the resolution gave). */
    completeWithTransferError: ({ context, event }) => {
      if (event.type === 'command.fetched' && event.prpStatus) context.device.post(event.sqe.cid, context.sqHead, event.prpStatus, 0);
    },
    /** Namespace Attachment: validated and applied by the device; the change goes to the latch, which answers the
     * command once it has processed it, or the failure is the reply. */
    applyNamespaceAttachment: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'command.fetched') return;
      const decision = context.device.applyAttachment(event);
      if (decision.kind === 'fail') enqueue.raise(latchReplied(decision.answer.status));
      else enqueue.sendTo(({ system }) => system.get('aenLatch'), namespaceChanged(decision.nsid, { fromCommand: true }));
    }),
    completeLatchCommand: ({ context, event }) => {
      if (event.type === 'latch.replied' && context.current) context.device.completeLatchCommand(context.current, context.sqHead, event);
    },
    /** A completion the latch asked for (AEN, aborted AER, AER over the limit). */
    postCompletion: ({ context, event }) => {
      if (event.type === 'completion.requested') context.device.post(event.cid, context.sqHead, event.status, event.dw0);
    },
    reportDroppedCommand: ({ context, event }) => {
      if (event.type === 'command.fetched') context.device.dropCommand(event);
    },
    moveCqHead: ({ context, event }) => {
      if (event.type === 'doorbell.written') context.device.moveCqHead(event.value);
    },
    /** A doorbell value outside its queue (§5.2 Error event, info 01h): the ring is untouched. */
    reportInvalidDoorbell: ({ context, event }) => {
      if (event.type === 'doorbell.written') context.device.reportInvalidDoorbell(event.queue, event.value, event.queue === 'sq' ? context.sqSize : context.cqSize);
    },
  },
}).createMachine({
  id: 'adminQueue',
  context: ({ input }) => ({ profile: input.profile, device: input.device, sqSize: input.sqSize, cqSize: input.cqSize, sqHead: 0, sqTail: 0, current: null, held: null, holdMs: 0, deferred: [] }),
  initial: 'idle',
  on: {
    'doorbell.written': [
      { guard: 'isValidSqTail', actions: 'storeSqTail', description: 'Remembered; fetched once the command in flight is answered.' },
      { guard: 'isValidCqHead', actions: 'moveCqHead', description: 'The host consumed completions: slots are freed and completions held while the CQ was full are written.' },
      { actions: ['reportInvalidDoorbell', 'raiseInvalidDoorbellValue'], description: 'An SQ tail or CQ head beyond its queue: the write is ignored, the ring is untouched, and an Error event (Invalid Doorbell Write Value, §5.2) is raised.' },
    ],
    'completion.requested': { actions: 'postCompletion', description: 'The latch completes a command it holds: an AEN, an aborted AER, an AER over the limit.' },
    'completion.unwritable': { target: '.failed', description: 'A completion queue entry lies outside guest memory: the completion is written nowhere and the controller fails (fatal status), as when the SQ cannot be read.' },
    'fault.panicked': { target: '.panicked', description: 'Fault: a completion panic fired (OpenVMM AdminQueueFaultBehavior::Panic): the controller goes fatal.' },
  },
  states: {
    idle: {
      description: 'No command in flight. A tail doorbell past SQ head starts fetching: the SQE at head is read, its data pointer resolved (PRP1/PRP2, §4.1.1) and its route decided, and it arrives as command.fetched.',
      on: {
        'doorbell.written': { guard: 'isValidSqTail', actions: ['storeSqTail', 'fetchNextCommand'], description: 'The new tail is stored and the command at head is fetched.' },
        'command.fetched': [
          { guard: 'isDroppedByFault', actions: ['consumeSubmission', 'reportDroppedCommand', 'fetchNextCommand'], description: 'Fault: the command is consumed and never completed.' },
          { guard: 'isDelayedByFault', target: 'delayed', actions: 'holdCommand', description: 'Fault: the whole admin queue waits before this command is dispatched.' },
          { guard: 'isPanickedByFault', target: 'panicked', actions: ['consumeSubmission', 'reportPanic'], description: 'Fault: the controller panics on this command (OpenVMM AdminQueueFaultBehavior::Panic): it is never handled or completed, and the controller goes fatal (CSTS.CFS).' },
          { guard: 'hasTransferError', actions: ['consumeSubmission', 'completeWithTransferError', 'fetchNextCommand'], description: 'A data pointer outside guest memory: Data Transfer Error (0/04h).' },
          { guard: 'isAsyncEventRequest', actions: ['consumeSubmission', 'forwardAerToLatch', 'fetchNextCommand'], description: 'AERs never hold the queue: the latch parks them and they complete when an event is reported (§5.2).' },
          { guard: 'isLatchCommand', target: 'awaitingLatch', actions: ['consumeIntoCurrent', 'forwardToLatch'], description: 'Get Log Page 01h/04h, Features 0Bh, Abort (per profile): the latch answers.' },
          { guard: 'isNamespaceAttachment', target: 'awaitingLatch', actions: ['consumeIntoCurrent', 'applyNamespaceAttachment'], description: 'Namespace Attachment (§5.23): applied, then answered once the latch has processed the change (its AEN, if any, posted first).' },
          { guard: 'hasCompletionHold', target: 'completionHeld', actions: ['consumeSubmission', 'storeCommandHold', 'executeCommand'], description: 'Fault: answered by the pure handlers, but a blocking completion delay holds its completion and the whole queue.' },
          { actions: ['consumeSubmission', 'executeCommand', 'fetchNextCommand'], description: 'Answered at once by the pure handlers (Identify, other log pages and features, Keep Alive, unknown opcodes).' },
        ],
        'command.unreadable': { target: 'failed' },
      },
    },
    delayed: {
      description: 'An injected submission delay holds the admin queue, as OpenVMM\'s Delay fault blocks its admin worker.',
      invoke: { id: 'faultDelay', src: 'faultDelay', input: ({ context }) => ({ ms: context.held?.fault?.kind === 'delay' ? context.held.fault.ms : 0 }), onDone: { target: 'idle', actions: 'releaseHeldCommand' } },
    },
    awaitingLatch: {
      description: 'The AEN latch answers this command (Get Log Page 01h and 04h, Features 0Bh, Abort, Namespace Attachment).',
      on: {
        'latch.replied': [
          { guard: 'isCurrentCompletionHeld', target: 'completionHeld', actions: ['storeCurrentHold', 'completeLatchCommand', 'clearCurrent'], description: 'Fault: a blocking completion delay holds the answer and the whole queue.' },
          { target: 'idle', actions: ['completeLatchCommand', 'clearCurrent', 'fetchNextCommand'] },
        ],
      },
    },
    completionHeld: {
      description: "A blocking completion delay holds the whole admin queue, as OpenVMM's admin worker awaits its Delay inline before writing the completion: no command is fetched and no other completion is posted until it ends.",
      invoke: { id: 'faultDelay', src: 'faultDelay', input: ({ context }) => ({ ms: context.holdMs }), onDone: { target: 'idle', actions: ['releaseHeldCompletion', 'fetchNextCommand'] } },
      on: {
        'completion.requested': { actions: 'deferCompletion', description: 'An AEN (or another completion the latch owns) waits behind the held completion.' },
      },
    },
    panicked: {
      description: "Fault: the controller panicked (OpenVMM's Panic fault): outstanding commands never complete; the controller is fatal (CSTS.CFS) until CC.EN 1→0 resets it (§3.1.3.6).",
      type: 'final',
    },
    failed: {
      description: 'The submission or completion queue lies outside guest memory: the controller cannot fetch commands or post completions (fatal status).',
      type: 'final',
    },
  },
});
