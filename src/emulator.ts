// The emulator facade: wires the controller, admin queue and AEN latch actors to the device layer (BAR0 registers,
// guest memory, rings, namespaces) and returns the MMIO/memory surface, the fault handle, a trace stream and stop().
// Everything runs synchronously inside an MMIO write; only the namespace-change RPC is a promise.
import { createActor, enqueueActions, fromPromise, type Actor, type InspectionEvent, type Observer } from 'xstate';
import { controllerMachine } from '../machines/controller.machine.ts';
import { adminQueueMachine } from '../machines/admin-queue.machine.ts';
import type { aenLatchMachine } from '../machines/aen-latch.machine.ts';
import { GuestMemory } from './device/guest-memory.ts';
import { CompletionRing, SubmissionRing, type Completion } from './device/queues.ts';
import { RegisterFile } from './device/registers.ts';
import { NamespaceTable, type NamespaceSpec } from './device/namespaces.ts';
import { resolvePrps, writeSegments, readSegments } from './device/prp.ts';
import { adminQueueGeometry } from './logic/controller.ts';
import { dataLength, decideAttachment, executeLocalCommand, routeCommand, type CommandEnv, type ControllerIdentity } from './logic/admin-commands.ts';
import { AsyncEventInfo, Csts, Register, Status } from './spec/constants.ts';
import { decodeControllerList } from './spec/namespace-list.codec.ts';
import { getProfile, type Profile, type ProfileName } from './profiles/profiles.ts';
import { NamespaceChangeError, type NamespaceChangeReceipt, type NamespaceFaults, type NotifyChangeOptions } from './faults/namespace-change.ts';
import { namespaceChangeLogic } from './faults/namespace-change-rpc.ts';
import type { TraceEvent } from './trace.ts';
import { FaultSet, type CommandMatch, type CompletionBehaviour, type EnableBehaviour, type FaultHandle, type SubmissionBehaviour } from './faults/admin-faults.ts';
import type { AerReceived, CcWritten, CommandFetched, LatchEmitted } from '../machines/events.ts';
import type { Segment } from './device/prp.ts';
import { decodeSqe, encodeSqe, type Sqe } from './spec/sqe.codec.ts';
import { namespaceChanged } from './logic/messages.ts';
import { checkEngine, defaultEngine, logicFor, type EngineName } from './engine/index.ts';

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
  /** Told when an `onTrace` listener or the `onInterrupt` callback throws (the controller keeps running). Default:
   * one process warning per kind of listener. */
  onListenerError?: (error: unknown, source: 'onTrace' | 'onInterrupt') => void;
  /** What runs the machines: 'fast' (the table-driven interpreter, src/engine/) or 'xstate' (XState's own, the
   * reference). Default: NVME_ACTORS_ENGINE, else 'fast'. */
  engine?: EngineName;
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
}

interface InFlight {
  readonly bytes: Uint8Array;
  readonly segments: readonly Segment[];
}
const NO_DATA = { ok: true as const, segments: [] as readonly Segment[] };

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

/** The device state one controller's provided actions act on. The machines are provided once, here, and each
 * action finds its controller's device through the actor system it runs in (one system per controller): building
 * a machine costs ~0.5 ms, which was spent on every createController (bench: conformance pack). */
interface Device {
  fetchAt(head: number): Fetched | { type: 'command.unreadable' };
  /** Hold a fetched command (a copy of its bytes) until it completes: completion faults match on it. */
  keep(f: Fetched): void;
  take(cid: number): InFlight | undefined;
  execute(sqe: Sqe, segments: readonly Segment[], sqhd: number, bytes: Uint8Array | undefined): void;
  post(c: Completion): void;
  trace(e: TraceEvent): void;
  readData(segments: readonly Segment[], length: number): Uint8Array;
  writeData(segments: readonly Segment[], data: Uint8Array): void;
  decideAttachment(sqe: Sqe, controllers: readonly number[]): ReturnType<typeof decideAttachment>;
  setAttached(nsid: number, attached: boolean): void;
  openQueues(event: CcWritten): void;
  closeQueues(): void;
  /** The completion queue could not be written (it lies outside guest memory). */
  cqFailed(): boolean;
}
type Fetched = CommandFetched & { bytes: Uint8Array };

const devices = new WeakMap<object, Device>();
function deviceOf(system: object): Device {
  const d = devices.get(system);
  if (!d) throw new Error('internal: an emulator action ran outside a controller created by createController');
  return d;
}

const delayActor = fromPromise<void, { ms: number }>(({ input, signal }) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, input.ms);
    signal.addEventListener('abort', () => clearTimeout(timer));
  }),
);

const providedAdminQueue = adminQueueMachine.provide({
  actors: { faultDelay: delayActor },
  actions: {
    fetchCommand: enqueueActions(({ context, event, enqueue, system }) => {
      // Local commands (answered by the pure handlers, data pointer resolved, no fault) complete here, in
      // submission order, and AERs are handed to the latch; head moves past them in one assignment: no event per
      // command. The first command that needs the chart is raised as `command.fetched` and fetching stops there.
      const d = deviceOf(system);
      const tail = event.type === 'sq.tail.written' ? event.value : context.sqTail;
      let head = context.sqHead;
      while (head !== tail) {
        const fetched = d.fetchAt(head);
        const route = fetched.type === 'command.fetched' && !fetched.fault && !fetched.prpStatus ? routeCommand(fetched.sqe, context.profile) : 'chart';
        if (route === 'local' || route === 'aer') {
          head = (head + 1) % context.sqSize;
          const f = fetched as Fetched;
          if (route === 'local') {
            d.execute(f.sqe, f.segments, head, f.bytes);
            if (d.cqFailed()) break; // the admin queue fails (completion.unwritable): fetch no more
          }
          else {
            // An AER never holds the queue: it goes to the latch, which parks it (§5.2), and fetching goes on.
            d.keep(f);
            const aer: AerReceived = { type: 'aer.received', cid: f.sqe.cid };
            enqueue.sendTo(({ system: s }) => s.get('aenLatch'), aer);
          }
          continue;
        }
        if (fetched.type === 'command.fetched') d.keep(fetched);
        enqueue.raise(fetched.type === 'command.fetched' ? { type: 'command.fetched', sqe: fetched.sqe, segments: fetched.segments, prpStatus: fetched.prpStatus, fault: fetched.fault } : fetched);
        break;
      }
      if (head !== context.sqHead || tail !== context.sqTail) enqueue.assign({ sqHead: head, sqTail: tail });
    }),
    reportDroppedCommand: ({ event, system }) => {
      if (event.type !== 'command.fetched') return;
      const d = deviceOf(system);
      d.take(event.sqe.cid);
      d.trace({ type: 'command.dropped', cid: event.sqe.cid, opcode: event.sqe.opcode });
    },
    executeCommand: ({ context, event, system }) => {
      if (event.type !== 'command.fetched') return;
      const d = deviceOf(system);
      d.execute(event.sqe, event.segments, context.sqHead, d.take(event.sqe.cid)?.bytes);
    },
    completeWithTransferError: ({ context, event, system }) => {
      if (event.type !== 'command.fetched' || !event.prpStatus) return;
      deviceOf(system).post({ cid: event.sqe.cid, sqid: 0, sqhd: context.sqHead, status: event.prpStatus, dw0: 0 });
    },
    applyNamespaceAttachment: enqueueActions(({ event, enqueue, system }) => {
      if (event.type !== 'command.fetched') return;
      const d = deviceOf(system);
      const decision = d.decideAttachment(event.sqe, decodeControllerList(d.readData(event.segments, 4096)));
      if (decision.kind === 'fail') {
        enqueue.raise({ type: 'latch.replied', status: decision.answer.status, dw0: 0 });
        return;
      }
      d.setAttached(decision.nsid, decision.attach);
      d.trace({ type: 'namespace.attachment', nsid: decision.nsid, attached: decision.attach });
      enqueue.sendTo(({ system: s }) => s.get('aenLatch'), namespaceChanged(decision.nsid, { fromCommand: true }));
    }),
    completeLatchCommand: ({ context, event, system }) => {
      if (event.type !== 'latch.replied' || !context.current) return;
      const d = deviceOf(system);
      if (event.data) d.writeData(context.current.segments, event.data);
      d.post({ cid: context.current.cid, sqid: 0, sqhd: context.sqHead, status: event.status, dw0: event.dw0 });
    },
    postCompletion: ({ context, event, system }) => {
      if (event.type !== 'completion.requested') return;
      deviceOf(system).post({ cid: event.cid, sqid: 0, sqhd: context.sqHead, status: event.status, dw0: event.dw0 });
    },
    reportInvalidDoorbell: ({ context, event, system }) => {
      if (event.type !== 'sq.tail.written') return;
      deviceOf(system).trace({ type: 'doorbell.invalid', offset: Register.SQ0TDBL, value: event.value, reason: `SQ tail ${event.value} is outside a queue of ${context.sqSize}` });
    },
  },
});

const providedController = controllerMachine.provide({
  actors: { adminQueue: providedAdminQueue, faultDelay: delayActor },
  actions: {
    openQueues: ({ event, system }) => {
      if (event.type === 'cc.written') deviceOf(system).openQueues(event);
    },
    closeQueues: ({ system }) => deviceOf(system).closeQueues(),
    reportEnableFault: ({ event, system }) => {
      if (event.type === 'cc.written') deviceOf(system).trace({ type: 'controller.enableFailed', reason: enableFaultReason(event) });
    },
  },
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

  let rings: { sq: SubmissionRing; cq: CompletionRing } | null = null;
  const interrupt = (): void => {
    if ((registers.intms & 1) !== 0 || !options.onInterrupt) return;
    try {
      options.onInterrupt(0);
    } catch (e) {
      listenerFailed('onInterrupt', e);
    }
  };
  const faultSet = new FaultSet();
  /** Commands fetched and not yet completed, by CID: what completion faults match on and write to. */
  const inFlight = new Map<number, InFlight>();
  let generation = 0; // bumped by every reset: a delayed completion of an older generation is never posted

  const write = (c: Completion): void => {
    if (!rings) return;
    const result = rings.cq.post(c);
    if (result === 'unwritable') return cqUnwritable(c.cid);
    if (listeners.size === 0) return;
    if (result === 'refused') trace({ type: 'completion.refused', cid: c.cid, reason: 'completion queue full and hold limit reached' });
    else trace({ type: 'completion.posted', cid: c.cid, sqid: c.sqid, sqhd: c.sqhd, status: c.status, dw0: c.dw0 });
  };
  /** A completion queue entry outside guest memory: the completion is written nowhere (the trace says so, never
   * `completion.posted`), and the admin queue fails as it does when the SQ cannot be read: CSTS.CFS (as QEMU's
   * nvme_post_cqes sets CFS on a failed CQE write). */
  let cqFailureReported = false;
  const cqUnwritable = (cid: number): void => {
    trace({ type: 'completion.refused', cid, reason: 'completion queue entry outside guest memory' });
    if (cqFailureReported) return;
    cqFailureReported = true;
    actor.system.get('adminQueue')?.send({ type: 'completion.unwritable' });
  };
  /** Post a completion, through any completion fault matching the command it answers. */
  const complete = (c: Completion, command: InFlight | undefined): void => {
    const fault = command ? faultSet.findCompletion(command.bytes) : undefined;
    if (!fault) return write(c);
    fault.fire();
    const b = fault.behaviour;
    trace({ type: 'fault.fired', side: 'completion', kind: b.kind, cid: c.cid });
    switch (b.kind) {
      case 'verify':
        return write(c);
      case 'drop':
        return;
      case 'update':
        return write({ ...c, ...b.completion });
      case 'customPayload':
        writeSegments(memory, command!.segments, b.data);
        return write(c);
      case 'delay': {
        const at = generation;
        setTimeout(() => {
          if (at === generation && !stopped) write(c);
        }, b.ms).unref?.();
        return;
      }
    }
  };
  /** Post the completion of a command handed to the chart (held in `inFlight` since it was fetched). */
  /** Take a command out of `inFlight` (it is being completed or dropped). */
  const take = (cid: number): InFlight | undefined => {
    const command = inFlight.get(cid);
    inFlight.delete(cid);
    return command;
  };
  const post = (c: Completion): void => complete(c, take(c.cid));
  /** Answer a local command through the pure handlers: data to its PRPs, then the completion with SQHD `sqhd`. */
  const execute = (sqe: Sqe, segments: readonly Segment[], sqhd: number, bytes: Uint8Array | undefined): void => {
    const answer = executeLocalCommand(sqe, env);
    if (answer.data && answer.status.sct === 0 && answer.status.sc === 0) writeSegments(memory, segments, answer.data);
    complete({ cid: sqe.cid, sqid: 0, sqhd, status: answer.status, dw0: answer.dw0 }, bytes ? { bytes, segments } : undefined);
  };
  /** Read and decode the SQE at `head`, apply any submission fault, resolve its data pointer. `bytes` is a view
   * of the ring's scratch entry: copy it to keep it. */
  const fetchAt = (head: number): (CommandFetched & { bytes: Uint8Array }) | { type: 'command.unreadable' } => {
    const fetched = rings?.sq.fetch(head);
    if (!fetched) return { type: 'command.unreadable' };
    let bytes = fetched;
    const fault = faultSet.findSubmission(bytes);
    let injected: CommandFetched['fault'] = null;
    if (fault) {
      fault.fire();
      const b = fault.behaviour;
      trace({ type: 'fault.fired', side: 'submission', kind: b.kind, cid: decodeSqe(bytes).cid });
      if (b.kind === 'update') bytes = encodeSqe({ ...decodeSqe(bytes), ...b.command });
      else if (b.kind === 'drop') injected = { kind: 'drop' };
      else if (b.kind === 'delay') injected = { kind: 'delay', ms: b.ms };
    }
    const sqe = decodeSqe(bytes);
    const length = dataLength(sqe);
    const r = length > 0 ? resolvePrps(memory, sqe.prp1, sqe.prp2, length) : NO_DATA;
    if (listeners.size > 0) trace({ type: 'command.fetched', cid: sqe.cid, opcode: sqe.opcode, sqhd: head });
    return { type: 'command.fetched', sqe, segments: r.ok ? r.segments : [], prpStatus: r.ok ? null : r.status, fault: injected, bytes };
  };
  const onLatchEmit = (e: LatchEmitted): void => {
    if (listeners.size > 0) trace(e);
  };

  // What the machines' provided actions do to this controller's device state (see `deviceOf`).
  const device: Device = {
    fetchAt,
    keep: (f) => void inFlight.set(f.sqe.cid, { bytes: f.bytes.slice(), segments: f.segments }),
    take,
    execute,
    post,
    trace: (e) => {
      if (listeners.size > 0) trace(e);
    },
    readData: (segments, length) => readSegments(memory, segments, length),
    writeData: (segments, data) => writeSegments(memory, segments, data),
    decideAttachment: (sqe, controllers) => decideAttachment(sqe, controllers, env),
    setAttached: (nsid, attached) => namespaces.setAttached(nsid, attached),
    openQueues: (event) => {
      const g = adminQueueGeometry(event.aqa, event.asq, event.acq);
      rings = { sq: new SubmissionRing(memory, g.sqBase, g.sqSize), cq: new CompletionRing(memory, g.cqBase, g.cqSize, undefined, interrupt) };
      cqFailureReported = false;
      trace({ type: 'controller.enabled', sqSize: g.sqSize, cqSize: g.cqSize });
    },
    cqFailed: () => rings?.cq.failed ?? false,
    closeQueues: () => {
      rings = null;
      generation++;
      inFlight.clear();
      trace({ type: 'controller.reset' });
    },
  };
  const machine = options.latchMachine ? providedController.provide({ actors: { aenLatch: options.latchMachine } }) : providedController;

  const engine = options.engine === undefined ? defaultEngine() : checkEngine(options.engine);
  const actor = createActor(logicFor(machine, engine), { input: { profile, aerl }, inspect: options.inspect });
  devices.set(actor.system, device);
  actor.start();
  const latch = actor.system.get('aenLatch') as { on(type: '*', h: (e: LatchEmitted) => void): { unsubscribe(): void } };
  latch.on('*', onLatchEmit);

  let stopped = false;
  /** The namespace-change RPC (DESIGN.md §2 namespaceChange): one long-lived actor answers every request's promise
   * from the latch's emitted facts (src/faults/namespace-change-rpc.ts). A root actor beside the controller, not its
   * child: the controller's chart is the NVMe lifecycle, and the RPC's events are not NVMe events. */
  const rpc = createActor(namespaceChangeLogic, { id: 'namespaceChange', input: { latch: actor.system.get('aenLatch'), noticePerNewNsid: profile.noticePerNewNsid }, inspect: options.inspect });
  rpc.start();
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
    namespace: {
      notifyChange(nsid, opts) {
        return request([nsid], opts).then((receipts) => receipts[0]!);
      },
      notifyChanges(nsids, opts) {
        return request(nsids, opts);
      },
    },
  };

  /** The arguments of a namespace-change call, checked (NVMe NSIDs 1..FFFFFFFEh, index by index: a hole or an
   * undefined entry is as bad as 0), or the typed error to reject with. Never throws: a getter or a proxy that throws
   * is a bad argument too. */
  function checkRequest(nsids: unknown, opts: unknown): { nsids: number[]; until: 'processed' | 'aen' } | NamespaceChangeError {
    if (stopped) return new NamespaceChangeError('stopped', 'the controller has been stopped');
    try {
      if (opts !== undefined && (typeof opts !== 'object' || opts === null)) return new NamespaceChangeError('invalidOption', `options must be an object or undefined, got ${opts === null ? 'null' : typeof opts}`);
      const until = (opts as NotifyChangeOptions | undefined)?.until ?? 'processed';
      if (until !== 'processed' && until !== 'aen') return new NamespaceChangeError('invalidOption', `until must be 'processed' or 'aen', got ${typeof until === 'string' ? `'${(until as string).slice(0, 40)}'` : typeof until}`);
      if (!Array.isArray(nsids) || nsids.length === 0) return new NamespaceChangeError('invalidNsid', 'no NSIDs given: expected a non-empty array of NSIDs 1..FFFFFFFEh');
      const checked: number[] = new Array(nsids.length);
      for (let i = 0; i < nsids.length; i++) {
        const nsid: unknown = nsids[i];
        if (typeof nsid !== 'number' || !Number.isInteger(nsid) || nsid < 1 || nsid > 0xfffffffe || !(i in nsids)) {
          const shown = !(i in nsids) ? 'a hole' : typeof nsid === 'number' ? String(nsid) : typeof nsid;
          return new NamespaceChangeError('invalidNsid', `NSID ${nsids.length > 1 ? `at index ${i} ` : ''}(${shown}) cannot change: it must be an integer 1..FFFFFFFEh (0 and FFFFFFFFh are not namespaces)`);
        }
        checked[i] = nsid;
      }
      return { nsids: checked, until };
    } catch (e) {
      return new NamespaceChangeError('invalidOption', `the arguments could not be read: ${e instanceof Error ? e.message : String(e)}`.slice(0, 200));
    }
  }

  /** One namespaceChange RPC actor for the whole batch: every NSID is validated first, and gets its own receipt. */
  function request(rawNsids: unknown, opts: unknown): Promise<NamespaceChangeReceipt[]> {
    const checked = checkRequest(rawNsids, opts);
    if (checked instanceof NamespaceChangeError) return Promise.reject(checked);
    const { nsids, until } = checked;
    return new Promise<NamespaceChangeReceipt[]>((resolve, reject) => rpc.send({ type: 'namespace.change.requested', nsids, until, reply: { resolve, reject } }));
  }

  const csts = (): number => {
    const s = actor.getSnapshot();
    let v = 0;
    if (s.hasTag('csts.rdy')) v |= Csts.RDY;
    if (s.hasTag('csts.cfs')) v |= Csts.CFS;
    if (s.hasTag('csts.shst.occurring')) v |= Csts.SHST_OCCURRING << Csts.SHST_SHIFT;
    if (s.hasTag('csts.shst.complete')) v |= Csts.SHST_COMPLETE << Csts.SHST_SHIFT;
    return v;
  };

  /** The latch reports (or retains) the Error event; while the controller is not enabled it is offline and ignores it. */
  const raiseErrorEvent = (info: number): void => {
    actor.system.get('aenLatch')?.send({ type: 'doorbell.invalid', info });
  };

  const write32 = (offset: number, value: number): void => {
    const effect = registers.write32(offset, value);
    switch (effect.kind) {
      case 'cc':
        trace({ type: 'register.written', name: 'CC', value: effect.value });
        {
          const enabling = (effect.value & 1) === 1 && (effect.previous & 1) === 0;
          const fault = enabling ? faultSet.findEnable() : undefined;
          if (fault) {
            fault.fire();
            trace({ type: 'fault.fired', side: 'enable', kind: fault.behaviour.kind, cid: null });
          }
          actor.send({ type: 'cc.written', cc: effect.value, previous: effect.previous, aqa: registers.aqa, asq: registers.asq, acq: registers.acq, enableFault: fault?.behaviour ?? null });
        }
        if ((effect.value & 1) === 0) registers.resetMask();
        return;
      case 'sqTail':
        actor.system.get('adminQueue')?.send({ type: 'sq.tail.written', value: effect.value });
        return;
      case 'cqHead':
        // Device state: the ring frees slots and posts what it held while full; no actor needs to know.
        if (!rings) return;
        if (effect.value >= rings.cq.size) {
          // Ignored (the ring is untouched); an Error event, Invalid Doorbell Write Value (NVMe Base 2.0 §5.2).
          trace({ type: 'doorbell.invalid', offset: Register.SQ0TDBL + 4, value: effect.value, reason: `CQ head ${effect.value} is outside a queue of ${rings.cq.size}` });
          raiseErrorEvent(AsyncEventInfo.ERROR_INVALID_DOORBELL_VALUE);
        } else if (!rings.cq.setHead(effect.value)) cqUnwritable(-1);
        return;
      case 'invalidDoorbell':
        // A doorbell of a queue that does not exist: an Error event, Write to Invalid Doorbell Register (§5.2).
        trace({ type: 'doorbell.invalid', offset: effect.offset, value: effect.value, reason: 'no such queue' });
        if (rings) raiseErrorEvent(AsyncEventInfo.ERROR_INVALID_DOORBELL_REGISTER);
        return;
      default:
        return;
    }
  };

  return {
    profile,
    memory,
    namespaces,
    faults,
    actor,
    mmioRead32: (offset) => registers.read32(offset, csts()),
    mmioRead64: (offset) => BigInt(registers.read32(offset, csts())) | (BigInt(registers.read32(offset + 4, csts())) << 32n),
    mmioWrite32: write32,
    mmioWrite64: (offset, value) => {
      write32(offset, Number(value & 0xffffffffn));
      write32(offset + 4, Number((value >> 32n) & 0xffffffffn));
    },
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

function enableFaultReason(e: { cc: number; aqa: number; asq: bigint; acq: bigint }): string {
  return enableFaultFn(e) ?? 'unknown';
}
import { enableFault as enableFaultFn } from './logic/controller.ts';
export { Status };
