#!/usr/bin/env node
// The `nvme-actors` command. Installed from the package, it runs the compiled CLI (dist/, built by `npm run build`,
// which `prepare` runs on `npm ci` and `npm pack`) under plain node. In a checkout of the repository, where
// src/cli.ts sits beside this folder (the package does not ship src/), it runs the TypeScript sources through tsx
// (a development dependency), so what the tests start is always the current code, never a stale build. `npm start`
// runs the build itself (node dist/src/main.js).
import { existsSync } from 'node:fs';

const checkout = existsSync(new URL('../src/cli.ts', import.meta.url));
let cli;
if (checkout) {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import('../src/cli.ts');
} else {
  try {
    cli = await import('../dist/src/cli.js');
  } catch (e) {
    if (e?.code !== 'ERR_MODULE_NOT_FOUND' || !String(e.message).includes('dist')) throw e;
    process.stderr.write("nvme-actors: dist/ is missing: run 'npm run build' first\n");
    process.exit(2);
  }
}
await cli.runAsProgram();
