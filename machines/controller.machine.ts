// The controller: the lifecycle behind CC and CSTS (NVMe Base 2.0 §3.1.3.5–6, §3.5 initialization, §3.6
// shutdown, §3.7.2 controller reset). CSTS.RDY, CSTS.CFS and CSTS.SHST are state tags. It owns the AEN latch for
// its whole life and the admin queue while enabled; the device is reached through the port given as input. Namespace
// changes reach the latch from the namespaceChange RPC actor the facade starts beside it, not through this machine.
// No NVM Subsystem Reset, no I/O queues.
import { assign, fromPromise, sendTo, setup } from 'xstate';
import type { CcWritten, ControllerEvent, ControllerPort } from './events.ts';
import { aenLatchMachine } from './aen-latch.machine.ts';
import { adminQueueMachine } from './admin-queue.machine.ts';
import { adminQueueGeometry, ccEnabled, ccShn, enableFault } from '../src/logic/controller.ts';
import { latchPolicy } from '../src/logic/aen-latch.ts';
import type { Profile } from '../src/profiles/profiles.ts';

export interface ControllerInput {
  readonly profile: Profile;
  readonly aerl: number;
  /** The device port: the rings, and the admin queue's port (an explicit port, given by the facade). */
  readonly device: ControllerPort;
}

export interface ControllerContext {
  readonly profile: Profile;
  readonly aerl: number;
  readonly device: ControllerPort;
  /** The enable fault in force for the current enable (null: none). */
  readonly enableFault: CcWritten['enableFault'];
}

export const controllerMachine = setup({
  types: {
    context: {} as ControllerContext,
    events: {} as ControllerEvent,
    input: {} as ControllerInput,
  },
  actors: {
    aenLatch: aenLatchMachine,
    adminQueue: adminQueueMachine,
    /** Provided: resolves after `ms` (a timer lives outside the machine). */
    faultDelay: fromPromise<void, { ms: number }>(async () => {
      throw new Error("actor 'faultDelay' is not provided: the emulator facade supplies it");
    }),
  },
  guards: {
    isEnableFaultFatal: ({ event }) => event.type === 'cc.written' && ccEnabled(event.cc) && !ccEnabled(event.previous) && event.enableFault?.kind === 'fatal',
    isEnableDelayed: ({ context }) => context.enableFault?.kind === 'delay',
    isEnableStalled: ({ context }) => context.enableFault?.kind === 'neverReady',
    isValidEnable: ({ event }) => event.type === 'cc.written' && ccEnabled(event.cc) && !ccEnabled(event.previous) && enableFault(event) === null,
    isInvalidEnable: ({ event }) => event.type === 'cc.written' && ccEnabled(event.cc) && !ccEnabled(event.previous) && enableFault(event) !== null,
    isEnableCleared: ({ event }) => event.type === 'cc.written' && !ccEnabled(event.cc),
    isShutdownRequested: ({ event }) => event.type === 'cc.written' && ccEnabled(event.cc) && ccShn(event.cc) !== 0,
    isShutdownWithdrawn: ({ event }) => event.type === 'cc.written' && ccEnabled(event.cc) && ccShn(event.cc) === 0,
  },
  actions: {
    /** Create the device-side rings at ASQ/ACQ with the sizes in AQA. */
    openQueues: ({ context, event }) => {
      if (event.type === 'cc.written') context.device.openQueues(event);
    },
    /** Forget the rings (the host must program them again to be heard). */
    closeQueues: ({ context }) => context.device.closeQueues(),
    /** Record why an enable failed (trace). */
    reportEnableFault: ({ context, event }) => {
      if (event.type === 'cc.written') context.device.reportEnableFault(event);
    },
    notifyLatchEnabled: sendTo('aenLatch', { type: 'controller.enabled' }),
    storeEnableFault: assign({ enableFault: ({ event }) => (event.type === 'cc.written' ? (event.enableFault ?? null) : null) }),
    notifyLatchReset: sendTo('aenLatch', { type: 'controller.reset' }),
  },
}).createMachine({
  id: 'controller',
  context: ({ input }) => ({ profile: input.profile, aerl: input.aerl, device: input.device, enableFault: null }),
  invoke: {
    id: 'aenLatch',
    systemId: 'aenLatch',
    src: 'aenLatch',
    input: ({ context }) => ({ aerl: context.aerl, policy: latchPolicy(context.profile) }),
  },
  initial: 'disabled',
  on: {
    'fault.panicked': { target: '.fatal', description: "Fault: an immediate panic (OpenVMM's Panic fault, faults.panic()): the controller goes fatal from any state." },
  },
  states: {
    disabled: {
      description: 'CC.EN = 0, CSTS.RDY = 0. The host programs AQA/ASQ/ACQ, then sets CC.EN (NVMe Base 2.0 §3.5.1).',
      on: {
        'cc.written': [
          { guard: 'isEnableFaultFatal', target: 'fatal', description: 'Fault: the enable ends in CSTS.CFS.' },
          { guard: 'isValidEnable', target: 'enabled', actions: 'storeEnableFault' },
          { guard: 'isInvalidEnable', target: 'fatal', actions: 'reportEnableFault', description: 'Unsupported CC fields or admin queue attributes: CSTS.CFS.' },
        ],
      },
    },
    enabled: {
      description: 'CC.EN = 1: the admin queue exists and the latch is online.',
      entry: ['openQueues', 'notifyLatchEnabled'],
      exit: 'closeQueues',
      invoke: {
        id: 'adminQueue',
        systemId: 'adminQueue',
        src: 'adminQueue',
        input: ({ context, event }) => ({
          profile: context.profile,
          device: context.device.adminQueue,
          sqSize: event.type === 'cc.written' ? adminQueueGeometry(event.aqa, event.asq, event.acq).sqSize : 2,
          cqSize: event.type === 'cc.written' ? adminQueueGeometry(event.aqa, event.asq, event.acq).cqSize : 2,
        }),
        onDone: { target: 'fatal' },
      },
      on: {
        'cc.written': [
          { guard: 'isEnableCleared', target: 'resetting', description: 'CC.EN 1→0 is a controller reset (§3.7.2).' },
        ],
      },
      initial: 'enabling',
      states: {
        enabling: {
          description: 'CC.EN 0→1 accepted; CSTS.RDY follows at once unless an enable fault holds it.',
          always: [
            { guard: 'isEnableStalled', target: 'stalled' },
            { guard: 'isEnableDelayed', target: 'delayingReady' },
            { target: 'ready' },
          ],
        },
        delayingReady: {
          description: 'Fault: CSTS.RDY is set only after the injected delay (OpenVMM PciFaultBehavior::Delay).',
          invoke: { id: 'faultDelay', src: 'faultDelay', input: ({ context }) => ({ ms: context.enableFault?.kind === 'delay' ? context.enableFault.ms : 0 }), onDone: { target: 'ready' } },
        },
        stalled: {
          description: 'Fault: CSTS.RDY never becomes 1; only CC.EN 1→0 leaves this state.',
        },
        ready: {
          tags: ['csts.rdy'],
          description: 'CSTS.RDY = 1: commands are processed.',
          on: { 'cc.written': { guard: 'isShutdownRequested', target: 'shuttingDown' } },
        },
        shuttingDown: {
          tags: ['csts.rdy', 'csts.shst.occurring'],
          description: 'CC.SHN set: CSTS.SHST = 01b while shutdown processing occurs (§3.6).',
          always: { target: 'shutdownComplete' },
        },
        shutdownComplete: {
          tags: ['csts.rdy', 'csts.shst.complete'],
          description: 'CSTS.SHST = 10b. The admin queue keeps running, as on every peer; CC.EN 1→0 then resets.',
          on: { 'cc.written': { guard: 'isShutdownWithdrawn', target: 'ready' } },
        },
      },
    },
    resetting: {
      description: 'Controller reset: queues torn down, parked AERs dropped without completions (§3.7.2).',
      entry: 'notifyLatchReset',
      always: { target: 'disabled' },
    },
    fatal: {
      tags: ['csts.cfs'],
      entry: 'notifyLatchReset',
      description: 'CSTS.CFS = 1: the controller cannot operate until the host clears CC.EN (§3.1.3.6). The latch goes offline: no AEN is posted into a queue that no longer runs, and callers waiting for one are rejected.',
      on: {
        'cc.written': { guard: 'isEnableCleared', target: 'resetting' },
        'fault.panicked': { description: 'Already fatal: a further panic changes nothing.' },
      },
    },
  },
});
