// `nvme-actors/vitest`: conformance tests as vitest tests. `testPaths()` registers one `it` per path generated from
// the specification chart for a profile (the pack `nvme-actors paths` writes), named by its events and the spec
// clause it exercises; `testScenarioFiles()` one `it` per scenario file of a folder (one per scenario of a pack
// file). A failing test's error names the step (as written in the file), expected against received, and the trace
// records around the failed check. Call either at the top level of a test file or inside a `describe`.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, it } from 'vitest';
import { generatePaths } from './model/generate.ts';
import { chartToScenario, describeEvent, EVENT_CLAUSE } from './model/to-scenario.ts';
import { getProfile, type ProfileName } from './profiles/profiles.ts';
import { emulatorTarget, hex32, runScenario, type ScenarioResult, type TargetFactory, type TraceRecord } from './scenario/runner.ts';
import { parseScenario, ScenarioError, STATUS_NAMES, type Scenario } from './scenario/schema.ts';
import { formatRecord } from './scenario/trace-format.ts';
import { qemuAvailable, QemuUnavailableError } from './host/qemu-transport.ts';

/** Where the tests run: the in-process emulator (default), QEMU over qtest (skipped when no QEMU is installed, unless
 * `requireTarget`), or any target factory (a transport of your own, a controller under development). */
export type TestTarget = 'emulator' | 'qemu' | { readonly name: string; readonly factory: TargetFactory };

export interface TestOptions {
  readonly target?: TestTarget;
  /** Per-test timeout in milliseconds (default: vitest's). */
  readonly timeout?: number;
  /** With `target: 'qemu'`: fail instead of skipping when QEMU is not installed. */
  readonly requireTarget?: boolean;
  /** How many trace records to show before the failed check (default 8). */
  readonly traceContext?: number;
}

export interface PathTestOptions extends TestOptions {
  /** The profile whose chart paths are generated (default `spec`). */
  readonly profile?: ProfileName;
  /** AERL of the generated controller (default 3). */
  readonly aerl?: number;
}

/** The error a failed scenario throws: its message is the report; `expected`/`actual` give vitest a diff of the first
 * failed `expect` step's fields. */
export class ScenarioFailure extends Error {
  override readonly name = 'ScenarioFailure';
  readonly expected?: unknown;
  readonly actual?: unknown;
  constructor(message: string, readonly result: ScenarioResult, diff?: { expected: unknown; actual: unknown }) {
    super(message);
    if (diff) {
      this.expected = diff.expected;
      this.actual = diff.actual;
    }
  }
}

/** One `it` per chart path of `profile`'s pack, against the target. */
export function testPaths(options: PathTestOptions = {}): void {
  const profileName = options.profile ?? 'spec';
  const profile = getProfile(profileName);
  const { paths } = generatePaths(profile, options.aerl === undefined ? {} : { aerl: options.aerl });
  describe(`${profileName} chart paths on ${targetName(options.target)}`, () => {
    paths.forEach((p, i) => {
      const last = p.events[p.events.length - 1]!;
      const name = `path ${i + 1}: ${p.events.map(describeEvent).join(' → ')} (${EVENT_CLAUSE[last.type]})`;
      const json = chartToScenario(profile, p.events, { name: `${profileName} path ${i + 1}`, ...(options.aerl === undefined ? {} : { aerl: options.aerl }) });
      registerScenario(name, json, options);
    });
  });
}

/** One `it` per scenario file (`*.json`) in `folder`, in name order; a pack file gets a `describe` with one `it` per
 * scenario in it. A file that does not parse is a failing test with the parser's one-line error. */
export function testScenarioFiles(folder: string, options: TestOptions = {}): void {
  let files: string[];
  try {
    files = readdirSync(folder).filter((f) => f.endsWith('.json') && statSync(join(folder, f)).isFile()).sort();
  } catch (e) {
    throw new Error(`testScenarioFiles: cannot read the folder ${folder}: ${(e as Error).message}`);
  }
  if (files.length === 0) throw new Error(`testScenarioFiles: no *.json scenario files in ${folder}`);
  describe(`scenario files in ${folder} on ${targetName(options.target)}`, () => {
    for (const file of files) {
      const path = join(folder, file);
      let json: unknown;
      try {
        json = JSON.parse(readFileSync(path, 'utf8').replace(/^\uFEFF/, ''));
      } catch (e) {
        it(file, () => {
          throw new ScenarioError('$', `valid JSON (${(e as Error).message.replace(/\s+/g, ' ')})`, path);
        });
        continue;
      }
      const record = json as { kind?: unknown; scenarios?: unknown };
      if (typeof json === 'object' && json !== null && record.kind === 'nvme-actors.pack' && Array.isArray(record.scenarios)) {
        describe(file, () => {
          (record.scenarios as unknown[]).forEach((s, i) => {
            const name = typeof (s as { name?: unknown }).name === 'string' ? (s as { name: string }).name : `scenario ${i + 1}`;
            registerScenario(name, s, options, path, `$.scenarios[${i}]`);
          });
        });
      } else registerScenario(basename(file, '.json'), json, options, path);
    }
  });
}

function targetName(target: TestTarget | undefined): string {
  return target === undefined ? 'emulator' : typeof target === 'string' ? target : target.name;
}

async function targetFactory(target: TestTarget | undefined): Promise<TargetFactory> {
  if (target === undefined || target === 'emulator') return emulatorTarget;
  if (target === 'qemu') return (await import('./host/qemu-target.ts')).qemuTarget;
  return target.factory;
}

function registerScenario(name: string, json: unknown, options: TestOptions, file?: string, at = '$'): void {
  it(name, async (context) => {
    const scenario: Scenario = parseScenario(json, file, at);
    if (options.target === 'qemu' && !options.requireTarget) {
      if (!(await qemuAvailable())) context.skip('QEMU (qemu-system-x86_64) is not installed');
    }
    let result: ScenarioResult;
    try {
      result = await runScenario(scenario, await targetFactory(options.target));
    } catch (e) {
      if (e instanceof QemuUnavailableError && !options.requireTarget) return context.skip(e.message);
      throw e;
    }
    if (result.failed > 0) throw scenarioFailure(json, result, options.traceContext);
  }, options.timeout);
}

/** The error for a failed run of the scenario `json` (as written in its file): the first failed check's step,
 * expected against received, and the trace around it (`before` records before it, 2 after); then the other failed
 * checks, one line each. */
export function scenarioFailure(json: unknown, result: ScenarioResult, before = 8): ScenarioFailure {
  const steps = ((json as { steps?: unknown[] }).steps ?? []) as Array<Record<string, unknown>>;
  const failedAt = result.trace.findIndex((r) => r.kind === 'expect' && !r.ok);
  const first = result.trace[failedAt] as Extract<TraceRecord, { kind: 'expect' }> | undefined;
  const lines = [`${result.name} on the ${result.target}: ${result.failed} of ${result.passed + result.failed} checks failed`];
  let diff: { expected: unknown; actual: unknown } | undefined;
  if (first) {
    const step = steps[first.step];
    lines.push('', `step ${first.step}: ${step === undefined ? '(none)' : JSON.stringify(step)}`, `  ${first.message}`);
    diff = step?.do === 'expect' ? expectedAgainstReceived(step, result.trace.slice(0, failedAt)) : undefined;
    if (diff) lines.push(`  expected: ${JSON.stringify(diff.expected)}`, `  received: ${JSON.stringify(diff.actual)}`);
    const from = Math.max(0, failedAt - before);
    lines.push('', `trace (records ${from + 1}–${Math.min(result.trace.length, failedAt + 3)} of ${result.trace.length}):`);
    result.trace.slice(from, failedAt + 3).forEach((r, k) => lines.push(`${from + k === failedAt ? '>' : ' '}${formatRecord(r)}`));
  }
  const others = result.trace.filter((r, i): r is Extract<TraceRecord, { kind: 'expect' }> => r.kind === 'expect' && !r.ok && i !== failedAt);
  if (others.length > 0) lines.push('', 'also failed:', ...others.map((r) => `  step ${r.step}: ${r.message}`));
  return new ScenarioFailure(lines.join('\n'), result, diff);
}

const STATUS_LABEL = new Map(Object.entries(STATUS_NAMES).map(([name, s]) => [`${s.sct}/${s.sc}`, name]));
const statusLabel = (s: { sct: number; sc: number }): string => STATUS_LABEL.get(`${s.sct}/${s.sc}`) ?? `${s.sct.toString(16)}/${s.sc.toString(16).padStart(2, '0').toUpperCase()}h`;
const asNumber = (v: unknown): unknown => (typeof v === 'string' && /^0x[0-9a-f]+$/i.test(v) ? Number.parseInt(v.slice(2), 16) : typeof v === 'string' && /^[0-9a-f]+h$/i.test(v) ? Number.parseInt(v.slice(0, -1), 16) : v);

/** The `expect` step's own fields, and the same fields of the completion its tag received (from the trace). */
function expectedAgainstReceived(step: Record<string, unknown>, trace: readonly TraceRecord[]): { expected: unknown; actual: unknown } | undefined {
  const completion = [...trace].reverse().find((r): r is Extract<TraceRecord, { kind: 'completion' }> => r.kind === 'completion' && r.tag === step.tag);
  const log = [...trace].reverse().find((r): r is Extract<TraceRecord, { kind: 'log' }> => r.kind === 'log' && r.tag === step.tag);
  const expected: Record<string, unknown> = {};
  const actual: Record<string, unknown> = {};
  for (const key of ['status', 'dnr', 'dw0', 'changedNamespaces', 'data']) {
    if (step[key] === undefined) continue;
    switch (key) {
      case 'status': {
        const want = String(step.status);
        expected.status = want;
        actual.status = completion ? (/^[0-7]\//.test(want) ? `${completion.status.sct.toString(16)}/${completion.status.sc.toString(16).padStart(2, '0').toUpperCase()}h` : statusLabel(completion.status)) : 'no completion';
        break;
      }
      case 'dnr': expected.dnr = step.dnr; actual.dnr = completion ? completion.status.dnr : 'no completion'; break;
      case 'dw0': expected.dw0 = hex32(Number(asNumber(step.dw0))); actual.dw0 = completion ? completion.dw0 : 'no completion'; break;
      case 'changedNamespaces': expected.changedNamespaces = (step.changedNamespaces as unknown[]).map(asNumber); actual.changedNamespaces = log ? log.nsids : 'no list read'; break;
      case 'data': expected.data = String(step.data).replace(/^0x/i, '').toLowerCase(); actual.data = completion ? '(see the trace)' : 'no completion'; break;
    }
  }
  return Object.keys(expected).length > 0 ? { expected, actual } : undefined;
}
