// The conformance run: generate the chart's paths for a profile, turn each into a scenario, replay it against a
// target and collect one row per path (its events, how many checks, pass/fail, the spec clause it exercises).
import { generatePaths, packPaths, type Coverage } from './generate.ts';
import { chartToScenario, chartToScenarioSteps, describeEvent, EVENT_CLAUSE, type ScenarioJson } from './to-scenario.ts';
import type { HostEvent } from '../logic/aen-chart.ts';
import type { StateValue } from 'xstate';
import type { Profile } from '../profiles/profiles.ts';
import { getProfile, type ProfileName } from '../profiles/profiles.ts';
import { parseScenario } from '../scenario/schema.ts';
import { emulatorTarget, runScenario, type ScenarioResult, type TargetFactory } from '../scenario/runner.ts';

export interface ConformanceRow {
  readonly index: number;
  readonly path: string;
  readonly steps: number;
  readonly clause: string;
  readonly transition: string;
  readonly passed: number;
  readonly failed: number;
  readonly result: ScenarioResult;
  /** With `recordStates`: the spec chart's state during each step of the path's scenario, by step index. */
  readonly chartStateOfStep?: (step: number) => StateValue | undefined;
  /** With `recordStates`: the chart transitions the host event of that step took (microsteps included), by name. */
  readonly chartTransitionsOfStep?: (step: number) => readonly string[];
}

export interface ConformancePack {
  readonly kind: 'nvme-actors.pack';
  readonly profile: ProfileName;
  readonly generatedFrom: 'machines/aen-log-page.chart.ts';
  readonly coverage: { states: string; transitions: string; guardOutcomes: string };
  readonly scenarios: ScenarioJson[];
}

export function coverageSummary(c: Coverage): { states: string; transitions: string; guardOutcomes: string } {
  const part = (x: Coverage['states']) => `${x.covered.length}/${x.total.length - x.unreachable.length} reachable under this profile (${x.total.length} in the chart)`;
  return { states: part(c.states), transitions: part(c.transitions), guardOutcomes: part(c.guardOutcomes) };
}

export function buildPack(profileName: ProfileName): ConformancePack {
  const profile = getProfile(profileName);
  const { coverage } = generatePaths(profile);
  const paths = packPaths(profile);
  return {
    kind: 'nvme-actors.pack',
    profile: profileName,
    generatedFrom: 'machines/aen-log-page.chart.ts',
    coverage: coverageSummary(coverage),
    scenarios: paths.map((p, i) =>
      chartToScenario(profile, p.events, {
        name: `${profileName} path ${i + 1}: ${p.events.map(describeEvent).join(' → ')}`,
        description: `covers ${p.transitions[p.transitions.length - 1]} (${EVENT_CLAUSE[p.events[p.events.length - 1]!.type]})`,
      }),
    ),
  };
}

/** The chart state during each scenario step of a path (with the probe appended, as `runConformance` runs it), and
 * the transitions the chart took for the event that step belongs to: the `enable` step is in the initial state,
 * and the steps one chart event became are in the state it leads to. chartToScenario turns events into steps one
 * by one, so the steps of a prefix of the events are a prefix of the steps: the boundaries come from the prefixes. */
export function chartStepsBySteps(profile: Profile, pathEvents: readonly HostEvent[]): { states: StateValue[]; transitions: (readonly string[])[] } {
  const { records, ends } = chartToScenarioSteps(profile, pathEvents, { name: '' });
  const states: StateValue[] = [records[0]!.before.value];
  const transitions: (readonly string[])[] = [[]];
  records.forEach((r, k) => {
    const taken = r.microsteps.filter((m) => !m.event.startsWith('xstate.')).flatMap((m) => m.taken);
    while (states.length < ends[k]!) {
      states.push(r.after.value);
      transitions.push(taken);
    }
  });
  return { states, transitions };
}

/** The chart state during each scenario step of a path (see chartStepsBySteps). */
export const chartStatesBySteps = (profile: Profile, pathEvents: readonly HostEvent[]): StateValue[] => chartStepsBySteps(profile, pathEvents).states;

export async function runConformance(
  profileName: ProfileName,
  target: TargetFactory = emulatorTarget,
  onRow?: (row: ConformanceRow, total: number) => void,
  options: { recordStates?: boolean } = {},
): Promise<{ rows: ConformanceRow[]; coverage: { states: string; transitions: string; guardOutcomes: string }; wallMs: number }> {
  const started = performance.now();
  const profile = getProfile(profileName);
  const { coverage } = generatePaths(profile);
  const paths = packPaths(profile);
  const rows: ConformanceRow[] = [];
  for (const [i, p] of paths.entries()) {
    const json = chartToScenario(profile, p.events, { name: `${profileName} path ${i + 1}` });
    const result = await runScenario(parseScenario(json), target, { recordStates: options.recordStates === true });
    const last = p.events[p.events.length - 1]!;
    const row: ConformanceRow = {
      index: i + 1,
      path: p.events.map(describeEvent).join(' → '),
      steps: p.events.length,
      clause: EVENT_CLAUSE[last.type],
      transition: p.transitions[p.transitions.length - 1]!,
      passed: result.passed,
      failed: result.failed,
      result,
      ...(options.recordStates ? stepRecorders(chartStepsBySteps(profile, p.events)) : {}),
    };
    rows.push(row);
    onRow?.(row, paths.length);
  }
  return { rows, coverage: coverageSummary(coverage), wallMs: performance.now() - started };
}

const stepRecorders = ({ states, transitions }: { states: readonly StateValue[]; transitions: readonly (readonly string[])[] }) => ({
  chartStateOfStep: (step: number): StateValue | undefined => states[Math.min(step, states.length - 1)],
  chartTransitionsOfStep: (step: number): readonly string[] => (step < transitions.length ? transitions[step]! : []),
});
