// The 'fast' engine: an interpreter of XState v5 machine definitions, precomputed into tables, that runs as an
// XState ActorLogic inside XState's own actor system (createActor, systemId, sendTo, emit, inspection all unchanged).
// It reads the machine as XState parsed it (machine.root: state nodes, transitions, guards and actions by name,
// machine.implementations) and follows XState 5.33's macrostep/microstep algorithm (SCXML order: exit, transition,
// entry; eventless transitions before raised events). It leaves out what our machines do not use and says so when
// asked for it: history states, `after`, state or machine `output`, inline invoke sources, spawning from assign. Built-in actions (sendTo, emit, raise, enqueueActions) are resolved and executed by XState's own code.
import {
  StateMachine,
  cancel,
  createActor,
  emit,
  matchesState,
  raise,
  sendParent,
  sendTo,
  spawnChild,
  stopChild,
  type ActorLogic,
  type ActorScope,
  type Snapshot,
  type AnyActorRef,
  type AnyEventObject,
  type AnyStateMachine,
  type StateValue,
} from 'xstate';

// XState's parsed definition, as far as this interpreter reads it (StateNode, TransitionDefinition, InvokeDefinition).
interface Node {
  readonly id: string;
  readonly key: string;
  readonly type: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  readonly order: number;
  readonly parent?: Node;
  readonly states: Record<string, Node>;
  readonly tags: readonly string[];
  readonly entry: readonly unknown[];
  readonly exit: readonly unknown[];
  readonly invoke: readonly InvokeDef[];
  readonly transitions: Map<string, Transition[]>;
  readonly always?: Transition[];
  readonly initial: { readonly target: readonly Node[]; readonly actions: readonly unknown[] };
  readonly config: { readonly after?: unknown; readonly output?: unknown; readonly history?: unknown };
  readonly output?: unknown;
  readonly meta?: unknown;
}
interface Transition {
  readonly source: Node;
  readonly target?: readonly Node[];
  readonly reenter: boolean;
  readonly actions: readonly unknown[];
  readonly guard?: unknown;
  readonly eventType: string | null;
}
interface InvokeDef {
  readonly id: string;
  readonly src: unknown;
  readonly systemId?: string;
  readonly input?: unknown;
  readonly onSnapshot?: unknown;
}
type Fn = (...args: never[]) => unknown;
interface Implementations {
  readonly actions: Record<string, unknown>;
  readonly guards: Record<string, unknown>;
  readonly actors: Record<string, unknown>;
}
/** An XState built-in action (assign, sendTo, raise, emit, enqueueActions, spawnChild, stopChild, ...). */
interface BuiltIn {
  (...args: never[]): unknown;
  readonly type: string;
  readonly resolve: (...args: unknown[]) => [unknown, unknown, unknown[] | undefined];
  readonly retryResolve?: (...args: unknown[]) => void;
  readonly execute?: (...args: unknown[]) => void;
  readonly assignment?: unknown;
}
/** FastSnapshot as the Snapshot union XState's ActorLogic expects. */
type Snap = FastSnapshot & Snapshot<unknown>;
type Scope = ActorScope<Snap, AnyEventObject, never, AnyEventObject> & {
  readonly self: AnyActorRef;
  actionExecutor(a: { type: string; info: unknown; params: unknown; exec: unknown }): void;
  stopChild(child: AnyActorRef): void;
};
interface InternalSystem {
  _sendInspectionEvent(e: Record<string, unknown>): void;
}

const isAtomic = (n: Node): boolean => n.type === 'atomic' || n.type === 'final';
const childLists = new WeakMap<Node, Node[]>();
/** A node's child states (no history nodes), computed once per node. */
function childrenOf(n: Node): Node[] {
  let c = childLists.get(n);
  if (!c) childLists.set(n, (c = Object.values(n.states).filter((s) => s.type !== 'history')));
  return c;
}
function isDescendant(child: Node, parent: Node | undefined): boolean {
  let m = child;
  while (m.parent && m.parent !== parent) m = m.parent;
  return m.parent === parent;
}
function properAncestors(n: Node, to: Node | undefined): Node[] {
  const out: Node[] = [];
  if (to === n) return out;
  for (let m = n.parent; m && m !== to; m = m.parent) out.push(m);
  return out;
}

/** A marker in an action list: start the invoked child of a state being entered. */
class SpawnOp {
  constructor(readonly def: InvokeDef) {}
}
/** A marker in an action list: stop the invoked child of a state being exited. */
class StopOp {
  constructor(readonly id: string) {}
}
// XState's own executors for spawning and stopping a child (start deferred to the end of the step, unregister first).
const executeSpawn = (spawnChild('x') as unknown as BuiltIn).execute!;
const executeStop = (stopChild('x') as unknown as BuiltIn).execute!;
const executeSendTo = (sendTo('x', { type: 'x' }) as unknown as BuiltIn).execute!;
const executeEmit = (emit({ type: 'x' }) as unknown as BuiltIn).execute!;
const executeRaise = (raise({ type: 'x' }) as unknown as BuiltIn).execute!;

/** An action `enqueueActions` queued (assign, raise, sendTo to an actor or a function of one, emit), kept as data
 * instead of an XState action object: what XState would build per call, then resolve. Executed by XState's code. */
class Enqueued {
  constructor(readonly kind: 'assign' | 'raise' | 'sendTo' | 'emit', readonly a: unknown, readonly b?: unknown) {}
}
let collecting: unknown[] = [];
const push = (a: unknown): void => void collecting.push(a);
const enqueue = Object.assign((action: unknown) => push(action), {
  assign: (assignment: unknown) => push(new Enqueued('assign', assignment)),
  raise: (event: unknown, options?: { delay?: unknown }) => push(options?.delay === undefined && typeof event !== 'string' ? new Enqueued('raise', event) : raise(event as never, options as never)),
  sendTo: (to: unknown, event: unknown, options?: { delay?: unknown }) =>
    push(options?.delay === undefined && typeof to !== 'string' && typeof event !== 'string' ? new Enqueued('sendTo', to, event) : sendTo(to as never, event as never, options as never)),
  emit: (event: unknown) => push(new Enqueued('emit', event)),
  cancel: (id: string) => push(cancel(id)),
  sendParent: (event: unknown, options?: unknown) => push(sendParent(event as never, options as never)),
  spawnChild: (src: unknown, options?: unknown) => push(spawnChild(src as never, options as never)),
  stopChild: (ref: unknown) => push(stopChild(ref as never)),
});

/** Per actor system: how many inspection observers it has. With none, actions run as XState's actionExecutor runs
 * them (at once while the actor runs, deferred before) without building the inspection events nobody reads. */
interface Inspection {
  observers: number;
}
const inspections = new WeakMap<object, Inspection>();
function inspectionOf(scope: Scope): Inspection {
  const system = scope.system as unknown as { inspect(o: unknown): { unsubscribe(): void } };
  let found = inspections.get(system);
  if (!found) {
    let root = scope.self as AnyActorRef & { _parent?: AnyActorRef; options?: { inspect?: unknown } };
    while (root._parent) root = root._parent as typeof root;
    const state: Inspection = { observers: root.options?.inspect ? 1 : 0 };
    const original = system.inspect.bind(system);
    system.inspect = (observer) => {
      state.observers++;
      const sub = original(observer);
      let open = true;
      return {
        unsubscribe() {
          if (open) state.observers--;
          open = false;
          sub.unsubscribe();
        },
      };
    };
    inspections.set(system, state);
    found = state;
  }
  return found;
}

/** One configuration of active state nodes, interned per machine: its value, tags and cached microstep plans. */
class Config {
  readonly active: Set<Node>;
  readonly activeChild = new Map<Node, Node>();
  readonly value: StateValue;
  readonly tags: Set<string>;
  /** Per atomic state (document order), the nodes from it up to the root that have eventless transitions. */
  readonly alwaysChains: readonly (readonly Node[])[];
  readonly plans = new Map<Transition | string, Plan>();
  constructor(readonly key: string, readonly nodes: readonly Node[], root: Node) {
    this.active = new Set(nodes);
    for (const n of nodes) if (n.parent && n.parent.type === 'compound') this.activeChild.set(n.parent, n);
    this.value = Object.freeze(valueOf(root, nodes));
    this.tags = new Set(nodes.flatMap((n) => n.tags));
    const chains: Node[][] = [];
    for (const n of nodes) {
      if (!isAtomic(n)) continue;
      const chain = [n, ...properAncestors(n, undefined)].filter((s) => s.always && s.always.length > 0);
      if (chain.length > 0) chains.push(chain);
    }
    this.alwaysChains = chains;
  }
}
/** XState's getStateValue: the value of `root` given the active nodes. */
function valueOf(root: Node, nodes: readonly Node[]): StateValue {
  const adj = new Map<Node, Node[]>();
  for (const n of nodes) {
    if (!adj.has(n)) adj.set(n, []);
    if (n.parent) {
      if (!adj.has(n.parent)) adj.set(n.parent, []);
      adj.get(n.parent)!.push(n);
    }
  }
  const from = (base: Node): StateValue => {
    const kids = adj.get(base);
    if (!kids) return {};
    if (base.type === 'compound') {
      const kid = kids[0];
      if (!kid) return {};
      if (isAtomic(kid)) return kid.key;
    }
    const v: Record<string, StateValue> = {};
    for (const k of kids) v[k.key] = from(k);
    return v;
  };
  return from(root);
}

interface EnterStep {
  readonly actions: readonly unknown[];
  readonly deferredIds: readonly string[] | undefined;
  /** `xstate.done.state.<id>` events raised after this state's entry actions. */
  readonly doneEvents: readonly AnyEventObject[];
  readonly machineDone: boolean;
}
/** What a microstep does from one configuration with one set of enabled transitions (cached). */
interface Plan {
  readonly exit: readonly (readonly unknown[])[];
  readonly transitionActions: readonly unknown[];
  readonly enter: readonly EnterStep[];
  readonly doneExit: readonly unknown[];
  readonly next: Config;
}

/** The mutable state of one macrostep. */
interface Working {
  config: Config;
  context: Record<string, unknown>;
  children: Record<string, AnyActorRef | undefined>;
  status: 'active' | 'done' | 'error' | 'stopped';
  output: unknown;
  error: unknown;
  /** Something inspects the actor system: actions go through XState's actionExecutor, microsteps are reported. */
  inspecting: boolean;
}

/** The snapshot the 'fast' engine produces: the fields and methods of XState's MachineSnapshot. */
export class FastSnapshot {
  readonly historyValue = {};
  constructor(
    readonly status: Working['status'],
    readonly context: Record<string, unknown>,
    readonly children: Record<string, AnyActorRef | undefined>,
    readonly output: unknown,
    readonly error: unknown,
    readonly machine: AnyStateMachine,
    readonly _config: Config,
  ) {}
  get value(): StateValue {
    return this._config.value;
  }
  get tags(): Set<string> {
    return this._config.tags;
  }
  get _nodes(): readonly Node[] {
    return this._config.nodes;
  }
  matches(v: StateValue): boolean {
    return matchesState(v, this._config.value);
  }
  hasTag(tag: string): boolean {
    return this._config.tags.has(tag);
  }
  can(event: AnyEventObject): boolean {
    const data = (this.machine as unknown as { getTransitionData(s: unknown, e: unknown): Transition[] }).getTransitionData(this, event);
    return !!data?.length && data.some((t) => t.target !== undefined || t.actions.length > 0);
  }
  getMeta(): Record<string, unknown> {
    const meta: Record<string, unknown> = {};
    for (const n of this._config.nodes) if (n.meta !== undefined) meta[n.id] = n.meta;
    return meta;
  }
  toJSON(): Record<string, unknown> {
    return { status: this.status, output: this.output, error: this.error, context: this.context, value: this.value, children: this.children, historyValue: this.historyValue, tags: [...this.tags] };
  }
}

/** The tables built once per machine. */
class Tables {
  readonly root: Node;
  readonly impl: Implementations;
  private readonly configs = new Map<string, Config>();
  private readonly ids = new Map<Transition, number>();
  readonly initial: Plan;
  readonly preInitial: Config;
  constructor(readonly machine: AnyStateMachine) {
    this.root = (machine as unknown as { root: Node }).root;
    this.impl = machine.implementations as unknown as Implementations;
    const all: Node[] = [];
    const walk = (n: Node): void => {
      all.push(n);
      for (const c of Object.values(n.states)) walk(c);
    };
    walk(this.root);
    const unsupported = (what: string, n: Node): never => {
      throw new Error(`engine 'fast' cannot run machine '${machine.id}': ${what} in state '${n.id}' (use engine 'xstate')`);
    };
    for (const n of all) {
      if (n.type === 'history') unsupported('a history state', n);
      if (n.config.after !== undefined) unsupported('an `after` transition', n);
      if (n.output !== undefined || (n === this.root && n.config.output !== undefined)) unsupported('an `output`', n);
      for (const inv of n.invoke) if (typeof inv.src !== 'string') unsupported('an inline invoke source', n);
    }
    this.preInitial = this.config([this.root]);
    this.initial = this.plan(this.preInitial, [{ target: initialNodes(this.root), source: this.root, reenter: true, actions: [], eventType: null }], true);
  }
  config(nodes: readonly Node[]): Config {
    const sorted = [...nodes].sort((a, b) => a.order - b.order);
    const key = sorted.map((n) => n.order).join(',');
    let c = this.configs.get(key);
    if (!c) {
      c = new Config(key, Object.freeze(sorted), this.root);
      this.configs.set(key, c);
    }
    return c;
  }
  planFor(config: Config, ts: readonly Transition[]): Plan {
    let key: Transition | string;
    if (ts.length === 1) key = ts[0]!;
    else key = ts.map((t) => this.idOf(t)).join(',');
    let p = config.plans.get(key);
    if (!p) {
      p = this.plan(config, ts, false);
      config.plans.set(key, p);
    }
    return p;
  }
  private idOf(t: Transition): number {
    let id = this.ids.get(t);
    if (id === undefined) this.ids.set(t, (id = this.ids.size));
    return id;
  }
  /** XState's microstep, computed on state nodes once per (configuration, transitions). */
  private plan(config: Config, ts: readonly Transition[], isInitial: boolean): Plan {
    const set = new Set(config.nodes);
    const filtered = removeConflicting(ts, set);
    const exit: unknown[][] = [];
    if (!isInitial) {
      const toExit = exitSet(filtered, set).sort((a, b) => b.order - a.order);
      for (const s of toExit) {
        exit.push([...s.exit, ...s.invoke.map((d) => new StopOp(d.id))]);
        set.delete(s);
      }
    }
    const transitionActions = filtered.flatMap((t) => t.actions);
    const toEnter = new Set<Node>();
    const defaultEntry = new Set<Node>();
    entrySet(filtered, defaultEntry, toEnter);
    if (isInitial) defaultEntry.add(this.root);
    const enter: EnterStep[] = [];
    const completed = new Set<Node>();
    let machineDone = false;
    for (const s of [...toEnter].sort((a, b) => a.order - b.order)) {
      set.add(s);
      const actions: unknown[] = [...s.entry, ...s.invoke.map((d) => new SpawnOp(d))];
      if (defaultEntry.has(s)) actions.push(...s.initial.actions);
      const doneEvents: AnyEventObject[] = [];
      let doneHere = false;
      if (s.type === 'final') {
        const parent = s.parent;
        let marker = parent?.type === 'parallel' ? parent : parent?.parent;
        if (parent?.type === 'compound') doneEvents.push({ type: `xstate.done.state.${parent.id}`, output: undefined });
        while (marker?.type === 'parallel' && !completed.has(marker) && inFinalState(set, marker)) {
          completed.add(marker);
          doneEvents.push({ type: `xstate.done.state.${marker.id}`, output: undefined });
          marker = marker.parent;
        }
        if (!marker) doneHere = machineDone = true;
      }
      enter.push({ actions, deferredIds: s.invoke.length > 0 ? s.invoke.map((d) => d.id) : undefined, doneEvents, machineDone: doneHere });
    }
    const nextNodes = [...set];
    const doneExit = machineDone ? [...nextNodes].sort((a, b) => b.order - a.order).flatMap((s) => s.exit) : [];
    return { exit, transitionActions, enter, doneExit, next: this.config(nextNodes) };
  }
}

function initialNodes(root: Node): Node[] {
  const set = new Set<Node>();
  const iter = (n: Node): void => {
    if (set.has(n)) return;
    set.add(n);
    if (n.type === 'compound') iter(n.initial.target[0]!);
    else if (n.type === 'parallel') for (const c of childrenOf(n)) iter(c);
  };
  iter(root);
  return [...set];
}
function inFinalState(set: Set<Node>, n: Node): boolean {
  if (n.type === 'compound') return childrenOf(n).some((s) => s.type === 'final' && set.has(s));
  if (n.type === 'parallel') return childrenOf(n).every((s) => inFinalState(set, s));
  return n.type === 'final';
}
function lca(nodes: readonly Node[]): Node | undefined {
  const [head, ...tail] = nodes;
  for (const anc of properAncestors(head!, undefined)) if (tail.every((n) => isDescendant(n, anc))) return anc;
  return undefined;
}
function domainOf(t: Transition): Node | undefined {
  const targets = t.target ?? [];
  if (!t.reenter && targets.every((n) => n === t.source || isDescendant(n, t.source))) return t.source;
  const found = lca([...targets, t.source]);
  if (found) return found;
  if (t.reenter) return undefined;
  let root = t.source;
  while (root.parent) root = root.parent;
  return root;
}
function exitSet(ts: readonly Transition[], set: Set<Node>): Node[] {
  const out = new Set<Node>();
  for (const t of ts) {
    if (!t.target?.length) continue;
    const domain = domainOf(t);
    if (t.reenter && t.source === domain) out.add(domain);
    for (const n of set) if (isDescendant(n, domain)) out.add(n);
  }
  return [...out];
}
function removeConflicting(ts: readonly Transition[], set: Set<Node>): Transition[] {
  if (ts.length <= 1) return [...ts];
  const kept = new Set<Transition>();
  for (const t1 of ts) {
    let preempted = false;
    const remove = new Set<Transition>();
    for (const t2 of kept) {
      const a = exitSet([t1], set);
      const b = new Set(exitSet([t2], set));
      if (a.some((n) => b.has(n))) {
        if (isDescendant(t1.source, t2.source)) remove.add(t2);
        else {
          preempted = true;
          break;
        }
      }
    }
    if (!preempted) {
      for (const t of remove) kept.delete(t);
      kept.add(t1);
    }
  }
  return [...kept];
}
function entrySet(ts: readonly Transition[], defaultEntry: Set<Node>, toEnter: Set<Node>): void {
  for (const t of ts) {
    const domain = domainOf(t);
    for (const s of t.target ?? []) {
      if (t.source !== s || t.source !== domain || t.reenter) {
        toEnter.add(s);
        defaultEntry.add(s);
      }
      addDescendants(s, defaultEntry, toEnter);
    }
    for (const s of t.target ?? []) {
      const ancestors = properAncestors(s, domain);
      if (domain?.type === 'parallel') ancestors.push(domain);
      addAncestors(toEnter, defaultEntry, ancestors, !t.source.parent && t.reenter ? undefined : domain);
    }
  }
}
function addDescendants(n: Node, defaultEntry: Set<Node>, toEnter: Set<Node>): void {
  if (n.type === 'compound') {
    const initial = n.initial.target[0]!;
    toEnter.add(initial);
    defaultEntry.add(initial);
    addDescendants(initial, defaultEntry, toEnter);
    addAncestors(toEnter, defaultEntry, properAncestors(initial, n), undefined);
  } else if (n.type === 'parallel') {
    for (const c of childrenOf(n)) {
      if (![...toEnter].some((s) => isDescendant(s, c))) {
        toEnter.add(c);
        defaultEntry.add(c);
        addDescendants(c, defaultEntry, toEnter);
      }
    }
  }
}
function addAncestors(toEnter: Set<Node>, defaultEntry: Set<Node>, ancestors: readonly Node[], domain: Node | undefined): void {
  for (const anc of ancestors) {
    if (!domain || isDescendant(anc, domain)) toEnter.add(anc);
    if (anc.type === 'parallel') {
      for (const c of childrenOf(anc)) {
        if (![...toEnter].some((s) => isDescendant(s, c))) {
          toEnter.add(c);
          addDescendants(c, defaultEntry, toEnter);
        }
      }
    }
  }
}

function matchesDescriptor(type: string, descriptor: string): boolean {
  if (descriptor === type || descriptor === '*') return true;
  if (!descriptor.endsWith('.*')) return false;
  const partial = descriptor.split('.');
  const tokens = type.split('.');
  for (let i = 0; i < partial.length; i++) {
    if (partial[i] === '*') return i === partial.length - 1;
    if (partial[i] !== tokens[i]) return false;
  }
  return true;
}

const noSpawn = (): never => {
  throw new Error("engine 'fast' does not support spawning from assign (use engine 'xstate')");
};

const logics = new WeakMap<AnyStateMachine, FastLogic>();
export type FastLogic = ActorLogic<Snap, AnyEventObject, unknown, never, AnyEventObject> & { readonly config: unknown; readonly machine: AnyStateMachine };

/** The 'fast' engine's ActorLogic for a machine (built once per machine object; children invoked by name that are
 * machines run on this engine too). */
export function fastLogic(machine: AnyStateMachine): FastLogic {
  let logic = logics.get(machine);
  if (!logic) {
    logic = buildLogic(machine);
    logics.set(machine, logic);
  }
  return logic;
}

function buildLogic(machine: AnyStateMachine): FastLogic {
  const tables = new Tables(machine);
  const { impl } = tables;
  const root = tables.root;

  function checkGuard(guard: unknown, context: unknown, event: AnyEventObject): boolean {
    const inline = typeof guard === 'function';
    const g = guard as { type: string; params?: unknown };
    const resolved = inline ? guard : impl.guards[typeof guard === 'string' ? guard : g.type];
    if (!inline && !resolved) throw new Error(`Guard '${typeof guard === 'string' ? guard : g.type}' is not implemented.'.`);
    if (typeof resolved !== 'function') return checkGuard(resolved, context, event);
    const args = { context, event };
    const params = inline || typeof guard === 'string' ? undefined : 'params' in g ? (typeof g.params === 'function' ? (g.params as Fn as (a: unknown) => unknown)(args) : g.params) : undefined;
    if (!('check' in resolved)) return Boolean((resolved as (a: unknown, p: unknown) => unknown)(args, params));
    return (resolved as unknown as { check(s: unknown, a: unknown, r: unknown): boolean }).check({ context, machine }, args, resolved);
  }
  /** XState's getCandidates: the exact descriptor's transitions, then wildcard ones ('*', 'a.*'), longest first. */
  const wildcards = new Map<Node, { keys: string[]; byType: Map<string, Transition[]> }>();
  function candidatesOf(n: Node, type: string): Transition[] | undefined {
    let w = wildcards.get(n);
    if (!w) {
      w = { keys: [...n.transitions.keys()].filter((k) => k === '*' || k.endsWith('.*')), byType: new Map() };
      wildcards.set(n, w);
    }
    if (w.keys.length === 0) return n.transitions.get(type);
    let c = w.byType.get(type);
    if (!c) {
      const wild = w.keys.filter((k) => k !== type && matchesDescriptor(type, k)).sort((a, b) => b.length - a.length).flatMap((k) => n.transitions.get(k)!);
      c = [...(n.transitions.get(type) ?? []), ...wild];
      w.byType.set(type, c);
    }
    return c;
  }
  function next(n: Node, w: Working, event: AnyEventObject): Transition[] | undefined {
    const candidates = candidatesOf(n, event.type);
    if (!candidates) return undefined;
    for (const t of candidates) {
      let passed: boolean;
      try {
        passed = t.guard === undefined || checkGuard(t.guard, w.context, event);
      } catch (err) {
        const g = t.guard as { type?: string } | string;
        const name = typeof g === 'string' ? g : typeof g === 'object' ? g.type : undefined;
        throw new Error(`Unable to evaluate guard ${name ? `'${name}' ` : ''}in transition for event '${event.type}' in state node '${n.id}':\n${(err as Error).message}`);
      }
      if (passed) return [t];
    }
    return undefined;
  }
  function select(n: Node, w: Working, event: AnyEventObject): Transition[] | undefined {
    if (n.type === 'compound') {
      const child = w.config.activeChild.get(n);
      return (child && select(child, w, event)) || next(n, w, event);
    }
    if (n.type === 'parallel') {
      let all: Transition[] | undefined;
      for (const c of childrenOf(n)) {
        const r = select(c, w, event);
        if (r) (all ??= []).push(...r);
      }
      return all || next(n, w, event);
    }
    return next(n, w, event);
  }
  function selectEventless(w: Working, event: AnyEventObject): Transition[] {
    const chains = w.config.alwaysChains;
    if (chains.length === 0) return [];
    const enabled = new Set<Transition>();
    for (const chain of chains) {
      loop: for (const s of chain) {
        for (const t of s.always!) {
          if (t.guard === undefined || checkGuard(t.guard, w.context, event)) {
            enabled.add(t);
            break loop;
          }
        }
      }
    }
    return enabled.size <= 1 ? [...enabled] : removeConflicting([...enabled], w.config.active);
  }

  function execute(w: Working, scope: Scope, type: string, info: unknown, params: unknown, exec: ((info: unknown, params: unknown) => void) | undefined): void {
    if (w.inspecting) scope.actionExecutor({ type, info, params, exec });
    else if (!exec) return;
    else if ((scope.self as unknown as { _processingStatus: number })._processingStatus === 1) exec(info, params);
    else scope.defer(() => exec(info, params));
  }
  function spawn(w: Working, scope: Scope, event: AnyEventObject, info: unknown, def: { id: string; src: unknown; systemId?: string; input?: unknown; syncSnapshot: boolean }): void {
    const found = typeof def.src === 'string' ? impl.actors[def.src] : def.src;
    let actorRef: AnyActorRef | undefined;
    let input: unknown;
    if (found) {
      input = typeof def.input === 'function' ? (def.input as (a: unknown) => unknown)({ context: w.context, event, self: scope.self }) : def.input;
      const logic = found instanceof StateMachine ? fastLogic(found as AnyStateMachine) : found;
      const options = { id: def.id, src: def.src as string, parent: scope.self, syncSnapshot: def.syncSnapshot, systemId: def.systemId, input };
      actorRef = createActor(logic as AnyStateMachine, options as Parameters<typeof createActor>[1]);
    }
    w.children = { ...w.children, [def.id]: actorRef };
    const params = { id: def.id, systemId: def.systemId, actorRef, src: def.src, input };
    execute(w, scope, 'xstate.spawnChild', info, params, () => executeSpawn(scope, params));
  }
  function stop(w: Working, scope: Scope, info: unknown, refOrId: unknown): void {
    const ref = typeof refOrId === 'string' ? w.children[refOrId] : (refOrId as AnyActorRef | undefined);
    if (ref) {
      w.children = { ...w.children };
      delete w.children[ref.id];
    }
    execute(w, scope, 'xstate.stopChild', info, ref, () => executeStop(scope, ref));
  }

  type Extra = { internalQueue: AnyEventObject[]; deferredActorIds: readonly string[] | undefined };
  function doAssign(w: Working, event: AnyEventObject, scope: Scope, assignment: unknown, params: unknown): void {
    const args = { context: w.context, event, spawn: noSpawn, self: scope.self, system: scope.system };
    if (typeof assignment === 'function') {
      w.context = { ...w.context, ...(assignment as (x: unknown, p: unknown) => Record<string, unknown>)(args, params) };
      return;
    }
    // An object of property assigners: the new context is the old one with those keys replaced (a spread copy,
    // which V8 clones by the context's shape, then one store per key).
    const a = assignment as Record<string, unknown>;
    const next: Record<string, unknown> = { ...w.context };
    for (const key in a) {
      const p = a[key];
      next[key] = typeof p === 'function' ? (p as (x: unknown, q: unknown) => unknown)(args, params) : p;
    }
    w.context = next;
  }
  /** What XState's assign, raise, sendTo and emit resolve to (an enqueued action has no params). */
  function runEnqueued(w: Working, event: AnyEventObject, scope: Scope, op: Enqueued, extra: Extra): void {
    if (op.kind === 'assign') return doAssign(w, event, scope, op.a, undefined);
    const info = { context: w.context, event, self: scope.self, system: scope.system };
    const expr = op.kind === 'sendTo' ? op.b : op.a;
    const resolvedEvent = (typeof expr === 'function' ? (expr as (i: unknown, p: unknown) => unknown)(info, undefined) : expr) as AnyEventObject;
    if (op.kind === 'raise') {
      extra.internalQueue.push(resolvedEvent);
      const params = { event: resolvedEvent, id: undefined, delay: undefined };
      return execute(w, scope, 'xstate.raise', info, params, () => executeRaise(scope, params));
    }
    if (op.kind === 'emit') {
      const params = { event: resolvedEvent };
      return execute(w, scope, 'xstate.emit', info, params, () => executeEmit(scope, params));
    }
    const target = typeof op.a === 'function' ? (op.a as (i: unknown, p: unknown) => unknown)(info, undefined) : op.a;
    if (typeof target === 'string') {
      // A function that named its target: XState's own resolution (special targets, children, deferred ids).
      return run(w, event, scope, [sendTo(target as never, resolvedEvent as never)], extra, undefined);
    }
    const params = { to: target || scope.self, targetId: undefined, event: resolvedEvent, id: undefined, delay: undefined };
    execute(w, scope, 'xstate.sendTo', info, params, () => executeSendTo(scope, params));
  }
  function run(w: Working, event: AnyEventObject, scope: Scope, actions: readonly unknown[], extra: Extra, retries: [BuiltIn, unknown][] | undefined): void {
    for (const action of actions) {
      if (action instanceof SpawnOp) {
        const d = action.def;
        spawn(w, scope, event, { context: w.context, event, self: scope.self, system: scope.system }, { id: d.id, src: d.src, systemId: d.systemId, input: d.input, syncSnapshot: !!d.onSnapshot });
        continue;
      }
      if (action instanceof StopOp) {
        stop(w, scope, { context: w.context, event, self: scope.self, system: scope.system }, action.id);
        continue;
      }
      if (action instanceof Enqueued) {
        runEnqueued(w, event, scope, action, extra);
        continue;
      }
      const inline = typeof action === 'function';
      const a = action as { type: string; params?: unknown };
      const resolved = (inline ? action : impl.actions[typeof action === 'string' ? action : a.type]) as BuiltIn | Fn | undefined;
      const info = { context: w.context, event, self: scope.self, system: scope.system };
      const params = inline || typeof action === 'string' ? undefined : 'params' in a ? (typeof a.params === 'function' ? (a.params as (x: unknown) => unknown)({ context: w.context, event }) : a.params) : undefined;
      if (!resolved || !('resolve' in resolved)) {
        const type = typeof action === 'string' ? action : typeof action === 'object' ? a.type : (action as Fn).name || '(anonymous)';
        execute(w, scope, type, info, params, resolved as ((i: unknown, p: unknown) => void) | undefined);
        continue;
      }
      const b = resolved;
      switch (b.type) {
        case 'xstate.assign':
          doAssign(w, event, scope, b.assignment, params);
          continue;
        case 'xstate.enqueueActions': {
          const context = w.context;
          const queued: unknown[] = [];
          const outer = collecting;
          collecting = queued;
          try {
            (b as unknown as { collect(a: unknown, p: unknown): void }).collect({ context, event, enqueue, check: (g: unknown) => checkGuard(g, context, event), self: scope.self, system: scope.system }, params);
          } finally {
            collecting = outer;
          }
          run(w, event, scope, queued, extra, retries);
          continue;
        }
        case 'xstate.spawnChild': {
          const s = b as unknown as { id: unknown; src: unknown; systemId?: string; input?: unknown; syncSnapshot?: boolean };
          const id = typeof s.id === 'function' ? (s.id as (x: unknown) => string)(info) : (s.id as string);
          spawn(w, scope, event, info, { id, src: s.src, systemId: s.systemId, input: s.input, syncSnapshot: !!s.syncSnapshot });
          continue;
        }
        case 'xstate.stopChild': {
          const s = b as unknown as { actorRef: unknown };
          stop(w, scope, info, typeof s.actorRef === 'function' ? (s.actorRef as (x: unknown, p: unknown) => unknown)(info, params) : s.actorRef);
          continue;
        }
      }
      // sendTo, raise, emit, enqueueActions, log, cancel: XState's own resolution on a snapshot-shaped view.
      const view = { context: w.context, children: w.children, machine };
      const [, resolvedParams, more] = b.resolve(scope, view, info, params, b, extra);
      if (b.retryResolve) retries?.push([b, resolvedParams]);
      if (b.execute) execute(w, scope, b.type, info, resolvedParams, () => b.execute!(scope, resolvedParams));
      if (more) run(w, event, scope, more, extra, retries);
    }
  }
  function runActions(w: Working, event: AnyEventObject, scope: Scope, actions: readonly unknown[], queue: AnyEventObject[], deferredIds?: readonly string[]): void {
    if (actions.length === 0) return;
    const retries: [BuiltIn, unknown][] | undefined = deferredIds ? [] : undefined;
    run(w, event, scope, actions, { internalQueue: queue, deferredActorIds: deferredIds }, retries);
    if (retries) for (const [b, p] of retries) b.retryResolve!(scope, { children: w.children, context: w.context, machine }, p);
  }
  function microstep(w: Working, plan: Plan, event: AnyEventObject, scope: Scope, queue: AnyEventObject[]): void {
    for (const actions of plan.exit) runActions(w, event, scope, actions, queue);
    runActions(w, event, scope, plan.transitionActions, queue);
    for (const e of plan.enter) {
      runActions(w, event, scope, e.actions, queue, e.deferredIds);
      for (const d of e.doneEvents) queue.push({ ...d });
      if (e.machineDone) {
        w.status = 'done';
        w.output = undefined;
      }
    }
    if (w.status === 'done') runActions(w, event, scope, plan.doneExit, queue);
    w.config = plan.next;
  }
  function stopChildren(w: Working, event: AnyEventObject, scope: Scope): void {
    const info = { context: w.context, event, self: scope.self, system: scope.system };
    for (const child of Object.values(w.children)) stop(w, scope, info, child);
  }
  const snapshotOf = (w: Working): Snap => new FastSnapshot(w.status, w.context, w.children, w.output, w.error, machine, w.config) as Snap;
  function inspectMicrostep(scope: Scope, w: Working, event: AnyEventObject, transitions: readonly Transition[]): void {
    if (!w.inspecting) return;
    const status = w.status;
    const context = w.context;
    const children = w.children;
    const config = w.config;
    (scope.system as unknown as InternalSystem)._sendInspectionEvent({
      type: '@xstate.microstep',
      actorRef: scope.self,
      event,
      get snapshot() {
        return new FastSnapshot(status, context, children, undefined, undefined, machine, config);
      },
      _transitions: transitions,
    });
  }
  function macrostep(w: Working, event: AnyEventObject, scope: Scope, queue: AnyEventObject[]): void {
    if (event.type === 'xstate.stop') {
      stopChildren(w, event, scope);
      w.status = 'stopped';
      inspectMicrostep(scope, w, event, []);
      return;
    }
    let current = event;
    if (current.type !== 'xstate.init') {
      const ts = select(root, w, current) ?? [];
      if (ts.length === 0 && current.type.startsWith('xstate.error.actor')) {
        stopChildren(w, current, scope);
        w.status = 'error';
        w.error = (current as { error?: unknown }).error;
        inspectMicrostep(scope, w, current, []);
        return;
      }
      if (ts.length > 0) microstep(w, tables.planFor(w.config, ts), current, scope, queue);
      inspectMicrostep(scope, w, current, ts);
    }
    let selectEventless = true;
    while (w.status === 'active') {
      let ts: Transition[] = selectEventless ? eventless(w, current) : [];
      const before: { config: Config; context: unknown; children: unknown } | undefined = ts.length > 0 ? { config: w.config, context: w.context, children: w.children } : undefined;
      if (ts.length === 0) {
        if (queue.length === 0) break;
        current = queue.shift()!;
        ts = select(root, w, current) ?? [];
      }
      if (ts.length > 0) microstep(w, tables.planFor(w.config, ts), current, scope, queue);
      // XState selects eventless transitions again unless the step was an eventless one that changed nothing.
      selectEventless = !before || before.config !== w.config || before.context !== w.context || before.children !== w.children;
      inspectMicrostep(scope, w, current, ts);
    }
    if (w.status !== 'active') stopChildren(w, current, scope);
  }
  const eventless = selectEventless;

  const logic: FastLogic = {
    config: machine.config,
    machine,
    transition(snapshot, event, scope) {
      const w: Working = { config: snapshot._config, context: snapshot.context, children: snapshot.children, status: snapshot.status, output: snapshot.output, error: snapshot.error, inspecting: inspectionOf(scope as Scope).observers > 0 };
      macrostep(w, event, scope as Scope, []);
      if (w.config === snapshot._config && w.context === snapshot.context && w.children === snapshot.children && w.status === snapshot.status) return snapshot;
      return snapshotOf(w);
    },
    getInitialSnapshot(scope, input) {
      const s = scope as Scope;
      const initEvent = { type: 'xstate.init', input } as AnyEventObject;
      const queue: AnyEventObject[] = [];
      const ctx = machine.config.context;
      const w: Working = { config: tables.preInitial, context: (typeof ctx !== 'function' && ctx ? ctx : {}) as Record<string, unknown>, children: {}, status: 'active', output: undefined, error: undefined, inspecting: inspectionOf(s).observers > 0 };
      let preInitialContext = w.context;
      try {
        if (typeof ctx === 'function') {
          w.context = preInitialContext = Object.assign({}, w.context, (ctx as (a: unknown) => Record<string, unknown>)({ spawn: noSpawn, input, self: s.self }));
        }
        microstep(w, tables.initial, initEvent, s, queue);
        macrostep(w, initEvent, s, queue);
        return snapshotOf(w);
      } catch (error) {
        // As XState: the error snapshot is the one from before the initial step.
        return new FastSnapshot('error', preInitialContext, {}, undefined, error, machine, tables.preInitial) as Snap;
      }
    },
    restoreSnapshot() {
      throw new Error(`engine 'fast' does not restore persisted snapshots (machine '${machine.id}'; use engine 'xstate')`);
    },
    start(snapshot) {
      for (const child of Object.values(snapshot.children)) if (child && child.getSnapshot().status === 'active') child.start();
    },
    getPersistedSnapshot(snapshot, options) {
      const children: Record<string, unknown> = {};
      for (const [id, child] of Object.entries(snapshot.children)) {
        if (!child) continue;
        const c = child as unknown as { _syncSnapshot?: boolean; src: unknown; systemId?: string; getPersistedSnapshot(o?: unknown): unknown };
        children[id] = { snapshot: c.getPersistedSnapshot(options), src: c.src, systemId: c.systemId, syncSnapshot: c._syncSnapshot };
      }
      return { status: snapshot.status, output: snapshot.output, error: snapshot.error, value: snapshot.value, historyValue: {}, context: snapshot.context, children } as never;
    },
  };
  return logic;
}
