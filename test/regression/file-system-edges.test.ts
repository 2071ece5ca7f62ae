// Regression (issue 13, item 11): file-system edges of `nvme-actors run`.
// Symptoms: a FIFO given directly, or inside a directory, hung with no output (readFile waits for a writer that
// never comes); a symlink loop and an EACCES path component were both reported as "no such file or directory"
// (every stat error was read as ENOENT). Fix (src/scenario/files.ts): only regular files are read (stat first, then
// the file is opened with O_NONBLOCK and fstat'ed, so a FIFO never blocks), and the message names the errno.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { cli } from '../support/cli.ts';

// An EACCES path component: the tests run as root, for whom no mode bit denies a search, so stat is made to fail
// for one marked path exactly as the kernel fails it for a user who may not search a folder on the way.
const NO_SEARCH = 'no-search-marker';
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const stat = (async (path: Parameters<typeof real.stat>[0], ...rest: unknown[]) => {
    if (String(path).includes(NO_SEARCH)) throw Object.assign(new Error(`EACCES: permission denied, stat '${String(path)}'`), { code: 'EACCES', errno: -13, syscall: 'stat' });
    return (real.stat as (...a: unknown[]) => unknown)(path, ...rest);
  }) as typeof real.stat;
  return { ...real, stat, default: { ...real, stat } };
});

let dir = '';
const good = JSON.stringify({ steps: [{ do: 'enable' }] });
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nvme-actors-fsedges-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The command, failing the test rather than hanging if it does not finish. */
async function run(...argv: string[]): Promise<Awaited<ReturnType<typeof cli>>> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`run ${argv.join(' ')} hung`)), 5000)));
  try {
    return await Promise.race([cli(...argv), hang]);
  } finally {
    clearTimeout(timer);
  }
}

describe('file-system edges', () => {
  it('a FIFO given directly is refused at once', async () => {
    const fifo = join(dir, 'direct.fifo');
    execFileSync('mkfifo', [fifo]);
    const r = await run('run', fifo);
    expect(r.err).toEqual([`nvme-actors: ${fifo}: a FIFO (named pipe), expected a scenario file (a regular file) or a directory`]);
    expect(r.code).toBe(2);
  });

  it('a FIFO inside a directory is refused at once', async () => {
    const d = join(dir, 'with-fifo');
    await mkdir(d);
    await writeFile(join(d, 'a.json'), good);
    execFileSync('mkfifo', [join(d, 'b.json')]);
    const r = await run('run', d);
    expect(r.err).toEqual([`nvme-actors: ${join(d, 'b.json')}: a FIFO (named pipe), expected a scenario file (a regular file)`]);
    expect(r.out).toEqual([]);
    expect(r.code).toBe(2);
  });

  it('a symlink loop is named as one', async () => {
    const loop = join(dir, 'loop.json');
    await symlink(loop, loop);
    const r = await run('run', loop);
    expect(r.err).toEqual([`nvme-actors: ${loop}: too many levels of symbolic links (a symlink loop?) (ELOOP)`]);
    expect(r.code).toBe(2);
  });

  it('a symlink loop inside a directory is named as one', async () => {
    const d = join(dir, 'with-loop');
    await mkdir(d);
    await symlink(join(d, 'x.json'), join(d, 'x.json'));
    const r = await run('run', d);
    expect(r.err).toEqual([`nvme-actors: ${join(d, 'x.json')}: cannot open: too many levels of symbolic links (a symlink loop?) (ELOOP)`]);
    expect(r.code).toBe(2);
  });

  it('a dangling symlink inside a directory is named as one', async () => {
    const d = join(dir, 'with-dangling');
    await mkdir(d);
    await symlink(join(d, 'gone'), join(d, 'x.json'));
    const r = await run('run', d);
    expect(r.err).toEqual([`nvme-actors: ${join(d, 'x.json')}: a symbolic link to nothing (ENOENT)`]);
    expect(r.code).toBe(2);
  });

  it('a path component that is a file is named as such', async () => {
    await writeFile(join(dir, 'plain'), good);
    const p = join(dir, 'plain', 'x.json');
    const r = await run('run', p);
    expect(r.err).toEqual([`nvme-actors: ${p}: a component of the path is not a directory (ENOTDIR)`]);
    expect(r.code).toBe(2);
  });

  it('an EACCES path component is named as permission denied', async () => {
    const p = join(dir, NO_SEARCH, 'x.json');
    const r = await run('run', p);
    expect(r.err).toEqual([`nvme-actors: ${p}: permission denied (EACCES)`]);
    expect(r.code).toBe(2);
  });

  it('a character device is refused', async () => {
    const r = await run('run', '/dev/null');
    expect(r.err).toEqual(['nvme-actors: /dev/null: a character device, expected a scenario file (a regular file) or a directory']);
    expect(r.code).toBe(2);
  });

  it('a symlink to a good file still runs', async () => {
    await writeFile(join(dir, 'real.json'), good);
    await symlink(join(dir, 'real.json'), join(dir, 'link.json'));
    const r = await run('run', join(dir, 'link.json'));
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
  });
});
