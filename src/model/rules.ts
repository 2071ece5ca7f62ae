// The spec rules this emulator holds to (docs/semantics.md §4, plus the other profile knobs), each with the
// profile knobs that decide it and a rule check: a scenario whose expectations are computed from a profile, so the
// same rule gives the `spec`, `qemu` and `openvmm` packs their own expectations. Chart-shaped checks take their
// expectations from the chart (chartToScenario); the others are written from the knobs directly. NVMe Base 2.0 numbering.
import type { HostEvent } from '../logic/aen-chart.ts';
import { OVERFLOW_BATCH } from './generate.ts';
import type { Profile } from '../profiles/profiles.ts';
import { AdminOpcode, Status } from '../spec/constants.ts';
import { chartToScenario, CHART_NAMESPACES, type ScenarioJson } from './to-scenario.ts';

/** The knobs the fingerprint compares. `retainErrorEvents` is left out: no scenario step writes a bad doorbell, so
 * no rule check can observe it yet (test/actor/aen-error.actor.test.ts covers it per profile). `aenDropUnlatches`
 * is how a fault behaves, which a peer without fault injection cannot show (test/actor/aen-drop.actor.test.ts).
 * `aecSetEchoesValue` (Set Features DW0) is left out: no expectation reads that DW0 (the differential suites compare it). */
export type Knob = Exclude<keyof Profile, 'name' | 'description' | 'retainErrorEvents' | 'aenDropUnlatches' | 'aecSetEchoesValue' | HealthKnob>;
/** The firmware and error-log knobs (issue 18): no peer can be made to activate firmware, and the error log's
 * entries are not compared yet, so the fingerprint leaves them out (test/actor/health-events.actor.test.ts covers
 * them per profile). The SMART knobs are compared (rules smart-threshold, smart-masking). */
type HealthKnob = 'firmwareActivation' | 'errorLogEntries' | 'errorLogKeepsEntries';

/** Every policy knob, in the order divergences are listed. */
export const KNOBS: readonly Knob[] = [
  'aerLimitStatus',
  'noticePerNewNsid',
  'aecDefault',
  'supportsAecFeature',
  'resetRestoresAec',
  'aecGatesNamespaceNotice',
  'aerCompletionOrder',
  'retainUnreadChangesOverReset',
  'resetClearsChangedList',
  'abortAbortsAer',
  'invalidOpcodeStatus',
  'invalidLogPageStatus',
  'errorsSetDnr',
  'changedListHonoursOffset',
  'supportsNamespaceAttachment',
  'supportsKeepAlive',
  'temperatureThreshold',
  'smartHealthEvents',
  'smartEventsQueueWhileMasked',
  'changedListOrder',
  'changedListWholePageOnly',
  'identifyInactiveNamespaceZeros',
  'aecGatesAtChange',
];

/** "1/05h": the scenario form of a status, without DNR (compared separately). */
const statusText = (s: Status): string => Status.format({ ...s, dnr: false });
const withDnr = (s: Status): string => `${statusText(s)}${s.dnr ? ' with DNR' : ', no DNR'}`;
const hex = (n: number): string => `${(n >>> 0).toString(16).toUpperCase()}h`;

/** A knob's subject, for headings. */
export const KNOB_TOPIC: Readonly<Record<Knob, string>> = {
  aerLimitStatus: 'status of the AER beyond the limit',
  noticePerNewNsid: 'notices for changes made while the notice is masked',
  aecDefault: 'AEC at enable',
  supportsAecFeature: 'feature 0Bh',
  resetRestoresAec: 'AEC over a controller reset',
  aecGatesNamespaceNotice: 'AEC bit 8 and the Namespace Attribute notice',
  aerCompletionOrder: 'order in which parked AERs complete',
  retainUnreadChangesOverReset: 'unread changes over a controller reset',
  resetClearsChangedList: 'the Changed Namespace List over a controller reset',
  abortAbortsAer: 'Abort of a parked AER',
  invalidOpcodeStatus: 'status of an unknown admin opcode',
  invalidLogPageStatus: 'status of an unsupported log page',
  errorsSetDnr: 'DNR on error statuses',
  changedListHonoursOffset: 'the Get Log Page offset',
  supportsNamespaceAttachment: 'Namespace Attachment',
  supportsKeepAlive: 'Keep Alive',
  temperatureThreshold: 'Temperature Threshold (feature 04h)',
  smartHealthEvents: 'SMART / Health events and Critical Warning',
  smartEventsQueueWhileMasked: 'SMART / Health events raised while the type is masked',
  changedListOrder: 'order of the Changed Namespace List',
  changedListWholePageOnly: 'Get Log Page 04h shorter than the page',
  identifyInactiveNamespaceZeros: 'Identify Namespace of an inactive NSID',
  aecGatesAtChange: 'when AEC bit 8 is read',
};

/** What a knob's value means, in words a table can hold: "what the spec profile says" / "what the peer did". */
export function describeKnob(knob: Knob, p: Profile): string {
  switch (knob) {
    case 'aerLimitStatus': return `the AER beyond AERL+1 gets ${withDnr(p.aerLimitStatus)}`;
    case 'noticePerNewNsid':
      return p.noticePerNewNsid
        ? 'each newly changed NSID queues a notice of its own, and a log read does not discard them: the RAE=0 read that unmasks the notice completes a parked AER at once with a second notice whose list was already read'
        : 'one notice stands for the whole unread list: changes made while it is masked join the list and produce no further notice once it is read';
    case 'aecDefault': return `AEC (feature 0Bh) starts at ${hex(p.aecDefault)} (bit 8 ${(p.aecDefault & 0x100) !== 0 ? 'set' : 'clear'})`;
    case 'supportsAecFeature': return p.supportsAecFeature ? 'feature 0Bh is implemented' : 'feature 0Bh is not implemented';
    case 'resetRestoresAec': return p.resetRestoresAec ? 'a controller reset restores AEC to its default' : 'AEC keeps its value over a controller reset';
    case 'aecGatesNamespaceNotice':
      return p.aecGatesNamespaceNotice ? 'with AEC bit 8 clear the change is recorded and no notice is sent' : 'AEC bit 8 does not gate the notice: it is sent with bit 8 clear';
    case 'aerCompletionOrder': return `parked AERs complete ${p.aerCompletionOrder === 'lifo' ? 'newest first' : 'oldest first'}`;
    case 'retainUnreadChangesOverReset':
      return p.retainUnreadChangesOverReset ? 'changes unread at a reset are reported again once an AER is parked' : 'the list survives a reset but its notice is forgotten: an AER parked after the reset waits for the next change';
    case 'resetClearsChangedList': return p.resetClearsChangedList ? 'a controller reset empties the Changed Namespace List' : 'the Changed Namespace List survives a controller reset';
    case 'abortAbortsAer':
      return p.abortAbortsAer ? 'Abort of a parked AER completes it with 0/07h, then the Abort with DW0 bit 0 = 0' : 'Abort of a parked AER answers DW0 = 1 (not aborted) and the AER stays parked';
    case 'invalidOpcodeStatus': return `an unknown admin opcode gets ${withDnr(p.invalidOpcodeStatus)}`;
    case 'invalidLogPageStatus': return `an unsupported log page gets ${withDnr(p.invalidLogPageStatus)}`;
    case 'errorsSetDnr': return p.errorsSetDnr ? 'error statuses carry DNR' : 'error statuses never carry DNR';
    case 'changedListHonoursOffset': return p.changedListHonoursOffset ? 'Get Log Page 04h honours the offset (LPOL/LPOU)' : 'Get Log Page 04h ignores the offset';
    case 'supportsNamespaceAttachment': return p.supportsNamespaceAttachment ? 'Namespace Attachment (15h) is implemented' : 'Namespace Attachment (15h) is not implemented';
    case 'supportsKeepAlive': return p.supportsKeepAlive ? 'Keep Alive (18h) completes successfully' : `Keep Alive (18h) is not implemented: ${withDnr(p.invalidOpcodeStatus)}`;
    case 'temperatureThreshold':
      return p.temperatureThreshold === 'modelled'
        ? 'Temperature Threshold sets the over/under threshold of a composite temperature (323 K); Get Features returns it'
        : p.temperatureThreshold === 'ignored'
          ? 'Temperature Threshold is accepted and ignored: Get Features reports an over threshold of FFFFh'
          : `Temperature Threshold is not implemented: ${withDnr(errorStatus(p, Status.INVALID_FIELD))}`;
    case 'smartHealthEvents':
      return p.smartHealthEvents
        ? 'a threshold the composite temperature is beyond sets Critical Warning bit 1 and, with AEC bit 1, completes an AER with 00020101h'
        : 'no SMART / Health event is raised and Critical Warning stays 0';
    case 'smartEventsQueueWhileMasked':
      return p.smartEventsQueueWhileMasked
        ? 'a crossing made while the SMART type is masked is queued: the RAE=0 read of log 02h that unmasks it completes a parked AER at once'
        : 'a crossing made while the SMART type is masked joins the outstanding event: nothing follows the RAE=0 read of log 02h';
    case 'changedListOrder': return p.changedListOrder === 'ascending' ? 'the Changed Namespace List is ascending' : 'the Changed Namespace List is in the order the namespaces changed';
    case 'changedListWholePageOnly':
      return p.changedListWholePageOnly ? 'Get Log Page 04h of any length but 4096 bytes gets 0/06h (Internal Error) and changes nothing' : 'Get Log Page 04h returns as many dwords as NUMD asks for';
    case 'identifyInactiveNamespaceZeros':
      return p.identifyInactiveNamespaceZeros ? 'Identify Namespace of NSID 0 (or any inactive NSID) succeeds with a zeroed structure' : `Identify Namespace of NSID 0 gets ${withDnr(errorStatus(p, Status.INVALID_NAMESPACE))}`;
    case 'aecGatesAtChange':
      return p.aecGatesAtChange
        ? 'AEC bit 8 is read when the namespace changes: a change made while it is clear raises no event, so setting it again reports nothing'
        : 'AEC bit 8 is read when the notice would be sent: changes made while it is clear are reported once it is set again';
  }
}

export interface SpecRule {
  readonly id: string;
  /** NVMe Base 2.0 clause. */
  readonly clause: string;
  /** The rule as the `spec` profile holds it. */
  readonly text: string;
  /** The knobs that decide it: a divergence of one of these is a divergence of the rule. */
  readonly knobs: readonly Knob[];
  /** Where docs/qemu-observations.md recorded what QEMU 7.2 did. */
  readonly observation: string;
  /** The rule check for a profile, or undefined where the rule cannot be checked under that profile. */
  readonly check: (p: Profile) => ScenarioJson | undefined;
}

type Step = Record<string, unknown>;

function scenario(p: Profile, id: string, steps: Step[]): ScenarioJson {
  return { name: `${p.name} rule ${id}`, profile: p.name, controller: { aerl: 3, namespaces: CHART_NAMESPACES.map((nsid) => ({ nsid })) }, steps: [{ do: 'enable' }, ...steps] };
}

function chartCheck(p: Profile, id: string, events: readonly HostEvent[]): ScenarioJson {
  return chartToScenario(p, events, { name: `${p.name} rule ${id}`, probe: false });
}

/** An expectation of an error status as the profile answers it. */
function expectStatus(tag: string, s: Status): Step {
  return { do: 'expect', tag, status: statusText(s), dnr: s.dnr };
}

const errorStatus = (p: Profile, s: Status): Status => (p.errorsSetDnr ? Status.withDnr(s) : s);

const aer: HostEvent = { type: 'aer.submit' };
const change = (nsid: number): HostEvent => ({ type: 'namespace.changed', nsid });
const read = (rae: boolean): HostEvent => ({ type: 'log.read', rae, numd: 1024 });

export const SPEC_RULES: readonly SpecRule[] = [
  {
    id: 'aerl',
    clause: '§5.2, §5.17.2.1 (AERL)',
    text: 'AERL = 3: four AERs may be parked; the fifth gets 1/05h at once',
    knobs: ['aerLimitStatus'],
    observation: 'a, d',
    check: (p) =>
      scenario(p, 'aerl', [
        ...[1, 2, 3, 4, 5].map((i) => ({ do: 'submit', tag: `aer${i}`, command: { opcode: 'asyncEventRequest' } })),
        expectStatus('aer5', p.aerLimitStatus),
        ...[1, 2, 3, 4].map((i) => ({ do: 'expectPending', tag: `aer${i}` })),
      ]),
  },
  {
    id: 'aen-dw0',
    clause: '§5.2 (completion DW0)',
    text: 'AEN DW0 = type | info << 8 | log page << 16; Namespace Attribute Changed is 0x00040002',
    knobs: [],
    observation: 'c',
    check: (p) =>
      scenario(p, 'aen-dw0', [
        { do: 'submit', tag: 'aer1', command: { opcode: 'asyncEventRequest' } },
        { do: 'namespaceChange', nsid: 1 },
        { do: 'expect', tag: 'aer1', status: 'success', dw0: '0x00040002' },
      ]),
  },
  {
    id: 'masking',
    clause: '§5.2, §5.16 (RAE)',
    text: 'once a notice is reported, further notices of its key are masked until Get Log Page for its log with RAE=0; RAE=1 returns the data and keeps the mask',
    knobs: ['noticePerNewNsid'],
    observation: 'e, m',
    check: (p) => chartCheck(p, 'masking', [aer, aer, change(1), change(2), read(true), read(false)]),
  },
  {
    id: 'list-order',
    clause: '§5.16.1.5',
    text: 'the Changed Namespace List is ascending, without duplicates',
    knobs: ['changedListOrder'],
    observation: 'c, e',
    check: (p) => chartCheck(p, 'list-order', [change(2), change(1), change(2), read(false)]),
  },
  {
    id: 'list-overflow',
    clause: '§5.16.1.5',
    text: `more than 1024 namespaces changed since the last read: FFFFFFFFh in entry 0, zeros after (${OVERFLOW_BATCH.type === 'namespace.changed' ? OVERFLOW_BATCH.count : 0} changes)`,
    knobs: [],
    observation: '(a: NN = 256)',
    // A profile with one notice per NSID models QEMU, whose NSIDs stop at 256: its list cannot overflow.
    check: (p) => (p.noticePerNewNsid ? undefined : chartCheck(p, 'list-overflow', [OVERFLOW_BATCH, read(false)])),
  },
  {
    id: 'list-read-empties',
    clause: '§5.16.1.5',
    text: 'reading the Changed Namespace List empties it, whatever RAE says',
    knobs: [],
    observation: 'c, e, k',
    check: (p) => chartCheck(p, 'list-read-empties', [change(1), read(true), read(false)]),
  },
  {
    id: 'aec-default',
    clause: '§5.27.1.9',
    text: 'AEC (feature 0Bh) starts with bit 8 set (notices on); Get Features returns what Set Features stored',
    knobs: ['aecDefault', 'supportsAecFeature'],
    observation: 'b',
    check: (p) =>
      p.supportsAecFeature
        ? scenario(p, 'aec-default', [
            { do: 'submit', tag: 'get1', command: { opcode: 'getFeatures', fid: 0x0b } },
            { do: 'expect', tag: 'get1', status: 'success', dw0: `0x${(p.aecDefault >>> 0).toString(16)}` },
            { do: 'submit', tag: 'set', command: { opcode: 'setFeatures', fid: 0x0b, value: '0x100' } },
            { do: 'expect', tag: 'set', status: 'success' },
            { do: 'submit', tag: 'get2', command: { opcode: 'getFeatures', fid: 0x0b } },
            { do: 'expect', tag: 'get2', status: 'success', dw0: '0x00000100' },
          ])
        : undefined,
  },
  {
    id: 'aec-reset',
    clause: '§5.27.1 (AEC is not kept across a Controller Level Reset), §3.7.2',
    text: 'a controller reset restores AEC to its default',
    knobs: ['resetRestoresAec'],
    observation: 'i',
    check: (p) => {
      if (!p.supportsAecFeature) return undefined;
      const other = (p.aecDefault ^ 0x100) >>> 0; // differs from the default in bit 8
      return scenario(p, 'aec-reset', [
        { do: 'submit', tag: 'set', command: { opcode: 'setFeatures', fid: 0x0b, value: `0x${other.toString(16)}` } },
        { do: 'expect', tag: 'set', status: 'success' },
        { do: 'disable' },
        { do: 'enable' },
        { do: 'submit', tag: 'get', command: { opcode: 'getFeatures', fid: 0x0b } },
        { do: 'expect', tag: 'get', status: 'success', dw0: `0x${(p.resetRestoresAec ? p.aecDefault >>> 0 : other).toString(16)}` },
      ]);
    },
  },
  {
    id: 'aec-gate',
    clause: '§5.27.1.9 (AEC bit 8)',
    text: 'AEC bit 8 clear: changes are still recorded but no notice is sent; setting it again with changes pending reports them',
    knobs: ['aecGatesNamespaceNotice', 'aecGatesAtChange'],
    observation: 'h',
    check: (p) => chartCheck(p, 'aec-gate', [{ type: 'features.set', aec: 0 }, aer, change(1), { type: 'features.set', aec: 0x100 }, read(false)]),
  },
  {
    id: 'lifo',
    clause: '§5.2',
    text: 'parked AERs complete last-in first-out',
    knobs: ['aerCompletionOrder'],
    observation: 'd',
    check: (p) => chartCheck(p, 'lifo', [aer, aer, change(1)]),
  },
  {
    id: 'retention',
    clause: '§5.2',
    text: 'an event that finds no AER parked is kept and reported when an AER arrives',
    knobs: [],
    observation: 'm',
    check: (p) => chartCheck(p, 'retention', [change(1), aer, read(false)]),
  },
  {
    id: 'reset',
    clause: '§3.7.2',
    text: 'a controller reset drops parked AERs without completions and clears the mask; changes still unread are reported again',
    knobs: ['retainUnreadChangesOverReset', 'resetClearsChangedList'],
    observation: 'i',
    check: (p) => chartCheck(p, 'reset', [aer, change(1), { type: 'reset' }, aer, change(2), read(false)]),
  },
  {
    id: 'abort',
    clause: '§5.1',
    text: "Abort of a parked AER: the AER completes with 0/07h before the Abort's own completion, whose DW0 bit 0 is 0",
    knobs: ['abortAbortsAer'],
    observation: 'f',
    check: (p) => chartCheck(p, 'abort', [aer, { type: 'abort' }]),
  },
  {
    id: 'invalid-opcode',
    clause: '§4.6.1.2 (Invalid Command Opcode)',
    text: 'an unknown admin opcode gets 0/01h with DNR',
    knobs: ['invalidOpcodeStatus'],
    observation: 'g',
    check: (p) => scenario(p, 'invalid-opcode', [{ do: 'submit', tag: 'op', command: { opcode: 0x99 } }, expectStatus('op', p.invalidOpcodeStatus)]),
  },
  {
    id: 'invalid-log-page',
    clause: '§5.16 (Invalid Log Page)',
    text: 'an unsupported log page gets 1/09h with DNR',
    knobs: ['invalidLogPageStatus'],
    observation: 'g',
    check: (p) => scenario(p, 'invalid-log-page', [{ do: 'submit', tag: 'log', command: { opcode: 'getLogPage', lid: 0x7f, numd: 1 } }, expectStatus('log', p.invalidLogPageStatus)]),
  },
  {
    id: 'invalid-nsid',
    clause: '§5.17 (Identify), §4.6.1.2 (Invalid Namespace or Format)',
    text: 'Identify Namespace with NSID 0 gets 0/0Bh with DNR',
    knobs: ['errorsSetDnr', 'identifyInactiveNamespaceZeros'],
    observation: 'g',
    check: (p) =>
      scenario(p, 'invalid-nsid', [
        { do: 'submit', tag: 'id', command: { opcode: 'identify', cns: 0, nsid: 0 } },
        p.identifyInactiveNamespaceZeros ? { do: 'expect', tag: 'id', status: 'success', dnr: false, data: '0x' + '00'.repeat(16) } : expectStatus('id', errorStatus(p, Status.INVALID_NAMESPACE)),
      ]),
  },
  {
    id: 'log-offset',
    clause: '§5.16 (LPOL/LPOU)',
    text: 'Get Log Page honours the offset: dword 1 of the Changed Namespace List is its second entry',
    knobs: ['changedListHonoursOffset', 'changedListWholePageOnly'],
    observation: '(not in the probe; first seen by this rule check)',
    check: (p) =>
      scenario(p, 'log-offset', [
        { do: 'namespaceChange', nsid: 1 },
        { do: 'namespaceChange', nsid: 2 },
        { do: 'submit', tag: 'log', command: { opcode: 'getLogPage', lid: 4, numd: 1, offset: 4 } },
        p.changedListWholePageOnly
          ? { do: 'expect', tag: 'log', status: '0/06h', dnr: false }
          : { do: 'expect', tag: 'log', status: 'success', changedNamespaces: p.changedListHonoursOffset ? [2] : [1] },
        // A short read that failed left the list as it was: the whole page still holds both changes.
        ...(p.changedListWholePageOnly ? [{ do: 'submit', tag: 'page', command: { opcode: 'getLogPage', lid: 4, numd: 1024 } }, { do: 'expect', tag: 'page', status: 'success', changedNamespaces: [1, 2] }] : []),
      ]),
  },
  {
    id: 'ns-attach',
    clause: '§5.23 (Namespace Attachment)',
    text: 'attaching a namespace that is attached gets 1/18h with DNR, and no notice',
    knobs: ['supportsNamespaceAttachment'],
    observation: 'g',
    check: (p) =>
      scenario(p, 'ns-attach', [
        { do: 'submit', tag: 'aer1', command: { opcode: 'asyncEventRequest' } },
        { do: 'submit', tag: 'att', command: { opcode: 'namespaceAttachment', nsid: 1, sel: 'attach' } },
        expectStatus('att', p.supportsNamespaceAttachment ? errorStatus(p, Status.NAMESPACE_ALREADY_ATTACHED) : p.invalidOpcodeStatus),
        { do: 'expectPending', tag: 'aer1' },
      ]),
  },
  {
    id: 'keep-alive',
    clause: 'Keep Alive (18h), optional for NVMe over PCIe',
    text: 'Keep Alive is implemented and completes successfully',
    knobs: ['supportsKeepAlive'],
    observation: '(not in the probe; first seen by this rule check)',
    check: (p) =>
      scenario(p, 'keep-alive', [
        { do: 'submit', tag: 'ka', command: { opcode: AdminOpcode.KEEP_ALIVE } },
        p.supportsKeepAlive ? { do: 'expect', tag: 'ka', status: 'success' } : expectStatus('ka', p.invalidOpcodeStatus),
      ]),
  },
  {
    id: 'smart-threshold',
    clause: '§5.27.1.3 (Temperature Threshold), §5.2 (SMART / Health, info 01h), §5.27.1.9 (AEC bit 1)',
    text: 'an over threshold below the composite temperature sets Critical Warning bit 1 in log 02h and, with AEC bit 1 set, completes a parked AER with 00020101h before Set Features completes',
    knobs: ['temperatureThreshold', 'smartHealthEvents'],
    observation: 't',
    check: (p) => {
      if (!p.supportsAecFeature) return undefined;
      const modelled = p.temperatureThreshold === 'modelled';
      const events = modelled && p.smartHealthEvents;
      return scenario(p, 'smart-threshold', [
        { do: 'submit', tag: 'aec', command: { opcode: 'setFeatures', fid: 0x0b, value: '0x102' } },
        { do: 'expect', tag: 'aec', status: 'success' },
        { do: 'submit', tag: 'aer1', command: { opcode: 'asyncEventRequest' } },
        { do: 'submit', tag: 'thr', command: { opcode: 'setFeatures', fid: 0x04, value: '0x100' } },
        ...(events ? [{ do: 'expect', tag: 'aer1', status: 'success', dw0: '0x00020101' }] : [{ do: 'expectPending', tag: 'aer1' }]),
        p.temperatureThreshold === 'unsupported' ? expectStatus('thr', errorStatus(p, Status.INVALID_FIELD)) : { do: 'expect', tag: 'thr', status: 'success' },
        { do: 'submit', tag: 'get', command: { opcode: 'getFeatures', fid: 0x04 } },
        p.temperatureThreshold === 'unsupported' ? expectStatus('get', errorStatus(p, Status.INVALID_FIELD)) : { do: 'expect', tag: 'get', status: 'success', dw0: modelled ? '0x00000100' : '0x0000ffff' },
        { do: 'submit', tag: 'smart', command: { opcode: 'getLogPage', lid: 2, rae: true, numd: 128, nsid: '0xffffffff' } },
        // Critical Warning, then the composite temperature (323 K = 0143h) where one is modelled.
        { do: 'expect', tag: 'smart', status: 'success', data: events ? '0x024301' : '0x00' },
      ]);
    },
  },
  {
    id: 'smart-masking',
    clause: '§5.2 (masked per event type), §5.16 (RAE), §5.16.1.3',
    text: 'once a SMART / Health event is reported, further SMART events are masked until log 02h is read with RAE=0; RAE=1 keeps the mask; a crossing made while masked is reported by nothing but a later crossing',
    knobs: ['smartEventsQueueWhileMasked'],
    observation: 't',
    check: (p) => {
      if (!p.supportsAecFeature || p.temperatureThreshold !== 'modelled' || !p.smartHealthEvents) return undefined;
      const cross = (tag: string) => ({ do: 'submit', tag, command: { opcode: 'setFeatures', fid: 0x04, value: '0x100' } });
      return scenario(p, 'smart-masking', [
        { do: 'submit', tag: 'aec', command: { opcode: 'setFeatures', fid: 0x0b, value: '0x102' } },
        { do: 'submit', tag: 'aer1', command: { opcode: 'asyncEventRequest' } },
        { do: 'submit', tag: 'aer2', command: { opcode: 'asyncEventRequest' } },
        cross('thr1'),
        { do: 'expect', tag: 'aer2', status: 'success', dw0: '0x00020101' },
        cross('thr2'),
        { do: 'expect', tag: 'thr2', status: 'success' },
        { do: 'expectPending', tag: 'aer1' },
        { do: 'submit', tag: 'kept', command: { opcode: 'getLogPage', lid: 2, rae: true, numd: 128, nsid: '0xffffffff' } },
        { do: 'expect', tag: 'kept', status: 'success' },
        { do: 'expectPending', tag: 'aer1' },
        { do: 'submit', tag: 'read', command: { opcode: 'getLogPage', lid: 2, rae: false, numd: 128, nsid: '0xffffffff' } },
        { do: 'expect', tag: 'read', status: 'success' },
        ...(p.smartEventsQueueWhileMasked
          ? [{ do: 'expect', tag: 'aer1', status: 'success', dw0: '0x00020101' }]
          : [{ do: 'expectPending', tag: 'aer1' }, cross('thr3'), { do: 'expect', tag: 'aer1', status: 'success', dw0: '0x00020101' }]),
      ]);
    },
  },
  {
    id: 'shutdown',
    clause: '§3.6.1',
    text: 'CC.SHN = 01b: CSTS.SHST reaches 10b (shutdown complete)',
    knobs: [],
    observation: 'j',
    check: (p) => scenario(p, 'shutdown', [{ do: 'shutdown' }, { do: 'expectRegister', name: 'CSTS', mask: '0x0000000c', value: '0x00000008' }]),
  },
];

/** Knobs no rule names (a mistake in this table: a divergence of one would belong to no row). */
export function knobsWithoutRule(): Knob[] {
  const named = new Set(SPEC_RULES.flatMap((r) => r.knobs));
  return KNOBS.filter((k) => !named.has(k));
}
