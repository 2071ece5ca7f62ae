// Long random host sequences with the specification chart as the oracle: fast-check draws chart events, the chart
// predicts every completion and list read, and the emulator must produce exactly that. Seeded (NVME_ACTORS_SEED,
// printed on failure with a shrunk counterexample); 200 sequences of 50–70 steps per profile by default,
// NVME_ACTORS_LONG=1 (npm run test:long) runs 10,000. One test file per profile (the files beside this one), so
// vitest's workers run the profiles in parallel; every-profile.test.ts fails when a profile has no file.
// A known gap: under linux-nvmet (AEC read at the change) the notice can be clear while the list is not, and nvmet
// then raises an event for a 1025-NSID batch, which the chart's overflow transition (its event "already out") does
// not: that profile's sequences draw no overflow (nvmet cannot be overflowed either), nor reads shorter than the page.
import { describe, it } from 'vitest';
import fc from 'fast-check';
import { chartEventArbitraryFor } from '../../support/chart-events.ts';
import { chartToScenario, describeEvent } from '../../../src/model/to-scenario.ts';
import { PROFILE_NAMES, PROFILES, type ProfileName } from '../../../src/profiles/profiles.ts';
import { parseScenario } from '../../../src/scenario/schema.ts';
import { runScenario } from '../../../src/scenario/runner.ts';
import { formatResult } from '../../../src/scenario/trace-format.ts';

const LONG = process.env.NVME_ACTORS_LONG === '1';
const SEED = Number(process.env.NVME_ACTORS_SEED ?? 20261127);
const RUNS = LONG ? 10_000 : 200;

export function randomSequencesAgainstChart(name: ProfileName): void {
  const profile = PROFILES[name];
  describe(`random host sequences against the chart, profile ${name}`, () => {
    it(`${RUNS} sequences of 50+ steps agree with the chart (seed ${SEED + PROFILE_NAMES.indexOf(name)})`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(chartEventArbitraryFor(profile), { minLength: 50, maxLength: 70 }), async (events) => {
          const scenario = parseScenario(chartToScenario(profile, events, { name: `${name}: ${events.map(describeEvent).join(' → ')}` }));
          const result = await runScenario(scenario);
          if (result.failed > 0) throw new Error(`the emulator departed from the chart:\n${formatResult(result)}`);
        }),
        { numRuns: RUNS, seed: SEED + PROFILE_NAMES.indexOf(name), endOnFailure: false },
      );
    }, LONG ? 3_600_000 : 600_000);
  });
}
