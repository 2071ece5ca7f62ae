// `--target tcp://HOST:PORT/NQN`: scenarios run against a user's NVMe/TCP controller (an SPDK target, Linux nvmet,
// `nvme-actors serve`, an array) through NvmeHost over the TCP transport, one association per scenario. Such a
// target has no fault API: a namespace change is carried out only when the caller supplies how (`namespaceChange`,
// for example a configfs write in an nvmet guest); otherwise the step fails with the reason.
import { NvmeHost } from './nvme-host.ts';
import { connectTcp, parseTcpTarget, type TcpTargetAddress, type TcpTransportOptions } from './tcp-transport.ts';
import { UnsupportedStepError, type Target, type TargetFactory } from '../scenario/runner.ts';
import type { NamespaceChangeReceipt } from '../faults/namespace-change.ts';

export interface TcpTargetOptions extends TcpTransportOptions {
  /** NvmeHost's timeout per wait (default 2,000 ms). */
  readonly hostTimeoutMs?: number;
  /** How to make a namespace change on this controller; absent: the step fails ("no namespace-change fault"). */
  readonly namespaceChange?: (nsid: number, until: 'processed' | 'aen') => Promise<{ receipt?: NamespaceChangeReceipt; via?: string }>;
  /** The change is made with commands on the host's own admin queue (as QEMU's Namespace Attachment). */
  readonly changesUseHostQueue?: boolean;
}

export function makeTcpTarget(address: string | TcpTargetAddress, options: TcpTargetOptions = {}): TargetFactory {
  const where = typeof address === 'string' ? parseTcpTarget(address) : address;
  const label = `tcp://${where.host}:${where.port}/${where.nqn}`;
  return async (): Promise<Target> => {
    let transport;
    try {
      transport = await connectTcp(where, options);
    } catch (e) {
      // The scenario is not run, with the reason as its one failed check (runScenario's "scenario not run").
      throw new UnsupportedStepError(`${label}: ${(e as Error).message}`);
    }
    const host = new NvmeHost(transport, { timeoutMs: options.hostTimeoutMs ?? 2000 });
    return {
      name: label,
      host,
      ...(options.changesUseHostQueue ? { changesUseHostQueue: true } : {}),
      namespaceChange: (nsid, until) => {
        if (options.namespaceChange) return options.namespaceChange(nsid, until);
        return Promise.reject(new UnsupportedStepError(`${label} has no namespace-change fault (NSID ${nsid} was not changed)`));
      },
      close: () => host.close(),
    };
  };
}
