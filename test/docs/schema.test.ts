// schema/scenario.schema.json against the parser, with a real JSON Schema validator (Ajv, draft 2020-12): the file
// is what schema/generate.ts writes; every example, every generated pack and every file of the bad-file corpus
// (test/hostile/fixtures/bad-scenarios) gets the same verdict from the schema and from src/scenario/schema.ts,
// except the rules JSON Schema cannot state (PARSER_ONLY: the schema accepts those files, the parser refuses them);
// the hex-string patterns hold exactly the values of their range; each example names the schema by `$schema`.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildSchema, hexPattern, SCHEMA_FILE } from '../../schema/generate.ts';
import { buildPack } from '../../src/model/conformance.ts';
import { PROFILE_NAMES } from '../../src/profiles/profiles.ts';
import { parseScenarioFile } from '../../src/scenario/schema.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const BAD = join(ROOT, 'test/hostile/fixtures/bad-scenarios');
const EXAMPLES = join(ROOT, 'examples');

const schema = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as Record<string, unknown>;
const ajv = new Ajv2020({ strict: true, strictRequired: false, allErrors: false });
const validate = ajv.compile(schema);

/** The schema's verdict on a file's text: JSON that is not valid JSON is refused before any schema applies. */
function schemaAccepts(text: string): boolean {
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    return false;
  }
  return validate(json);
}
function parserAccepts(text: string): boolean {
  try {
    parseScenarioFile(text);
    return true;
  } catch {
    return false;
  }
}
const why = (): string => ajv.errorsText(validate.errors);

/** Bad files whose fault is a rule between fields or steps, which JSON Schema cannot express: the parser alone
 * refuses them (docs/scenarios.md, "What the schema cannot check"). */
const PARSER_ONLY: Readonly<Record<string, string>> = {
  'abort-cid-unknown-tag': 'an Abort cid tag must name an earlier submission',
  'duplicate-tag': 'each submit tag once',
  'expect-before-submit': 'an expect tag must name an earlier submit step',
  'expect-fault-submission-tag': 'an expectFault tag must name an earlier fault step',
  'expect-fault-unknown-tag': 'an expectFault tag must name an earlier fault step',
  'expect-pending-unknown-tag': 'an expectPending tag must name an earlier submit step',
  'fault-duplicate-tag': 'each fault tag once',
  'namespace-change-count-overflow': 'nsid + count - 1 must stay ≤ FFFFFFFEh',
  'namespace-duplicate-nsid': 'each NSID declared once',
  'pack-bad-step': 'an expect tag must name an earlier submit step (in a pack scenario)',
};

describe('schema/scenario.schema.json', () => {
  it('is what schema/generate.ts writes (npm run schema)', () => {
    expect(schema).toEqual(buildSchema());
  });

  it('is draft 2020-12 and compiles under Ajv strict mode', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(typeof validate).toBe('function');
  });
});

describe('the schema and the parser agree', () => {
  const examples = readdirSync(EXAMPLES).filter((f) => f.endsWith('.json')).sort();
  it.each(examples)('examples/%s: both accept it, and its $schema names the schema', (file) => {
    const text = readFileSync(join(EXAMPLES, file), 'utf8');
    expect(parserAccepts(text)).toBe(true);
    expect(schemaAccepts(text), why()).toBe(true);
    const ref = (JSON.parse(text) as { $schema?: string }).$schema;
    expect(ref).toBe('../schema/scenario.schema.json');
    expect(resolve(dirname(join(EXAMPLES, file)), ref!)).toBe(SCHEMA_FILE);
  });

  it.each(PROFILE_NAMES)('the generated %s pack: both accept it, and every scenario of it', (profile) => {
    const pack = buildPack(profile);
    const text = JSON.stringify(pack);
    expect(parserAccepts(text)).toBe(true);
    expect(schemaAccepts(text), why()).toBe(true);
    for (const s of pack.scenarios) expect(validate(s), `${s.name}: ${why()}`).toBe(true);
  });

  const bad = readdirSync(BAD).filter((f) => f.endsWith('.json')).sort();
  it('covers the whole bad-file corpus, and every PARSER_ONLY entry is a file of it', () => {
    expect(bad.length).toBeGreaterThan(80);
    for (const name of Object.keys(PARSER_ONLY)) expect(bad).toContain(`${name}.json`);
  });

  it.each(bad)('bad-scenarios/%s: the parser refuses it, and so does the schema (or it is a rule only the parser can check)', (file) => {
    const text = readFileSync(join(BAD, file), 'utf8');
    expect(parserAccepts(text)).toBe(false);
    const name = file.replace(/\.json$/, '');
    if (PARSER_ONLY[name]) expect(schemaAccepts(text), `${name} is listed as parser-only (${PARSER_ONLY[name]}) but the schema refuses it: remove it from PARSER_ONLY`).toBe(true);
    else expect(schemaAccepts(text), `the schema accepts ${file}, which the parser refuses`).toBe(false);
  });

  // Files the corpus does not hold: each representation the parser accepts, and near misses it refuses.
  const scenario = (steps: unknown[], extra: Record<string, unknown> = {}): string => JSON.stringify({ ...extra, steps });
  const cases: ReadonlyArray<readonly [string, string]> = [
    ['hex forms and leading zeros', scenario([{ do: 'enable', queueSize: '0x0010' }, { do: 'submit', tag: 'a', command: { opcode: '06h', cns: '0x01', cdw10: 'FFFFFFFFh' } }])],
    ['an opcode as a number with its named fields', scenario([{ do: 'enable' }, { do: 'submit', tag: 'l', command: { opcode: 2, lid: 4, rae: true, numd: 32768, offset: 4 } }])],
    ['numd above 32768 in hex', scenario([{ do: 'enable' }, { do: 'submit', tag: 'l', command: { opcode: 'getLogPage', numd: '0x8001' } }])],
    ['a named field of another opcode given by hex', scenario([{ do: 'enable' }, { do: 'submit', tag: 'l', command: { opcode: '0x06', lid: 4 } }])],
    ['setFeatures value, getFeatures fid', scenario([{ do: 'enable' }, { do: 'submit', tag: 's', command: { opcode: 'setFeatures', fid: 11, value: '0x100' } }, { do: 'submit', tag: 'g', command: { opcode: '0ah', fid: 11 } }])],
    ['getFeatures value', scenario([{ do: 'enable' }, { do: 'submit', tag: 'g', command: { opcode: 'getFeatures', fid: 11, value: 1 } }])],
    ['an Abort of a tag', scenario([{ do: 'enable' }, { do: 'submit', tag: 'aer', command: { opcode: 'asyncEventRequest' } }, { do: 'submit', tag: 'ab', command: { opcode: 'abort', cid: 'aer', sqid: 0 } }])],
    ['an Abort cid that looks hex but is not', scenario([{ do: 'enable' }, { do: 'submit', tag: 'ab', command: { opcode: 'abort', cid: '0xZZ' } }])],
    ['sel as a number above 15', scenario([{ do: 'enable' }, { do: 'submit', tag: 'n', command: { opcode: 'namespaceAttachment', sel: 16 } }])],
    ['blockSize 4096 in hex, blocks at 8 TiB', JSON.stringify({ controller: { namespaces: [{ nsid: 1, blockSize: '0x1000', blocks: 2 ** 31 }] }, steps: [{ do: 'enable' }] })],
    ['blockSize 0x300', JSON.stringify({ controller: { namespaces: [{ nsid: 1, blockSize: '0x300' }] }, steps: [{ do: 'enable' }] })],
    ['an NSID of FFFFFFFFh', scenario([{ do: 'enable' }, { do: 'namespaceChange', nsid: '0xffffffff' }])],
    ['an NSID of FFFFFFFEh with until and outcome', scenario([{ do: 'enable' }, { do: 'namespaceChange', nsid: 'fffffffeh', until: 'aen', outcome: 'posted' }])],
    ['an expect with every field', scenario([{ do: 'enable' }, { do: 'submit', tag: 'k', command: { opcode: 'keepAlive' } }, { do: 'expect', tag: 'k', status: '0/00h', dw0: 0, dnr: false, changedNamespaces: ['0xffffffff'], data: '', timeoutMs: 5 }])],
    ['changedNamespaces with a zero', scenario([{ do: 'enable' }, { do: 'submit', tag: 'k', command: { opcode: 'keepAlive' } }, { do: 'expect', tag: 'k', changedNamespaces: [0] }])],
    ['expectRegister with a mask', scenario([{ do: 'expectRegister', name: 'CSTS', value: 1, mask: '0x1' }])],
    ['the faultActive switch alone', scenario([{ do: 'fault', active: false }])],
    ['the switch with a tag but no fault', scenario([{ do: 'fault', active: true, tag: 'x' }])],
    ['every fault form', scenario([
      { do: 'fault', active: true },
      { do: 'fault', tag: 'f1', on: 'completion', match: { opcode: 'identify', cdw10: '0x1' }, behaviour: 'update', completion: { status: 'internalError', dnr: true, dw0: '0x5' } },
      { do: 'fault', tag: 'f2', on: 'submission', match: { opcode: 'identify', cdw10: 1 }, behaviour: 'update', command: { cdw10: '0xfe' } },
      { do: 'fault', tag: 'f3', on: 'completion', match: { opcode: 'asyncEventRequest' }, behaviour: 'drop' },
      { do: 'fault', tag: 'f4', on: 'submission', match: { opcode: 'keepAlive' }, behaviour: 'delay', ms: 40 },
      { do: 'fault', tag: 'f5', on: 'completion', match: { opcode: 6 }, behaviour: 'customPayload', data: '0xdeadbeef' },
      { do: 'fault', tag: 'f6', on: 'submission', match: {}, behaviour: 'verify' },
      { do: 'fault', tag: 'e1', on: 'enable', behaviour: 'fatal', active: true },
      { do: 'fault', tag: 'e2', on: 'enable', behaviour: 'delay', ms: '0x10' },
      { do: 'expectFault', tag: 'f1', fired: true, count: 1 },
      { do: 'expectFault', tag: 'f2', fired: false, count: '0x0' },
      { do: 'expectFault', tag: 'f3', timeoutMs: 10 },
    ])],
    ['a completion update with dnr but no status', scenario([{ do: 'fault', tag: 'f', on: 'completion', match: {}, behaviour: 'update', completion: { dnr: true, dw0: 1 } }])],
    ['a submission update with an empty command', scenario([{ do: 'fault', tag: 'f', on: 'submission', match: {}, behaviour: 'update', command: {} }])],
    ['a submission update with a completion', scenario([{ do: 'fault', tag: 'f', on: 'submission', match: {}, behaviour: 'update', command: { nsid: 1 }, completion: { dw0: 1 } }])],
    ['a drop with data', scenario([{ do: 'fault', tag: 'f', on: 'completion', match: {}, behaviour: 'drop', data: '00' }])],
    ['fired true with count 0', scenario([{ do: 'fault', tag: 'f', on: 'submission', match: {}, behaviour: 'verify' }, { do: 'expectFault', tag: 'f', fired: true, count: '00h' }])],
    ['a $schema key that is not a string', JSON.stringify({ $schema: 5, steps: [{ do: 'enable' }] })],
    ['a pack with a $schema key', JSON.stringify({ $schema: '../schema/scenario.schema.json', kind: 'nvme-actors.pack', scenarios: [{ steps: [{ do: 'enable' }] }] })],
    ['a kind that is not a pack', JSON.stringify({ kind: 'pack', steps: [{ do: 'enable' }] })],
    ['a fraction', scenario([{ do: 'enable', queueSize: 2.5 }])],
    ['a number written 1e1', scenario([{ do: 'enable', queueSize: 1e1 }])],
    ['blocks beyond 8 TiB', JSON.stringify({ controller: { namespaces: [{ nsid: 1, blocks: 2 ** 34 + 1 }] }, steps: [{ do: 'enable' }] })],
    ['blocks beyond 8 TiB in 4 KiB blocks', JSON.stringify({ controller: { namespaces: [{ nsid: 1, blockSize: 4096, blocks: '0x80000001' }] }, steps: [{ do: 'enable' }] })],
    ['more than 65,536 namespaces', JSON.stringify({ controller: { namespaces: Array.from({ length: 65537 }, (_, i) => ({ nsid: i + 1 })) }, steps: [{ do: 'enable' }] })],
    ['2047 controller ids', scenario([{ do: 'enable' }, { do: 'submit', tag: 'n', command: { opcode: 'namespaceAttachment', sel: 'attach', controllers: Array.from({ length: 2047 }, (_, i) => i) } }])],
    ['more than 2047 controller ids', scenario([{ do: 'enable' }, { do: 'submit', tag: 'n', command: { opcode: 'namespaceAttachment', sel: 'attach', controllers: Array.from({ length: 2048 }, (_, i) => i) } }])],
  ];
  it.each(cases)('%s: the same verdict', (_, text) => {
    expect(schemaAccepts(text), `parser: ${parserAccepts(text)}; schema: ${why()}`).toBe(parserAccepts(text));
  });

  // "targets" comes with helper cli's parser (its format-change list), not yet on this branch's: the schema's verdicts
  // here; move these into `cases` (one verdict for both) once that branch is merged.
  const targets = (t: unknown): string => JSON.stringify({ targets: t, steps: [{ do: 'enable' }] });
  it.each([
    [['emulator'], true], [['emulator', 'qemu', 'tcp'], true], [[], false], [['emulator', 'emulator'], false], [['nvmet'], true], [['spdk'], false], ['emulator', false],
  ] as const)('targets %j: the schema says %s', (t, ok) => {
    expect(schemaAccepts(targets(t))).toBe(ok);
  });

  it('the hex patterns hold exactly their range (0x, h, either case, leading zeros)', () => {
    const value = fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 70000 }), fc.constantFrom(0, 1, 255, 256, 0xfffffffe, 0xffffffff));
    fc.assert(
      fc.property(value, value, value, fc.constantFrom('0x', 'h'), fc.boolean(), fc.nat(3), (a, b, v, form, upper, zeros) => {
        const [min, max] = a <= b ? [a, b] : [b, a];
        const digits = `${'0'.repeat(zeros)}${v.toString(16)}`;
        const text = (upper ? digits.toUpperCase() : digits);
        const written = form === '0x' ? `${upper ? '0X' : '0x'}${text}` : `${text}${upper ? 'H' : 'h'}`;
        return new RegExp(hexPattern(min, max)).test(written) === (v >= min && v <= max);
      }),
      { seed: 12, numRuns: 3000 },
    );
    expect(new RegExp(hexPattern(0, 255)).test('0x')).toBe(false);
    expect(new RegExp(hexPattern(0, 255)).test('h')).toBe(false);
  });

  // docs/scenarios.md's examples: each JSON block that is a whole file, and each block of one step per line (run as
  // one scenario, in order), passes both.
  const doc = readFileSync(join(ROOT, 'docs/scenarios.md'), 'utf8');
  const blocks = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const docFiles = blocks.flatMap((b) => {
    try {
      return [JSON.stringify(JSON.parse(b))];
    } catch {
      const lines = b.trim().split('\n');
      try {
        return [JSON.stringify({ steps: lines.map((l) => JSON.parse(l) as unknown) })];
      } catch {
        return []; // an outline with … in it
      }
    }
  });
  it('docs/scenarios.md has examples to check', () => {
    expect(docFiles.length).toBeGreaterThanOrEqual(3);
  });
  it.each(docFiles.map((f, i) => [i + 1, f] as const))('docs/scenarios.md example %i: both accept it', (_, text) => {
    expect(parserAccepts(text)).toBe(true);
    expect(schemaAccepts(text), why()).toBe(true);
  });

  it('every example file exists where its $schema says', () => {
    for (const file of readdirSync(EXAMPLES).filter((f) => f.endsWith('.json'))) {
      const ref = (JSON.parse(readFileSync(join(EXAMPLES, file), 'utf8')) as { $schema?: string }).$schema;
      expect(ref && existsSync(resolve(EXAMPLES, ref)), file).toBe(true);
    }
  });
});
