// Linux nvmet in a guest as a scenario target, shaped like the QEMU target (src/host/qemu-target.ts): one guest per
// scenario with the scenario's namespaces, the same NvmeHost driving it, here over NVMe/TCP. The host transport is
// src/host/tcp-transport.ts unless the caller gives another (`connectHost`).
// `namespaceChange` is a configfs change made over the guest's console (src/guest/nvmet.ts) and named in the trace
// as QEMU's are (`configfs (enable)`, `configfs (disable)`, `configfs (add)`).
import { NvmeHost } from '../host/nvme-host.ts';
import { connectTcp } from '../host/tcp-transport.ts';
import { UnsupportedStepError, type Target, type TargetFactory } from '../scenario/runner.ts';
import type { Scenario } from '../scenario/schema.ts';
import { NVMET_DEFAULT_NQN, nvmetNamespaceProblem, startNvmet, type NvmetGuest, type NvmetSubsystem } from './nvmet.ts';
import type { GuestOptions } from './vm.ts';

/** nvmet keeps NVMET_ASYNC_EVENTS = 4 AERs (drivers/nvme/target/nvmet.h), reported as AERL 3; it cannot be set. */
export const NVMET_AERL = 3;

export interface NvmetTargetOptions extends GuestOptions {
  /** An NvmeHost connected over NVMe/TCP to 127.0.0.1:port, subsystem nqn (default: NvmeHost over the TCP host
   * transport, src/host/tcp-transport.ts). */
  readonly connectHost?: (address: { host: string; port: number; nqn: string }) => Promise<NvmeHost>;
  /** How long the host waits for a completion or a register change (default 2000 ms: nvmet posts an AEN within
   * a few ms of the configfs write's return, and a command completes in a few ms even under TCG). */
  readonly timeoutMs?: number;
  readonly nqn?: string;
}

/** The most NSIDs one namespaceChange step may change on nvmet: each change is a console round trip, and nvmet
 * holds at most NVMET_MAX_NAMESPACES (1024) namespaces, so a list overflow (1025 changes) cannot be made. */
export const NVMET_MAX_CHANGES_PER_STEP = 64;

/** Why nvmet in the guest cannot carry a scenario out, or undefined. */
export function nvmetCannotRun(scenario: Scenario): string | undefined {
  for (const step of scenario.steps) {
    if (step.do === 'namespaceChange' && step.count > NVMET_MAX_CHANGES_PER_STEP) return tooManyChanges(step.count);
  }
  if (scenario.controller.aerl !== NVMET_AERL) return `nvmet's AERL is fixed at ${NVMET_AERL} (NVMET_ASYNC_EVENTS 4); this scenario asks for ${scenario.controller.aerl}`;
  for (const ns of scenario.controller.namespaces) {
    const problem = nvmetNamespaceProblem(ns);
    if (problem) return problem;
  }
  return undefined;
}

const tooManyChanges = (n: number): string =>
  `a namespaceChange of ${n} NSIDs: on nvmet each change is a configfs write over the guest's console, at most ${NVMET_MAX_CHANGES_PER_STEP} per step (and nvmet holds at most 1024 namespaces)`;

export function makeNvmetTarget(options: NvmetTargetOptions = {}): TargetFactory {
  return async (scenario) => {
    const problem = nvmetCannotRun(scenario);
    if (problem) throw new UnsupportedStepError(problem);
    const nvmet = await startNvmet({ namespaces: scenario.controller.namespaces, ...(options.nqn ? { nqn: options.nqn } : {}) }, options);
    return connectTarget(options, nvmet, nvmet, () => nvmet.close());
  };
}

/** One guest and one subsystem for many scenarios: the guest is booted and the subsystem created on first use; each
 * scenario then finds the subsystem's namespaces set to its controller block (configfs writes batched into one
 * console round trip, none when nothing differs) and connects a new association, which nvmet gives a new
 * controller (dynamic controller model: its own Changed Namespace List, AEC and masks, nothing of the last one's).
 * A guest that died, or a subsystem whose configuration failed, is replaced by a new boot. */
export interface SharedNvmetTarget {
  readonly factory: TargetFactory;
  /** The guest, once booted. */
  readonly nvmet: () => NvmetGuest | undefined;
  /** Console round trips and ms spent making each scenario's namespaces, and boots (for the timing reports). */
  readonly stats: () => { readonly boots: number; readonly scenarios: number; readonly configureMs: number };
  close(): Promise<void>;
}

export function makeSharedNvmetTarget(options: NvmetTargetOptions = {}): SharedNvmetTarget {
  let nvmet: NvmetGuest | undefined;
  let alive = false;
  let boots = 0;
  let scenarios = 0;
  let configureMs = 0;
  const nqn = options.nqn ?? NVMET_DEFAULT_NQN;
  const factory: TargetFactory = async (scenario) => {
    const problem = nvmetCannotRun(scenario);
    if (problem) throw new UnsupportedStepError(problem);
    scenarios++;
    const namespaces = scenario.controller.namespaces;
    if (nvmet && alive) {
      const started = Date.now();
      try {
        await nvmet.configure(namespaces);
      } catch (e) {
        // configfs is in an unknown state: start over with a new guest.
        options.log?.(`nvmet: reconfiguring the subsystem failed (${(e as Error).message}); booting a new guest`);
        alive = false;
      }
      configureMs += Date.now() - started;
    }
    if (!nvmet || !alive) {
      await nvmet?.close();
      nvmet = undefined;
      const booted = await startNvmet({ namespaces, nqn }, options);
      boots++;
      nvmet = booted;
      alive = true;
      void booted.guest.exited.then(() => {
        if (nvmet === booted) alive = false;
      });
    }
    return connectTarget(options, nvmet, nvmet, async () => undefined);
  };
  return {
    factory,
    nvmet: () => nvmet,
    stats: () => ({ boots, scenarios, configureMs }),
    async close() {
      await nvmet?.close();
      nvmet = undefined;
    },
  };
}

async function connectTarget(options: NvmetTargetOptions, nvmet: NvmetGuest, sub: NvmetSubsystem, release: () => Promise<void>): Promise<Target> {
  const timeoutMs = options.timeoutMs ?? 2000;
  // A controller reset is what a Linux host makes of it on fabrics: CC.EN 1→0, then a new association.
  const connectHost = options.connectHost ?? (async (a) => new NvmeHost(await connectTcp(a, { timeoutMs: Math.max(timeoutMs, 5000), resetEndsAssociation: true }), { timeoutMs }));
  let host: NvmeHost;
  try {
    host = await connectHost({ host: '127.0.0.1', port: nvmet.port, nqn: sub.nqn });
  } catch (e) {
    await release();
    throw e;
  }
  return {
    name: 'nvmet',
    host,
    // 'aen' is met as 'processed': nvmet queues the notice when the configfs write returns, and sends it from
    // its async event work on its own.
    // Not the host's queue, but the same need: a configfs change takes a console round trip (most of a second
    // under TCG), so the runner must finish it before the next step, or a log read would overtake it.
    changesUseHostQueue: true,
    async namespaceChange(nsid) {
      try {
        return { via: `configfs (${await sub.change(nsid)})` };
      } catch (e) {
        throw new UnsupportedStepError(`configfs change of NSID ${nsid} failed: ${(e as Error).message}`);
      }
    },
    fault: () => {
      throw new UnsupportedStepError('nvmet has no fault injection (fault steps need the emulator target)');
    },
    async close() {
      try {
        await host.close();
      } finally {
        await release();
      }
    },
  };
}

export const nvmetTarget: TargetFactory = makeNvmetTarget();
