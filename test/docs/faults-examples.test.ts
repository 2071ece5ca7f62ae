// Every `ts` example in docs/faults.md runs, as written, against the emulator (the 'nvme-actors' import is pointed
// at src/index.ts). An example that no longer compiles or whose assertions fail is a failing test.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const text = await readFile(join(root, 'docs/faults.md'), 'utf8');
const blocks = [...text.matchAll(/^## (.+)\n[\s\S]*?```ts\n([\s\S]*?)```/gm)].map((m) => ({ title: m[1]!, code: m[2]! }));

describe('docs/faults.md examples', () => {
  it('has examples', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(5);
  });

  it.each(blocks.map((b, i) => [b.title, i, b.code] as const))('%s', async (_title, i, code) => {
    const dir = join(root, 'test-output', 'docs-examples');
    await mkdir(dir, { recursive: true });
    const file = join(dir, `faults-${i}.ts`);
    await writeFile(file, code.replaceAll("from 'nvme-actors'", `from ${JSON.stringify(join(root, 'src/index.ts'))}`));
    await import(pathToFileURL(file).href);
  });
});
