#!/usr/bin/env node
// `npm run build` (and `prepare`, so `npm ci` and `npm pack` build too): compiles machines/ and src/ into dist/ as
// ESM JavaScript with declarations (tsconfig.build.json), then finishes what tsc leaves: the declarations keep the
// sources' `.ts` import specifiers, which are rewritten to `.js` here (so a consumer's tsc resolves every module
// resolution mode to the .d.ts files and never sees a .ts import), and the HTML report's browser script is copied.
// Plain node, no dependencies beyond typescript (a development dependency).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist');
// tsc builds incrementally (tsconfig.build.json): its record of what it wrote is only good while dist/ is there.
const buildInfo = join(root, 'node_modules/.cache/nvme-actors/build.tsbuildinfo');
if (!existsSync(join(out, 'src/index.js'))) rmSync(buildInfo, { force: true });

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const run = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
if (run.status !== 0) {
  process.stderr.write(`build: tsc -p tsconfig.build.json failed (exit ${run.status ?? run.signal})\n`);
  process.exit(1);
}

/** `from './x.ts'`, `import('./x.ts')`, `import './x.ts'` with a relative specifier → `.js`. */
const RELATIVE_TS = /(\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"]*?)\.ts\2/g;
// An output whose source is gone (a file renamed or deleted since the last build) is removed, so it is not packed.
const sourceOf = (path) => join(root, relative(out, path).replace(/\.d\.ts$|\.js$/, '.ts'));
let rewritten = 0;
let removed = 0;
const walk = (dir) => {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path);
    else if (entry.name !== 'page.js' && !existsSync(sourceOf(path))) {
      rmSync(path);
      removed++;
    } else if (entry.name.endsWith('.d.ts')) {
      const text = readFileSync(path, 'utf8');
      const next = text.replace(RELATIVE_TS, (_, lead, quote, spec) => `${lead}${quote}${spec}.js${quote}`);
      if (next !== text) {
        writeFileSync(path, next);
        rewritten++;
      }
    }
  }
};
walk(out);

cpSync(join(root, 'src/report/page.js'), join(out, 'src/report/page.js'));
process.stdout.write(`build: dist/ is current (${rewritten} declaration files with .ts imports rewritten to .js, ${removed} stale outputs removed)\n`);
