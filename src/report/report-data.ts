// The data of the HTML trace report (`nvme-actors run|conformance --html`): for each scenario run, a timeline of its
// trace (submissions, completions, AENs, fault receipts, log reads, register reads, expectations) where each row
// carries the statechart states active just after it, as the state node ids the diagrams of src/diagram draw.
// Built from a run made with `recordStates` (src/scenario/runner.ts); pure, so it is unit-tested apart from the page.
import type { StateValue } from 'xstate';
import { AdminOpcode } from '../spec/constants.ts';
import { toDiagramGraph, type DiagramNode } from '../diagram/diagram.ts';
import { machines } from '../diagram/machines.ts';
import type { ActorStates, ScenarioResult, TraceRecord } from '../scenario/runner.ts';
import { formatRecord } from '../scenario/trace-format.ts';

/** The charts a report can show, by src/diagram/machines.ts name; the actor whose state each one follows. */
export const ACTOR_CHARTS = { controller: 'controller', adminQueue: 'admin-queue', aenLatch: 'aen-latch' } as const satisfies Record<keyof ActorStates, string>;
export const SPEC_CHART = 'aen-log-page';
export type ChartName = (typeof ACTOR_CHARTS)[keyof ActorStates] | typeof SPEC_CHART;

export type RowKind = 'start' | 'submit' | 'completion' | 'aen' | 'receipt' | 'log' | 'register' | 'lifecycle' | 'expect' | 'note';

export interface ReportRow {
  readonly kind: RowKind;
  readonly text: string;
  /** For expectations: whether it held. */
  readonly ok?: boolean;
  /** The scenario step the row belongs to (-1: before the first step or after the last). */
  readonly step: number;
  /** Index into ReportData.activeSets: the state node ids active just after this row. */
  readonly active: number;
}

export interface ReportRun {
  readonly name: string;
  readonly target: string;
  readonly passed: number;
  readonly failed: number;
  readonly rows: readonly ReportRow[];
}

export interface ReportData {
  readonly title: string;
  readonly subtitle: string;
  /** Charts drawn, in order. */
  readonly charts: readonly { readonly name: ChartName; readonly machineId: string }[];
  /** Distinct sets of active state node ids (rows share them by index). */
  readonly activeSets: readonly (readonly string[])[];
  readonly runs: readonly ReportRun[];
  readonly totals: { readonly passed: number; readonly failed: number };
}

export interface ReportInput {
  readonly result: ScenarioResult;
  /** The spec chart's state during each scenario step (conformance paths), by step index; -1 and steps past the
   * end take the last. */
  readonly chartStateOfStep?: (step: number) => StateValue | undefined;
}

const graphs = new Map<string, DiagramNode>();
function graphOf(name: ChartName): DiagramNode {
  let g = graphs.get(name);
  if (!g) {
    const machine = machines[name];
    if (!machine) throw new Error(`no machine named ${name}`);
    g = toDiagramGraph(machine);
    graphs.set(name, g);
  }
  return g;
}

/** The state node ids a state value makes active, root first: `{ enabled: 'ready' }` on the controller gives
 * controller, controller.enabled, controller.enabled.ready. Keys the chart does not have are ignored. */
export function activeStateIds(chart: ChartName, value: StateValue): string[] {
  const out: string[] = [];
  const visit = (node: DiagramNode, v: StateValue): void => {
    out.push(node.id);
    const children = (keys: string[]): DiagramNode[] => keys.flatMap((k) => node.children.find((c) => c.key === k) ?? []);
    if (typeof v === 'string') {
      for (const child of children([v])) out.push(child.id);
      return;
    }
    for (const [k, sub] of Object.entries(v)) for (const child of children([k])) if (sub !== undefined) visit(child, sub as StateValue);
  };
  visit(graphOf(chart), value);
  return out;
}

/** Rows of one run: a `start` row (the states before the first step), then one per trace record. */
function rowsOf(input: ReportInput, intern: (ids: readonly string[]) => number, charts: readonly ChartName[]): ReportRow[] {
  const { result } = input;
  const recorded = result.recorded ?? [];
  const lastStep = recorded.reduce((max, r) => (r.step > max ? r.step : max), 0); // no spread: a run may have 100,000s of records
  const idsFor = (states: ActorStates | undefined, step: number): string[] => {
    const ids: string[] = [];
    for (const [actor, chart] of Object.entries(ACTOR_CHARTS) as [keyof ActorStates, ChartName][]) {
      const v = states?.[actor];
      if (v !== undefined && charts.includes(chart)) ids.push(...activeStateIds(chart, v));
    }
    if (input.chartStateOfStep && charts.includes(SPEC_CHART)) {
      const v = input.chartStateOfStep(step < 0 ? lastStep : step);
      if (v !== undefined) ids.push(...activeStateIds(SPEC_CHART, v));
    }
    return ids;
  };
  const opcodeOf = new Map<number, number>();
  const rows: ReportRow[] = [{ kind: 'start', text: `${result.name} [${result.target}]: before the first step`, step: -1, active: intern(idsFor(result.initialStates, 0)) }];
  result.trace.forEach((r, i) => {
    const rec = recorded[i];
    const step = rec?.step ?? -1;
    rows.push({ kind: kindOf(r, opcodeOf), text: rowText(r), ...(r.kind === 'expect' ? { ok: r.ok } : {}), step, active: intern(idsFor(rec?.states, step)) });
  });
  return rows;
}

/** The trace line (src/scenario/trace-format.ts) without its marker and kind word, which the row's kind shows. */
function rowText(r: TraceRecord): string {
  const line = formatRecord(r).trim();
  return r.kind === 'expect' || r.kind === 'lifecycle' ? line : line.replace(/^\S+\s+(?:submit|complete|nsChange|log|register)?\s*/, '').replace(/^· /, '');
}

/** A completion of an Asynchronous Event Request that succeeded is an AEN. */
function kindOf(r: TraceRecord, opcodeOf: Map<number, number>): RowKind {
  if (r.kind === 'submit') opcodeOf.set(r.cid, r.opcode);
  if (r.kind === 'completion' && opcodeOf.get(r.cid) === AdminOpcode.ASYNC_EVENT_REQUEST && r.status.sct === 0 && r.status.sc === 0) return 'aen';
  return r.kind;
}

export function buildReportData(options: { title: string; subtitle: string; charts: readonly ChartName[]; runs: readonly ReportInput[] }): ReportData {
  const activeSets: string[][] = [];
  const index = new Map<string, number>();
  const intern = (ids: readonly string[]): number => {
    const key = ids.join('\n');
    let i = index.get(key);
    if (i === undefined) {
      i = activeSets.length;
      activeSets.push([...ids]);
      index.set(key, i);
    }
    return i;
  };
  const runs = options.runs.map((input) => ({
    name: input.result.name,
    target: input.result.target,
    passed: input.result.passed,
    failed: input.result.failed,
    rows: rowsOf(input, intern, options.charts),
  }));
  return {
    title: options.title,
    subtitle: options.subtitle,
    charts: options.charts.map((name) => ({ name, machineId: graphOf(name).id })),
    activeSets,
    runs,
    totals: { passed: runs.reduce((n, r) => n + r.passed, 0), failed: runs.reduce((n, r) => n + r.failed, 0) },
  };
}
