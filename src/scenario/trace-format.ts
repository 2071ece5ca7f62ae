// The scenario trace as text: human-readable lines by default, or one JSON object per line (`--json`), then a
// closing line `N passed, M failed` (docs/scenarios.md "Trace"). Text from the scenario file or the peer (names,
// tags, messages) is escaped (src/scenario/escape.ts): a newline in a tag cannot forge a line, an ANSI escape in a
// name cannot drive the terminal.
import type { ScenarioResult, TraceRecord } from './runner.ts';
import { escapeControl as esc } from './escape.ts';

const opcodeHex = (op: number): string => `${op.toString(16).padStart(2, '0').toUpperCase()}h`;
const statusText = (s: { sct: number; sc: number; dnr: boolean }): string => `${s.sct.toString(16)}/${s.sc.toString(16).padStart(2, '0').toUpperCase()}h${s.dnr ? ' DNR' : ''}`;
const nsidText = (n: number): string => (n === 0xffffffff ? 'FFFFFFFFh' : String(n));
/** A list of NSIDs, wrapped by the terminal, never cut. */
const list = (nsids: readonly number[]): string => `[${nsids.map(nsidText).join(', ')}]`;
const who = (tag: string | null): string => (tag === null ? '(host)' : esc(tag));
const forWhy = (why: string | undefined): string => (why ? ` for ${esc(why)}` : '');

type LogRecord = Extract<TraceRecord, { kind: 'log' }>;
type IdentifyRecord = Extract<TraceRecord, { kind: 'identify' }>;

/** What a Get Log Page returned: `changedNamespaceList (04h) [1, 2]`. */
function logText(r: LogRecord): string {
  const page = r.page !== undefined && r.lid !== undefined ? `${r.page} (${opcodeHex(r.lid)}) ` : '';
  if (r.overflow) return `${page}overflow (FFFFFFFFh: more than 1024 namespaces changed)`;
  if (r.nsids) return `${page}${list(r.nsids)}`;
  if (r.entries) {
    const shown = r.entries.map((e) => `#${e.errorCount} sqid=${e.sqid} cid=${e.cid} status=${statusText(e.status)}${e.nsid ? ` nsid=${e.nsid}` : ''}${e.parameterErrorLocation ? ` at=${e.parameterErrorLocation}` : ''}`);
    return `${page}${r.entries.length === 0 ? 'no entries' : `${r.entries.length + (r.more ?? 0)} entr${r.entries.length + (r.more ?? 0) === 1 ? 'y' : 'ies'}: ${shown.join('; ')}${r.more ? `; ${r.more} more` : ''}`}`;
  }
  if (r.smart) return `${page}criticalWarning=0x${r.smart.criticalWarning.toString(16).padStart(2, '0')} compositeTemperature=${r.smart.compositeTemperature} K availableSpare=${r.smart.availableSpare}% percentageUsed=${r.smart.percentageUsed}%`;
  return `${page}${r.bytes ?? 0} bytes`;
}

/** What an Identify returned: `activeNamespaceList (CNS 02h) [1, 2]`. */
function identifyText(r: IdentifyRecord): string {
  const head = `${r.structure} (CNS ${opcodeHex(r.cns)})${r.nsid ? ` nsid ${nsidText(r.nsid)}` : ''}`;
  if (r.nsids) return `${head} ${list(r.nsids)}`;
  if (r.controller) {
    const c = r.controller;
    return `${head} vid=${c.vid.toString(16).padStart(4, '0')}h cntlid=${c.cntlid} aerl=${c.aerl} oaes=0x${c.oaes.toString(16)} nn=${c.nn} mdts=${c.mdts}${c.mn ? ` mn="${esc(c.mn)}"` : ''}`;
  }
  if (r.namespace) return `${head} nsze=${r.namespace.nsze} ncap=${r.namespace.ncap} nuse=${r.namespace.nuse} lbaSize=${r.namespace.lbaSize}`;
  return head;
}

export function formatRecord(r: TraceRecord, color = false): string {
  const green = (s: string) => (color ? `\x1b[32m${s}\x1b[0m` : s);
  const red = (s: string) => (color ? `\x1b[31m${s}\x1b[0m` : s);
  switch (r.kind) {
    case 'submit': return `  → submit    ${who(r.tag)} cid=${r.cid} ${r.command ?? 'opcode'} (${opcodeHex(r.opcode)})${forWhy(r.why)}`;
    case 'completion': {
      const what = r.command ? ` ${r.command}` : '';
      const aen = r.aen ? ` AEN ${r.aen.typeName}/${r.aen.infoName}, log ${opcodeHex(r.aen.logPage)} (${r.aen.logPageName})` : '';
      return `  ← complete  ${who(r.tag)} cid=${r.cid}${what} status=${statusText(r.status)} ${r.statusName ?? ''} dw0=${r.dw0} sqhd=${r.sqhd}${aen}${forWhy(r.why)}`.replace('  dw0=', ' dw0=');
    }
    case 'receipt': return `  ⚑ nsChange  nsid=${r.nsid}${r.count > 1 ? ` (last of ${r.count})` : ''} ${r.outcome}${r.aen ? ` aen cid=${r.aen.cid} dw0=${r.aen.dw0}` : ''}${r.via ? ` via ${esc(r.via)}` : ''}`;
    case 'log': return `  ▤ log       ${who(r.tag)} ${logText(r)}${forWhy(r.why)}`;
    case 'identify': return `  ▤ identify  ${who(r.tag)} ${identifyText(r)}${forWhy(r.why)}`;
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
