import { defineConfig } from 'vitest/config';

// Two projects in one run: the whole suite on the default engine ('fast', src/engine/), and again on XState's own
// interpreter (NVME_ACTORS_ENGINE=xstate, the reference) every suite whose outcome could depend on which engine runs
// the machines. Left out of the second: suites that compare the two engines themselves (test/engine), and suites
// that never run a machine: codecs and pure data structures, the package, docs and Stately's extractor, process
// supervision (QEMU wrappers, watchdogs, file-system edges), and the guest image and boot. `vitest run --project
// fast` (or `xstate`) runs one.
const ENGINE_INDEPENDENT = [
  'test/engine/**',
  'test/package/**',
  'test/docs/no-outside-references.test.ts',
  'test/docs/schema.test.ts',
  'test/docs/stately-docs.test.ts',
  'test/stately/**',
  'test/guest/image.test.ts',
  'test/guest/guest-lifecycle.test.ts',
  'test/unit/*.codec.test.ts',
  'test/unit/le.test.ts',
  'test/unit/guest-memory.test.ts',
  'test/unit/prp.test.ts',
  'test/unit/changed-list.test.ts',
  'test/fabrics/pdu.codec.test.ts',
  'test/fabrics/pdu-stream.test.ts',
  'test/hostile/fake-qemu.test.ts',
  'test/hostile/supervised-process.test.ts',
  'test/hostile/watchdog.test.ts',
  'test/regression/directory-of-many-files-emfile.test.ts',
  'test/regression/file-system-edges.test.ts',
  'test/regression/qemu-outlives-killed-cli.test.ts',
  'test/regression/qemu-version-never-answers.test.ts',
  'test/regression/qemu-wrapper-no-exec-close-hangs.test.ts',
  'test/regression/test-suite-leaves-temp-dirs.test.ts',
  'test/model/random-sequences/every-profile.test.ts',
];

const common = { include: ['test/**/*.test.ts'], testTimeout: 20000, hookTimeout: 30000 };

export default defineConfig({
  test: {
    projects: [
      { test: { ...common, name: 'fast' } },
      { test: { ...common, name: 'xstate', exclude: ENGINE_INDEPENDENT, env: { NVME_ACTORS_ENGINE: 'xstate' } } },
    ],
    // QEMU-backed suites start processes: keep files from running them all at once on a 2-core machine.
    maxWorkers: 2,
    // Once for the whole run (not per project): fails the run if a QEMU started by it is still running at the end.
    globalSetup: ['./test/support/qemu-global-setup.ts'],
    reporters: ['default', './test/support/totals-reporter.ts'],
  },
});
