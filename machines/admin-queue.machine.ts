// The admin queue: fetches SQEs in submission order, one command at a time, as a controller's admin worker does
// (NVMe Base 2.0 §3.3.1, §4.1). Commands that need AEN state go to the aenLatch (systemId) and complete when it
// replies; AERs are handed over and complete later; everything else completes at once through the pure handlers.
// Guest-memory access (fetch, data transfer, CQE writes) is done by actions the emulator facade provides. The CQ's
// tail, phase and head are device state (src/device/queues.ts): a CQ head doorbell never reaches this actor.
import { assign, enqueueActions, fromPromise, sendTo, setup } from 'xstate';
import type { AdminQueueEvent, CommandFetched } from './events.ts';
import { latchRequest, routeCommand } from '../src/logic/admin-commands.ts';
import { doorbellInvalid } from '../src/logic/messages.ts';
import { AsyncEventInfo } from '../src/spec/constants.ts';
import type { Profile } from '../src/profiles/profiles.ts';
import type { Segment } from '../src/device/prp.ts';

export interface AdminQueueInput {
  readonly sqSize: number;
  readonly profile: Profile;
}

export interface AdminQueueContext {
  readonly profile: Profile;
  readonly sqSize: number;
  /** Next entry to fetch; reported as SQHD in every completion. */
  readonly sqHead: number;
  readonly sqTail: number;
  /** The command in flight: its CID and resolved data pointer (the latch's reply is written there). */
  readonly current: { readonly cid: number; readonly segments: readonly Segment[] } | null;
  /** A command an injected delay holds before dispatch. */
  readonly held: CommandFetched | null;
}

const notProvided = (name: string) => () => {
  throw new Error(`adminQueue action '${name}' is not provided: the emulator facade supplies it`);
};

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
    isValidSqTail: ({ context, event }) => event.type === 'sq.tail.written' && event.value < context.sqSize,
    hasTransferError: ({ event }) => event.type === 'command.fetched' && event.prpStatus !== null,
    isAsyncEventRequest: ({ context, event }) => event.type === 'command.fetched' && routeCommand(event.sqe, context.profile) === 'aer',
    isLatchCommand: ({ context, event }) => event.type === 'command.fetched' && routeCommand(event.sqe, context.profile) === 'latch',
    isNamespaceAttachment: ({ context, event }) => event.type === 'command.fetched' && routeCommand(event.sqe, context.profile) === 'attachment',
  },
  actions: {
    storeSqTail: assign({ sqTail: ({ context, event }) => (event.type === 'sq.tail.written' ? event.value : context.sqTail) }),
    /** The command at head is consumed and finished with in this step (no command stays in flight). */
    consumeSubmission: assign({ sqHead: ({ context }) => (context.sqHead + 1) % context.sqSize }),
    /** The command at head is consumed and stays in flight until the latch answers it. */
    consumeIntoCurrent: assign(({ context, event }) => ({
      sqHead: (context.sqHead + 1) % context.sqSize,
      current: event.type === 'command.fetched' ? { cid: event.sqe.cid, segments: event.segments } : null,
    })),
    clearCurrent: assign({ current: null }),
    holdCommand: assign({ held: ({ event }) => (event.type === 'command.fetched' ? event : null) }),
    releaseHeldCommand: enqueueActions(({ context, enqueue }) => {
      if (context.held) enqueue.raise({ ...context.held, fault: null });
      enqueue.assign({ held: null });
    }),
    /** One command at a time: the next SQE is fetched only when the previous command has been dispatched. */
    fetchNextCommand: enqueueActions(({ context, enqueue }) => {
      if (context.sqHead !== context.sqTail) enqueue('fetchCommand');
    }),
    forwardAerToLatch: sendTo(
      ({ system }) => system.get('aenLatch'),
      ({ event }) => ({ type: 'aer.received' as const, cid: event.type === 'command.fetched' ? event.sqe.cid : 0 }),
    ),
    /** Invalid Doorbell Write Value (§5.2 Error event, info 01h): the latch reports it to a parked AER. */
    raiseInvalidDoorbellValue: sendTo(({ system }) => system.get('aenLatch'), () => doorbellInvalid(AsyncEventInfo.ERROR_INVALID_DOORBELL_VALUE)),
    forwardToLatch: sendTo(
      ({ system }) => system.get('aenLatch'),
      ({ event }) => {
        if (event.type !== 'command.fetched') throw new Error('forwardToLatch needs a fetched command');
        return latchRequest(event.sqe);
      },
    ),
    /** Provided: take the new SQ tail (on a doorbell) and read SQEs from sqHead towards it. A command the pure
     * handlers answer (no fault, data pointer resolved) is completed on the spot, and an AER is handed to the latch
     * (`aer.received`); head moves past them with no event per command. The first command that needs this chart (a
     * latch command, an attachment, a fault, a transfer error) is raised as `command.fetched` and fetching stops
     * there; an SQ outside guest memory raises `command.unreadable`. */
    fetchCommand: notProvided('fetchCommand'),
    /** Provided: handle a 'local' command, transfer its data and post its completion. */
    executeCommand: notProvided('executeCommand'),
    /** Provided: post the completion of a command whose data pointer could not be resolved. */
    completeWithTransferError: notProvided('completeWithTransferError'),
    /** Provided: validate and apply a Namespace Attachment, then tell the latch, or raise the failure reply. */
    applyNamespaceAttachment: notProvided('applyNamespaceAttachment'),
    /** Provided: write the latch's data (if any) and post the waiting command's completion. */
    completeLatchCommand: notProvided('completeLatchCommand'),
    /** Provided: post a completion the latch asked for (AEN, aborted AER, AER over the limit). */
    postCompletion: notProvided('postCompletion'),
    /** Provided: a submission fault dropped the command (trace). */
    reportDroppedCommand: notProvided('reportDroppedCommand'),
    /** Provided: a tail doorbell value outside the queue (§5.2 Error event, info 01h); the ring is untouched. */
    reportInvalidDoorbell: notProvided('reportInvalidDoorbell'),
  },
}).createMachine({
  id: 'adminQueue',
  context: ({ input }) => ({ profile: input.profile, sqSize: input.sqSize, sqHead: 0, sqTail: 0, current: null, held: null }),
  initial: 'idle',
  on: {
    'sq.tail.written': [
      { guard: 'isValidSqTail', actions: 'storeSqTail', description: 'Remembered; fetched once the command in flight is answered.' },
      { actions: ['reportInvalidDoorbell', 'raiseInvalidDoorbellValue'], description: 'Tail beyond the queue size: the write is ignored, the ring is untouched, and an Error event (Invalid Doorbell Write Value, §5.2) is raised.' },
    ],
    'completion.requested': { actions: 'postCompletion' },
    'completion.unwritable': { target: '.failed', description: 'A completion queue entry lies outside guest memory: the completion is written nowhere and the controller fails (fatal status), as when the SQ cannot be read.' },
  },
  states: {
    idle: {
      description: 'No command in flight. A tail doorbell past SQ head starts fetching: SQEs are read from head and their data pointers resolved (PRP1/PRP2, §4.1.1). Commands the pure handlers answer complete during the fetch and AERs go to the latch; the first command that needs this chart arrives as command.fetched.',
      on: {
        'sq.tail.written': [
          { guard: 'isValidSqTail', actions: 'fetchCommand', description: 'The new tail is stored and the commands up to it are fetched, in one step.' },
          { actions: ['reportInvalidDoorbell', 'raiseInvalidDoorbellValue'], description: 'Tail beyond the queue size: the write is ignored, the ring is untouched, and an Error event (Invalid Doorbell Write Value, §5.2) is raised.' },
        ],
        'command.fetched': [
          { guard: 'isDroppedByFault', actions: ['consumeSubmission', 'reportDroppedCommand', 'fetchNextCommand'], description: 'Fault: the command is consumed and never completed.' },
          { guard: 'isDelayedByFault', target: 'delayed', actions: 'holdCommand', description: 'Fault: the whole admin queue waits before this command is dispatched.' },
          { guard: 'hasTransferError', actions: ['consumeSubmission', 'completeWithTransferError', 'fetchNextCommand'], description: 'A data pointer outside guest memory: Data Transfer Error (0/04h).' },
          { guard: 'isAsyncEventRequest', actions: ['consumeSubmission', 'forwardAerToLatch', 'fetchNextCommand'], description: 'AERs are parked by the latch and complete when an event is reported (§5.2); the fetch hands most over itself, this takes one an injected delay held.' },
          { guard: 'isLatchCommand', target: 'awaitingLatch', actions: ['consumeIntoCurrent', 'forwardToLatch'] },
          { guard: 'isNamespaceAttachment', target: 'awaitingLatch', actions: ['consumeIntoCurrent', 'applyNamespaceAttachment'] },
          { actions: ['consumeSubmission', 'executeCommand', 'fetchNextCommand'], description: 'Answered at once by the pure handlers: a command the fetch handed over without completing it (one an injected delay held).' },
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
        'latch.replied': { target: 'idle', actions: ['completeLatchCommand', 'clearCurrent', 'fetchNextCommand'] },
      },
    },
    failed: {
      description: 'The submission or completion queue lies outside guest memory: the controller cannot fetch commands or post completions (fatal status).',
      type: 'final',
    },
  },
});
