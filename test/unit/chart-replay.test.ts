// `replay` runs a whole host sequence on one chart actor; `takeStep` restores an actor from the snapshot before
// each event. The generator and the oracle use both, so they must record the same thing: for random sequences on
// every profile and both engines (replay on either; takeStep on XState), the same snapshots (value and context), the same transitions taken and the same guard outcomes.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { chartEventArbitraryFor } from '../support/chart-events.ts';
import { chartFor, initialSnapshot, replay, takeStep } from '../../src/model/chart.ts';
import { PROFILE_NAMES, PROFILES } from '../../src/profiles/profiles.ts';
import { ENGINE_NAMES } from '../../src/engine/index.ts';

describe.each(PROFILE_NAMES.flatMap((name) => ENGINE_NAMES.map((engine) => [name, engine] as const)))('profile %s, engine %s: replay on one actor = takeStep (XState) from each snapshot', (name, engine) => {
  it('agrees on 40 random sequences of up to 40 events', () => {
    const profile = PROFILES[name];
    const machine = chartFor(profile);
    fc.assert(
      fc.property(fc.array(chartEventArbitraryFor(profile), { maxLength: 40 }), (events) => {
        const whole = replay(machine, events, 3, engine);
        let s = initialSnapshot(machine);
        events.forEach((e, i) => {
          const step = takeStep(machine, s, e);
          expect(whole[i]!.after.value).toEqual(step.after.value);
          expect(whole[i]!.after.context).toEqual(step.after.context);
          expect(whole[i]!.microsteps).toEqual(step.microsteps);
          s = step.after;
        });
      }),
      { numRuns: 40, seed: 20261201 + PROFILE_NAMES.indexOf(name) },
    );
  });
});
