// `nvme-actors run --inspect`: a WebSocket client on loopback sees the controller, admin queue and AEN latch actors
// and their events; the server is closed when the run ends; a port in use is one line and exit 2; and the normal
// path does not load the inspector (no static import of it from the command).
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { main, type CliIo } from '../../src/cli.ts';

interface Seen {
  readonly code: number;
  readonly err: string[];
  readonly out: string[];
  readonly messages: Array<Record<string, unknown>>;
  readonly closeCode: number;
  readonly url: string;
}

/** Runs the command in-process; when it prints the ws:// address, a client connects and reads until closed. */
async function runInspected(...argv: string[]): Promise<Seen> {
  const out: string[] = [];
  const err: string[] = [];
  const messages: Array<Record<string, unknown>> = [];
  let url = '';
  let closed!: Promise<number>;
  const io: CliIo = {
    out: (l) => out.push(l),
    err: (l) => {
      err.push(l);
      const m = /ws:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+/.exec(l);
      if (m && !url) {
        url = m[0];
        const ws = new WebSocket(url);
        ws.on('message', (data) => messages.push(JSON.parse(data.toString())));
        closed = new Promise((resolve, reject) => {
          ws.on('close', (code) => resolve(code));
          ws.on('error', reject);
        });
      }
    },
    isTty: false,
  };
  const code = await main(argv, io);
  const closeCode = closed ? await closed : -1;
  return { code, err, out, messages, closeCode, url };
}

describe('run --inspect', () => {
  it('streams the actors and their events to a WebSocket client on 127.0.0.1, then closes', async () => {
    const r = await runInspected('run', 'examples/seed-namespace-change.json', '--inspect', '--port', '0');
    expect(r.code).toBe(0);
    expect(r.out.at(-1)).toBe('3 passed, 0 failed');
    expect(r.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{32}$/);
    expect(r.closeCode).toBe(1000);
    const names = new Map<string, string>();
    for (const m of r.messages) if (m.type === '@xstate.actor') names.set(m.sessionId as string, m.name as string);
    expect([...names.values()]).toEqual(expect.arrayContaining(['controller', 'adminQueue', 'aenLatch']));
    const eventsOf = (name: string): string[] =>
      r.messages.filter((m) => m.type === '@xstate.event' && names.get(m.sessionId as string) === name).map((m) => (m.event as { type: string }).type);
    expect(eventsOf('controller')).toContain('cc.written');
    expect(eventsOf('adminQueue')).toContain('doorbell.written');
    expect(eventsOf('aenLatch')).toEqual(expect.arrayContaining(['aer.received', 'namespace.changed', 'changedList.read']));
    // Snapshots carry the states: the latch posted the notice at some point of the run.
    const latchValues = r.messages
      .filter((m) => m.type === '@xstate.snapshot' && names.get(m.sessionId as string) === 'aenLatch')
      .map((m) => JSON.stringify((m.snapshot as { value: unknown }).value));
    expect(latchValues.some((v) => v.includes('"notice":"posted"'))).toBe(true);
    // The server is gone: a new connection is refused.
    await expect(
      new Promise((resolve, reject) => {
        const ws = new WebSocket(r.url);
        ws.on('open', () => resolve('open'));
        ws.on('error', (e) => reject(e));
      }),
    ).rejects.toThrow(/ECONNREFUSED/);
  });

  it('a port in use: one line, exit 2', async () => {
    const busy: Server = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', () => resolve()));
    const port = (busy.address() as { port: number }).port;
    try {
      const r = await runInspected('run', 'examples/seed-namespace-change.json', '--inspect', '--port', String(port));
      expect(r.code).toBe(2);
      expect(r.err).toEqual([`nvme-actors: --port ${port}: 127.0.0.1:${port} is in use; choose another with --port N (0 picks a free one)`]);
      expect(r.out).toEqual([]);
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
  });

  it('the command does not import the inspector statically (only `await import` on --inspect)', () => {
    const root = resolve('src/cli.ts');
    const seen = new Set<string>();
    const packages = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const source = readFileSync(file, 'utf8');
      for (const m of source.matchAll(/^\s*(?:import|export)\s+(?!type\b)[^'"]*?from\s+'([^']+)'/gm)) {
        const spec = m[1]!;
        if (spec.startsWith('.')) {
          if (spec.endsWith('.ts')) visit(join(dirname(file), spec));
        } else packages.add(spec);
      }
    };
    visit(root);
    expect(seen.size).toBeGreaterThan(20);
    expect([...seen].filter((f) => f.includes('/src/inspect/'))).toEqual([]);
    expect([...packages].filter((p) => p.startsWith('@statelyai/') || p === 'ws')).toEqual([]);
    expect(readFileSync(root, 'utf8')).toContain("await import('./inspect/live-inspector.ts')");
  });
});

describe('run --inspect --step', () => {
  it('waits for the viewer before each step, telling it which step is next', async () => {
    const paused: Array<{ scenario: string; step: number; steps: number; do: string }> = [];
    const err: string[] = [];
    const out: string[] = [];
    let closed: Promise<void> | undefined;
    const io: CliIo = {
      out: (l) => out.push(l),
      err: (l) => {
        err.push(l);
        const m = /ws:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+/.exec(l);
        if (m && !closed) {
          const ws = new WebSocket(m[0]);
          ws.on('message', (data) => {
            const event = JSON.parse(data.toString()) as { type: string; scenario: string; step: number; steps: number; do: string };
            if (event.type !== 'nvme-actors.paused') return;
            paused.push({ scenario: event.scenario, step: event.step, steps: event.steps, do: event.do });
            // Nothing has run past this step yet: the run is waiting for us.
            ws.send(JSON.stringify({ type: 'nvme-actors.continue' }));
          });
          closed = new Promise((resolve) => ws.on('close', () => resolve()));
        }
      },
      isTty: false,
    };
    const code = await main(['run', 'examples/seed-namespace-change.json', '--inspect', '--step', '--port', '0'], io);
    await closed;
    expect(code).toBe(0);
    expect(out.at(-1)).toBe('3 passed, 0 failed');
    expect(err).toContainEqual(expect.stringMatching(/^inspect: step mode: the run waits before each step/));
    expect(paused.map((p) => `${p.step + 1}/${p.steps} ${p.do}`)).toEqual(['1/7 enable', '2/7 submit', '3/7 expectPending', '4/7 namespaceChange', '5/7 expect', '6/7 submit', '7/7 expect']);
  });

  it('--step needs --inspect', async () => {
    const err: string[] = [];
    const code = await main(['run', 'examples/', '--step'], { out: () => undefined, err: (l) => err.push(l), isTty: false });
    expect(code).toBe(2);
    expect(err).toEqual(['nvme-actors: --step: needs --inspect (the run waits for the viewer before each step)']);
  });

  it('the bridge page says plainly that it needs the internet (stately.ai)', async () => {
    const { startLiveInspector } = await import('../../src/inspect/live-inspector.ts');
    const inspector = await startLiveInspector({ port: 0 });
    try {
      const page = await (await fetch(inspector.pageUrl)).text();
      expect(page).toContain('<b>it needs the internet</b>');
      expect(page).toContain('https://stately.ai/inspect');
      expect(page).toContain('Next step');
    } finally {
      await inspector.close();
    }
  });
});

describe('run --inspect as a program', () => {
  it('exits by itself once the run is over (the server and every socket are closed)', async () => {
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, ['bin/nvme-actors.js', 'run', 'examples/seed-namespace-change.json', '--inspect', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr.on('data', (d) => {
        stderr += d;
        const m = /ws:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+/.exec(stderr);
        if (m) resolve(m[0]);
      });
      child.on('exit', () => reject(new Error(`exited before printing the address: ${stderr}`)));
    });
    const ws = new WebSocket(url);
    const messages: string[] = [];
    ws.on('message', (d) => messages.push(d.toString()));
    expect(await exited).toBe(0);
    expect(stdout.trim().split('\n').at(-1)).toBe('3 passed, 0 failed');
    expect(stderr).toContain('inspect: run finished, inspector closed');
    expect(messages.length).toBeGreaterThan(10);
  });
});
