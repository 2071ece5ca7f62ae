// Regression: stopping the controller resolved a waiting namespace-change caller with `undefined`.
// Symptom: `await notifyChange(1, { until: 'aen' })` returned undefined (typed as a receipt) when controller.stop()
// ran before an AEN, instead of rejecting with NamespaceChangeError 'stopped'. Cause: the facade returned
// `toPromise(child)`, and XState completes the observers of an actor that is stopped, which toPromise reads as "done"
// and resolves with the (absent) output. Fix: the facade subscribes itself and rejects with 'stopped' unless the
// actor's status is 'done'.
import { expect, it } from 'vitest';
import { createController } from '../../src/emulator.ts';

it("a caller waiting when the controller stops is rejected with 'stopped'", async () => {
  const controller = createController();
  const waiting = controller.faults.namespace.notifyChange(1, { until: 'aen' }); // never enabled: queued
  controller.stop();
  await expect(waiting).rejects.toMatchObject({ name: 'NamespaceChangeError', code: 'stopped' });
});
