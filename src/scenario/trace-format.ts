// The scenario trace as text: human-readable lines by default, or one JSON object per line (`--json`), then a
// closing line `N passed, M failed` (docs/scenarios.md "Trace"). Text from the scenario file or the peer (names,
// tags, messages) is escaped (src/scenario/escape.ts): a newline in a tag cannot forge a line, an ANSI escape in a
// name cannot drive the terminal.
import type { ScenarioResult, TraceRecord } from './runner.ts';
import { escapeControl as esc } from './escape.ts';

const opcodeHex = (op: number): string => `${op.toString(16).padStart(2, '0').toUpperCase()}h`;
const statusText = (s: { sct: number; sc: number; dnr: boolean }): string => `${s.sct.toString(16)}/${s.sc.toString(16).padStart(2, '0').toUpperCase()}h${s.dnr ? ' DNR' : ''}`;

export function formatRecord(r: TraceRecord, color = false): string {
  const green = (s: string) => (color ? `\x1b[32m${s}\x1b[0m` : s);
  const red = (s: string) => (color ? `\x1b[31m${s}\x1b[0m` : s);
  switch (r.kind) {
    case 'submit': return `  → submit    ${esc(r.tag)} cid=${r.cid} opcode=${opcodeHex(r.opcode)}`;
    case 'completion': return `  ← complete  ${r.tag === null ? '(host)' : esc(r.tag)} cid=${r.cid} status=${statusText(r.status)} dw0=${r.dw0} sqhd=${r.sqhd}`;
    case 'receipt': return `  ⚑ nsChange  nsid=${r.nsid}${r.count > 1 ? ` (last of ${r.count})` : ''} ${r.outcome}${r.aen ? ` aen cid=${r.aen.cid} dw0=${r.aen.dw0}` : ''}${r.via ? ` via ${esc(r.via)}` : ''}`;
    case 'log': return `  ▤ log       ${esc(r.tag)} [${r.nsids.map((n) => (n === 0xffffffff ? 'FFFFFFFFh' : String(n))).join(', ')}]`;
    case 'register': return `  ▣ register  ${r.name} = ${r.value}`;
    case 'lifecycle': return `  ◆ ${r.action}`;
    case 'note': return `  · ${esc(r.message)}`;
    case 'expect': return r.ok ? `  ${green('✓')} ${esc(r.message)}` : `  ${red('✗')} ${esc(r.message)}`;
  }
}

export function formatResult(result: ScenarioResult, options: { json?: boolean; color?: boolean } = {}): string {
  if (options.json) {
    return [
      JSON.stringify({ kind: 'scenario', name: result.name, target: result.target }),
      ...result.trace.map((r) => JSON.stringify(r)),
      JSON.stringify({ kind: 'result', name: result.name, passed: result.passed, failed: result.failed, durationMs: Math.round(result.durationMs * 1000) / 1000 }),
    ].join('\n');
  }
  return [`▶ ${esc(result.name)} [${esc(result.target)}]`, ...result.trace.map((r) => formatRecord(r, options.color)), `  ${result.passed} passed, ${result.failed} failed (${result.durationMs.toFixed(1)} ms)`].join('\n');
}
