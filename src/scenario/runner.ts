// Runs a scenario (docs/scenarios.md) against a target through NvmeHost, and records the trace: every
// submission, completion, fault receipt, log content, register read and expectation result. The target decides
// how a namespace change is carried out (the emulator's fault RPC; on QEMU, Namespace Attachment).
import { AdminOpcode, LogPage, Status } from '../spec/constants.ts';
import { encodeAbort, encodeFeatures, encodeGetLogPage, encodeIdentify, encodeNamespaceAttachment } from '../spec/admin-fields.codec.ts';
import { decodeNsidList, encodeControllerList } from '../spec/namespace-list.codec.ts';
import { HostError, NvmeHost, type CommandSpec, type CompletionRecord } from '../host/nvme-host.ts';
import { PeerError } from '../host/peer-error.ts';
import { EmulatorTransport } from '../host/emulator-transport.ts';
import { createController, type ControllerOptions, type EmulatedController } from '../emulator.ts';
import type { StateValue } from 'xstate';
import type { NamespaceChangeReceipt } from '../faults/namespace-change.ts';
import { FaultConfigError, matchCommand, type CompletionBehaviour, type SubmissionBehaviour } from '../faults/admin-faults.ts';
import type { TraceRecord } from '../trace.ts';
import { cnsName, decodeAen, decodeIdentify, decodeLog, logPageName, opcodeName, statusName } from './decode.ts';
import { REGISTER_NAMES, type CommandDecl, type FaultSpec, type FaultStep, type Scenario, type Step } from './schema.ts';
import { echo } from './escape.ts';

export type { TraceRecord } from '../trace.ts';

export interface ScenarioResult {
  readonly name: string;
  readonly target: string;
  readonly passed: number;
  readonly failed: number;
  readonly trace: readonly TraceRecord[];
  readonly durationMs: number;
  /** With `recordStates`: one entry per trace record (same index), the scenario step it belongs to and the actors'
   * state values just after it was recorded (absent on a target without actors, such as QEMU). */
  readonly recorded?: readonly RecordedStep[];
  /** With `recordStates`: the actors' state values before the first step. */
  readonly initialStates?: ActorStates;
}

/** The `.value` of each actor's snapshot; an actor that does not exist at that moment (the admin queue while the
 * controller is disabled) is absent. */
export interface ActorStates {
  readonly controller?: StateValue;
  readonly adminQueue?: StateValue;
  readonly aenLatch?: StateValue;
}

export interface RecordedStep {
  /** Index of the scenario step during which the record was made (-1: after the last step). */
  readonly step: number;
  readonly states?: ActorStates;
}

export interface RunOptions {
  onRecord?: (r: TraceRecord) => void;
  /** Record the actors' state values with every trace record (for the HTML report); off by default, at no cost. */
  recordStates?: boolean;
  /** Awaited before each step (`run --inspect --step` waits for the viewer there). */
  beforeStep?: (index: number, step: Step) => Promise<void> | void;
}

/** A controller to run against: the host driver over its transport, and how a namespace change is made. */
export interface Target {
  readonly name: string;
  readonly host: NvmeHost;
  /** Start a namespace change; the promise settles with the receipt (or the means used, for peers without the fault). */
  namespaceChange(nsid: number, until: 'processed' | 'aen'): Promise<{ receipt?: NamespaceChangeReceipt; via?: string }>;
  /** Many namespaces in one request, where the target can (the emulator's batch RPC); else one by one. */
  namespaceChanges?(nsids: readonly number[], until: 'processed' | 'aen'): Promise<{ receipts: readonly NamespaceChangeReceipt[] }>;
  /** The change is made with commands on the host's own admin queue (QEMU: Namespace Attachment). The host driver
   * polls for one caller at a time, so the runner finishes such a change before it goes on to the next step. */
  readonly changesUseHostQueue?: boolean;
  /** The state values of the controller, admin queue and AEN latch actors now (targets built on the actors). */
  actorStates?(): ActorStates;
  /** A `fault` step (docs/scenarios.md): set the faultActive switch and/or add the fault, returning its handle.
   * Absent, or throwing UnsupportedStepError, on a target without fault injection (QEMU): the step fails. */
  fault?(step: FaultStep): ScenarioFaultHandle | undefined;
  /** A `panic` step: the controller panics now. Absent on a target without fault injection: the step fails. */
  panic?(message: string | undefined): void;
  /** A `removeNamespace` step: hot-remove the namespace, settling with its receipt (rejected `panicked` when the
   * removal panics the controller). Absent on a target that cannot: the step fails. */
  removeNamespace?(nsid: number): Promise<NamespaceChangeReceipt>;
  close(): Promise<void>;
}

/** What `expectFault` checks: the fault's handle (docs/faults.md). */
export interface ScenarioFaultHandle {
  readonly fired: Promise<void>;
  readonly count: number;
}
export type TargetFactory = (scenario: Scenario) => Promise<Target>;

/** The target cannot carry out a step (QEMU cannot change an NSID it does not have): the step counts as a failed
 * check, with this message, and the scenario goes on. */
export class UnsupportedStepError extends Error {
  override readonly name = 'UnsupportedStepError';
}
export const hex32 = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

/** The in-process emulator as a target; `options` overrides the scenario's controller (for mutation tests) or adds
 * an XState inspection hook (`nvme-actors run --inspect`). */
export function makeEmulatorTarget(options: Pick<ControllerOptions, 'latchMachine' | 'profile' | 'inspect' | 'engine'> & { hostTimeoutMs?: number } = {}): TargetFactory {
  const { hostTimeoutMs = 100, ...controllerOptions } = options;
  return async (scenario) => {
    const { maxQueueEntries, pci, singleReplySlot, removeNamespacePanics } = scenario.controller;
    const hardware = { ...(maxQueueEntries !== undefined ? { maxQueueEntries } : {}), ...(pci ? { pci } : {}), ...(singleReplySlot !== undefined ? { singleReplySlot } : {}), ...(removeNamespacePanics !== undefined ? { removeNamespacePanics } : {}) };
    const controller = createController({ profile: scenario.profile, aerl: scenario.controller.aerl, namespaces: scenario.controller.namespaces, ...hardware, ...controllerOptions });
    // In-process, a completion that is due is already in the CQ: a short wait is enough to call it missing.
    const host = new NvmeHost(new EmulatorTransport(controller), { timeoutMs: hostTimeoutMs });
    return {
      name: 'emulator',
      host,
      namespaceChange: async (nsid, until) => ({ receipt: await controller.faults.namespace.notifyChange(nsid, { until }) }),
      namespaceChanges: async (nsids, until) => ({ receipts: await controller.faults.namespace.notifyChanges(nsids, { until }) }),
      actorStates: () => {
        const system = controller.actor.system;
        const adminQueue = system.get('adminQueue')?.getSnapshot() as { value?: StateValue; status?: string } | undefined;
        const aenLatch = system.get('aenLatch')?.getSnapshot() as { value?: StateValue; status?: string } | undefined;
        const live = (s: { value?: StateValue; status?: string } | undefined): s is { value: StateValue } => s?.value !== undefined && s.status === 'active';
        return {
          controller: controller.actor.getSnapshot().value,
          ...(live(adminQueue) ? { adminQueue: adminQueue.value } : {}),
          ...(live(aenLatch) ? { aenLatch: aenLatch.value } : {}),
        };
      },
      fault: (step) => applyFaultStep(controller, step),
      panic: (message) => controller.faults.panic(message),
      removeNamespace: (nsid) => controller.faults.namespace.remove(nsid),
      close: () => host.close(),
    };
  };
}

export const emulatorTarget: TargetFactory = makeEmulatorTarget();

/** A `fault` step on an emulated controller (docs/faults.md): arm the fault it names, set `faultActive` if given. */
export function applyFaultStep(controller: Pick<EmulatedController, 'faults'>, step: FaultStep): ScenarioFaultHandle | undefined {
  const f = step.fault;
  let handle: ScenarioFaultHandle | undefined;
  if (f?.on === 'enable') handle = controller.faults.enable(f.behaviour);
  else if (f?.on === 'submission') handle = controller.faults.admin.submission(matchCommand(f.match), f.behaviour as SubmissionBehaviour);
  else if (f?.on === 'completion') handle = controller.faults.admin.completion(matchCommand(f.match), f.behaviour as CompletionBehaviour);
  if (step.active !== undefined) controller.faults.active = step.active;
  return handle;
}

const opcodeHex = (op: number): string => `${op.toString(16).padStart(2, '0').toUpperCase()}h`;

/** `completion update on opcode=06h cdw10=0x1` */
export function describeFault(f: FaultSpec): string {
  const kind = f.behaviour.kind;
  if (f.on === 'enable') return `enable ${kind}${kind === 'delay' ? ` ${(f.behaviour as { ms: number }).ms} ms` : ''}`;
  const match = Object.entries(f.match).map(([k, v]) => (k === 'opcode' ? `opcode=${opcodeHex(v!)}` : `${k}=${hex32(v!)}`));
  const b = f.behaviour as { ms?: number; blocking?: boolean; message?: string };
  const detail = kind === 'delay' ? ` ${b.ms} ms${b.blocking ? ' blocking' : ''}` : kind === 'panic' && b.message ? ` "${echo(b.message)}"` : '';
  return `${f.on} ${kind}${detail} on ${match.length ? match.join(' ') : 'every command'}`;
}

/** Build the SQE fields and data of a scenario command. `cidOf` resolves an Abort's tag. */
export async function buildCommand(decl: CommandDecl, cidOf: (tag: string) => number, controllerId: () => Promise<number>): Promise<CommandSpec> {
  const f = decl.fields;
  const num = (k: string, d: number): number => (typeof f[k] === 'number' ? (f[k] as number) : d);
  let spec: { -readonly [K in keyof CommandSpec]: CommandSpec[K] } = {
    opcode: decl.opcode,
    nsid: num('nsid', 0),
    cdw10: num('cdw10', 0), cdw11: num('cdw11', 0), cdw12: num('cdw12', 0), cdw13: num('cdw13', 0), cdw14: num('cdw14', 0), cdw15: num('cdw15', 0),
  };
  switch (decl.opcode) {
    case AdminOpcode.IDENTIFY:
      spec = { ...spec, ...(f.cns !== undefined ? encodeIdentify({ cns: num('cns', 0) }) : {}), dataIn: 4096 };
      break;
    case AdminOpcode.GET_LOG_PAGE: {
      const numd = num('numd', f.cdw10 !== undefined ? ((num('cdw10', 0) >>> 16) + 1) : 1024);
      const named = f.lid !== undefined || f.numd !== undefined || f.rae !== undefined || f.offset !== undefined;
      if (named) spec = { ...spec, ...encodeGetLogPage({ lid: num('lid', LogPage.CHANGED_NAMESPACE_LIST), rae: f.rae === true, numd, offset: BigInt(num('offset', 0)) }) };
      if (f.nsid === undefined) spec.nsid = 0xffffffff;
      spec.dataIn = Math.min(numd * 4, 32 * 4096);
      break;
    }
    case AdminOpcode.SET_FEATURES:
    case AdminOpcode.GET_FEATURES:
      if (f.fid !== undefined) spec = { ...spec, ...encodeFeatures({ fid: num('fid', 0), value: num('value', num('cdw11', 0)) }) };
      break;
    case AdminOpcode.ABORT:
      if (f.cid !== undefined) spec = { ...spec, ...encodeAbort({ sqid: num('sqid', 0), cid: typeof f.cid === 'string' ? cidOf(f.cid) : num('cid', 0) }) };
      break;
    case AdminOpcode.NAMESPACE_ATTACHMENT: {
      if (f.sel !== undefined) spec = { ...spec, ...encodeNamespaceAttachment({ sel: f.sel === 'attach' ? 0 : f.sel === 'detach' ? 1 : num('sel', 0) }) };
      const ids = Array.isArray(f.controllers) ? f.controllers : [await controllerId()];
      spec.dataOut = encodeControllerList(ids);
      break;
    }
  }
  return spec;
}

export async function runScenario(scenario: Scenario, factory: TargetFactory = emulatorTarget, options: RunOptions = {}): Promise<ScenarioResult> {
  const started = performance.now();
  const trace: TraceRecord[] = [];
  const recorded: RecordedStep[] | undefined = options.recordStates ? [] : undefined;
  let target: Target | undefined;
  let currentStep = -1;
  const add = (r: TraceRecord): void => {
    trace.push(r);
    if (recorded) {
      const states = target?.actorStates?.();
      recorded.push(states ? { step: currentStep, states } : { step: currentStep });
    }
    options.onRecord?.(r);
  };
  let passed = 0;
  let failed = 0;
  const verdict = (step: number, ok: boolean, message: string): void => {
    if (ok) passed++;
    else failed++;
    add({ kind: 'expect', step, ok, message });
  };

  try {
    target = await factory(scenario);
  } catch (e) {
    if (!(e instanceof UnsupportedStepError)) throw e;
    add({ kind: 'note', message: e.message });
    verdict(0, false, `scenario not run: ${e.message}`);
    return { name: scenario.name, target: 'unavailable', passed, failed, trace, durationMs: performance.now() - started, ...(recorded ? { recorded } : {}) };
  }
  const initialStates = recorded ? target.actorStates?.() : undefined;
  const host = target.host;
  const tagToCid = new Map<string, number>();
  const cidToTag = new Map<number, string>();
  /** What was sent under each CID (the latest command to use it): for the completion's record. */
  const sent = new Map<number, { opcode: number; cdw10: number; nsid: number; why?: string }>();
  /** The tag of the submit step being written (its command is the next one submitted), or undefined. */
  let submitting: string | undefined;
  /** Why the host is sending commands of its own right now (undefined: it is not). */
  let purpose: string | undefined;
  const unsubscribeSubmit = host.onSubmit((sqe) => {
    if (submitting !== undefined) {
      // The step's own command: its tag is known before its completion can be consumed.
      tagToCid.set(submitting, sqe.cid);
      cidToTag.set(sqe.cid, submitting);
      sent.set(sqe.cid, { opcode: sqe.opcode, cdw10: sqe.cdw10, nsid: sqe.nsid });
      submitting = undefined;
      return;
    }
    cidToTag.delete(sqe.cid); // a CID reused by the host for a command of its own
    const why = purpose ?? 'the host';
    sent.set(sqe.cid, { opcode: sqe.opcode, cdw10: sqe.cdw10, nsid: sqe.nsid, why });
    add({ kind: 'submit', tag: null, cid: sqe.cid, opcode: sqe.opcode, command: opcodeName(sqe.opcode), why });
  });
  const unsubscribe = host.onCompletion((c) => {
    const tag = cidToTag.get(c.cid) ?? null;
    const cmd = sent.get(c.cid);
    const ok = c.status.sct === 0 && c.status.sc === 0;
    add({
      kind: 'completion', tag, cid: c.cid, sqid: c.sqid, sqhd: c.sqhd, status: { ...c.status }, statusName: statusName(c.status), dw0: hex32(c.dw0),
      ...(cmd ? { opcode: cmd.opcode, command: opcodeName(cmd.opcode) } : {}),
      ...(cmd?.why ? { why: cmd.why } : {}),
      ...(cmd?.opcode === AdminOpcode.ASYNC_EVENT_REQUEST && ok ? { aen: decodeAen(c.dw0) } : {}),
    });
    if (!cmd || !ok || !c.data) return;
    const why = cmd.why ? { why: cmd.why } : {};
    if (cmd.opcode === AdminOpcode.GET_LOG_PAGE) {
      const lid = cmd.cdw10 & 0xff;
      add({ kind: 'log', tag, cid: c.cid, lid, page: logPageName(lid), ...decodeLog(lid, c.data), bytes: c.data.length, ...why });
    } else if (cmd.opcode === AdminOpcode.IDENTIFY) {
      const cns = cmd.cdw10 & 0xff;
      add({ kind: 'identify', tag, cid: c.cid, cns, structure: cnsName(cns), nsid: cmd.nsid, ...decodeIdentify(cns, c.data), ...why });
    }
  });
  let cntlid: number | undefined;
  const withPurpose = async <T>(why: string, work: () => Promise<T>): Promise<T> => {
    const before = purpose;
    purpose = why;
    try {
      return await work();
    } finally {
      purpose = before;
    }
  };
  let controllerIdFor = '';
  const controllerId = async (): Promise<number> => (cntlid ??= (await withPurpose(`the controller list of ${controllerIdFor}`, () => host.identifyController())).cntlid);
  const receipts: Promise<void>[] = [];
  /** The completions of the I/O steps, by tag (I/O CIDs are per queue: they are not in tagToCid). */
  const ioResults = new Map<string, CompletionRecord>();
  const IO_NAMES: Readonly<Record<string, number>> = { flush: 0x00, write: 0x01, read: 0x02 };
  const recordIo = (tag: string, command: 'read' | 'write' | 'flush', c: CompletionRecord): void => {
    ioResults.set(tag, c);
    add({ kind: 'submit', tag, cid: c.cid, opcode: IO_NAMES[command]!, command });
    add({ kind: 'completion', tag, cid: c.cid, sqid: c.sqid, sqhd: c.sqhd, status: { ...c.status }, statusName: statusName(c.status), dw0: hex32(c.dw0), opcode: IO_NAMES[command]!, command });
  };
  const faultHandles = new Map<string, ScenarioFaultHandle>();
  let faultsActive = false;
  let enableFaultArmed = false;

  const runStep = async (step: Step, index: number): Promise<void> => {
    switch (step.do) {
      case 'enable':
        try {
          await host.enable({ queueSize: step.queueSize });
        } catch (e) {
          // With an enable fault armed, a controller that does not become ready is the point: note it and go on
          // (expectFault and expectRegister check the effect).
          if (!(e instanceof HostError) || !(enableFaultArmed && faultsActive)) throw e;
          add({ kind: 'note', message: `enable with an enable fault armed: ${e.message}` });
          return;
        }
        add({ kind: 'lifecycle', action: 'enable' });
        return;
      case 'fault': {
        const what = `fault${step.tag ? ` ${step.tag}` : ''}`;
        const described = [step.fault ? describeFault(step.fault) : undefined, step.active === undefined ? undefined : `faultActive ${step.active}`].filter(Boolean).join(', ');
        if (!target.fault) {
          verdict(index, false, `${what} (${described}) not carried out: the ${target.name} target has no fault injection`);
          return;
        }
        let handle: ScenarioFaultHandle | undefined;
        try {
          handle = target.fault(step);
        } catch (e) {
          if (!(e instanceof UnsupportedStepError) && !(e instanceof FaultConfigError)) throw e;
          verdict(index, false, `${what} (${described}) not carried out on the ${target.name}: ${e.message}`);
          return;
        }
        if (handle && step.tag) faultHandles.set(step.tag, handle);
        if (step.active !== undefined) faultsActive = step.active;
        if (step.fault?.on === 'enable') enableFaultArmed = true;
        add({ kind: 'note', message: `${what}: ${described}` });
        return;
      }
      case 'panic': {
        if (!target.panic) {
          verdict(index, false, `panic not carried out: the ${target.name} target has no fault injection`);
          return;
        }
        target.panic(step.message);
        add({ kind: 'note', message: `panic${step.message ? ` "${echo(step.message)}"` : ''}: the controller is fatal until CC.EN 1→0` });
        await host.poll();
        return;
      }
      case 'removeNamespace': {
        if (!target.removeNamespace) {
          verdict(index, false, `removeNamespace ${step.nsid} not carried out: the ${target.name} target cannot remove a namespace`);
          return;
        }
        const removal = target.removeNamespace(step.nsid).then(
          (receipt) => {
            add({ kind: 'receipt', nsid: step.nsid, count: 1, outcome: receipt.outcome, ...(receipt.aen ? { aen: { cid: receipt.aen.cid, dw0: hex32(receipt.aen.dw0) } } : {}), via: 'removeNamespace' });
            if (step.outcome) verdict(index, receipt.outcome === step.outcome, `removeNamespace ${step.nsid} receipt ${receipt.outcome}${receipt.outcome === step.outcome ? '' : `, expected ${step.outcome}`}`);
          },
          (e: Error & { code?: string }) => {
            add({ kind: 'note', message: `removeNamespace ${step.nsid}: ${e.message}` });
            if (step.outcome) verdict(index, e.code === step.outcome, `removeNamespace ${step.nsid} ${e.code === 'panicked' ? 'panicked the controller' : `rejected: ${e.message}`}${e.code === step.outcome ? '' : `, expected ${step.outcome}`}`);
          },
        );
        receipts.push(removal);
        await Promise.race([removal, host.transport.wait(0).then(() => host.transport.wait(0))]);
        await host.poll();
        return;
      }
      case 'expectFault': {
        const handle = faultHandles.get(step.tag);
        if (!handle) {
          verdict(index, false, `expectFault ${step.tag}: the fault was not set up on the ${target.name}`);
          return;
        }
        // Let the controller work first (a completion fault fires when the command completes); wait for a fault
        // expected to fire up to timeoutMs.
        await host.poll();
        const deadline = Date.now() + (step.timeoutMs ?? (step.fired || (step.count ?? 0) > 0 ? host.timeoutMs : 0));
        const want = step.count ?? 1;
        while ((step.fired === true || step.count !== undefined) && handle.count < want && Date.now() < deadline) {
          await host.transport.wait(1);
          await host.poll();
        }
        const problems: string[] = [];
        if (step.fired !== undefined && (handle.count > 0) !== step.fired) problems.push(step.fired ? 'never fired' : `fired ${handle.count} time${handle.count === 1 ? '' : 's'}, expected not to`);
        else if (step.count !== undefined && handle.count !== step.count) problems.push(`fired ${handle.count} time${handle.count === 1 ? '' : 's'}, expected ${step.count}`);
        verdict(index, problems.length === 0, `expectFault ${step.tag}${problems.length ? `: ${problems.join('; ')}` : ` fired ${handle.count} time${handle.count === 1 ? '' : 's'}`}`);
        return;
      }
      case 'disable':
        await host.disable();
        add({ kind: 'lifecycle', action: 'disable' });
        return;
      case 'shutdown':
        await host.shutdown();
        add({ kind: 'lifecycle', action: 'shutdown' });
        return;
      case 'submit': {
        controllerIdFor = step.tag;
        const spec = await buildCommand(step.command, (tag) => tagToCid.get(tag) ?? 0, controllerId);
        submitting = step.tag;
        let cid: number;
        try {
          cid = await host.submit(spec);
        } finally {
          submitting = undefined;
        }
        tagToCid.set(step.tag, cid);
        cidToTag.set(cid, step.tag);
        // A host whose transport does not report submissions (onSubmit): what was sent, from the step itself.
        if (sent.get(cid)?.why !== undefined || !sent.has(cid)) sent.set(cid, { opcode: spec.opcode, cdw10: spec.cdw10 ?? 0, nsid: spec.nsid ?? 0 });
        add({ kind: 'submit', tag: step.tag, cid, opcode: step.command.opcode, command: opcodeName(step.command.opcode) });
        await host.poll();
        return;
      }
      case 'namespaceChange': {
        const nsids = Array.from({ length: step.count }, (_, i) => step.nsid + i);
        const last = nsids[nsids.length - 1]!;
        const change: Promise<{ receipt?: NamespaceChangeReceipt; via?: string }> =
          nsids.length > 1 && target.namespaceChanges
            ? target.namespaceChanges(nsids, step.until).then(({ receipts }) => ({ receipt: receipts[receipts.length - 1] }))
            : nsids.reduce<Promise<{ receipt?: NamespaceChangeReceipt; via?: string }>>(
                (prev, nsid) => prev.then(() => (target.changesUseHostQueue ? withPurpose(`namespaceChange ${nsid}`, () => target.namespaceChange(nsid, step.until)) : target.namespaceChange(nsid, step.until))),
                Promise.resolve({}),
              );
        const settled = change.then(
          ({ receipt, via }) => {
            add({ kind: 'receipt', nsid: last, count: step.count, outcome: receipt?.outcome ?? 'done', ...(receipt?.aen ? { aen: { cid: receipt.aen.cid, dw0: hex32(receipt.aen.dw0) } } : {}), ...(via ? { via } : {}) });
            if (step.outcome && !receipt && via) verdict(index, false, `namespaceChange ${last}: the ${target.name} gives no receipt (the change was made with ${via}), expected ${step.outcome}`);
            else if (step.outcome) verdict(index, receipt?.outcome === step.outcome, `namespaceChange ${last} receipt ${receipt?.outcome ?? 'none'}${receipt?.outcome === step.outcome ? '' : `, expected ${step.outcome}`}`);
          },
          (e: Error) => {
            add({ kind: 'note', message: `namespaceChange ${step.nsid}${step.count > 1 ? `..${last}` : ''}: ${e.message}` });
            if (e instanceof UnsupportedStepError) verdict(index, false, `namespaceChange ${step.nsid}${step.count > 1 ? `..${last}` : ''} not carried out on the ${target.name}: ${e.message}`);
            else if (step.outcome) verdict(index, false, `namespaceChange ${last} rejected: ${e.message}`);
          },
        );
        receipts.push(settled);
        // Let a change that can be processed now be processed before the next step (a few event-loop turns); a
        // change made through the host's own queue is finished first.
        if (target.changesUseHostQueue) await settled;
        else await Promise.race([settled, host.transport.wait(0).then(() => host.transport.wait(0))]);
        await host.poll();
        return;
      }
      case 'createIoQueues': {
        const qids = await host.createIoQueues({ count: step.count, queueSize: step.queueSize });
        add({ kind: 'note', message: `I/O queues created: ${qids.join(', ')} (${step.queueSize} entries each)` });
        return;
      }
      case 'write': {
        const bs = step.data ? undefined : await host.blockSize(step.nsid);
        const data = step.data ?? new Uint8Array(step.blocks! * bs!).fill(step.fill!);
        recordIo(step.tag, 'write', await host.write(step.nsid, step.slba, data, bs ? { blockSize: bs } : {}));
        return;
      }
      case 'read':
        recordIo(step.tag, 'read', await host.read(step.nsid, step.slba, step.blocks));
        return;
      case 'flush':
        recordIo(step.tag, 'flush', await host.flush(step.nsid));
        return;
      case 'expect': {
        const cid = tagToCid.get(step.tag)!;
        let c: CompletionRecord;
        const io = ioResults.get(step.tag);
        if (io) c = io;
        else try {
          c = await host.waitFor(cid, step.timeoutMs ?? host.timeoutMs);
        } catch (e) {
          if (!(e instanceof HostError)) throw e;
          verdict(index, false, `expect ${step.tag}: no completion (${e.message})`);
          return;
        }
        const problems: string[] = [];
        if (step.status && (c.status.sct !== step.status.sct || c.status.sc !== step.status.sc)) problems.push(`status ${Status.format({ ...c.status, dnr: false })}, expected ${step.status.label}`);
        if (step.dnr !== undefined && c.status.dnr !== step.dnr) problems.push(`DNR ${c.status.dnr ? 1 : 0}, expected ${step.dnr ? 1 : 0}`);
        if (step.dw0 !== undefined && c.dw0 >>> 0 !== step.dw0 >>> 0) problems.push(`dw0 ${hex32(c.dw0)}, expected ${hex32(step.dw0)}`);
        if (step.changedNamespaces) {
          // The list itself is in the trace already (the completion's log record).
          const nsids = c.data ? decodeNsidList(c.data) : [];
          if (nsids.length !== step.changedNamespaces.length || nsids.some((n, i) => n >>> 0 !== step.changedNamespaces![i]! >>> 0)) problems.push(`changed namespaces [${nsids.join(', ')}], expected [${step.changedNamespaces.join(', ')}]`);
        }
        if (step.data) {
          const got = c.data ?? new Uint8Array(0);
          if (step.data.some((b, i) => got[i] !== b)) problems.push(`data does not start with 0x${Buffer.from(step.data).toString('hex')}: received ${receivedBytes(got, step.data.length)}`);
        }
        verdict(index, problems.length === 0, `expect ${step.tag}${problems.length ? `: ${problems.join('; ')}` : ` ${describeCompletion(c)}`}`);
        return;
      }
      case 'expectPending': {
        const io = ioResults.get(step.tag);
        if (io) {
          verdict(index, false, `expectPending ${step.tag}: completed (${describeCompletion(io)}): an I/O step waits for its completion`);
          return;
        }
        await host.poll();
        const cid = tagToCid.get(step.tag)!;
        const pending = host.isOutstanding(cid);
        const done = pending ? undefined : host.completion(cid);
        // Not outstanding and no completion on record: a controller reset dropped it (or it is older than the
        // completions the host remembers).
        verdict(index, pending, `expectPending ${step.tag}${pending ? '' : done ? `: completed (${describeCompletion(done)})` : ': no longer outstanding, and no completion arrived (a controller reset drops outstanding commands)'}`);
        return;
      }
      case 'expectRegister': {
        const value = await host.transport.mmioRead32(REGISTER_NAMES[step.name]);
        add({ kind: 'register', name: step.name, value: hex32(value) });
        const ok = ((value ^ step.value) & step.mask) >>> 0 === 0;
        verdict(index, ok, `expectRegister ${step.name} ${hex32(value)}${ok ? '' : `, expected ${hex32(step.value)} under mask ${hex32(step.mask)}`}`);
        return;
      }
    }
  };

  try {
    for (let i = 0; i < scenario.steps.length; i++) {
      currentStep = i;
      if (options.beforeStep) await options.beforeStep(i, scenario.steps[i]!);
      try {
        await runStep(scenario.steps[i]!, i);
      } catch (e) {
        if (!(e instanceof HostError) && !(e instanceof PeerError)) throw e;
        // A peer that exits, stops answering or answers garbage ends this scenario (failed, trace kept), not the run.
        if (e instanceof PeerError) add({ kind: 'note', message: `the ${target.name} stopped: ${e.message}` });
        verdict(i, false, `step ${i} (${scenario.steps[i]!.do}): ${e.message}`);
        break;
      }
    }
    currentStep = -1;
    // One event-loop turn: on a synchronous transport a whole run can go by in microtasks, and the short waits
    // this scenario queued (namespaceChange steps) would keep it, host and controller included, until the run ends.
    await host.transport.wait(0);
    await host.poll().catch(() => []);
  } finally {
    unsubscribe();
    unsubscribeSubmit();
    await target.close();
    await Promise.allSettled(receipts);
  }
  return { name: scenario.name, target: target.name, passed, failed, trace, durationMs: performance.now() - started, ...(recorded ? { recorded } : {}), ...(initialStates ? { initialStates } : {}) };
}

/** The first bytes received, as many as expected and at least 16 (at most 64), in hex; `nothing` for no data. */
function receivedBytes(got: Uint8Array, expected: number): string {
  if (got.length === 0) return 'no data';
  const n = Math.min(got.length, Math.max(expected, 16), 64);
  return `0x${Buffer.from(got.subarray(0, n)).toString('hex')}${got.length > n ? `… (${got.length} bytes)` : ''}`;
}

function describeCompletion(c: CompletionRecord): string {
  return `status ${Status.format(c.status)} dw0 ${hex32(c.dw0)}`;
}
