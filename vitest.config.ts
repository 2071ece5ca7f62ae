import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20000,
    hookTimeout: 30000,
    // QEMU-backed suites start processes: keep files from running them all at once on a 2-core machine.
    maxWorkers: 2,
    // Fails the run if a QEMU started by it is still running at the end.
    globalSetup: ['./test/support/qemu-global-setup.ts'],
    reporters: ['default', './test/support/totals-reporter.ts'],
  },
});
