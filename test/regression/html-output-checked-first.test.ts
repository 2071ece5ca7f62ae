// Regression (issue 13, item 12): `--html` to a directory or /dev/full ran every scenario first, printed, then
// exited 2 ("cannot write"), and the pass/fail verdict was lost. Cause: only the folder of the page was checked
// before the run, and a write failure after the run threw past the totals line. Fix: the output path is checked
// before any work (an existing path must be a writable regular file, a new one needs a writable directory), and a
// write that still fails after the run (a full disk) is reported after the verdict.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { cli } from '../support/cli.ts';

// A disk that fills up between the check and the write: writeFile fails with ENOSPC for one marked name.
const FULL = 'disk-full-marker';
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const writeFile = (async (path: Parameters<typeof real.writeFile>[0], ...rest: unknown[]) => {
    if (String(path).includes(FULL)) throw Object.assign(new Error(`ENOSPC: no space left on device, write`), { code: 'ENOSPC', errno: -28, syscall: 'write' });
    return (real.writeFile as (...a: unknown[]) => unknown)(path, ...rest);
  }) as typeof real.writeFile;
  return { ...real, writeFile, default: { ...real, writeFile } };
});

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('--html output path', () => {
  it('a directory is refused before the run', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nvme-actors-htmlout-'));
    dirs.push(dir);
    const r = await cli('run', 'examples/', '--html', dir);
    expect(r.out).toEqual([]);
    expect(r.err).toEqual([`nvme-actors: --html ${dir}: a directory, expected the path of a regular file to write`]);
    expect(r.code).toBe(2);
  });

  it('/dev/full is refused before the run', async () => {
    const r = await cli('run', 'examples/', '--html', '/dev/full');
    expect(r.out).toEqual([]);
    expect(r.err).toEqual(['nvme-actors: --html /dev/full: a character device, expected the path of a regular file to write']);
    expect(r.code).toBe(2);
  });

  it('conformance --html to a directory is refused before the run', async () => {
    const r = await cli('conformance', '--html', 'examples');
    expect(r.out).toEqual([]);
    expect(r.err).toEqual(['nvme-actors: --html examples: a directory, expected the path of a regular file to write']);
    expect(r.code).toBe(2);
  });

  it('paths --out to /dev/full is refused', async () => {
    const r = await cli('paths', '--out', '/dev/full');
    expect(r.err).toEqual(['nvme-actors: --out /dev/full: a character device, expected the path of a regular file to write']);
    expect(r.code).toBe(2);
  });

  it('a write that fails after the run still reports the verdict', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nvme-actors-htmlout-'));
    dirs.push(dir);
    const file = join(dir, `${FULL}.html`);
    const r = await cli('run', 'examples/', '--html', file);
    expect(r.out.at(-1)).toMatch(/^\d+ passed, 0 failed$/);
    expect(r.err).toEqual([`nvme-actors: --html ${file}: cannot write (no space left on device (ENOSPC))`]);
    expect(r.code).toBe(2);
  });
});
