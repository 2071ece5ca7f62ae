// A CLI that behaves like its peers (issue 12 item 5): --version; `run --only N` and `--grep TEXT`; `run --profile`
// overriding the file's; `--json` is JSON lines only (every line of `conformance --json` and `run --json` parses);
// `conformance` shows each path's whole event sequence (wrapped, never cut), the coverage and what to try next;
// a scenario that declares "targets" is reported as not applicable on another target.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wrapPath } from '../../src/cli.ts';
import { buildPack } from '../../src/model/conformance.ts';
import { cli } from '../support/cli.ts';
import { declareQemuGate, qemuChildrenOf, qemuGate } from '../support/qemu.ts';

let dir = '';
let packFile = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nvme-actors-peers-'));
  packFile = join(dir, 'pack.json');
  await writeFile(packFile, JSON.stringify(buildPack('spec')));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const lines = (out: string[]): string[] => out.join('\n').split('\n');

describe('the command, as its peers behave', () => {
  it('--version prints the package version', async () => {
    const version = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
    expect(await cli('--version')).toEqual({ code: 0, out: [`nvme-actors ${version}`], err: [] });
  });

  it('run PACK --only N runs path N alone, --only N,M two', async () => {
    const one = await cli('run', packFile, '--only', '7');
    expect(lines(one.out).filter((l) => l.startsWith('▶ '))).toEqual([expect.stringMatching(/^▶ spec path 7: /)]);
    expect(one.code).toBe(0);
    const two = await cli('run', packFile, '--only', '2,9', '--json');
    expect(lines(two.out).map((l) => JSON.parse(l)).filter((r) => r.kind === 'scenario').map((r) => r.name)).toEqual([expect.stringMatching(/^spec path 2: /), expect.stringMatching(/^spec path 9: /)]);
  });

  it('run --grep TEXT runs the scenarios whose name contains it', async () => {
    const r = await cli('run', packFile, '--grep', 'NAMESPACE.CHANGED(100..1124)');
    const names = lines(r.out).filter((l) => l.startsWith('▶ '));
    expect(names.length).toBeGreaterThan(0);
    expect(names.length).toBeLessThan(buildPack('spec').scenarios.length);
    for (const n of names) expect(n).toContain('namespace.changed(100..1124)');
  });

  it('run --profile overrides the file\'s profile', async () => {
    // The spec profile answers an unknown log page with 1/09h, the qemu profile with 0/02h.
    const file = join(dir, 'log-7f.json');
    await writeFile(file, JSON.stringify({ profile: 'spec', steps: [{ do: 'enable' }, { do: 'submit', tag: 'l', command: { opcode: 'getLogPage', lid: 0x7f, numd: 1 } }, { do: 'expect', tag: 'l', status: '0/02h' }] }));
    expect((await cli('run', file)).code).toBe(1);
    expect((await cli('run', file, '--profile', 'qemu')).code).toBe(0);
  });

  it('every line of run --json and conformance --json is JSON, the totals an object', async () => {
    const run = await cli('run', 'examples/', '--json');
    const records = lines(run.out).map((l) => JSON.parse(l));
    expect(records.at(-1)).toMatchObject({ kind: 'total', failed: 0 });
    const conf = await cli('conformance', '--json');
    const rows = lines(conf.out).map((l) => JSON.parse(l) as { kind: string });
    expect(rows.at(-1)).toEqual({ kind: 'total', passed: rows.filter((r) => r.kind === 'path').length, failed: 0 });
    expect(rows.filter((r) => r.kind === 'summary')).toHaveLength(1);
  });

  it('conformance shows whole paths (wrapped, never cut), the coverage and what to try next', async () => {
    const r = await cli('conformance');
    const out = lines(r.out);
    expect(out.join('\n')).not.toContain('…');
    const pack = buildPack('spec');
    // Each path's events, rejoined from its wrapped lines, are the whole sequence.
    const rows: string[] = [];
    for (const l of out) {
      const m = /^ {0,3}\d+ {2}(.{64}) /.exec(l);
      if (m) rows.push(m[1]!.trimEnd());
      else if (/^ {6}\S/.test(l) && rows.length > 0) rows[rows.length - 1] += ` ${l.trim()}`;
    }
    expect(rows).toHaveLength(pack.scenarios.length);
    expect(rows.some((p) => p.length > 64)).toBe(true);
    expect(rows[0]).toBe(pack.scenarios[0]!.name.replace(/^spec path 1: /, ''));
    expect(out).toContainEqual(expect.stringMatching(/^coverage: states \d+\/\d+ reachable under this profile .*, transitions .*, guard outcomes/));
    expect(out).toContainEqual(expect.stringMatching(/nvme-actors conformance --profile spec --html conformance\.html/));
    expect(out).toContainEqual(expect.stringMatching(/nvme-actors paths --profile spec --out pack\.json/));
    expect(out).toContainEqual(expect.stringMatching(/nvme-actors conformance --target qemu/));
    expect(out.at(-1)).toMatch(/^\d+ passed, 0 failed$/);
  });

  it('wrapPath breaks after arrows and never cuts an event', () => {
    expect(wrapPath('a → bb → ccc', 8)).toEqual(['a → bb →', 'ccc']);
    expect(wrapPath('averyveryverylongevent → b', 5)).toEqual(['averyveryverylongevent →', 'b']);
    expect(wrapPath('one', 64)).toEqual(['one']);
  });

  it('a scenario declared for the emulator is not applicable on another target, and says why', async () => {
    const file = join(dir, 'emulator-only.json');
    await writeFile(file, JSON.stringify({ name: 'receipts', targets: ['emulator'], steps: [{ do: 'enable' }] }));
    const onEmulator = await cli('run', file);
    expect(onEmulator.out.at(-1)).toBe('0 passed, 0 failed');
    // On QEMU it is not started at all, so this needs no QEMU.
    const r = await cli('run', file, '--target', 'qemu');
    expect(r.out).toEqual(['▷ receipts [qemu]: not applicable (the file declares "targets": ["emulator"])', '0 passed, 0 failed, 1 scenario not applicable on the qemu']);
    expect(r.code).toBe(0);
    const json = await cli('run', file, '--target', 'qemu', '--json');
    expect(json.out.map((l) => JSON.parse(l))).toEqual([
      { kind: 'notApplicable', name: 'receipts', target: 'qemu', targets: ['emulator'] },
      { kind: 'total', passed: 0, failed: 0, notApplicable: 1 },
    ]);
  });
});

const gate = await qemuGate();
if (declareQemuGate(gate, 'run examples/ on QEMU')) {
  describe('the examples on QEMU', () => {
    it('run examples/ --target qemu exits 0 and says which were not applicable', async () => {
      const r = await cli('run', 'examples/', '--target', 'qemu');
      expect(r.err).toEqual([]);
      const out = lines(r.out);
      expect(out.filter((l) => l.startsWith('▷ ')).length).toBeGreaterThan(0);
      for (const l of out.filter((x) => x.startsWith('▷ '))) expect(l).toMatch(/\[qemu\]: not applicable \(the file declares "targets": \["emulator"\]\)$/);
      expect(out.at(-1)).toMatch(/^\d+ passed, 0 failed, \d+ scenarios? not applicable on the qemu$/);
      expect(r.code).toBe(0);
      expect(qemuChildrenOf()).toEqual([]);
    }, 60_000);
  });
}
