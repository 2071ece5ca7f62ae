// The fingerprint machinery without QEMU: the emulator under one profile plays the peer, so the right answers are
// known. Also checks, with no QEMU needed, that docs/conformance.md was generated from the packs as they are now.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { bestMatch, exhibited, explain, passesAll, runPack, runPacks } from '../../src/model/fingerprint.ts';
import { CONFORMANCE_DOC, DOC_COMMAND, digestInDoc, packDigest } from '../../src/model/conformance-doc.ts';
import { KNOBS, knobsWithoutRule, SPEC_RULES } from '../../src/model/rules.ts';
import { getProfile, PROFILE_NAMES } from '../../src/profiles/profiles.ts';
import { emulatorTarget, makeEmulatorTarget } from '../../src/scenario/runner.ts';

const differing = (a: string, b: string) => KNOBS.filter((k) => JSON.stringify(getProfile(a)[k]) !== JSON.stringify(getProfile(b)[k]));

describe('rules', () => {
  it('every knob belongs to a rule, and rule ids are unique', () => {
    expect(knobsWithoutRule()).toEqual([]);
    expect(new Set(SPEC_RULES.map((r) => r.id)).size).toBe(SPEC_RULES.length);
  });

  it.each(PROFILE_NAMES)("every check of the %s pack holds on the emulator under that profile", async (name) => {
    const run = await runPack(name, { name: 'emulator', factory: emulatorTarget });
    expect(run.results.filter((r) => !r.passed).map((r) => `${r.check.id}: ${r.firstFailure}`)).toEqual([]);
  }, 120_000);
});

describe('fingerprint of the emulator under the qemu profile', () => {
  it("names qemu, and explains every failure of the spec pack by the knobs where qemu differs", async () => {
    const { runs } = await runPacks({ name: 'emulator(qemu)', factory: makeEmulatorTarget({ profile: 'qemu' }) }, ['spec', 'qemu']);
    const best = bestMatch(runs);
    expect(best.profile).toBe('qemu');
    expect(passesAll(best)).toBe(true);
    const e = explain(runs[0]!, 'qemu');
    expect(e.unexplained.map((u) => u.result.check.id)).toEqual([]);
    expect(e.untestable).toEqual([]);
    expect(exhibited(e).map((d) => d.knob)).toEqual(differing('spec', 'qemu'));
    for (const d of exhibited(e)) expect(d.witness?.passed, d.knob).toBe(false);
  }, 180_000);
});

describe(CONFORMANCE_DOC, () => {
  it(`was generated from the current packs (else run \`${DOC_COMMAND}\`)`, async () => {
    const text = await readFile(CONFORMANCE_DOC, 'utf8');
    expect(digestInDoc(text), `${CONFORMANCE_DOC} is stale: the packs changed since it was generated; run \`${DOC_COMMAND}\``).toBe(packDigest());
  });
});
