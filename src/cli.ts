// The `nvme-actors` command. `run FILE|DIR...` executes scenario files (../shared/SCENARIOS.md) and prints their
// traces; exit 0 when every expectation held, 1 when one failed, 2 for a bad file or bad arguments (one line,
// never a stack trace).
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseScenarioText, ScenarioError, type Scenario } from './scenario/schema.ts';
import { emulatorTarget, runScenario, type TargetFactory } from './scenario/runner.ts';
import { formatResult } from './scenario/trace-format.ts';

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
  run FILE|DIR...   run scenario files against a controller and print their traces

Run 'nvme-actors <command> --help' for a command's options.
Example: nvme-actors run examples/`,
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

async function loadScenario(file: string): Promise<Scenario> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new UsageError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseScenarioText(text, file);
}

function targetFactory(name: string): TargetFactory {
  if (name === 'emulator') return emulatorTarget;
  throw new UsageError(`--target ${name}: expected emulator`);
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
  const factory = targetFactory(values.target!);
  const files = await expandFiles(positionals);
  const scenarios = await Promise.all(files.map(loadScenario)); // every file is validated before any runs
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

export async function main(argv: string[], io: CliIo = defaultIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      io.out(HELP.main!);
      return command === undefined ? 2 : 0;
    }
    if (command === 'run') return await runCommand(rest, io);
    throw new UsageError(`unknown command '${command}': expected run (see nvme-actors --help)`);
  } catch (e) {
    if (e instanceof UsageError || e instanceof ScenarioError) {
      io.err(`nvme-actors: ${e.message}`);
      return 2;
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
