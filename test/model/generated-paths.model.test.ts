// Every path generated from the specification chart, replayed through NvmeHost against a fresh emulated
// controller, for each profile: the chart's expected completions, statuses and list contents must all hold.
import { describe, expect, it } from 'vitest';
import { suitePaths } from '../../src/model/generate.ts';
import { chartToScenario, describeEvent } from '../../src/model/to-scenario.ts';
import { PROFILE_NAMES, PROFILES } from '../../src/profiles/profiles.ts';
import { parseScenario } from '../../src/scenario/schema.ts';
import { runScenario } from '../../src/scenario/runner.ts';
import { formatResult } from '../../src/scenario/trace-format.ts';

describe.each(PROFILE_NAMES)('generated paths, profile %s, on the emulator', (name) => {
  const profile = PROFILES[name];
  const paths = suitePaths(profile);

  it('generates a non-trivial suite', () => {
    expect(paths.length).toBeGreaterThan(40);
  });

  it.each(paths.map((p, i) => [i + 1, p.events.map(describeEvent).join(' → '), p] as const))('%i: %s', async (i, _label, path) => {
    const scenario = parseScenario(chartToScenario(profile, path.events, { name: `${name} path ${i}` }));
    const result = await runScenario(scenario);
    if (result.failed > 0) throw new Error(formatResult(result));
    expect(result.passed).toBeGreaterThan(0);
  });
});
