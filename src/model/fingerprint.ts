// Profile fingerprint of a controller: replay the pack of every profile (the chart's generated paths plus the rule
// checks of src/model/rules.ts, each with that profile's expectations) against one target, count what passes per
// profile, name the best match, and explain the failures of another profile (normally `spec`) as divergences:
// profile knobs where the best match differs from it. The explanation is checked, not assumed: a check is predicted
// to fail exactly when its expectations under the two profiles differ (or the target cannot carry it out), each
// failing check is blamed on the knobs whose value changes its expectations, and any check whose result the
// knobs do not predict is reported as unexplained. Rule checks are preferred as evidence: each is about one rule.
import { packPaths } from './generate.ts';
import { chartCarries, chartToScenario, describeEvent, EVENT_CLAUSE, type ScenarioJson } from './to-scenario.ts';
import { describeKnob, KNOBS, SPEC_RULES, type Knob, type SpecRule } from './rules.ts';
import { getProfile, PROFILE_NAMES, type Profile, type ProfileName } from '../profiles/profiles.ts';
import { parseScenario, type Scenario } from '../scenario/schema.ts';
import { runScenario, type ScenarioResult, type TargetFactory } from '../scenario/runner.ts';

/** One scenario of a profile's pack, with the way to build its expectations under any profile. */
export interface PackCheck {
  readonly kind: 'path' | 'rule';
  /** 'path 17' or 'rule aec-gate'. */
  readonly id: string;
  /** The path's events, or the rule's text. */
  readonly label: string;
  readonly clause: string;
  readonly rule?: SpecRule;
  readonly build: (p: Profile) => ScenarioJson | undefined;
}

export interface TargetUnderTest {
  /** 'qemu', 'emulator'. */
  readonly name: string;
  readonly factory: TargetFactory;
  /** Why the target cannot carry out a scenario at all (QEMU: an NSID it cannot have), if so. */
  readonly cannotRun?: (scenario: Scenario) => string | undefined;
}

export interface CheckResult {
  readonly check: PackCheck;
  readonly result: ScenarioResult;
  readonly passed: boolean;
  /** The first failed expectation's message. */
  readonly firstFailure?: string;
  /** The target cannot carry this scenario out (it fails, and says why). */
  readonly untestable?: string;
}

export interface ProfileRun {
  readonly profile: ProfileName;
  readonly results: readonly CheckResult[];
  readonly paths: { readonly passed: number; readonly total: number };
  readonly rules: { readonly passed: number; readonly total: number };
  readonly wallMs: number;
}

/** The pack of a profile: every generated chart path (with its closing probe), then every rule check that applies. */
export function packChecks(profileName: ProfileName): PackCheck[] {
  const profile = getProfile(profileName);
  const paths = packPaths(profile);
  const checks: PackCheck[] = paths.map((p, i) => ({
    kind: 'path',
    id: `path ${i + 1}`,
    label: p.events.map(describeEvent).join(' → '),
    clause: EVENT_CLAUSE[p.events[p.events.length - 1]!.type],
    build: (q: Profile) => (chartCarries(q, p.events) ? chartToScenario(q, p.events, { name: `${profileName} path ${i + 1}` }) : undefined),
  }));
  for (const rule of SPEC_RULES) {
    if (rule.check(profile) === undefined) continue;
    checks.push({ kind: 'rule', id: `rule ${rule.id}`, label: rule.text, clause: rule.clause, rule, build: rule.check });
  }
  return checks;
}

const firstFailure = (r: ScenarioResult): string | undefined => {
  for (const t of r.trace) if (t.kind === 'expect' && !t.ok) return t.message;
  return undefined;
};

/** Replay one profile's pack against a target, one scenario at a time. */
export async function runPack(
  profileName: ProfileName,
  target: TargetUnderTest,
  onResult?: (r: CheckResult, index: number, total: number) => void,
): Promise<ProfileRun> {
  const started = performance.now();
  const profile = getProfile(profileName);
  const checks = packChecks(profileName);
  const results: CheckResult[] = [];
  for (const [i, check] of checks.entries()) {
    const scenario = parseScenario(check.build(profile)!);
    const result = await runScenario(scenario, target.factory);
    const untestable = target.cannotRun?.(scenario);
    const r: CheckResult = { check, result, passed: result.failed === 0, ...(result.failed ? { firstFailure: firstFailure(result) } : {}), ...(untestable ? { untestable } : {}) };
    results.push(r);
    onResult?.(r, i, checks.length);
  }
  const count = (kind: PackCheck['kind']) => ({ passed: results.filter((r) => r.check.kind === kind && r.passed).length, total: results.filter((r) => r.check.kind === kind).length });
  return { profile: profileName, results, paths: count('path'), rules: count('rule'), wallMs: performance.now() - started };
}

export async function runPacks(
  target: TargetUnderTest,
  profiles: readonly ProfileName[] = PROFILE_NAMES,
  onResult?: (profile: ProfileName, r: CheckResult, index: number, total: number) => void,
): Promise<{ runs: ProfileRun[]; wallMs: number }> {
  const started = performance.now();
  const runs: ProfileRun[] = [];
  for (const p of profiles) runs.push(await runPack(p, target, onResult && ((r, i, n) => onResult(p, r, i, n))));
  return { runs, wallMs: performance.now() - started };
}

/** The profile whose pack passes best (share of checks passed; ties go to the earlier profile). */
export function bestMatch(runs: readonly ProfileRun[]): ProfileRun {
  const share = (r: ProfileRun) => (r.paths.passed + r.rules.passed) / Math.max(1, r.paths.total + r.rules.total);
  return runs.reduce((best, r) => (share(r) > share(best) ? r : best));
}

export const passesAll = (r: ProfileRun): boolean => r.results.every((c) => c.passed);

// ---- explaining failures as knob divergences ------------------------------------------------------------------

export interface Divergence {
  readonly knob: Knob;
  /** The rules this knob decides. */
  readonly rules: readonly SpecRule[];
  /** What the reference profile says, and what the target did (the model profile's value). */
  readonly expected: string;
  readonly observed: string;
  /** Failing checks of the reference pack blamed on this knob. */
  readonly blamed: readonly CheckResult[];
  /** A failing check blamed on this knob alone, preferred as evidence; its first failed expectation. */
  readonly witness?: CheckResult;
}

export interface Explanation {
  readonly reference: ProfileName;
  readonly model: ProfileName;
  readonly divergences: readonly Divergence[];
  /** Failing checks the target cannot carry out. */
  readonly untestable: readonly CheckResult[];
  /** Checks whose result the knobs do not predict: a wrong model profile, or a flaky target. */
  readonly unexplained: ReadonlyArray<{ readonly result: CheckResult; readonly predicted: 'pass' | 'fail' }>;
}

const stepsOf = (s: ScenarioJson | undefined): string => JSON.stringify(s?.steps ?? null);
const valueOf = (p: Profile, k: Knob): string => JSON.stringify(p[k]);

/** Explain `referenceRun` (a pack replayed on the target) with `model`, a profile the target matches. */
export function explain(referenceRun: ProfileRun, model: ProfileName): Explanation {
  const ref = getProfile(referenceRun.profile);
  const m = getProfile(model);
  const differing = KNOBS.filter((k) => valueOf(ref, k) !== valueOf(m, k));
  const blame = new Map<Knob, CheckResult[]>(differing.map((k) => [k, []]));
  const single = new Map<Knob, CheckResult>();
  const untestable: CheckResult[] = [];
  const unexplained: Array<{ result: CheckResult; predicted: 'pass' | 'fail' }> = [];
  for (const r of referenceRun.results) {
    if (r.untestable) {
      if (r.passed) unexplained.push({ result: r, predicted: 'fail' });
      else untestable.push(r);
      continue;
    }
    const modelCheck = r.check.build(m);
    if (modelCheck === undefined && r.passed) continue; // the model has no such check (QEMU's list cannot overflow)
    const underModel = stepsOf(modelCheck);
    const predictedFail = stepsOf(r.check.build(ref)) !== underModel;
    if (predictedFail === r.passed) {
      unexplained.push({ result: r, predicted: predictedFail ? 'fail' : 'pass' });
      continue;
    }
    if (r.passed) continue;
    // Blame a knob when it matters from both sides: the target's value alone changes the reference expectations,
    // and the reference value alone changes the model's. (One side alone over-blames coupled knobs: putting `spec`'s
    // AEC gating into `qemu`, whose AEC starts at 0, silences every notice.) If no knob matters from both sides,
    // blame those that matter from the model's side, else from the reference's.
    const underRef = stepsOf(r.check.build(ref));
    const fromModel = differing.filter((k) => stepsOf(r.check.build({ ...m, [k]: ref[k] } as Profile)) !== underModel);
    const fromRef = differing.filter((k) => stepsOf(r.check.build({ ...ref, [k]: m[k] } as Profile)) !== underRef);
    const both = fromModel.filter((k) => fromRef.includes(k));
    const knobs = both.length > 0 ? both : fromModel.length > 0 ? fromModel : fromRef;
    for (const k of knobs) blame.get(k)!.push(r);
    const k0 = knobs[0];
    if (knobs.length === 1 && k0 && (!single.has(k0) || (single.get(k0)!.check.kind === 'path' && r.check.kind === 'rule'))) single.set(k0, r);
  }
  const divergences: Divergence[] = differing.map((knob) => {
    const blamed = blame.get(knob)!;
    const witness = single.get(knob) ?? blamed[0];
    return {
      knob,
      rules: SPEC_RULES.filter((rule) => rule.knobs.includes(knob)),
      expected: describeKnob(knob, ref),
      observed: describeKnob(knob, m),
      blamed,
      ...(witness ? { witness } : {}),
    };
  });
  return { reference: referenceRun.profile, model, divergences, untestable, unexplained };
}

/** Divergences the run exhibits (blamed on at least one failing check). */
export const exhibited = (e: Explanation): Divergence[] => e.divergences.filter((d) => d.blamed.length > 0);

export const checkRef = (r: CheckResult): string => `${r.check.id}${r.check.kind === 'path' ? ` (${r.check.label})` : ''}`;
