// Turns a sequence of specification-chart host events into a scenario file (docs/scenarios.md) whose expectations
// are the chart's own: the chart (under the profile, src/model/chart.ts) takes each event, and the completions its
// effects appended to context become `expect` steps (which AER, which status, DW0, Abort DW0, list contents).
// Every command the chart did not complete, and every AER it holds parked, becomes an `expectPending` step. The
// host actions are written here; no rule of the protocol is: change the chart and the expectations change.
import { CHANGED_NS_LIST_OVERFLOW } from '../spec/constants.ts';
import type { ChartContext, Completion, HostEvent } from '../logic/aen-chart.ts';
import type { Profile } from '../profiles/profiles.ts';
import { activeStateNames, chartFor, initialSnapshot, replay, type SpecChart, type StepRecord } from './chart.ts';
import { CHART_NAMESPACES } from './generate.ts';

export { CHART_NAMESPACES };

/** The scenario JSON form (what `nvme-actors paths` writes and `nvme-actors run` reads). */
export interface ScenarioJson {
  name: string;
  description?: string;
  profile: string;
  controller: { aerl: number; namespaces: Array<{ nsid: number; attached?: boolean }> };
  steps: Array<Record<string, unknown>>;
}

export function describeEvent(e: HostEvent): string {
  switch (e.type) {
    case 'namespace.changed': return e.count && e.count > 1 ? `namespace.changed(${e.nsid}..${e.nsid + e.count - 1})` : `namespace.changed(${e.nsid})`;
    case 'log.read': return `log.read(rae=${e.rae ? 1 : 0}${e.numd < 1024 ? `, numd=${e.numd}` : ''})`;
    case 'features.set': return `features.set(0x${e.aec.toString(16)})`;
    default: return e.type;
  }
}

/** The spec clause each host event exercises (for tables). */
export const EVENT_CLAUSE: Readonly<Record<HostEvent['type'], string>> = {
  'aer.submit': '§5.2 AER parking, AERL',
  'namespace.changed': '§5.2 Namespace Attribute Changed, §5.16.1.5',
  'log.read': '§5.16 RAE, §5.16.1.5',
  'features.set': '§5.27.1.9 AEC bit 8',
  abort: '§5.1 Abort of an AER',
  reset: '§3.7.2 controller reset',
};

/** Appended to every path (unless `probe: false`): what Abort answers, whether an AER can be parked, whether the
 * notice is masked and what the list holds are all observed, so a path whose own steps produce no completion still
 * checks the state it ends in. */
export const PROBE: readonly HostEvent[] = [{ type: 'abort' }, { type: 'aer.submit' }, { type: 'namespace.changed', nsid: 1 }, { type: 'log.read', rae: false, numd: 1024 }];

/** The chart predicts something no host can observe (a completion of an AER nobody submitted): a broken chart. */
export class ChartInconsistency extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChartInconsistency';
  }
}

export interface ScenarioOptions {
  name: string;
  aerl?: number;
  description?: string;
  probe?: boolean;
  /** A chart other than the profile's (a mutant). */
  machine?: SpecChart;
}

/** Can the chart under `profile` carry these events? A profile with one notice per new NSID models QEMU, whose
 * NSIDs stop at 256: it has no batch of changes (the 1025 that overflow the list), and its chart none either. */
export function chartCarries(profile: Profile, events: readonly HostEvent[]): boolean {
  return !(profile.noticePerNewNsid && events.some((e) => e.type === 'namespace.changed' && (e.count ?? 1) > 1));
}

/** The chart's steps for a sequence (with the probe unless `probe: false`). */
export function chartSteps(profile: Profile, pathEvents: readonly HostEvent[], options: { aerl?: number; probe?: boolean; machine?: SpecChart } = {}): StepRecord[] {
  const machine = options.machine ?? chartFor(profile);
  const events = options.probe === false ? pathEvents : [...pathEvents, ...PROBE];
  return replay(machine, events, options.aerl ?? 3);
}

/** A generated path as a scenario file. */
export function chartToScenario(profile: Profile, pathEvents: readonly HostEvent[], options: ScenarioOptions): ScenarioJson {
  return chartToScenarioSteps(profile, pathEvents, options).scenario;
}

/** chartToScenario, with the chart's record of each event and how many scenario steps exist after each event. */
export function chartToScenarioSteps(profile: Profile, pathEvents: readonly HostEvent[], options: ScenarioOptions): { scenario: ScenarioJson; records: StepRecord[]; ends: number[] } {
  const ends: number[] = [];
  const aerl = options.aerl ?? 3;
  const records = chartSteps(profile, pathEvents, options);
  const steps: Array<Record<string, unknown>> = [{ do: 'enable' }];
  const aerTag = new Map<number, string>(); // AER number (chart) -> tag
  let outstandingAers: string[] = []; // AER tags submitted since the last reset and not completed
  let n = 0;
  const tag = (prefix: string) => `${prefix}${++n}`;

  for (const r of records) {
    const event = r.event;
    const before = r.before.context as ChartContext;
    const after = r.after.context as ChartContext;
    let commandTag: string | undefined;
    switch (event.type) {
      case 'aer.submit': {
        const t = tag('aer');
        aerTag.set(before.submitted + 1, t);
        outstandingAers.push(t);
        steps.push({ do: 'submit', tag: t, command: { opcode: 'asyncEventRequest' } });
        break;
      }
      case 'namespace.changed':
        steps.push({ do: 'namespaceChange', nsid: event.nsid, ...(event.count && event.count > 1 ? { count: event.count } : {}) });
        break;
      case 'log.read':
        commandTag = tag('log');
        steps.push({ do: 'submit', tag: commandTag, command: { opcode: 'getLogPage', lid: 4, rae: event.rae, numd: event.numd } });
        break;
      case 'features.set':
        commandTag = tag('aec');
        steps.push({ do: 'submit', tag: commandTag, command: { opcode: 'setFeatures', fid: 0x0b, value: `0x${event.aec.toString(16).padStart(8, '0')}` } });
        break;
      case 'abort': {
        // The host aborts the newest AER the chart holds parked (a CID nothing uses when none is).
        const newest = before.parked[before.parked.length - 1];
        commandTag = tag('abort');
        steps.push({ do: 'submit', tag: commandTag, command: { opcode: 'abort', cid: newest !== undefined ? aerTag.get(newest)! : 0xffff, sqid: 0 } });
        break;
      }
      case 'reset':
        steps.push({ do: 'disable' }, { do: 'enable' });
        outstandingAers = []; // the host forgets its outstanding commands with the queues
        break;
    }
    let commandCompleted = false;
    for (const c of after.completions.slice(before.completions.length)) {
      const step = expectationOf(c, aerTag, commandTag);
      if (c.kind === 'aen' || c.kind === 'aerLimitExceeded' || c.kind === 'aerAborted') outstandingAers = outstandingAers.filter((t) => t !== step.tag);
      else commandCompleted = true;
      steps.push(step);
    }
    if (commandTag && !commandCompleted) steps.push({ do: 'expectPending', tag: commandTag });
    // The states' observation: the controller is ready, and every AER still outstanding (parked, by the chart) is.
    steps.push({ do: 'expectRegister', name: 'CSTS', mask: '0x00000003', value: '0x00000001' });
    const parked = after.parked.map((a) => aerTag.get(a)!);
    for (const t of [...new Set([...parked, ...outstandingAers])]) steps.push({ do: 'expectPending', tag: t });
    ends.push(steps.length);
  }
  const scenario: ScenarioJson = {
    name: options.name,
    ...(options.description ? { description: options.description } : {}),
    profile: profile.name,
    controller: { aerl, namespaces: CHART_NAMESPACES.map((nsid) => ({ nsid })) },
    steps,
  };
  return { scenario, records, ends };
}

function expectationOf(c: Completion, aerTag: ReadonlyMap<number, string>, commandTag: string | undefined): Record<string, unknown> & { tag: string | undefined } {
  const step = expectationStep(c, aerTag, commandTag);
  if (step.tag === undefined) throw new ChartInconsistency(`the chart completes ${'aer' in c ? `AER ${c.aer}` : `a ${c.kind} command`}, which no step submitted`);
  return step;
}

function expectationStep(c: Completion, aerTag: ReadonlyMap<number, string>, commandTag: string | undefined): Record<string, unknown> & { tag: string | undefined } {
  switch (c.kind) {
    case 'aen': return { do: 'expect', tag: aerTag.get(c.aer), status: 'success', dw0: `0x${c.dw0.toString(16).padStart(8, '0')}` };
    case 'aerLimitExceeded': return { do: 'expect', tag: aerTag.get(c.aer), status: 'aerLimitExceeded' };
    case 'aerAborted': return { do: 'expect', tag: aerTag.get(c.aer), status: 'commandAbortRequested' };
    case 'abort': return { do: 'expect', tag: commandTag, status: 'success', dw0: c.aborted ? '0x00000000' : '0x00000001' };
    case 'setFeatures': return { do: 'expect', tag: commandTag, status: c.rejected ? 'invalidField' : 'success' };
    case 'logPage': return { do: 'expect', tag: commandTag, status: 'success', changedNamespaces: c.list === 'overflow' ? [CHANGED_NS_LIST_OVERFLOW] : [...c.list] };
  }
}

/** The chart's active states after each event of a sequence, from the initial state (`region.state` lists). */
export function chartStates(profile: Profile, events: readonly HostEvent[], aerl = 3): string[][] {
  const machine = chartFor(profile);
  const records = chartSteps(profile, events, { aerl, probe: false });
  return [activeStateNames(machine, initialSnapshot(machine, aerl)), ...records.map((r) => activeStateNames(machine, r.after))];
}
