// A guard against unhandled promise rejections for the actor suites (docs/semantics.md §2: "nothing hangs", every caller
// of the namespace-change RPC gets its own answer). vitest.config.ts is not ours to change, so each test file calls
// `guardUnhandledRejections()` at top level: it listens on `process` for the file's lifetime and fails the test in
// which a rejection went unhandled (after letting pending promise jobs run).
import { afterAll, afterEach, beforeAll } from 'vitest';

export interface RejectionCollector {
  readonly listener: (reason: unknown) => void;
  /** The rejections seen since the last call, as messages; clears them. */
  take(): string[];
}

export function createRejectionCollector(): RejectionCollector {
  let seen: string[] = [];
  return {
    listener: (reason) => {
      seen.push(reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason));
    },
    take: () => {
      const out = seen;
      seen = [];
      return out;
    },
  };
}

/** Let queued promise jobs and the `unhandledRejection` check (which runs after the microtask queue) happen. */
export async function flushPromiseJobs(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Returns the collector, so a suite can check the guard itself is in place. */
export function guardUnhandledRejections(): RejectionCollector {
  const collector = createRejectionCollector();
  beforeAll(() => {
    process.on('unhandledRejection', collector.listener);
  });
  afterEach(async () => {
    await flushPromiseJobs();
    const seen = collector.take();
    if (seen.length > 0) throw new Error(`unhandled promise rejection(s) during the test:\n  ${seen.join('\n  ')}`);
  });
  afterAll(() => {
    process.off('unhandledRejection', collector.listener);
  });
  return collector;
}
