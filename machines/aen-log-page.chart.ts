// The AEN / Changed Namespace List specification chart: what a host observes of Asynchronous Event Requests, the
// Namespace Attribute Changed notice, its mask, AEC bit 8 and the Changed Namespace List (NVMe Base 2.0 §5.2,
// §5.1, §5.16, §5.16.1.5, §5.27.1.9, §3.7.2), as four parallel regions whose guards are spec predicates and whose
// actions are spec effects. Host events: aer.submit, log.read, features.set, abort, reset; the fault's:
// namespace.changed; the chart raises notice.raised and aen.posted itself. Every completion an effect produces is
// recorded in context: generated tests expect exactly those. No invoke, no after (createTestModel walks it).
import { assign, raise, setup } from 'xstate';
import { effects, guards, initialChartContext, type ChartContext, type ChartEvent, type ChartInput } from '../src/logic/aen-chart.ts';

export const aenLogPageChart = setup({
  types: {
    context: {} as ChartContext,
    events: {} as ChartEvent,
    input: {} as ChartInput,
  },
  guards: {
    takesLastSlot: guards.takesLastSlot,
    lastParkedAer: guards.lastParkedAer,
    aerParked: guards.aerParked,
    noticesDisabled: guards.noticesDisabled,
    clearsAecBit8: guards.clearsAecBit8,
    raeSet: guards.raeSet,
    nsidListed: guards.nsidListed,
    listFull: guards.listFull,
    noticeQueued: guards.noticeQueued,
    noticePerNewNsid: guards.noticePerNewNsid,
    unreadChangesRetained: guards.unreadChangesRetained,
    resetEmptiesList: guards.resetEmptiesList,
    cannotAbortAer: guards.cannotAbortAer,
    changeUnannounced: guards.changeUnannounced,
  },
  actions: {
    parkAer: assign(({ context }) => effects.parkAer(context)),
    rejectAer: assign(({ context }) => effects.rejectAer(context)),
    postAen: raise({ type: 'aen.posted' }),
    completeNewestParkedAer: assign(({ context }) => effects.completeNewestParkedAer(context)),
    abortNewestParkedAer: assign(({ context }) => effects.abortNewestParkedAer(context)),
    answerNotAborted: assign(({ context }) => effects.answerNotAborted(context)),
    dropParkedAers: assign(({ context }) => effects.dropParkedAers(context)),
    queueNotice: assign(({ context }) => effects.queueNotice(context)),
    dequeueNotice: assign(({ context }) => effects.dequeueNotice(context)),
    discardQueue: assign(({ context }) => effects.discardQueue(context)),
    raiseNotice: raise({ type: 'notice.raised' }),
    appendNsid: assign(({ context, event }) => effects.appendNsid(context, event)),
    markOverflow: assign(({ context }) => effects.markOverflow(context)),
    returnList: assign(({ context, event }) => effects.returnList(context, event)),
    emptyList: assign(({ context }) => effects.emptyList(context)),
    completeSetFeatures: assign(({ context }) => effects.completeSetFeatures(context)),
    disableNotices: assign(({ context }) => effects.disableNotices(context)),
    enableNotices: assign(({ context }) => effects.enableNotices(context)),
  },
}).createMachine({
  id: 'aenLogPage',
  context: ({ input }) => initialChartContext(input),
  type: 'parallel',
  states: {
    aerPool: {
      description: 'Asynchronous Event Requests the controller holds (NVMe Base 2.0 §5.2): no completion until an event is reported; at most AERL+1.',
      initial: 'none',
      states: {
        none: {
          description: 'No AER parked.',
          on: {
            'aer.submit': { target: 'parked', actions: 'parkAer', description: 'The AER is parked (§5.2).' },
            abort: { actions: 'answerNotAborted', description: 'Nothing to abort: Abort DW0 bit 0 = 1 (§5.1).' },
          },
        },
        parked: {
          description: 'One to AERL AERs parked; each stays outstanding.',
          on: {
            'aer.submit': [
              { guard: 'takesLastSlot', target: 'full', actions: 'parkAer', description: 'The AERL+1th AER is parked (§5.2).' },
              { actions: 'parkAer', description: 'Parked (§5.2).' },
            ],
            'aen.posted': [
              { guard: 'lastParkedAer', target: 'none', actions: 'completeNewestParkedAer', description: 'The only parked AER carries the notice, DW0 00040002h (§5.2).' },
              { actions: 'completeNewestParkedAer', description: 'The newest parked AER carries the notice (last-in first-out).' },
            ],
            abort: [
              { guard: 'cannotAbortAer', actions: 'answerNotAborted', description: 'The AER stays parked; Abort DW0 = 1 (§5.1 lets a controller not abort).' },
              { guard: 'lastParkedAer', target: 'none', actions: 'abortNewestParkedAer', description: 'The AER completes 0/07h before the Abort, DW0 = 0 (§5.1).' },
              { actions: 'abortNewestParkedAer', description: 'The newest AER completes 0/07h before the Abort (§5.1).' },
            ],
            reset: { target: 'none', actions: 'dropParkedAers', description: 'Parked AERs vanish with no completion (§3.7.2).' },
          },
        },
        full: {
          description: 'AERL+1 AERs parked: the pool is full.',
          on: {
            'aer.submit': { actions: 'rejectAer', description: 'One AER too many: it completes at once with 1/05h (§5.2).' },
            'aen.posted': { target: 'parked', actions: 'completeNewestParkedAer', description: 'The newest parked AER carries the notice (§5.2).' },
            abort: [
              { guard: 'cannotAbortAer', actions: 'answerNotAborted', description: 'Abort DW0 = 1; the AER stays (§5.1).' },
              { target: 'parked', actions: 'abortNewestParkedAer', description: 'The newest AER completes 0/07h before the Abort (§5.1).' },
            ],
            reset: { target: 'none', actions: 'dropParkedAers', description: 'Parked AERs vanish with no completion (§3.7.2).' },
          },
        },
      },
    },
    notice: {
      description: 'The Namespace Attribute Changed notice, type Notice, info 00h, log page 04h (NVMe Base 2.0 §5.2): masked once reported until the log is read with RAE=0.',
      initial: 'clear',
      states: {
        clear: {
          description: 'No event outstanding, nothing masked.',
          on: {
            'notice.raised': [
              { guard: 'changeUnannounced', description: 'Linux nvmet reads AEC bit 8 at the change: clear, so listed and no event kept.' },
              { guard: 'noticesDisabled', target: 'pending', description: 'AEC bit 8 clear: recorded, not sent (§5.27.1.9).' },
              { guard: 'aerParked', target: 'reported', actions: 'postAen', description: 'A parked AER completes; the notice is masked (§5.2).' },
              { target: 'pending', description: 'No AER parked: the event is retained (§5.2).' },
            ],
          },
        },
        pending: {
          description: 'An event waits: no AER parked, or AEC bit 8 clear.',
          on: {
            'notice.raised': { guard: 'noticePerNewNsid', actions: 'queueNotice', description: 'QEMU queues one event per new NSID; the spec coalesces.' },
            'aer.submit': [
              { guard: 'noticesDisabled', description: 'AEC bit 8 clear: the AER is parked, the event waits (§5.27.1.9).' },
              { target: 'reported', actions: 'postAen', description: 'The new AER completes at once (§5.2).' },
            ],
            'features.set': [
              { guard: 'clearsAecBit8', description: 'Notices stay off.' },
              { guard: 'aerParked', target: 'reported', actions: 'postAen', description: 'Bit 8 set with an AER parked: reported now (§5.27.1.9).' },
            ],
            'log.read': [
              { guard: 'noticePerNewNsid', description: 'QEMU: a list read leaves queued events.' },
              { target: 'clear', description: 'The read took the list the event stood for (§5.16.1.5).' },
            ],
            reset: [
              { guard: 'unreadChangesRetained', description: 'Unread changes are reported to the next AER (§5.2 "should retain").' },
              { target: 'clear', actions: 'discardQueue', description: 'The event, and any queued, is forgotten (§3.7.2).' },
            ],
          },
        },
        reported: {
          description: 'Reported (DW0 00040002h) and masked: further changes complete no AER until Get Log Page 04h with RAE=0.',
          on: {
            'notice.raised': { guard: 'noticePerNewNsid', actions: 'queueNotice', description: 'QEMU queues the event behind the mask; the spec masks it (§5.2).' },
            'log.read': [
              { guard: 'raeSet', description: 'RAE=1: the mask stays (§5.16).' },
              { guard: 'noticeQueued', target: 'clear', actions: ['dequeueNotice', 'raiseNotice'], description: 'RAE=0 unmasks; a queued event is raised again at once.' },
              { target: 'clear', description: 'RAE=0: the event is cleared, the mask lifted (§5.16).' },
            ],
            reset: [
              { guard: 'unreadChangesRetained', target: 'pending', description: 'The mask clears; unread changes wait for an AER (§3.7.2, §5.2).' },
              { target: 'clear', actions: 'discardQueue', description: 'The mask clears; queued events are forgotten (§3.7.2).' },
            ],
          },
        },
      },
    },
    aecBit8: {
      description: 'Asynchronous Event Configuration (feature 0Bh) bit 8, Namespace Attribute Notices (NVMe Base 2.0 §5.27.1.9); set at enable.',
      initial: 'on',
      states: {
        on: {
          description: 'Notices are sent.',
          on: {
            'features.set': [
              { guard: 'clearsAecBit8', target: 'off', actions: ['disableNotices', 'completeSetFeatures'], description: 'Bit 8 cleared (§5.27.1.9).' },
              { actions: 'completeSetFeatures', description: 'Bit 8 stays set.' },
            ],
          },
        },
        off: {
          description: 'Changes are recorded in the list; no notice is sent.',
          on: {
            'features.set': [
              { guard: 'clearsAecBit8', actions: 'completeSetFeatures', description: 'Bit 8 stays clear.' },
              { target: 'on', actions: ['enableNotices', 'completeSetFeatures'], description: 'Bit 8 set (§5.27.1.9).' },
            ],
            reset: { target: 'on', actions: 'enableNotices', description: 'A reset restores the default (§5.27.1).' },
          },
        },
      },
    },
    changedList: {
      description: 'The Changed Namespace List, log page 04h (NVMe Base 2.0 §5.16.1.5): ascending, no duplicates, 1024 entries; every read empties it.',
      initial: 'empty',
      states: {
        empty: {
          description: 'No changes since the last read.',
          on: {
            'namespace.changed': [
              { guard: 'listFull', target: 'overflowed', actions: ['markOverflow', 'raiseNotice'], description: 'More than 1024 at once (§5.16.1.5).' },
              { target: 'listing', actions: ['appendNsid', 'raiseNotice'], description: 'Listed; the event occurs (§5.2).' },
            ],
            'log.read': { actions: 'returnList', description: 'An empty list.' },
          },
        },
        listing: {
          description: 'The NSIDs changed since the last read.',
          on: {
            'namespace.changed': [
              { guard: 'nsidListed', description: 'Already listed: no entry, no event.' },
              { guard: 'listFull', target: 'overflowed', actions: 'markOverflow', description: 'The 1025th NSID: FFFFFFFFh; its event is already out (§5.16.1.5).' },
              { actions: ['appendNsid', 'raiseNotice'], description: 'Listed; the event occurs (§5.2).' },
            ],
            'log.read': { target: 'empty', actions: ['returnList', 'emptyList'], description: 'Returned and emptied, whatever RAE says.' },
            reset: { guard: 'resetEmptiesList', target: 'empty', actions: 'emptyList', description: 'OpenVMM empties the list on reset.' },
          },
        },
        overflowed: {
          description: 'More than 1024 changed: entry 0 reads FFFFFFFFh; further changes are not listed.',
          on: {
            'namespace.changed': { actions: 'raiseNotice', description: 'Not listed, yet the change raises its event: the mask coalesces it (where the notice can be clear here, Linux nvmet reports it).' },
            'log.read': { target: 'empty', actions: ['returnList', 'emptyList'], description: 'FFFFFFFFh, then empty (§5.16.1.5).' },
            reset: { guard: 'resetEmptiesList', target: 'empty', actions: 'emptyList', description: 'OpenVMM empties the list on reset.' },
          },
        },
      },
    },
  },
});
