// Stately can read every machine: the static extractor the Stately editor and VS Code extension use
// (@xstate/machine-extractor 0.16.0, in tools/stately-extractor with its own xstate 4) reads each file in machines/
// and must find every exported machine with the same states, transitions (event → targets, in order), guards,
// actions, tags, invokes and descriptions as the runtime machine. A machine it cannot read fails here.
import { beforeAll, describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { join } from 'node:path';
import { checkFile, requireExtractor, machineFiles, REPO_ROOT, runExtractor, type ExtractedFile } from './extractor.ts';
import { diffShapes, ROOT, shapeOfMachine, type StateShape, type TransitionShape } from './chart-shape.ts';
import { controllerMachine } from '../../machines/controller.machine.ts';
import { builtByFunctionMachine } from './fixtures/built-by-function.machine.ts';

const FIXTURE = join(REPO_ROOT, 'test/stately/fixtures/built-by-function.machine.ts');
const files = machineFiles();
let extracted: Map<string, ExtractedFile>;

beforeAll(() => {
  requireExtractor();
  extracted = runExtractor([...files, FIXTURE]);
});

describe('Stately reads every machine in machines/', () => {
  it('finds the statechart files', () => {
    expect(files.map((f) => f.slice(REPO_ROOT.length + 1))).toEqual(
      expect.arrayContaining(['machines/admin-queue.machine.ts', 'machines/aen-latch.machine.ts', 'machines/aen-log-page.chart.ts', 'machines/controller.machine.ts']),
    );
  });

  it.each(files.map((f) => [f.slice(REPO_ROOT.length + 1), f]))('%s', async (_rel, file) => {
    const check = await checkFile(file, extracted.get(file));
    expect(check.machines.length, `${check.file} exports no machine`).toBeGreaterThan(0);
    expect(check.mismatches, 'Stately would show these machines differently from how they run (see STYLE: Machines that Stately can read)').toEqual([]);
  });
});

it('notices a changed target, guard, action, tag, description, or a lost state or transition', () => {
  const runtime = shapeOfMachine(controllerMachine);
  expect(runtime.states.length).toBeGreaterThan(5);
  expect(runtime.transitions.length).toBeGreaterThan(8);
  expect(diffShapes(runtime, runtime)).toEqual([]);
  const targeted = runtime.transitions.findIndex((t) => t.targets !== null && t.guard !== null);
  const tagged = runtime.states.findIndex((s) => s.tags.length > 0);
  const described = runtime.states.findIndex((s) => s.description !== null && s.path !== ROOT);
  const edits: Array<[string, (s: { states: StateShape[]; transitions: TransitionShape[] }) => void]> = [
    ['targets', (s) => { s.transitions[targeted] = { ...s.transitions[targeted]!, targets: [ROOT] }; }],
    ['guard', (s) => { s.transitions[targeted] = { ...s.transitions[targeted]!, guard: 'somethingElse' }; }],
    ['actions', (s) => { s.transitions[targeted] = { ...s.transitions[targeted]!, actions: ['somethingElse'] }; }],
    ['tags', (s) => { s.states[tagged] = { ...s.states[tagged]!, tags: [] }; }],
    ['description', (s) => { s.states[described] = { ...s.states[described]!, description: null }; }],
    ['is missing from the extraction', (s) => { s.transitions.splice(targeted, 1); }],
    ['is missing from the extraction', (s) => { s.states.splice(described, 1); }],
  ];
  for (const [what, edit] of edits) {
    const copy = { id: runtime.id, states: [...runtime.states], transitions: [...runtime.transitions] };
    edit(copy);
    const lines = diffShapes(runtime, copy);
    expect(lines.length, what).toBe(1);
    expect(lines[0]).toContain(what);
  }
});

describe('the check fails on a machine built by a function call and a spread', () => {
  it('the fixture runs', () => {
    const actor = createActor(builtByFunctionMachine).start();
    for (const type of ['cc.en.set', 'tick', 'cc.en.cleared'] as const) actor.send({ type });
    expect(actor.getSnapshot().value).toBe('disabled');
    expect(shapeOfMachine(builtByFunctionMachine).transitions.map((t) => `${t.source}:${t.event}`)).toEqual(['disabled:cc.en.set', 'enabling:tick', 'ready:cc.en.cleared']);
  });

  it('reports what Stately loses', async () => {
    const check = await checkFile(FIXTURE, extracted.get(FIXTURE));
    expect(check.machines).toEqual(['builtByFunction']);
    expect(check.mismatches).toEqual(
      expect.arrayContaining([
        expect.stringContaining("state 'enabling' is missing from the extraction"),
        expect.stringContaining('transition ready --cc.en.cleared[0]--> ["disabled"] is missing from the extraction'),
        expect.stringContaining('transition disabled --cc.en.set[0]--> targets: runtime ["enabling"], extracted ["(unresolved: enabling)"]'),
      ]),
    );
  });
});
