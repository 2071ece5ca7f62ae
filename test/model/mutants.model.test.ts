// The generated suite depends on every part of the chart, and notices a broken latch.
// Chart mutants: every transition removed, every guard inverted, every action dropped; each recomputes the
// expectations of the generated paths, and one path at least must fail against the (unmutated) emulator. The table
// in docs/model-based-testing.md is this run (NVME_ACTORS_WRITE_DOCS=1 rewrites it).
// Latch mutants: one rule of the emulator's AEN latch flipped (through `.provide()` or a profile knob) while the
// chart keeps expecting the spec; at least one generated path must fail.
import { describe, expect, it } from 'vitest';
import { assign } from 'xstate';
import { aenLatchMachine } from '../../machines/aen-latch.machine.ts';
import { addChange } from '../../src/logic/changed-list.ts';
import { generatePaths } from '../../src/model/generate.ts';
import { chartMutants, mutantFailure, parseMutantTable, renderMutantTable, runMutants } from '../../src/model/mutants.ts';
import { MODEL_DOC, readModelDoc, sectionOf, WRITE_DOCS, writeSection } from '../../src/model/model-doc.ts';
import { chartToScenario } from '../../src/model/to-scenario.ts';
import { PROFILES } from '../../src/profiles/profiles.ts';
import { parseScenario } from '../../src/scenario/schema.ts';
import { makeEmulatorTarget, runScenario, type TargetFactory } from '../../src/scenario/runner.ts';

describe('mutants of the spec chart are caught by the generated paths on the emulator', () => {
  const mutants = chartMutants();
  const rows = parseMutantTable(sectionOf(readModelDoc(), 'mutants') ?? '');

  if (WRITE_DOCS) {
    it('search: every mutant against the generated paths until one fails (writes the table)', async () => {
      const results = await runMutants(mutants);
      writeSection('mutants', renderMutantTable(results));
      expect(results.filter((r) => !r.caughtBy).map((r) => r.mutant.label)).toEqual([]);
    }, 1_800_000);
    return;
  }

  it(`${MODEL_DOC} lists every mutant of the chart as it is, each caught`, () => {
    expect(mutants.length).toBeGreaterThan(100);
    expect(rows.map((r) => r.label), `the mutant table is stale: NVME_ACTORS_WRITE_DOCS=1 npx vitest run test/model/mutants.model.test.ts`).toEqual(mutants.map((m) => m.label));
    expect(rows.filter((r) => r.path === undefined).map((r) => r.label)).toEqual([]);
  });

  // The table's claim, checked: each mutant fails the path named for it (the search that found it runs with
  // NVME_ACTORS_WRITE_DOCS=1).
  it.each(mutants.map((m, i) => [i + 1, m.label, m] as const))('mutant %i (%s) fails its path', async (i, _label, mutant) => {
    const row = rows[i - 1];
    expect(row?.label).toBe(mutant.label);
    expect(await mutantFailure(mutant, row!.profile!, row!.path!), `${row!.profile} path ${row!.path}`).toBeDefined();
  });
});

const spec = PROFILES.spec;
const { paths } = generatePaths(spec);
const scenarios = paths.map((p, i) => parseScenario(chartToScenario(spec, p.events, { name: `spec path ${i + 1}` })));

async function failingPaths(target: TargetFactory): Promise<number> {
  let failing = 0;
  for (const s of scenarios) if ((await runScenario(s, target)).failed > 0) failing++;
  return failing;
}

describe('mutants of the AEN latch are caught by the generated paths', () => {
  it('the unmutated latch passes every path (the baseline the mutants are measured against)', async () => {
    expect(await failingPaths(makeEmulatorTarget())).toBe(0);
  }, 120_000);

  it('mutant: a RAE=0 read does not lift the mask', async () => {
    const latch = aenLatchMachine.provide({ guards: { isRaeSet: () => true } });
    expect(await failingPaths(makeEmulatorTarget({ latchMachine: latch }))).toBeGreaterThan(0);
  }, 120_000);

  it('mutant: parked AERs complete oldest first', async () => {
    expect(await failingPaths(makeEmulatorTarget({ profile: { ...spec, aerCompletionOrder: 'fifo' } }))).toBeGreaterThan(0);
  }, 120_000);

  it('mutant: the list stops at 1024 entries instead of overflowing to FFFFFFFFh', async () => {
    const latch = aenLatchMachine.provide({
      actions: {
        recordChange: assign(({ context, event }) =>
          event.type !== 'namespace.changed' || context.changed.nsids.length >= 1024 ? {} : { changed: addChange(context.changed, event.nsid) },
        ),
        // A batch of changes (how the generated overflow step arrives) is recorded the same broken way.
        recordChanges: assign(({ context, event }) => {
          if (event.type !== 'namespaces.changed') return {};
          let changed = context.changed;
          for (const c of event.changes) if (changed.nsids.length < 1024) changed = addChange(changed, c.nsid);
          return { changed };
        }),
      },
    });
    expect(await failingPaths(makeEmulatorTarget({ latchMachine: latch }))).toBeGreaterThan(0);
  }, 120_000);

  it('mutant: AEC bit 8 is ignored', async () => {
    expect(await failingPaths(makeEmulatorTarget({ profile: { ...spec, aecGatesNamespaceNotice: false } }))).toBeGreaterThan(0);
  }, 120_000);
});
