// Scenario-file mutation fuzz through the command's entry point, in-process: good files (the examples, generated
// paths, a fault scenario, a pack) are mutated (values swapped for edge values, keys dropped, added or renamed,
// array items duplicated, dropped or moved, bytes of the text cut or changed), written to disk and run with
// `main(['run', FILE])`. Whatever the file, the command must end with exit 0, 1 or 2 (never 70, never a crash,
// never a hang); exit 2 is exactly one stderr line with no control characters and nothing on stdout; exit 0/1 ends
// stdout with the totals. Seeded and reproducible: NVME_ACTORS_FUZZ_SEED=N picks the seed, a failure names the
// seed, the iteration and the file. 2,000 files by default (stopping early after 25 s on a loaded machine),
// 100,000 under `npm run test:long` (NVME_ACTORS_LONG=1).
// Waits a file may legitimately ask for (timeoutMs, fault delays up to 600 s, 100,000 changes) are clamped so a
// run stays short: their bounds are the schema's business (test/hostile/bad-scenarios.test.ts).
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { main, type CliIo } from '../../src/cli.ts';
import { buildPack } from '../../src/model/conformance.ts';
import { makeEmulatorTarget } from '../../src/scenario/runner.ts';

const LONG = process.env.NVME_ACTORS_LONG === '1';
const ITERATIONS = Number(process.env.NVME_ACTORS_FUZZ_ITERATIONS ?? (LONG ? 100_000 : 2_000));
const SEED = Number(process.env.NVME_ACTORS_FUZZ_SEED ?? 0x5eed13);
/** The default run stops at this wall time even if fewer files were done (a loaded machine); each file is still
 * the one the seed gives at its index, so a failure reproduces with NVME_ACTORS_FUZZ_SEED alone. */
const BUDGET_MS = LONG ? Infinity : Number(process.env.NVME_ACTORS_FUZZ_BUDGET_MS ?? 25_000);
/** A run that takes longer than this is a hang. */
const HANG_MS = 10_000;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** mulberry32: a small seeded PRNG (reproducible across platforms). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const faultScenario: Json = {
  name: 'faults',
  steps: [
    { do: 'fault', active: true },
    { do: 'fault', tag: 'f1', on: 'completion', match: { opcode: 'identify' }, behaviour: 'update', completion: { status: 'invalidField', dnr: true } },
    { do: 'fault', tag: 'f2', on: 'submission', match: {}, behaviour: 'delay', ms: 1 },
    { do: 'enable', queueSize: 8 },
    { do: 'submit', tag: 'id', command: { opcode: 'identify', cns: 1 } },
    { do: 'expect', tag: 'id', status: 'invalidField', dnr: true },
    { do: 'expectFault', tag: 'f1', fired: true },
    { do: 'submit', tag: 'aer', command: { opcode: 'asyncEventRequest' } },
    { do: 'submit', tag: 'ab', command: { opcode: 'abort', cid: 'aer', sqid: 0 } },
    { do: 'namespaceChange', nsid: 1, count: 3, until: 'processed' },
    { do: 'submit', tag: 'att', command: { opcode: 'namespaceAttachment', sel: 'detach', nsid: 1, controllers: [0] } },
    { do: 'submit', tag: 'sf', command: { opcode: 'setFeatures', fid: 11, value: '0x100' } },
    { do: 'expectPending', tag: 'aer' },
    { do: 'expectRegister', name: 'CSTS', mask: 1, value: 1 },
    { do: 'disable' },
  ],
};

function seeds(): Json[] {
  const list: Json[] = readdirSync('examples').filter((f) => f.endsWith('.json')).map((f) => JSON.parse(readFileSync(join('examples', f), 'utf8')) as Json);
  const pack = buildPack('spec');
  // The shortest generated paths: a mutated long path fails expectation after expectation, each a short wait.
  const byLength = [...(pack.scenarios as unknown as { steps: Json[] }[])].sort((a, b) => a.steps.length - b.steps.length);
  const paths = [byLength[0], byLength[1], byLength[4], byLength[Math.floor(byLength.length / 2)]] as unknown as Json[];
  list.push(...paths, faultScenario, { kind: 'nvme-actors.pack', profile: 'spec', scenarios: paths.slice(0, 2) });
  return list;
}

const LONG_STRING = 'x'.repeat(10_000);
const EDGE_VALUES: readonly Json[] = [
  null, true, false, 0, -1, 1, 2, 3, 0.5, -0.0, 15, 16, 255, 256, 1023, 1024, 1025, 2047, 2048, 4095, 4096, 4097, 32768,
  65535, 65536, 0x7fffffff, 0xffffffff, 0xfffffffe, 2 ** 32, 2 ** 43, 2 ** 53 - 1, 2 ** 53, -(2 ** 53), 1e308, -1e308,
  '', '0', '0x', '0x0', '0x1f', '0xffffffff', '0x100000000', '0xZZ', '1fh', '05h', '1/05h', '7/ffh', '8/00h',
  'toString', '__proto__', 'constructor', 'hasOwnProperty', 'a\nb', '\u001b[2J', '\u2028', '\u0000', LONG_STRING,
  'enable', 'submit', 'expect', 'identify', 'getLogPage', 'asyncEventRequest', 'abort', 'namespaceAttachment',
  'success', 'invalidField', 'aerLimitExceeded', 'attach', 'detach', 'spec', 'qemu', 'openvmm', 'aen', 'processed',
  'posted', 'CSTS', 'submission', 'completion', 'delay', 'drop', 'update', 'customPayload', 'verify', 'neverReady',
  'fatal', '0x0100', 'deadbeef', [], {}, [1], [1, 2, 3], [0xffffffff], ['a'], [null], { do: 'enable' }, { opcode: 'identify' },
];
const KEYS = [
  'do', 'tag', 'command', 'opcode', 'nsid', 'cdw10', 'cdw11', 'cdw12', 'cdw13', 'cdw14', 'cdw15', 'cns', 'lid', 'rae',
  'numd', 'offset', 'fid', 'value', 'cid', 'sqid', 'sel', 'controllers', 'status', 'dw0', 'dnr', 'changedNamespaces',
  'data', 'timeoutMs', 'until', 'count', 'outcome', 'name', 'mask', 'queueSize', 'active', 'on', 'behaviour', 'match',
  'ms', 'completion', 'fired', 'profile', 'controller', 'aerl', 'namespaces', 'blocks', 'blockSize', 'attached',
  'steps', 'description', 'kind', 'scenarios', '$schema', 'targets', '__proto__', 'constructor', '', 'x\ny',
];

/** Every container in the tree with a way to read and replace each of its children. */
function slots(root: Json): { parent: Json[] | { [k: string]: Json }; key: string | number }[] {
  const out: { parent: Json[] | { [k: string]: Json }; key: string | number }[] = [];
  const visit = (v: Json): void => {
    if (Array.isArray(v)) v.forEach((c, i) => (out.push({ parent: v, key: i }), visit(c)));
    else if (v !== null && typeof v === 'object') for (const k of Object.keys(v)) (out.push({ parent: v, key: k }), visit(v[k]!));
  };
  visit(root);
  return out;
}

function mutate(seed: Json, rand: () => number): string {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const tree = structuredClone(seed) as Json;
  const n = 1 + Math.floor(rand() * 3);
  for (let m = 0; m < n; m++) {
    const all = slots(tree);
    if (all.length === 0) break;
    const { parent, key } = pick(all);
    const op = rand();
    if (Array.isArray(parent)) {
      const i = key as number;
      if (op < 0.45) parent[i] = pick(EDGE_VALUES);
      else if (op < 0.6) parent.splice(i, 1);
      else if (op < 0.75) parent.splice(i, 0, structuredClone(parent[i]!));
      else if (op < 0.85) parent.push(...parent.splice(i, 1));
      else parent.length = Math.floor(rand() * parent.length);
    } else {
      const k = key as string;
      if (op < 0.45) parent[k] = pick(EDGE_VALUES);
      else if (op < 0.6) delete parent[k];
      else if (op < 0.8) Object.defineProperty(parent, pick(KEYS), { value: pick(EDGE_VALUES), enumerable: true, writable: true, configurable: true });
      else {
        const v = parent[k]!;
        delete parent[k];
        Object.defineProperty(parent, pick(KEYS), { value: v, enumerable: true, writable: true, configurable: true });
      }
    }
  }
  clampWaits(tree);
  let text = JSON.stringify(tree) ?? 'null';
  const t = rand();
  if (t < 0.04) text = text.slice(0, Math.floor(rand() * text.length));
  else if (t < 0.08) {
    const at = Math.floor(rand() * text.length);
    text = text.slice(0, at) + pick(['{', '}', '[', ']', ',', '"', ':', '\\', '\u0000', '\n', 'x', '0']) + text.slice(at + 1);
  } else if (t < 0.09) text = `\uFEFF${text}`;
  return text;
}

/** Waits a file may legitimately ask for, cut to a few milliseconds; big change counts cut to 64. */
function clampWaits(v: Json): void {
  if (Array.isArray(v)) v.forEach(clampWaits);
  else if (v !== null && typeof v === 'object') {
    for (const [k, c] of Object.entries(v)) {
      if ((k === 'timeoutMs' || k === 'ms') && typeof c === 'number' && c > 5) v[k] = 5;
      else if ((k === 'timeoutMs' || k === 'ms') && typeof c === 'string' && /^(0x[0-9a-f]+|[0-9a-f]+h)$/i.test(c)) v[k] = 5;
      else if (k === 'count' && typeof c === 'number' && c > 64) v[k] = 64;
      else if (k === 'count' && typeof c === 'string' && /^(0x[0-9a-f]+|[0-9a-f]+h)$/i.test(c)) v[k] = 64;
      else clampWaits(c);
    }
  }
}

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nvme-actors-fuzz-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

it(`${ITERATIONS} mutated scenario files: exit 0, 1 or 2, one line for 2, never a crash or a hang (seed ${SEED})`, async () => {
  const rand = prng(SEED);
  const pool = seeds();
  const factory = makeEmulatorTarget({ hostTimeoutMs: 1 });
  const file = join(dir, 'mutated.json');
  const codes = [0, 0, 0];
  const started = performance.now();
  let done = 0;
  for (let i = 0; i < ITERATIONS && performance.now() - started < BUDGET_MS; i++, done++) {
    const text = mutate(pool[Math.floor(rand() * pool.length)]!, rand);
    await writeFile(file, text);
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l), isTty: false };
    let timer: NodeJS.Timeout | undefined;
    const hang = new Promise<number>((resolve) => (timer = setTimeout(() => resolve(-1), HANG_MS)));
    const code = await Promise.race([main(['run', file, ...(i % 2 ? ['--json'] : [])], io, { emulator: factory }), hang]).finally(() => clearTimeout(timer));
    const where = `seed ${SEED}, iteration ${i}: ${text.length > 2000 ? `${text.slice(0, 2000)}…` : text}`;
    expect(code, `exit code (-1: a hang) at ${where}\n${err.join('\n')}`).toBeOneOf([0, 1, 2]);
    if (code === 2) {
      expect(err, `stderr at ${where}`).toHaveLength(1);
      expect(err[0], `stderr at ${where}`).toMatch(/^nvme-actors: /);
      expect(err[0], `stderr at ${where}`).not.toMatch(CONTROL);
      expect(err[0]!.length, `stderr at ${where}`).toBeLessThanOrEqual(2100);
      expect(out, `stdout at ${where}`).toEqual([]);
    } else {
      expect(err, `stderr at ${where}`).toEqual([]);
      const last = out.at(-1) ?? '';
      expect(last, `stdout at ${where}`).toMatch(i % 2 ? /^\{"kind":"total"/ : /^\d+ passed, \d+ failed$/);
    }
    codes[code]!++;
  }
  // Enough files to mean something even on a loaded machine, and both sides of the parser reached: files that run
  // (pass or fail) and files refused.
  expect(done).toBeGreaterThanOrEqual(Math.min(ITERATIONS, 200));
  expect(codes[2]).toBeGreaterThan(done / 20);
  expect(codes[0]! + codes[1]!).toBeGreaterThan(done / 40);
}, LONG ? 3_600_000 : 120_000);
