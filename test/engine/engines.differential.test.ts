// The 'fast' engine against XState's own interpreter: the same random event sequences (fast-check, seeded) on every
// machine — the controller with its admin queue and AEN latch, the admin queue alone, an I/O queue, the AEN latch
// alone, the spec chart — under every profile, compared after every event (test/engine/differential.ts). 10,000 sequences in the
// default run; NVME_ACTORS_LONG=1 (npm run test:long) runs 10 times as many; NVME_ACTORS_SEED changes the seed.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { aenLatchMachine } from '../../machines/aen-latch.machine.ts';
import { adminQueueMachine } from '../../machines/admin-queue.machine.ts';
import { controllerMachine } from '../../machines/controller.machine.ts';
import { ioQueueMachine } from '../../machines/io-queue.machine.ts';
import { latchPolicy } from '../../src/logic/aen-latch.ts';
import { chartFor } from '../../src/model/chart.ts';
import { PROFILE_NAMES, PROFILES, type Profile } from '../../src/profiles/profiles.ts';
import { AdminOpcode, Status } from '../../src/spec/constants.ts';
import { sqe, type Sqe } from '../../src/spec/sqe.codec.ts';
import { commandRoute } from '../../src/logic/admin-commands.ts';
import type { AdminQueuePort, ControllerPort, IoQueuePort } from '../../machines/events.ts';
import type { IoDecision } from '../../src/logic/io-commands.ts';
import { activeLog, assertSameOnBothEngines, pending, type Step } from './differential.ts';

const LONG = process.env.NVME_ACTORS_LONG === '1';
const SEED = Number(process.env.NVME_ACTORS_SEED ?? 20261201);
/** Sequences per machine and profile: 834 (5 machines × 4 profiles). */
const RUNS = LONG ? 834 * 10 : 834;

const cid = fc.integer({ min: 0, max: 7 });
const statusArb = fc.constantFrom(Status.SUCCESS, Status.INVALID_FIELD, Status.DATA_TRANSFER_ERROR);
const changeArb = fc.record(
  { nsid: fc.integer({ min: 1, max: 5 }), requestId: fc.integer({ min: 1, max: 9 }).map((n) => `r${n}`), until: fc.constantFrom('processed' as const, 'aen' as const) },
  { requiredKeys: ['nsid'] },
);
const latchEvent: fc.Arbitrary<Step['event']> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ type: 'controller.enabled' }) },
  { weight: 1, arbitrary: fc.constant({ type: 'controller.reset' }) },
  { weight: 6, arbitrary: cid.map((c) => ({ type: 'aer.received', cid: c })) },
  { weight: 6, arbitrary: fc.tuple(changeArb, fc.boolean()).map(([c, fromCommand]) => ({ type: 'namespace.changed', ...c, ...(fromCommand ? { fromCommand } : {}) })) },
  { weight: 2, arbitrary: fc.array(changeArb, { maxLength: 4 }).map((changes) => ({ type: 'namespaces.changed', changes })) },
  { weight: 4, arbitrary: fc.record({ rae: fc.boolean(), numd: fc.integer({ min: 1, max: 1024 }), offset: fc.constantFrom(0, 4, 8) }).map((r) => ({ type: 'changedList.read', ...r })) },
  { weight: 2, arbitrary: fc.constantFrom(0, 0x100, 0xffffffff, 0x1ff).map((value) => ({ type: 'aec.set', value })) },
  { weight: 1, arbitrary: fc.constant({ type: 'aec.get' }) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(0, 1), cid).map(([sqid, c]) => ({ type: 'abort.requested', sqid, cid: c })) },
  { weight: 3, arbitrary: fc.constantFrom(0, 1).map((info) => ({ type: 'doorbell.invalid', info })) },
  { weight: 2, arbitrary: fc.record({ rae: fc.boolean(), numd: fc.integer({ min: 1, max: 16 }), offset: fc.constant(0) }).map((r) => ({ type: 'errorLog.read', ...r })) },
);
const command = fc.oneof(
  cid.map((c) => sqe({ opcode: AdminOpcode.ASYNC_EVENT_REQUEST, cid: c })),
  fc.tuple(cid, fc.constantFrom(1, 4, 2), fc.boolean()).map(([c, lid, rae]) => sqe({ opcode: AdminOpcode.GET_LOG_PAGE, cid: c, cdw10: lid | (rae ? 1 << 15 : 0) | (255 << 16) })),
  fc.tuple(cid, fc.constantFrom(AdminOpcode.SET_FEATURES, AdminOpcode.GET_FEATURES), fc.constantFrom(0x0b, 0x07)).map(([c, opcode, fid]) => sqe({ opcode, cid: c, cdw10: fid, cdw11: 0x100 })),
  fc.tuple(cid, cid).map(([c, target]) => sqe({ opcode: AdminOpcode.ABORT, cid: c, cdw10: target << 16 })),
  fc.tuple(cid, fc.constantFrom(0, 1)).map(([c, sel]) => sqe({ opcode: AdminOpcode.NAMESPACE_ATTACHMENT, cid: c, nsid: 1, cdw10: sel })),
  cid.map((c) => sqe({ opcode: AdminOpcode.IDENTIFY, cid: c, cdw10: 1 })),
);
const adminQueueEvent: fc.Arbitrary<Step['event']> = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom('sq' as const, 'sq' as const, 'cq' as const), fc.integer({ min: 0, max: 9 })).map(([queue, value]) => ({ type: 'doorbell.written', queue, value })) },
  {
    weight: 8,
    arbitrary: fc
      .record({ sqe: command, prpStatus: fc.oneof({ weight: 5, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: statusArb }), fault: fc.oneof({ weight: 6, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constant({ kind: 'drop' as const }) }, { weight: 1, arbitrary: fc.constant({ kind: 'delay' as const, ms: 5 }) }, { weight: 1, arbitrary: fc.constant({ kind: 'panic' as const, message: 'p' }) }), completionHold: fc.oneof({ weight: 5, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constant(5) }) })
      .map((r) => ({ type: 'command.fetched', segments: [], ...r })),
  },
  { weight: 1, arbitrary: fc.constant({ type: 'command.unreadable' }) },
  { weight: 1, arbitrary: fc.constant({ type: 'completion.unwritable' }) },
  { weight: 2, arbitrary: fc.tuple(cid, statusArb).map(([c, status]) => ({ type: 'completion.requested', cid: c, status, dw0: 0 })) },
  { weight: 3, arbitrary: fc.tuple(statusArb, fc.constantFrom(0, 1)).map(([status, dw0]) => ({ type: 'latch.replied', status, dw0 })) },
  { weight: 2, arbitrary: fc.constant({ type: 'xstate.done.actor.faultDelay' }) },
  { weight: 1, arbitrary: fc.constant({ type: 'fault.panicked', message: 'p' }) },
);
const ccWritten: fc.Arbitrary<Step['event']> = fc
  .record({
    en: fc.boolean(),
    shn: fc.constantFrom(0, 1, 2),
    css: fc.constantFrom(0, 0, 0, 7),
    previousEn: fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, fc.constant(true)),
    aqa: fc.constantFrom(0x001f001f, 0x001f001f, 0x001f001f, 0x00010001, 0, 0xffff0fff),
    asq: fc.constantFrom(0x10000n, 0x10000n, 0x10000n, 0x10001n, 0n),
    enableFault: fc.oneof({ weight: 6, arbitrary: fc.constant(null) }, fc.constant({ kind: 'delay' as const, ms: 5 }), fc.constant({ kind: 'neverReady' as const }), fc.constant({ kind: 'fatal' as const })),
  })
  .map((r) => ({
    type: 'cc.written',
    cc: (r.en ? 1 : 0) | (r.css << 4) | (6 << 16) | (4 << 20) | (r.shn << 14),
    previous: r.previousEn ? 1 | (6 << 16) | (4 << 20) : 0,
    aqa: r.aqa,
    asq: r.asq,
    acq: 0x20000n,
    enableFault: r.enableFault,
  }));
const controllerStep: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: ccWritten.map((event) => ({ event })) },
  { weight: 1, arbitrary: fc.constant({ event: { type: 'xstate.done.actor.faultDelay' } }) },
  { weight: 1, arbitrary: fc.constant({ event: { type: 'fault.panicked', message: 'p' } }) },
  { weight: 4, arbitrary: adminQueueEvent.map((event) => ({ to: 'adminQueue', event })) },
  { weight: 4, arbitrary: latchEvent.map((event) => ({ to: 'aenLatch', event })) },
);
const chartEvent: fc.Arbitrary<Step['event']> = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ type: 'aer.submit' }) },
  { weight: 8, arbitrary: fc.integer({ min: 1, max: 6 }).map((nsid) => ({ type: 'namespace.changed', nsid })) },
  { weight: 1, arbitrary: fc.constant({ type: 'namespace.changed', nsid: 100, count: 1025 }) },
  { weight: 4, arbitrary: fc.record({ rae: fc.boolean(), numd: fc.constantFrom(1024, 1) }).map(({ rae, numd }) => ({ type: 'log.read', rae, numd })) },
  { weight: 2, arbitrary: fc.constantFrom(0, 0x100).map((aec) => ({ type: 'features.set', aec })) },
  { weight: 2, arbitrary: fc.constant({ type: 'abort' }) },
  { weight: 1, arbitrary: fc.constant({ type: 'reset' }) },
);

/** A recording device port, shared by both runs of a case (it writes to the run in progress): its SQ holds
 * `ring` (the command at head h is ring[h % length], its route decided for the profile), a Namespace Attachment with
 * SEL 0 changes NSID 1 and any other SEL fails. */
function recordingPort(profile: Profile, ring: readonly Step['event'][]): ControllerPort {
  const call = (name: string, ...args: unknown[]): void => void activeLog().push(['port', name, ...args]);
  const routed = (e: Step['event']): Step['event'] => (e.type === 'command.fetched' ? { ...e, route: commandRoute((e as unknown as { sqe: Sqe }).sqe, profile) } : e);
  const adminQueue: AdminQueuePort = {
    fetch: (head) => {
      call('fetch', head);
      return (ring.length === 0 ? { type: 'command.unreadable' } : routed(ring[head % ring.length]!)) as never;
    },
    execute: (command, sqhd) => call('execute', command.sqe.cid, sqhd),
    post: (cid, sqhd, status, dw0) => call('post', cid, sqhd, status, dw0),
    completeLatchCommand: (current, sqhd, reply) => call('completeLatchCommand', current.cid, sqhd, reply),
    applyAttachment: (command) => {
      call('applyAttachment', command.sqe.cid);
      return (command.sqe.cdw10 & 0xf) === 0 ? { kind: 'change', nsid: 1, attach: true } : { kind: 'fail', answer: { status: Status.INVALID_FIELD, dw0: 0 } };
    },
    dropCommand: (command) => call('dropCommand', command.sqe.cid),
    moveCqHead: (head) => call('moveCqHead', head),
    reportInvalidDoorbell: (queue, value, size) => call('reportInvalidDoorbell', queue, value, size),
    panic: (command) => call('panic', command.sqe.cid),
    releaseHeldCompletion: () => call('releaseHeldCompletion'),
  };
  return {
    openQueues: (event) => call('openQueues', event.aqa),
    closeQueues: () => call('closeQueues'),
    reportEnableFault: (event) => call('reportEnableFault', event.aqa),
    adminQueue,
  };
}
const ioDecision: fc.Arbitrary<IoDecision> = fc.oneof(
  fc.constantFrom(Status.INVALID_NAMESPACE, Status.LBA_OUT_OF_RANGE).map((status) => ({ kind: 'fail' as const, answer: { status, dw0: 0 } })),
  fc.tuple(fc.constantFrom('read' as const, 'write' as const), fc.integer({ min: 0, max: 9 }), fc.integer({ min: 1, max: 4 })).map(([kind, slba, nlb]) => ({ kind, nsid: 1, slba, nlb, bytes: nlb * 512 })),
  fc.constant({ kind: 'flush' as const, nsid: 1 }),
);
const ioFetched = fc
  .record({ c: cid, decision: ioDecision, prpStatus: fc.oneof({ weight: 5, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: statusArb }) })
  .map(({ c, decision, prpStatus }) => ({ type: 'command.fetched', sqe: sqe({ opcode: decision.kind === 'write' ? 1 : decision.kind === 'read' ? 2 : 0, cid: c, nsid: 1 }), decision, segments: [], prpStatus }));
const ioQueueEvent: fc.Arbitrary<Step['event']> = fc.oneof(
  { weight: 5, arbitrary: fc.integer({ min: 0, max: 9 }).map((value) => ({ type: 'doorbell.written', queue: 'sq', value })) },
  { weight: 6, arbitrary: ioFetched },
  { weight: 1, arbitrary: fc.constant({ type: 'command.unreadable' }) },
  { weight: 1, arbitrary: fc.constant({ type: 'queue.deleted' }) },
);
/** The I/O queue's recording port: its SQ holds `ring` (the command at head h is ring[h % length]). */
function recordingIoPort(ring: readonly Step['event'][]): IoQueuePort {
  const call = (name: string, ...args: unknown[]): void => void activeLog().push(['port', name, ...args]);
  return {
    fetch: (head) => {
      call('fetch', head);
      return (ring.length === 0 ? { type: 'command.unreadable' } : ring[head % ring.length]!) as never;
    },
    post: (c, sqhd, status, dw0) => call('post', c, sqhd, status, dw0),
    readBlocks: (command, sqhd) => call('readBlocks', command.sqe.cid, sqhd),
    writeBlocks: (command, sqhd) => call('writeBlocks', command.sqe.cid, sqhd),
    reportInvalidDoorbell: (value, size) => call('reportInvalidDoorbell', value, size),
    reportUnreadable: () => call('reportUnreadable'),
  };
}
const fetchedCommand = adminQueueEvent.filter((e) => e.type === 'command.fetched' || e.type === 'command.unreadable' || e.type === 'completion.unwritable');
const ringArb = fc.array(fetchedCommand, { minLength: 1, maxLength: 8 });
const pendingAdminQueue = adminQueueMachine.provide({ actors: { faultDelay: pending as never } });
const pendingController = controllerMachine.provide({ actors: { adminQueue: pendingAdminQueue, faultDelay: pending as never } });
/** A fetched command as a test sends it: its route decided for the profile, as the port's fetch decides it. */
const withRoute = (profile: Profile) => (step: Step): Step =>
  step.event.type === 'command.fetched' ? { ...step, event: { ...step.event, route: commandRoute((step.event as unknown as { sqe: Sqe }).sqe, profile) } } : step;

const machines: Array<{ name: string; run: (profile: Profile) => fc.IPropertyWithHooks<[unknown]> | fc.IProperty<[unknown]> }> = [
  {
    name: 'controller (with its admin queue and AEN latch)',
    run: (profile) =>
      fc.property(fc.record({ aerl: fc.integer({ min: 0, max: 3 }), inspect: fc.boolean(), ring: ringArb, steps: fc.array(controllerStep, { maxLength: 24 }) }), (r) =>
        assertSameOnBothEngines({ machine: pendingController, input: { profile, aerl: r.aerl, device: recordingPort(profile, r.ring) }, emitters: ['aenLatch'], steps: r.steps.map(withRoute(profile)), inspect: r.inspect }),
      ) as fc.IProperty<[unknown]>,
  },
  {
    name: 'admin queue',
    run: (profile) =>
      fc.property(fc.record({ sqSize: fc.integer({ min: 2, max: 8 }), cqSize: fc.integer({ min: 2, max: 8 }), inspect: fc.boolean(), ring: ringArb, steps: fc.array(adminQueueEvent.map((event) => ({ event })), { maxLength: 20 }) }), (r) =>
        assertSameOnBothEngines({ machine: pendingAdminQueue, input: { profile, sqSize: r.sqSize, cqSize: r.cqSize, device: recordingPort(profile, r.ring).adminQueue }, stubs: ['aenLatch'], steps: r.steps.map(withRoute(profile)), inspect: r.inspect }),
      ) as fc.IProperty<[unknown]>,
  },
  {
    name: 'I/O queue',
    run: () =>
      fc.property(fc.record({ sqSize: fc.integer({ min: 2, max: 8 }), inspect: fc.boolean(), ring: fc.array(fc.oneof({ weight: 8, arbitrary: ioFetched }, { weight: 1, arbitrary: fc.constant({ type: 'command.unreadable' }) }), { minLength: 1, maxLength: 8 }), steps: fc.array(ioQueueEvent.map((event) => ({ event })), { maxLength: 20 }) }), (r) =>
        assertSameOnBothEngines({ machine: ioQueueMachine, input: { qid: 1, sqSize: r.sqSize, device: recordingIoPort(r.ring) }, steps: r.steps, inspect: r.inspect }),
      ) as fc.IProperty<[unknown]>,
  },
  {
    name: 'AEN latch',
    run: (profile) =>
      fc.property(fc.record({ aerl: fc.integer({ min: 0, max: 3 }), inspect: fc.boolean(), steps: fc.array(latchEvent.map((event) => ({ event })), { maxLength: 24 }) }), (r) =>
        assertSameOnBothEngines({ machine: aenLatchMachine, input: { aerl: r.aerl, policy: latchPolicy(profile) }, stubs: ['adminQueue'], steps: r.steps, inspect: r.inspect }),
      ) as fc.IProperty<[unknown]>,
  },
  {
    name: 'AEN / Changed Namespace List spec chart',
    run: (profile) =>
      fc.property(fc.record({ aerl: fc.integer({ min: 1, max: 3 }), inspect: fc.boolean(), steps: fc.array(chartEvent.map((event) => ({ event })), { maxLength: 24 }) }), (r) =>
        assertSameOnBothEngines({ machine: chartFor(profile), input: { aerl: r.aerl }, steps: r.steps, inspect: r.inspect }),
      ) as fc.IProperty<[unknown]>,
  },
];

describe.each(PROFILE_NAMES)('engine differential, profile %s', (name) => {
  const profile = PROFILES[name];
  it.each(machines.map((m, i) => [m.name, m, i] as const))(`${RUNS} random sequences on the %s: both engines agree after every event (seed ${SEED})`, (_, m, i) => {
    fc.assert(m.run(profile), { numRuns: RUNS, seed: SEED + 7 * PROFILE_NAMES.indexOf(name) + i });
  }, LONG ? 3_600_000 : 120_000);
});

describe('the differential can fail', () => {
  it('a fast run that mis-steps (one guard answered the other way) is caught at the first step that shows it', () => {
    const broken = aenLatchMachine.provide({ guards: { isAerLimitReached: () => false } });
    const steps: Step[] = [{ event: { type: 'controller.enabled' } }, { event: { type: 'aer.received', cid: 1 } }, { event: { type: 'aer.received', cid: 2 } }];
    const input = { aerl: 0, policy: latchPolicy(PROFILES.spec) };
    expect(() => assertSameOnBothEngines({ machine: aenLatchMachine, input, stubs: ['adminQueue'], steps })).not.toThrow();
    expect(() => assertSameOnBothEngines({ machine: aenLatchMachine, fastMachine: broken, input, stubs: ['adminQueue'], steps })).toThrow(/engines differ on machine 'aenLatch' after step 2 /);
  });
});
