// docs/stately.md stays true: it names every machine file and every format `nvme-actors diagram` writes, and
// machineSource() (nvme-actors/machines) finds each machine's source where the doc says it is.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DIAGRAM_FORMATS, machineList, machineSource } from '../../src/machines.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const doc = readFileSync(join(ROOT, 'docs/stately.md'), 'utf8');

describe('docs/stately.md', () => {
  it.each(machineList.map((m) => [m.name, m.file] as const))('names %s (%s), and machineSource finds it', (name, file) => {
    expect(doc).toContain(`\`${file}\``);
    expect(doc).toContain(`\`${name}\``);
    expect(machineSource(name)).toBe(join(ROOT, file));
    expect(existsSync(machineSource(name))).toBe(true);
  });

  it('describes every diagram format', () => {
    for (const format of DIAGRAM_FORMATS) expect(doc).toMatch(new RegExp(`^\\| \`${format}\``, 'm'));
  });

  it('machineSource refuses an unknown machine with the names it knows', () => {
    expect(() => machineSource('latch')).toThrow("unknown machine 'latch': one of controller, admin-queue, io-queue, aen-latch, aen-log-page");
  });
});
