// The emulator facade: composes the controller, admin queue and AEN latch actors with the device layer
// (src/device/controller-device.ts: rings and commands; src/device/mmio.ts: BAR0 wiring) and the namespace-change
// RPC actor (src/faults/namespace-change-rpc.ts), and returns the MMIO/memory surface, the fault handle, a trace
// stream and stop(). Everything runs synchronously inside an MMIO write; only the namespace-change RPC is a promise.
import { createActor, fromPromise, type Actor, type InspectionEvent, type Observer } from 'xstate';
import { controllerMachine } from '../machines/controller.machine.ts';
import { adminQueueMachine } from '../machines/admin-queue.machine.ts';
import type { aenLatchMachine } from '../machines/aen-latch.machine.ts';
import type { LatchEmitted } from '../machines/events.ts';
import { GuestMemory } from './device/guest-memory.ts';
import { RegisterFile } from './device/registers.ts';
import { NamespaceTable, type NamespaceSpec } from './device/namespaces.ts';
import { createControllerDevice } from './device/controller-device.ts';
import { createMmio } from './device/mmio.ts';
import type { CommandEnv, ControllerIdentity } from './logic/admin-commands.ts';
import { Status } from './spec/constants.ts';
import { getProfile, type Profile, type ProfileName } from './profiles/profiles.ts';
import { NamespaceChangeError, type NamespaceChangeReceipt, type NamespaceFaults } from './faults/namespace-change.ts';
import { checkRequest, namespaceChangeLogic } from './faults/namespace-change-rpc.ts';
import type { TraceEvent } from './trace.ts';
import { FaultSet, type CommandMatch, type CompletionBehaviour, type EnableBehaviour, type FaultHandle, type SubmissionBehaviour } from './faults/admin-faults.ts';
import { checkEngine, defaultEngine, logicFor, type EngineName } from './engine/index.ts';
import { createHealthFaults, type HealthFaults } from './faults/health-faults.ts';

export interface ControllerOptions {
  profile?: ProfileName | Profile;
  /** AERL, 0's based (default 3: four AERs may be parked). */
  aerl?: number;
  namespaces?: readonly { nsid: number; blocks?: number; blockSize?: number; attached?: boolean }[];
  /** Guest memory in bytes (default 64 MiB). */
  memorySize?: number;
  cntlid?: number;
  serial?: string;
  /** Identify Controller NN (default: the larger of 1024 and the largest NSID). */
  nn?: number;
  /** A replacement AEN latch (the real one with some implementations swapped through `.provide()`): how the
   * mutation tests break one rule on purpose to prove the generated suite notices. */
  latchMachine?: typeof aenLatchMachine;
  /** Interrupt sink: called with vector 0 each time a completion is written to the admin CQ while INTMS bit 0 is
   * clear (pin-based/MSI single vector; NVMe Base 2.0 §3.1.3.3–4). Completions held while the CQ is full interrupt
   * when they are written. */
  onInterrupt?: (vector: number) => void;
  /** What runs the machines: 'fast' (the table-driven interpreter, src/engine/) or 'xstate' (XState's own, the
   * reference). Default: NVME_ACTORS_ENGINE, else 'fast'. */
  engine?: EngineName;
  /** Told when an `onTrace` listener or the `onInterrupt` callback throws (the controller keeps running). Default:
   * one process warning per kind of listener. */
  onListenerError?: (error: unknown, source: 'onTrace' | 'onInterrupt') => void;
  /** XState inspection hook (for @statelyai/inspect or tests). */
  inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
}

export interface EmulatedController {
  readonly profile: Profile;
  readonly memory: GuestMemory;
  readonly namespaces: NamespaceTable;
  readonly faults: ControllerFaults;
  mmioRead32(offset: number): number;
  mmioRead64(offset: number): bigint;
  mmioWrite32(offset: number, value: number): void;
  mmioWrite64(offset: number, value: bigint): void;
  /** Subscribe to the trace stream; returns an unsubscribe function. */
  onTrace(listener: (event: TraceEvent) => void): () => void;
  /** The controller actor, for inspection and tests. */
  readonly actor: Actor<typeof controllerMachine>;
  stop(): void;
}

/** The fault handle (after OpenVMM's `FaultConfiguration`): see docs/faults.md. */
export interface ControllerFaults {
  /** `faultActive`: admin and enable faults apply only while true (default false); the namespace fault always does. */
  active: boolean;
  readonly admin: {
    submission(match: CommandMatch, behaviour: SubmissionBehaviour): FaultHandle;
    completion(match: CommandMatch, behaviour: CompletionBehaviour): FaultHandle;
  };
  /** The controller-enable fault (replaces any earlier one): applied on the next CC.EN 0→1 while active. */
  enable(behaviour: EnableBehaviour): FaultHandle;
  readonly namespace: NamespaceFaults;
  /** SMART / Health, firmware activation and Error event faults (src/faults/health-faults.ts). */
  readonly health: HealthFaults;
}

export const DEFAULT_MEMORY_SIZE = 64 * 1024 * 1024;

function validateOptions(o: ControllerOptions): void {
  const aerl = o.aerl ?? 3;
  if (!Number.isInteger(aerl) || aerl < 0 || aerl > 255) throw new RangeError(`aerl must be an integer 0..255 (0's based), got ${aerl}`);
  for (const ns of o.namespaces ?? []) {
    if (!Number.isInteger(ns.nsid) || ns.nsid < 1 || ns.nsid > 0xfffffffe) throw new RangeError(`namespace nsid must be 1..FFFFFFFEh, got ${ns.nsid}`);
    const bs = ns.blockSize ?? 512;
    if (!Number.isInteger(bs) || bs < 512 || (bs & (bs - 1)) !== 0) throw new RangeError(`namespace ${ns.nsid}: blockSize must be a power of two ≥ 512, got ${bs}`);
  }
}

const delayActor = fromPromise<void, { ms: number }>(({ input, signal }) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, input.ms);
    signal.addEventListener('abort', () => clearTimeout(timer));
  }),
);

/** The machines with their timers provided, once for every controller: the device reaches the actions as a port in
 * the actors' input (machines/events.ts ControllerPort), so nothing here is per controller (building a machine costs
 * ~0.5 ms, which a provide per createController would spend on every controller: bench, conformance pack). */
const providedController = controllerMachine.provide({
  actors: { adminQueue: adminQueueMachine.provide({ actors: { faultDelay: delayActor } }), faultDelay: delayActor },
});

export function createController(options: ControllerOptions = {}): EmulatedController {
  validateOptions(options);
  const profile = typeof options.profile === 'object' ? options.profile : getProfile(options.profile ?? 'spec');
  const aerl = options.aerl ?? 3;
  const memory = new GuestMemory(options.memorySize ?? DEFAULT_MEMORY_SIZE);
  const registers = new RegisterFile();
  const specs: NamespaceSpec[] = (options.namespaces ?? [{ nsid: 1 }]).map((n) => ({
    nsid: n.nsid, blocks: n.blocks ?? 2048, blockSize: n.blockSize ?? 512, attached: n.attached ?? true,
  }));
  const namespaces = new NamespaceTable(specs);
  const identity: ControllerIdentity = {
    cntlid: options.cntlid ?? 1,
    serial: options.serial ?? 'NVMEACTORS0001',
    model: 'nvme-actors emulated controller',
    firmware: '0.1.0',
    aerl,
    nn: options.nn ?? Math.max(1024, namespaces.maxNsid),
  };
  const env: CommandEnv = { profile, identity, namespaces };
  const listeners = new Set<(event: TraceEvent) => void>();
  /** A listener's exception is the caller's bug, not the controller's: it is isolated (the controller keeps
   * running: an exception inside an action would put the actor in status 'error' and XState would rethrow it from a
   * timer) and reported, to `onListenerError` or else as one process warning per kind of listener. */
  const warned = new Set<string>();
  const listenerFailed = (source: 'onTrace' | 'onInterrupt', error: unknown): void => {
    if (options.onListenerError) {
      try {
        options.onListenerError(error, source);
      } catch {
        // the reporter itself failed: nothing more can be done without endangering the controller
      }
      return;
    }
    if (warned.has(source)) return;
    warned.add(source);
    const message = (error instanceof Error ? error.message : String(error)).replace(/[\r\n]+/g, ' ').slice(0, 200);
    process.emitWarning(`an ${source} listener threw (${message}); the controller keeps running (later failures of ${source} listeners are not reported)`, 'NvmeActorsListenerWarning');
  };
  const trace = (event: TraceEvent): void => {
    for (const l of listeners) {
      try {
        l(event);
      } catch (e) {
        listenerFailed('onTrace', e);
      }
    }
  };
  const interrupt = (): void => {
    if ((registers.intms & 1) !== 0 || !options.onInterrupt) return;
    try {
      options.onInterrupt(0);
    } catch (e) {
      listenerFailed('onInterrupt', e);
    }
  };
  const faultSet = new FaultSet();
  let stopped = false;

  const device = createControllerDevice({
    memory,
    namespaces,
    env,
    faults: faultSet,
    trace,
    tracing: () => listeners.size > 0,
    interrupt,
    failAdminQueue: () => actor.system.get('adminQueue')?.send({ type: 'completion.unwritable' }),
    recordError: (record) => actor.system.get('aenLatch')?.send({ type: 'command.failed', record }),
    isStopped: () => stopped,
  });
  const machine = options.latchMachine ? providedController.provide({ actors: { aenLatch: options.latchMachine } }) : providedController;
  const engine = options.engine === undefined ? defaultEngine() : checkEngine(options.engine);
  const actor = createActor(logicFor(machine, engine), { input: { profile, aerl, device }, inspect: options.inspect });
  actor.start();
  const latch = actor.system.get('aenLatch') as { on(type: '*', h: (e: LatchEmitted) => void): { unsubscribe(): void } };
  const mmio = createMmio({ registers, faults: faultSet, trace, controller: actor, enabled: () => device.enabled });
  latch.on('*', (e) => {
    if (e.type === 'firmware.activated') mmio.resumeProcessing();
    if (listeners.size > 0) trace(e);
  });

  /** The namespace-change RPC (docs/semantics.md §2 namespaceChange): one long-lived actor answers every request's promise
   * from the latch's emitted facts (src/faults/namespace-change-rpc.ts). A root actor beside the controller, not its
   * child: the controller's chart is the NVMe lifecycle, and the RPC's events are not NVMe events. */
  const rpc = createActor(namespaceChangeLogic, { id: 'namespaceChange', input: { latch: actor.system.get('aenLatch'), noticePerNewNsid: profile.noticePerNewNsid }, inspect: options.inspect });
  rpc.start();
  /** One request to the RPC actor for the whole batch: every NSID is checked first, and gets its own receipt. */
  const request = (rawNsids: unknown, opts: unknown): Promise<NamespaceChangeReceipt[]> => {
    if (stopped) return Promise.reject(new NamespaceChangeError('stopped', 'the controller has been stopped'));
    const checked = checkRequest(rawNsids, opts);
    if (checked instanceof NamespaceChangeError) return Promise.reject(checked);
    const { nsids, until } = checked;
    return new Promise<NamespaceChangeReceipt[]>((resolve, reject) => rpc.send({ type: 'namespace.change.requested', nsids, until, reply: { resolve, reject } }));
  };

  const faults: ControllerFaults = {
    get active() {
      return faultSet.active;
    },
    set active(on: boolean) {
      faultSet.active = Boolean(on);
    },
    admin: {
      submission: (match, behaviour) => faultSet.addSubmission(match, behaviour),
      completion: (match, behaviour) => faultSet.addCompletion(match, behaviour),
    },
    enable: (behaviour) => faultSet.setEnable(behaviour),
    health: createHealthFaults({ latch: () => actor.system.get('aenLatch') as never, isStopped: () => stopped }),
    namespace: {
      notifyChange(nsid, opts) {
        return request([nsid], opts).then((receipts) => receipts[0]!);
      },
      notifyChanges(nsids, opts) {
        return request(nsids, opts);
      },
    },
  };

  return {
    profile,
    memory,
    namespaces,
    faults,
    actor,
    mmioRead32: mmio.read32,
    mmioRead64: mmio.read64,
    mmioWrite32: mmio.write32,
    mmioWrite64: mmio.write64,
    onTrace(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stop() {
      if (stopped) return;
      stopped = true;
      rpc.stop(); // rejects every caller still waiting with 'stopped'
      actor.stop();
    },
  };
}

export { Status };
