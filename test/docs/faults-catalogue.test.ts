// docs/faults.md's catalogue beside OpenVMM's: every scenario file it links runs on the emulator and passes, and
// every fault example in examples/ (fault-*.json, openvmm-test-*.json) is linked from it, so neither can rot.
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScenarioFile } from '../../src/scenario/schema.ts';
import { runScenario } from '../../src/scenario/runner.ts';
import { formatResult } from '../../src/scenario/trace-format.ts';

const root = resolve(import.meta.dirname, '../..');
const doc = await readFile(join(root, 'docs/faults.md'), 'utf8');
const linked = [...new Set([...doc.matchAll(/\]\(\.\.\/examples\/([\w.-]+\.json)\)/g)].map((m) => m[1]!))];
const present = (await readdir(join(root, 'examples'))).filter((f) => /^(fault-|openvmm-test-).*\.json$/.test(f));

describe('docs/faults.md catalogue', () => {
  it('links every fault example in examples/, and only files that exist', () => {
    expect(linked.length).toBeGreaterThanOrEqual(10);
    expect([...linked].sort()).toEqual([...present].sort());
  });

  it.each(linked)('examples/%s passes on the emulator', async (file) => {
    const scenarios = parseScenarioFile(await readFile(join(root, 'examples', file), 'utf8'), file);
    for (const s of scenarios) {
      const result = await runScenario(s);
      expect(result.failed, formatResult(result)).toBe(0);
      expect(result.passed).toBeGreaterThan(0);
    }
  });
});
