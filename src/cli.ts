// The `nvme-actors` command. `run FILE|DIR...` executes scenario files (../shared/SCENARIOS.md) and prints their
// traces; exit 0 when every expectation held, 1 when one failed, 2 for a bad file or bad arguments (one line,
// never a stack trace).
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseScenarioFile, ScenarioError, type Scenario } from './scenario/schema.ts';
import { buildPack, runConformance, type ConformanceRow } from './model/conformance.ts';
import { getProfile, PROFILE_NAMES, type ProfileName } from './profiles/profiles.ts';
import { generatePaths } from './model/generate.ts';
import { emulatorTarget, runScenario, type TargetFactory } from './scenario/runner.ts';
import { formatResult } from './scenario/trace-format.ts';
import { qemuTarget } from './host/qemu-target.ts';
import { QemuStartError, QemuUnavailableError } from './host/qemu-transport.ts';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const HELP: Record<string, string> = {
  main: `nvme-actors: an NVMe controller emulator on XState statecharts, and a conformance tester

Usage: nvme-actors <command> [options]

Commands:
  conformance       generate tests from the AEN/log-page chart, replay them, print a table and totals
  coverage          states and transitions of the chart covered by the generated paths, per profile
  paths             write the generated tests as a conformance pack of scenario files
  run FILE|DIR...   run scenario files (or packs) against a controller and print their traces

Run 'nvme-actors <command> --help' for a command's options.
Example: nvme-actors conformance --profile spec`,
  coverage: `Usage: nvme-actors coverage [--json]

Generates the chart's paths for every profile and prints which states and transitions they cover, computed from
the paths; transitions no context reachable under a profile can take are listed by name.

Example: nvme-actors coverage`,
  conformance: `Usage: nvme-actors conformance [--profile P] [--target emulator] [--json] [--verbose]

Generates paths from machines/aen-log-page.chart.ts (createTestModel: shortest paths plus the transitions they
miss), replays each against a fresh controller through the host driver, and prints one row per path: the events,
steps, pass/fail and the spec clause it exercises, then coverage and totals.
Exit status: 0 every path passed, 1 one failed, 2 bad arguments.

Options:
  --profile P       the chart's expectations: ${PROFILE_NAMES.join(', ')} (default spec)
  --target NAME     emulator (default)
  --json            one JSON object per path, then a summary object
  --verbose         print the trace of every failing path
  -h, --help        this help

Example: nvme-actors conformance --profile qemu`,
  paths: `Usage: nvme-actors paths [--profile P] [--out FILE]

Writes the generated paths as a conformance pack: {"kind": "nvme-actors.pack", "scenarios": [...]}, each scenario
a file in the ../shared/SCENARIOS.md format with its expectations. Run it with 'nvme-actors run FILE'.

Options:
  --profile P       ${PROFILE_NAMES.join(', ')} (default spec)
  --out FILE        write there instead of standard output
  -h, --help        this help

Example: nvme-actors paths --profile spec --out spec-pack.json && nvme-actors run spec-pack.json`,
  run: `Usage: nvme-actors run FILE|DIR... [--json] [--target emulator]

Runs each scenario file (a directory means every *.json in it) and prints its trace.
Exit status: 0 every expectation held, 1 one failed, 2 a file or an argument is bad.

Options:
  --json            one JSON object per line instead of text
  --target NAME     emulator (default)
  -h, --help        this help

Example: nvme-actors run examples/seed-namespace-change.json --json`,
};

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  isTty: boolean;
}

const defaultIo: CliIo = {
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
  isTty: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
};

async function expandFiles(paths: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const p of paths) {
    let s;
    try {
      s = await stat(p);
    } catch {
      throw new UsageError(`${p}: no such file or directory`);
    }
    if (s.isDirectory()) {
      const names = (await readdir(p)).filter((n) => n.endsWith('.json')).sort();
      if (names.length === 0) throw new UsageError(`${p}: no .json scenario files in this directory`);
      files.push(...names.map((n) => join(p, n)));
    } else files.push(p);
  }
  return files;
}

async function loadScenarios(file: string): Promise<Scenario[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new UsageError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseScenarioFile(text, file);
}

function profileOption(value: string | undefined): ProfileName {
  const name = value ?? 'spec';
  if (!(PROFILE_NAMES as readonly string[]).includes(name)) throw new UsageError(`--profile ${name}: expected one of ${PROFILE_NAMES.join(', ')}`);
  return name as ProfileName;
}

export const TARGET_NAMES = ['emulator', 'qemu'] as const;
export type TargetName = (typeof TARGET_NAMES)[number];

function targetOption(name: string): TargetName {
  if (!(TARGET_NAMES as readonly string[]).includes(name)) throw new UsageError(`--target ${name}: expected ${TARGET_NAMES.join(' or ')}`);
  return name as TargetName;
}

function targetFactory(name: TargetName): TargetFactory {
  return name === 'qemu' ? qemuTarget : emulatorTarget;
}

async function runCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { json: { type: 'boolean' }, target: { type: 'string', default: 'emulator' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    io.out(HELP.run!);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('run: expected at least one scenario FILE or DIR');
  const factory = targetFactory(targetOption(values.target!));
  const files = await expandFiles(positionals);
  const scenarios = (await Promise.all(files.map(loadScenarios))).flat(); // every file is validated before any runs
  let passed = 0;
  let failed = 0;
  for (const scenario of scenarios) {
    const result = await runScenario(scenario, factory);
    passed += result.passed;
    failed += result.failed;
    io.out(formatResult(result, { json: values.json, color: io.isTty }));
  }
  io.out(values.json ? JSON.stringify({ kind: 'total', passed, failed }) : `${passed} passed, ${failed} failed`);
  return failed > 0 ? 1 : 0;
}

async function coverageCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, strict: true, options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    io.out(HELP.coverage!);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`coverage: unexpected argument '${positionals[0]}'`);
  const union = new Set<string>();
  let total: readonly string[] = [];
  for (const profile of PROFILE_NAMES) {
    const { paths, coverage } = generatePaths(getProfile(profile));
    const t = coverage.transitions;
    total = t.total;
    t.covered.forEach((x) => union.add(x));
    const applicable = t.total.length - t.unreachable.length;
    if (values.json) io.out(JSON.stringify({ profile, paths: paths.length, states: coverage.states, transitions: { covered: t.covered.length, reachable: applicable, total: t.total.length, unreachable: t.unreachable } }));
    else {
      io.out(`${profile}: ${paths.length} paths; states ${coverage.states.covered.length}/${coverage.states.total.length} (${pct(coverage.states.covered.length, coverage.states.total.length)}); transitions ${t.covered.length}/${applicable} reachable (${pct(t.covered.length, applicable)}), ${t.total.length} in the chart`);
      for (const u of t.unreachable) io.out(`    not reachable under ${profile}: ${u}`);
    }
  }
  const line = `all profiles together: transitions ${union.size}/${total.length} (${pct(union.size, total.length)})`;
  io.out(values.json ? JSON.stringify({ profile: 'all', transitions: { covered: union.size, total: total.length } }) : line);
  return union.size === total.length ? 0 : 1;
}

const pct = (a: number, b: number): string => `${b === 0 ? 100 : Math.floor((a / b) * 1000) / 10}%`;

async function pathsCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, strict: true, options: { profile: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    io.out(HELP.paths!);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`paths: unexpected argument '${positionals[0]}'`);
  const pack = buildPack(profileOption(values.profile));
  const text = `${JSON.stringify(pack, null, 2)}\n`;
  if (values.out) {
    try {
      await writeFile(values.out, text);
    } catch (e) {
      throw new UsageError(`--out ${values.out}: cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    io.err(`wrote ${pack.scenarios.length} scenarios (${pack.profile}; states ${pack.coverage.states}, transitions ${pack.coverage.transitions}) to ${values.out}`);
  } else io.out(text.trimEnd());
  return 0;
}

async function conformanceCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { profile: { type: 'string' }, target: { type: 'string', default: 'emulator' }, json: { type: 'boolean' }, verbose: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    io.out(HELP.conformance!);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`conformance: unexpected argument '${positionals[0]}'`);
  const profile = profileOption(values.profile);
  const factory = targetFactory(targetOption(values.target!));
  const color = io.isTty;
  const mark = (ok: boolean) => (ok ? (color ? '\x1b[32mpass\x1b[0m' : 'pass') : color ? '\x1b[31mFAIL\x1b[0m' : 'FAIL');
  const width = 64;
  if (!values.json) {
    io.out(`Conformance of the ${values.target} against the AEN/log-page chart, profile ${profile}`);
    io.out(`${'#'.padStart(4)}  ${'path'.padEnd(width)} ${'steps'.padStart(5)}  ${'checks'.padStart(6)}  result  clause`);
  }
  const onRow = (row: ConformanceRow) => {
    if (values.json) {
      io.out(JSON.stringify({ kind: 'path', index: row.index, path: row.path, steps: row.steps, transition: row.transition, clause: row.clause, passed: row.passed, failed: row.failed }));
      return;
    }
    const path = row.path.length > width ? `${row.path.slice(0, width - 1)}…` : row.path;
    io.out(`${String(row.index).padStart(4)}  ${path.padEnd(width)} ${String(row.steps).padStart(5)}  ${String(row.passed + row.failed).padStart(6)}  ${mark(row.failed === 0)}    ${row.clause}`);
    if (row.failed > 0 && values.verbose) for (const r of row.result.trace) if (r.kind === 'expect' && !r.ok) io.out(`        ✗ ${r.message}`);
  };
  const { rows, coverage, wallMs } = await runConformance(profile, factory, onRow);
  const failed = rows.filter((r) => r.failed > 0).length;
  const checks = rows.reduce((n, r) => n + r.passed + r.failed, 0);
  if (values.json) {
    io.out(JSON.stringify({ kind: 'summary', profile, target: values.target, paths: rows.length, failedPaths: failed, checks, coverage, wallMs: Math.round(wallMs) }));
  } else {
    io.out(`coverage: states ${coverage.states}, transitions ${coverage.transitions}`);
    io.out(`${rows.length} paths, ${checks} checks, wall time ${(wallMs / 1000).toFixed(2)} s on the ${values.target}`);
  }
  io.out(`${rows.length - failed} passed, ${failed} failed`);
  return failed > 0 ? 1 : 0;
}

export async function main(argv: string[], io: CliIo = defaultIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      io.out(HELP.main!);
      return command === undefined ? 2 : 0;
    }
    if (command === 'run') return await runCommand(rest, io);
    if (command === 'paths') return await pathsCommand(rest, io);
    if (command === 'coverage') return await coverageCommand(rest, io);
    if (command === 'conformance') return await conformanceCommand(rest, io);
    throw new UsageError(`unknown command '${command}': expected conformance, coverage, paths or run (see nvme-actors --help)`);
  } catch (e) {
    if (e instanceof UsageError || e instanceof ScenarioError) {
      io.err(`nvme-actors: ${e.message}`);
      return 2;
    }
    if (e instanceof QemuUnavailableError || e instanceof QemuStartError) {
      io.err(`nvme-actors: ${e.message}`);
      return 3;
    }
    if (e instanceof TypeError && (e as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`nvme-actors: ${e.message.split('\n')[0]}`);
      return 2;
    }
    io.err(`nvme-actors: internal error: ${(e as Error).message}`);
    return 70;
  }
}

/** Run as a program: a closed stdout (`| head`) ends quietly. */
export async function runAsProgram(): Promise<void> {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  process.exitCode = await main(process.argv.slice(2));
}

if (process.argv[1] !== undefined && /(?:^|[\\/])cli\.ts$/.test(process.argv[1])) void runAsProgram();
