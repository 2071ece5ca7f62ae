// The emulator served over NVMe/TCP on 127.0.0.1 and driven by NvmeHost over the TCP transport, in one process: a
// scenario target (runScenario) whose commands, registers and data cross a real socket and the PDU codec on both
// sides. `settle` waits until each side has consumed the other's bytes, so a step sees the controller in the
// state it would see in-process (a namespace change right after a submitted AER finds the AER parked).
import { NvmeHost } from '../host/nvme-host.ts';
import { connectTcp, type TcpTransport, type TcpTransportOptions } from '../host/tcp-transport.ts';
import type { ControllerOptions } from '../emulator.ts';
import { NvmeTcpTarget, type TargetConnection, type TargetTimers } from './target.ts';
import { applyFaultStep, type TargetFactory } from '../scenario/runner.ts';

/** Wait (event-loop turns, bounded) until `connection` has processed every byte `transport` sent and the other way. */
export async function settleLoopback(connection: () => TargetConnection | undefined, transport: TcpTransport, boundMs = 2000): Promise<void> {
  const deadline = Date.now() + boundMs;
  for (;;) {
    await new Promise<void>((r) => setImmediate(r));
    const c = connection();
    if (!c || (c.bytesIn === transport.bytesOut && transport.bytesIn === c.bytesOut)) return;
    if (Date.now() > deadline) return;
  }
}

export interface LoopbackOptions extends Pick<TcpTransportOptions, 'hdgst' | 'ddgst' | 'kato'> {
  readonly controller?: ControllerOptions;
  /** The target's KATO timers (tests). */
  readonly timers?: TargetTimers;
  /** NvmeHost timeout (default 500 ms). */
  readonly timeoutMs?: number;
}

/** A served controller and a host connected to it over loopback TCP. */
export async function loopback(options: LoopbackOptions = {}): Promise<{ target: NvmeTcpTarget; transport: TcpTransport; host: NvmeHost }> {
  const target = new NvmeTcpTarget({ controller: options.controller, timers: options.timers });
  const { port } = await target.listen(0, '127.0.0.1');
  let transport: TcpTransport;
  try {
    transport = await connectTcp({ host: '127.0.0.1', port, nqn: target.nqn }, {
      hdgst: options.hdgst, ddgst: options.ddgst, kato: options.kato ?? 0, queueSize: 16,
      settle: (t) => settleLoopback(() => target.connectionOf(t.localPort), t),
    });
  } catch (e) {
    await target.close();
    throw e;
  }
  const host = new NvmeHost(transport, { timeoutMs: options.timeoutMs ?? 500 });
  const close = host.close.bind(host);
  host.close = async () => {
    await close();
    await target.close();
  };
  return { target, transport, host };
}

/** runScenario's target: the scenario's controller served over NVMe/TCP on loopback. */
export function makeTcpLoopbackTarget(options: Omit<LoopbackOptions, 'controller'> = {}): TargetFactory {
  return async (scenario) => {
    const { target, host } = await loopback({ ...options, controller: { profile: scenario.profile, aerl: scenario.controller.aerl, namespaces: scenario.controller.namespaces } });
    const controller = target.controller;
    return {
      name: 'tcp-loopback',
      host,
      namespaceChange: async (nsid, until) => ({ receipt: await controller.faults.namespace.notifyChange(nsid, { until }) }),
      namespaceChanges: async (nsids, until) => ({ receipts: await controller.faults.namespace.notifyChanges(nsids, { until }) }),
      fault: (step) => applyFaultStep(controller, step),
      close: () => host.close(),
    };
  };
}

export const tcpLoopbackTarget: TargetFactory = makeTcpLoopbackTarget();
