// The `nvme-actors` command. `run FILE|DIR...` executes scenario files (docs/scenarios.md) and prints their
// traces; exit 0 when every expectation held, 1 when one failed, 2 for a bad file or bad arguments (one line,
// never a stack trace).
import { constants as fsConstants, readFileSync } from 'node:fs';
import { access, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ScenarioError, type Scenario, type ScenarioTarget } from './scenario/schema.ts';
import { describeErrno, FileError, loadScenarioFiles } from './scenario/files.ts';
import { clip as clipText, echo, escapeControl, oneLine } from './scenario/escape.ts';
import { buildPack, runConformance, type ConformanceRow } from './model/conformance.ts';
import { getProfile, PROFILE_NAMES, type ProfileName } from './profiles/profiles.ts';
import { generatePaths, tourPaths } from './model/generate.ts';
import { DIAGRAM_FORMATS, isDiagramFormat, renderDiagram } from './diagram/diagram.ts';
import { machineNames } from './diagram/machines.ts';
import { emulatorTarget, makeEmulatorTarget, runScenario, type ScenarioResult, type TargetFactory } from './scenario/runner.ts';
import { ACTOR_CHARTS, buildReportData, SPEC_CHART, type ChartName, type ReportInput } from './report/report-data.ts';
import { formatResult } from './scenario/trace-format.ts';
import { qemuCannotRun, qemuTarget, qemuVersion } from './host/qemu-target.ts';
import { makeTcpTarget } from './host/tcp-target.ts';
import { parseTcpTarget } from './host/tcp-transport.ts';
import { serveCommand } from './serve/cli.ts';
import { bestMatch, checkRef, exhibited, explain, passesAll, runPack, runPacks, type CheckResult, type ProfileRun, type TargetUnderTest } from './model/fingerprint.ts';
import { peerMajorMinor, renderConformanceDoc } from './model/conformance-doc.ts';
import { KNOB_TOPIC } from './model/rules.ts';
import { QemuStartError, QemuUnavailableError } from './host/qemu-transport.ts';
import { GuestError } from './guest/vm.ts';
import { GuestImageError } from './guest/image.ts';
import { NvmetConfigError } from './guest/nvmet.ts';
import { makeSharedNvmetTarget, nvmetCannotRun } from './guest/nvmet-target.ts';
import { PeerError } from './host/peer-error.ts';

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
  diagram           draw a statechart as Mermaid, Graphviz dot, SVG or JSON
  coverage          states and transitions of the chart covered by the generated paths, per profile
  paths             write the generated tests as a conformance pack of scenario files
  run FILE|DIR...   run scenario files (or packs) against a controller and print their traces

Options: --version (print the version), -h, --help (this help).
Run 'nvme-actors <command> --help' for a command's options.
Example: nvme-actors conformance --profile spec`,
  diagram: `Usage: nvme-actors diagram [--machine NAME] [--format mermaid|dot|svg|json] [--out FILE]

Draws a statechart from its definition (nothing is downloaded: SVG comes from Graphviz compiled to WebAssembly).
Without --machine, every machine is drawn (mermaid and dot only; svg and json need one machine).

Options:
  --machine NAME    controller, admin-queue, aen-latch, aen-log-page
  --format F        mermaid (default), dot, svg, json
  --out FILE        write there instead of standard output
  -h, --help        this help

Example: nvme-actors diagram --machine aen-latch --format svg --out aen-latch.svg`,
  coverage: `Usage: nvme-actors coverage [--json]

Generates the chart's paths for every profile and prints which states, transitions and guard outcomes they cover,
computed by replaying the paths on the chart; what no vertex reachable under a profile can exercise is listed by
name, and the union over the profiles closes. Exit 0 when the union covers the whole chart.

Example: nvme-actors coverage`,
  conformance: `Usage: nvme-actors conformance [--profile P] [--target emulator|qemu|nvmet] [--json] [--verbose] [--doc FILE] [--html FILE]

Generates paths from machines/aen-log-page.chart.ts (createTestModel: shortest paths plus the transitions they
miss), replays each against a fresh controller through the host driver, and prints one row per path: the events,
steps, pass/fail and the spec clause it exercises, then coverage and totals.

With --target qemu (QEMU's NVMe controller over qtest; one QEMU per scenario; a namespace change is made with
Namespace Attachment), it replays every profile's pack (chart paths plus the rule checks of src/model/rules.ts),
prints the rows of --profile's pack, how many checks of each profile's pack pass, the best-matching profile, the
divergences from the spec profile (clause, what spec says, what QEMU did, a failing check as evidence), the checks
QEMU cannot carry out, and the wall time of the packs on QEMU and on the emulator.
With --target nvmet (Linux nvmet in a QEMU guest over NVMe/TCP: one guest and one subsystem for the whole run,
each scenario on a new association; a namespace change is a configfs write), the same for Linux nvmet, with
linux-nvmet as the default --profile, and the guest's boot-to-ready time.
Exit status: 0 every path (and rule check) of --profile's pack passed, 1 one failed, 2 bad arguments,
3 QEMU (or the guest image) is missing or failed to start, 4–6 the Linux guest did not boot in time, died or hung.

Options:
  --profile P       the expectations: ${PROFILE_NAMES.join(', ')} (default spec; with --target qemu, qemu; with nvmet, linux-nvmet)
  --target NAME     emulator (default), qemu (qemu-system-x86_64, or NVME_ACTORS_QEMU) or nvmet (a Linux guest)
  --doc FILE        with --target qemu: write the spec-rules × {emulator, QEMU} table (docs/conformance.md)
  --html FILE       on the emulator: write an HTML report of every path (its trace, the spec chart's state and
                    the actors' states highlighted at each row; docs/visuals.md)
  --json            one JSON object per path, then a summary object and a totals object (JSON lines only)
  --verbose         print the failed expectations of every failing path
  -h, --help        this help

Examples: nvme-actors conformance --profile qemu
          nvme-actors conformance --html conformance.html
          nvme-actors conformance --target qemu`,
  paths: `Usage: nvme-actors paths [--profile P] [--out FILE]

Writes the generated paths as a conformance pack: {"kind": "nvme-actors.pack", "scenarios": [...]}, each scenario
a scenario file (docs/scenarios.md) with its expectations. Run it with 'nvme-actors run FILE' (one path:
'nvme-actors run FILE --only N').

Options:
  --profile P       ${PROFILE_NAMES.join(', ')} (default spec)
  --out FILE        write there instead of standard output
  -h, --help        this help

Example: nvme-actors paths --profile spec --out spec-pack.json && nvme-actors run spec-pack.json`,
  run: `Usage: nvme-actors run FILE|DIR... [--json] [--target emulator|qemu|nvmet|tcp://HOST:PORT/NQN] [--profile P] [--only N[,N...]] [--grep TEXT]
                           [--inspect [--step] [--port N]] [--html FILE]

Runs each scenario file (a directory means every *.json in it) and prints its trace. On QEMU each scenario gets
its own QEMU, and a namespace change is made with Namespace Attachment (the trace says which); QEMU gives no
receipts, and a change of an NSID it cannot have fails that step with a note. On nvmet one Linux guest (built
from Debian's kernel package and cached) serves the whole run, each scenario on a subsystem of its own, and a
namespace change is a configfs write (enable, disable or add). On tcp://HOST:PORT/NQN the host driver connects to
your NVMe/TCP controller.
A scenario that declares "targets" (["emulator"]) is reported as not applicable on any other target, and is
neither run nor counted as a failure.
Exit status: 0 every expectation held, 1 one failed, 2 a file or an argument is bad, 3 QEMU (or the guest image)
is missing or failed to start, 4–6 the Linux guest did not boot in time, died or hung.

With --inspect, the actors' inspection events (controller, admin queue, AEN latch: snapshots and events) stream
through @statelyai/inspect's WebSocket inspector to a server on 127.0.0.1: the run waits until a viewer connects
(the Stately inspector at the printed http:// address, or any WebSocket client at the ws:// one), replays what
it missed, and closes every connection when it ends. With --html, it writes one self-contained page: the
statecharts with the active states highlighted at the selected trace row, and the timeline (docs/visuals.md).

Options:
  --json            one JSON object per line instead of text (JSON lines only: the totals are a JSON object)
  --target NAME     emulator (default) or qemu (qemu-system-x86_64, or NVME_ACTORS_QEMU)
  --profile P       run every scenario under profile P (${PROFILE_NAMES.join(', ')}), whatever its file says
  --only N[,N...]   only the scenarios numbered N (from 1, in run order: path N of a pack from 'nvme-actors paths')
  --grep TEXT       only the scenarios whose name contains TEXT (ignoring case)
  --inspect         stream the actor system to the live inspector (emulator only; waits for a viewer)
  --step            with --inspect: wait for the viewer before each step ("Next step" on the page)
  --port N          the inspector's port on 127.0.0.1 (default 8080; 0 picks a free one)
  --html FILE       write the HTML trace report there
  -h, --help        this help

Examples: nvme-actors run examples/seed-namespace-change.json --json
          nvme-actors run spec-pack.json --only 12
          nvme-actors run examples/ --target qemu
          nvme-actors run examples/seed-namespace-change.json --inspect --port 8080
          nvme-actors run examples/ --html report.html`,
};

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  isTty: boolean;
  /** Redraws the progress line on a terminal's stderr (`\r…`; '' clears it). Absent when stderr is not a TTY. */
  progress?(line: string): void;
  /** How long a run goes before the progress line shows (default 1000 ms). */
  progressAfterMs?: number;
}

const defaultIo: CliIo = {
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
  isTty: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
  ...(process.stderr.isTTY ? { progress: (l: string) => void process.stderr.write(`\r\x1b[K${l}`) } : {}),
};

/** `[37/92] paths…` on stderr, for runs longer than a second (shown from the first update after `afterMs`), on a
 * TTY only (io.progress), cleared before any other line is printed and at the end. */
export class ProgressLine {
  private shown = false;
  private readonly started = performance.now();

  constructor(
    private readonly io: CliIo,
    private readonly label: string,
    private readonly afterMs = io.progressAfterMs ?? 1000,
  ) {}

  update(done: number, total: number, label = this.label): void {
    if (!this.io.progress || performance.now() - this.started < this.afterMs) return;
    this.shown = true;
    this.io.progress(`[${done}/${total}] ${label}…`);
  }

  /** Clear the line (before printing anything else, and at the end). */
  clear(): void {
    if (!this.shown) return;
    this.shown = false;
    this.io.progress!('');
  }

  /** An io whose out/err clear the progress line first. */
  wrap(): CliIo {
    return { ...this.io, out: (l) => (this.clear(), this.io.out(l)), err: (l) => (this.clear(), this.io.err(l)) };
  }
}

/** parseArgs with our own one-line messages: the command, the flag, and where to read about it. */
function parsed<T>(command: string, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (!(e instanceof TypeError) || !code?.startsWith('ERR_PARSE_ARGS')) throw e;
    const flag = /'(-{1,2}[^' ]+)/.exec(e.message)?.[1] ?? '';
    const see = `(see nvme-actors ${command} --help)`;
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new UsageError(`${command}: unknown option '${echo(flag)}' ${see}`);
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      if (/does not take an argument/.test(e.message)) throw new UsageError(`${command}: ${flag} takes no value ${see}`);
      if (/ambiguous/.test(e.message)) throw new UsageError(`${command}: ${flag} needs a value, and the next argument is a flag (write ${flag}=VALUE for a value that starts with '-') ${see}`);
      throw new UsageError(`${command}: ${flag} needs a value ${see}`);
    }
    throw new UsageError(`${command}: ${e.message.split('\n')[0]!.split('. ')[0]} ${see}`);
  }
}

function profileOption(value: string | undefined): ProfileName {
  const name = value ?? 'spec';
  if (!(PROFILE_NAMES as readonly string[]).includes(name)) throw new UsageError(`--profile ${echo(name)}: expected one of ${PROFILE_NAMES.join(', ')}`);
  return name as ProfileName;
}

export const TARGET_NAMES = ['emulator', 'qemu', 'nvmet'] as const;
export type TargetName = (typeof TARGET_NAMES)[number];

function targetOption(name: string): TargetName {
  if (name.startsWith('tcp://')) return tcpTargetOption(name) as TargetName; // fabrics hook (src/host/tcp-target.ts)
  if (!(TARGET_NAMES as readonly string[]).includes(name)) throw new UsageError(`--target ${echo(name)}: expected emulator, qemu, nvmet or tcp://HOST:PORT/NQN`);
  return name as TargetName;
}

function targetFactory(name: TargetName): TargetFactory {
  if (name.startsWith('tcp://')) return makeTcpTarget(name);
  return name === 'qemu' ? qemuTarget : emulatorTarget;
}

function tcpTargetOption(name: string): string {
  try {
    parseTcpTarget(name);
  } catch (e) {
    throw new UsageError(`--target ${(e as Error).message.replace(/^target /, '')}`);
  }
  return name;
}

function portOption(value: string | undefined): number {
  if (value === undefined) return 8080;
  const port = /^\d{1,5}$/.test(value) ? Number(value) : NaN;
  if (!(port >= 0 && port <= 65535)) throw new UsageError(`--port ${echo(value)}: expected a port number 0..65535 (0 picks a free one)`);
  return port;
}

/** A file the command will write (--html, --doc, --out), checked before any work so a typo, a directory or a
 * device (/dev/full) does not cost the run: an existing path must be a writable regular file, a new one needs a
 * writable directory. */
async function outputOption(flag: string, file: string | undefined): Promise<string | undefined> {
  if (file === undefined) return undefined;
  if (file === '' || file.startsWith('-')) throw new UsageError(`${flag}: expected the path of the file to write, got '${echo(file)}'`);
  let s;
  try {
    s = await stat(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new UsageError(`${flag} ${file}: ${describeErrno(e)}`);
  }
  if (s) {
    if (!s.isFile()) throw new UsageError(`${flag} ${file}: ${s.isDirectory() ? 'a directory' : s.isCharacterDevice() ? 'a character device' : s.isFIFO() ? 'a FIFO' : 'not a regular file'}, expected the path of a regular file to write`);
    await access(file, fsConstants.W_OK).catch((e: unknown) => {
      throw new UsageError(`${flag} ${file}: cannot write: ${describeErrno(e)}`);
    });
    return file;
  }
  const folder = dirname(resolve(file));
  const d = await stat(folder).catch(() => undefined);
  if (!d?.isDirectory()) throw new UsageError(`${flag} ${file}: no such directory ${folder}`);
  await access(folder, fsConstants.W_OK | fsConstants.X_OK).catch((e: unknown) => {
    throw new UsageError(`${flag} ${file}: cannot create a file in ${folder}: ${describeErrno(e)}`);
  });
  return file;
}

/** Writes an output file; a failure is one line naming the errno. */
async function writeOutput(flag: string, file: string, text: string): Promise<void> {
  try {
    await writeFile(file, text);
  } catch (e) {
    throw new UsageError(`${flag} ${file}: cannot write (${describeErrno(e)})`);
  }
}

/** Runs `write` and hands back its failure instead of throwing it, so the verdict is printed first. */
async function deferFailure(write: () => Promise<void>): Promise<unknown> {
  try {
    await write();
    return undefined;
  } catch (e) {
    return e;
  }
}

async function writeReport(file: string, inputs: readonly ReportInput[], options: { title: string; subtitle: string; charts: readonly ChartName[] }, io: CliIo): Promise<void> {
  const { renderReportHtml } = await import('./report/html.ts');
  const data = buildReportData({ ...options, runs: inputs });
  await writeOutput('--html', file, await renderReportHtml(data));
  io.err(`wrote ${file} (${data.runs.length} run${data.runs.length === 1 ? '' : 's'}, ${data.runs.reduce((n, r) => n + r.rows.length, 0)} timeline rows)`);
}

async function runCommand(args: string[], rawIo: CliIo, cliOptions: CliOptions): Promise<number> {
  const { values, positionals } = parsed('run', () => parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      json: { type: 'boolean' },
      target: { type: 'string', default: 'emulator' },
      inspect: { type: 'boolean' },
      step: { type: 'boolean' },
      port: { type: 'string' },
      html: { type: 'string' },
      profile: { type: 'string' },
      only: { type: 'string' },
      grep: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  }));
  if (values.help) {
    rawIo.out(HELP.run!);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('run: expected at least one scenario FILE or DIR');
  const target = targetOption(values.target!);
  /** The target as a scenario's "targets" names it. */
  const targetKind: ScenarioTarget = target.startsWith('tcp://') ? 'tcp' : (target as ScenarioTarget);
  if (values.port !== undefined && !values.inspect) throw new UsageError('--port: needs --inspect');
  if (values.step && !values.inspect) throw new UsageError('--step: needs --inspect (the run waits for the viewer before each step)');
  const port = portOption(values.port);
  if (values.inspect && target !== 'emulator') throw new UsageError(`--inspect: the ${target} target has no actors to inspect (use --target emulator)`);
  const htmlFile = await outputOption('--html', values.html);
  const profile = values.profile === undefined ? undefined : profileOption(values.profile);
  const only = values.only === undefined ? undefined : onlyOption(values.only);
  if (values.grep !== undefined && values.grep === '') throw new UsageError('--grep: expected some text to look for in the scenario names');
  const loaded = await loadScenarioFiles(positionals); // every file is validated before any runs
  const files = loaded.files;
  const scenarios = selectScenarios(loaded.scenarios, only, values.grep).map((s) => (profile ? { ...s, profile } : s));

  // Linux nvmet in a QEMU guest (src/guest/): one guest for the whole run, a subsystem per scenario, ended with the run.
  const nvmet = target === 'nvmet' ? makeSharedNvmetTarget() : undefined;
  let factory = nvmet ? nvmet.factory : target === 'emulator' && cliOptions.emulator ? cliOptions.emulator : targetFactory(target);
  let inspector: import('./inspect/live-inspector.ts').LiveInspector | undefined;
  if (values.inspect) {
    // Loaded only here: a run without --inspect never imports @statelyai/inspect nor opens a socket.
    const { startLiveInspector, InspectPortError } = await import('./inspect/live-inspector.ts');
    try {
      inspector = await startLiveInspector({ port, step: values.step === true });
    } catch (e) {
      if (e instanceof InspectPortError) throw new UsageError(e.message);
      throw e;
    }
    rawIo.err(`inspect: ${inspector.wsUrl} (WebSocket), or open ${inspector.pageUrl} for the Stately inspector`);
    rawIo.err('inspect: the page needs the internet (it loads the Stately inspector from stately.ai); the WebSocket does not');
    if (values.step) rawIo.err('inspect: step mode: the run waits before each step for "Next step" on the page (or {"type":"nvme-actors.continue"} on the WebSocket)');
    rawIo.err('inspect: waiting for a viewer to connect (Ctrl-C to give up)');
    await inspector.waitForViewer();
    rawIo.err('inspect: viewer connected, running');
    factory = makeEmulatorTarget({ inspect: inspector.inspect });
  }
  const progress = new ProgressLine(rawIo, 'scenarios');
  const io = values.json ? rawIo : progress.wrap();
  const results: ScenarioResult[] = [];
  let passed = 0;
  let failed = 0;
  const notApplicable: string[] = [];
  try {
    for (const [i, scenario] of scenarios.entries()) {
      if (scenario.targets && !scenario.targets.includes(targetKind)) {
        // Declared for other targets: reported, not run, not a failure.
        notApplicable.push(scenario.name);
        const declared = JSON.stringify(scenario.targets);
        io.out(values.json
          ? JSON.stringify({ kind: 'notApplicable', name: scenario.name, target, targets: scenario.targets })
          : `▷ ${escapeControl(scenario.name)} [${target}]: not applicable (the file declares "targets": ${declared})`);
        continue;
      }
      const live = inspector;
      const beforeStep = live && values.step ? (index: number, step: { do: string }) => live.pauseBeforeStep({ scenario: scenario.name, step: index, steps: scenario.steps.length, do: step.do }) : undefined;
      const result = await runScenario(scenario, factory, { recordStates: htmlFile !== undefined, ...(beforeStep ? { beforeStep } : {}) }).catch((e: unknown) => {
        // QEMU could not be started again after earlier scenarios ran: their totals, then the one-line error (exit 3).
        if (i > 0 && (e instanceof QemuStartError || e instanceof QemuUnavailableError)) io.out(values.json ? JSON.stringify({ kind: 'total', passed, failed }) : `${passed} passed, ${failed} failed`);
        throw e;
      });
      if (htmlFile) results.push(result);
      passed += result.passed;
      failed += result.failed;
      io.out(formatResult(result, { json: values.json, color: rawIo.isTty }));
      if (!values.json) progress.update(i + 1, scenarios.length);
    }
  } finally {
    progress.clear();
    await inspector?.close();
    await nvmet?.close();
  }
  if (inspector) io.err('inspect: run finished, inspector closed');
  // The verdict is printed whatever becomes of the report; a report that cannot be written is then exit 2.
  const reportFailure = htmlFile ? await deferFailure(() => writeReport(htmlFile, results.map((result) => ({ result })), { title: 'nvme-actors run', subtitle: `${files.join(', ')} on the ${target}`, charts: Object.values(ACTOR_CHARTS) }, io)) : undefined;
  const skipped = notApplicable.length;
  io.out(values.json
    ? JSON.stringify({ kind: 'total', passed, failed, ...(skipped ? { notApplicable: skipped } : {}) })
    : `${passed} passed, ${failed} failed${skipped ? `, ${skipped} scenario${skipped === 1 ? '' : 's'} not applicable on the ${target}` : ''}`);
  if (reportFailure) throw reportFailure;
  return failed > 0 ? 1 : 0;
}

/** `--only 3` or `--only 1,4,7`: scenario numbers, counted from 1 in the order they run. */
function onlyOption(value: string): number[] {
  if (!/^\d+(,\d+)*$/.test(value)) throw new UsageError(`--only ${echo(value)}: expected a scenario number, or numbers separated by commas (counted from 1, in run order)`);
  return value.split(',').map(Number);
}

/** The scenarios `--only` and `--grep` (a case-insensitive part of the name) select, in run order. */
function selectScenarios(all: readonly Scenario[], only: readonly number[] | undefined, grep: string | undefined): Scenario[] {
  let picked = all.map((scenario, i) => ({ scenario, n: i + 1 }));
  if (only) {
    const bad = only.find((n) => n < 1 || n > all.length);
    if (bad !== undefined) throw new UsageError(`--only ${bad}: there ${all.length === 1 ? 'is 1 scenario' : `are ${all.length} scenarios`} (numbered 1..${all.length})`);
    const wanted = new Set(only);
    picked = picked.filter((p) => wanted.has(p.n));
  }
  if (grep !== undefined) {
    const needle = grep.toLowerCase();
    picked = picked.filter((p) => p.scenario.name.toLowerCase().includes(needle));
    if (picked.length === 0) throw new UsageError(`--grep ${echo(grep)}: no scenario name contains it${only ? ' (among those --only selects)' : ''} (${all.length} scenario${all.length === 1 ? '' : 's'} loaded)`);
  }
  return picked.map((p) => p.scenario);
}

async function diagramCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parsed('diagram', () => parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { machine: { type: 'string' }, format: { type: 'string', default: 'mermaid' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  }));
  if (values.help) {
    io.out(HELP.diagram!);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`diagram: unexpected argument '${echo(positionals[0]!)}'`);
  const format = values.format!;
  if (!isDiagramFormat(format)) throw new UsageError(`--format ${echo(format)}: expected one of ${DIAGRAM_FORMATS.join(', ')}`);
  if (values.machine !== undefined && !machineNames.includes(values.machine)) throw new UsageError(`--machine ${echo(values.machine)}: expected one of ${machineNames.join(', ')}`);
  if (values.machine === undefined && (format === 'svg' || format === 'json')) throw new UsageError(`--format ${format} draws one machine: add --machine (${machineNames.join(', ')})`);
  const out = await outputOption('--out', values.out);
  const names = values.machine === undefined ? machineNames : [values.machine];
  const parts: string[] = [];
  for (const name of names) parts.push(names.length > 1 ? `%% ${name}\n${await renderDiagram(name, format)}` : await renderDiagram(name, format));
  const text = parts.join('\n\n');
  if (out) await writeOutput('--out', out, text.endsWith('\n') ? text : `${text}\n`);
  else io.out(text.trimEnd());
  return 0;
}

async function coverageCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parsed('coverage', () => parseArgs({ args, allowPositionals: true, strict: true, options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } }));
  if (values.help) {
    io.out(HELP.coverage!);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`coverage: unexpected argument '${echo(positionals[0]!)}'`);
  const parts = ['states', 'transitions', 'guardOutcomes'] as const;
  const union = { states: new Set<string>(), transitions: new Set<string>(), guardOutcomes: new Set<string>() };
  const totals = { states: 0, transitions: 0, guardOutcomes: 0 };
  for (const profile of PROFILE_NAMES) {
    const { paths, coverage } = generatePaths(getProfile(profile));
    const tours = tourPaths(getProfile(profile)).length;
    for (const k of parts) {
      coverage[k].covered.forEach((x) => union[k].add(x));
      totals[k] = coverage[k].total.length;
    }
    const reach = (k: (typeof parts)[number]) => coverage[k].total.length - coverage[k].unreachable.length;
    if (values.json) {
      io.out(JSON.stringify({ profile, paths: paths.length, tours, ...Object.fromEntries(parts.map((k) => [k, { covered: coverage[k].covered, reachable: reach(k), total: coverage[k].total.length, unreachable: coverage[k].unreachable }])) }));
      continue;
    }
    io.out(`${profile}: ${paths.length} paths and ${tours} tour stretches; ${parts.map((k) => `${k === 'guardOutcomes' ? 'guard outcomes' : k} ${coverage[k].covered.length}/${reach(k)} reachable (${pct(coverage[k].covered.length, reach(k))}, ${coverage[k].total.length} in the chart)`).join('; ')}`);
    for (const k of parts) for (const u of coverage[k].unreachable) io.out(`    not reachable under ${profile}: ${u}`);
  }
  const line = `all profiles together: ${parts.map((k) => `${k === 'guardOutcomes' ? 'guard outcomes' : k} ${union[k].size}/${totals[k]} (${pct(union[k].size, totals[k])})`).join('; ')}`;
  io.out(values.json ? JSON.stringify({ profile: 'all', ...Object.fromEntries(parts.map((k) => [k, { covered: union[k].size, total: totals[k] }])) }) : line);
  return parts.every((k) => union[k].size === totals[k]) ? 0 : 1;
}

const pct = (a: number, b: number): string => `${b === 0 ? 100 : Math.floor((a / b) * 1000) / 10}%`;

async function pathsCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parsed('paths', () => parseArgs({ args, allowPositionals: true, strict: true, options: { profile: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }));
  if (values.help) {
    io.out(HELP.paths!);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`paths: unexpected argument '${echo(positionals[0]!)}'`);
  const out = await outputOption('--out', values.out);
  const pack = buildPack(profileOption(values.profile));
  const text = `${JSON.stringify(pack, null, 2)}\n`;
  if (out) {
    await writeOutput('--out', out, text);
    io.err(`wrote ${pack.scenarios.length} scenarios (${pack.profile}; states ${pack.coverage.states}, transitions ${pack.coverage.transitions}) to ${out}`);
  } else io.out(text.trimEnd());
  return 0;
}

async function conformanceCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parsed('conformance', () => parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      profile: { type: 'string' },
      target: { type: 'string', default: 'emulator' },
      json: { type: 'boolean' },
      verbose: { type: 'boolean' },
      doc: { type: 'string' },
      html: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  }));
  if (values.help) {
    io.out(HELP.conformance!);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`conformance: unexpected argument '${echo(positionals[0]!)}'`);
  const target = targetOption(values.target!);
  if (values.doc !== undefined && target !== 'qemu') throw new UsageError('--doc: needs --target qemu (the document compares this emulator with QEMU; it has no Linux nvmet column yet)');
  if (values.html !== undefined && target !== 'emulator') throw new UsageError(`--html: on the emulator only (the ${target} target has no actors to show)`);
  const options = { json: values.json === true, verbose: values.verbose === true, doc: await outputOption('--doc', values.doc), html: await outputOption('--html', values.html) };
  if (target === 'qemu') return peerConformance(values.profile === undefined ? 'qemu' : profileOption(values.profile), options, io, await qemuPeer());
  if (target === 'nvmet') {
    // One Linux guest and one subsystem for every pack (src/guest/nvmet-target.ts), ended with the run.
    const peer = nvmetPeer();
    try {
      return await peerConformance(values.profile === undefined ? 'linux-nvmet' : profileOption(values.profile), options, io, peer);
    } finally {
      await peer.close();
    }
  }
  return emulatorConformance(profileOption(values.profile), targetFactory(target), target, options, io);
}

type ConformanceOptions = { json: boolean; verbose: boolean; doc?: string | undefined; html?: string | undefined };

const PATH_WIDTH = 64;

function marker(color: boolean): (ok: boolean) => string {
  return (ok) => (ok ? (color ? '\x1b[32mpass\x1b[0m' : 'pass') : color ? '\x1b[31mFAIL\x1b[0m' : 'FAIL');
}

/** A path's event sequence (`a → b → c`) in lines of at most `width` characters, broken after an arrow; an event
 * longer than a line gets a line of its own. Nothing is cut. */
export function wrapPath(path: string, width: number): string[] {
  const events = path.split(' → ');
  const lines: string[] = [];
  let line = '';
  events.forEach((event, i) => {
    const piece = i < events.length - 1 ? `${event} →` : event;
    if (line === '') line = piece;
    else if (line.length + 1 + piece.length <= width) line += ` ${piece}`;
    else {
      lines.push(line);
      line = piece;
    }
  });
  lines.push(line);
  return lines;
}
const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

async function emulatorConformance(profile: ProfileName, factory: TargetFactory, target: TargetName, options: ConformanceOptions, rawIo: CliIo): Promise<number> {
  const mark = marker(rawIo.isTty);
  const progress = new ProgressLine(rawIo, 'paths');
  const io = options.json ? rawIo : progress.wrap();
  if (!options.json) {
    io.out(`Conformance of the ${target} against the AEN/log-page chart, profile ${profile}`);
    io.out(`${'#'.padStart(4)}  ${'path'.padEnd(PATH_WIDTH)} ${'steps'.padStart(5)}  ${'checks'.padStart(6)}  result  clause`);
  }
  const onRow = (row: ConformanceRow, total: number) => {
    if (options.json) {
      io.out(JSON.stringify({ kind: 'path', index: row.index, path: row.path, steps: row.steps, transition: row.transition, clause: row.clause, passed: row.passed, failed: row.failed }));
      return;
    }
    const [first, ...more] = wrapPath(row.path, PATH_WIDTH);
    io.out(`${String(row.index).padStart(4)}  ${first!.padEnd(PATH_WIDTH)} ${String(row.steps).padStart(5)}  ${String(row.passed + row.failed).padStart(6)}  ${mark(row.failed === 0)}    ${row.clause}`);
    for (const line of more) io.out(`${' '.repeat(6)}${line}`);
    if (row.failed > 0 && options.verbose) for (const r of row.result.trace) if (r.kind === 'expect' && !r.ok) io.out(`        ✗ ${oneLine(r.message)}`);
    progress.update(row.index, total);
  };
  let run: Awaited<ReturnType<typeof runConformance>>;
  try {
    run = await runConformance(profile, factory, onRow, { recordStates: options.html !== undefined });
  } finally {
    progress.clear();
  }
  const { rows, coverage, wallMs } = run;
  const html = options.html;
  const reportFailure = html
    ? await deferFailure(() => {
        const inputs: ReportInput[] = rows.map((r) => ({ result: { ...r.result, name: `path ${r.index}: ${r.path}` }, ...(r.chartStateOfStep ? { chartStateOfStep: r.chartStateOfStep } : {}), ...(r.chartTransitionsOfStep ? { chartTransitionsOfStep: r.chartTransitionsOfStep } : {}) }));
        return writeReport(html, inputs, { title: `nvme-actors conformance (profile ${profile})`, subtitle: `paths of machines/aen-log-page.chart.ts on the ${target}`, charts: [SPEC_CHART, ...Object.values(ACTOR_CHARTS)] }, io);
      })
    : undefined;
  const failed = rows.filter((r) => r.failed > 0).length;
  const checks = rows.reduce((n, r) => n + r.passed + r.failed, 0);
  if (options.json) {
    io.out(JSON.stringify({ kind: 'summary', profile, target, paths: rows.length, failedPaths: failed, checks, coverage, wallMs: Math.round(wallMs) }));
  } else {
    io.out(`coverage: states ${coverage.states}, transitions ${coverage.transitions}, guard outcomes ${coverage.guardOutcomes}`);
    io.out(`${rows.length} paths, ${checks} checks, wall time ${seconds(wallMs)} on the ${target}`);
    io.out('');
    io.out('Next:');
    if (!options.html) io.out(`  nvme-actors conformance --profile ${profile} --html conformance.html   every path's trace beside the statecharts, in one page`);
    io.out(`  nvme-actors paths --profile ${profile} --out pack.json                 these paths as scenario files; then nvme-actors run pack.json --only N`);
    io.out('  nvme-actors conformance --target qemu                           the same chart against QEMU\'s NVMe controller (qemu-system-x86_64)');
  }
  io.out(options.json ? JSON.stringify({ kind: 'total', passed: rows.length - failed, failed }) : `${rows.length - failed} passed, ${failed} failed`);
  if (reportFailure) throw reportFailure;
  return failed > 0 ? 1 : 0;
}

/** A real controller the packs run on: QEMU's over qtest, or Linux nvmet in a guest over NVMe/TCP. */
interface Peer {
  readonly target: 'qemu' | 'nvmet';
  /** 'QEMU 7.2.22', 'Linux 6.1 nvmet' (the label in the output; set once the peer has started, for nvmet). */
  label(): string;
  /** 'qemu-system-x86_64 over qtest'. */
  readonly how: string;
  readonly under: TargetUnderTest;
  /** Timing lines (boot-to-ready) once the packs ran. */
  notes(): string[];
  close(): Promise<void>;
}

async function qemuPeer(): Promise<Peer> {
  const version = (await qemuVersion()) ?? 'QEMU';
  return { target: 'qemu', label: () => version, how: 'qemu-system-x86_64 over qtest', under: { name: 'qemu', factory: qemuTarget, cannotRun: qemuCannotRun }, notes: () => [], close: async () => undefined };
}

function nvmetPeer(): Peer {
  const shared = makeSharedNvmetTarget();
  return {
    target: 'nvmet',
    label: () => {
      const release = shared.nvmet()?.guest.image.kernelRelease;
      const m = release ? /^(\d+\.\d+)/.exec(release) : null;
      return m ? `Linux ${m[1]} nvmet` : 'Linux nvmet';
    },
    how: 'drivers/nvme/target in a QEMU guest, over NVMe/TCP',
    under: { name: 'nvmet', factory: shared.factory, cannotRun: nvmetCannotRun },
    notes: () => {
      const g = shared.nvmet();
      const st = shared.stats();
      return g ? [`guest: boot to READY ${seconds(g.guest.bootMs)}, nvmet answering ICReq ${seconds(g.readyMs)} after QEMU started (${g.guest.image.kernelRelease}); ${st.boots} boot${st.boots === 1 ? '' : 's'} for ${st.scenarios} scenarios, ${seconds(st.configureMs)} resetting namespaces between them`] : [];
    },
    close: () => shared.close(),
  };
}

/** A peer (QEMU, Linux nvmet): every profile's pack (chart paths and rule checks), the table of `profile`'s, the
 * fingerprint, the divergences from `spec`, and the same packs on the emulator for the wall-time comparison. */
async function peerConformance(profile: ProfileName, options: ConformanceOptions, rawIo: CliIo, target: Peer): Promise<number> {
  const mark = marker(rawIo.isTty);
  const progress = new ProgressLine(rawIo, 'checks');
  const io = options.json ? rawIo : progress.wrap();
  const qemu = target.under;
  let peer = target.label();
  const emulator: TargetUnderTest = { name: 'emulator', factory: emulatorTarget };
  const order: ProfileName[] = [profile, ...PROFILE_NAMES.filter((p) => p !== profile)];
  if (!options.json) {
    io.out(`Conformance of ${target.target === 'qemu' ? peer : 'Linux nvmet'} (${target.how}) against every profile's pack: the AEN/log-page chart's paths and the rule checks`);
    io.out(`Profile ${profile}:`);
    io.out(`${'#'.padStart(8)}  ${'path or rule'.padEnd(PATH_WIDTH)} ${'checks'.padStart(6)}  result  clause`);
  }
  const onResult = (p: ProfileName, r: CheckResult, index: number, total: number): void => {
    if (!options.json) progress.update(index + 1, total, `${p} checks on ${target.target === 'qemu' ? 'QEMU' : 'nvmet'}`);
    const checks = r.result.passed + r.result.failed;
    if (options.json) {
      io.out(JSON.stringify({ kind: r.check.kind, target: target.target, profile: p, id: r.check.id, label: r.check.label, clause: r.check.clause, passed: r.result.passed, failed: r.result.failed, ...(r.firstFailure ? { firstFailure: r.firstFailure } : {}), ...(r.untestable ? { untestable: r.untestable } : {}) }));
      return;
    }
    if (p !== profile) return;
    const [first, ...more] = wrapPath(r.check.label, PATH_WIDTH);
    io.out(`${r.check.id.padStart(8)}  ${first!.padEnd(PATH_WIDTH)} ${String(checks).padStart(6)}  ${mark(r.passed)}    ${r.check.clause}`);
    for (const line of more) io.out(`${' '.repeat(10)}${line}`);
    if (!r.passed && options.verbose) for (const t of r.result.trace) if ((t.kind === 'expect' && !t.ok) || t.kind === 'note') io.out(`          ${t.kind === 'note' ? '·' : '✗'} ${oneLine(t.message)}`);
  };
  const runs: ProfileRun[] = [];
  let qemuWall = 0;
  for (const p of order) {
    const run = await runPack(p, qemu, (r, i, n) => onResult(p, r, i, n));
    runs.push(run);
    qemuWall += run.wallMs;
    peer = target.label();
    if (!options.json && p === profile) io.out(`Other profiles' packs on ${peer}:`);
    if (!options.json && p !== profile) io.out(`  ${p}: ${run.paths.passed}/${run.paths.total} paths, ${run.rules.passed}/${run.rules.total} rule checks pass`);
  }
  const emulatorRuns = await runPacks(emulator, order);
  progress.clear();
  const byName = (list: readonly ProfileRun[]) => PROFILE_NAMES.map((n) => list.find((r) => r.profile === n)!);
  const peerRuns = byName(runs);
  const best = bestMatch(peerRuns);
  const specRun = peerRuns.find((r) => r.profile === 'spec')!;
  const why = explain(specRun, best.profile);
  const shown = exhibited(why);
  const selected = runs[0]!;
  const emulatorSelected = emulatorRuns.runs.find((r) => r.profile === profile)!;
  const emulatorFailures = emulatorRuns.runs.flatMap((r) => r.results.filter((c) => !c.passed).map((c) => `${r.profile} ${c.check.id}`));
  const totalPaths = runs.reduce((n, r) => n + r.paths.total, 0);
  const totalRules = runs.reduce((n, r) => n + r.rules.total, 0);
  const failed = selected.results.filter((r) => !r.passed).length;

  if (options.json) {
    io.out(JSON.stringify({
      kind: 'summary',
      target: target.target,
      peer,
      profile,
      fingerprint: peerRuns.map((r) => ({ profile: r.profile, paths: r.paths, rules: r.rules, wallMs: Math.round(r.wallMs) })),
      bestMatch: best.profile,
      divergences: shown.map((d) => ({ knob: d.knob, clause: d.rules.map((r) => r.clause).join('; '), spec: d.expected, [target.target]: d.observed, failingChecks: d.blamed.length, witness: d.witness ? { check: d.witness.check.id, failure: d.witness.firstFailure } : undefined })),
      untestable: why.untestable.map((r) => ({ check: r.check.id, reason: r.untestable })),
      unexplained: why.unexplained.map((u) => ({ check: u.result.check.id, predicted: u.predicted, passed: u.result.passed })),
      wallMs: { [target.target]: Math.round(qemuWall), emulator: Math.round(emulatorRuns.wallMs), profile: { [target.target]: Math.round(selected.wallMs), emulator: Math.round(emulatorSelected.wallMs) } },
      notes: target.notes(),
      emulatorFailures,
    }));
  } else {
    io.out('');
    io.out(`Profile fingerprint of ${peer} (checks of each profile's pack that pass):`);
    for (const r of peerRuns) io.out(`  ${r.profile.padEnd(8)} ${`${r.paths.passed}/${r.paths.total}`.padStart(7)} paths  ${`${r.rules.passed}/${r.rules.total}`.padStart(5)} rule checks`);
    io.out(`best match: ${best.profile}${passesAll(best) ? ' (every path and rule check passes)' : ` (${best.results.filter((r) => !r.passed).length} checks fail)`}`);
    io.out('');
    io.out(`Divergences of ${peer} from the spec profile (${specRun.results.filter((r) => !r.passed).length} failing checks of the spec pack, explained by the ${best.profile} profile's knobs):`);
    shown.forEach((d, i) => {
      io.out(`  ${i + 1}. ${KNOB_TOPIC[d.knob]} (${[...new Set(d.rules.map((r) => r.clause))].join('; ')})`);
      io.out(`     spec: ${d.expected}`);
      io.out(`     ${peer}: ${d.observed}`);
      io.out(`     ${d.blamed.length} failing check${d.blamed.length === 1 ? '' : 's'}; e.g. ${d.witness ? `${checkRef(d.witness)}: ${d.witness.firstFailure}` : '—'}`);
    });
    if (why.untestable.length > 0) io.out(`  not testable on ${peer}: ${why.untestable.length} checks (${why.untestable.map((r) => r.check.id).join(', ')}): ${why.untestable[0]!.untestable}`);
    if (why.unexplained.length > 0) {
      io.out(`  unexplained (${why.unexplained.length}): the knobs of ${best.profile} do not predict these results:`);
      for (const u of why.unexplained) io.out(`    ${checkRef(u.result)}: predicted ${u.predicted}, ${u.result.passed ? 'passed' : `failed: ${u.result.firstFailure}`}`);
    }
    io.out('');
    if (emulatorFailures.length > 0) io.out(`emulator: ${emulatorFailures.length} checks of its own packs fail: ${emulatorFailures.join(', ')}`);
    io.out(`wall time, full pack (${PROFILE_NAMES.length} profiles: ${totalPaths} paths, ${totalRules} rule checks): ${seconds(qemuWall)} on ${peer}, ${seconds(emulatorRuns.wallMs)} on the emulator`);
    io.out(`wall time, ${profile} pack (${selected.paths.total} paths, ${selected.rules.total} rule checks): ${seconds(selected.wallMs)} on ${peer}, ${seconds(emulatorSelected.wallMs)} on the emulator`);
    const checks = runs.reduce((n, r) => n + r.results.length, 0);
    io.out(`per check on ${peer}: ${(qemuWall / Math.max(1, checks)).toFixed(0)} ms on average (${checks} checks)`);
    for (const line of target.notes()) io.out(line);
  }
  const doc = options.doc;
  const docFailure = doc === undefined ? undefined : await deferFailure(async () => {
    const text = renderConformanceDoc({ peer: peerMajorMinor(peer), peerRuns, emulatorSpec: emulatorRuns.runs.find((r) => r.profile === 'spec')! });
    await writeOutput('--doc', doc, text);
    io.err(`wrote ${doc}`);
  });
  io.out(options.json ? JSON.stringify({ kind: 'total', passed: selected.results.length - failed, failed }) : `${selected.results.length - failed} passed, ${failed} failed`);
  if (docFailure) throw docFailure;
  return failed > 0 ? 1 : 0;
}

/** The version in the package's package.json: one folder up from src/cli.ts, two from the compiled dist/src/cli.js. */
function packageVersion(): string {
  for (const up of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'nvme-actors' && pkg.version) return pkg.version;
    } catch {
      // not there: the other layout
    }
  }
  return 'unknown';
}

/** A QEMU start failure on one line: what failed, then the last line QEMU wrote on stderr (its own reason). */
function qemuStartLine(e: QemuStartError): string {
  const first = e.message.split('\n')[0]!;
  const said = e.stderrTail.split('\n').map((l) => l.trim()).filter(Boolean).at(-1);
  return said ? `${first}; QEMU said: ${clipText(said, 300)}` : first;
}

/** For tests that drive the command in-process: the emulator target `run` uses (a shorter host timeout). */
export interface CliOptions {
  readonly emulator?: TargetFactory;
}

export async function main(argv: string[], io: CliIo = defaultIo, options: CliOptions = {}): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      io.out(HELP.main!);
      return command === undefined ? 2 : 0;
    }
    if (command === '--version' || command === '-V' || command === 'version') {
      io.out(`nvme-actors ${packageVersion()}`);
      return 0;
    }
    if (command === 'run') return await runCommand(rest, io, options);
    if (command === 'paths') return await pathsCommand(rest, io);
    if (command === 'coverage') return await coverageCommand(rest, io);
    if (command === 'diagram') return await diagramCommand(rest, io);
    if (command === 'conformance') return await conformanceCommand(rest, io);
    if (command === 'serve') return await serveCommand(rest, io); // fabrics hook (src/serve/cli.ts)
    throw new UsageError(command.startsWith('-') ? `unknown option '${echo(command)}' before the command (see nvme-actors --help)` : `unknown command '${echo(command)}': expected conformance, coverage, diagram, paths, run or serve (see nvme-actors --help)`);
  } catch (e) {
    // Every message is one line whatever it echoes (a file name, a key, a value, a peer's stderr): escaped, cut.
    const say = (message: string): void => io.err(`nvme-actors: ${oneLine(message)}`);
    if (e instanceof UsageError || e instanceof ScenarioError || e instanceof FileError) {
      say(e.message);
      return 2;
    }
    if (e instanceof QemuStartError) {
      say(qemuStartLine(e));
      return 3;
    }
    if (e instanceof GuestError) {
      say(`Linux guest (${e.kind}): ${e.message}`);
      return e.exitCode;
    }
    if (e instanceof GuestImageError || e instanceof NvmetConfigError) {
      say(`Linux guest: ${e.message}`);
      return 3;
    }
    if (e instanceof QemuUnavailableError || e instanceof PeerError) {
      // PeerError: a peer that failed outside a scenario (the runner turns one inside a scenario into a failed step).
      say(e.message);
      return 3;
    }
    if (e instanceof TypeError && (e as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
      say(e.message.split('\n')[0]!);
      return 2;
    }
    say(`internal error: ${(e as Error).message}`);
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
