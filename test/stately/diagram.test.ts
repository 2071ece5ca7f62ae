// The diagram renderers (src/diagram/diagram.ts): JSON from xstate/graph's toDirectedGraph with the `always`
// transitions it omits and guard names on labels; Mermaid and dot that name every state and drawn transition;
// SVG laid out offline; renderDiagram() by machine name for the CLI.
import { describe, expect, it } from 'vitest';
import { createMachine } from 'xstate';
import { DIAGRAM_FORMATS, renderDiagram, toDiagramGraph, toDot, toMermaid, toSvg, type DiagramNode } from '../../src/diagram/diagram.ts';
import { machineNames } from '../../src/diagram/machines.ts';
import { aenLatchMachine } from '../../machines/aen-latch.machine.ts';

const edgesOf = (node: DiagramNode): DiagramNode['edges'][number][] => [...node.edges, ...node.children.flatMap(edgesOf)];

describe('diagram', () => {
  it('JSON keeps always transitions and guard names', () => {
    const graph = toDiagramGraph(aenLatchMachine);
    expect(graph.id).toBe('aenLatch');
    const always = edgesOf(graph).filter((e) => e.event === 'always');
    expect(always.map((e) => [e.source, e.target, e.label.text])).toEqual([
      ['aenLatch.online.notice.clear', 'aenLatch.online.notice.pending', 'always [hasRetainedChanges]'],
      ['aenLatch.online.notice.pending', 'aenLatch.online.notice.posted', 'always [canReportNotice]'],
      ['aenLatch.online.errorEvent.pending', 'aenLatch.online.errorEvent.posted', 'always [canReportError]'],
    ]);
    const reset = edgesOf(graph).find((e) => e.event === 'controller.reset')!;
    expect(reset).toMatchObject({ source: 'aenLatch.online', target: 'aenLatch.offline', guard: null, targetless: false, actions: ['dropParkedAers'] });
    expect(JSON.parse(JSON.stringify(graph)).children.map((c: DiagramNode) => c.key)).toEqual(['offline', 'online']);
  });

  it('Mermaid and dot draw nested states, initial states, finals and guarded edges', () => {
    const m = createMachine({
      id: 'toy',
      initial: 'a',
      on: { 'x.reset': { actions: 'log' } },
      states: {
        a: { on: { go: { target: 'b', guard: 'isReady' } }, always: { target: 'done', guard: 'isOver' } },
        b: { initial: 'b1', states: { b1: { tags: ['csts.rdy'], on: { stay: { actions: 'log' } } } }, on: { back: 'a' } },
        done: { type: 'final' },
      },
    });
    const mermaid = toMermaid(m);
    expect(mermaid.split('\n')[0]).toBe('stateDiagram-v2');
    for (const line of ['[*] --> toy_a', '[*] --> toy_b_b1', 'toy_done --> [*]', 'toy_a --> toy_b : go [isReady]', 'toy_a --> toy_done : always [isOver]', 'toy_b --> toy_a : back', 'toy_b_b1 : stay', 'toy_b_b1 : ⟨csts.rdy⟩']) {
      expect(mermaid).toContain(line);
    }
    expect(mermaid).toMatch(/note left of toy\n\s+x\.reset\n/);
    const dot = toDot(m);
    expect(dot).toContain('subgraph "cluster_toy.b"');
    expect(dot).toContain('"toy.a" -> "toy.b.__start" [label=<&#160;go [isReady]&#160;>, lhead="cluster_toy.b"]');
    expect(dot).toContain('style=dashed');
    expect(dot).toContain('peripheries=2');
  });

  it('SVG is laid out offline and is the same every time', async () => {
    const first = await toSvg(aenLatchMachine);
    expect(first).toContain('<svg');
    expect(first).toContain('controller.reset');
    expect(await toSvg(aenLatchMachine)).toBe(first);
  });

  it('renderDiagram renders every machine by name in every format', async () => {
    expect(machineNames).toEqual(['controller', 'admin-queue', 'io-queue', 'aen-latch', 'aen-log-page']);
    for (const name of machineNames) {
      for (const format of DIAGRAM_FORMATS) expect((await renderDiagram(name, format)).length, `${name} ${format}`).toBeGreaterThan(100);
    }
    expect(JSON.parse(await renderDiagram('controller', 'json')).id).toBe('controller');
    await expect(renderDiagram('nope', 'mermaid')).rejects.toThrow(/unknown machine 'nope': one of controller, admin-queue/);
    await expect(renderDiagram('controller', 'png')).rejects.toThrow(/unknown diagram format 'png'/);
  });
});
