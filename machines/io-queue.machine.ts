// An I/O submission queue: fetches SQEs in submission order and answers each NVM command (NVMe Base 2.0 §3.3.1,
// §4.1; NVM Command Set 1.0 §3.2 Read, Write, Flush), as the admin queue does for admin commands. Every command's
// route is a transition of this chart: a command the logic refused, a data pointer that failed, Read, Write,
// Flush. The decision is made once at the fetch (src/logic/io-commands.ts) and carried on the event; guest memory,
// the ring, the block stores and the completion queue are reached through the device port given as input.
// One actor per I/O SQ, started by Create I/O Submission Queue and stopped by its deletion or a controller reset.
import { assign, enqueueActions, setup } from 'xstate';
import type { IoQueueEvent, IoQueuePort } from './events.ts';

export interface IoQueueInput {
  readonly qid: number;
  readonly sqSize: number;
  readonly device: IoQueuePort;
}

export interface IoQueueContext {
  readonly qid: number;
  /** The device port (guest memory, ring, block stores, CQ): an explicit port, not state. */
  readonly device: IoQueuePort;
  readonly sqSize: number;
  /** Next entry to fetch; reported as SQHD in every completion. */
  readonly sqHead: number;
  readonly sqTail: number;
}

export const ioQueueMachine = setup({
  types: {
    context: {} as IoQueueContext,
    events: {} as IoQueueEvent,
    input: {} as IoQueueInput,
  },
  guards: {
    /** An SQ tail within the queue (NVMe Base 2.0 §3.1.3.16). */
    isValidSqTail: ({ context, event }) => event.type === 'doorbell.written' && event.value < context.sqSize,
    /** The command logic refused the command (bad NSID, inactive namespace, LBA out of range, unknown opcode). */
    isRefusedCommand: ({ event }) => event.type === 'command.fetched' && event.decision.kind === 'fail',
    /** The data pointer could not be resolved (PRP outside guest memory or misaligned). */
    hasTransferError: ({ event }) => event.type === 'command.fetched' && event.prpStatus !== null,
    isRead: ({ event }) => event.type === 'command.fetched' && event.decision.kind === 'read',
    isWrite: ({ event }) => event.type === 'command.fetched' && event.decision.kind === 'write',
    isFlush: ({ event }) => event.type === 'command.fetched' && event.decision.kind === 'flush',
  },
  actions: {
    /** The new tail is remembered. */
    storeSqTail: assign({ sqTail: ({ context, event }) => (event.type === 'doorbell.written' ? event.value : context.sqTail) }),
    /** The command at head is consumed. */
    consumeSubmission: assign({ sqHead: ({ context }) => (context.sqHead + 1) % context.sqSize }),
    /** The SQE at head is read (through the port) and raised as `command.fetched`, while head is behind tail. */
    fetchNextCommand: enqueueActions(({ context, enqueue }) => {
      if (context.sqHead !== context.sqTail) enqueue.raise(context.device.fetch(context.sqHead));
    }),
    /** The status the command logic decided (with DNR per profile). */
    completeWithStatus: ({ context, event }) => {
      if (event.type === 'command.fetched' && event.decision.kind === 'fail') context.device.post(event.sqe.cid, context.sqHead, event.decision.answer.status, event.decision.answer.dw0);
    },
    /** Data Transfer Error or PRP Offset Invalid, as resolving the pointer gave. */
    completeWithTransferError: ({ context, event }) => {
      if (event.type === 'command.fetched' && event.prpStatus) context.device.post(event.sqe.cid, context.sqHead, event.prpStatus, 0);
    },
    /** Read: the blocks to guest memory, then success. */
    readBlocks: ({ context, event }) => {
      if (event.type === 'command.fetched') context.device.readBlocks(event, context.sqHead);
    },
    /** Write: guest memory to the blocks, then success. */
    writeBlocks: ({ context, event }) => {
      if (event.type === 'command.fetched') context.device.writeBlocks(event, context.sqHead);
    },
    /** Flush: no volatile write cache, so nothing to write back; success. */
    completeFlush: ({ context, event }) => {
      if (event.type === 'command.fetched') context.device.post(event.sqe.cid, context.sqHead, { sct: 0, sc: 0, dnr: false }, 0);
    },
    reportInvalidDoorbell: ({ context, event }) => {
      if (event.type === 'doorbell.written') context.device.reportInvalidDoorbell(event.value, context.sqSize);
    },
    reportUnreadable: ({ context }) => context.device.reportUnreadable(),
  },
}).createMachine({
  id: 'ioQueue',
  context: ({ input }) => ({ qid: input.qid, device: input.device, sqSize: input.sqSize, sqHead: 0, sqTail: 0 }),
  initial: 'running',
  states: {
    running: {
      description: 'Created by Create I/O Submission Queue (NVMe Base 2.0 §5.5). A tail doorbell past SQ head fetches each command in order; each is answered before the next is fetched.',
      on: {
        'doorbell.written': [
          { guard: 'isValidSqTail', actions: ['storeSqTail', 'fetchNextCommand'], description: 'The new tail is stored and the commands up to it are fetched.' },
          { actions: 'reportInvalidDoorbell', description: 'An SQ tail beyond the queue: ignored, the ring untouched, and an Error event (Invalid Doorbell Write Value, §5.2).' },
        ],
        'command.fetched': [
          { guard: 'isRefusedCommand', actions: ['consumeSubmission', 'completeWithStatus', 'fetchNextCommand'], description: 'Refused by the command logic: Invalid Namespace or Format (0/0Bh), Invalid Field (0/02h: inactive namespace, beyond MDTS), LBA Out of Range (0/80h), Invalid Opcode (0/01h).' },
          { guard: 'hasTransferError', actions: ['consumeSubmission', 'completeWithTransferError', 'fetchNextCommand'], description: 'A data pointer outside guest memory: Data Transfer Error (0/04h), or PRP Offset Invalid (0/13h) (§4.1.1).' },
          { guard: 'isRead', actions: ['consumeSubmission', 'readBlocks', 'fetchNextCommand'], description: 'Read (02h): the blocks to the data pointer (NVM Command Set 1.0 §3.2.4).' },
          { guard: 'isWrite', actions: ['consumeSubmission', 'writeBlocks', 'fetchNextCommand'], description: 'Write (01h): the data pointer to the blocks (NVM Command Set 1.0 §3.2.6).' },
          { guard: 'isFlush', actions: ['consumeSubmission', 'completeFlush', 'fetchNextCommand'], description: 'Flush (00h): no volatile write cache, nothing to do (NVM Command Set 1.0 §3.2.2).' },
        ],
        'command.unreadable': { target: 'failed', actions: 'reportUnreadable' },
        'queue.deleted': { target: 'deleted' },
      },
    },
    failed: {
      description: 'The submission queue lies outside guest memory: no command is fetched from it again.',
      on: { 'queue.deleted': { target: 'deleted' } },
    },
    deleted: {
      description: 'Delete I/O Submission Queue (§5.7) or a controller reset (§3.7.2): the queue is gone.',
      type: 'final',
    },
  },
});
