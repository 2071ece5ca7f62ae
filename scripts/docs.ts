// `npm run docs`: regenerates docs/machines/ (a page, a Mermaid diagram and a Graphviz SVG per statechart, and an
// index) from the machines as they run. Files in docs/machines/ that are no longer generated are removed.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { DOCS_DIR, REPO_ROOT, renderMachineDocs } from '../src/diagram/docs.ts';

const files = await renderMachineDocs();
mkdirSync(join(REPO_ROOT, DOCS_DIR), { recursive: true });
let written = 0;
for (const [path, content] of files) {
  const target = join(REPO_ROOT, path);
  if (existsSync(target) && readFileSync(target, 'utf8') === content) continue;
  writeFileSync(target, content);
  written += 1;
  console.log(`wrote ${path}`);
}
for (const name of readdirSync(join(REPO_ROOT, DOCS_DIR))) {
  const path = `${DOCS_DIR}/${name}`;
  if (!files.has(path)) {
    rmSync(join(REPO_ROOT, path));
    console.log(`removed ${path}`);
  }
}
console.log(`${DOCS_DIR}: ${files.size} files, ${written} changed`);
