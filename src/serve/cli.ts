// `nvme-actors serve`: the emulated controller as an NVMe/TCP subsystem until SIGINT/SIGTERM. A scenario FILE gives
// the profile and controller block (namespaces, AERL) and its fault steps are armed at start; its host steps are not
// run. `--control PORT` opens the live fault API on 127.0.0.1 (src/serve/control.ts). One host at a time.
import { parseArgs } from 'node:util';
import { readFile } from 'node:fs/promises';
import { NvmeTcpTarget, DEFAULT_NQN } from './target.ts';
import { PROFILE_NAMES, type ProfileName } from '../profiles/profiles.ts';
import { parseScenario, type FaultStep } from '../scenario/schema.ts';
import { FaultControl, ServeTrace, startControl, tapController, type ControlServer } from './control.ts';

export const SERVE_HELP = `Usage: nvme-actors serve [--listen HOST:PORT] [--nqn NQN] [--profile P] [--control PORT] [FILE]

Serve the emulated controller over NVMe/TCP (admin queue; one host at a time). A host connects with
  nvme connect -t tcp -a HOST -s PORT -n NQN        (Linux; or echo "transport=tcp,traddr=..." > /dev/nvme-fabrics)
  nvme-actors run --target tcp://HOST:PORT/NQN FILE
A dropped connection is a controller reset; a bad PDU ends that connection with C2HTermReq; the server goes on.

  --listen HOST:PORT  where to listen (default 127.0.0.1:4420; port 0 picks a free one)
  --nqn NQN           the subsystem NQN (default ${DEFAULT_NQN})
  --profile P         ${PROFILE_NAMES.join(', ')} (default spec, or the FILE's)
  --control PORT      the live fault API on http://127.0.0.1:PORT (0 picks a free one), with a token printed
                      at start: POST /commands (JSON lines: attach, detach, namespaceChange, fault, faultStatus,
                      removeFault), GET /status, GET /trace (JSON lines, streamed); see docs/serve.md
  FILE                a scenario file: its profile and controller block (namespaces, aerl) set up the controller,
                      and its fault steps are armed at start (its host steps are not run)`;

export interface ServeIo {
  out(line: string): void;
  err(line: string): void;
}

/** A usage problem: one line, exit status 2. */
export class ServeUsageError extends Error {
  override readonly name = 'ServeUsageError';
}

export function parseListen(value: string): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(value);
  const port = m ? Number(m[2]) : NaN;
  if (!m || !(port >= 0 && port <= 65535)) throw new ServeUsageError(`--listen ${value}: expected HOST:PORT (port 0..65535)`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

/** Parse the arguments and start listening; resolves with the running target and the address bound. */
export async function startServe(argv: string[], io: ServeIo): Promise<{ target: NvmeTcpTarget; host: string; port: number; control?: ControlServer; armed: number; skipped: number } | 'help'> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { listen: { type: 'string' }, nqn: { type: 'string' }, profile: { type: 'string' }, control: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) return 'help';
  if (positionals.length > 1) throw new ServeUsageError(`serve: one scenario FILE at most, got ${positionals.length}`);
  const listen = parseListen(values.listen ?? '127.0.0.1:4420');
  if (values.profile !== undefined && !(PROFILE_NAMES as readonly string[]).includes(values.profile)) throw new ServeUsageError(`--profile ${values.profile}: expected one of ${PROFILE_NAMES.join(', ')}`);
  if (values.nqn !== undefined && (values.nqn.length === 0 || values.nqn.length > 223)) throw new ServeUsageError(`--nqn: an NQN has 1..223 bytes`);
  let controlPort: number | undefined;
  if (values.control !== undefined) {
    controlPort = /^\d{1,5}$/.test(values.control) ? Number(values.control) : NaN;
    if (!(controlPort >= 0 && controlPort <= 65535)) throw new ServeUsageError(`--control ${values.control}: expected a port 0..65535 (it listens on 127.0.0.1 only)`);
  }
  let faultSteps: FaultStep[] = [];
  let skipped = 0;
  let controller: { profile?: ProfileName; aerl?: number; namespaces?: { nsid: number; blocks?: number; blockSize?: number; attached?: boolean }[] } = {};
  if (positionals[0] !== undefined) {
    const file = positionals[0];
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      throw new ServeUsageError(`${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new ServeUsageError(`${file}: not JSON (${(e as Error).message})`);
    }
    const scenario = parseScenario(json);
    controller = { profile: scenario.profile, aerl: scenario.controller.aerl, namespaces: [...scenario.controller.namespaces] };
    faultSteps = scenario.steps.filter((s): s is FaultStep => s.do === 'fault');
    skipped = scenario.steps.length - faultSteps.length;
  }
  if (values.profile !== undefined) controller = { ...controller, profile: values.profile as ProfileName };
  const target = new NvmeTcpTarget({ controller, nqn: values.nqn, log: (line) => io.err(`serve: ${line}`) });
  // The trace is kept from the start, so a control reader sees the file's faults armed and the first host's commands.
  const trace = new ServeTrace();
  const untap = controlPort === undefined ? () => undefined : tapController(target.controller, trace, target);
  const faults = new FaultControl(target.controller, trace);
  for (const step of faultSteps) faults.arm(step);
  let bound: { host: string; port: number };
  try {
    bound = await target.listen(listen.port, listen.host);
  } catch (e) {
    await target.close();
    throw new ServeUsageError(`--listen ${values.listen ?? '127.0.0.1:4420'}: ${(e as Error).message}`);
  }
  if (controlPort === undefined) return { target, ...bound, armed: faultSteps.length, skipped };
  try {
    const control = await startControl(target, { port: controlPort, trace, control: faults });
    return { target, ...bound, control, armed: faultSteps.length, skipped };
  } catch (e) {
    untap();
    await target.close();
    throw new ServeUsageError(`--control ${values.control}: ${(e as Error).message}`);
  }
}

/** The `serve` command: listen until SIGINT or SIGTERM. Exit status 0 after a signal, 2 for bad arguments. */
export async function serveCommand(argv: string[], io: ServeIo, until?: Promise<void>): Promise<number> {
  let started: Awaited<ReturnType<typeof startServe>>;
  try {
    started = await startServe(argv, io);
  } catch (e) {
    if (e instanceof ServeUsageError || (e instanceof Error && e.name === 'ScenarioError')) {
      io.err(`nvme-actors: ${e.message}`);
      return 2;
    }
    if (e instanceof TypeError && (e as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`nvme-actors: ${e.message.split('\n')[0]}`);
      return 2;
    }
    throw e;
  }
  if (started === 'help') {
    io.out(SERVE_HELP);
    return 0;
  }
  const { target, host, port, control } = started;
  io.out(`serving ${target.nqn} on tcp://${host.includes(':') ? `[${host}]` : host}:${port}/${target.nqn}`);
  if (control) io.out(`control on ${control.url} token ${control.token}`);
  if (started.armed > 0 || started.skipped > 0) io.err(`serve: ${started.armed} fault step${started.armed === 1 ? '' : 's'} armed from the file; ${started.skipped} host step${started.skipped === 1 ? '' : 's'} not run (serve runs no host)`);
  const stop = until ?? new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await stop;
  await control?.close();
  await target.close();
  return 0;
}
