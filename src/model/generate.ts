// Generates test paths from the specification chart under a profile (src/model/chart.ts: the chart with the
// profile's named implementations). xstate/graph's createTestModel gives the shortest path to every reachable
// (state, context) vertex; paths that are prefixes of others are dropped. A breadth-first walk of the same chart
// then adds one path for each state, transition and guard outcome those paths miss. Coverage is computed from the
// paths by replaying them on the chart and recording what each microstep took (takeStep), never claimed.
import { createTestModel } from 'xstate/graph';
import type { AnyStateMachine } from 'xstate';
import { AEC_NAMESPACE_ATTRIBUTE_NOTICES, type ChartContext, type HostEvent } from '../logic/aen-chart.ts';
import type { Profile } from '../profiles/profiles.ts';
import { activeStateNames, chartFor, chartGuardOutcomes, chartStateNames, chartTransitionNames, initialSnapshot, takeStep, type ChartSnapshot, type SpecChart, type StepRecord } from './chart.ts';

export const CHART_NAMESPACES = [1, 2];
/** The batch that overflows the list: 1025 distinct NSIDs from 100. */
export const OVERFLOW_BATCH: HostEvent = { type: 'namespace.changed', nsid: 100, count: 1025 };

export interface ChartPath {
  /** `coverage`: the shortest path to a vertex, or one more state, transition or guard outcome; `tour`: a stretch
   * of the walk that takes every edge of the bounded state graph (every host event from every vertex). */
  readonly kind: 'coverage' | 'tour';
  readonly events: readonly HostEvent[];
  /** Chart transitions the path takes, by name, in order (microsteps included). */
  readonly transitions: readonly string[];
}

export interface CoverageOf {
  readonly covered: readonly string[];
  readonly total: readonly string[];
  /** Items no vertex reachable under this profile can exercise (the walk is exhaustive over the bounded model). */
  readonly unreachable: readonly string[];
}

export interface Coverage {
  readonly states: CoverageOf;
  readonly transitions: CoverageOf;
  readonly guardOutcomes: CoverageOf;
}

/** Host actions and fault events offered in a snapshot (bounded so the walk terminates). */
export function chartEvents(profile: Profile, s: ChartSnapshot): HostEvent[] {
  const ctx = s.context as ChartContext;
  const events: HostEvent[] = [{ type: 'aer.submit' }];
  // QEMU queues an event per new NSID: bound the queue so the reachable contexts are finite.
  if (!(profile.noticePerNewNsid && ctx.queued >= 1)) events.push(...CHART_NAMESPACES.map((nsid) => ({ type: 'namespace.changed' as const, nsid })));
  // QEMU's bitmap holds 256 NSIDs: its list cannot overflow.
  if (!profile.noticePerNewNsid) events.push(OVERFLOW_BATCH);
  events.push(
    { type: 'log.read', rae: false, numd: 1024 },
    { type: 'log.read', rae: true, numd: 1024 },
    // A controller that refuses reads shorter than the page (Linux nvmet, 0/06h) gets none: rule log-offset checks that.
    ...(profile.changedListWholePageOnly ? [] : [{ type: 'log.read' as const, rae: false, numd: 2 }]),
    { type: 'features.set', aec: 0 },
    { type: 'features.set', aec: AEC_NAMESPACE_ATTRIBUTE_NOTICES },
    { type: 'abort' },
    { type: 'reset' },
  );
  return events;
}

const key = (e: HostEvent): string => JSON.stringify(e);
/** A vertex: the active states and the context, AERs counted (their numbers grow without bound). */
export const serializeSnapshot = (s: ChartSnapshot): string => {
  const c = s.context as ChartContext;
  return JSON.stringify({ v: s.value, parked: c.parked.length, changed: c.changed, overflow: c.overflow, on: c.noticesOn, queued: c.queued });
};

interface Items {
  states: string[];
  transitions: string[];
  outcomes: string[];
}

const itemsOf = (machine: AnyStateMachine, step: StepRecord): Items => ({
  states: activeStateNames(machine, step.after),
  transitions: step.microsteps.filter((m) => !m.event.startsWith('xstate.')).flatMap((m) => m.taken),
  outcomes: step.microsteps.filter((m) => !m.event.startsWith('xstate.')).flatMap((m) => m.outcomes),
});

/** A step's items and the snapshot it leads to, by vertex and event: what a step exercises depends only on the
 * vertex it starts from (the completions and AER numbers in context do not decide any guard). */
const stepCache = new WeakMap<SpecChart, Map<string, { items: Items; after: ChartSnapshot }>>();

function cachedStep(machine: SpecChart, s: ChartSnapshot, e: HostEvent): { items: Items; after: ChartSnapshot } {
  let cache = stepCache.get(machine);
  if (!cache) stepCache.set(machine, (cache = new Map()));
  const k = `${serializeSnapshot(s)}|${key(e)}`;
  let hit = cache.get(k);
  if (!hit) {
    const step = takeStep(machine, s, e);
    hit = { items: itemsOf(machine, step), after: step.after };
    cache.set(k, hit);
  }
  return hit;
}

/** Replay a path on the chart: the items it exercises. */
export function pathItems(machine: SpecChart, events: readonly HostEvent[], aerl = 3): Items {
  let s = initialSnapshot(machine, aerl);
  const out: Items = { states: activeStateNames(machine, s), transitions: [], outcomes: [] };
  for (const e of events) {
    const { items, after } = cachedStep(machine, s, e);
    out.states.push(...items.states);
    out.transitions.push(...items.transitions);
    out.outcomes.push(...items.outcomes);
    s = after;
  }
  return out;
}

const generated = new WeakMap<Profile, Map<number, { paths: ChartPath[]; coverage: Coverage }>>();
const graphs = new WeakMap<ChartPath[], { graph: Map<string, Array<{ event: HostEvent; to: string }>>; start: string; machine: SpecChart; aerl: number }>();
const tours = new WeakMap<ChartPath[], ChartPath[]>();

/** The tour of a profile's vertex graph (every host event from every vertex), in stretches from the initial state:
 * remembered with the profile's paths. */
export function tourPaths(profile: Profile, options: { aerl?: number } = {}): ChartPath[] {
  const { paths } = generatePaths(profile, options);
  let out = tours.get(paths);
  if (!out) {
    const g = graphs.get(paths)!;
    out = tour(g.graph, g.start).map((events) => ({ kind: 'tour' as const, events, transitions: pathItems(g.machine, events, g.aerl).transitions }));
    tours.set(paths, out);
  }
  return out;
}

/** The whole generated suite: the coverage paths, then the tour stretches (the numbering the mutant table uses). */
export const suitePaths = (profile: Profile): ChartPath[] => [...generatePaths(profile).paths, ...tourPaths(profile)];

/** The paths and coverage of a profile (remembered per profile object and AERL for the profile's own chart). */
export function generatePaths(profile: Profile, options: { aerl?: number; machine?: SpecChart } = {}): { paths: ChartPath[]; coverage: Coverage } {
  const aerl = options.aerl ?? 3;
  if (options.machine) return generate(profile, aerl, options.machine);
  let byAerl = generated.get(profile);
  if (!byAerl) generated.set(profile, (byAerl = new Map()));
  let result = byAerl.get(aerl);
  if (!result) byAerl.set(aerl, (result = generate(profile, aerl, chartFor(profile))));
  return result;
}

function generate(profile: Profile, aerl: number, machine: SpecChart): { paths: ChartPath[]; coverage: Coverage } {
  const model = createTestModel(machine, {
    input: { aerl },
    events: (snapshot) => chartEvents(profile, snapshot as ChartSnapshot),
    // xstate/graph also offers every event type the state declares, payload-less: keep only the offered ones.
    filterEvents: (snapshot, event) => chartEvents(profile, snapshot as ChartSnapshot).some((e) => key(e) === key(event as HostEvent)),
    serializeState: (s) => serializeSnapshot(s as ChartSnapshot),
  } as Parameters<typeof createTestModel>[1]);
  const shortest = model.getShortestPaths();
  const paths: ChartPath[] = [];
  const seen = new Set<string>();
  const covered = { states: new Set<string>(), transitions: new Set<string>(), outcomes: new Set<string>() };
  const add = (events: HostEvent[], kind: ChartPath['kind'] = 'coverage'): void => {
    const id = events.map(key).join('|');
    if (seen.has(id)) return;
    seen.add(id);
    const it = pathItems(machine, events, aerl);
    it.states.forEach((x) => covered.states.add(x));
    it.transitions.forEach((x) => covered.transitions.add(x));
    it.outcomes.forEach((x) => covered.outcomes.add(x));
    paths.push({ kind, events, transitions: it.transitions });
  };
  // Shortest path to every vertex; drop paths that are prefixes of others.
  const all = shortest.map((p) => p.steps.map((s) => s.event as HostEvent).filter((e) => !e.type.startsWith('xstate.')));
  const ids = all.map((events) => events.map(key).join('|'));
  all.forEach((events, i) => {
    const id = ids[i]!;
    if (events.length > 0 && !ids.some((other, j) => j !== i && other.length > id.length && other.startsWith(`${id}|`))) add(events);
  });

  // What the vertex paths miss: reach a vertex where the item is exercised, then take that event.
  const reachable = { states: new Set<string>(), transitions: new Set<string>(), outcomes: new Set<string>() };
  const initial = initialSnapshot(machine, aerl);
  activeStateNames(machine, initial).forEach((x) => reachable.states.add(x));
  const visited = new Set<string>([serializeSnapshot(initial)]);
  const graph = new Map<string, Array<{ event: HostEvent; to: string }>>();
  const queue: Array<{ s: ChartSnapshot; events: HostEvent[] }> = [{ s: initial, events: [] }];
  while (queue.length > 0) {
    const { s, events } = queue.shift()!;
    const out: Array<{ event: HostEvent; to: string }> = [];
    graph.set(serializeSnapshot(s), out);
    for (const e of chartEvents(profile, s)) {
      const { items: it, after } = cachedStep(machine, s, e);
      const step = { after };
      out.push({ event: e, to: serializeSnapshot(step.after) });
      const path = [...events, e];
      let fresh = false;
      for (const [k, list] of [['states', it.states], ['transitions', it.transitions], ['outcomes', it.outcomes]] as const) {
        for (const x of list) {
          reachable[k].add(x);
          if (!covered[k].has(x)) fresh = true;
        }
      }
      if (fresh) add(path);
      const v = serializeSnapshot(step.after);
      if (!visited.has(v)) {
        visited.add(v);
        queue.push({ s: step.after, events: path });
      }
    }
  }
  graphs.set(paths, { graph, start: serializeSnapshot(initial), machine, aerl });
  const of = (c: Set<string>, r: Set<string>, total: string[]): CoverageOf => ({
    covered: total.filter((x) => c.has(x)),
    total,
    unreachable: total.filter((x) => !r.has(x)),
  });
  return {
    paths,
    coverage: {
      states: of(covered.states, reachable.states, chartStateNames(machine)),
      transitions: of(covered.transitions, reachable.transitions, chartTransitionNames(machine)),
      guardOutcomes: of(covered.outcomes, reachable.outcomes, chartGuardOutcomes(machine)),
    },
  };
}

/** Events of a tour stretch, at most. */
export const TOUR_STRETCH = 40;

/** A walk from the initial vertex that takes every edge of the graph once at least (batches of changes excepted:
 * QEMU cannot make them, and the coverage paths take their transitions), cut into stretches that each start from
 * the initial vertex. From a vertex with no edge left to take, it goes the shortest way to the nearest one that has. */
function tour(graph: ReadonlyMap<string, ReadonlyArray<{ event: HostEvent; to: string }>>, start: string): HostEvent[][] {
  const edgeKey = (v: string, e: HostEvent) => `${v}\u0000${key(e)}`;
  const untaken = new Set<string>();
  for (const [v, out] of graph) for (const { event } of out) if (!(event.type === 'namespace.changed' && (event.count ?? 1) > 1)) untaken.add(edgeKey(v, event));
  const usable = (e: HostEvent) => !(e.type === 'namespace.changed' && (e.count ?? 1) > 1);
  const stretches: HostEvent[][] = [];
  let cur = start;
  let stretch: HostEvent[] = [];
  const take = (v: string, e: { event: HostEvent; to: string }) => {
    untaken.delete(edgeKey(v, e.event));
    stretch.push(e.event);
    cur = e.to;
  };
  while (untaken.size > 0) {
    const here = graph.get(cur)!.find((e) => untaken.has(edgeKey(cur, e.event)));
    if (here) take(cur, here);
    else {
      // Breadth-first to the nearest vertex with an edge left.
      const back = new Map<string, { from: string; edge: { event: HostEvent; to: string } } | null>([[cur, null]]);
      const q = [cur];
      let found: string | undefined;
      while (q.length > 0 && !found) {
        const v = q.shift()!;
        for (const e of graph.get(v)!) {
          if (!usable(e.event) || back.has(e.to)) continue;
          back.set(e.to, { from: v, edge: e });
          if (graph.get(e.to)!.some((x) => untaken.has(edgeKey(e.to, x.event)))) {
            found = e.to;
            break;
          }
          q.push(e.to);
        }
      }
      if (!found) {
        if (cur === start) break; // nothing left reachable
        stretches.push(stretch);
        stretch = [];
        cur = start;
        continue;
      }
      const route: Array<{ from: string; edge: { event: HostEvent; to: string } }> = [];
      for (let v = found; back.get(v); v = back.get(v)!.from) route.unshift(back.get(v)!);
      for (const r of route) take(r.from, r.edge);
    }
    if (stretch.length >= TOUR_STRETCH) {
      stretches.push(stretch);
      stretch = [];
      cur = start;
    }
  }
  if (stretch.length > 0) stretches.push(stretch);
  return stretches;
}

/** The paths of a profile's conformance pack: the coverage paths (tours run on the emulator, in the model tests and
 * against the chart's mutants, not in the packs replayed on peers). */
export const packPaths = (profile: Profile): ChartPath[] => generatePaths(profile).paths;
