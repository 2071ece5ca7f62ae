// `nvme-actors serve`: the emulated controller as an NVMe/TCP subsystem until SIGINT/SIGTERM. A scenario FILE gives
// the profile and controller block (namespaces, AERL); its steps are not run. One host at a time; admin queue only.
import { parseArgs } from 'node:util';
import { readFile } from 'node:fs/promises';
import { NvmeTcpTarget, DEFAULT_NQN } from './target.ts';
import { PROFILE_NAMES, type ProfileName } from '../profiles/profiles.ts';
import { parseScenario } from '../scenario/schema.ts';

export const SERVE_HELP = `Usage: nvme-actors serve [--listen HOST:PORT] [--nqn NQN] [--profile P] [FILE]

Serve the emulated controller over NVMe/TCP (admin queue; one host at a time). A host connects with
  nvme connect -t tcp -a HOST -s PORT -n NQN        (Linux; or echo "transport=tcp,traddr=..." > /dev/nvme-fabrics)
  nvme-actors run --target tcp://HOST:PORT/NQN FILE
A dropped connection is a controller reset; a bad PDU ends that connection with C2HTermReq; the server goes on.

  --listen HOST:PORT  where to listen (default 127.0.0.1:4420; port 0 picks a free one)
  --nqn NQN           the subsystem NQN (default ${DEFAULT_NQN})
  --profile P         ${PROFILE_NAMES.join(', ')} (default spec, or the FILE's)
  FILE                a scenario file: its profile and controller block (namespaces, aerl) set up the controller`;

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
export async function startServe(argv: string[], io: ServeIo): Promise<{ target: NvmeTcpTarget; host: string; port: number } | 'help'> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { listen: { type: 'string' }, nqn: { type: 'string' }, profile: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) return 'help';
  if (positionals.length > 1) throw new ServeUsageError(`serve: one scenario FILE at most, got ${positionals.length}`);
  const listen = parseListen(values.listen ?? '127.0.0.1:4420');
  if (values.profile !== undefined && !(PROFILE_NAMES as readonly string[]).includes(values.profile)) throw new ServeUsageError(`--profile ${values.profile}: expected one of ${PROFILE_NAMES.join(', ')}`);
  if (values.nqn !== undefined && (values.nqn.length === 0 || values.nqn.length > 223)) throw new ServeUsageError(`--nqn: an NQN has 1..223 bytes`);
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
  }
  if (values.profile !== undefined) controller = { ...controller, profile: values.profile as ProfileName };
  const target = new NvmeTcpTarget({ controller, nqn: values.nqn, log: (line) => io.err(`serve: ${line}`) });
  try {
    const bound = await target.listen(listen.port, listen.host);
    return { target, ...bound };
  } catch (e) {
    await target.close();
    throw new ServeUsageError(`--listen ${values.listen ?? '127.0.0.1:4420'}: ${(e as Error).message}`);
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
  const { target, host, port } = started;
  io.out(`serving ${target.nqn} on tcp://${host.includes(':') ? `[${host}]` : host}:${port}/${target.nqn}`);
  const stop = until ?? new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await stop;
  await target.close();
  return 0;
}
