// What people look at must not depend on the engine: the HTML report's rows (each with the actors' active states)
// and what `--inspect` sends the Stately inspector (every actor's snapshot value, in order) are the same when the
// examples and the spec profile's generated paths run on XState's interpreter and on the 'fast' engine.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { InspectionEvent } from 'xstate';
import { readFileSync } from 'node:fs';
import { parseScenario, parseScenarioFile } from '../../src/scenario/schema.ts';
import { makeEmulatorTarget, runScenario } from '../../src/scenario/runner.ts';
import { buildReportData, ACTOR_CHARTS } from '../../src/report/report-data.ts';
import { buildPack } from '../../src/model/conformance.ts';
import type { EngineName } from '../../src/engine/index.ts';
import type { Scenario } from '../../src/scenario/schema.ts';

async function views(scenario: Scenario, engine: EngineName) {
  const inspected: string[] = [];
  // XState numbers the actors without an id (x:N) from a counter of the whole process: name them by order of
  // appearance, so that the XState run before the 'fast' one does not shift the fast run's names.
  const sessions = new Map<string, string>();
  const name = (ref: { sessionId: string; id?: string }): string => {
    if (ref.id && !/^x:\d+$/.test(ref.id)) return ref.id;
    if (!sessions.has(ref.sessionId)) sessions.set(ref.sessionId, `actor #${sessions.size}`);
    return sessions.get(ref.sessionId)!;
  };
  const inspect = (e: InspectionEvent): void => {
    if (e.type === '@xstate.snapshot') inspected.push(`${name(e.actorRef as unknown as { sessionId: string; id?: string })}: ${JSON.stringify((e.snapshot as { value?: unknown }).value ?? null)} (${e.snapshot.status})`);
  };
  const result = await runScenario(scenario, makeEmulatorTarget({ engine, inspect }), { recordStates: true });
  const report = buildReportData({ title: 'engines', subtitle: engine, charts: Object.values(ACTOR_CHARTS), runs: [{ result: { ...result, durationMs: 0 } }] });
  return { report, inspected, passed: result.passed, failed: result.failed };
}

const examples = readdirSync(new URL('../../examples/', import.meta.url)).filter((f) => f.endsWith('.json'));

describe('the report and the inspector show the same states on both engines', () => {
  it.each(examples)('example %s', async (file) => {
    const [scenario] = parseScenarioFile(readFileSync(new URL(`../../examples/${file}`, import.meta.url), 'utf8'), file);
    const [xstate, fast] = [await views(scenario!, 'xstate'), await views(scenario!, 'fast')];
    expect(xstate.report.runs[0]!.rows.length).toBeGreaterThan(3);
    expect(xstate.inspected.length).toBeGreaterThan(3);
    expect(fast.report).toEqual({ ...xstate.report, subtitle: 'fast' });
    expect(fast.inspected).toEqual(xstate.inspected);
  });

  it('the spec profile\'s generated paths (every one)', async () => {
    const pack = buildPack('spec').scenarios.map((json) => parseScenario(json));
    expect(pack.length).toBeGreaterThan(20);
    for (const scenario of pack) {
      const [xstate, fast] = [await views(scenario, 'xstate'), await views(scenario, 'fast')];
      expect(xstate.failed, scenario.name).toBe(0);
      expect(fast.report, scenario.name).toEqual({ ...xstate.report, subtitle: 'fast' });
      expect(fast.inspected, scenario.name).toEqual(xstate.inspected);
    }
  }, 120_000);
});
