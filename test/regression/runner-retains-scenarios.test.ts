// Regression: a long run of scenarios on the emulator ran out of memory.
// Symptom: `npm run test:long` died with "JavaScript heap out of memory" after ~30,000 random sequences (3.3 GB);
// a pack replayed in a loop grew by ~70 KB a scenario and gave it all back only once the loop went idle. Cause: on
// the synchronous emulator transport a whole run goes by in microtasks, so the event loop never reached the
// short waits each namespaceChange step queues (setImmediate), and each of them kept its scenario (host,
// controller, trace) alive until the run ended. Fix: runScenario lets one event-loop turn pass before it ends.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { expect, it } from 'vitest';
import { buildPack } from '../../src/model/conformance.ts';
import { makeEmulatorTarget, runScenario } from '../../src/scenario/runner.ts';
import { parseScenario } from '../../src/scenario/schema.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

it('replaying a pack again and again does not grow the heap', async () => {
  const scenarios = buildPack('openvmm').scenarios.map((s) => parseScenario(s as unknown as Parameters<typeof parseScenario>[0]));
  const target = makeEmulatorTarget({ profile: 'openvmm' });
  const replay = async (): Promise<void> => {
    for (const s of scenarios) expect((await runScenario(s, target)).failed).toBe(0);
  };
  await replay();
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < 4; i++) await replay();
  gc();
  const grownMb = (process.memoryUsage().heapUsed - before) / (1024 * 1024);
  // Before the fix: ~6 MB a replay of the 90 paths, so ~24 MB here.
  expect(grownMb).toBeLessThan(6);
}, 120_000);
