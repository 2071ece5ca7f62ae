// nvme-actors/vitest, from the sources: testPaths() registers one test per generated path of a profile's pack and
// testScenarioFiles() one per example file (their own passing is the check that they run); a failed scenario's
// error names the step as written, expected against received, and marks the failed check in the trace around it.
// test/package/package.test.ts runs the same entry point from the packed package in a consumer project.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generatePaths } from '../../src/model/generate.ts';
import { describeEvent, EVENT_CLAUSE } from '../../src/model/to-scenario.ts';
import { getProfile } from '../../src/profiles/profiles.ts';
import { runScenario } from '../../src/scenario/runner.ts';
import { parseScenario } from '../../src/scenario/schema.ts';
import { scenarioFailure, testPaths, testScenarioFiles } from '../../src/vitest.ts';

testPaths({ profile: 'qemu' });
testScenarioFiles('examples');

describe('registration', () => {
  it('one test per generated path, named by its events and clause; one per example file', ({ task }) => {
    const suites = task.file.tasks.filter((t) => t.type === 'suite');
    const paths = suites.find((t) => t.name === 'qemu chart paths on emulator')!;
    const { paths: generated } = generatePaths(getProfile('qemu'));
    expect(paths.tasks.map((t) => t.name)).toHaveLength(generated.length);
    const last = generated[0]!.events.at(-1)!;
    expect(paths.tasks[0]!.name).toBe(`path 1: ${generated[0]!.events.map(describeEvent).join(' → ')} (${EVENT_CLAUSE[last.type]})`);
    expect(paths.tasks[0]!.name).toMatch(/^path 1: aer\.submit → .* \(§[^)]+\)$/);
    const files = suites.find((t) => t.name === 'scenario files in examples on emulator')!;
    expect(files.tasks.map((t) => t.name)).toEqual(readdirSync('examples').filter((f) => f.endsWith('.json')).sort().map((f) => f.replace(/\.json$/, '')));
  });
});

const SEED = {
  name: 'seed with a wrong dw0',
  steps: [
    { do: 'enable' },
    { do: 'submit', tag: 'aer1', command: { opcode: 'asyncEventRequest' } },
    { do: 'namespaceChange', nsid: 1 },
    { do: 'expect', tag: 'aer1', status: 'success', dw0: '0x00040003' },
    { do: 'submit', tag: 'log', command: { opcode: 'getLogPage', lid: 4, rae: false, numd: 1024 } },
    { do: 'expect', tag: 'log', status: 'invalidField', changedNamespaces: [2] },
  ],
};

describe('a failed scenario', () => {
  it('names the step, expected against received, and the trace around the failed check', async () => {
    const result = await runScenario(parseScenario(SEED));
    expect(result.failed).toBe(2);
    const error = scenarioFailure(SEED, result, 3);
    const lines = error.message.split('\n');
    expect(lines[0]).toBe('seed with a wrong dw0 on the emulator: 2 of 2 checks failed');
    expect(lines).toContain('step 3: {"do":"expect","tag":"aer1","status":"success","dw0":"0x00040003"}');
    expect(lines).toContain('  expected: {"status":"success","dw0":"0x00040003"}');
    expect(lines).toContain('  received: {"status":"success","dw0":"0x00040002"}');
    expect(error.expected).toEqual({ status: 'success', dw0: '0x00040003' });
    expect(error.actual).toEqual({ status: 'success', dw0: '0x00040002' });
    const marked = lines.filter((l) => l.startsWith('>'));
    expect(marked).toHaveLength(1);
    expect(marked[0]).toContain('expect aer1: dw0 0x00040002, expected 0x00040003');
    const traceStart = lines.findIndex((l) => l.startsWith('trace ('));
    expect(lines.slice(traceStart + 1, lines.indexOf(marked[0]!))).toHaveLength(3);
    expect(lines).toContain('also failed:');
    expect(lines.at(-1)).toMatch(/^ {2}step 5: expect log: status 0\/00h, expected invalidField; changed namespaces \[1\], expected \[2\]$/);
  });
});
