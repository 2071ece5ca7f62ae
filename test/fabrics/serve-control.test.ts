// The live fault API of `nvme-actors serve --control`: started through the command's own entry point on ephemeral
// loopback ports, with a scenario file whose fault step is armed at start; a host over NVMe/TCP sees what the
// control commands do (a namespace attached and announced, a fault armed and counted, faults.active toggled); the
// trace read back and streamed carries the host's commands with their SQE fields; every bad request gets a 4xx
// and one line, and serve keeps answering.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveCommand } from '../../src/serve/cli.ts';
import { ControlClient, ControlError, parseControlBody, type ServeRecord } from '../../src/serve/control.ts';
import { NvmeHost } from '../../src/host/nvme-host.ts';
import { connectTcp } from '../../src/host/tcp-transport.ts';
import { AdminOpcode } from '../../src/spec/constants.ts';

const dir = mkdtempSync(join(tmpdir(), 'nvme-actors-serve-control-'));

/** A raw request, for what fetch will not send (another Host, an Origin). */
function raw(port: number, o: { method?: string; path: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: o.method ?? 'GET', path: o.path, headers: o.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

describe('serve --control: the fault API live', () => {
  const out: string[] = [];
  const err: string[] = [];
  let stop!: () => void;
  let serving: Promise<number>;
  let client: ControlClient;
  let controlPort: number;
  let token: string;
  let tcp: { host: string; port: number; nqn: string };
  let host: NvmeHost;

  beforeAll(async () => {
    const file = join(dir, 'served.json');
    writeFileSync(file, JSON.stringify({
      name: 'served with a fault armed',
      controller: { namespaces: [{ nsid: 1 }, { nsid: 2, attached: false }] },
      steps: [
        { do: 'fault', tag: 'failIdentify', on: 'completion', match: { opcode: 'identify', cdw10: 1 }, behaviour: 'update', completion: { status: 'internalError' } },
        { do: 'enable' },
      ],
    }));
    const until = new Promise<void>((r) => (stop = r));
    serving = serveCommand(['--listen', '127.0.0.1:0', '--control', '0', file], { out: (l) => out.push(l), err: (l) => err.push(l) }, until);
    while (out.length < 2) await new Promise((r) => setImmediate(r));
    const m = /^serving (\S+) on tcp:\/\/127\.0\.0\.1:(\d+)\//.exec(out[0]!)!;
    tcp = { host: '127.0.0.1', port: Number(m[2]), nqn: m[1]! };
    const c = /^control on (http:\/\/127\.0\.0\.1:(\d+)) token ([0-9a-f]{32})$/.exec(out[1]!)!;
    expect(c).not.toBeNull();
    controlPort = Number(c[2]);
    token = c[3]!;
    client = new ControlClient(c[1]!, token);
    host = new NvmeHost(await connectTcp(tcp, { kato: 0, queueSize: 16 }), { timeoutMs: 2000 });
    await host.enable();
  });

  afterAll(async () => {
    await host?.close();
    stop?.();
    await serving;
    rmSync(dir, { recursive: true, force: true });
  });

  it('says which of the file\'s steps it armed and which it does not run', () => {
    expect(err).toContain('serve: 1 fault step armed from the file; 1 host step not run (serve runs no host)');
  });

  it('attach fires the namespace change: the host\'s AER completes, log 04h lists it, Identify finds it', async () => {
    const aer = await host.submitAer();
    const [r] = await client.send({ do: 'attach', nsid: 2, until: 'aen' });
    expect(r).toMatchObject({ ok: true, nsid: 2, attached: true, changed: true, receipt: { nsid: 2, outcome: 'posted' } });
    expect((await host.waitFor(aer)).dw0).toBe(0x00040002);
    expect(await host.readChangedList()).toEqual({ overflow: false, nsids: [2] });
    expect(await host.activeNamespaces()).toEqual([1, 2]);
    const status = await client.status();
    expect(status).toMatchObject({ nqn: tcp.nqn, connected: true, namespaces: [1, 2], faultsActive: false });
  });

  it('the trace has the host\'s commands with their fields: the AER, and the log read with its RAE bit', async () => {
    const records = await client.trace();
    const commands = records.filter((r): r is Extract<ServeRecord, { source: 'controller' }> & { command: NonNullable<unknown> } => r.source === 'controller' && r.type === 'command.fetched');
    const log = commands.map((r) => (r as { command?: { opcode: number; lid?: number; rae?: boolean } }).command).find((c) => c?.opcode === AdminOpcode.GET_LOG_PAGE);
    expect(log).toMatchObject({ name: 'getLogPage', lid: 4, rae: false });
    expect(records.some((r) => r.source === 'controller' && r.type === 'aen.posted' && (r as { dw0: number }).dw0 === 0x00040002)).toBe(true);
    expect(records.some((r) => r.source === 'target' && r.type === 'connected')).toBe(true);
    expect(records.some((r) => r.source === 'control' && r.type === 'control.applied' && (r as { do: string }).do === 'attach')).toBe(true);
    expect(records.map((r) => r.seq)).toEqual(records.map((_, i) => i));
  });

  it('the file\'s fault fires once faults.active is switched on over the control channel, and is counted and removed', async () => {
    expect((await host.identifyController()).aerl).toBe(3); // armed, but faults.active is off
    expect(await client.send({ do: 'fault', active: true })).toEqual([{ ok: true, active: true }]);
    await expect(host.identifyController()).rejects.toThrow(/0\/06h/);
    expect(await client.send({ do: 'faultStatus', tag: 'failIdentify' })).toEqual([{ ok: true, tag: 'failIdentify', fired: true, count: 1 }]);
    const [removed] = await client.send({ do: 'removeFault', tag: 'failIdentify' }, { do: 'fault', active: false });
    expect(removed).toEqual({ ok: true, tag: 'failIdentify', count: 1 });
    expect((await host.identifyController()).aerl).toBe(3);
  });

  it('arms a fault live (a dropped AER completion) and a namespace change with no AEN in time says so', async () => {
    const [armed] = await client.send(
      { do: 'fault', tag: 'dropAen', active: true, on: 'completion', match: { opcode: 'asyncEventRequest' }, behaviour: 'drop' },
    );
    expect(armed).toEqual({ ok: true, active: true, tag: 'dropAen' });
    const aer = await host.submitAer();
    const [change] = await client.send({ do: 'namespaceChange', nsid: 1 });
    expect(change).toMatchObject({ ok: true, receipt: { nsid: 1, outcome: 'posted' } });
    expect((await client.send({ do: 'faultStatus', tag: 'dropAen' }))[0]).toMatchObject({ fired: true, count: 1 });
    await host.poll();
    expect(host.isOutstanding(aer)).toBe(true); // the AEN was dropped: the host never hears of it
    // No AER is parked now (and a RAE=0 read unmasks the notice): a change waiting for its AEN runs out of time,
    // with the reason, and nothing hangs.
    expect(await host.readChangedList()).toEqual({ overflow: false, nsids: [1] });
    const [late] = await client.send({ do: 'namespaceChange', nsid: 1, until: 'aen', timeoutMs: 50 });
    expect(late).toMatchObject({ ok: false });
    expect(String(late!.error)).toMatch(/no AEN covering namespace 1 within 50 ms/);
    await client.send({ do: 'removeFault', tag: 'dropAen' }, { do: 'fault', active: false });
  });

  it('streams the trace: a reader following it gets the records as they happen', async () => {
    const from = (await client.trace()).length;
    const ac = new AbortController();
    const res = await fetch(`${client.url}/trace?since=${from}`, { headers: { authorization: `Bearer ${token}` }, signal: ac.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    await client.send({ do: 'detach', nsid: 2 });
    let text = '';
    while (!text.includes('"do":"detach"')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    ac.abort();
    const lines = text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as ServeRecord);
    expect(lines[0]!.seq).toBe(from);
    expect(lines.some((r) => r.source === 'controller' && r.type === 'namespace.processed')).toBe(true);
    expect(lines.at(-1)).toMatchObject({ source: 'control', type: 'control.applied', do: 'detach', ok: true });
  });

  it('refuses requests without the token, from another Host or from a browser, in one line each', async () => {
    const path = '/status';
    const cases: [Record<string, string>, number, RegExp][] = [
      [{}, 401, /^unauthorized: send the token serve printed/],
      [{ authorization: 'Bearer 00000000000000000000000000000000' }, 401, /^unauthorized/],
      [{ authorization: `Bearer ${token}`, host: `evil.example:${controlPort}` }, 403, /^forbidden: Host must be 127\.0\.0\.1:/],
      [{ authorization: `Bearer ${token}`, origin: 'http://evil.example' }, 403, /^forbidden: no browser requests/],
    ];
    for (const [headers, status, message] of cases) {
      const r = await raw(controlPort, { path, headers });
      expect(r.status, JSON.stringify(headers)).toBe(status);
      expect(r.body).toMatch(message);
      expect(r.body.trim().split('\n')).toHaveLength(1);
    }
    expect((await raw(controlPort, { path: `/status?token=${token}` })).status).toBe(200);
  });

  it('bad requests get a 4xx and one line; nothing of a bad batch is applied; serve keeps running', async () => {
    const auth = { authorization: `Bearer ${token}` };
    const cases: [string, string, string, number, RegExp][] = [
      ['POST', '/commands', 'not json', 400, /^error: line 1: not JSON/],
      ['POST', '/commands', '', 400, /^error: no command/],
      ['POST', '/commands', '{"do":"explode"}', 400, /^error: line 1\.do: expected one of "namespaceChange", "attach"/],
      ['POST', '/commands', '{"do":"attach","nsid":0}', 400, /^error: line 1\.nsid: expected an NSID 1\.\.FFFFFFFEh, got 0/],
      ['POST', '/commands', '{"do":"attach","nsid":9}', 404, /^error: namespace 9 is not declared/],
      ['POST', '/commands', '{"do":"fault","on":"completion","tag":"x","match":{},"behaviour":"explode"}', 400, /^error: line 1\.behaviour: expected/],
      ['POST', '/commands', '{"do":"fault","active":true}\n{"do":"namespaceChange","nsid":"one"}', 400, /^error: line 2\.nsid: expected/],
      ['POST', '/commands', '{"do":"faultStatus","tag":"never"}', 404, /^error: no fault tagged "never"/],
      ['POST', '/commands', '{"do":"fault","tag":"t","on":"submission","match":{},"behaviour":"verify"}\n{"do":"fault","tag":"t","on":"submission","match":{},"behaviour":"verify"}', 409, /already armed/],
      ['POST', '/commands', '{"do":"attach","nsid":2,"extra":1}', 400, /^error: line 1\.extra: not a field/],
      ['POST', '/commands', 'x'.repeat(1024 * 1024 + 1), 413, /^error: request body over/],
      ['PUT', '/commands', '', 405, /^method not allowed: PUT \/commands/],
      ['GET', '/nowhere', '', 404, /^not found: \/nowhere/],
      ['GET', '/trace?since=-1', '', 400, /^error: since: expected a record number/],
    ];
    for (const [method, path, body, status, message] of cases) {
      const r = await raw(controlPort, { method, path, body, headers: auth });
      expect(r.status, `${method} ${path} ${body.slice(0, 60)}`).toBe(status);
      expect(r.body).toMatch(message);
      expect(r.body.trim().split('\n')).toHaveLength(1);
    }
    // The batch with a bad second line switched nothing on.
    expect(await client.status()).toMatchObject({ faultsActive: false, faults: {} });
    await expect(client.send({ do: 'removeFault', tag: 't' })).rejects.toThrow(ControlError);
    expect((await host.identifyController()).aerl).toBe(3);
  });

  it('parseControlBody skips blank lines and names the line of a bad one', () => {
    expect(parseControlBody('\n{"do":"attach","nsid":"0x2"}\n\n')).toEqual([{ do: 'attach', nsid: 2, until: 'processed', timeoutMs: 10_000 }]);
    expect(() => parseControlBody('{"do":"attach","nsid":2}\n[1]')).toThrow(/^line 2: expected an object with "do"/);
    expect(() => parseControlBody('{"do":"namespaceChange","nsid":1,"until":"soon"}')).toThrow(/line 1\.until: expected/);
  });
});

describe('serve --control: bad flags', () => {
  it('--control takes a port and nothing else: one line, exit status 2', async () => {
    for (const value of ['localhost:1', '65536', 'x', '']) {
      const err: string[] = [];
      expect(await serveCommand(['--listen', '127.0.0.1:0', '--control', value], { out: () => undefined, err: (l) => err.push(l) }, Promise.resolve())).toBe(2);
      expect(err).toEqual([`nvme-actors: --control ${value}: expected a port 0..65535 (it listens on 127.0.0.1 only)`]);
    }
  });
});
