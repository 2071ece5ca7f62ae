// Coverage of the specification chart by the generated paths, computed from the paths themselves: every state,
// and every transition any context reachable under the profile can take. Transitions a profile's semantics rule
// out are listed by name, and together the three profiles cover every transition of the chart.
import { describe, expect, it } from 'vitest';
import { chartTransitions, generatePaths } from '../../src/model/generate.ts';
import { PROFILE_NAMES, PROFILES } from '../../src/profiles/profiles.ts';

describe('chart coverage by generated paths', () => {
  const results = PROFILE_NAMES.map((name) => ({ name, ...generatePaths(PROFILES[name]) }));

  it.each(results.map((r) => [r.name, r] as const))('%s: 100% of states and of reachable transitions', (_name, r) => {
    expect(r.coverage.states.covered).toEqual(r.coverage.states.total);
    const applicable = r.coverage.transitions.total.filter((t) => !r.coverage.transitions.unreachable.includes(t));
    expect(r.coverage.transitions.covered).toEqual(applicable);
    // Every transition a path takes is one the chart declares.
    for (const p of r.paths) for (const t of p.transitions) expect(r.coverage.transitions.total).toContain(t);
  });

  it('the three profiles together take every transition of the chart', () => {
    const union = new Set(results.flatMap((r) => r.coverage.transitions.covered));
    expect([...union].sort()).toEqual(chartTransitions().sort());
  });

  it('the spec profile rules out only transitions that belong to other peers', () => {
    expect(results.find((r) => r.name === 'spec')!.coverage.transitions.unreachable).toEqual([
      'aerParked:namespace.change->aerParked', // QEMU: a change to an NSID still listed raises no event
      'idle:namespace.change->idle',
      'noticePending:changedList.read->noticePending', // QEMU: reads do not discard queued events
      'noticePending:changedList.readShort->noticePending',
      'noticePending:controller.reset->idle', // OpenVMM and QEMU forget the event on reset
      'noticeReported:changedList.read->noticePending',
      'noticeReported:changedList.readShort->noticePending',
      'noticeReported:changedList.readShort->noticeReported',
    ]);
  });
});
