// `nvme-actors/machines`: the statecharts themselves, for inspection (createActor with an `inspect` hook, the
// Stately inspector), diagrams, and the Stately editor: `machineSource(name)` is the path of the machine's
// TypeScript source, shipped in the package's machines/ folder, which the Stately VS Code extension and the
// editor's import read (docs/stately.md).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { machineList } from './diagram/machines.ts';

export { controllerMachine, type ControllerInput, type ControllerContext } from '../machines/controller.machine.ts';
export { adminQueueMachine, type AdminQueueInput, type AdminQueueContext } from '../machines/admin-queue.machine.ts';
export { ioQueueMachine, type IoQueueInput, type IoQueueContext } from '../machines/io-queue.machine.ts';
export { aenLatchMachine } from '../machines/aen-latch.machine.ts';
export { aenLogPageChart } from '../machines/aen-log-page.chart.ts';
export type * from '../machines/events.ts';
export { machineList, machines, machineNames, type MachineEntry } from './diagram/machines.ts';
export { DIAGRAM_FORMATS, renderDiagram, toDiagramGraph, toJson, toMermaid, toDot, toSvg, type DiagramFormat, type DiagramNode, type DiagramEdge } from './diagram/diagram.ts';

/** The package's root: two levels above this module when compiled (dist/src/machines.js), one in the sources. */
const ROOT = new URL(import.meta.url.includes('/dist/src/') ? '../../' : '../', import.meta.url);

/** Absolute path of a machine's TypeScript source (`machineSource('aen-latch')` → …/machines/aen-latch.machine.ts). */
export function machineSource(name: string): string {
  const entry = machineList.find((m) => m.name === name);
  if (!entry) throw new Error(`unknown machine '${name}': one of ${machineList.map((m) => m.name).join(', ')}`);
  const path = fileURLToPath(new URL(entry.file, ROOT));
  if (!existsSync(path)) throw new Error(`${entry.file} is not where it should be (${path})`);
  return path;
}
