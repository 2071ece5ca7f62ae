// The actor suites' test rig: a real emulated controller (controller, admin queue and AEN latch actors) driven by
// the NvmeHost driver over EmulatorTransport: registers, rings and PRPs, as a driver would. `useRigs()` registers
// the cleanup (stop every controller after each test) and the unhandled-rejection guard for the calling file.
import { afterEach, expect } from 'vitest';
import { EmulatorTransport } from '../../src/host/emulator-transport.ts';
import { NvmeHost, type CompletionRecord } from '../../src/host/nvme-host.ts';
import { createController, type ControllerOptions, type EmulatedController } from '../../src/emulator.ts';
import type { NamespaceChangeReceipt, NotifyChangeOptions } from '../../src/faults/namespace-change.ts';
import type { TraceEvent } from '../../src/trace.ts';
import { AdminOpcode, FeatureId, LogPage, Status } from '../../src/spec/constants.ts';
import { encodeIdentify } from '../../src/spec/admin-fields.codec.ts';
import { decodeChangedNamespaceList, type ChangedNamespaceList } from '../../src/spec/namespace-list.codec.ts';
import { flushPromiseJobs, guardUnhandledRejections } from './rejection-guard.ts';

/** Namespace Attribute Changed: Notice (2), info 00h, log page 04h (NVMe Base 2.0 §5.2). */
export const NS_ATTR_CHANGED_DW0 = 0x00040002;

export interface RigOptions extends ControllerOptions {
  /** Enable the controller before returning (default true). */
  readonly enable?: boolean;
}

export interface Rig {
  readonly controller: EmulatedController;
  readonly transport: EmulatorTransport;
  readonly host: NvmeHost;
  /** Every trace event the controller emitted, in order. */
  readonly trace: TraceEvent[];
  /** The namespace-change fault, as a test harness calls it. */
  notifyChange(nsid: number, options?: NotifyChangeOptions): Promise<NamespaceChangeReceipt>;
}

/** Call at the top of a test file: returns a factory of rigs that are stopped after each test. */
export function useRigs(): (options?: RigOptions) => Promise<Rig> {
  guardUnhandledRejections();
  const live: Rig[] = [];
  afterEach(async () => {
    for (const rig of live.splice(0)) await rig.host.close();
  });
  return async (options = {}) => {
    const { enable = true, ...controllerOptions } = options;
    const controller = createController(controllerOptions);
    const transport = new EmulatorTransport(controller);
    const host = new NvmeHost(transport, { timeoutMs: 1000 });
    const trace: TraceEvent[] = [];
    controller.onTrace((e) => trace.push(e));
    const rig: Rig = { controller, transport, host, trace, notifyChange: (nsid, o) => controller.faults.namespace.notifyChange(nsid, o) };
    live.push(rig);
    if (enable) await host.enable();
    return rig;
  };
}

/** The integers from..to inclusive. */
export const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** A status as SCT/SC[h][ DNR], e.g. '1/05h', '0/01h DNR'. */
export const statusOf = (c: Pick<CompletionRecord, 'status'>): string => Status.format(c.status);

/** Let promise work finish, then consume whatever completions arrived. */
export async function pollSettled(host: NvmeHost): Promise<CompletionRecord[]> {
  await flushPromiseJobs();
  return host.poll();
}

/** Assert that no completion is waiting in the CQ. */
export async function expectNoCompletion(host: NvmeHost): Promise<void> {
  const arrived = await pollSettled(host);
  expect(arrived.map((c) => ({ cid: c.cid, status: statusOf(c), dw0: c.dw0 }))).toEqual([]);
}

/** Submit `n` AERs and check that none completed: they are parked. */
export async function parkAers(host: NvmeHost, n: number): Promise<number[]> {
  const cids: number[] = [];
  for (let i = 0; i < n; i++) cids.push(await host.submitAer());
  await expectNoCompletion(host);
  for (const cid of cids) expect(host.isOutstanding(cid)).toBe(true);
  return cids;
}

/** The completion of `cid` if it has been consumed, else undefined (never waits). */
export function completionOf(host: NvmeHost, cid: number): CompletionRecord | undefined {
  return host.isOutstanding(cid) ? undefined : host.completion(cid);
}

/** Get Log Page 04h (NUMD 1024) through the host; asserts success and decodes the list. */
export async function readChangedList(host: NvmeHost, rae = false): Promise<CompletionRecord & { list: ChangedNamespaceList }> {
  const c = await host.getLogPage({ lid: LogPage.CHANGED_NAMESPACE_LIST, rae, numd: 1024 });
  expect(statusOf(c)).toBe('0/00h');
  return { ...c, list: decodeChangedNamespaceList(c.data!) };
}

/** Identify Controller as a raw completion (asserts success): the "controller still works" probe. */
export async function identifyControllerOk(host: NvmeHost): Promise<void> {
  const c = await host.execute({ opcode: AdminOpcode.IDENTIFY, ...encodeIdentify({ cns: 0x01 }), dataIn: 4096 });
  expect(statusOf(c)).toBe('0/00h');
  expect(c.data!.subarray(0, 2)).not.toEqual(new Uint8Array(2)); // VID is set
}

export async function getAec(host: NvmeHost): Promise<CompletionRecord> {
  return host.getFeatures(FeatureId.ASYNC_EVENT_CONFIG);
}

/** Resolve-or-pending probe for a promise: `state()` says whether it settled yet (after flushing jobs). */
export function track<T>(p: Promise<T>): { state(): Promise<'pending' | 'resolved' | 'rejected'>; readonly promise: Promise<T> } {
  let s: 'pending' | 'resolved' | 'rejected' = 'pending';
  p.then(
    () => (s = 'resolved'),
    () => (s = 'rejected'),
  );
  return {
    promise: p,
    async state() {
      await flushPromiseJobs();
      return s;
    },
  };
}
