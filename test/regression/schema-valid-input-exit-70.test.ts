// Regression (issue 13, item 8): input the scenario format accepted ended in exit 70 ("internal error").
// Symptoms and causes: a Namespace Attachment with 2048 controller ids passed the schema and then threw a RangeError
// from encodeControllerList ("at most 2047"); a run of 70,000 steps with --html died with "Maximum call stack size
// exceeded" from `Math.max(...array)` over every trace record in the report; a namespace of 2^53-1 blocks of
// 64 KiB passed the schema and then failed QEMU's image truncate ("len is out of range"); a directory the user
// cannot list threw EACCES from an unguarded readdir. Fix: the schema bounds what every target accepts (exit 2
// with the JSON path), the report takes the maximum without a spread, and I/O errors are one-line exit-2
// messages naming the errno.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import * as fsp from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { buildReportData } from '../../src/report/report-data.ts';
import type { ScenarioResult, TraceRecord } from '../../src/scenario/runner.ts';
import { cli } from '../support/cli.ts';

// A directory that cannot be listed: the tests run as root, for whom no mode bit denies a readdir, so readdir is
// made to fail for one marked path exactly as the kernel fails it for a user without read permission.
const UNLISTABLE = 'unlistable-dir-marker';
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const readdir = (async (path: Parameters<typeof real.readdir>[0], ...rest: unknown[]) => {
    if (String(path).includes(UNLISTABLE)) throw Object.assign(new Error(`EACCES: permission denied, scandir '${String(path)}'`), { code: 'EACCES', errno: -13, syscall: 'scandir' });
    return (real.readdir as (...a: unknown[]) => unknown)(path, ...rest);
  }) as typeof real.readdir;
  return { ...real, readdir, default: { ...real, readdir } };
});

const dirs: string[] = [];
const tmp = async (): Promise<string> => {
  const d = await mkdtemp(join(tmpdir(), 'nvme-actors-exit70-'));
  dirs.push(d);
  return d;
};
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function scenarioFile(scenario: unknown): Promise<string> {
  const file = join(await tmp(), 'scenario.json');
  await writeFile(file, JSON.stringify(scenario));
  return file;
}

describe('schema-valid input that ended in exit 70', () => {
  it('a controller list of 2048 ids: exit 2 naming the field', async () => {
    const ids = Array.from({ length: 2048 }, (_, i) => i);
    const file = await scenarioFile({ steps: [{ do: 'enable' }, { do: 'submit', tag: 'a', command: { opcode: 'namespaceAttachment', sel: 'attach', nsid: 1, controllers: ids } }] });
    const r = await cli('run', file);
    expect(r.err).toEqual([`nvme-actors: ${file}: $.steps[1].command.controllers: expected at most 2047 controller ids (a Controller List holds 2047, NVMe Base 2.0 §4.6.2), got 2048`]);
    expect(r.code).toBe(2);
  });

  it('2047 controller ids are still accepted', async () => {
    const ids = Array.from({ length: 2047 }, () => 0);
    const file = await scenarioFile({ steps: [{ do: 'enable' }, { do: 'submit', tag: 'a', command: { opcode: 'namespaceAttachment', sel: 'attach', nsid: 1, controllers: ids } }, { do: 'expect', tag: 'a' }] });
    const r = await cli('run', file);
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
  });

  it('a namespace of 2^53-1 blocks of 64 KiB: exit 2 before any target starts', async () => {
    const file = await scenarioFile({ controller: { namespaces: [{ nsid: 1, blocks: Number.MAX_SAFE_INTEGER, blockSize: 65536 }] }, steps: [{ do: 'enable' }] });
    const r = await cli('run', file, '--target', 'qemu');
    expect(r.out).toEqual([]);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toMatch(/\$\.controller\.namespaces\[0\]\.blocks: expected at most 134217728 blocks of 65536 bytes \(a namespace holds at most 8 TiB/);
    expect(r.code).toBe(2);
  });

  it('the report of a run with 200,000 trace records is built (no spread of the records)', () => {
    const n = 200_000;
    const trace: TraceRecord[] = Array.from({ length: n }, (_, i) => ({ kind: 'note', message: `record ${i}` }));
    const result: ScenarioResult = { name: 'long', target: 'emulator', passed: 0, failed: 0, trace, durationMs: 1, recorded: trace.map((_, i) => ({ step: i >> 1 })) };
    const data = buildReportData({ title: 't', subtitle: 's', charts: ['controller'], runs: [{ result }] });
    expect(data.runs[0]!.rows).toHaveLength(n + 1);
  });

  it('a directory that cannot be listed: one line naming EACCES, exit 2', async () => {
    const dir = join(await tmp(), UNLISTABLE);
    await fsp.mkdir(dir);
    const r = await cli('run', dir);
    expect(r.err).toEqual([`nvme-actors: ${dir}: cannot list this directory: permission denied (EACCES)`]);
    expect(r.code).toBe(2);
  });
});
