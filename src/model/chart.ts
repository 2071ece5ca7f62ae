// The specification chart under a profile, and a step of it taken with its transitions recorded. A profile is data
// (src/profiles/profiles.ts); where it departs from the spec the chart gets a named implementation through
// `.provide()` (PROFILE_IMPLEMENTATIONS below: knob value → guard or action name → implementation name). Adding a
// profile is adding its knob values; a new kind of departure is a new entry here and, if the chart lacks the
// decision, a named guard in the chart. `takeStep` sends one host event and records, per microstep (the event and
// the events the chart raises in reaction), the transitions taken and every guard outcome tried.
import { defaultEngine, logicFor, type EngineName } from '../engine/index.ts';
import { assign, createActor, type AnyStateMachine, type AnyStateNode, type AnyTransitionDefinition, type SnapshotFrom } from 'xstate';
import { aenLogPageChart } from '../../machines/aen-log-page.chart.ts';
import { effects, guards, profileGuards, type ChartContext, type ChartEvent, type HostEvent } from '../logic/aen-chart.ts';
import type { Profile } from '../profiles/profiles.ts';

export type SpecChart = typeof aenLogPageChart;
export type ChartSnapshot = SnapshotFrom<SpecChart>;

/** One departure of a profile from the spec, as the chart sees it. */
export interface ProvidedImplementation {
  readonly kind: 'guard' | 'action';
  /** The chart's guard or action name. */
  readonly name: string;
  /** The implementation provided in its place. */
  readonly implementation: string;
  /** The profile knob and value it stands for. */
  readonly knob: string;
  readonly why: string;
}

type GuardFn = (args: { context: ChartContext; event: ChartEvent }) => boolean;

const guardImpl: Record<string, GuardFn> = { ...guards, ...profileGuards };

/** The named implementations a profile provides: derived from its knobs, so a profile with one knob flipped (the
 * fingerprint's explanations build those) gets the chart that knob implies. */
export function providedImplementations(p: Profile): ProvidedImplementation[] {
  const out: ProvidedImplementation[] = [];
  const g = (name: string, implementation: string, knob: string, why: string) => out.push({ kind: 'guard', name, implementation, knob, why });
  if (!p.aecGatesNamespaceNotice) g('noticesDisabled', 'aecIgnored', 'aecGatesNamespaceNotice: false', 'AEC bit 8 does not gate the notice');
  if (p.noticePerNewNsid) g('noticePerNewNsid', 'always', 'noticePerNewNsid: true', 'one queued event per newly listed NSID; reads keep queued events');
  if (p.resetClearsChangedList) g('resetEmptiesList', 'always', 'resetClearsChangedList: true', 'a reset empties the Changed Namespace List');
  if (!p.retainUnreadChangesOverReset || p.resetClearsChangedList)
    g('unreadChangesRetained', 'never', p.resetClearsChangedList ? 'resetClearsChangedList: true' : 'retainUnreadChangesOverReset: false', p.resetClearsChangedList ? 'the reset emptied the list the event stood for' : 'the list survives a reset, its event does not');
  // AEC after a reset (resetRestoresAec) is seen only through notices: only where AEC gates them, and no peer that
  // gates them keeps AEC over a reset (Linux nvmet's reset on fabrics is a new association), so the chart restores
  // it always; rule aec-reset checks the value itself.
  if (p.aecGatesAtChange && p.aecGatesNamespaceNotice) {
    g('changeUnannounced', 'noticesDisabled', 'aecGatesAtChange: true', 'AEC bit 8 is read at the change: a change while it is clear raises no event');
    g('noticesDisabled', 'aecIgnored', 'aecGatesAtChange: true', 'an event raised before bit 8 was cleared is still sent to the next AER');
    // What shows only where the notice is clear while the list is not (a change made while bit 8 was clear):
    // nvmet_ns_changed raises the event for every change, whether nvmet_add_to_changed_ns_log added an entry or not.
    g('nsidListed', 'never', 'aecGatesAtChange: true', 'a change of a listed NSID still raises its event (the mask coalesces it)');
  }
  if (!p.abortAbortsAer) g('cannotAbortAer', 'always', 'abortAbortsAer: false', 'Abort answers DW0 = 1 and the AER stays parked');
  if (p.changedListOrder === 'change') out.push({ kind: 'action', name: 'appendNsid', implementation: 'appendNsidInChangeOrder', knob: "changedListOrder: 'change'", why: 'the list is in the order of change' });
  // No feature 0Bh (OpenVMM nvme_test): Set Features 0Bh fails and changes nothing, so bit 8 is never cleared.
  if (!p.supportsAecFeature) {
    g('clearsAecBit8', 'never', 'supportsAecFeature: false', 'Set Features 0Bh is refused: AEC bit 8 cannot be cleared');
    out.push({ kind: 'action', name: 'completeSetFeatures', implementation: 'rejectSetFeatures', knob: 'supportsAecFeature: false', why: 'Set Features 0Bh completes with Invalid Field (0/02h)' });
  }
  if (p.aerCompletionOrder === 'fifo') out.push({ kind: 'action', name: 'completeNewestParkedAer', implementation: 'completeOldestParkedAer', knob: "aerCompletionOrder: 'fifo'", why: 'parked AERs complete oldest first' });
  return out;
}

/** The implementations of `provided`, ready for `.provide()`. */
export function implementationsOf(provided: readonly ProvidedImplementation[]): { guards: Record<string, GuardFn>; actions: Record<string, unknown> } {
  const guardsOut: Record<string, GuardFn> = {};
  const actionsOut: Record<string, unknown> = {};
  for (const p of provided) {
    if (p.kind === 'guard') guardsOut[p.name] = guardImpl[p.implementation]!;
    else if (p.implementation === 'completeOldestParkedAer') actionsOut[p.name] = assign(({ context }: { context: ChartContext }) => effects.completeOldestParkedAer(context));
    else if (p.implementation === 'appendNsidInChangeOrder') actionsOut[p.name] = assign(({ context, event }: { context: ChartContext; event: ChartEvent }) => effects.appendNsidInChangeOrder(context, event));
    else if (p.implementation === 'rejectSetFeatures') actionsOut[p.name] = assign(({ context }: { context: ChartContext }) => effects.rejectSetFeatures(context));
  }
  return { guards: guardsOut, actions: actionsOut };
}

const charts = new WeakMap<Profile, SpecChart>();

/** The chart as `profile` runs it: the spec chart with the profile's named implementations provided. */
export function chartFor(profile: Profile, base: AnyStateMachine = aenLogPageChart): SpecChart {
  if (base === aenLogPageChart) {
    const known = charts.get(profile);
    if (known) return known;
  }
  const impl = implementationsOf(providedImplementations(profile));
  const chart = (base as SpecChart).provide(impl as Parameters<SpecChart['provide']>[0]);
  if (base === aenLogPageChart) charts.set(profile, chart);
  return chart;
}

// ---- one step, observed --------------------------------------------------------------------------------------

/** A transition of the chart, named for people: `notice.pending: aer.submit [noticesDisabled] → (stays)`. */
export function transitionName(t: AnyTransitionDefinition): string {
  const source = statePath(t.source);
  const guard = guardName(t);
  const target = t.target && t.target.length > 0 ? t.target.map((n) => statePath(n)).join(', ') : '(stays)';
  return `${source}: ${t.eventType}${guard ? ` [${guard}]` : ''} → ${target}`;
}

export const statePath = (n: AnyStateNode): string => n.path.join('.');

export function guardName(t: AnyTransitionDefinition): string | null {
  const g = t.guard as unknown;
  if (g === undefined || g === null) return null;
  if (typeof g === 'string') return g;
  const type = (g as { type?: unknown }).type;
  return typeof type === 'string' ? type : '(inline)';
}

export interface MicrostepRecord {
  readonly event: string;
  /** Transitions taken, by name. */
  readonly taken: readonly string[];
  /** Guard outcomes tried, as `transition name = true|false`. */
  readonly outcomes: readonly string[];
}

export interface StepRecord {
  readonly event: HostEvent;
  readonly before: ChartSnapshot;
  readonly after: ChartSnapshot;
  readonly microsteps: readonly MicrostepRecord[];
}

/** Atomic state nodes active in a snapshot, in document order. */
function activeLeaves(machine: AnyStateMachine, snapshot: ChartSnapshot): AnyStateNode[] {
  const out: AnyStateNode[] = [];
  const visit = (node: AnyStateNode, value: unknown): void => {
    if (typeof value === 'string') {
      out.push(node.states[value]!);
      return;
    }
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) visit(node.states[k]!, v);
  };
  visit(machine.root, snapshot.value);
  return out;
}

/** Guard outcomes implied by the transitions XState selected: in each active state, every transition for the event
 * before the one taken had a guard that failed; the taken one's guard held; with none taken, every guard failed. */
function outcomesOf(machine: AnyStateMachine, before: ChartSnapshot, eventType: string, taken: readonly AnyTransitionDefinition[]): string[] {
  const out: string[] = [];
  for (const leaf of activeLeaves(machine, before)) {
    for (let node: AnyStateNode | undefined = leaf; node; node = node.parent) {
      const list = node.transitions.get(eventType) ?? [];
      if (list.length === 0) continue;
      const chosen = list.findIndex((t) => taken.includes(t));
      const tried = chosen < 0 ? list : list.slice(0, chosen + 1);
      tried.forEach((t, i) => {
        if (guardName(t) !== null) out.push(`${transitionName(t)} = ${chosen >= 0 && i === chosen}`);
      });
      if (chosen >= 0) break;
    }
  }
  return out;
}

type RawMicrostep = { event: ChartEvent; snapshot: ChartSnapshot; transitions: AnyTransitionDefinition[] };

function stepRecord(machine: SpecChart, before: ChartSnapshot, event: HostEvent, after: ChartSnapshot, raw: readonly RawMicrostep[]): StepRecord {
  const microsteps: MicrostepRecord[] = [];
  let prev = before;
  for (const m of raw) {
    microsteps.push({ event: m.event.type, taken: m.transitions.map(transitionName), outcomes: outcomesOf(machine, prev, m.event.type, m.transitions) });
    prev = m.snapshot;
  }
  return { event, before, after, microsteps };
}

/** Send one host event to the chart in `before` and record what it did. */
export function takeStep(machine: SpecChart, before: ChartSnapshot, event: HostEvent): StepRecord {
  const raw: RawMicrostep[] = [];
  const actor = createActor(machine, {
    input: { aerl: (before.context as ChartContext).aerLimit - 1 },
    snapshot: before,
    inspect: (ev) => {
      if (ev.type === '@xstate.microstep') raw.push({ event: ev.event as ChartEvent, snapshot: ev.snapshot as ChartSnapshot, transitions: ev._transitions });
    },
  });
  actor.start();
  raw.length = 0; // a restored actor reports no microsteps at start, but be sure
  actor.send(event);
  const after = actor.getSnapshot();
  const taken = raw.slice(); // before stop(), whose own microstep (xstate.stop) is not the host event's
  actor.stop();
  return stepRecord(machine, before, event, after, taken);
}

/** The chart's initial snapshot for a profile. */
export function initialSnapshot(machine: SpecChart, aerl = 3): ChartSnapshot {
  const actor = createActor(machine, { input: { aerl } });
  actor.start();
  const s = actor.getSnapshot();
  actor.stop();
  return s;
}

/** Replay host events from the initial snapshot, step by step: what `takeStep` records for each, from one actor
 * that lives for the whole sequence (a restored actor per event cost ~60% of a random sequence's replay), run by
 * the engine the emulator uses (the engine differential, test/engine/, holds the two engines to the same steps on
 * this chart). */
export function replay(machine: SpecChart, events: readonly HostEvent[], aerl = 3, engine: EngineName = defaultEngine()): StepRecord[] {
  const raw: RawMicrostep[] = [];
  const actor = createActor(logicFor(machine, engine), {
    input: { aerl },
    inspect: (ev) => {
      if (ev.type === '@xstate.microstep') raw.push({ event: ev.event as ChartEvent, snapshot: ev.snapshot as ChartSnapshot, transitions: ev._transitions });
    },
  });
  actor.start();
  const out: StepRecord[] = [];
  let before = actor.getSnapshot();
  for (const e of events) {
    raw.length = 0;
    actor.send(e);
    const after = actor.getSnapshot();
    out.push(stepRecord(machine, before, e, after, raw));
    before = after;
  }
  actor.stop();
  return out;
}

/** Every transition of a chart, by name, in document order. */
export function chartTransitionNames(machine: AnyStateMachine = aenLogPageChart): string[] {
  const out: string[] = [];
  const visit = (node: AnyStateNode): void => {
    for (const list of node.transitions.values()) for (const t of list) out.push(transitionName(t));
    for (const child of Object.values(node.states)) visit(child);
  };
  visit(machine.root);
  return out;
}

/** Every guard outcome of a chart: both outcomes of each guarded transition. */
export function chartGuardOutcomes(machine: AnyStateMachine = aenLogPageChart): string[] {
  const out: string[] = [];
  const visit = (node: AnyStateNode): void => {
    for (const list of node.transitions.values()) for (const t of list) if (guardName(t) !== null) out.push(`${transitionName(t)} = true`, `${transitionName(t)} = false`);
    for (const child of Object.values(node.states)) visit(child);
  };
  visit(machine.root);
  return out;
}

/** Every atomic state of a chart, as `region.state`. */
export function chartStateNames(machine: AnyStateMachine = aenLogPageChart): string[] {
  const out: string[] = [];
  const visit = (node: AnyStateNode): void => {
    const children = Object.values(node.states);
    if (children.length === 0) out.push(statePath(node));
    children.forEach(visit);
  };
  visit(machine.root);
  return out;
}

/** The atomic states active in a snapshot, as `region.state`. */
export const activeStateNames = (machine: AnyStateMachine, s: ChartSnapshot): string[] => activeLeaves(machine, s).map(statePath);
