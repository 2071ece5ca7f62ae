// How a machine's diagram is drawn beyond the defaults of src/diagram/diagram.ts, registered per machine (by
// src/diagram/machines.ts) so the docs and the HTML report draw the same picture. A module of its own: machines.ts
// registers styles and diagram.ts reads them, and diagram.ts imports machines.ts.
import type { AnyStateMachine } from 'xstate';

/** How a machine's diagram is drawn beyond the defaults (src/diagram/machines.ts registers them). */
export interface DiagramStyle {
  /** Show each transition's actions under its label (`/ parkAer`). */
  readonly actions?: boolean;
  /** Events the machine raises itself, drawn in another colour. */
  readonly internalEvents?: readonly string[];
  /** Show a region's description under its name. */
  readonly regionDescriptions?: boolean;
  /** A legend of guards and actions: name, meaning, clause. */
  readonly legend?: ReadonlyArray<{ readonly kind: 'guard' | 'action'; readonly name: string; readonly text: string; readonly clause: string }>;
  /** SVG ids on every transition (edges `T<n>`, rows inside states `T<n>`), n its index in document order. */
  readonly transitionIds?: boolean;
}

const styles = new WeakMap<AnyStateMachine, DiagramStyle>();
export const setDiagramStyle = (machine: AnyStateMachine, style: DiagramStyle): void => void styles.set(machine, style);
export const diagramStyleOf = (machine: AnyStateMachine): DiagramStyle => styles.get(machine) ?? {};

