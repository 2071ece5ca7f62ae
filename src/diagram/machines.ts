// The statecharts that get diagrams: one entry per file in machines/ (events.ts is type-only), named after the
// file (kebab-case, as `nvme-actors diagram NAME` and docs/machines/NAME.md spell it). The order is the docs' order.
import type { AnyStateMachine } from 'xstate';
import { controllerMachine } from '../../machines/controller.machine.ts';
import { adminQueueMachine } from '../../machines/admin-queue.machine.ts';
import { ioQueueMachine } from '../../machines/io-queue.machine.ts';
import { aenLatchMachine } from '../../machines/aen-latch.machine.ts';
import { aenLogPageChart } from '../../machines/aen-log-page.chart.ts';
import { CATALOGUE, INTERNAL_EVENTS } from '../logic/aen-chart.ts';
import { setDiagramStyle } from './style.ts';

export interface MachineEntry {
  readonly name: string;
  /** Repository-relative path of the file that defines it. */
  readonly file: string;
  readonly machine: AnyStateMachine;
}

export const machineList: readonly MachineEntry[] = [
  { name: 'controller', file: 'machines/controller.machine.ts', machine: controllerMachine },
  { name: 'admin-queue', file: 'machines/admin-queue.machine.ts', machine: adminQueueMachine },
  { name: 'io-queue', file: 'machines/io-queue.machine.ts', machine: ioQueueMachine },
  { name: 'aen-latch', file: 'machines/aen-latch.machine.ts', machine: aenLatchMachine },
  { name: 'aen-log-page', file: 'machines/aen-log-page.chart.ts', machine: aenLogPageChart },
];

/** name → machine. */
export const machines: Readonly<Record<string, AnyStateMachine>> = Object.fromEntries(machineList.map((m) => [m.name, m.machine]));

export const machineNames: readonly string[] = machineList.map((m) => m.name);

// The spec chart is read to predict completions: its diagram shows actions, the events it raises itself, its
// regions' descriptions and a legend of its guards and actions with their clauses; every transition has an SVG id
// (the HTML report marks the one taken).
setDiagramStyle(aenLogPageChart, {
  actions: true,
  internalEvents: INTERNAL_EVENTS,
  regionDescriptions: true,
  legend: Object.entries(CATALOGUE).map(([name, e]) => ({ kind: e.kind, name, text: e.text, clause: e.clause })),
  transitionIds: true,
});
