#!/usr/bin/env node
// The `nvme-actors` command: the compiled CLI (dist/, written by `npm run build`, which `npm ci` and `npm pack` run
// through `prepare`) under plain node. In a checkout without a build, `npm run cli -- ARGS` runs the sources.
let cli;
try {
  cli = await import('../dist/src/cli.js');
} catch (e) {
  if (e?.code !== 'ERR_MODULE_NOT_FOUND' || !String(e.message).includes('dist')) throw e;
  process.stderr.write("nvme-actors: dist/ is missing: run 'npm run build' first (or 'npm run cli -- ARGS' to run the sources)\n");
  process.exit(2);
}
await cli.runAsProgram();
