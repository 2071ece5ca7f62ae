// The AEN / Changed Namespace List specification chart: an abstract, host-visible model of Asynchronous Event
// Requests, the Namespace Attribute Changed notice, its masking and the Changed Namespace List (NVMe Base 2.0 §5.2,
// §5.16.1.5, §5.27.1.9, §5.1, §3.7.2). Tests are generated from it with xstate/graph's createTestModel and replayed
// through NvmeHost against any controller. No invoke, no after. The profile comes in as input; `expect` in context
// is what the step must produce. Guards and the context update share one pure model (src/logic/aen-chart.ts).
import { assign, setup } from 'xstate';
import { applyEvent, chartStateOf, initialChartContext, type ChartContext, type ChartEvent, type ChartPolicy } from '../src/logic/aen-chart.ts';

export const aenLogPageChart = setup({
  types: {
    context: {} as ChartContext,
    events: {} as ChartEvent,
    input: {} as { policy: ChartPolicy; aerl: number },
  },
  guards: {
    leadsToIdle: ({ context, event }) => chartStateOf(applyEvent(context, event)) === 'idle',
    leadsToAerParked: ({ context, event }) => chartStateOf(applyEvent(context, event)) === 'aerParked',
    leadsToNoticePending: ({ context, event }) => chartStateOf(applyEvent(context, event)) === 'noticePending',
    leadsToNoticeReported: ({ context, event }) => chartStateOf(applyEvent(context, event)) === 'noticeReported',
  },
  actions: {
    apply: assign(({ context, event }) => applyEvent(context, event)),
  },
}).createMachine({
  id: 'aenLogPage',
  context: ({ input }) => initialChartContext(input),
  initial: 'idle',
  states: {
    idle: {
      description: 'No AER parked, no notice outstanding. Observed: no completion arrives for anything the host did not submit.',
      on: {
        'aer.submit': [{ guard: 'leadsToAerParked', target: 'aerParked', actions: 'apply', description: 'The AER is parked until an event is reported (§5.2).' }],
        'namespace.change': [
          { guard: 'leadsToNoticePending', target: 'noticePending', actions: 'apply', description: 'No AER parked: the event waits for one (§5.2 "should retain").' },
          { guard: 'leadsToIdle', target: 'idle', actions: 'apply' },
        ],
        'namespace.overflow': [{ guard: 'leadsToNoticePending', target: 'noticePending', actions: 'apply' }],
        'changedList.read': [{ guard: 'leadsToIdle', target: 'idle', actions: 'apply' }],
        'changedList.readShort': [{ guard: 'leadsToIdle', target: 'idle', actions: 'apply' }],
        'notices.set': [{ guard: 'leadsToIdle', target: 'idle', actions: 'apply' }],
        'aer.abort': [{ guard: 'leadsToIdle', target: 'idle', actions: 'apply' }],
        'controller.reset': [{ guard: 'leadsToIdle', target: 'idle', actions: 'apply' }],
      },
    },
    aerParked: {
      description: 'AERs parked (≤ AERL+1), nothing to report. Observed: parked AERs stay outstanding.',
      on: {
        'aer.submit': [{ guard: 'leadsToAerParked', target: 'aerParked', actions: 'apply', description: 'Parked; beyond AERL+1 the AER completes at once with 1/05h (§5.2).' }],
        'namespace.change': [
          { guard: 'leadsToNoticeReported', target: 'noticeReported', actions: 'apply', description: 'A parked AER completes with DW0 00040002h; further notices are masked (§5.2).' },
          { guard: 'leadsToNoticePending', target: 'noticePending', actions: 'apply', description: 'AEC bit 8 off: recorded in the list, not reported (§5.27.1.9).' },
          { guard: 'leadsToAerParked', target: 'aerParked', actions: 'apply', description: 'QEMU: an NSID still in the list raises no event.' },
        ],
        'namespace.overflow': [
          { guard: 'leadsToNoticeReported', target: 'noticeReported', actions: 'apply', description: 'More than 1024 changes: reported once; the list becomes FFFFFFFFh (§5.16.1.5).' },
          { guard: 'leadsToNoticePending', target: 'noticePending', actions: 'apply' },
        ],
        'changedList.read': [{ guard: 'leadsToAerParked', target: 'aerParked', actions: 'apply' }],
        'changedList.readShort': [{ guard: 'leadsToAerParked', target: 'aerParked', actions: 'apply' }],
        'notices.set': [{ guard: 'leadsToAerParked', target: 'aerParked', actions: 'apply' }],
        'aer.abort': [
          { guard: 'leadsToIdle', target: 'idle', actions: 'apply', description: 'Abort of the only parked AER: 0/07h, then Abort DW0 bit 0 = 0 (NVMe Base 2.0 §5.1).' },
          { guard: 'leadsToAerParked', target: 'aerParked', actions: 'apply', description: 'Another AER stays parked, or the profile cannot abort an AER (Abort DW0 = 1).' },
        ],
        'controller.reset': [{ guard: 'leadsToIdle', target: 'idle', actions: 'apply', description: 'Reset: parked AERs vanish with no completion (§3.7.2).' }],
      },
    },
    noticePending: {
      description: 'A Namespace Attribute Changed event waits: no AER parked, or AEC bit 8 off (NVMe Base 2.0 §5.2, §5.27.1.9). Observed: parked AERs stay outstanding; the list holds the changes.',
      on: {
        'aer.submit': [
          { guard: 'leadsToNoticeReported', target: 'noticeReported', actions: 'apply', description: 'The waiting event completes the new AER at once.' },
          { guard: 'leadsToNoticePending', target: 'noticePending', actions: 'apply' },
        ],
        'namespace.change': [{ guard: 'leadsToNoticePending', target: 'noticePending', actions: 'apply' }],
        'namespace.overflow': [{ guard: 'leadsToNoticePending', target: 'noticePending', actions: 'apply' }],
        'changedList.read': [
          { guard: 'leadsToIdle', target: 'idle', actions: 'apply', description: 'Reading the list consumes it: nothing is left to report.' },
          { guard: 'leadsToAerParked', target: 'aerParked', actions: 'apply' },
          { guard: 'leadsToNoticePending', target: 'noticePending', actions: 'apply' },
        ],
        'changedList.readShort': [
          { guard: 'leadsToIdle', target: 'idle', actions: 'apply' },
          { guard: 'leadsToAerParked', target: 'aerParked', actions: 'apply' },
          { guard: 'leadsToNoticePending', target: 'noticePending', actions: 'apply' },
        ],
        'notices.set': [
          { guard: 'leadsToNoticeReported', target: 'noticeReported', actions: 'apply', description: 'AEC bit 8 back on with changes pending and an AER parked: reported at once.' },
          { guard: 'leadsToNoticePending', target: 'noticePending', actions: 'apply' },
        ],
        'aer.abort': [{ guard: 'leadsToNoticePending', target: 'noticePending', actions: 'apply' }],
        'controller.reset': [
          { guard: 'leadsToNoticePending', target: 'noticePending', actions: 'apply', description: 'Unread changes survive a reset and are reported to the next AER (spec profile).' },
          { guard: 'leadsToIdle', target: 'idle', actions: 'apply' },
        ],
      },
    },
    noticeReported: {
      description: 'The notice was reported (DW0 00040002h) and is masked until Get Log Page 04h with RAE=0 (§5.2, §5.16). Observed: further changes complete no AER.',
      on: {
        'aer.submit': [{ guard: 'leadsToNoticeReported', target: 'noticeReported', actions: 'apply' }],
        'namespace.change': [{ guard: 'leadsToNoticeReported', target: 'noticeReported', actions: 'apply', description: 'Masked: the change joins the list; no new AEN (§5.2).' }],
        'namespace.overflow': [{ guard: 'leadsToNoticeReported', target: 'noticeReported', actions: 'apply' }],
        'changedList.read': [
          { guard: 'leadsToIdle', target: 'idle', actions: 'apply', description: 'RAE=0: the event is cleared and the mask lifted (§5.16); RAE=1 keeps the mask.' },
          { guard: 'leadsToAerParked', target: 'aerParked', actions: 'apply' },
          { guard: 'leadsToNoticePending', target: 'noticePending', actions: 'apply' },
          { guard: 'leadsToNoticeReported', target: 'noticeReported', actions: 'apply', description: 'RAE=1 (or QEMU: the unmasking read releases a queued event to a parked AER at once).' },
        ],
        'changedList.readShort': [
          { guard: 'leadsToIdle', target: 'idle', actions: 'apply' },
          { guard: 'leadsToAerParked', target: 'aerParked', actions: 'apply' },
          { guard: 'leadsToNoticePending', target: 'noticePending', actions: 'apply' },
          { guard: 'leadsToNoticeReported', target: 'noticeReported', actions: 'apply' },
        ],
        'notices.set': [{ guard: 'leadsToNoticeReported', target: 'noticeReported', actions: 'apply' }],
        'aer.abort': [{ guard: 'leadsToNoticeReported', target: 'noticeReported', actions: 'apply' }],
        'controller.reset': [
          { guard: 'leadsToNoticePending', target: 'noticePending', actions: 'apply' },
          { guard: 'leadsToIdle', target: 'idle', actions: 'apply' },
        ],
      },
    },
  },
});
