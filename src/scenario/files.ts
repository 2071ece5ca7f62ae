// Finding and reading scenario files for `nvme-actors run FILE|DIR...`: a directory means its *.json files; every
// path must be a regular file (a FIFO, socket or device would block or never end); at most READ_CONCURRENCY files
// are open at once, so a directory of any size works under a low `ulimit -n`; a file-system error becomes a
// one-line FileError naming what it is (ENOENT, ELOOP, EACCES, ENOTDIR, ...) with the errno code.
import { constants } from 'node:fs';
import { lstat, open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseScenarioFile, type Scenario } from './schema.ts';

/** A path cannot be used: the message is one line, `PATH: what is wrong (CODE)`. */
export class FileError extends Error {
  override readonly name = 'FileError';
}

/** Files open at once while reading scenario files (keeps far below any `ulimit -n`). */
export const READ_CONCURRENCY = 16;
/** The largest scenario file read (a generated pack of every profile is about 2 MiB). */
export const MAX_SCENARIO_FILE_BYTES = 64 * 1024 * 1024;

const REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  ELOOP: 'too many levels of symbolic links (a symlink loop?)',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTDIR: 'a component of the path is not a directory',
  ENAMETOOLONG: 'the path is too long',
  EISDIR: 'is a directory',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  EIO: 'input/output error',
  ENOSPC: 'no space left on device',
  EROFS: 'read-only file system',
  EFBIG: 'file too large',
  ENXIO: 'no such device or address',
};

/** `permission denied (EACCES)`: what an errno means, and its code. */
export function describeErrno(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string') return `${REASONS[code] ?? 'failed'} (${code})`;
  return e instanceof Error ? e.message : String(e);
}

/** What a non-regular file is, for the message refusing it. */
function kindOf(s: { isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSymbolicLink(): boolean }): string {
  if (s.isDirectory()) return 'a directory';
  if (s.isFIFO()) return 'a FIFO (named pipe)';
  if (s.isSocket()) return 'a socket';
  if (s.isCharacterDevice()) return 'a character device';
  if (s.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

/** Runs `fn` over `items` in order with at most `limit` calls in flight; results in the order of `items`. After a
 * rejection no new call starts, and the whole rejects with the error of the earliest item that failed (every
 * earlier item had started, so that is the first bad one whatever the timing). */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const failures: { index: number; error: unknown }[] = [];
  const worker = async (): Promise<void> => {
    while (failures.length === 0 && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i]!, i);
      } catch (error) {
        failures.push({ index: i, error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failures.length > 0) throw failures.reduce((a, b) => (b.index < a.index ? b : a)).error;
  return results;
}

/** The scenario files named by `paths`, in order: a file as given, a directory as its *.json entries (sorted). */
export async function expandScenarioPaths(paths: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const p of paths) {
    let s;
    try {
      s = await stat(p);
    } catch (e) {
      throw new FileError(`${p}: ${describeErrno(e)}`);
    }
    if (!s.isDirectory()) {
      if (!s.isFile()) throw new FileError(`${p}: ${kindOf(s)}, expected a scenario file (a regular file) or a directory`);
      files.push(p);
      continue;
    }
    let names: string[];
    try {
      names = (await readdir(p)).filter((n) => n.endsWith('.json')).sort();
    } catch (e) {
      throw new FileError(`${p}: cannot list this directory: ${describeErrno(e)}`);
    }
    if (names.length === 0) throw new FileError(`${p}: no .json scenario files in this directory`);
    for (const n of names) files.push(join(p, n));
  }
  return files;
}

/** Reads one file: opened without blocking (a FIFO put there after the listing does not hang), refused unless it
 * is a regular file of at most MAX_SCENARIO_FILE_BYTES. */
export async function readScenarioText(file: string): Promise<string> {
  let handle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    // A dangling symlink in a directory listing: say so rather than "no such file".
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && (await lstat(file).catch(() => undefined))?.isSymbolicLink()) throw new FileError(`${file}: a symbolic link to nothing (ENOENT)`);
    throw new FileError(`${file}: cannot open: ${describeErrno(e)}`);
  }
  try {
    const s = await handle.stat();
    if (!s.isFile()) throw new FileError(`${file}: ${kindOf(s)}, expected a scenario file (a regular file)`);
    if (s.size > MAX_SCENARIO_FILE_BYTES) throw new FileError(`${file}: ${s.size} bytes, larger than the ${MAX_SCENARIO_FILE_BYTES / 1024 / 1024} MiB a scenario file may have`);
    try {
      return await handle.readFile('utf8');
    } catch (e) {
      throw new FileError(`${file}: cannot read: ${describeErrno(e)}`);
    }
  } finally {
    await handle.close();
  }
}

/** Every scenario of every file named by `paths`, validated before any runs (ScenarioError for the first bad
 * one, FileError for a path that cannot be used), reading at most READ_CONCURRENCY files at once. */
export async function loadScenarioFiles(paths: readonly string[]): Promise<{ files: string[]; scenarios: Scenario[] }> {
  const files = await expandScenarioPaths(paths);
  const perFile = await mapLimit(files, READ_CONCURRENCY, async (file) => parseScenarioFile(await readScenarioText(file), file));
  const scenarios: Scenario[] = [];
  for (const list of perFile) for (const s of list) scenarios.push(s);
  return { files, scenarios };
}
