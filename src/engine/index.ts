// Which engine runs the machines: 'xstate' (XState 5's own interpreter, the reference) or 'fast' (src/engine/
// interpreter.ts: the same machine definitions run from precomputed tables, inside the same XState actor system).
// logicFor(machine, engine) is used wherever the machine would be: createActor(logicFor(m, e)), or as the logic
// `.provide()`d for an invoked child. NVME_ACTORS_ENGINE=xstate|fast sets the default (bench/engine.ts: the figures).
import type { AnyStateMachine } from 'xstate';
import { fastLogic } from './interpreter.ts';

export type EngineName = 'xstate' | 'fast';
export const ENGINE_NAMES: readonly EngineName[] = ['xstate', 'fast'];
export const DEFAULT_ENGINE: EngineName = 'fast';

/** The engine named by NVME_ACTORS_ENGINE, or DEFAULT_ENGINE; any other value is a one-line error. */
export function defaultEngine(env: Readonly<Record<string, string | undefined>> = process.env): EngineName {
  const name = env.NVME_ACTORS_ENGINE;
  if (name === undefined || name === '') return DEFAULT_ENGINE;
  return checkEngine(name, 'NVME_ACTORS_ENGINE');
}

export function checkEngine(name: unknown, where = 'engine'): EngineName {
  if (name === 'xstate' || name === 'fast') return name;
  throw new RangeError(`${where}: unknown engine '${String(name)}'; expected one of ${ENGINE_NAMES.join(', ')}`);
}

/** The logic that runs `machine` on `engine`. Typed as the machine: the 'fast' engine's snapshots have the fields
 * and methods of XState's MachineSnapshot (value, context, children, status, tags, matches, hasTag, can, toJSON). */
export function logicFor<M extends AnyStateMachine>(machine: M, engine: EngineName): M {
  return (engine === 'xstate' ? machine : fastLogic(machine)) as unknown as M;
}

export { FastSnapshot, fastLogic } from './interpreter.ts';
