// docs/model-based-testing.md's generated sections (the chart's guards and actions with their clauses, the named
// implementations per profile, coverage per profile) match a fresh rendering; every guard and action the chart
// uses is in the catalogue with an NVMe Base 2.0 clause. NVME_ACTORS_WRITE_DOCS=1 rewrites the sections.
import { describe, expect, it } from 'vitest';
import type { AnyStateNode } from 'xstate';
import { aenLogPageChart } from '../../machines/aen-log-page.chart.ts';
import { CATALOGUE } from '../../src/logic/aen-chart.ts';
import { guardName } from '../../src/model/chart.ts';
import { MODEL_DOC, readModelDoc, renderCatalogue, renderCoverage, renderProfiles, sectionOf, WRITE_DOCS, writeSection } from '../../src/model/model-doc.ts';

function namesUsed(): { guards: Set<string>; actions: Set<string>; events: Set<string> } {
  const out = { guards: new Set<string>(), actions: new Set<string>(), events: new Set<string>() };
  const visit = (node: AnyStateNode): void => {
    for (const [event, list] of node.transitions) {
      out.events.add(event);
      for (const t of list) {
        const g = guardName(t);
        if (g) out.guards.add(g);
        for (const a of t.actions) out.actions.add(typeof a === 'string' ? a : String((a as { type?: unknown }).type));
      }
    }
    Object.values(node.states).forEach(visit);
  };
  visit(aenLogPageChart.root);
  return out;
}

describe('the chart names spec predicates and effects', () => {
  it('every guard and action the chart uses has a catalogue entry with a clause, and no entry is unused', () => {
    const { guards, actions } = namesUsed();
    for (const g of guards) expect(CATALOGUE[g], g).toMatchObject({ kind: 'guard', clause: expect.stringMatching(/§\d/) });
    for (const a of actions) expect(CATALOGUE[a], a).toMatchObject({ kind: 'action', clause: expect.stringMatching(/§\d/) });
    expect(Object.keys(CATALOGUE).sort()).toEqual([...guards, ...actions].sort());
    for (const g of guards) expect(g).not.toMatch(/^leadsTo/);
  });

  it('every transition has a named event, a description, and no eventless or delayed transitions', () => {
    const { events } = namesUsed();
    expect([...events].sort()).toEqual(['abort', 'aen.posted', 'aer.submit', 'features.set', 'log.read', 'namespace.changed', 'notice.raised', 'reset']);
    const visit = (node: AnyStateNode): void => {
      expect(node.always ?? [], node.id).toEqual([]);
      expect(node.after, node.id).toEqual([]);
      for (const list of node.transitions.values()) for (const t of list) expect(t.description, `${node.id} ${t.eventType}`).toMatch(/\S/);
      Object.values(node.states).forEach(visit);
    };
    visit(aenLogPageChart.root);
  });
});

describe(`${MODEL_DOC} generated sections`, () => {
  it.each([
    ['catalogue', renderCatalogue],
    ['profiles', renderProfiles],
    ['coverage', () => renderCoverage()],
  ] as const)('%s is current', (name, render) => {
    const body = render();
    if (WRITE_DOCS) writeSection(name, body);
    expect(sectionOf(readModelDoc(), name), `${MODEL_DOC} section ${name} is stale: NVME_ACTORS_WRITE_DOCS=1 npx vitest run test/model/model-doc.model.test.ts`).toBe(body);
  }, 120_000);
});
