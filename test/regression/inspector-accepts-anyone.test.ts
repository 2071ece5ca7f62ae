// Regression (issue 13, item 14): the live inspector accepted anyone on the machine.
// Symptoms: a second local process connected to the relay's source endpoint and its messages reached a viewer
// (it could feed the viewer a forged run); any local process or web page could watch the run. Cause: no token, no
// Origin check, and the source endpoint was a fixed, public path. Fix: viewers need the run's random token (in
// the printed URLs), browsers only from the bridge page's origin, a Host other than the loopback address is
// refused, and the source endpoint takes one connection holding a second, unprinted secret: the run's own.
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startLiveInspector, type LiveInspector } from '../../src/inspect/live-inspector.ts';

let inspector: LiveInspector | undefined;
afterEach(async () => {
  await inspector?.close();
  inspector = undefined;
});

/** 'open' or the HTTP status the upgrade was refused with. */
function tryConnect(url: string, headers: Record<string, string> = {}): Promise<{ outcome: 'open' | number; ws: WebSocket }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on('open', () => resolve({ outcome: 'open', ws }));
    ws.on('unexpected-response', (_req, res) => resolve({ outcome: res.statusCode ?? 0, ws }));
    ws.on('error', (e) => reject(e));
  });
}

function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, { headers }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject).end();
  });
}

describe('live inspector access', () => {
  it('the printed URLs carry a random token, different each run', async () => {
    inspector = await startLiveInspector({ port: 0 });
    const first = new URL(inspector.wsUrl).searchParams.get('token');
    const other = await startLiveInspector({ port: 0 });
    const second = new URL(other.wsUrl).searchParams.get('token');
    await other.close();
    expect(first).toMatch(/^[0-9a-f]{32}$/);
    expect(second).toMatch(/^[0-9a-f]{32}$/);
    expect(first).not.toBe(second);
    expect(new URL(inspector.pageUrl).searchParams.get('token')).toBe(first);
  });

  it('a viewer without the token, with a wrong one, or from another origin is refused', async () => {
    inspector = await startLiveInspector({ port: 0 });
    const bare = `ws://127.0.0.1:${inspector.port}/`;
    expect((await tryConnect(bare)).outcome).toBe(401);
    expect((await tryConnect(`${bare}?token=${'0'.repeat(32)}`)).outcome).toBe(401);
    expect((await tryConnect(inspector.wsUrl, { Origin: 'http://evil.example' })).outcome).toBe(401);
    expect((await tryConnect(inspector.wsUrl, { Host: `rebound.example:${inspector.port}` })).outcome).toBe(401);
    const ok = await tryConnect(inspector.wsUrl, { Origin: `http://127.0.0.1:${inspector.port}` });
    expect(ok.outcome).toBe('open');
    ok.ws.close();
  });

  it('another process cannot feed the viewers through the source endpoint', async () => {
    inspector = await startLiveInspector({ port: 0 });
    const viewer = await tryConnect(inspector.wsUrl);
    expect(viewer.outcome).toBe('open');
    const received: string[] = [];
    viewer.ws.on('message', (d) => received.push(d.toString()));
    for (const url of [
      `ws://127.0.0.1:${inspector.port}/.nvme-actors/source`,
      `ws://127.0.0.1:${inspector.port}/.nvme-actors/source?key=${'0'.repeat(64)}`,
      `ws://127.0.0.1:${inspector.port}/.nvme-actors/source?token=${new URL(inspector.wsUrl).searchParams.get('token')}`,
    ]) {
      const intruder = await tryConnect(url);
      expect(intruder.outcome).toBe(401);
    }
    // A viewer's own messages go nowhere either. The server handles this socket's frames in order and would relay
    // synchronously, so once the pong is back any relayed copy would already have arrived.
    viewer.ws.send(JSON.stringify({ type: '@xstate.event', forged: true }));
    await new Promise<void>((resolve) => {
      viewer.ws.once('pong', () => resolve());
      viewer.ws.ping();
    });
    expect(received.filter((m) => m.includes('forged'))).toEqual([]);
    viewer.ws.close();
  });

  it('the bridge page needs the token and the loopback Host', async () => {
    inspector = await startLiveInspector({ port: 0 });
    expect((await get(`http://127.0.0.1:${inspector.port}/`)).status).toBe(403);
    expect((await get(inspector.pageUrl, { Host: `attacker.example:${inspector.port}` })).status).toBe(403);
    const page = await get(inspector.pageUrl);
    expect(page.status).toBe(200);
    expect(page.body).toContain(new URL(inspector.pageUrl).searchParams.get('token')!);
  });
});
