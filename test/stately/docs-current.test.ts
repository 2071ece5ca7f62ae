// docs/machines/ is generated from the machines (STYLE: "docs/machines/*.md hold a diagram generated from each
// machine, with a check that it is current"). This regenerates every page and SVG in memory and compares them with
// the committed files; a machine change without `npm run docs` fails here, naming the stale files.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DOCS_DIR, REPO_ROOT, renderMachineDocs } from '../../src/diagram/docs.ts';
import { machineList } from '../../src/diagram/machines.ts';

describe('docs/machines is current', () => {
  it('lists every statechart in machines/', () => {
    const files = readdirSync(join(REPO_ROOT, 'machines')).filter((f) => f.endsWith('.ts') && f !== 'events.ts').map((f) => `machines/${f}`);
    expect(machineList.map((m) => m.file).sort(), 'add the machine to src/diagram/machines.ts').toEqual(files.sort());
  });

  it('matches a fresh `npm run docs`', async () => {
    const expected = await renderMachineDocs();
    const stale: string[] = [];
    for (const [path, content] of expected) {
      const full = join(REPO_ROOT, path);
      if (!existsSync(full)) stale.push(`${path} (missing)`);
      else if (readFileSync(full, 'utf8') !== content) stale.push(`${path} (differs)`);
    }
    const dir = join(REPO_ROOT, DOCS_DIR);
    for (const name of existsSync(dir) ? readdirSync(dir) : []) {
      if (!expected.has(`${DOCS_DIR}/${name}`)) stale.push(`${DOCS_DIR}/${name} (no longer generated)`);
    }
    expect(stale, `docs/machines is stale: run \`npm run docs\` and commit the result.\n  ${stale.join('\n  ')}\n`).toEqual([]);
  });
});
