// The random-sequence suite has one file per profile (so the profiles run in parallel): a profile without one
// would go untested without anyone noticing.
import { readdirSync, readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { PROFILE_NAMES } from '../../../src/profiles/profiles.ts';

it('every profile has its random-sequence file, and each file runs the profile it is named after', () => {
  const here = new URL('.', import.meta.url);
  const files = readdirSync(here).filter((f) => f.endsWith('.model.test.ts'));
  expect(files.map((f) => f.replace('.model.test.ts', '')).sort()).toEqual([...PROFILE_NAMES].sort());
  for (const f of files) expect(readFileSync(new URL(f, here), 'utf8')).toContain(`randomSequencesAgainstChart('${f.replace('.model.test.ts', '')}')`);
});
