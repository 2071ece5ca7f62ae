// Mutants of the specification chart: every transition removed, every guard inverted, every action of a transition
// dropped, one at a time. Each mutant chart (under each profile's named implementations) recomputes the
// expectations of the generated paths of the unmutated chart, and the paths are replayed against the emulator,
// whose latch is an independent implementation: a mutant is caught when one path fails. A mutant no path catches
// would be a part of the chart the tests do not depend on.
import { createMachine, type AnyStateMachine } from 'xstate';
import { aenLogPageChart } from '../../machines/aen-log-page.chart.ts';
import { getProfile, PROFILE_NAMES, type ProfileName } from '../profiles/profiles.ts';
import { parseScenario } from '../scenario/schema.ts';
import { makeEmulatorTarget, runScenario } from '../scenario/runner.ts';
import { chartFor, transitionName, type SpecChart } from './chart.ts';
import { pathItems, suitePaths } from './generate.ts';
import { ChartInconsistency, chartCarries, chartToScenario, describeEvent } from './to-scenario.ts';

type Config = Record<string, unknown>;
type TransitionConfig = { target?: string; guard?: string; actions?: string | string[]; description?: string };

export interface Mutant {
  /** 'remove', 'invert' or 'drop'. */
  readonly kind: 'remove' | 'invert' | 'drop';
  /** The transition mutated, by name (src/model/chart.ts transitionName). */
  readonly transition: string;
  /** For 'drop': the action dropped. */
  readonly action?: string;
  /** What the mutant is, for tables: `remove notice.clear: notice.raised [aerParked] → notice.reported`. */
  readonly label: string;
  readonly machine: SpecChart;
}

export interface MutantResult {
  readonly mutant: Mutant;
  /** The profile whose generated path caught it, the path's number in that profile's suite and its events. */
  readonly caughtBy?: { readonly profile: ProfileName; readonly path: number; readonly events: string; readonly failure: string };
}

/** A copy of a machine config: objects and arrays copied, functions (the context factory) kept. */
function copy<T>(value: T): T {
  if (Array.isArray(value)) return value.map(copy) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, copy(v)])) as T;
  return value;
}

/** Every transition config of the chart, with its path (state keys) and event, in document order. */
function transitionsOf(config: Config): Array<{ states: string[]; event: string; index: number }> {
  const out: Array<{ states: string[]; event: string; index: number }> = [];
  const visit = (node: Config, path: string[]): void => {
    const on = (node.on ?? {}) as Record<string, TransitionConfig | TransitionConfig[]>;
    for (const [event, t] of Object.entries(on)) (Array.isArray(t) ? t : [t]).forEach((_, index) => out.push({ states: path, event, index }));
    for (const [k, child] of Object.entries((node.states ?? {}) as Record<string, Config>)) visit(child, [...path, k]);
  };
  visit(config, []);
  return out;
}

function nodeAt(config: Config, states: readonly string[]): Config {
  let node = config;
  for (const k of states) node = (node.states as Record<string, Config>)[k]!;
  return node;
}

/** Apply `edit` to the transition list of one state and event in a copy of the config. */
function edited(states: readonly string[], event: string, edit: (list: TransitionConfig[]) => TransitionConfig[]): Config {
  const config = copy(aenLogPageChart.config as unknown as Config);
  const node = nodeAt(config, states);
  const on = node.on as Record<string, TransitionConfig | TransitionConfig[]>;
  const list = edit(Array.isArray(on[event]) ? (on[event] as TransitionConfig[]) : [on[event] as TransitionConfig]);
  if (list.length === 0) delete on[event];
  else on[event] = list;
  return config;
}

const INVERTED = '__inverted';

function machineOf(config: Config, invert?: string): SpecChart {
  const impl = aenLogPageChart.implementations as unknown as { guards: Record<string, (...a: unknown[]) => boolean>; actions: Record<string, unknown> };
  const guards: Record<string, unknown> = { ...impl.guards };
  if (invert) {
    // The inverted guard reads the implementation the profile provides, when it provides one.
    guards[`${invert}${INVERTED}`] = (args: unknown, params: unknown) => !(guards[invert] as (a: unknown, p: unknown) => boolean)(args, params);
  }
  return createMachine(config as never, { ...impl, guards } as never) as unknown as SpecChart;
}

/** The mutants of the chart, in document order of the transitions they mutate. */
export function chartMutants(): Mutant[] {
  const base = aenLogPageChart as AnyStateMachine;
  const out: Mutant[] = [];
  for (const { states, event, index } of transitionsOf(aenLogPageChart.config as unknown as Config)) {
    let node = base.root;
    for (const k of states) node = node.states[k]!;
    const t = node.transitions.get(event)![index]!;
    const name = transitionName(t);
    const config = nodeAt(aenLogPageChart.config as unknown as Config, states);
    const on = config.on as Record<string, TransitionConfig | TransitionConfig[]>;
    const tc = (Array.isArray(on[event]) ? (on[event] as TransitionConfig[]) : [on[event] as TransitionConfig])[index]!;
    out.push({ kind: 'remove', transition: name, label: `remove ${name}`, machine: machineOf(edited(states, event, (l) => l.filter((_, i) => i !== index))) });
    if (tc.guard) {
      const g = tc.guard;
      out.push({ kind: 'invert', transition: name, label: `invert [${g}] of ${name}`, machine: machineOf(edited(states, event, (l) => l.map((x, i) => (i === index ? { ...x, guard: `${g}${INVERTED}` } : x))), g) });
    }
    const actions = tc.actions === undefined ? [] : Array.isArray(tc.actions) ? tc.actions : [tc.actions];
    actions.forEach((a, k) => {
      out.push({ kind: 'drop', transition: name, action: a, label: `drop ${a} from ${name}`, machine: machineOf(edited(states, event, (l) => l.map((x, i) => (i === index ? { ...x, actions: actions.filter((_, j) => j !== k) } : x)))) });
    });
  }
  return out;
}

/** Run one mutant on one generated path of a profile (its number in generatePaths order) against the emulator:
 * the first failed expectation, or undefined when the path passes. */
export async function mutantFailure(mutant: Mutant, profileName: ProfileName, pathNumber: number): Promise<string | undefined> {
  const profile = getProfile(profileName);
  const p = suitePaths(profile)[pathNumber - 1];
  if (!p) return undefined;
  try {
    const scenario = parseScenario(chartToScenario(profile, p.events, { name: `${profileName} path ${pathNumber}`, machine: chartFor(profile, mutant.machine) }));
    const result = await runScenario(scenario, makeEmulatorTarget({ profile: profileName }));
    return result.failed > 0 ? (result.trace.flatMap((r) => (r.kind === 'expect' && !r.ok ? [r.message] : []))[0] ?? 'a step failed') : undefined;
  } catch (e) {
    return e instanceof ChartInconsistency ? e.message : `the scenario cannot run: ${(e as Error).message.split('\n')[0]}`;
  }
}

/** The rows of a mutant table (renderMutantTable): label, and the profile and path that caught it. */
export function parseMutantTable(table: string): Array<{ label: string; profile?: ProfileName; path?: number }> {
  const out: Array<{ label: string; profile?: ProfileName; path?: number }> = [];
  for (const line of table.split('\n')) {
    const m = /^\| \d+ \| (.+?) \| (?:`(\w[\w-]*)` path (\d+):|\*\*not caught\*\*)/.exec(line);
    if (m) out.push({ label: m[1]!.replace(/\\\|/g, '|'), ...(m[2] ? { profile: m[2] as ProfileName, path: Number(m[3]) } : {}) });
  }
  return out;
}

/** Run every mutant until one generated path fails on the emulator. Paths that exercise the mutated transition
 * (take it, or try its guard) go first; the others after. */
export async function runMutants(mutants: readonly Mutant[] = chartMutants(), profiles: readonly ProfileName[] = PROFILE_NAMES): Promise<MutantResult[]> {
  const suites = profiles.map((name) => {
    const profile = getProfile(name);
    const chart = chartFor(profile);
    const paths = suitePaths(profile);
    return {
      name,
      profile,
      target: makeEmulatorTarget({ profile: name }),
      paths: paths.map((p, i) => {
        const it = pathItems(chart, p.events);
        return { index: i + 1, events: p.events, touches: new Set([...it.transitions, ...it.outcomes.map((o) => o.replace(/ = (true|false)$/, ''))]) };
      }),
    };
  });
  const results: MutantResult[] = [];
  for (const mutant of mutants) {
    let caughtBy: MutantResult['caughtBy'];
    search: for (const suite of suites) {
      const ordered = [...suite.paths.filter((p) => p.touches.has(mutant.transition)), ...suite.paths.filter((p) => !p.touches.has(mutant.transition))];
      for (const p of ordered) {
        if (!chartCarries(suite.profile, p.events)) continue;
        const machine = chartFor(suite.profile, mutant.machine);
        let failure: string | undefined;
        try {
          const scenario = parseScenario(chartToScenario(suite.profile, p.events, { name: `${suite.name} path ${p.index}`, machine }));
          const result = await runScenario(scenario, suite.target);
          if (result.failed > 0) failure = result.trace.flatMap((r) => (r.kind === 'expect' && !r.ok ? [r.message] : []))[0] ?? 'a step failed';
        } catch (e) {
          failure = e instanceof ChartInconsistency ? e.message : `the scenario cannot run: ${(e as Error).message.split('\n')[0]}`;
        }
        if (failure) {
          caughtBy = { profile: suite.name, path: p.index, events: p.events.map(describeEvent).join(' → '), failure };
          break search;
        }
      }
    }
    results.push({ mutant, ...(caughtBy ? { caughtBy } : {}) });
  }
  return results;
}

const cell = (s: string): string => s.replace(/\|/g, '\\|');

/** The mutant table of docs/model-based-testing.md. */
export function renderMutantTable(results: readonly MutantResult[]): string {
  const caught = results.filter((r) => r.caughtBy).length;
  const lines = [
    `${results.length} mutants, ${caught} caught${caught === results.length ? ' (every one)' : `, ${results.length - caught} not caught`}.`,
    '',
    '| # | mutant | caught by | first failed expectation |',
    '|---|---|---|---|',
  ];
  results.forEach((r, i) => {
    const c = r.caughtBy;
    lines.push(`| ${i + 1} | ${cell(r.mutant.label)} | ${c ? `\`${c.profile}\` path ${c.path}: ${cell(c.events)}` : '**not caught**'} | ${c ? `\`${cell(c.failure)}\`` : ''} |`);
  });
  return lines.join('\n');
}
