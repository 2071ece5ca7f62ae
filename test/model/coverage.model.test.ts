// Coverage of the specification chart by the generated paths, computed by replaying the paths on the chart: every
// state, every transition and both outcomes of every guard that any vertex reachable under the profile exercises.
// What a profile's named implementations rule out is listed by name, and the profiles together cover everything.
import { describe, expect, it } from 'vitest';
import { generatePaths } from '../../src/model/generate.ts';
import { chartGuardOutcomes, chartStateNames, chartTransitionNames } from '../../src/model/chart.ts';
import { PROFILE_NAMES, PROFILES } from '../../src/profiles/profiles.ts';

describe('chart coverage by generated paths', () => {
  const results = PROFILE_NAMES.map((name) => ({ name, ...generatePaths(PROFILES[name]) }));

  it.each(results.map((r) => [r.name, r] as const))('%s: every reachable state, transition and guard outcome', (_name, r) => {
    for (const part of [r.coverage.states, r.coverage.transitions, r.coverage.guardOutcomes]) {
      expect(part.covered).toEqual(part.total.filter((t) => !part.unreachable.includes(t)));
    }
    // Every transition a path takes is one the chart declares.
    for (const p of r.paths) for (const t of p.transitions) expect(r.coverage.transitions.total).toContain(t);
  });

  it('the profiles together cover every state, transition and guard outcome of the chart', () => {
    const union = (pick: (r: (typeof results)[number]) => readonly string[]) => [...new Set(results.flatMap(pick))].sort();
    expect(union((r) => r.coverage.states.covered)).toEqual([...chartStateNames()].sort());
    expect(union((r) => r.coverage.transitions.covered)).toEqual([...chartTransitionNames()].sort());
    expect(union((r) => r.coverage.guardOutcomes.covered)).toEqual([...chartGuardOutcomes()].sort());
  });

  it('the spec profile rules out only what belongs to other peers', () => {
    const spec = results.find((r) => r.name === 'spec')!.coverage;
    expect(spec.states.unreachable).toEqual([]);
    expect(spec.transitions.unreachable).toEqual([
      'aerPool.parked: abort [cannotAbortAer] → (stays)', // QEMU and OpenVMM cannot abort an AER
      'aerPool.full: abort [cannotAbortAer] → (stays)',
      'notice.clear: notice.raised [changeUnannounced] → (stays)', // Linux nvmet reads AEC bit 8 at the change
      'notice.pending: notice.raised [noticePerNewNsid] → (stays)', // QEMU: one event per new NSID
      'notice.pending: log.read [noticePerNewNsid] → (stays)',
      'notice.pending: reset → notice.clear', // QEMU and OpenVMM forget the event on reset
      'notice.reported: notice.raised [noticePerNewNsid] → (stays)',
      'notice.reported: log.read [noticeQueued] → notice.clear',
      'changedList.listing: reset [resetEmptiesList] → changedList.empty', // OpenVMM empties the list on reset
      'changedList.overflowed: reset [resetEmptiesList] → changedList.empty',
    ]);
  });
});
