// Random host sequences for the specification chart (fast-check): the events a host and the fault can send, weighted
// as test:long's workload draws them. Shared by test/model/random-sequences/ and bench/engine.ts.
import fc from 'fast-check';
import type { HostEvent } from '../../src/logic/aen-chart.ts';
import { OVERFLOW_BATCH } from '../../src/model/generate.ts';
import type { Profile } from '../../src/profiles/profiles.ts';

/** One host event; with `overflow`, now and then the 1025-NSID change that overflows the list; with `partialReads`
 * (default), now and then a Get Log Page 04h of two dwords (a profile that refuses those, Linux nvmet, gets none). */
export function chartEventArbitrary(overflow: boolean, partialReads = true): fc.Arbitrary<HostEvent> {
  const common: Array<{ weight: number; arbitrary: fc.Arbitrary<HostEvent> }> = [
    { weight: 6, arbitrary: fc.constant({ type: 'aer.submit' }) },
    { weight: 8, arbitrary: fc.integer({ min: 1, max: 6 }).map((nsid) => ({ type: 'namespace.changed' as const, nsid })) },
    { weight: 4, arbitrary: fc.boolean().map((rae) => ({ type: 'log.read' as const, rae, numd: 1024 })) },
    ...(partialReads ? [{ weight: 1, arbitrary: fc.constant<HostEvent>({ type: 'log.read' as const, rae: false, numd: 2 }) }] : []),
    { weight: 2, arbitrary: fc.boolean().map((on) => ({ type: 'features.set' as const, aec: on ? 0x100 : 0 })) },
    { weight: 2, arbitrary: fc.constant({ type: 'abort' as const }) },
    { weight: 1, arbitrary: fc.constant({ type: 'reset' as const }) },
  ];
  // Each overflow is 1025 namespace changes: rare, so a run stays quick.
  if (overflow) common.push({ weight: 1, arbitrary: fc.constant(OVERFLOW_BATCH) });
  return fc.oneof(...common);
}

/** The host events a profile's chart sequences draw: no 1025-NSID batch where the profile queues a notice per NSID
 * or reads AEC at the change (the known gap of test/model/random-sequences), no partial list reads where the
 * controller answers only whole-page reads. One place for the random sequences, the replay test and the bench. */
export function chartEventArbitraryFor(profile: Profile): fc.Arbitrary<HostEvent> {
  return chartEventArbitrary(!profile.noticePerNewNsid && !profile.aecGatesAtChange, !profile.changedListWholePageOnly);
}
