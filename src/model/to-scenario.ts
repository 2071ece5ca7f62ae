// Turns a sequence of specification-chart events into a scenario file (../shared/SCENARIOS.md) whose expectations
// are the chart's: every completion the chart predicts (which parked AER an AEN completes, statuses, list
// contents), and after each step that every AER the chart says is parked is still outstanding. One executable form
// for generated paths, conformance packs and random sequences alike.
import { applyEvent, initialChartContext, OVERFLOW_COUNT, OVERFLOW_FIRST_NSID, chartPolicy, chartStateOf, type ChartContext, type ChartEvent } from '../logic/aen-chart.ts';
import { CHANGED_NS_LIST_OVERFLOW } from '../spec/constants.ts';
import type { Profile } from '../profiles/profiles.ts';

/** The scenario JSON form (what `nvme-actors paths` writes and `nvme-actors run` reads). */
export interface ScenarioJson {
  name: string;
  description?: string;
  profile: string;
  controller: { aerl: number; namespaces: Array<{ nsid: number; attached?: boolean }> };
  steps: Array<Record<string, unknown>>;
}

export const CHART_NAMESPACES = [1, 2];

export function describeEvent(e: ChartEvent): string {
  switch (e.type) {
    case 'namespace.change': return `namespace.change(${e.nsid})`;
    case 'changedList.read': return `changedList.read(rae=${e.rae ? 1 : 0})`;
    case 'notices.set': return `notices.set(${e.enabled ? 'on' : 'off'})`;
    default: return e.type;
  }
}

/** The spec clause each chart event exercises (for tables). */
export const EVENT_CLAUSE: Readonly<Record<ChartEvent['type'], string>> = {
  'aer.submit': '§5.2 AER parking, AERL',
  'namespace.change': '§5.2 Namespace Attribute Changed notice',
  'namespace.overflow': '§5.16.1.5 list overflow',
  'changedList.read': '§5.16 RAE, §5.16.1.5',
  'changedList.readShort': '§5.16 NUMD',
  'notices.set': '§5.27.1.9 AEC bit 8',
  'aer.abort': '§5.1 Abort of an AER',
  'controller.reset': '§3.7.2 controller reset',
};

/** Appended to every path (unless `probe: false`): whether the notice is masked, whether an AER can be parked and
 * what the list holds are all observed, so a path whose own steps produce no completion still checks the state. */
export const PROBE: readonly ChartEvent[] = [{ type: 'aer.submit' }, { type: 'namespace.change', nsid: 1 }, { type: 'changedList.read', rae: false }];

/** A generated path as a scenario file. */
export function chartToScenario(profile: Profile, pathEvents: readonly ChartEvent[], options: { name: string; aerl?: number; description?: string; probe?: boolean }): ScenarioJson {
  const aerl = options.aerl ?? 3;
  const events: readonly ChartEvent[] = options.probe === false ? pathEvents : [...pathEvents, ...PROBE];
  let ctx: ChartContext = initialChartContext({ policy: chartPolicy(profile), aerl });
  const steps: Array<Record<string, unknown>> = [{ do: 'enable' }];
  const parked: string[] = []; // tags of AERs the chart says are parked, oldest first
  let n = 0;
  const tag = (prefix: string) => `${prefix}${++n}`;
  const takeAer = (): string => (profile.aerCompletionOrder === 'lifo' ? parked.pop()! : parked.shift()!);

  for (const event of events) {
    const next = applyEvent(ctx, event);
    let commandTag: string | undefined;
    let aerTag: string | undefined;
    switch (event.type) {
      case 'aer.submit':
        aerTag = tag('aer');
        steps.push({ do: 'submit', tag: aerTag, command: { opcode: 'asyncEventRequest' } });
        parked.push(aerTag);
        break;
      case 'namespace.change':
        steps.push({ do: 'namespaceChange', nsid: event.nsid });
        break;
      case 'namespace.overflow':
        steps.push({ do: 'namespaceChange', nsid: OVERFLOW_FIRST_NSID, count: OVERFLOW_COUNT });
        break;
      case 'changedList.read':
      case 'changedList.readShort':
        commandTag = tag('log');
        steps.push({ do: 'submit', tag: commandTag, command: { opcode: 'getLogPage', lid: 4, rae: event.type === 'changedList.read' && event.rae, numd: event.type === 'changedList.readShort' ? 2 : 1024 } });
        break;
      case 'notices.set':
        commandTag = tag('aec');
        steps.push({ do: 'submit', tag: commandTag, command: { opcode: 'setFeatures', fid: 0x0b, value: event.enabled ? '0x00000100' : '0x00000000' } });
        break;
      case 'aer.abort':
        commandTag = tag('abort');
        steps.push({ do: 'submit', tag: commandTag, command: { opcode: 'abort', cid: parked.length > 0 ? parked[parked.length - 1] : 0xffff, sqid: 0 } });
        break;
      case 'controller.reset':
        steps.push({ do: 'disable' }, { do: 'enable' });
        parked.length = 0;
        break;
    }
    for (const e of next.expect) {
      switch (e.kind) {
        case 'aen': steps.push({ do: 'expect', tag: takeAer(), status: 'success', dw0: '0x00040002' }); break;
        case 'aerLimitExceeded': parked.pop(); steps.push({ do: 'expect', tag: aerTag, status: 'aerLimitExceeded' }); break;
        case 'aerAborted': steps.push({ do: 'expect', tag: parked.pop(), status: 'commandAbortRequested' }); break;
        case 'abort': steps.push({ do: 'expect', tag: commandTag, status: 'success', dw0: e.aborted ? '0x00000000' : '0x00000001' }); break;
        case 'setFeatures': steps.push({ do: 'expect', tag: commandTag, status: 'success' }); break;
        case 'logPage': steps.push({ do: 'expect', tag: commandTag, status: 'success', changedNamespaces: e.list === 'overflow' ? [CHANGED_NS_LIST_OVERFLOW] : [...e.list] }); break;
      }
    }
    // The state's observation: the controller is ready, and every AER the chart holds parked is still outstanding.
    steps.push({ do: 'expectRegister', name: 'CSTS', mask: '0x00000003', value: '0x00000001' });
    for (const t of parked) steps.push({ do: 'expectPending', tag: t });
    ctx = next;
  }
  return {
    name: options.name,
    ...(options.description ? { description: options.description } : {}),
    profile: profile.name,
    controller: { aerl, namespaces: CHART_NAMESPACES.map((nsid) => ({ nsid })) },
    steps,
  };
}

/** The chart states a sequence passes through, from the initial state. */
export function chartStates(profile: Profile, events: readonly ChartEvent[], aerl = 3): string[] {
  let ctx = initialChartContext({ policy: chartPolicy(profile), aerl });
  const out = [chartStateOf(ctx)];
  for (const e of events) {
    ctx = applyEvent(ctx, e);
    out.push(chartStateOf(ctx));
  }
  return out;
}
