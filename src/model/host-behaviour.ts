// The host-behaviour checker: a host's trace replayed through the host-behaviour chart
// (machines/host-behaviour.chart.ts), which emits each obligation the host left undone as a departure with its
// clause (NVMe Base 2.0 §5.2, §5.16, §5.16.1.5). The trace is the controller's view of the host: the records of
// a tapped controller (src/serve/control.ts tapController; the same for a served controller driven by Linux over
// NVMe/TCP and for the in-process emulator driven by NvmeHost), turned into host events here.
import { createActor } from 'xstate';
import { hostBehaviourChart } from '../../machines/host-behaviour.chart.ts';
import type { Departure, HostEvent } from '../logic/host-behaviour.ts';
import { AdminOpcode } from '../spec/constants.ts';
import type { DecodedCommand, ServeRecord } from '../serve/control.ts';
import { createController, type EmulatedController } from '../emulator.ts';
import { EmulatorTransport } from '../host/emulator-transport.ts';
import { NvmeHost } from '../host/nvme-host.ts';
import { ServeTrace, tapController } from '../serve/control.ts';
import { makeEmulatorTarget, type TargetFactory } from '../scenario/runner.ts';

export { HOST_RULES, type Departure, type HostEvent, type HostRule } from '../logic/host-behaviour.ts';

/** Replay host events through the chart; the departures in the order found. A `trace.ended` is added if missing. */
export function checkHostBehaviour(events: readonly HostEvent[]): Departure[] {
  const found: Departure[] = [];
  const actor = createActor(hostBehaviourChart);
  actor.on('departure', (d) => found.push(d));
  actor.start();
  for (const e of events) actor.send(e);
  if (events[events.length - 1]?.type !== 'trace.ended') actor.send({ type: 'trace.ended' });
  actor.stop();
  return found;
}

type ControllerRecord = Extract<ServeRecord, { source: 'controller' }>;

/** A tapped controller's records as host events: AERs submitted and completed, log pages and Identify data as the
 * host got them, resets. A command a submission fault dropped never completes; a completion a fault dropped never
 * reaches the host; a completion a fault rewrote is what the host got. */
export function hostEventsFromRecords(records: readonly ServeRecord[]): HostEvent[] {
  const events: HostEvent[] = [];
  const pending = new Map<number, DecodedCommand>();
  for (const r of records) {
    if (r.source !== 'controller') continue;
    const c = r as ControllerRecord;
    switch (c.type) {
      case 'command.fetched': {
        if (!c.command) break;
        pending.set(c.command.cid, c.command);
        if (c.command.opcode === AdminOpcode.ASYNC_EVENT_REQUEST) events.push({ type: 'aer.submitted', cid: c.command.cid, at: r.seq });
        break;
      }
      case 'completion.posted': {
        if (c.sqid) break;
        const command = pending.get(c.cid);
        pending.delete(c.cid);
        if (!command) break;
        const ok = c.status.sct === 0 && c.status.sc === 0;
        if (command.opcode === AdminOpcode.ASYNC_EVENT_REQUEST) events.push({ type: 'aer.completed', cid: c.cid, sct: c.status.sct, sc: c.status.sc, dw0: c.dw0, at: r.seq });
        else if (command.opcode === AdminOpcode.GET_LOG_PAGE) {
          events.push({ type: 'log.completed', lid: command.lid ?? 0, rae: command.rae ?? false, ok, nsids: c.changedNamespaces?.nsids ?? [], overflow: c.changedNamespaces?.overflow ?? false, at: r.seq });
        } else if (command.opcode === AdminOpcode.IDENTIFY) {
          events.push({ type: 'identify.completed', cns: command.cns ?? 0, nsid: command.nsid, ok, ...(c.activeNamespaces ? { active: c.activeNamespaces } : {}), at: r.seq });
        }
        break;
      }
      case 'controller.reset':
        pending.clear();
        events.push({ type: 'controller.reset', at: r.seq });
        break;
    }
  }
  const last = records[records.length - 1];
  events.push({ type: 'trace.ended', ...(last ? { at: last.seq } : {}) });
  return events;
}

/** Check a tapped controller's records. */
export const checkRecords = (records: readonly ServeRecord[]): Departure[] => checkHostBehaviour(hostEventsFromRecords(records));

/** runScenario's emulator target with the controller tapped: after the run, `trace` holds what the host did. */
export function tappedEmulatorTarget(onController?: (controller: EmulatedController, trace: ServeTrace) => void): { factory: TargetFactory; traces: ServeTrace[] } {
  const traces: ServeTrace[] = [];
  const factory = makeEmulatorTarget({
    onController: (controller) => {
      const trace = new ServeTrace();
      tapController(controller, trace);
      traces.push(trace);
      onController?.(controller, trace);
    },
  });
  return { factory, traces };
}
