// Symptom: connectTcp against a controller that accepts the TCP connection but never answers ICReq rejected after
// timeoutMs, yet the socket stayed open (the peer saw no FIN) and the process kept a handle to it.
// Cause: the timeout failed the pending promise but nothing destroyed the socket; connect now destroys it on any
// failure of the connect sequence (ICResp, Connect).
import { afterEach, expect, it } from 'vitest';
import * as net from 'node:net';
import { connectTcp } from '../../src/host/tcp-transport.ts';

const opened: net.Socket[] = [];
let server: net.Server | undefined;
afterEach(async () => {
  for (const s of opened.splice(0)) s.destroy();
  if (server) await new Promise<void>((r) => server!.close(() => r()));
  server = undefined;
});

it('a connect that times out closes its socket', async () => {
  const ended: Promise<void>[] = [];
  server = net.createServer((s) => {
    opened.push(s);
    s.on('error', () => {});
    s.resume();
    ended.push(new Promise((r) => s.once('end', () => r())));
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  await expect(connectTcp({ host: '127.0.0.1', port, nqn: 'nqn.test:mute' }, { timeoutMs: 500 })).rejects.toThrow(/waiting for ICResp/);
  expect(ended).toHaveLength(1);
  await ended[0]; // the host's FIN arrives: without the fix this never resolves (the test times out)
});
