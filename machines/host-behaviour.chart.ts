// What a host must do after an Asynchronous Event (NVMe Base 2.0 §5.2, §5.16, §5.16.1.5): re-arm the Asynchronous
// Event Request, read the log page the event names with RAE=0 (or with RAE=1, then RAE=0), and rescan the
// namespaces a Changed Namespace List names. Three parallel regions, one per obligation; the events are a host's
// trace (what it sent and got back), and each obligation still open when the trace ends is emitted as a departure
// with its clause (src/model/host-behaviour.ts replays traces through it). Obligations start with an AER's
// completion; a controller reset ends the AER and log ones (§3.7.2: the controller drops AERs and events). Pure.
import { assign, emit, setup } from 'xstate';
import { departures, effects, guards, initialHostContext, type Departure, type HostContext, type HostEvent } from '../src/logic/host-behaviour.ts';

export const hostBehaviourChart = setup({
  types: {
    context: {} as HostContext,
    events: {} as HostEvent,
    emitted: {} as Departure,
  },
  guards: {
    isAerLimitExceeded: ({ context, event }) => event.type === 'aer.completed' && guards.isAerLimitExceeded(context, event),
    isLastOutstandingAer: ({ context, event }) => event.type === 'aer.completed' && guards.isLastOutstandingAer(context, event),
    isAen: ({ context, event }) => event.type === 'aer.completed' && guards.isAen(context, event),
    leavesNothingOwed: ({ context, event }) => event.type === 'log.completed' && guards.leavesNothingOwed(context, event),
    leavesOnlyRetained: ({ context, event }) => event.type === 'log.completed' && guards.leavesOnlyRetained(context, event),
    listsNamespaces: ({ context, event }) => event.type === 'log.completed' && guards.listsNamespaces(context, event),
    leavesNothingToRescan: ({ context, event }) => event.type === 'identify.completed' && guards.leavesNothingToRescan(context, event),
  },
  actions: {
    submitAer: assign(({ context, event }) => (event.type === 'aer.submitted' ? effects.submitAer(context, event) : context)),
    completeAer: assign(({ context, event }) => (event.type === 'aer.completed' ? effects.completeAer(context, event) : context)),
    dropAers: assign(({ context }) => effects.dropAers(context)),
    oweLog: assign(({ context, event }) => (event.type === 'aer.completed' ? effects.oweLog(context, event) : context)),
    readLog: assign(({ context, event }) => (event.type === 'log.completed' ? effects.readLog(context, event) : context)),
    clearLogs: assign(({ context }) => effects.clearLogs(context)),
    oweRescan: assign(({ context, event }) => (event.type === 'log.completed' ? effects.oweRescan(context, event) : context)),
    recordIdentify: assign(({ context, event }) => (event.type === 'identify.completed' ? effects.identified(context, event) : context)),
    reportAerNotRearmed: emit(({ context, event }) => departures.aerNotRearmed(context, event)),
    reportAerLimitExceeded: emit(({ context, event }) => departures.aerLimitExceeded(context, event as Extract<HostEvent, { type: 'aer.completed' }>)),
    reportLogNotRead: emit(({ context, event }) => departures.logNotRead(context, event)),
    reportLogRetained: emit(({ context, event }) => departures.logRetained(context, event)),
    reportNotRescanned: emit(({ context, event }) => departures.notRescanned(context, event)),
  },
}).createMachine({
  id: 'hostBehaviour',
  context: () => initialHostContext(),
  type: 'parallel',
  states: {
    aer: {
      description: 'Re-arm: events are reported only by completing an outstanding Asynchronous Event Request (NVMe Base 2.0 §5.2).',
      initial: 'unobliged',
      states: {
        unobliged: {
          description: 'No AER has completed yet (or the association was reset): nothing is owed.',
          on: {
            'aer.submitted': { target: 'armed', actions: 'submitAer', description: 'The host arms an AER.' },
            'trace.ended': { target: 'ended' },
          },
        },
        armed: {
          description: 'At least one AER outstanding: the host will hear of the next event.',
          on: {
            'aer.submitted': { actions: 'submitAer', description: 'Another AER outstanding.' },
            'aer.completed': [
              { guard: 'isAerLimitExceeded', actions: ['completeAer', 'reportAerLimitExceeded'], description: 'More than AERL+1 AERs: 1/05h (§5.2).' },
              { guard: 'isLastOutstandingAer', target: 'owed', actions: 'completeAer', description: 'The last outstanding AER completed: a new one is owed.' },
              { actions: 'completeAer', description: 'Others stay outstanding.' },
            ],
            'controller.reset': { target: 'unobliged', actions: 'dropAers', description: 'A reset drops outstanding AERs without completions (§3.7.2).' },
            'trace.ended': { target: 'ended' },
          },
        },
        owed: {
          description: 'No AER outstanding after one completed: until the host submits one, no event reaches it (§5.2).',
          on: {
            'aer.submitted': { target: 'armed', actions: 'submitAer', description: 'Re-armed.' },
            'controller.reset': { target: 'unobliged', description: 'A new association starts from nothing owed.' },
            'trace.ended': { target: 'ended', actions: 'reportAerNotRearmed', description: 'Departure: not re-armed (§5.2).' },
          },
        },
        ended: { type: 'final' },
      },
    },
    log: {
      description: 'Clear the event: read the log page its AEN names with RAE=0 (NVMe Base 2.0 §5.2, §5.16).',
      initial: 'clear',
      states: {
        clear: {
          description: 'No event waits for its log page to be read.',
          on: {
            'aer.completed': { guard: 'isAen', target: 'owed', actions: 'oweLog', description: 'An AEN: its log page is owed a read (§5.2).' },
            'trace.ended': { target: 'ended' },
          },
        },
        owed: {
          description: 'A log page named by an AEN has not been read; the event masks further events of its type (§5.2).',
          on: {
            'aer.completed': { guard: 'isAen', actions: 'oweLog', description: 'Another AEN: its log page is owed too.' },
            'log.completed': [
              { guard: 'leavesNothingOwed', target: 'clear', actions: 'readLog', description: 'Read with RAE=0: the event is cleared (§5.16).' },
              { guard: 'leavesOnlyRetained', target: 'retained', actions: 'readLog', description: 'Read with RAE=1: data returned, event kept (§5.16).' },
              { actions: 'readLog' },
            ],
            'controller.reset': { target: 'clear', actions: 'clearLogs', description: 'A reset clears events (§3.7.2).' },
            'trace.ended': { target: 'ended', actions: 'reportLogNotRead', description: 'Departure: the log page was never read (§5.2).' },
          },
        },
        retained: {
          description: 'Read with RAE=1 only: the event stays; a read with RAE=0 is still owed (§5.16).',
          on: {
            'aer.completed': { guard: 'isAen', target: 'owed', actions: 'oweLog', description: 'Another AEN: its log page is owed.' },
            'log.completed': [
              { guard: 'leavesNothingOwed', target: 'clear', actions: 'readLog', description: 'Read with RAE=0: cleared.' },
              { actions: 'readLog' },
            ],
            'controller.reset': { target: 'clear', actions: 'clearLogs', description: 'A reset clears events (§3.7.2).' },
            'trace.ended': { target: 'ended', actions: 'reportLogRetained', description: 'Departure: only RAE=1 reads (§5.16).' },
          },
        },
        ended: { type: 'final' },
      },
    },
    rescan: {
      description: 'Rescan: a Changed Namespace List names namespaces whose Identify data changed (NVMe Base 2.0 §5.16.1.5, §5.17.2).',
      initial: 'idle',
      states: {
        idle: {
          description: 'No listed namespace waits to be identified.',
          on: {
            'log.completed': { guard: 'listsNamespaces', target: 'owed', actions: 'oweRescan', description: 'The list names namespaces: each is owed an Identify.' },
            'trace.ended': { target: 'ended' },
          },
        },
        owed: {
          description: 'Listed namespaces not identified since; an active namespace list covers those it shows gone.',
          on: {
            'log.completed': { guard: 'listsNamespaces', actions: 'oweRescan', description: 'More namespaces listed.' },
            'identify.completed': [
              { guard: 'leavesNothingToRescan', target: 'idle', actions: 'recordIdentify', description: 'Every listed namespace identified.' },
              { actions: 'recordIdentify' },
            ],
            'trace.ended': { target: 'ended', actions: 'reportNotRescanned', description: 'Departure: listed namespaces not rescanned (§5.16.1.5).' },
          },
        },
        ended: { type: 'final' },
      },
    },
  },
});
