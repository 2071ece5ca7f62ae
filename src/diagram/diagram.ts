// Diagrams of the statecharts, made offline: a graph from xstate/graph's toDirectedGraph (plus the `always`
// transitions it leaves out, and guard names on edge labels), written as JSON, Mermaid stateDiagram-v2, Graphviz
// dot, or SVG laid out by Graphviz compiled to WebAssembly (@viz-js/viz; nothing is downloaded at run time).
// Transitions without a target are listed inside their state, as the Stately editor shows them, not drawn as loops.
// Output depends only on the machine: no dates, no random ids. Actions and params appear only in the JSON.
import type { AnyStateMachine, AnyStateNode } from 'xstate';
import { toDirectedGraph, type DirectedGraphNode } from 'xstate/graph';
import { machineNames, machines } from './machines.ts';
import { diagramStyleOf, type DiagramStyle } from './style.ts';

export { setDiagramStyle, diagramStyleOf, type DiagramStyle } from './style.ts';

export const DIAGRAM_FORMATS = ['mermaid', 'dot', 'json', 'svg'] as const;
export type DiagramFormat = (typeof DIAGRAM_FORMATS)[number];

export interface DiagramEdge {
  /** toDirectedGraph's `source:transitionIndex:targetIndex`; `always` transitions are numbered after the others. */
  readonly id: string;
  /** State node ids (`controller.enabled.ready`). A targetless transition's target is its source. */
  readonly source: string;
  readonly target: string;
  /** The event type; `always` for an eventless transition. */
  readonly event: string;
  readonly guard: string | null;
  readonly actions: readonly string[];
  /** No target: the transition runs its actions and stays (drawn inside the state, not as an edge). */
  readonly targetless: boolean;
  readonly description: string | null;
  /** `event [guard]`. */
  readonly label: { readonly text: string };
}

export interface DiagramNode {
  readonly id: string;
  readonly key: string;
  readonly type: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  /** The initial child's id (compound states). */
  readonly initial: string | null;
  readonly tags: readonly string[];
  readonly description: string | null;
  readonly entry: readonly string[];
  readonly exit: readonly string[];
  /** `id: src` per invoked actor. */
  readonly invoke: readonly string[];
  readonly children: readonly DiagramNode[];
  readonly edges: readonly DiagramEdge[];
}

/** A transition named for people: `notice.pending: aer.submit [noticesDisabled] → (stays)` (state paths below the
 * root). src/model/chart.ts names the transitions it records the same way. */
export function edgeName(rootId: string, e: DiagramEdge): string {
  const path = (id: string) => (id === rootId ? '' : id.slice(rootId.length + 1));
  return `${path(e.source)}: ${e.event}${e.guard ? ` [${e.guard}]` : ''} → ${e.targetless ? '(stays)' : path(e.target)}`;
}

/** With `transitionIds`: the SVG id that draws each transition, by edgeName: its own row for one that stays, the
 * arrow of its source and target for the others (transitions between the same states share one arrow). */
export function transitionSvgIds(machine: AnyStateMachine): Map<string, string> {
  const root = toDiagramGraph(machine);
  const edges = allEdges(root);
  const index = new Map(edges.map((e, i) => [e, i]));
  const out = new Map<string, string>();
  for (const e of edges) if (e.targetless) out.set(edgeName(root.id, e), `T${index.get(e)}`);
  for (const group of edgeGroups(root)) for (const e of group) out.set(edgeName(root.id, e), `T${index.get(group[0]!)}`);
  return out;
}

/** The name shown for a guard, action or actor given inline rather than by name. */
export const INLINE = '(inline)';

/** The name of a guard or action as the runtime holds it (a string, or an object/function with `type`). */
export function nameOf(item: unknown): string {
  if (typeof item === 'string') return item;
  if (item && (typeof item === 'object' || typeof item === 'function')) {
    const type = (item as { type?: unknown }).type;
    if (typeof type === 'string') return type;
  }
  return INLINE;
}

interface TransitionLike {
  readonly target?: readonly AnyStateNode[] | undefined;
  readonly guard?: unknown;
  readonly actions: readonly unknown[];
  readonly description?: string | undefined;
}

function edgeOf(id: string, source: AnyStateNode, target: AnyStateNode, event: string, t: TransitionLike): DiagramEdge {
  const guard = t.guard === undefined || t.guard === null ? null : nameOf(t.guard);
  return {
    id,
    source: source.id,
    target: target.id,
    event,
    guard,
    actions: t.actions.map(nameOf),
    targetless: !t.target || t.target.length === 0,
    description: t.description ?? null,
    label: { text: guard ? `${event} [${guard}]` : event },
  };
}

function fromDirected(graph: DirectedGraphNode): DiagramNode {
  const node = graph.stateNode;
  const edges: DiagramEdge[] = graph.edges.map((e) => {
    const t = e.transition as unknown as TransitionLike & { eventType: string };
    return edgeOf(e.id, e.source, e.target, t.eventType, t);
  });
  // toDirectedGraph walks node.transitions only; eventless transitions live in node.always.
  let index = [...node.transitions.values()].flat().length;
  for (const t of node.always ?? []) {
    const targets: readonly AnyStateNode[] = t.target && t.target.length > 0 ? t.target : [node];
    targets.forEach((target, j) => edges.push(edgeOf(`${node.id}:${index}:${j}`, node, target, 'always', t)));
    index += 1;
  }
  const initial = node.type === 'compound' ? node.initial?.target?.[0] : undefined;
  return {
    id: node.id,
    key: node.key,
    type: node.type,
    initial: initial ? initial.id : null,
    tags: [...node.tags],
    description: node.description ?? null,
    entry: node.entry.map(nameOf),
    exit: node.exit.map(nameOf),
    invoke: node.invoke.map((inv) => `${inv.id}: ${typeof inv.src === 'string' && !inv.src.startsWith('xstate.invoke.') ? inv.src : INLINE}`),
    children: graph.children.map(fromDirected),
    edges,
  };
}

/** The machine as a plain graph (the JSON format), built on xstate/graph's toDirectedGraph. */
export function toDiagramGraph(machine: AnyStateMachine): DiagramNode {
  return fromDirected(toDirectedGraph(machine));
}

const walk = (node: DiagramNode, visit: (n: DiagramNode) => void): void => {
  visit(node);
  for (const child of node.children) walk(child, visit);
};

const allEdges = (root: DiagramNode): DiagramEdge[] => {
  const edges: DiagramEdge[] = [];
  walk(root, (n) => edges.push(...n.edges));
  return edges;
};

/** Drawn edges (those with a target), one group per source and target, in document order: parallel transitions
 * share one arrow whose label lists them, so a chart with many self-targets stays legible. */
function edgeGroups(root: DiagramNode): DiagramEdge[][] {
  const groups = new Map<string, DiagramEdge[]>();
  for (const e of allEdges(root)) {
    if (e.targetless) continue;
    const key = `${e.source}\u0000${e.target}`;
    const group = groups.get(key);
    if (group) group.push(e);
    else groups.set(key, [e]);
  }
  return [...groups.values()];
}

export function toJson(machine: AnyStateMachine): string {
  return `${JSON.stringify(toDiagramGraph(machine), null, 2)}\n`;
}

// ---- Mermaid (stateDiagram-v2) ----

/** Mermaid state ids: letters, digits and underscores. */
const mermaidId = (id: string): string => id.replace(/[^A-Za-z0-9]/g, '_');
/** Text after `:` on a Mermaid line: no line breaks; `;` and `#` are Mermaid syntax, written as entity codes. */
const mermaidText = (text: string): string => text.replace(/\s+/g, ' ').replace(/#/g, '#35;').replace(/;/g, '#59;').replace(/"/g, '#quot;');

export function toMermaid(machine: AnyStateMachine): string {
  const root = toDiagramGraph(machine);
  const lines: string[] = ['stateDiagram-v2'];
  const internal = (n: DiagramNode) => n.edges.filter((e) => e.targetless).map((e) => e.label.text);
  const emit = (n: DiagramNode, depth: number): void => {
    const pad = '  '.repeat(depth);
    const id = mermaidId(n.id);
    if (n.children.length === 0) {
      lines.push(`${pad}state "${mermaidText(n.key)}" as ${id}`);
      for (const tag of n.tags) lines.push(`${pad}${id} : ⟨${mermaidText(tag)}⟩`);
      for (const text of internal(n)) lines.push(`${pad}${id} : ${mermaidText(text)}`);
      return;
    }
    lines.push(`${pad}state "${mermaidText(n.key)}" as ${id} {`);
    if (n.initial) lines.push(`${pad}  [*] --> ${mermaidId(n.initial)}`);
    n.children.forEach((child, i) => {
      if (i > 0 && n.type === 'parallel') lines.push(`${pad}  --`);
      emit(child, depth + 1);
    });
    for (const child of n.children) if (child.type === 'final') lines.push(`${pad}  ${mermaidId(child.id)} --> [*]`);
    lines.push(`${pad}}`);
    const texts = [...n.tags.map((t) => `⟨${t}⟩`), ...internal(n)];
    if (texts.length > 0) lines.push(`${pad}note left of ${id}`, ...texts.map((t) => `${pad}  ${mermaidText(t)}`), `${pad}end note`);
  };
  emit(root, 1);
  for (const group of edgeGroups(root)) {
    const [first] = group;
    lines.push(`  ${mermaidId(first!.source)} --> ${mermaidId(first!.target)} : ${group.map((e) => mermaidText(e.label.text)).join('<br/>')}`);
  }
  return `${lines.join('\n')}\n`;
}

// ---- Graphviz dot ----

const dotString = (text: string): string => `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
const html = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const FONT = 'Helvetica,Arial,sans-serif';

/** A state's label: its key in bold, its tags, then the transitions that stay in it. */
function dotLabel(n: DiagramNode, style: DiagramStyle = {}, ids?: ReadonlyMap<DiagramEdge, string>): string {
  if (style.actions || style.transitionIds) return styledLabel(n, style, ids);
  const rows = [html(n.key)];
  if (n.tags.length > 0) rows.push(`<font point-size="9" color="#2b6cb0">${n.tags.map((t) => html(t)).join(' · ')}</font>`);
  for (const e of n.edges.filter((x) => x.targetless)) rows.push(`<font point-size="9">${html(e.label.text)}</font>`);
  return rows.length === 1 ? `<${rows[0]}>` : `<${rows.join('<br align="left"/>')}<br align="left"/>>`;
}

const INTERNAL_COLOUR = '#6b46c1';
const ACTION_COLOUR = '#2c7a7b';

/** `event [guard]`, the event coloured when the machine raises it itself. */
function eventText(e: DiagramEdge, style: DiagramStyle): string {
  const text = e.guard ? `${html(e.event)}&#160;&#160;[${html(e.guard)}]` : html(e.event);
  // One span per label line part: Graphviz places each span by its own width estimate.
  return style.internalEvents?.includes(e.event) ? `<font color="${INTERNAL_COLOUR}">${text}</font>` : text;
}

/** Words into lines of at most `width` characters. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

const edgeLabelPlain = (e: DiagramEdge): string => `${e.label.text}${e.actions.length > 0 ? ` / ${e.actions.join(', ')}` : ''}`;

const actionText = (e: DiagramEdge): string => (e.actions.length > 0 ? `<font color="${ACTION_COLOUR}">/ ${e.actions.map(html).join(', ')}</font>` : '');

/** A state as a table: its key, then one row per transition that stays in it (each row an SVG group with an id). */
function styledLabel(n: DiagramNode, style: DiagramStyle, ids?: ReadonlyMap<DiagramEdge, string>): string {
  const rows = [`<tr><td align="left"><b>${html(n.key)}</b></td></tr>`];
  if (n.children.length > 0 && style.regionDescriptions && n.description && n.type !== 'parallel') {
    for (const line of wrap(n.description, 56)) rows.push(`<tr><td align="left"><font point-size="9" color="#4a5568">${html(line)}</font></td></tr>`);
  }
  if (n.tags.length > 0) rows.push(`<tr><td align="left"><font point-size="9" color="#2b6cb0">${n.tags.map((t) => html(t)).join(' · ')}</font></td></tr>`);
  for (const e of n.edges.filter((x) => x.targetless)) {
    const id = ids?.get(e);
    const text = `${eventText(e, style)}${style.actions && e.actions.length > 0 ? `&#160;&#160;&#160;&#160;${actionText(e)}` : ''}`;
    rows.push(`<tr><td align="left"${id ? ` id="${id}" tooltip="${html(e.description ?? edgeLabelPlain(e))}"` : ''}><font point-size="9">${text}</font></td></tr>`);
  }
  return `<<table border="0" cellborder="0" cellspacing="0" cellpadding="1">${rows.join('')}</table>>`;
}

/** Slack after text whose span Graphviz measures on its own (its estimate runs short of browsers' fonts). */
const PAD = '&#160;&#160;&#160;&#160;&#160;&#160;';

/** The legend of a styled chart: guards and actions with their meaning and clause. */
function legendNode(style: DiagramStyle): string | undefined {
  if (!style.legend || style.legend.length === 0) return undefined;
  const table = (kind: 'guard' | 'action', title: string) =>
    `<table border="0" cellborder="0" cellspacing="0" cellpadding="1"><tr><td align="left" colspan="3"><b>${title}</b></td></tr>${style.legend!
      .filter((x) => x.kind === kind)
      .map((x) => `<tr><td align="left"><font point-size="9" color="${kind === 'action' ? ACTION_COLOUR : '#1a202c'}">${html(x.name)}${PAD}</font></td><td align="left"><font point-size="9">${html(x.text)}${PAD}</font></td><td align="left"><font point-size="9" color="#4a5568">${html(x.clause)}${PAD}</font></td></tr>`)
      .join('')}</table>`;
  return `<<table border="0" cellborder="0" cellspacing="6"><tr><td valign="top">${table('guard', 'Guards (NVMe Base 2.0)')}</td><td valign="top">${table('action', 'Actions (NVMe Base 2.0)')}</td></tr><tr><td align="left" colspan="2"><font point-size="9"><font color="${INTERNAL_COLOUR}">purple events</font>${PAD}are raised by the chart itself ·${PAD}<font color="${ACTION_COLOUR}">/ actions</font>${PAD}run in order · for one state and event the first transition whose guard holds is taken</font></td></tr></table>>`;
}

export function toDot(machine: AnyStateMachine): string {
  const root = toDiagramGraph(machine);
  const style = diagramStyleOf(machine);
  const ids = new Map<DiagramEdge, string>();
  if (style.transitionIds) allEdges(root).forEach((e, i) => ids.set(e, `T${i}`));
  const byId = new Map<string, DiagramNode>();
  walk(root, (n) => byId.set(n.id, n));
  /** Edges to and from a compound state attach to its initial dot (or an invisible point), clipped at its box. */
  const anchor = (n: DiagramNode): string => `${n.id}.__start`;
  const lines: string[] = [
    `digraph ${dotString(root.id)} {`,
    `  graph [compound=true, rankdir=TB, fontname=${dotString(FONT)}, fontsize=12, nodesep=0.6, ranksep=0.5, newrank=true];`,
    `  node [shape=box, style="rounded,filled", fillcolor="#f7fafc", color="#4a5568", fontname=${dotString(FONT)}, fontsize=11, margin="0.2,0.06"];`,
    `  edge [fontname=${dotString(FONT)}, fontsize=9, color="#4a5568", arrowsize=0.7];`,
  ];
  const emit = (n: DiagramNode, depth: number): void => {
    const pad = '  '.repeat(depth);
    if (n.children.length === 0) {
      const shape = n.type === 'final' ? ', peripheries=2' : '';
      lines.push(`${pad}${dotString(n.id)} [label=${dotLabel(n, style, ids)}${shape}];`);
      return;
    }
    lines.push(`${pad}subgraph ${dotString(`cluster_${n.id}`)} {`);
    lines.push(`${pad}  label=${dotLabel(n, style, ids)}; labeljust=l; style="rounded${n.type === 'parallel' ? ',dashed' : ''}"; color="#4a5568";`);
    if (n.initial) {
      lines.push(`${pad}  ${dotString(anchor(n))} [shape=point, width=0.1, style=filled, fillcolor="#4a5568", label=""];`);
      lines.push(`${pad}  ${dotString(anchor(n))} -> ${dotString(n.initial)};`);
    } else {
      lines.push(`${pad}  ${dotString(anchor(n))} [shape=point, style=invis, width=0.01, label=""];`);
    }
    for (const child of n.children) emit(child, depth + 1);
    lines.push(`${pad}}`);
  };
  emit(root, 1);
  const legend = legendNode(style);
  if (legend) {
    // Below the chart: one rank under its deepest states.
    lines.push(`  "${root.id}.__legend" [shape=box, style="rounded", color="#cbd5e0", label=${legend}];`);
    const leaves: DiagramNode[] = [];
    walk(root, (n) => {
      if (n.children.length === 0) leaves.push(n);
    });
    for (const leaf of leaves) lines.push(`  ${dotString(leaf.id)} -> "${root.id}.__legend" [style=invis];`);
  }
  for (const group of edgeGroups(root)) {
    const [first] = group;
    const source = byId.get(first!.source)!;
    const target = byId.get(first!.target)!;
    // Non-breaking spaces either side keep labels apart where the viewer's font runs wider than Graphviz's estimate.
    const text = (e: DiagramEdge) => (style.actions ? `${eventText(e, style)}${e.actions.length > 0 ? `<br align="left"/>&#160;&#160;${actionText(e)}` : ''}` : html(e.label.text));
    const label = group.map((e) => `&#160;${text(e)}&#160;`).join('<br align="left"/>');
    const attrs = [`label=<${label}${group.length > 1 || style.actions ? '<br align="left"/>' : ''}>`];
    if (style.transitionIds) {
      attrs.push(`id=${dotString(ids.get(first!)!)}`);
      const tip = group.map((e) => `${edgeLabelPlain(e)}: ${e.description ?? ''}`).join('\n');
      attrs.push(`tooltip=${dotString(tip)}`, `labeltooltip=${dotString(tip)}`);
    }
    let from = source.id;
    let to = target.id;
    if (source.children.length > 0) {
      from = anchor(source);
      if (source !== target) attrs.push(`ltail=${dotString(`cluster_${source.id}`)}`);
    }
    if (target.children.length > 0) {
      to = anchor(target);
      if (source !== target) attrs.push(`lhead=${dotString(`cluster_${target.id}`)}`);
    }
    if (group.every((e) => e.event === 'always')) attrs.push('style=dashed');
    lines.push(`  ${dotString(from)} -> ${dotString(to)} [${attrs.join(', ')}];`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

// ---- SVG ----

type VizInstance = Awaited<ReturnType<typeof import('@viz-js/viz').instance>>;
let viz: Promise<VizInstance> | undefined;

/** Graphviz (WebAssembly, bundled in @viz-js/viz) lays the dot graph out. */
export async function toSvg(machine: AnyStateMachine): Promise<string> {
  viz ??= import('@viz-js/viz').then((m) => m.instance());
  const svg = (await viz).renderString(toDot(machine), { format: 'svg', engine: 'dot' });
  return svg.endsWith('\n') ? svg : `${svg}\n`;
}

// ---- by name ----

export function render(machine: AnyStateMachine, format: DiagramFormat): Promise<string> {
  switch (format) {
    case 'mermaid':
      return Promise.resolve(toMermaid(machine));
    case 'dot':
      return Promise.resolve(toDot(machine));
    case 'json':
      return Promise.resolve(toJson(machine));
    case 'svg':
      return toSvg(machine);
  }
}

export const isDiagramFormat = (value: string): value is DiagramFormat => (DIAGRAM_FORMATS as readonly string[]).includes(value);

/** For `nvme-actors diagram NAME --format F`: the text to print. Names are those of src/diagram/machines.ts. */
export async function renderDiagram(machineName: string, format: DiagramFormat | string = 'mermaid'): Promise<string> {
  const machine = machines[machineName];
  if (!machine) throw new Error(`unknown machine '${machineName}': one of ${machineNames.join(', ')}`);
  if (!isDiagramFormat(format)) throw new Error(`unknown diagram format '${format}': one of ${DIAGRAM_FORMATS.join(', ')}`);
  return render(machine, format);
}
