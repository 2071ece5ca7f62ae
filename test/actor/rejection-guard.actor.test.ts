// The unhandled-rejection guard the actor suites rely on (test/support/rejection-guard.ts): it is listening on
// `process` while a file's tests run, and what it collects is what fails the test in afterEach. A real unhandled
// rejection cannot be staged here (vitest's own handler would fail the run), so the listener is called directly.
import { describe, expect, it } from 'vitest';
import { createRejectionCollector, guardUnhandledRejections } from '../support/rejection-guard.ts';
import { NamespaceChangeError } from '../../src/faults/namespace-change.ts';

const guard = guardUnhandledRejections();

describe('unhandled-rejection guard', () => {
  it('is registered on process for the duration of the file', () => {
    expect(process.listeners('unhandledRejection')).toContain(guard.listener);
  });

  it('collects each rejection reason once, with the error name and message', () => {
    const c = createRejectionCollector();
    c.listener(new NamespaceChangeError('reset', 'namespace 1 change: the controller was reset'));
    c.listener('plain reason');
    expect(c.take()).toEqual(['NamespaceChangeError: namespace 1 change: the controller was reset', 'plain reason']);
    expect(c.take()).toEqual([]);
  });
});
