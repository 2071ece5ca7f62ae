// The HTML report's data: the runner records the actors' states only when asked; each timeline row carries the
// state node ids active after it (the ids the diagrams draw), AEN completions are told apart, conformance paths
// carry the spec chart's state per step; and the page is one self-contained file.
import { rm, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/scenario/schema.ts';
import { runScenario } from '../../src/scenario/runner.ts';
import { activeStateIds, buildReportData, type ReportData, type ReportRow } from '../../src/report/report-data.ts';
import { renderReportHtml } from '../../src/report/html.ts';
import { chartStatesBySteps, runConformance } from '../../src/model/conformance.ts';
import { chartToScenario } from '../../src/model/to-scenario.ts';
import { generatePaths } from '../../src/model/generate.ts';
import { getProfile } from '../../src/profiles/profiles.ts';
import { cli } from '../support/cli.ts';

const SEED = parseScenario({
  name: 'seed',
  steps: [
    { do: 'enable' },
    { do: 'submit', tag: 'aer1', command: { opcode: 'asyncEventRequest' } },
    { do: 'namespaceChange', nsid: 1, outcome: 'posted' },
    { do: 'expect', tag: 'aer1', status: 'success', dw0: '0x00040002' },
    { do: 'submit', tag: 'log', command: { opcode: 'getLogPage', lid: 4, rae: false, numd: 1024 } },
    { do: 'expect', tag: 'log', status: 'success', changedNamespaces: [1] },
  ],
});

const activeOf = (data: ReportData, row: ReportRow): readonly string[] => data.activeSets[row.active]!;

describe('report data', () => {
  it('state values become the chart node ids, root first, parallel regions included', () => {
    expect(activeStateIds('controller', 'disabled')).toEqual(['controller', 'controller.disabled']);
    expect(activeStateIds('controller', { enabled: 'ready' })).toEqual(['controller', 'controller.enabled', 'controller.enabled.ready']);
    expect(activeStateIds('aen-latch', { online: { notice: 'posted', errorEvent: 'clear' } })).toEqual([
      'aenLatch', 'aenLatch.online', 'aenLatch.online.notice', 'aenLatch.online.notice.posted', 'aenLatch.online.errorEvent', 'aenLatch.online.errorEvent.clear',
    ]);
    expect(activeStateIds('aen-log-page', { aerPool: 'parked', notice: 'reported', aecBit8: 'on', changedList: 'listing' })).toEqual([
      'aenLogPage', 'aenLogPage.aerPool', 'aenLogPage.aerPool.parked', 'aenLogPage.notice', 'aenLogPage.notice.reported',
      'aenLogPage.aecBit8', 'aenLogPage.aecBit8.on', 'aenLogPage.changedList', 'aenLogPage.changedList.listing',
    ]);
  });

  it('the runner records states only when asked', async () => {
    const plain = await runScenario(SEED);
    expect(plain.recorded).toBeUndefined();
    expect(plain.initialStates).toBeUndefined();
    const recorded = await runScenario(SEED, undefined, { recordStates: true });
    expect(recorded.recorded).toHaveLength(recorded.trace.length);
    expect(recorded.initialStates).toMatchObject({ controller: 'disabled' });
    expect(recorded.initialStates?.adminQueue).toBeUndefined();
    // Same trace either way.
    expect(recorded.trace.map((r) => r.kind)).toEqual(plain.trace.map((r) => r.kind));
  });

  it('a timeline row per trace record, with the states after it', async () => {
    const result = await runScenario(SEED, undefined, { recordStates: true });
    const data = buildReportData({ title: 't', subtitle: 's', charts: ['controller', 'admin-queue', 'aen-latch'], runs: [{ result }] });
    const rows = data.runs[0]!.rows;
    expect(rows).toHaveLength(result.trace.length + 1);
    expect(rows[0]).toMatchObject({ kind: 'start', step: -1 });
    expect(activeOf(data, rows[0]!)).toContain('controller.disabled');
    expect(activeOf(data, rows[0]!).some((id) => id.startsWith('adminQueue'))).toBe(false);

    const enable = rows.find((r) => r.kind === 'lifecycle')!;
    expect(enable.step).toBe(0);
    expect(activeOf(data, enable)).toEqual(expect.arrayContaining(['controller.enabled.ready', 'adminQueue.idle', 'aenLatch.online.notice.clear']));

    const kinds = rows.map((r) => r.kind);
    expect(kinds).toEqual(expect.arrayContaining(['submit', 'completion', 'aen', 'receipt', 'log', 'expect']));
    const aen = rows.find((r) => r.kind === 'aen')!;
    expect(aen.text).toMatch(/^aer1 cid=\d+ asyncEventRequest status=0\/00h success dw0=0x00040002/);
    expect(activeOf(data, aen)).toContain('aenLatch.online.notice.posted');
    const receipt = rows.find((r) => r.kind === 'receipt')!;
    expect(receipt.text).toBe('nsid=1 posted');
    // Reading the list with RAE=0 unmasks the notice: the latch is clear again at the end.
    const log = rows.find((r) => r.kind === 'log')!;
    expect(log.text).toBe('log changedNamespaceList (04h) [1]');
    expect(activeOf(data, log)).toContain('aenLatch.online.notice.clear');
    expect(rows.filter((r) => r.kind === 'expect').every((r) => r.ok === true)).toBe(true);
    expect(data.totals).toEqual({ passed: result.passed, failed: 0 });
  });

  it('conformance paths: the spec chart state of every scenario step', async () => {
    const profile = getProfile('spec');
    const { paths } = generatePaths(profile);
    for (const p of paths.slice(0, 10)) {
      const steps = chartToScenario(profile, p.events, { name: 'x' }).steps;
      const states = chartStatesBySteps(profile, p.events);
      expect(states).toHaveLength(steps.length);
      expect(states[0]).toEqual({ aerPool: 'none', notice: 'clear', aecBit8: 'on', changedList: 'empty' });
    }
    const { rows } = await runConformance('spec', undefined, undefined, { recordStates: true });
    const withNotice = rows.find((r) => r.path.startsWith('aer.submit → namespace.changed'))!;
    expect(withNotice.chartStateOfStep!(1)).toMatchObject({ aerPool: 'parked', notice: 'clear' }); // the submit of the first AER
    expect(withNotice.chartTransitionsOfStep!(1)).toEqual(['aerPool.none: aer.submit → aerPool.parked']);
    const data = buildReportData({ title: 't', subtitle: 's', charts: ['aen-log-page', 'aen-latch'], runs: [{ result: withNotice.result, chartStateOfStep: withNotice.chartStateOfStep! }] });
    const ids = data.runs[0]!.rows.map((r) => activeOf(data, r).filter((id) => id.startsWith('aenLogPage.')));
    expect(ids[0]).toEqual(expect.arrayContaining(['aenLogPage.aerPool.none', 'aenLogPage.notice.clear']));
    expect(ids.flat()).toContain('aenLogPage.aerPool.parked');
    expect(ids.flat()).toContain('aenLogPage.notice.reported');
  }, 120_000);

  it('the page is self-contained: inline SVG whose titles name every active state, no external resources', async () => {
    const result = await runScenario(SEED, undefined, { recordStates: true });
    const data = buildReportData({ title: 'seed <report>', subtitle: 's', charts: ['controller', 'admin-queue', 'aen-latch'], runs: [{ result }] });
    const html = await renderReportHtml(data);
    expect(html.match(/<svg\b/g)).toHaveLength(3);
    const titles = new Set([...html.matchAll(/<title>([^<]*)<\/title>/g)].map((m) => m[1]!.replace(/^cluster_/, '')));
    for (const id of new Set(data.activeSets.flat())) expect(titles, id).toContain(id);
    expect(html).toContain('<title>seed &lt;report&gt;</title>');
    expect(html).not.toMatch(/<link\b|@import|url\(|<script[^>]+src=|<img\b|<iframe\b/i);
    expect(html).not.toMatch(/(?:src|href)\s*=\s*["']?(?:https?:)?\/\//i);
    expect(html).not.toMatch(/<\?xml|<!DOCTYPE svg/);
    // The embedded data parses back to what was built.
    const json = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html)![1]!;
    expect(JSON.parse(json)).toEqual(JSON.parse(JSON.stringify(data)));
  });

  it('nvme-actors run --html writes the page; conformance --html adds the spec chart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nvme-actors-report-'));
    try {
      const file = join(dir, 'run.html');
      const r = await cli('run', 'examples/seed-namespace-change.json', '--html', file);
      expect(r.code).toBe(0);
      expect(r.err).toEqual([`wrote ${file} (1 run, ${(await runScenario(parseScenario(JSON.parse(await readFile('examples/seed-namespace-change.json', 'utf8'))))).trace.length + 1} timeline rows)`]);
      const html = await readFile(file, 'utf8');
      expect([...html.matchAll(/<figure class="chart[^"]*" data-chart="([^"]+)"/g)].map((m) => m[1])).toEqual(['controller', 'admin-queue', 'aen-latch']);
      const conf = join(dir, 'conformance.html');
      const c = await cli('conformance', '--profile', 'openvmm', '--html', conf);
      expect(c.code).toBe(0);
      expect(c.err[0]).toMatch(/^wrote .*conformance\.html \(\d+ runs, \d+ timeline rows\)$/);
      expect([...(await readFile(conf, 'utf8')).matchAll(/<figure class="chart[^"]*" data-chart="([^"]+)"/g)].map((m) => m[1])).toEqual(['aen-log-page', 'controller', 'admin-queue', 'aen-latch']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
