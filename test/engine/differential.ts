// The engine differential's rig: one machine (and the children it invokes) run on both engines from the same input,
// driven by the same events; after every event the two runs must agree on every actor's status, state value and
// context, on the events emitted, on every event relayed between actors (inspection's @xstate.event), on the actions
// executed (@xstate.action) and on the calls of the provided actions. Peers the machine sends to by systemId are
// recording stubs; the provided actions record their name and the event they ran on.
import { isDeepStrictEqual, inspect } from 'node:util';
import { createActor, fromPromise, type AnyActorLogic, type AnyActorRef, type AnyEventObject, type AnyStateMachine, type InspectionEvent } from 'xstate';
import { logicFor, type EngineName } from '../../src/engine/index.ts';

/** An event for the machine under test (`to` omitted) or for an actor of its tree, by systemId. */
export interface Step {
  readonly to?: string;
  readonly event: AnyEventObject;
}
export interface DifferentialCase {
  readonly machine: AnyStateMachine;
  /** The machine run on the 'fast' engine (default `machine`): how the rig's own test breaks one side on purpose. */
  readonly fastMachine?: AnyStateMachine;
  readonly input: unknown;
  /** systemIds the machine sends to that are not in its own tree: recording stubs stand in for them. */
  readonly stubs?: readonly string[];
  /** systemIds whose emitted events are recorded (the root's always are). */
  readonly emitters?: readonly string[];
  readonly steps: readonly Step[];
  /** Inspect the system (default true): the engines take different paths with and without an inspector. Without
   * one, only the stubs see the events sent. */
  readonly inspect?: boolean;
}

type Log = unknown[];

/** Names of provided actions, recorded as they run: `.provide({ actions: recorders(log, names) })`. */
export function recorders(names: readonly string[], log: () => Log): Record<string, (a: { event: AnyEventObject }) => void> {
  return Object.fromEntries(names.map((name) => [name, ({ event }: { event: AnyEventObject }) => void log().push(['action', name, event.type])]));
}
/** An actor that never settles: its done event is sent by the test (`xstate.done.actor.<id>`). */
export const pending = fromPromise<void, unknown>(() => new Promise<void>(() => {}));

let currentLog: Log = [];
/** The log of the run in progress (provided actions write to it). */
export const activeLog = (): Log => currentLog;

const stubLogic = (name: string): AnyActorLogic =>
  ({
    transition: (s: unknown, e: AnyEventObject) => {
      currentLog.push(['stub', name, e]);
      return s;
    },
    getInitialSnapshot: () => ({ status: 'active', output: undefined, error: undefined, context: undefined }),
    getPersistedSnapshot: (s: unknown) => s,
  }) as unknown as AnyActorLogic;

function tree(ref: AnyActorRef | undefined): unknown {
  if (!ref) return null;
  const s = ref.getSnapshot() as { status: string; value?: unknown; context?: unknown; children?: Record<string, AnyActorRef | undefined>; error?: unknown };
  if (!('value' in s)) return { id: ref.id, status: s.status };
  return {
    id: ref.id,
    status: s.status,
    value: s.value,
    context: s.context,
    error: s.error === undefined ? undefined : String(s.error),
    children: Object.entries(s.children ?? {}).map(([k, c]) => [k, tree(c)]),
  };
}

interface Run {
  readonly root: AnyActorRef;
  readonly log: Log;
}
function start(c: DifferentialCase, engine: EngineName): Run {
  const log: Log = [];
  currentLog = log;
  const observe = (e: InspectionEvent): void => {
    if (e.type === '@xstate.event') log.push(['event', (e.sourceRef as AnyActorRef | undefined)?.id ?? null, (e.actorRef as AnyActorRef).id, e.event]);
    else if (e.type === '@xstate.action') log.push(['exec', (e.actorRef as AnyActorRef).id, e.action.type]);
  };
  const root = createActor(logicFor(engine === 'fast' ? (c.fastMachine ?? c.machine) : c.machine, engine), { id: c.machine.id, input: c.input, ...(c.inspect === false ? {} : { inspect: observe }) } as never) as AnyActorRef;
  for (const name of c.stubs ?? []) createActor(stubLogic(name), { parent: root, systemId: name, id: `stub.${name}` } as never).start();
  root.on('*', (e: AnyEventObject) => void log.push(['emit', root.id, e]));
  root.start();
  for (const name of c.emitters ?? []) root.system.get(name)?.on('*', (e: AnyEventObject) => void log.push(['emit', name, e]));
  return { root, log };
}
function send(run: Run, step: Step): void {
  currentLog = run.log;
  const target = step.to === undefined ? run.root : run.root.system.get(step.to);
  // An actor that has stopped (a final state, an error) takes no more events: XState would only warn.
  if (target && target.getSnapshot().status === 'active') target.send(step.event);
  else run.log.push(['not running', step.to ?? 'root']);
}
const view = (run: Run): unknown => ({ tree: tree(run.root), log: run.log.splice(0) });

/** Runs the case on both engines; throws at the first step where they differ, with both views. */
export function assertSameOnBothEngines(c: DifferentialCase): void {
  const a = start(c, 'xstate');
  const b = start(c, 'fast');
  try {
    compare(c, -1, view(a), view(b));
    c.steps.forEach((step, i) => {
      send(a, step);
      const va = view(a);
      send(b, step);
      compare(c, i, va, view(b));
    });
  } finally {
    a.root.stop();
    b.root.stop();
  }
}
function compare(c: DifferentialCase, i: number, xstate: unknown, fast: unknown): void {
  if (isDeepStrictEqual(xstate, fast)) return;
  const at = i < 0 ? 'at start' : `after step ${i} (${JSON.stringify(c.steps[i], (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))})`;
  throw new Error(`engines differ on machine '${c.machine.id}' ${at}:\nxstate: ${inspect(xstate, { depth: 12 })}\nfast:   ${inspect(fast, { depth: 12 })}`);
}
