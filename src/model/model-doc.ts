// The generated sections of docs/model-based-testing.md: the guards and actions of the spec chart with their
// clauses, the named implementations each profile provides, coverage per profile (with what each cannot reach, by
// name) and the mutant table. Each section sits between `<!-- generated:NAME -->` and `<!-- /generated:NAME -->`;
// test/model checks them against a fresh rendering, and NVME_ACTORS_WRITE_DOCS=1 writes them.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CATALOGUE } from '../logic/aen-chart.ts';
import { PROFILE_NAMES, PROFILES } from '../profiles/profiles.ts';
import { REPO_ROOT } from '../diagram/docs.ts';
import { providedImplementations } from './chart.ts';
import { generatePaths, tourPaths, type Coverage, type CoverageOf } from './generate.ts';

export const MODEL_DOC = 'docs/model-based-testing.md';
export const WRITE_DOCS = process.env.NVME_ACTORS_WRITE_DOCS === '1';

const cell = (s: string): string => s.replace(/\|/g, '\\|');

export function renderCatalogue(): string {
  const rows = (kind: 'guard' | 'action') =>
    Object.entries(CATALOGUE)
      .filter(([, e]) => e.kind === kind)
      .map(([name, e]) => `| \`${name}\` | ${cell(e.text)}${e.profile ? ' (profile predicate)' : ''} | ${cell(e.clause)} |`);
  return ['| guard | predicate | NVMe Base 2.0 |', '|---|---|---|', ...rows('guard'), '', '| action | effect | NVMe Base 2.0 |', '|---|---|---|', ...rows('action')].join('\n');
}

export function renderProfiles(): string {
  const lines = ['| profile | provides | in place of the spec\'s | knob | because |', '|---|---|---|---|---|'];
  for (const name of PROFILE_NAMES) {
    const provided = providedImplementations(PROFILES[name]);
    if (provided.length === 0) lines.push(`| \`${name}\` | (nothing: the chart as written) | | | |`);
    for (const p of provided) lines.push(`| \`${name}\` | ${p.kind} \`${p.name}\`: \`${p.implementation}\` | \`${p.name}\` | \`${p.knob}\` | ${cell(p.why)} |`);
  }
  return lines.join('\n');
}

const count = (c: CoverageOf): string => `${c.covered.length}/${c.total.length - c.unreachable.length}`;

export function renderCoverage(results: ReadonlyArray<{ name: string; coverage: Coverage; coveragePaths: number; tours: number; tourEvents: number }> = coverageResults()): string {
  const lines = [
    '| profile | coverage paths | tour stretches (events) | states | transitions | guard outcomes |',
    '|---|---|---|---|---|---|',
  ];
  for (const r of results) lines.push(`| \`${r.name}\` | ${r.coveragePaths} | ${r.tours} (${r.tourEvents}) | ${count(r.coverage.states)} | ${count(r.coverage.transitions)} | ${count(r.coverage.guardOutcomes)} |`);
  const first = results[0]!.coverage;
  const union = (pick: (c: Coverage) => CoverageOf) => new Set(results.flatMap((r) => pick(r.coverage).covered)).size;
  lines.push(`| all profiles | | | ${union((c) => c.states)}/${first.states.total.length} | ${union((c) => c.transitions)}/${first.transitions.total.length} | ${union((c) => c.guardOutcomes)}/${first.guardOutcomes.total.length} |`);
  lines.push('', 'Counts are covered/reachable under the profile; the last row is covered/in the chart. What each profile cannot reach:', '');
  for (const r of results) {
    const un = [...r.coverage.states.unreachable, ...r.coverage.transitions.unreachable, ...r.coverage.guardOutcomes.unreachable];
    lines.push(`- \`${r.name}\`${un.length === 0 ? ': nothing' : ':'}`);
    for (const u of un) lines.push(`  - \`${u}\``);
  }
  return lines.join('\n');
}

export function coverageResults(): Array<{ name: string; coverage: Coverage; coveragePaths: number; tours: number; tourEvents: number }> {
  return PROFILE_NAMES.map((name) => {
    const { paths, coverage } = generatePaths(PROFILES[name]);
    const tours = tourPaths(PROFILES[name]);
    return { name, coverage, coveragePaths: paths.length, tours: tours.length, tourEvents: tours.reduce((n, p) => n + p.events.length, 0) };
  });
}

const begin = (name: string) => `<!-- generated:${name} -->`;
const end = (name: string) => `<!-- /generated:${name} -->`;

export function sectionOf(text: string, name: string): string | undefined {
  const a = text.indexOf(begin(name));
  const b = text.indexOf(end(name));
  if (a < 0 || b < a) return undefined;
  return text.slice(a + begin(name).length, b).trim();
}

export function withSection(text: string, name: string, body: string): string {
  const a = text.indexOf(begin(name));
  const b = text.indexOf(end(name));
  if (a < 0 || b < a) throw new Error(`${MODEL_DOC} has no ${begin(name)} … ${end(name)} section`);
  return `${text.slice(0, a)}${begin(name)}\n${body}\n${text.slice(b)}`;
}

export const readModelDoc = (): string => readFileSync(join(REPO_ROOT, MODEL_DOC), 'utf8');

/** Write a section of the doc (NVME_ACTORS_WRITE_DOCS=1). */
export function writeSection(name: string, body: string): void {
  writeFileSync(join(REPO_ROOT, MODEL_DOC), withSection(readModelDoc(), name, body));
}
