// The emulator facade: composes the controller, admin queue and AEN latch actors with the device layer
// (src/device/controller-device.ts: rings and commands; src/device/mmio.ts: BAR0 wiring) and the namespace-change
// RPC actor (src/faults/namespace-change-rpc.ts), and returns the MMIO/memory surface, the fault handle, a trace
// stream and stop(). Everything runs synchronously inside an MMIO write; only the namespace-change RPC is a promise.
import { createActor, fromPromise, type Actor, type InspectionEvent, type Observer } from 'xstate';
import { controllerMachine } from '../machines/controller.machine.ts';
import { adminQueueMachine } from '../machines/admin-queue.machine.ts';
import { ioQueueMachine } from '../machines/io-queue.machine.ts';
import type { aenLatchMachine } from '../machines/aen-latch.machine.ts';
import type { LatchEmitted } from '../machines/events.ts';
import { GuestMemory } from './device/guest-memory.ts';
import { RegisterFile } from './device/registers.ts';
import { NamespaceTable, type NamespaceSpec } from './device/namespaces.ts';
import { createControllerDevice } from './device/controller-device.ts';
import { createMmio } from './device/mmio.ts';
import { BlockStores, type BlockSeed } from './device/block-store.ts';
import type { IoEnv } from './logic/io-commands.ts';
import type { CommandEnv, ControllerIdentity } from './logic/admin-commands.ts';
import { Status } from './spec/constants.ts';
import { getProfile, type Profile, type ProfileName } from './profiles/profiles.ts';
import { NamespaceChangeError, type NamespaceChangeReceipt, type NamespaceFaults } from './faults/namespace-change.ts';
import { checkRequest, namespaceChangeLogic, type AenCompletion } from './faults/namespace-change-rpc.ts';
import type { TraceEvent } from './trace.ts';
import { FaultConfigError, FaultSet, panicMessage, type CommandMatch, type CompletionBehaviour, type EnableBehaviour, type FaultHandle, type SubmissionBehaviour } from './faults/admin-faults.ts';
import { checkEngine, defaultEngine, logicFor, type EngineName } from './engine/index.ts';

export interface ControllerOptions {
  profile?: ProfileName | Profile;
  /** AERL, 0's based (default 3: four AERs may be parked). */
  aerl?: number;
  namespaces?: readonly { nsid: number; blocks?: number; blockSize?: number; attached?: boolean; /** What never-written blocks read as (default zeros). */ seed?: BlockSeed }[];
  /** Guest memory in bytes (default 64 MiB). */
  memorySize?: number;
  cntlid?: number;
  serial?: string;
  /** Identify Controller NN (default: the larger of 1024 and the largest NSID). */
  nn?: number;
  /** Maximum Queue Entries Supported, 1-based as OpenVMM's `PciFaultConfig::max_queue_size`: CAP.MQES reports it
   * minus one, and an enable whose AQA describes a larger admin queue fails (CSTS.CFS). 2..65536, default 4096. */
  maxQueueEntries?: number;
  /** PCI IDs (OpenVMM's `HardwareConfigFaultConfig` vendor_id/device_id): PCI configuration space (`pciConfigRead32`)
   * and Identify Controller VID (vendorId) and SSVID (subsystemVendorId). Each 0..FFFFh, default FFFFh. */
  pci?: { vendorId?: number; deviceId?: number; subsystemVendorId?: number; subsystemId?: number };
  /** `openvmm-test` only, opt-in: nvme_test's single RPC reply slot (`AdminState::confirm_namespace_change_fault`,
   * nvme_test/src/workers/admin.rs next_event): a new namespace change rejects the caller still waiting with
   * `replaced`, and every change is answered by the next AEN posted. */
  singleReplySlot?: boolean;
  /** `openvmm-test` only, opt-in: reproduce nvme_test's panic on namespace removal while enabled (the notifier task
   * removed twice, `AdminState::remove_namespace`): `faults.namespace.remove()` then panics the controller. */
  removeNamespacePanics?: boolean;
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

/** The PCI IDs a controller reports (ControllerOptions.pci, defaults filled in). */
export interface PciIds {
  readonly vendorId: number;
  readonly deviceId: number;
  readonly subsystemVendorId: number;
  readonly subsystemId: number;
}

/** The PCI function around the controller, as far as it is emulated. */
export interface PciConfigSpace {
  readonly pci: PciIds;
  /** A dword of the PCI configuration space header (type 0): 00h device/vendor ID, 08h class code 010802h (NVM
   * Express), 2Ch subsystem/subsystem vendor ID; every other offset reads 0 (no capabilities are emulated). */
  pciConfigRead32(offset: number): number;
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

/** The emulator's media and I/O surface (what createController returns beside EmulatedController). */
export interface ControllerIo {
  /** The namespaces' data (sparse, in memory), which Read and Write reach on every queue and transport. */
  readonly blocks: BlockStores;
  /** What I/O commands are checked against: NN, the namespaces, the profile (src/logic/io-commands.ts). */
  readonly ioEnv: IoEnv;
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
  /** Panic now (OpenVMM's `Panic` fault, not gated by `active`): the controller goes fatal (CSTS.CFS), outstanding
   * commands never complete, and only a controller reset (CC.EN 1→0) recovers. */
  panic(message?: string): void;
  readonly namespace: NamespaceFaults;
}

export const DEFAULT_MEMORY_SIZE = 64 * 1024 * 1024;

function validateOptions(o: ControllerOptions): void {
  const aerl = o.aerl ?? 3;
  if (!Number.isInteger(aerl) || aerl < 0 || aerl > 255) throw new RangeError(`aerl must be an integer 0..255 (0's based), got ${aerl}`);
  if (o.maxQueueEntries !== undefined && (typeof o.maxQueueEntries !== 'number' || !Number.isInteger(o.maxQueueEntries) || o.maxQueueEntries < 2 || o.maxQueueEntries > 65536)) {
    throw new RangeError(`maxQueueEntries must be an integer 2..65536 (1-based: CAP.MQES reports it minus one), got ${String(o.maxQueueEntries).slice(0, 40)}`);
  }
  if (o.pci !== undefined) {
    if (typeof o.pci !== 'object' || o.pci === null) throw new RangeError('pci must be an object of vendorId, deviceId, subsystemVendorId, subsystemId');
    for (const [key, value] of Object.entries(o.pci)) {
      if (!['vendorId', 'deviceId', 'subsystemVendorId', 'subsystemId'].includes(key)) throw new RangeError(`pci.${key.slice(0, 40)} is not a PCI ID (vendorId, deviceId, subsystemVendorId, subsystemId)`);
      if (value !== undefined && (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffff)) throw new RangeError(`pci.${key} must be an integer 0..FFFFh, got ${String(value).slice(0, 40)}`);
    }
  }
  for (const key of ['singleReplySlot', 'removeNamespacePanics'] as const) {
    const v = o[key];
    if (v === undefined) continue;
    if (typeof v !== 'boolean') throw new RangeError(`${key} must be true or false, got ${String(v).slice(0, 40)}`);
    const name = typeof o.profile === 'object' ? o.profile.name : (o.profile ?? 'spec');
    if (v && name !== 'openvmm-test') throw new RangeError(`${key} emulates OpenVMM's nvme_test: it needs profile 'openvmm-test', not '${String(name).slice(0, 40)}'`);
  }
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

export function createController(options: ControllerOptions = {}): EmulatedController & ControllerIo & PciConfigSpace {
  validateOptions(options);
  const profile = typeof options.profile === 'object' ? options.profile : getProfile(options.profile ?? 'spec');
  const aerl = options.aerl ?? 3;
  const memory = new GuestMemory(options.memorySize ?? DEFAULT_MEMORY_SIZE);
  const registers = new RegisterFile((options.maxQueueEntries ?? 4096) - 1);
  const pci: PciIds = {
    vendorId: options.pci?.vendorId ?? 0xffff,
    deviceId: options.pci?.deviceId ?? 0xffff,
    subsystemVendorId: options.pci?.subsystemVendorId ?? 0xffff,
    subsystemId: options.pci?.subsystemId ?? 0xffff,
  };
  const specs: NamespaceSpec[] = (options.namespaces ?? [{ nsid: 1 }]).map((n) => ({
    nsid: n.nsid, blocks: n.blocks ?? 2048, blockSize: n.blockSize ?? 512, attached: n.attached ?? true,
  }));
  const namespaces = new NamespaceTable(specs);
  const blocks = new BlockStores((options.namespaces ?? [{ nsid: 1 }]).map((n) => ({ nsid: n.nsid, blocks: n.blocks ?? 2048, blockSize: n.blockSize ?? 512, seed: n.seed })));
  const identity: ControllerIdentity = {
    cntlid: options.cntlid ?? 1,
    serial: options.serial ?? 'NVMEACTORS0001',
    model: 'nvme-actors emulated controller',
    firmware: '0.1.0',
    aerl,
    nn: options.nn ?? Math.max(1024, namespaces.maxNsid),
    vid: pci.vendorId,
    ssvid: pci.subsystemVendorId,
  };
  const env: CommandEnv = { profile, identity, namespaces };
  const ioEnv: IoEnv = { profile, nn: identity.nn, namespaces };
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
  const engine = options.engine === undefined ? defaultEngine() : checkEngine(options.engine);
  let stopped = false;
  let rpcReady: { send(e: AenCompletion): void } | undefined;

  const device = createControllerDevice({
    memory,
    namespaces,
    env,
    faults: faultSet,
    trace,
    tracing: () => listeners.size > 0,
    interrupt,
    failAdminQueue: () => actor.system.get('adminQueue')?.send({ type: 'completion.unwritable' }),
    panicAdminQueue: (message) => actor.system.get('adminQueue')?.send({ type: 'fault.panicked', message }),
    // OpenVMM (aenDropUnlatches): the RPC hears whether each AEN was written, and a dropped one leaves the latch
    // unset (the latch tries the next parked AER).
    ...(profile.aenDropUnlatches
      ? {
          onAenCompletion: (cid: number, dw0: number, written: boolean) => {
            rpcReady?.send({ type: 'aen.completion', cid, dw0, written });
            if (!written) actor.system.get('aenLatch')?.send({ type: 'aen.dropped', cid, dw0 });
          },
        }
      : {}),
    isStopped: () => stopped,
    blocks,
    ioEnv,
    startIoQueue: (input) => {
      const q = createActor(logicFor(ioQueueMachine, engine), { input, inspect: options.inspect });
      q.start();
      return q;
    },
    raiseError: (info) => actor.system.get('aenLatch')?.send({ type: 'doorbell.invalid', info }),
  });
  const machine = options.latchMachine ? providedController.provide({ actors: { aenLatch: options.latchMachine } }) : providedController;
  const actor = createActor(logicFor(machine, engine), { input: { profile, aerl, device }, inspect: options.inspect });
  actor.start();
  const latch = actor.system.get('aenLatch') as { on(type: '*', h: (e: LatchEmitted) => void): { unsubscribe(): void } };
  latch.on('*', (e) => {
    if (listeners.size > 0) trace(e);
  });
  const mmio = createMmio({ registers, faults: faultSet, trace, controller: actor, enabled: () => device.enabled, ioDoorbell: (qid, queue, value) => device.ioDoorbell(qid, queue, value) });

  /** The namespace-change RPC (docs/semantics.md §2 namespaceChange): one long-lived actor answers every request's promise
   * from the latch's emitted facts (src/faults/namespace-change-rpc.ts). A root actor beside the controller, not its
   * child: the controller's chart is the NVMe lifecycle, and the RPC's events are not NVMe events. */
  const rpcStats = { waiting: 0 };
  const rpc = createActor(namespaceChangeLogic, {
    id: 'namespaceChange',
    input: { latch: actor.system.get('aenLatch'), noticePerNewNsid: profile.noticePerNewNsid, confirmAenWrites: profile.aenDropUnlatches, singleReplySlot: options.singleReplySlot === true, stats: rpcStats },
    inspect: options.inspect,
  });
  rpc.start();
  rpcReady = rpc;
  /** One request to the RPC actor for the whole batch: every NSID is checked first, and gets its own receipt. A
   * caller's signal or timeout cancels it in the RPC actor (nothing of it is kept), then rejects it. */
  const request = (rawNsids: unknown, opts: unknown): Promise<NamespaceChangeReceipt[]> => {
    if (stopped) return Promise.reject(new NamespaceChangeError('stopped', 'the controller has been stopped'));
    const checked = checkRequest(rawNsids, opts);
    if (checked instanceof NamespaceChangeError) return Promise.reject(checked);
    const { nsids, until, signal, timeoutMs } = checked;
    if (signal?.aborted) return Promise.reject(new NamespaceChangeError('aborted', `namespace ${nsids[0]} change: the caller's signal had already aborted`));
    return new Promise<NamespaceChangeReceipt[]>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const reply = {
        resolve: (r: NamespaceChangeReceipt[]) => (done(), resolve(r)),
        reject: (e: NamespaceChangeError) => (done(), reject(e)),
      };
      const cancel = (error: NamespaceChangeError): void => {
        if (stopped) return;
        rpc.send({ type: 'namespace.change.cancelled', reply, error });
      };
      const onAbort = (): void => cancel(new NamespaceChangeError('aborted', `namespace ${nsids[0]} change: the caller gave up (signal aborted)`));
      signal?.addEventListener('abort', onAbort, { once: true });
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => cancel(new NamespaceChangeError('timeout', `namespace ${nsids[0]} change: no answer within ${timeoutMs} ms`)), timeoutMs);
        timer.unref?.();
      }
      rpc.send({ type: 'namespace.change.requested', nsids, until, reply });
    });
  };
  /** Hot-remove (OpenVMM `NvmeFaultControllerClient::remove_namespace`): detach, then report the change; with
   * `removeNamespacePanics` on an enabled controller, nvme_test's double `poll_namespace_change.remove(&nsid).unwrap()`
   * in `AdminState::remove_namespace` (nvme_test/src/workers/admin.rs) is reproduced as a panic. */
  const removeNamespace = (nsid: unknown, opts: unknown): Promise<NamespaceChangeReceipt> => {
    if (stopped) return Promise.reject(new NamespaceChangeError('stopped', 'the controller has been stopped'));
    const checked = checkRequest([nsid], opts);
    if (checked instanceof NamespaceChangeError) return Promise.reject(checked);
    const id = checked.nsids[0]!;
    const ns = namespaces.get(id);
    if (!ns || !ns.attached) return Promise.reject(new NamespaceChangeError('invalidNsid', `namespace ${id} cannot be removed: it is not ${ns ? 'attached' : 'declared'}`));
    namespaces.setAttached(id, false);
    trace({ type: 'namespace.attachment', nsid: id, attached: false });
    if (options.removeNamespacePanics && device.enabled) {
      faults.panic('remove_namespace: the namespace notifier task was removed twice (nvme_test AdminState::remove_namespace)');
      return Promise.reject(new NamespaceChangeError('panicked', `namespace ${id} removal: the controller panicked (nvme_test's double notifier removal, reproduced on request)`));
    }
    return request([id], opts).then((receipts) => receipts[0]!);
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
    panic(message) {
      if (stopped) return;
      if (message !== undefined && typeof message !== 'string') throw new FaultConfigError('a panic message must be a string');
      const text = panicMessage(message);
      device.panic(text);
      actor.send({ type: 'fault.panicked', message: text });
    },
    namespace: {
      notifyChange(nsid, opts) {
        return request([nsid], opts).then((receipts) => receipts[0]!);
      },
      notifyChanges(nsids, opts) {
        return request(nsids, opts);
      },
      remove(nsid, opts) {
        return removeNamespace(nsid, opts);
      },
      get waiting() {
        return rpcStats.waiting;
      },
    },
  };

  return {
    profile,
    pci,
    pciConfigRead32(offset) {
      switch (offset) {
        case 0x00: return ((pci.deviceId << 16) | pci.vendorId) >>> 0;
        case 0x08: return 0x01080200; // class 01h mass storage, subclass 08h NVM, prog-if 02h NVM Express; revision 0
        case 0x2c: return ((pci.subsystemId << 16) | pci.subsystemVendorId) >>> 0;
        default: return 0;
      }
    },
    memory,
    namespaces,
    blocks,
    ioEnv,
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
