// The AEN latch: parks Asynchronous Event Requests, owns the Changed Namespace List and Asynchronous Event
// Configuration, and decides when an event is reported and when it is masked (NVMe Base 2.0 §5.2, §5.16.1.5,
// §5.27.1.9). Parallel regions, one per mask key: Namespace Attribute Changed (Notice, log 04h), the Error type
// (invalid doorbells, injected errors, log 01h), SMART / Health (log 02h) and Firmware Activation Starting (Notice
// info 01h, log 03h); events waiting for an AER are reported oldest first across them. Beside them the health
// (composite temperature, thresholds, Critical Warning) and the firmware activation (CSTS.PP while it runs, its end
// told by the facade's timer). Completions are posted by the admin queue, asked through systemId.
import { assign, emit, enqueueActions, sendTo, setup } from 'xstate';
import type { LatchEmitted, LatchEvent, ReceiptOutcome } from './events.ts';
import { Status } from '../src/spec/constants.ts';
import { completionRequested, latchReplied } from '../src/logic/messages.ts';
import { addChange, EMPTY_CHANGED_LIST, isEmpty, readChangedList } from '../src/logic/changed-list.ts';
import {
  afterReset,
  recordChanges,
  changesOf,
  errorEventDw0,
  initialLatchContext,
  isNextToReport,
  type LatchContext,
  type LatchInput,
  NAMESPACE_NOTICE_DW0,
  noticesEnabled,
  changeRaisesNotice,
  offlineChangeList,
  withOfflineChanges,
  takeAer,
  withoutCid,
  withoutWaiting,
  withWaiting,
  ACTIVATED_REVISION,
  FIRMWARE_NOTICE_DW0,
  firmwareNoticesEnabled,
  healthAfter,
  smartEventDw0,
  smartEventsRaised,
} from '../src/logic/aen-latch.ts';
import { activated, criticalWarningOf, decodeThreshold, errorLogPage, eventRecord, firmwareLogOf, pageSlice, smartLogOf, thresholdDw0, withError } from '../src/logic/health.ts';
import type { HealthOutcome } from './events.ts';

export const aenLatchMachine = setup({
  types: {
    context: {} as LatchContext,
    events: {} as LatchEvent,
    input: {} as LatchInput,
    emitted: {} as LatchEmitted,
  },
  guards: {
    isAerLimitReached: ({ context }) => context.parked.length >= context.aerLimit,
    canReportNotice: ({ context }) => context.parked.length > 0 && noticesEnabled(context) && (!context.policy.noticePerNewNsid || context.queuedNotices > 0) && isNextToReport(context, 'notice'),
    /** An AER is parked and no older reportable event waits before this Error event. */
    canReportError: ({ context }) => context.parked.length > 0 && isNextToReport(context, 'error'),
    /** QEMU 7.2 raises an Error event only while an AER is outstanding: with none parked it is not kept. */
    isErrorDiscarded: ({ context }) => !context.policy.retainErrorEvents && context.parked.length === 0,
    /** Evaluated before the change is recorded: a change that is not stale always brings its own notice. */
    canReportChange: ({ context }) => context.parked.length > 0 && noticesEnabled(context) && changeRaisesNotice(context),
    /** Linux nvmet reads AEC bit 8 when the change happens: with the bit clear the change raises no event. */
    isChangeUnannounced: ({ context }) => !changeRaisesNotice(context),
    hasRetainedChanges: ({ context }) => context.policy.retainUnreadChangesOverReset && !isEmpty(context.changed),
    isRaeSet: ({ event }) => (event.type === 'changedList.read' || event.type === 'errorLog.read' || event.type === 'smartLog.read' || event.type === 'firmwareLog.read') && event.rae,
    /** The change sets a Critical Warning bit that AEC 5:0 enables (or sets a threshold the temperature is beyond). */
    raisesSmartEvent: ({ context, event }) => smartEventsRaised(context, event).length > 0,
    canReportRaisedSmart: ({ context, event }) => smartEventsRaised(context, event).length > 0 && context.parked.length > 0 && isNextToReport(context, 'smart'),
    canReportSmart: ({ context }) => context.parked.length > 0 && isNextToReport(context, 'smart'),
    /** QEMU 7.2: an event raised behind the mask is queued, not coalesced. */
    queuesMaskedSmart: ({ context, event }) => context.policy.smartEventsQueueWhileMasked && smartEventsRaised(context, event).length > 0,
    hasQueuedSmart: ({ context }) => context.queuedSmart.length > 0,
    canReportQueuedSmart: ({ context }) => context.queuedSmart.length > 0 && context.parked.length > 0,
    /** The composite temperature is beyond a threshold, or a Critical Warning bit is set, after this event. */
    leadsToWarning: ({ context, event }) => criticalWarningOf(healthAfter(context, event)) !== 0,
    isFirmwareActivationUnsupported: ({ context }) => !context.policy.firmwareActivation,
    firmwareNoticeDisabled: ({ context }) => !firmwareNoticesEnabled(context),
    canReportFirmware: ({ context }) => context.parked.length > 0 && isNextToReport(context, 'firmware'),
    hasQueuedNotices: ({ context }) => context.policy.noticePerNewNsid && context.queuedNotices > 0,
    canReportQueuedNotice: ({ context }) => context.policy.noticePerNewNsid && context.queuedNotices > 0 && context.parked.length > 0 && noticesEnabled(context),
    isStaleChange: ({ context, event }) => context.policy.noticePerNewNsid && event.type === 'namespace.changed' && addChange(context.changed, event.nsid) === context.changed,
    /** OpenVMM (nvme_test/src/workers/admin.rs next_event): a dropped Namespace Attribute AEN leaves the latch unset. */
    isNoticeDropUnlatched: ({ context, event }) => context.policy.aenDropUnlatches && event.type === 'aen.dropped' && event.dw0 === NAMESPACE_NOTICE_DW0,
    isParkedAer: ({ context, event }) => event.type === 'abort.requested' && event.sqid === 0 && context.parked.includes(event.cid),
  },
  actions: {
    parkAer: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'aer.received') return;
      enqueue.assign({ parked: [...context.parked, event.cid] });
      enqueue.emit({ type: 'aer.parked', cid: event.cid, parked: context.parked.length + 1 });
    }),
    rejectAerOverLimit: sendTo(
      ({ system }) => system.get('adminQueue'),
      ({ context, event }) => completionRequested(event.type === 'aer.received' ? event.cid : 0, context.policy.aerLimitStatus),
    ),
    recordChange: assign(({ context, event }) => (event.type === 'namespace.changed' ? recordChanges(context, changesOf(event)) : {})),
    recordChanges: assign(({ context, event }) => (event.type === 'namespaces.changed' ? recordChanges(context, changesOf(event)) : {})),
    /** Each change of the event (one, or a batch) is acknowledged with the outcome; a change made by Namespace
     * Attachment also answers that command. */
    acknowledgeChange: enqueueActions(({ event, enqueue }, params: { outcome: ReceiptOutcome }) => {
      if (event.type === 'namespace.changed') enqueue.emit({ type: 'namespace.processed', requestId: event.requestId, nsid: event.nsid, outcome: params.outcome });
      else if (event.type === 'namespaces.changed') {
        // One emitted fact for the batch: XState runs emitted events as deferred effects taken off an array one at a
        // time (shift), so N emits in one step cost N² (40,000 changes took 4 s).
        const from = event.from ?? 0;
        if (from < event.changes.length) enqueue.emit({ type: 'namespaces.processed', changes: from === 0 ? event.changes : event.changes.slice(from), outcome: params.outcome });
      }
      if (event.type === 'namespace.changed' && event.fromCommand) {
        enqueue.sendTo(({ system }) => system.get('adminQueue'), latchReplied(Status.SUCCESS));
      }
    }),
    /** The first change is taken on its own (it may post the notice); the rest follow as one batch (the same
     * array, from the next index: no copy). */
    splitChanges: enqueueActions(({ event, enqueue }) => {
      if (event.type !== 'namespaces.changed') return;
      const from = event.from ?? 0;
      if (from >= event.changes.length) return;
      enqueue.raise({ type: 'namespace.changed', ...event.changes[from]! });
      if (from + 1 < event.changes.length) enqueue.raise({ type: 'namespaces.changed', changes: event.changes, from: from + 1 });
    }),
    postNamespaceNotice: enqueueActions(({ context, enqueue }) => {
      const { cid, parked } = takeAer(context);
      enqueue.assign({ parked, queuedNotices: Math.max(0, context.queuedNotices - 1) });
      enqueue.sendTo(({ system }) => system.get('adminQueue'), completionRequested(cid, Status.SUCCESS, NAMESPACE_NOTICE_DW0));
      enqueue.emit({ type: 'aen.posted', cid, dw0: NAMESPACE_NOTICE_DW0 });
    }),
    replyChangedList: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'changedList.read') return;
      const offset = context.policy.changedListHonoursOffset ? event.offset : 0;
      const data = readChangedList(context.changed, event.numd, offset);
      enqueue.assign({ changed: EMPTY_CHANGED_LIST });
      enqueue.sendTo(({ system }) => system.get('adminQueue'), latchReplied(Status.SUCCESS, 0, data));
      enqueue.emit({ type: 'changedList.read', nsids: context.changed.nsids, overflow: context.changed.overflow, rae: event.rae, unmasked: !event.rae });
    }),
    storeAec: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'aec.set') return;
      enqueue.assign({ aec: event.value >>> 0 });
      // DW0 reserved: AEC defines no completion value (§5.27); Linux nvmet answers the stored value.
      enqueue.sendTo(({ system }) => system.get('adminQueue'), latchReplied(Status.SUCCESS, context.policy.aecSetEchoesValue ? event.value >>> 0 : 0));
    }),
    replyAec: sendTo(({ system }) => system.get('adminQueue'), ({ context }) => latchReplied(Status.SUCCESS, context.aec)),
    abortParkedAer: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'abort.requested') return;
      enqueue.assign({ parked: withoutCid(context.parked, event.cid) });
      // The aborted command's completion precedes the Abort's own (NVMe Base 2.0 §5.1).
      enqueue.sendTo(({ system }) => system.get('adminQueue'), completionRequested(event.cid, Status.COMMAND_ABORT_REQUESTED));
      enqueue.sendTo(({ system }) => system.get('adminQueue'), latchReplied(Status.SUCCESS));
    }),
    replyNotAborted: sendTo(({ system }) => system.get('adminQueue'), latchReplied(Status.SUCCESS, 1)),
    dropParkedAers: enqueueActions(({ context, enqueue }) => {
      if (context.parked.length > 0) enqueue.emit({ type: 'aer.dropped', cids: context.parked });
      enqueue.emit({ type: 'latch.reset' });
      enqueue.assign(afterReset(context));
    }),
    queueOfflineChange: assign(({ context, event }) => {
      const { list, from } = changesOf(event);
      return { offlineChanges: withOfflineChanges(context.offlineChanges, from === 0 ? list : list.slice(from)) };
    }),
    queueNoticeReport: assign({ waiting: ({ context }) => withWaiting(context.waiting, 'notice') }),
    unqueueNoticeReport: assign({ waiting: ({ context }) => withoutWaiting(context.waiting, 'notice') }),
    queueErrorReport: assign({ waiting: ({ context }) => withWaiting(context.waiting, 'error') }),
    unqueueErrorReport: assign({ waiting: ({ context }) => withoutWaiting(context.waiting, 'error') }),
    /** Counted for the event, and an entry not specific to a command in the Error Information log (§5.16.1.2). */
    recordError: assign(({ context }) => ({ errors: context.errors + 1, errorLog: withError(context.errorLog, eventRecord(), context.policy.errorLogEntries) })),
    /** The oldest unreported error is the one the event reports. */
    retainError: assign({ pendingErrorInfo: ({ context, event }) => context.pendingErrorInfo ?? (event.type === 'doorbell.invalid' || event.type === 'error.injected' ? event.info : null) }),
    acknowledgeError: emit(({ event }, params: { outcome: HealthOutcome }) => ({ type: 'error.processed' as const, info: event.type === 'error.injected' ? event.info : 0, outcome: params.outcome })),
    /** A failed command's entry in the Error Information log: no event (§5.16.1.2). */
    logFailedCommand: assign({ errorLog: ({ context, event }) => (event.type === 'command.failed' ? withError(context.errorLog, event.record, context.policy.errorLogEntries) : context.errorLog) }),
    // ---- SMART / Health ----
    /** The first raised event is the one reported; QEMU queues the others. */
    retainSmartEvents: assign(({ context, event }) => {
      const raised = smartEventsRaised(context, event);
      const first = context.pendingSmartInfo ?? raised[0] ?? null;
      const rest = context.pendingSmartInfo === null ? raised.slice(1) : raised;
      return { pendingSmartInfo: first, queuedSmart: context.policy.smartEventsQueueWhileMasked ? [...context.queuedSmart, ...rest] : context.queuedSmart };
    }),
    queueMaskedSmart: assign({ queuedSmart: ({ context, event }) => [...context.queuedSmart, ...smartEventsRaised(context, event)] }),
    takeQueuedSmart: assign(({ context }) => ({ pendingSmartInfo: context.queuedSmart[0] ?? null, queuedSmart: context.queuedSmart.slice(1) })),
    postSmartEvent: enqueueActions(({ context, enqueue }) => {
      const { cid, parked } = takeAer(context);
      const dw0 = smartEventDw0(context.pendingSmartInfo ?? 0);
      enqueue.assign({ parked, pendingSmartInfo: null });
      enqueue.sendTo(({ system }) => system.get('adminQueue'), completionRequested(cid, Status.SUCCESS, dw0));
      enqueue.emit({ type: 'aen.posted', cid, dw0 });
    }),
    postQueuedSmart: enqueueActions(({ context, enqueue }) => {
      const { cid, parked } = takeAer(context);
      const dw0 = smartEventDw0(context.queuedSmart[0] ?? 0);
      enqueue.assign({ parked, queuedSmart: context.queuedSmart.slice(1) });
      enqueue.sendTo(({ system }) => system.get('adminQueue'), completionRequested(cid, Status.SUCCESS, dw0));
      enqueue.emit({ type: 'aen.posted', cid, dw0 });
    }),
    acknowledgeHealth: emit(({ context, event }, params: { outcome: HealthOutcome }) => {
      const h = healthAfter(context, event);
      return { type: 'health.processed' as const, outcome: params.outcome, criticalWarning: criticalWarningOf(h), temperature: h.temperature };
    }),
    replySmartLog: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'smartLog.read') return;
      const errorCount = context.policy.errorLogKeepsEntries ? context.errorLog.count : 0;
      const data = pageSlice(smartLogOf(context.health, errorCount, context.policy.smartHealthEvents), event.numd, event.offset);
      if (!event.rae) enqueue.assign({ pendingSmartInfo: null });
      enqueue.sendTo(({ system }) => system.get('adminQueue'), latchReplied(Status.SUCCESS, 0, data));
      enqueue.emit({ type: 'smartLog.read', criticalWarning: context.policy.smartHealthEvents ? criticalWarningOf(context.health) : 0, rae: event.rae, unmasked: !event.rae });
    }),
    storeHealth: assign({ health: ({ context, event }) => healthAfter(context, event) }),
    replyThresholdSet: sendTo(({ system }) => system.get('adminQueue'), () => latchReplied(Status.SUCCESS)),
    replyThreshold: sendTo(({ system }) => system.get('adminQueue'), ({ context, event }) => latchReplied(Status.SUCCESS, event.type === 'threshold.get' ? thresholdDw0(context.health, decodeThreshold(event.cdw11)) : 0)),
    // ---- firmware activation ----
    /** Slot 2's image becomes the running firmware; CSTS.PP is set while `activating` (its tag). */
    startActivation: enqueueActions(({ context, event, enqueue }) => {
      enqueue.assign({ firmware: activated(context.firmware, event.type === 'firmware.activate' ? event.revision : ACTIVATED_REVISION) });
      enqueue.raise({ type: 'firmware.activationStarted' });
    }),
    refuseActivation: emit(({ context }) => ({ type: 'firmware.refused' as const, reason: context.policy.firmwareActivation ? 'a firmware activation is already in progress' : 'this profile has no firmware activation (OAES bit 9 clear)' })),
    finishActivation: emit(({ context }) => ({ type: 'firmware.activated' as const, activeSlot: context.firmware.activeSlot })),
    acknowledgeActivation: emit((_, params: { outcome: HealthOutcome }) => ({ type: 'firmware.activating' as const, outcome: params.outcome })),
    postFirmwareNotice: enqueueActions(({ context, enqueue }) => {
      const { cid, parked } = takeAer(context);
      enqueue.assign({ parked });
      enqueue.sendTo(({ system }) => system.get('adminQueue'), completionRequested(cid, Status.SUCCESS, FIRMWARE_NOTICE_DW0));
      enqueue.emit({ type: 'aen.posted', cid, dw0: FIRMWARE_NOTICE_DW0 });
    }),
    replyFirmwareLog: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'firmwareLog.read') return;
      const page = context.policy.firmwareActivation ? firmwareLogOf(context.firmware) : new Uint8Array(512);
      enqueue.sendTo(({ system }) => system.get('adminQueue'), latchReplied(Status.SUCCESS, 0, pageSlice(page, event.numd, event.offset)));
      enqueue.emit({ type: 'firmwareLog.read', activeSlot: context.firmware.activeSlot, rae: event.rae, unmasked: !event.rae });
    }),
    queueSmartReport: assign({ waiting: ({ context }) => withWaiting(context.waiting, 'smart') }),
    unqueueSmartReport: assign({ waiting: ({ context }) => withoutWaiting(context.waiting, 'smart') }),
    queueFirmwareReport: assign({ waiting: ({ context }) => withWaiting(context.waiting, 'firmware') }),
    unqueueFirmwareReport: assign({ waiting: ({ context }) => withoutWaiting(context.waiting, 'firmware') }),
    postErrorEvent: enqueueActions(({ context, enqueue }) => {
      const { cid, parked } = takeAer(context);
      const dw0 = errorEventDw0(context.pendingErrorInfo ?? 0);
      enqueue.assign({ parked, pendingErrorInfo: null });
      enqueue.sendTo(({ system }) => system.get('adminQueue'), completionRequested(cid, Status.SUCCESS, dw0));
      enqueue.emit({ type: 'aen.posted', cid, dw0 });
    }),
    replyErrorLog: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'errorLog.read') return;
      // Newest entry first, 64 bytes each (§5.16.1.2); QEMU and OpenVMM keep none (zeros). RAE=0 clears the event.
      const data = errorLogPage(context.errorLog, context.policy.errorLogEntries, context.policy.errorLogKeepsEntries, event.numd, event.offset);
      if (!event.rae) enqueue.assign({ errors: 0, pendingErrorInfo: null });
      enqueue.sendTo(({ system }) => system.get('adminQueue'), latchReplied(Status.SUCCESS, 0, data));
      enqueue.emit({ type: 'errorLog.read', errors: context.errors, rae: event.rae, unmasked: !event.rae });
    }),
    /** Every change queued while offline, oldest first, as one batch (taken as one change after another). */
    replayOfflineChanges: enqueueActions(({ context, enqueue }) => {
      if (!context.offlineChanges) return;
      enqueue.raise({ type: 'namespaces.changed', changes: offlineChangeList(context.offlineChanges) });
      enqueue.assign({ offlineChanges: null });
    }),
  },
}).createMachine({
  id: 'aenLatch',
  context: ({ input }) => initialLatchContext(input),
  initial: 'offline',
  states: {
    offline: {
      description: 'The controller is not enabled: no admin queue exists to complete an AER. Namespace changes wait here and are applied at the next enable.',
      on: {
        'controller.enabled': { target: 'online', actions: 'replayOfflineChanges' },
        'namespace.changed': { actions: 'queueOfflineChange' },
        'namespaces.changed': { actions: 'queueOfflineChange' },
      },
    },
    online: {
      description: 'The controller is enabled; AERs may be parked (at most AERL+1, NVMe Base 2.0 §5.2).',
      on: {
        'controller.reset': {
          target: 'offline',
          description: 'Controller reset: parked AERs are aborted with no completion, masks clear (NVMe Base 2.0 §3.7.2, §5.2).',
          actions: 'dropParkedAers',
        },
        'aer.received': [
          { guard: 'isAerLimitReached', actions: 'rejectAerOverLimit', description: 'AERL+1 already parked: Asynchronous Event Request Limit Exceeded (1/05h).' },
          { actions: 'parkAer' },
        ],
        'aec.set': { actions: 'storeAec' },
        'aec.get': { actions: 'replyAec' },
        'abort.requested': [
          { guard: 'isParkedAer', actions: 'abortParkedAer', description: 'A parked AER is aborted: 0/07h, then the Abort completes with DW0 bit 0 = 0 (§5.1).' },
          { actions: 'replyNotAborted' },
        ],
        'command.failed': { actions: 'logFailedCommand', description: 'A command completed with an error: an Error Information log entry (SQID, CID, status, parameter error location, NSID; §5.16.1.2), no event.' },
      },
      type: 'parallel',
      states: {
        notice: {
          description: 'The Notice event type: Namespace Attribute Changed, cleared by Get Log Page 04h (NVMe Base 2.0 §5.2, §5.16.1.5).',
          initial: 'clear',
          states: {
            clear: {
              description: 'No Namespace Attribute Changed event outstanding; the Changed Namespace List is empty.',
              always: { guard: 'hasRetainedChanges', target: 'pending', description: 'Changes left unread over a reset were never cleared: report them again.' },
              on: {
                'namespace.changed': [
                  { guard: 'isStaleChange', actions: ['recordChange', { type: 'acknowledgeChange', params: { outcome: 'coalesced' } }], description: 'QEMU: an NSID still in the list raises no new event.' },
                  { guard: 'isChangeUnannounced', actions: ['recordChange', { type: 'acknowledgeChange', params: { outcome: 'deferred' } }], description: 'Linux nvmet: AEC bit 8 is clear when the change happens, so it is listed and raises no event (setting the bit again reports nothing).' },
                  { guard: 'canReportChange', target: 'posted', actions: ['recordChange', 'postNamespaceNotice', { type: 'acknowledgeChange', params: { outcome: 'posted' } }], description: 'An AER is parked and notices are enabled: the AEN is posted before the change is acknowledged (before a Namespace Attachment completes).' },
                  { target: 'pending', actions: ['recordChange', { type: 'acknowledgeChange', params: { outcome: 'deferred' } }] },
                ],
                'namespaces.changed': { actions: 'splitChanges', description: 'A batch: its first change decides what happens here, the rest follow as a batch.' },
                'changedList.read': { actions: 'replyChangedList' },
              },
            },
            pending: {
              description: 'A change is recorded but not reported: no AER is parked, AEC bit 8 disables the notice (§5.27.1.9), or an older Error event goes first.',
              entry: 'queueNoticeReport',
              exit: 'unqueueNoticeReport',
              always: { guard: 'canReportNotice', target: 'posted', actions: 'postNamespaceNotice' },
              on: {
                'namespace.changed': { actions: ['recordChange', { type: 'acknowledgeChange', params: { outcome: 'deferred' } }] },
                'namespaces.changed': { actions: ['recordChanges', { type: 'acknowledgeChange', params: { outcome: 'deferred' } }], description: 'Every change of a batch waits with the rest, in one step.' },
                'changedList.read': [
                  { guard: 'hasQueuedNotices', actions: 'replyChangedList', description: 'QEMU: reading the list does not discard queued events.' },
                  { target: 'clear', actions: 'replyChangedList', description: 'Reading the list consumes it: nothing is left to report.' },
                ],
              },
            },
            posted: {
              description: 'Notice reported; further notices are masked until Get Log Page 04h with RAE=0 (NVMe Base 2.0 §5.2, §5.16).',
              on: {
                'namespace.changed': {
                  actions: ['recordChange', { type: 'acknowledgeChange', params: { outcome: 'coalesced' } }],
                  description: 'Masked: the change joins the list the posted AEN asks the host to read (QEMU: an NSID new to the list queues one more event).',
                },
                'namespaces.changed': {
                  actions: ['recordChanges', { type: 'acknowledgeChange', params: { outcome: 'coalesced' } }],
                  description: 'Masked: every change of a batch joins the list, in one step.',
                },
                'aen.dropped': {
                  guard: 'isNoticeDropUnlatched',
                  target: 'pending',
                  description: "OpenVMM: a completion fault dropped the AEN; the AER is consumed, the latch is not set, and the next parked AER is tried (nvme_test next_event).",
                },
                'changedList.read': [
                  { guard: 'isRaeSet', actions: 'replyChangedList', description: 'RAE=1: the list is returned (and emptied); the event stays masked.' },
                  { guard: 'canReportQueuedNotice', actions: ['postNamespaceNotice', 'replyChangedList'], description: 'QEMU 7.2: the read unmasks and the next queued event goes at once to a parked AER, its AEN posted before the read completes (docs/qemu-observations.md e, m).' },
                  { guard: 'hasQueuedNotices', target: 'pending', actions: 'replyChangedList', description: 'QEMU: an event queued while masked is reported once unmasked.' },
                  { target: 'clear', actions: 'replyChangedList', description: 'RAE=0: the event is cleared and the mask lifted.' },
                ],
              },
            },
          },
        },
        errorEvent: {
          description: 'The Error event type: invalid doorbell writes (info 00h, 01h), cleared by Get Log Page 01h Error Information (NVMe Base 2.0 §5.2, §5.16.1.2).',
          initial: 'clear',
          states: {
            clear: {
              description: 'No Error event outstanding.',
              on: {
                'doorbell.invalid': [
                  { guard: 'isErrorDiscarded', description: 'QEMU 7.2: with no AER outstanding the error is not kept.' },
                  { guard: 'canReportError', target: 'posted', actions: ['recordError', 'retainError', 'postErrorEvent'], description: 'An AER is parked: the Error event is reported at once (DW0 = 0 | info << 8 | 01h << 16).' },
                  { target: 'pending', actions: ['recordError', 'retainError'], description: 'No AER is parked: the event is retained until one arrives (§5.2).' },
                ],
                'error.injected': [
                  { guard: 'isErrorDiscarded', actions: { type: 'acknowledgeError', params: { outcome: 'none' } }, description: 'QEMU 7.2: with no AER outstanding the error is not kept.' },
                  { guard: 'canReportError', target: 'posted', actions: ['recordError', 'retainError', 'postErrorEvent', { type: 'acknowledgeError', params: { outcome: 'posted' } }], description: 'An injected error (Persistent Internal Error, …) is reported at once to a parked AER.' },
                  { target: 'pending', actions: ['recordError', 'retainError', { type: 'acknowledgeError', params: { outcome: 'deferred' } }], description: 'No AER is parked: the event is retained (§5.2).' },
                ],
                'errorLog.read': { actions: 'replyErrorLog' },
              },
            },
            pending: {
              description: 'An Error event is retained, waiting for an AER; events waiting in both regions are reported oldest first.',
              entry: 'queueErrorReport',
              exit: 'unqueueErrorReport',
              always: { guard: 'canReportError', target: 'posted', actions: 'postErrorEvent' },
              on: {
                'doorbell.invalid': { actions: ['recordError', 'retainError'], description: 'The first retained error is the one reported.' },
                'error.injected': { actions: ['recordError', 'retainError', { type: 'acknowledgeError', params: { outcome: 'deferred' } }], description: 'The first retained error is the one reported.' },
                'errorLog.read': [
                  { guard: 'isRaeSet', actions: 'replyErrorLog', description: 'RAE=1: the log is returned; the event is retained.' },
                  { target: 'clear', actions: 'replyErrorLog', description: 'RAE=0: reading the log clears the event before it was reported.' },
                ],
              },
            },
            posted: {
              description: 'Error event reported; further Error events are masked until Get Log Page 01h with RAE=0 (NVMe Base 2.0 §5.2, §5.16).',
              on: {
                'doorbell.invalid': { actions: 'recordError', description: 'Masked: recorded in the log, not reported.' },
                'error.injected': { actions: ['recordError', { type: 'acknowledgeError', params: { outcome: 'masked' } }], description: 'Masked: recorded in the log, not reported.' },
                'errorLog.read': [
                  { guard: 'isRaeSet', actions: 'replyErrorLog', description: 'RAE=1: the log is returned; the event stays masked.' },
                  { target: 'clear', actions: 'replyErrorLog', description: 'RAE=0: the event is cleared and the mask lifted.' },
                ],
              },
            },
          },
        },
        smart: {
          description: 'The SMART / Health event type (log 02h): a Critical Warning bit newly set, or a Temperature Threshold the composite temperature is beyond, that AEC bits 5:0 enable (NVMe Base 2.0 §5.2, §5.16.1.3, §5.27.1.9).',
          initial: 'clear',
          states: {
            clear: {
              description: 'No SMART / Health event outstanding.',
              on: {
                'threshold.set': [
                  { guard: 'canReportRaisedSmart', target: 'posted', actions: ['retainSmartEvents', 'postSmartEvent', { type: 'acknowledgeHealth', params: { outcome: 'posted' } }], description: 'The temperature is beyond the new threshold and AEC bit 1 is set: a parked AER completes (DW0 00020101h) before Set Features does.' },
                  { guard: 'raisesSmartEvent', target: 'pending', actions: ['retainSmartEvents', { type: 'acknowledgeHealth', params: { outcome: 'deferred' } }], description: 'No AER is parked: the event is retained (§5.2).' },
                  { actions: { type: 'acknowledgeHealth', params: { outcome: 'none' } }, description: 'Within limits, or AEC bit 1 clear: no event.' },
                ],
                'health.changed': [
                  { guard: 'canReportRaisedSmart', target: 'posted', actions: ['retainSmartEvents', 'postSmartEvent', { type: 'acknowledgeHealth', params: { outcome: 'posted' } }], description: 'A Critical Warning bit AEC enables is set: a parked AER completes at once.' },
                  { guard: 'raisesSmartEvent', target: 'pending', actions: ['retainSmartEvents', { type: 'acknowledgeHealth', params: { outcome: 'deferred' } }], description: 'No AER is parked: the event is retained (§5.2).' },
                  { actions: { type: 'acknowledgeHealth', params: { outcome: 'none' } }, description: 'No enabled warning newly set: no event.' },
                ],
                'smartLog.read': { actions: 'replySmartLog' },
              },
            },
            pending: {
              description: 'A SMART / Health event waits for an AER; events waiting in several regions are reported oldest first.',
              entry: 'queueSmartReport',
              exit: 'unqueueSmartReport',
              always: { guard: 'canReportSmart', target: 'posted', actions: 'postSmartEvent' },
              on: {
                'threshold.set': [
                  { guard: 'raisesSmartEvent', actions: ['retainSmartEvents', { type: 'acknowledgeHealth', params: { outcome: 'deferred' } }], description: 'The first retained event is the one reported.' },
                  { actions: { type: 'acknowledgeHealth', params: { outcome: 'none' } } },
                ],
                'health.changed': [
                  { guard: 'raisesSmartEvent', actions: ['retainSmartEvents', { type: 'acknowledgeHealth', params: { outcome: 'deferred' } }], description: 'The first retained event is the one reported.' },
                  { actions: { type: 'acknowledgeHealth', params: { outcome: 'none' } } },
                ],
                'smartLog.read': [
                  { guard: 'isRaeSet', actions: 'replySmartLog', description: 'RAE=1: the log is returned; the event is retained.' },
                  { target: 'clear', actions: 'replySmartLog', description: 'RAE=0: reading the log clears the event before it was reported.' },
                ],
              },
            },
            posted: {
              description: 'SMART / Health event reported; further SMART / Health events are masked until Get Log Page 02h with RAE=0 (NVMe Base 2.0 §5.2, §5.16).',
              on: {
                'threshold.set': [
                  { guard: 'queuesMaskedSmart', actions: ['queueMaskedSmart', { type: 'acknowledgeHealth', params: { outcome: 'masked' } }], description: 'QEMU 7.2: the event is queued behind the mask.' },
                  { guard: 'raisesSmartEvent', actions: { type: 'acknowledgeHealth', params: { outcome: 'masked' } }, description: 'Masked: the warning is in the log the posted AEN asks the host to read.' },
                  { actions: { type: 'acknowledgeHealth', params: { outcome: 'none' } } },
                ],
                'health.changed': [
                  { guard: 'queuesMaskedSmart', actions: ['queueMaskedSmart', { type: 'acknowledgeHealth', params: { outcome: 'masked' } }], description: 'QEMU 7.2: the event is queued behind the mask.' },
                  { guard: 'raisesSmartEvent', actions: { type: 'acknowledgeHealth', params: { outcome: 'masked' } }, description: 'Masked: the warning is in the log the posted AEN asks the host to read.' },
                  { actions: { type: 'acknowledgeHealth', params: { outcome: 'none' } } },
                ],
                'smartLog.read': [
                  { guard: 'isRaeSet', actions: 'replySmartLog', description: 'RAE=1: the log is returned; the event stays masked.' },
                  { guard: 'canReportQueuedSmart', actions: ['postQueuedSmart', 'replySmartLog'], description: 'QEMU 7.2: the read unmasks and the next queued event goes at once to a parked AER, before the read completes.' },
                  { guard: 'hasQueuedSmart', target: 'pending', actions: ['takeQueuedSmart', 'replySmartLog'], description: 'QEMU 7.2: a queued event waits for an AER once unmasked.' },
                  { target: 'clear', actions: 'replySmartLog', description: 'RAE=0: the event is cleared and the mask lifted.' },
                ],
              },
            },
          },
        },
        health: {
          description: 'The composite temperature, its over and under thresholds (feature 04h, NVMe Base 2.0 §5.27.1.3) and the Critical Warning bits of log 02h (§5.16.1.3).',
          initial: 'withinLimits',
          states: {
            withinLimits: {
              description: 'Critical Warning is 0: the temperature is between the thresholds and no warning is raised.',
              on: {
                'threshold.set': [
                  { guard: 'leadsToWarning', target: 'warning', actions: ['storeHealth', 'replyThresholdSet'], description: 'The temperature is now beyond a threshold: Critical Warning bit 1.' },
                  { actions: ['storeHealth', 'replyThresholdSet'], description: 'The threshold is stored; Set Features completes.' },
                ],
                'threshold.get': { actions: 'replyThreshold', description: 'Get Features 04h: the threshold THSEL selects.' },
                'health.changed': [
                  { guard: 'leadsToWarning', target: 'warning', actions: 'storeHealth', description: 'A warning is now set (the fault, or the temperature moved beyond a threshold).' },
                  { actions: 'storeHealth' },
                ],
              },
            },
            warning: {
              description: 'Critical Warning is not 0: the temperature is beyond a threshold, or the fault set warning bits.',
              on: {
                'threshold.set': [
                  { guard: 'leadsToWarning', actions: ['storeHealth', 'replyThresholdSet'], description: 'Still beyond a threshold (or another warning is set).' },
                  { target: 'withinLimits', actions: ['storeHealth', 'replyThresholdSet'], description: 'The temperature is within the new thresholds: Critical Warning clears.' },
                ],
                'threshold.get': { actions: 'replyThreshold', description: 'Get Features 04h: the threshold THSEL selects.' },
                'health.changed': [
                  { guard: 'leadsToWarning', actions: 'storeHealth' },
                  { target: 'withinLimits', actions: 'storeHealth', description: 'Every warning cleared.' },
                ],
              },
            },
          },
        },
        firmware: {
          description: 'Firmware activation without reset (NVMe Base 2.0 §5.11, §3.1.3.6): while it runs, CSTS.PP = 1 and commands are not processed; the facade\'s timer ends it.',
          initial: 'idle',
          states: {
            idle: {
              description: 'The firmware in the active slot runs.',
              on: {
                'firmware.activate': [
                  { guard: 'isFirmwareActivationUnsupported', actions: 'refuseActivation', description: 'A profile whose controller has no firmware activation: refused.' },
                  { target: 'activating', actions: 'startActivation', description: 'The fault starts an activation: slot 2 becomes active, CSTS.PP is set, the notice occurs.' },
                ],
              },
            },
            activating: {
              tags: ['csts.pp'],
              description: 'CSTS.PP = 1: processing is paused for the activation; MTFA bounds it (Identify Controller).',
              on: {
                'firmware.activate': { actions: 'refuseActivation', description: 'One activation at a time.' },
                'firmware.activated': { target: 'idle', actions: 'finishActivation', description: 'The activation is done: CSTS.PP = 0, processing resumes.' },
              },
            },
          },
        },
        firmwareNotice: {
          description: 'Firmware Activation Starting (Notice, info 01h, log 03h; AEC bit 9; NVMe Base 2.0 §5.2, §5.16.1.4): masked once reported until log 03h is read with RAE=0.',
          initial: 'clear',
          states: {
            clear: {
              description: 'No Firmware Activation Starting notice outstanding.',
              on: {
                'firmware.activationStarted': [
                  { guard: 'firmwareNoticeDisabled', actions: { type: 'acknowledgeActivation', params: { outcome: 'none' } }, description: 'AEC bit 9 clear: no notice (§5.27.1.9).' },
                  { guard: 'canReportFirmware', target: 'posted', actions: ['postFirmwareNotice', { type: 'acknowledgeActivation', params: { outcome: 'posted' } }], description: 'A parked AER completes with DW0 00030102h.' },
                  { target: 'pending', actions: { type: 'acknowledgeActivation', params: { outcome: 'deferred' } }, description: 'No AER is parked: the notice is retained (§5.2).' },
                ],
                'firmwareLog.read': { actions: 'replyFirmwareLog' },
              },
            },
            pending: {
              description: 'The notice waits for an AER; events waiting in several regions are reported oldest first.',
              entry: 'queueFirmwareReport',
              exit: 'unqueueFirmwareReport',
              always: { guard: 'canReportFirmware', target: 'posted', actions: 'postFirmwareNotice' },
              on: {
                'firmware.activationStarted': { actions: { type: 'acknowledgeActivation', params: { outcome: 'deferred' } }, description: 'Coalesced into the retained notice.' },
                'firmwareLog.read': [
                  { guard: 'isRaeSet', actions: 'replyFirmwareLog', description: 'RAE=1: the log is returned; the notice is retained.' },
                  { target: 'clear', actions: 'replyFirmwareLog', description: 'RAE=0: reading the log clears the notice before it was reported.' },
                ],
              },
            },
            posted: {
              description: 'Notice reported; further Firmware Activation Starting notices are masked until Get Log Page 03h with RAE=0.',
              on: {
                'firmware.activationStarted': { actions: { type: 'acknowledgeActivation', params: { outcome: 'masked' } }, description: 'Masked.' },
                'firmwareLog.read': [
                  { guard: 'isRaeSet', actions: 'replyFirmwareLog', description: 'RAE=1: the log is returned; the notice stays masked.' },
                  { target: 'clear', actions: 'replyFirmwareLog', description: 'RAE=0: the notice is cleared and the mask lifted.' },
                ],
              },
            },
          },
        },
      },
    },
  },
});
