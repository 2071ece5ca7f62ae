// The host-behaviour checker (machines/host-behaviour.chart.ts, src/model/host-behaviour.ts): a conforming host's
// trace has no departure, and each kind of departure is found with its clause — from hand-written host events, and
// from the controller's own trace of NvmeHost driving the emulator (in process and over NVMe/TCP), including the
// examples as the runner plays them.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { readdirSync, readFileSync } from 'node:fs';
import { checkHostBehaviour, checkRecords, HOST_RULES, hostEventsFromRecords, tappedEmulatorTarget, type HostEvent } from '../../src/model/host-behaviour.ts';
import { createController } from '../../src/emulator.ts';
import { EmulatorTransport } from '../../src/host/emulator-transport.ts';
import { NvmeHost } from '../../src/host/nvme-host.ts';
import { ServeTrace, startControl, tapController } from '../../src/serve/control.ts';
import { loopback } from '../../src/serve/loopback.ts';
import { parseScenarioText } from '../../src/scenario/schema.ts';
import { runScenario } from '../../src/scenario/runner.ts';

const AEN = 0x00040002;
const aer = (cid: number): HostEvent => ({ type: 'aer.submitted', cid });
const aen = (cid: number, dw0 = AEN): HostEvent => ({ type: 'aer.completed', cid, sct: 0, sc: 0, dw0 });
const aerError = (cid: number, sct: number, sc: number): HostEvent => ({ type: 'aer.completed', cid, sct, sc, dw0: 0 });
const log = (nsids: number[], o: { rae?: boolean; ok?: boolean; lid?: number; overflow?: boolean } = {}): HostEvent => ({ type: 'log.completed', lid: o.lid ?? 4, rae: o.rae ?? false, ok: o.ok ?? true, nsids, overflow: o.overflow ?? false });
const identify = (cns: number, nsid: number, active?: number[]): HostEvent => ({ type: 'identify.completed', cns, nsid, ok: true, ...(active ? { active } : {}) });
const rules = (events: HostEvent[]): string[] => checkHostBehaviour(events).map((d) => d.rule);

/** What Linux does (nvme_complete_async_event, nvme_scan_work): re-arm, read 04h with RAE=0, active list, Identify. */
const conforming: HostEvent[] = [aer(1), aen(1), aer(2), log([2]), identify(2, 0, [1, 2]), identify(0, 2), identify(3, 2)];

describe('the host-behaviour chart', () => {
  it('accepts a host that re-arms, reads the log with RAE=0 and identifies the listed namespace', () => {
    expect(checkHostBehaviour(conforming)).toEqual([]);
    expect(rules([aer(1), aen(1), aer(2), log([2], { rae: true }), log([], { rae: false }), identify(0, 2)])).toEqual([]); // RAE=1 then RAE=0
    expect(rules([aer(1), aen(1), aer(2), log([2]), identify(2, 0, [1])])).toEqual([]); // NSID 2 is gone: the active list says so
    expect(rules([aer(1), aen(1), aer(2), log([], { overflow: true }), identify(2, 0, [1, 2])])).toEqual([]);
    expect(rules([aer(1), aer(2)])).toEqual([]); // no event: nothing owed
  });

  it('finds each departure, with its clause', () => {
    const cases: [string, HostEvent[], string[]][] = [
      ['no AER after an AEN', [aer(1), aen(1), log([2]), identify(0, 2)], ['aerNotRearmed']],
      ['no AER after an AER error', [aer(1), aerError(1, 0, 0x06)], ['aerNotRearmed']],
      ['no AER after an aborted AER', [aer(1), aerError(1, 0, 0x07)], ['aerNotRearmed']],
      ['more AERs than AERL+1', [aer(1), aer(2), aerError(2, 1, 0x05)], ['aerLimitExceeded']],
      ['the log never read', [aer(1), aen(1), aer(2)], ['logNotRead']],
      ['the log read failing', [aer(1), aen(1), aer(2), log([], { ok: false })], ['logNotRead']],
      ['another log page read', [aer(1), aen(1), aer(2), log([], { lid: 2 })], ['logNotRead']],
      ['the log read with RAE=1 only', [aer(1), aen(1), aer(2), log([2], { rae: true }), identify(0, 2)], ['logRetained']],
      ['the listed namespace not identified', [aer(1), aen(1), aer(2), log([2, 3]), identify(0, 3)], ['notRescanned']],
      ['the listed namespace active, not identified', [aer(1), aen(1), aer(2), log([2]), identify(2, 0, [1, 2])], ['notRescanned']],
      ['an overflowed list, no active list from 0', [aer(1), aen(1), aer(2), log([], { overflow: true }), identify(2, 5, [6])], ['notRescanned']],
      ['all of them', [aer(1), aen(1), log([2], { rae: true })], ['aerNotRearmed', 'logRetained', 'notRescanned']],
    ];
    for (const [what, events, expected] of cases) {
      const found = checkHostBehaviour(events);
      expect(found.map((d) => d.rule).sort(), what).toEqual([...expected].sort());
      for (const d of found) expect(d.clause, what).toBe(HOST_RULES[d.rule].clause);
    }
    expect(checkHostBehaviour([aer(1), aerError(1, 0, 0x06)])[0]!.detail).toBe('the last AER (CID 1) completed with status 0/06h and no AER was submitted after it');
    expect(checkHostBehaviour([aer(1), aen(1), aer(2), log([2, 3])])[0]!.detail).toBe('NSID 2, 3 not identified after the list named them');
  });

  it('a controller reset ends the AER and log obligations, not the rescan', () => {
    expect(rules([aer(1), aen(1), { type: 'controller.reset' }])).toEqual([]);
    expect(rules([aer(1), aen(1), aer(2), log([2]), { type: 'controller.reset' }])).toEqual(['notRescanned']);
    expect(rules([aer(1), aen(1), { type: 'controller.reset' }, aer(5), aen(5)])).toEqual(['aerNotRearmed', 'logNotRead']);
  });
});

/** NvmeHost doing what Linux does, on a controller whose trace `trace` holds. */
async function conformingHost(host: NvmeHost, change: () => Promise<unknown>): Promise<void> {
  await host.enable();
  const first = await host.submitAer();
  await change();
  expect((await host.waitFor(first)).dw0).toBe(AEN);
  await host.submitAer();
  expect(await host.readChangedList()).toEqual({ overflow: false, nsids: [2] });
  expect(await host.activeNamespaces()).toEqual([1, 2]);
  await host.identifyNamespace(2);
}

describe('the checker on the controller\'s trace of NvmeHost', () => {
  it('in process: a conforming host has no departure; one that stops after the AEN has three', async () => {
    const controller = createController({ namespaces: [{ nsid: 1 }, { nsid: 2, attached: false }] });
    const trace = new ServeTrace();
    tapController(controller, trace);
    const host = new NvmeHost(new EmulatorTransport(controller));
    await conformingHost(host, async () => {
      controller.namespaces.setAttached(2, true);
      await controller.faults.namespace.notifyChange(2);
    });
    const events = hostEventsFromRecords(trace.since(0));
    expect(events.map((e) => e.type)).toEqual(['aer.submitted', 'aer.completed', 'aer.submitted', 'log.completed', 'identify.completed', 'identify.completed', 'trace.ended']);
    expect(events[3]).toMatchObject({ lid: 4, rae: false, ok: true, nsids: [2] });
    expect(events[4]).toMatchObject({ cns: 2, active: [1, 2] });
    expect(checkRecords(trace.since(0))).toEqual([]);

    // The same host after one more change: it stops after the AEN.
    controller.namespaces.setAttached(2, false);
    await controller.faults.namespace.notifyChange(2);
    await host.poll();
    expect(checkRecords(trace.since(0)).map((d) => d.rule).sort()).toEqual(['aerNotRearmed', 'logNotRead']);
    await host.readChangedList(true);
    expect(checkRecords(trace.since(0)).map((d) => d.rule).sort()).toEqual(['aerNotRearmed', 'logRetained', 'notRescanned']);
    await host.close();
  });

  it('over NVMe/TCP: the served controller\'s trace (the one the control channel streams) checks the same', async () => {
    const { target, host } = await loopback({ controller: { namespaces: [{ nsid: 1 }, { nsid: 2, attached: false }] } });
    const control = await startControl(target, { port: 0 });
    try {
      await conformingHost(host, async () => {
        target.controller.namespaces.setAttached(2, true);
        await target.controller.faults.namespace.notifyChange(2);
      });
      expect(checkRecords(control.trace.since(0))).toEqual([]);
      // A fault makes the host's log read come back failed: the log is owed.
      target.controller.faults.active = true;
      const { matchCommand } = await import('../../src/faults/admin-faults.ts');
      target.controller.faults.admin.completion(matchCommand({ opcode: 0x02 }), { kind: 'update', completion: { status: { sct: 0, sc: 0x06, dnr: false } } });
      target.controller.namespaces.setAttached(2, false);
      await target.controller.faults.namespace.notifyChange(2);
      await host.submitAer();
      await expect(host.readChangedList()).rejects.toThrow(/0\/06h/);
      expect(checkRecords(control.trace.since(0)).map((d) => d.rule)).toEqual(['logNotRead']);
    } finally {
      await control.close();
      await host.close();
    }
  });

  it('the examples as the runner plays them: each departure their scripts leave', async () => {
    const dir = join(import.meta.dirname, '../../examples');
    const found: Record<string, string[]> = {};
    for (const name of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
      const { factory, traces } = tappedEmulatorTarget();
      const result = await runScenario(parseScenarioText(readFileSync(join(dir, name), 'utf8'), name), factory);
      expect(result.failed, name).toBe(0);
      found[name] = checkRecords(traces[0]!.since(0)).map((d) => `${d.rule}: ${d.detail}`);
    }
    // The examples script a controller test, not a whole host: each departs where its script stops short of what
    // a host owes after an AEN; the fault examples that raise no AEN owe nothing.
    expect(found).toEqual({
      'attach-raises-notice.json': ["aerNotRearmed: the last AER (CID 1) completed with an event and no AER was submitted after it", "notRescanned: NSID 2 not identified after the list named it"],
      'fault-aen-drop-openvmm.json': ["notRescanned: NSID 1 not identified after the list named it"],
      'fault-aen-drop-spec.json': ["notRescanned: NSID 1, 2 not identified after the list named them"],
      'fault-completion-delay-blocking.json': [],
      'fault-completion-delay.json': [],
      'fault-max-queue-entries.json': [],
      'fault-panic-now.json': [],
      'fault-panic-on-command.json': [],
      'fault-pci-ids.json': [],
      'latch-three-changes.json': ["notRescanned: NSID 1, 2, 3 not identified after the list named them"],
      'openvmm-test-no-aec-feature.json': ["aerNotRearmed: the last AER (CID 3) completed with an event and no AER was submitted after it", "logNotRead: log page 04h (AEN DW0 00040002h) never read successfully"],
      'openvmm-test-remove-namespace-panic.json': [],
      'openvmm-test-single-reply-slot.json': ["aerNotRearmed: the last AER (CID 1) completed with an event and no AER was submitted after it", "logNotRead: log page 04h (AEN DW0 00040002h) never read successfully"],
      'seed-namespace-change.json': ["aerNotRearmed: the last AER (CID 1) completed with an event and no AER was submitted after it", "notRescanned: NSID 1 not identified after the list named it"],
      'write-then-read.json': [],
    });
  });
});
