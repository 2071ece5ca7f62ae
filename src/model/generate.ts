// Generates test paths from the specification chart with xstate/graph's createTestModel: shortest paths to every
// reachable (state, context) vertex, then one extra path for each chart transition they miss (self-loops
// included). Coverage of the chart's states and transitions is computed from the paths, never claimed.
import { createTestModel } from 'xstate/graph';
import { aenLogPageChart } from '../../machines/aen-log-page.chart.ts';
import { applyEvent, chartPolicy, chartStateOf, initialChartContext, type ChartContext, type ChartEvent } from '../logic/aen-chart.ts';
import type { Profile } from '../profiles/profiles.ts';
import { CHART_NAMESPACES } from './to-scenario.ts';

export interface ChartPath {
  readonly events: readonly ChartEvent[];
  /** Chart transitions the path takes, as `source:event->target`. */
  readonly transitions: readonly string[];
}

export interface Coverage {
  readonly states: { readonly covered: readonly string[]; readonly total: readonly string[] };
  readonly transitions: {
    readonly covered: readonly string[];
    /** Every transition of the chart. */
    readonly total: readonly string[];
    /** Transitions no context reachable under this profile can take (with this profile the guard never holds). */
    readonly unreachable: readonly string[];
  };
}

/** Host actions and outside causes offered in a context (bounded so traversal terminates). */
export function chartEvents(ctx: ChartContext): ChartEvent[] {
  const events: ChartEvent[] = [
    { type: 'aer.submit' },
    ...CHART_NAMESPACES.map((nsid) => ({ type: 'namespace.change' as const, nsid })),
    { type: 'changedList.read', rae: false },
    { type: 'changedList.read', rae: true },
    { type: 'changedList.readShort' },
    { type: 'notices.set', enabled: !ctx.noticesEnabled },
    { type: 'aer.abort' },
    { type: 'controller.reset' },
  ];
  // QEMU's bitmap holds 256 NSIDs: its list cannot overflow, and each new NSID queues an event of its own.
  if (!ctx.policy.noticePerNewNsid) events.push({ type: 'namespace.overflow' });
  // Bound the queue of per-NSID events so the reachable contexts are finite.
  return events.filter((e) => !(ctx.policy.noticePerNewNsid && ctx.queued >= 2 && e.type === 'namespace.change'));
}

const key = (e: ChartEvent): string => JSON.stringify(e);
export const transitionId = (from: string, e: ChartEvent, to: string): string => `${from}:${e.type}->${to}`;

/** Every transition declared in the chart, as `source:event->target`. */
export function chartTransitions(): string[] {
  const out: string[] = [];
  const root = aenLogPageChart.root;
  for (const [name, node] of Object.entries(root.states)) {
    for (const [eventType, list] of node.transitions) {
      for (const t of list) for (const target of t.target ?? []) out.push(`${name}:${eventType}->${target.key}`);
    }
  }
  return out;
}

export function pathTransitions(profile: Profile, events: readonly ChartEvent[], aerl = 3): string[] {
  let ctx = initialChartContext({ policy: chartPolicy(profile), aerl });
  const out: string[] = [];
  for (const e of events) {
    const next = applyEvent(ctx, e);
    out.push(transitionId(chartStateOf(ctx), e, chartStateOf(next)));
    ctx = next;
  }
  return out;
}

export function generatePaths(profile: Profile, options: { aerl?: number } = {}): { paths: ChartPath[]; coverage: Coverage } {
  const aerl = options.aerl ?? 3;
  const input = { policy: chartPolicy(profile), aerl };
  const model = createTestModel(aenLogPageChart, {
    input,
    events: (snapshot) => chartEvents(snapshot.context as ChartContext),
    // xstate/graph also offers every event type the state declares, payload-less: keep only the offered ones.
    filterEvents: (snapshot, event) => chartEvents(snapshot.context as ChartContext).some((e) => key(e) === key(event as ChartEvent)),
    serializeState: (s) => JSON.stringify({ v: s.value, c: { ...(s.context as ChartContext), expect: undefined, policy: undefined } }),
  });
  const shortest = model.getShortestPaths();
  const paths: ChartPath[] = [];
  const seen = new Set<string>();
  const add = (events: ChartEvent[]): void => {
    const id = events.map(key).join('|');
    if (seen.has(id)) return;
    seen.add(id);
    paths.push({ events, transitions: pathTransitions(profile, events, aerl) });
  };
  // Shortest path to every vertex; drop paths that are prefixes of others.
  const all = shortest.map((p) => p.steps.map((s) => s.event as ChartEvent).filter((e) => !e.type.startsWith('xstate.')));
  const ids = all.map((events) => events.map(key).join('|'));
  all.forEach((events, i) => {
    const id = ids[i]!;
    if (events.length > 0 && !ids.some((other, j) => j !== i && other.length > id.length && other.startsWith(`${id}|`))) add(events);
  });

  // Transitions the vertex paths miss: reach a context where the transition is enabled, then take it.
  const covered = new Set(paths.flatMap((p) => p.transitions));
  const vertexPaths = new Map<string, ChartEvent[]>(); // serialized context -> shortest events
  const initial = initialChartContext(input);
  const ser = (c: ChartContext) => JSON.stringify({ ...c, expect: undefined, policy: undefined });
  const queue: Array<{ ctx: ChartContext; events: ChartEvent[] }> = [{ ctx: initial, events: [] }];
  vertexPaths.set(ser(initial), []);
  const reachable = new Set<string>();
  while (queue.length > 0) {
    const { ctx, events } = queue.shift()!;
    for (const e of chartEvents(ctx)) {
      const next = applyEvent(ctx, e);
      const t = transitionId(chartStateOf(ctx), e, chartStateOf(next));
      reachable.add(t);
      if (!covered.has(t)) {
        covered.add(t);
        add([...events, e]);
      }
      const s = ser(next);
      if (!vertexPaths.has(s)) {
        vertexPaths.set(s, [...events, e]);
        queue.push({ ctx: next, events: [...events, e] });
      }
    }
  }
  const total = chartTransitions();
  const coveredList = [...new Set(paths.flatMap((p) => p.transitions))].sort();
  const statesCovered = [...new Set(paths.flatMap((p) => p.transitions.flatMap((t) => [t.split(':')[0]!, t.split('->')[1]!])))].sort();
  return {
    paths,
    coverage: {
      states: { covered: statesCovered, total: Object.keys(aenLogPageChart.root.states).sort() },
      transitions: { covered: coveredList, total: total.sort(), unreachable: total.filter((t) => !reachable.has(t)).sort() },
    },
  };
}
