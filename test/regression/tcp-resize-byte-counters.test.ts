// Symptom: after enable({ queueSize }) with a size other than the connected one (a new association over a new TCP
// connection), every step of a loopback scenario took the settle bound (2 s) instead of a few event-loop turns.
// Cause: the TCP transport's byte counters, which settle compares with the target connection's, kept counting from
// the first connection while the new target connection started at 0; connect now resets them.
import { expect, it } from 'vitest';
import { loopback } from '../../src/serve/loopback.ts';

it('after a reconnect for another queue size, the host and target byte counts agree', async () => {
  const { host, target, transport } = await loopback();
  await host.enable({ queueSize: 8 }); // connected with 16: reconnects
  expect(transport.queueSize).toBe(8);
  await host.identifyController();
  const connection = target.connectionOf(transport.localPort)!;
  expect(connection).toBeDefined();
  expect(connection.bytesIn).toBe(transport.bytesOut);
  expect(transport.bytesIn).toBe(connection.bytesOut);
  await host.close();
});
