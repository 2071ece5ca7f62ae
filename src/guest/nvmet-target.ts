// Linux nvmet in a guest as a scenario target, shaped like the QEMU target (src/host/qemu-target.ts): one guest per
// scenario with the scenario's namespaces, the same NvmeHost driving it, here over NVMe/TCP. The host transport is
// src/host/tcp-transport.ts unless the caller gives another (`connectHost`).
// `namespaceChange` is a configfs change made over the guest's console (src/guest/nvmet.ts) and named in the trace
// as QEMU's are (`configfs (enable)`, `configfs (disable)`, `configfs (add)`).
import { NvmeHost } from '../host/nvme-host.ts';
import { connectTcp } from '../host/tcp-transport.ts';
import { UnsupportedStepError, type Target, type TargetFactory } from '../scenario/runner.ts';
import type { Scenario } from '../scenario/schema.ts';
import { nvmetNamespaceProblem, startNvmet, type NvmetGuest } from './nvmet.ts';
import type { GuestOptions } from './vm.ts';

/** nvmet keeps NVMET_ASYNC_EVENTS = 4 AERs (drivers/nvme/target/nvmet.h), reported as AERL 3; it cannot be set. */
export const NVMET_AERL = 3;

export interface NvmetTargetOptions extends GuestOptions {
  /** An NvmeHost connected over NVMe/TCP to 127.0.0.1:port, subsystem nqn (default: NvmeHost over the TCP host
   * transport, src/host/tcp-transport.ts). */
  readonly connectHost?: (address: { host: string; port: number; nqn: string }) => Promise<NvmeHost>;
  /** How long the host waits for a completion or a register change (default 5000 ms: the guest runs under TCG). */
  readonly timeoutMs?: number;
  readonly nqn?: string;
}

/** Why nvmet in the guest cannot carry a scenario out, or undefined. */
export function nvmetCannotRun(scenario: Scenario): string | undefined {
  if (scenario.controller.aerl !== NVMET_AERL) return `nvmet's AERL is fixed at ${NVMET_AERL} (NVMET_ASYNC_EVENTS 4); this scenario asks for ${scenario.controller.aerl}`;
  for (const ns of scenario.controller.namespaces) {
    const problem = nvmetNamespaceProblem(ns);
    if (problem) return problem;
  }
  return undefined;
}

export function makeNvmetTarget(options: NvmetTargetOptions = {}): TargetFactory {
  const timeoutMs = options.timeoutMs ?? 5000;
  const connectHost = options.connectHost ?? (async (a) => new NvmeHost(await connectTcp(a, { timeoutMs }), { timeoutMs }));
  return async (scenario) => {
    const problem = nvmetCannotRun(scenario);
    if (problem) throw new UnsupportedStepError(problem);
    const nvmet: NvmetGuest = await startNvmet({ namespaces: scenario.controller.namespaces, ...(options.nqn ? { nqn: options.nqn } : {}) }, options);
    let host: NvmeHost;
    try {
      host = await connectHost({ host: '127.0.0.1', port: nvmet.port, nqn: nvmet.nqn });
    } catch (e) {
      await nvmet.close();
      throw e;
    }
    const target: Target = {
      name: 'nvmet',
      host,
      // 'aen' is met as 'processed': nvmet queues the notice when the configfs write returns, and sends it from
      // its async event work on its own.
      async namespaceChange(nsid) {
        try {
          return { via: `configfs (${await nvmet.change(nsid)})` };
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
          await nvmet.close();
        }
      },
    };
    return target;
  };
}

export const nvmetTarget: TargetFactory = makeNvmetTarget();
