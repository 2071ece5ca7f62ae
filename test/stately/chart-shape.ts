// One comparable shape for a statechart, built two ways: from the runtime machine (walking machine.root: state
// nodes, the node.transitions Map, always, guards' type) and from the config Stately's extractor rebuilt from the
// source text. diffShapes() lists every state, transition, guard, action, tag, invoke or description on which the
// two disagree: what the Stately editor would show differently from what runs. Params of actions are not compared.
import type { AnyStateMachine, AnyStateNode } from 'xstate';
import { INLINE, nameOf } from '../../src/diagram/diagram.ts';

export interface StateShape {
  readonly path: string;
  readonly type: string;
  readonly initial: string | null;
  readonly tags: readonly string[];
  readonly entry: readonly string[];
  readonly exit: readonly string[];
  /** `id=src` per invoked actor. */
  readonly invoke: readonly string[];
  readonly description: string | null;
}

export interface TransitionShape {
  readonly source: string;
  /** The event type; `always` for eventless transitions; `xstate.done.actor.ID` etc. as XState v5 names them. */
  readonly event: string;
  /** Position among the source's transitions for this event (the order guards are tried in). */
  readonly index: number;
  /** Target state paths; null for a targetless transition. */
  readonly targets: readonly string[] | null;
  readonly guard: string | null;
  readonly actions: readonly string[];
  readonly description: string | null;
}

export interface ChartShape {
  readonly id: string;
  readonly states: readonly StateShape[];
  readonly transitions: readonly TransitionShape[];
}

/** The root's path in a shape (a state path is its keys joined with '.'). */
export const ROOT = '(root)';
const pathOf = (segments: readonly string[]): string => (segments.length === 0 ? ROOT : segments.join('.'));

// ---- runtime (XState v5) ----

type Named = string | { type?: unknown } | ((...args: never[]) => unknown);


/** Entry/exit actions the runtime adds for `after` (raise and cancel of `xstate.after.*`) are not in the config. */
function isAfterBookkeeping(action: unknown): boolean {
  const a = action as { type?: unknown; id?: unknown; sendId?: unknown } | null;
  if (!a || (a.type !== 'xstate.raise' && a.type !== 'xstate.cancel')) return false;
  return [a.id, a.sendId].some((v) => typeof v === 'string' && v.startsWith('xstate.after.'));
}

function runtimeTransition(node: AnyStateNode, event: string, index: number, t: {
  target?: readonly AnyStateNode[] | undefined;
  guard?: unknown;
  actions: readonly unknown[];
  description?: string | undefined;
}): TransitionShape {
  return {
    source: pathOf(node.path),
    event,
    index,
    targets: t.target && t.target.length > 0 ? t.target.map((n) => pathOf(n.path)) : null,
    guard: t.guard === undefined || t.guard === null ? null : nameOf(t.guard as Named),
    actions: t.actions.map(nameOf),
    description: t.description ?? null,
  };
}

export function shapeOfMachine(machine: AnyStateMachine): ChartShape {
  const states: StateShape[] = [];
  const transitions: TransitionShape[] = [];
  const visit = (node: AnyStateNode): void => {
    const initialTarget = node.type === 'compound' ? node.initial?.target?.[0] : undefined;
    states.push({
      path: pathOf(node.path),
      type: node.type,
      initial: initialTarget ? initialTarget.key : null,
      tags: [...node.tags],
      entry: node.entry.filter((a) => !isAfterBookkeeping(a)).map(nameOf),
      exit: node.exit.filter((a) => !isAfterBookkeeping(a)).map(nameOf),
      invoke: node.invoke.map((inv) => `${inv.id}=${typeof inv.src === 'string' && !inv.src.startsWith('xstate.invoke.') ? inv.src : INLINE}`),
      description: node.description ?? null,
    });
    for (const [event, list] of node.transitions) {
      list.forEach((t, i) => transitions.push(runtimeTransition(node, event, i, t)));
    }
    (node.always ?? []).forEach((t, i) => transitions.push(runtimeTransition(node, 'always', i, t)));
    for (const child of Object.values(node.states)) visit(child as AnyStateNode);
  };
  visit(machine.root);
  return { id: machine.root.id, states, transitions };
}

// ---- extracted (@xstate/machine-extractor's toConfig(), xstate 4 vocabulary) ----

type MaybeArray<T> = T | readonly T[];
interface ExtractedAction {
  kind: 'named' | 'inline' | 'builtin';
  action: { type?: string };
}
interface ExtractedTransition {
  target?: MaybeArray<string>;
  cond?: { kind: 'named' | 'inline'; type: string };
  actions?: MaybeArray<ExtractedAction>;
  description?: string;
}
interface ExtractedInvoke {
  src: string;
  id?: string;
  kind: 'named' | 'inline';
  onDone?: MaybeArray<ExtractedTransition>;
  onError?: MaybeArray<ExtractedTransition>;
}
export interface ExtractedStateConfig {
  id?: string;
  initial?: string;
  type?: 'parallel' | 'history' | 'final';
  entry?: MaybeArray<ExtractedAction>;
  exit?: MaybeArray<ExtractedAction>;
  tags?: MaybeArray<string>;
  on?: Record<string, MaybeArray<ExtractedTransition>>;
  after?: Record<string, MaybeArray<ExtractedTransition>>;
  always?: MaybeArray<ExtractedTransition>;
  onDone?: MaybeArray<ExtractedTransition>;
  invoke?: MaybeArray<ExtractedInvoke>;
  states?: Record<string, ExtractedStateConfig>;
  description?: string;
}

const toArray = <T>(value: MaybeArray<T> | undefined): readonly T[] =>
  value === undefined ? [] : Array.isArray(value) ? (value as readonly T[]) : [value as T];

const extractedActionName = (a: ExtractedAction): string =>
  a.kind === 'inline' ? INLINE : typeof a.action?.type === 'string' ? a.action.type : INLINE;

interface Located {
  readonly segments: readonly string[];
  readonly config: ExtractedStateConfig;
  readonly parent: Located | null;
}

export function shapeOfExtracted(root: ExtractedStateConfig, fallbackId = '(machine)'): ChartShape {
  const rootId = root.id ?? fallbackId;
  const byPath = new Map<string, Located>();
  const byId = new Map<string, Located>();
  const index = (loc: Located): void => {
    byPath.set(pathOf(loc.segments), loc);
    byId.set(loc.config.id ?? [rootId, ...loc.segments].join('.'), loc);
    for (const [key, child] of Object.entries(loc.config.states ?? {})) index({ segments: [...loc.segments, key], config: child, parent: loc });
  };
  index({ segments: [], config: root, parent: null });

  const descend = (from: Located, keys: readonly string[]): Located | undefined => {
    let at: Located | undefined = from;
    for (const key of keys) at = at && byPath.get(pathOf([...at.segments, key]));
    return at;
  };
  /** XState v5 target resolution: `#id.path`, `.child.path` (from the source), `sibling.path` (from the parent). */
  const resolve = (source: Located, target: string): string => {
    let found: Located | undefined;
    if (target.startsWith('#')) {
      const [id, ...rest] = target.slice(1).split('.');
      const base = byId.get(id!);
      found = base && descend(base, rest);
    } else if (target.startsWith('.')) {
      found = descend(source, target.slice(1).split('.'));
    } else {
      found = source.parent ? descend(source.parent, target.split('.')) : undefined;
    }
    return found ? pathOf(found.segments) : `(unresolved: ${target})`;
  };
  const stateId = (loc: Located): string => loc.config.id ?? [rootId, ...loc.segments].join('.');

  const states: StateShape[] = [];
  const transitions: TransitionShape[] = [];
  const addTransitions = (loc: Located, event: string, list: readonly ExtractedTransition[]): void => {
    list.forEach((t, i) => {
      const targets = toArray(t.target);
      transitions.push({
        source: pathOf(loc.segments),
        event,
        index: i,
        targets: targets.length > 0 ? targets.map((target) => resolve(loc, target)) : null,
        guard: t.cond ? (t.cond.kind === 'inline' ? INLINE : t.cond.type) : null,
        actions: toArray(t.actions).map(extractedActionName),
        description: t.description ?? null,
      });
    });
  };
  const visit = (loc: Located): void => {
    const c = loc.config;
    const children = Object.keys(c.states ?? {});
    const type = c.type ?? (children.length > 0 ? 'compound' : 'atomic');
    const invokes = toArray(c.invoke);
    states.push({
      path: pathOf(loc.segments),
      type,
      initial: type === 'compound' ? (c.initial ?? null) : null,
      tags: [...toArray(c.tags)],
      entry: toArray(c.entry).map(extractedActionName),
      exit: toArray(c.exit).map(extractedActionName),
      invoke: invokes.map((inv, i) => `${inv.id ?? `${i}.${stateId(loc)}`}=${inv.kind === 'inline' ? INLINE : inv.src}`),
      description: c.description ?? null,
    });
    // The same order as XState v5's formatTransitions: on, onDone, each invoke's onDone/onError, after; then always.
    for (const [event, list] of Object.entries(c.on ?? {})) addTransitions(loc, event, toArray(list));
    if (c.onDone) addTransitions(loc, `xstate.done.state.${stateId(loc)}`, toArray(c.onDone));
    invokes.forEach((inv, i) => {
      const id = inv.id ?? `${i}.${stateId(loc)}`;
      if (inv.onDone) addTransitions(loc, `xstate.done.actor.${id}`, toArray(inv.onDone));
      if (inv.onError) addTransitions(loc, `xstate.error.actor.${id}`, toArray(inv.onError));
    });
    for (const [delay, list] of Object.entries(c.after ?? {})) addTransitions(loc, `xstate.after.${delay}.${stateId(loc)}`, toArray(list));
    if (c.always) addTransitions(loc, 'always', toArray(c.always));
    for (const key of children) visit(byPath.get(pathOf([...loc.segments, key]))!);
  };
  visit(byPath.get(ROOT)!);
  return { id: rootId, states, transitions };
}

// ---- comparison ----

const show = (value: unknown): string => JSON.stringify(value);
const transitionKey = (t: TransitionShape): string => `${t.source} --${t.event}[${t.index}]-->`;

/** Every disagreement, as a sentence naming what the runtime has and what Stately would show. */
export function diffShapes(runtime: ChartShape, extracted: ChartShape): string[] {
  const out: string[] = [];
  if (runtime.id !== extracted.id) out.push(`machine id: runtime ${show(runtime.id)}, extracted ${show(extracted.id)}`);

  const rStates = new Map(runtime.states.map((s) => [s.path, s]));
  const eStates = new Map(extracted.states.map((s) => [s.path, s]));
  for (const [path, r] of rStates) {
    const e = eStates.get(path);
    if (!e) {
      out.push(`state '${path}' is missing from the extraction`);
      continue;
    }
    for (const field of ['type', 'initial', 'tags', 'entry', 'exit', 'invoke', 'description'] as const) {
      if (show(r[field]) !== show(e[field])) out.push(`state '${path}' ${field}: runtime ${show(r[field])}, extracted ${show(e[field])}`);
    }
  }
  for (const path of eStates.keys()) if (!rStates.has(path)) out.push(`state '${path}' is extracted but does not exist at runtime`);

  const rTransitions = new Map(runtime.transitions.map((t) => [transitionKey(t), t]));
  const eTransitions = new Map(extracted.transitions.map((t) => [transitionKey(t), t]));
  for (const [key, r] of rTransitions) {
    const e = eTransitions.get(key);
    if (!e) {
      out.push(`transition ${key} ${show(r.targets)} is missing from the extraction`);
      continue;
    }
    for (const field of ['targets', 'guard', 'actions', 'description'] as const) {
      if (show(r[field]) !== show(e[field])) out.push(`transition ${key} ${field}: runtime ${show(r[field])}, extracted ${show(e[field])}`);
    }
  }
  for (const [key, e] of eTransitions) if (!rTransitions.has(key)) out.push(`transition ${key} ${show(e.targets)} is extracted but does not exist at runtime`);
  return out;
}
