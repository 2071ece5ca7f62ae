// The fault API of a served controller, live: a control channel for `nvme-actors serve --control PORT`, HTTP on
// 127.0.0.1 with JSON lines, so a test (or curl) can fire namespace changes, arm admin faults, toggle
// `faults.active` and read the trace while a real host (Linux's nvme-tcp) drives the controller over NVMe/TCP.
// Who may use it (docs/threat-model.md): the per-run random token printed at start, a Host of the loopback address
// and port (DNS rebinding), no Origin (no browser page). Bad requests get one line and a 4xx; serve goes on.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EmulatedController } from '../emulator.ts';
import type { TraceEvent } from '../trace.ts';
import { AdminOpcode, Cns, LogPage, PAGE_SIZE, Register, SQE_SIZE } from '../spec/constants.ts';
import { decodeChangedNamespaceList, decodeNsidList } from '../spec/namespace-list.codec.ts';
import { decodeSqe } from '../spec/sqe.codec.ts';
import { decodeFeatures, decodeGetLogPage, decodeIdentify } from '../spec/admin-fields.codec.ts';
import { opcodeName } from '../scenario/decode.ts';
import { parseScenario, ScenarioError, type FaultStep } from '../scenario/schema.ts';
import { applyFaultStep, type ScenarioFaultHandle } from '../scenario/runner.ts';
import type { NvmeTcpTarget, TargetEvent } from './target.ts';

/** A command as the controller fetched it from its admin submission queue: the SQE the host sent, decoded. */
export interface DecodedCommand {
  readonly opcode: number;
  readonly name: string;
  readonly cid: number;
  readonly nsid: number;
  readonly cdw10: number;
  readonly cdw11: number;
  /** Get Log Page */
  readonly lid?: number;
  readonly rae?: boolean;
  readonly numd?: number;
  /** Identify */
  readonly cns?: number;
  /** Set/Get Features */
  readonly fid?: number;
}

/** One line of the served controller's trace: an emulator trace event (a fetched command with its SQE decoded), a
 * target event (connect, disconnect, termination) or something the control channel did. */
export type ServeRecord = { readonly seq: number; readonly ms: number } & (
  | ({ readonly source: 'controller' } & TraceEvent & {
      readonly command?: DecodedCommand;
      /** A successful Get Log Page 04h: the list as the host got it. */
      readonly changedNamespaces?: { readonly overflow: boolean; readonly nsids: readonly number[] };
      /** A successful Identify CNS 02h: the active namespace list as the host got it. */
      readonly activeNamespaces?: readonly number[];
    })
  | ({ readonly source: 'target' } & TargetEvent)
  | { readonly source: 'control'; readonly type: 'control.applied'; readonly do: string; readonly ok: boolean; readonly result?: unknown; readonly error?: string }
);

/** Records kept for a reader that connects late (the oldest go first past this). */
export const MAX_RECORDS = 100_000;

/** The trace of a controller as records, every command with its SQE (read from the admin SQ when it is fetched). */
export class ServeTrace {
  private readonly kept: ServeRecord[] = [];
  private readonly listeners = new Set<(r: ServeRecord) => void>();
  private nextSeq = 0;
  /** Records dropped from the front (past MAX_RECORDS). */
  dropped = 0;
  private readonly started = performance.now();

  constructor(private readonly limit = MAX_RECORDS) {}

  add(record: Record<string, unknown> & { source: ServeRecord['source']; type: string }): ServeRecord {
    const r = { seq: this.nextSeq++, ms: Math.round((performance.now() - this.started) * 10) / 10, ...record } as unknown as ServeRecord;
    this.kept.push(r);
    if (this.kept.length > this.limit) {
      this.kept.shift();
      this.dropped++;
    }
    for (const l of this.listeners) l(r);
    return r;
  }

  /** Records with seq ≥ since. */
  since(seq = 0): ServeRecord[] {
    const first = this.kept[0]?.seq ?? this.nextSeq;
    return this.kept.slice(Math.max(0, seq - first));
  }

  get nextSequence(): number {
    return this.nextSeq;
  }

  subscribe(listener: (r: ServeRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** Decode the SQE of a fetched command from the controller's admin submission queue (ASQ + head × 64), with its
 * data pointer (PRP1, PRP2) for reading what the command returned. */
export function readFetchedCommand(controller: Pick<EmulatedController, 'mmioRead64' | 'memory'>, head: number): (DecodedCommand & { readonly prp1: bigint; readonly prp2: bigint }) | undefined {
  const asq = controller.mmioRead64(Register.ASQ);
  let bytes: Uint8Array;
  try {
    bytes = controller.memory.read(asq + BigInt(head * SQE_SIZE), SQE_SIZE);
  } catch {
    return undefined;
  }
  const s = decodeSqe(bytes);
  const base = { opcode: s.opcode, name: opcodeName(s.opcode), cid: s.cid, nsid: s.nsid, cdw10: s.cdw10, cdw11: s.cdw11, prp1: s.prp1, prp2: s.prp2 };
  if (s.opcode === AdminOpcode.GET_LOG_PAGE) {
    const l = decodeGetLogPage(s);
    return { ...base, lid: l.lid, rae: l.rae, numd: l.numd };
  }
  if (s.opcode === AdminOpcode.IDENTIFY) return { ...base, cns: decodeIdentify(s).cns };
  if (s.opcode === AdminOpcode.SET_FEATURES || s.opcode === AdminOpcode.GET_FEATURES) return { ...base, fid: decodeFeatures(s).fid };
  return base;
}

/** Up to one page of a command's data, through PRP1 and PRP2 (NVMe Base 2.0 §4.1.1: PRP2 is the second page). */
function readData(controller: Pick<EmulatedController, 'memory'>, prp1: bigint, prp2: bigint, length: number): Uint8Array | undefined {
  try {
    const first = Math.min(length, PAGE_SIZE - Number(prp1 % BigInt(PAGE_SIZE)));
    const out = new Uint8Array(length);
    out.set(controller.memory.read(prp1, first), 0);
    if (first < length) out.set(controller.memory.read(prp2, length - first), first);
    return out;
  } catch {
    return undefined;
  }
}

/** What a successful command returned that a host acts on: the Changed Namespace List (log 04h) and the active
 * namespace list (Identify CNS 02h), read from the command's data buffer as the host got it. */
function returnedData(controller: Pick<EmulatedController, 'memory'>, c: DecodedCommand & { prp1: bigint; prp2: bigint }): Record<string, unknown> {
  if (c.opcode === AdminOpcode.GET_LOG_PAGE && c.lid === LogPage.CHANGED_NAMESPACE_LIST) {
    const data = readData(controller, c.prp1, c.prp2, Math.min(PAGE_SIZE, (c.numd ?? 0) * 4));
    if (!data) return {};
    const list = decodeChangedNamespaceList(data);
    return { changedNamespaces: list.overflow ? { overflow: true, nsids: [] } : { overflow: false, nsids: list.nsids } };
  }
  if (c.opcode === AdminOpcode.IDENTIFY && c.cns === Cns.ACTIVE_NAMESPACE_LIST) {
    const data = readData(controller, c.prp1, c.prp2, PAGE_SIZE);
    return data ? { activeNamespaces: decodeNsidList(data) } : {};
  }
  return {};
}

/** Record every trace event of `controller` (and of `target`, when given) into `trace`: each fetched admin command
 * with its SQE decoded, each completion of a Changed Namespace List or active namespace list with what it returned.
 * Returns the unsubscribe. */
export function tapController(controller: EmulatedController, trace: ServeTrace, target?: Pick<NvmeTcpTarget, 'onEvent'>): () => void {
  const pending = new Map<number, DecodedCommand & { prp1: bigint; prp2: bigint }>();
  const offTrace = controller.onTrace((e) => {
    if (e.type === 'command.fetched') {
      // Admin queue only: the fetched entry is still in the ring (the host cannot reuse the slot before its head moves).
      const fetched = (e as { sqid?: number }).sqid ? undefined : readFetchedCommand(controller, e.sqhd);
      if (!fetched) return void trace.add({ source: 'controller', ...jsonSafe(e) } as never);
      pending.set(fetched.cid, fetched);
      const { prp1: _p1, prp2: _p2, ...command } = fetched;
      trace.add({ source: 'controller', ...jsonSafe(e), command } as never);
    } else if (e.type === 'completion.posted' && !e.sqid) {
      const c = pending.get(e.cid);
      pending.delete(e.cid);
      const data = c && e.status.sct === 0 && e.status.sc === 0 ? returnedData(controller, c) : {};
      trace.add({ source: 'controller', ...jsonSafe(e), ...data } as never);
    } else {
      if (e.type === 'controller.reset') pending.clear();
      trace.add({ source: 'controller', ...jsonSafe(e) } as never);
    }
  });
  const offTarget = target?.onEvent((e) => trace.add({ source: 'target', ...e }));
  return () => {
    offTrace();
    offTarget?.();
  };
}

function jsonSafe<T extends object>(e: T): T {
  return JSON.parse(JSON.stringify(e, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : ArrayBuffer.isView(v) ? { bytes: v.byteLength } : v))) as T;
}

/** A bad control request: its HTTP status and one line. */
export class ControlError extends Error {
  override readonly name = 'ControlError';
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** What the control channel accepts, one JSON object per line. */
export type ControlCommand =
  | { readonly do: 'namespaceChange'; readonly nsid: number; readonly count: number; readonly until: 'processed' | 'aen'; readonly timeoutMs: number }
  | { readonly do: 'attach' | 'detach'; readonly nsid: number; readonly until: 'processed' | 'aen'; readonly timeoutMs: number }
  | { readonly do: 'fault'; readonly step: FaultStep }
  | { readonly do: 'faultStatus' | 'removeFault'; readonly tag: string };

const DEFAULT_AEN_WAIT_MS = 10_000;
const MAX_BODY = 1024 * 1024;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown): string => {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
};

function nsidOf(o: Record<string, unknown>, at: string): number {
  const n = typeof o.nsid === 'string' && /^0x[0-9a-f]+$/i.test(o.nsid) ? Number(o.nsid) : o.nsid;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 0xfffffffe) throw new ControlError(400, `${at}.nsid: expected an NSID 1..FFFFFFFEh, got ${show(o.nsid)}`);
  return n;
}
function untilOf(o: Record<string, unknown>, at: string): { until: 'processed' | 'aen'; timeoutMs: number } {
  if (o.until !== undefined && o.until !== 'processed' && o.until !== 'aen') throw new ControlError(400, `${at}.until: expected "processed" or "aen", got ${show(o.until)}`);
  if (o.timeoutMs !== undefined && !(typeof o.timeoutMs === 'number' && Number.isInteger(o.timeoutMs) && o.timeoutMs >= 1 && o.timeoutMs <= 600_000)) {
    throw new ControlError(400, `${at}.timeoutMs: expected 1..600000 ms, got ${show(o.timeoutMs)}`);
  }
  return { until: (o.until as 'processed' | 'aen' | undefined) ?? 'processed', timeoutMs: (o.timeoutMs as number | undefined) ?? DEFAULT_AEN_WAIT_MS };
}
function onlyKeys(o: Record<string, unknown>, at: string, keys: readonly string[]): void {
  for (const k of Object.keys(o)) if (!keys.includes(k)) throw new ControlError(400, `${at}.${k.slice(0, 40)}: not a field of "do": ${show(o.do)} (expected ${keys.join(', ')})`);
}

/** Parse one control command (a JSON value). `at` names it in errors (`line 2`). */
export function parseControlCommand(v: unknown, at = '$'): ControlCommand {
  if (!isObject(v)) throw new ControlError(400, `${at}: expected an object with "do", got ${show(v)}`);
  switch (v.do) {
    case 'namespaceChange':
    case 'fault': {
      // The scenario format's own steps, checked by its parser (the same errors as in a file).
      const { timeoutMs: _t, ...step } = v;
      let parsed;
      try {
        parsed = parseScenario({ name: 'control', steps: [step] }).steps[0]!;
      } catch (e) {
        if (e instanceof ScenarioError) throw new ControlError(400, `${at}${e.path.replace(/^\$\.steps\[0\]/, '')}: expected ${e.expected}`);
        throw e;
      }
      if (parsed.do === 'fault') return { do: 'fault', step: parsed };
      if (parsed.do === 'namespaceChange') return { do: 'namespaceChange', nsid: parsed.nsid, count: parsed.count, ...untilOf(v, at) };
      throw new ControlError(400, `${at}.do: unexpected ${show(v.do)}`);
    }
    case 'attach':
    case 'detach':
      onlyKeys(v, at, ['do', 'nsid', 'until', 'timeoutMs']);
      return { do: v.do, nsid: nsidOf(v, at), ...untilOf(v, at) };
    case 'faultStatus':
    case 'removeFault':
      onlyKeys(v, at, ['do', 'tag']);
      if (typeof v.tag !== 'string' || v.tag.length === 0) throw new ControlError(400, `${at}.tag: expected the tag of a fault armed earlier, got ${show(v.tag)}`);
      return { do: v.do, tag: v.tag };
    default:
      throw new ControlError(400, `${at}.do: expected one of "namespaceChange", "attach", "detach", "fault", "faultStatus", "removeFault", got ${show(v.do)}`);
  }
}

/** Parse a request body of JSON lines (blank lines skipped). Every line is checked before any is applied. */
export function parseControlBody(text: string): ControlCommand[] {
  const commands: ControlCommand[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (e) {
      throw new ControlError(400, `line ${i + 1}: not JSON (${(e as Error).message.split('\n')[0]!.slice(0, 80)})`);
    }
    commands.push(parseControlCommand(json, `line ${i + 1}`));
  }
  if (commands.length === 0) throw new ControlError(400, 'no command: send one JSON object per line, such as {"do":"attach","nsid":2}');
  return commands;
}

/** Carries out control commands on one controller; keeps the faults armed by tag. */
export class FaultControl {
  private readonly faults = new Map<string, ScenarioFaultHandle & { remove?(): void }>();

  constructor(
    private readonly controller: EmulatedController,
    private readonly trace?: ServeTrace,
  ) {}

  /** Arm a fault step (a scenario file's, at serve's start), keeping its tag for faultStatus and removeFault. */
  arm(step: FaultStep): void {
    this.check([{ do: 'fault', step }]);
    const handle = applyFaultStep(this.controller, step);
    if (handle && step.tag !== undefined) this.faults.set(step.tag, handle as ScenarioFaultHandle & { remove?(): void });
  }

  /** Checks what can be checked before anything is applied (tags, NSIDs): throws a ControlError. */
  check(commands: readonly ControlCommand[]): void {
    const tags = new Set(this.faults.keys());
    for (const [i, c] of commands.entries()) {
      const at = commands.length > 1 ? `command ${i + 1}: ` : '';
      if (c.do === 'fault' && c.step.tag !== undefined) {
        if (tags.has(c.step.tag)) throw new ControlError(409, `${at}fault tag "${c.step.tag.slice(0, 40)}" is already armed (removeFault it first, or use another tag)`);
        tags.add(c.step.tag);
      }
      if ((c.do === 'faultStatus' || c.do === 'removeFault') && !tags.has(c.tag)) throw new ControlError(404, `${at}no fault tagged "${c.tag.slice(0, 40)}"`);
      if ((c.do === 'attach' || c.do === 'detach') && !this.controller.namespaces.get(c.nsid)) {
        throw new ControlError(404, `${at}namespace ${c.nsid} is not declared in the controller block (attach and detach change a declared namespace; declare it with "attached": false)`);
      }
    }
  }

  /** Apply one command; resolves with its result (JSON-able). Never rejects for a fault of the peer. */
  async apply(c: ControlCommand): Promise<unknown> {
    const record = (ok: boolean, result?: unknown, error?: string) => this.trace?.add({ source: 'control', type: 'control.applied', do: c.do, ok, ...(result !== undefined ? { result } : {}), ...(error ? { error } : {}) });
    try {
      const result = await this.run(c);
      record(true, result);
      return { ok: true, ...result };
    } catch (e) {
      const error = (e as Error).message;
      record(false, undefined, error);
      return { ok: false, error };
    }
  }

  private async run(c: ControlCommand): Promise<Record<string, unknown>> {
    const { controller } = this;
    switch (c.do) {
      case 'fault': {
        const handle = applyFaultStep(controller, c.step);
        if (handle && c.step.tag !== undefined) this.faults.set(c.step.tag, handle as ScenarioFaultHandle & { remove?(): void });
        return { active: controller.faults.active, ...(c.step.tag !== undefined ? { tag: c.step.tag } : {}) };
      }
      case 'faultStatus': {
        const h = this.faults.get(c.tag)!;
        return { tag: c.tag, fired: h.count > 0, count: h.count };
      }
      case 'removeFault': {
        const h = this.faults.get(c.tag)!;
        h.remove?.();
        this.faults.delete(c.tag);
        return { tag: c.tag, count: h.count };
      }
      case 'attach':
      case 'detach': {
        const attached = c.do === 'attach';
        const was = controller.namespaces.isAttached(c.nsid);
        controller.namespaces.setAttached(c.nsid, attached);
        const receipt = await this.notify([c.nsid], c.until, c.timeoutMs);
        return { nsid: c.nsid, attached, changed: was !== attached, receipt: receipt[0] };
      }
      case 'namespaceChange': {
        const nsids = Array.from({ length: c.count }, (_, i) => c.nsid + i);
        const receipts = await this.notify(nsids, c.until, c.timeoutMs);
        return c.count === 1 ? { receipt: receipts[0] } : { receipts: receipts.length, last: receipts[receipts.length - 1] };
      }
    }
  }

  /** The namespace-change RPC, bounded: `until: 'aen'` waits at most timeoutMs for the AEN. */
  private notify(nsids: number[], until: 'processed' | 'aen', timeoutMs: number): Promise<unknown[]> {
    const change = this.controller.faults.namespace.notifyChanges(nsids, { until });
    change.catch(() => undefined); // a reset or stop after the wait ran out: nobody is waiting any more
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_r, reject) => {
      timer = setTimeout(() => reject(new Error(`no AEN covering namespace ${nsids[nsids.length - 1]} within ${timeoutMs} ms (is an AER outstanding?); the change is recorded`)), timeoutMs);
    });
    return Promise.race([change, timeout]).finally(() => clearTimeout(timer)) as Promise<unknown[]>;
  }

  /** Armed faults by tag: fired counts. */
  status(): Record<string, number> {
    return Object.fromEntries([...this.faults].map(([t, h]) => [t, h.count]));
  }
}

export interface ControlServer {
  readonly port: number;
  /** http://127.0.0.1:PORT */
  readonly url: string;
  /** The per-run token: `Authorization: Bearer TOKEN` or `?token=TOKEN`. */
  readonly token: string;
  readonly trace: ServeTrace;
  readonly control: FaultControl;
  close(): Promise<void>;
}

/** Constant-time comparison of a presented secret with the expected one. */
function secretEquals(presented: string | null | undefined, expected: string): boolean {
  if (presented === null || presented === undefined) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function line(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`${text.replace(/[\r\n]+/g, ' ')}\n`);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new ControlError(413, `request body over ${MAX_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Start the control channel of a served controller on 127.0.0.1:port (0: a free port). */
export async function startControl(target: NvmeTcpTarget, options: { port?: number; trace?: ServeTrace; control?: FaultControl } = {}): Promise<ControlServer> {
  const trace = options.trace ?? new ServeTrace();
  const untap = options.trace ? () => undefined : tapController(target.controller, trace, target);
  const control = options.control ?? new FaultControl(target.controller, trace);
  const token = randomBytes(16).toString('hex');
  let port = 0;
  const streams = new Set<ServerResponse>();
  const hostOk = (req: IncomingMessage): boolean => req.headers.host === `127.0.0.1:${port}` || req.headers.host === `localhost:${port}`;
  let queue: Promise<unknown> = Promise.resolve();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const bearer = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!hostOk(req)) return line(res, 403, `forbidden: Host must be 127.0.0.1:${port}`);
    if (req.headers.origin !== undefined) return line(res, 403, 'forbidden: no browser requests (an Origin header was sent)');
    if (!secretEquals(bearer ?? url.searchParams.get('token'), token)) return line(res, 401, 'unauthorized: send the token serve printed (Authorization: Bearer TOKEN, or ?token=TOKEN)');
    const route = `${req.method} ${url.pathname}`;
    switch (route) {
      case 'POST /commands': {
        const commands = parseControlBody(await readBody(req));
        control.check(commands);
        // One request at a time, in arrival order: commands of two clients never interleave.
        const run = queue.then(async () => {
          const results: unknown[] = [];
          for (const c of commands) results.push(await control.apply(c));
          return results;
        });
        queue = run.catch(() => undefined);
        const results = await run;
        res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
        res.end(results.map((r) => `${JSON.stringify(r)}\n`).join(''));
        return;
      }
      case 'GET /status': {
        const c = target.controller;
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end(`${JSON.stringify({
          nqn: target.nqn,
          listening: target.address ?? null,
          connected: target.active !== null,
          csts: c.mmioRead32(Register.CSTS),
          namespaces: [...c.namespaces.active()],
          faultsActive: c.faults.active,
          faults: control.status(),
          records: trace.nextSequence,
        })}\n`);
        return;
      }
      case 'GET /trace': {
        const since = Number(url.searchParams.get('since') ?? 0);
        if (!Number.isInteger(since) || since < 0) throw new ControlError(400, `since: expected a record number ≥ 0, got ${show(url.searchParams.get('since'))}`);
        const follow = url.searchParams.get('follow') !== '0';
        res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
        res.flushHeaders();
        for (const r of trace.since(since)) res.write(`${JSON.stringify(r)}\n`);
        if (!follow) return void res.end();
        streams.add(res);
        const off = trace.subscribe((r) => res.write(`${JSON.stringify(r)}\n`));
        res.on('close', () => {
          off();
          streams.delete(res);
        });
        return;
      }
      default:
        if (['/commands', '/status', '/trace'].includes(url.pathname)) return line(res, 405, `method not allowed: ${req.method} ${url.pathname} (POST /commands, GET /status, GET /trace)`);
        return line(res, 404, `not found: ${url.pathname.slice(0, 60)} (POST /commands, GET /status, GET /trace)`);
    }
  };

  const http: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (res.headersSent) return void res.end();
      if (e instanceof ControlError) return line(res, e.status, `error: ${e.message}`);
      line(res, 500, `internal error: ${(e as Error).message}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', (e: NodeJS.ErrnoException) => reject(new ControlError(0, `127.0.0.1:${options.port ?? 0} ${e.code === 'EADDRINUSE' ? 'is in use' : `cannot be opened (${e.code ?? e.message})`}`)));
    http.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  http.on('error', () => undefined); // after listen: a client's socket error is that client's
  port = (http.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    token,
    trace,
    control,
    close: () =>
      (closing ??= (async () => {
        untap();
        for (const s of streams) s.end();
        http.closeAllConnections();
        await new Promise<void>((r) => http.close(() => r()));
      })()),
  };
}

/** A client of the control channel (tests, scripts): commands in, results out; the trace read back. */
export class ControlClient {
  constructor(
    readonly url: string,
    private readonly token: string,
  ) {}

  private async request(method: string, path: string, body?: string): Promise<string> {
    const res = await fetch(`${this.url}${path}`, { method, headers: { authorization: `Bearer ${this.token}` }, body, signal: AbortSignal.timeout(60_000) });
    const text = await res.text();
    if (!res.ok) throw new ControlError(res.status, text.trim());
    return text;
  }

  /** Send commands (objects); resolves with one result each. Rejects with the server's line on a 4xx. */
  async send(...commands: readonly Record<string, unknown>[]): Promise<Record<string, unknown>[]> {
    const text = await this.request('POST', '/commands', commands.map((c) => JSON.stringify(c)).join('\n'));
    return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  async status(): Promise<Record<string, unknown>> {
    return JSON.parse(await this.request('GET', '/status')) as Record<string, unknown>;
  }

  /** The records kept so far from `since` (no following). */
  async trace(since = 0): Promise<ServeRecord[]> {
    const text = await this.request('GET', `/trace?since=${since}&follow=0`);
    return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as ServeRecord);
  }
}
