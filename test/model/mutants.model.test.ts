// The generated suite must notice a broken latch. Each mutant flips one rule of the emulator's AEN latch (through
// `.provide()` or a profile knob) while the chart keeps expecting the spec; at least one generated path must fail.
import { describe, expect, it } from 'vitest';
import { assign } from 'xstate';
import { aenLatchMachine } from '../../machines/aen-latch.machine.ts';
import { addChange } from '../../src/logic/changed-list.ts';
import { generatePaths } from '../../src/model/generate.ts';
import { chartToScenario } from '../../src/model/to-scenario.ts';
import { PROFILES } from '../../src/profiles/profiles.ts';
import { parseScenario } from '../../src/scenario/schema.ts';
import { makeEmulatorTarget, runScenario, type TargetFactory } from '../../src/scenario/runner.ts';

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
  });

  it('mutant: a RAE=0 read does not lift the mask', async () => {
    const latch = aenLatchMachine.provide({ guards: { isRaeSet: () => true } });
    expect(await failingPaths(makeEmulatorTarget({ latchMachine: latch }))).toBeGreaterThan(0);
  });

  it('mutant: parked AERs complete oldest first', async () => {
    expect(await failingPaths(makeEmulatorTarget({ profile: { ...spec, aerCompletionOrder: 'fifo' } }))).toBeGreaterThan(0);
  });

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
  });

  it('mutant: AEC bit 8 is ignored', async () => {
    expect(await failingPaths(makeEmulatorTarget({ profile: { ...spec, aecGatesNamespaceNotice: false } }))).toBeGreaterThan(0);
  });
});
