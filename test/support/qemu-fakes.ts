// For the QEMU hostile and regression tests: temporary folders that are removed after each test, sh wrappers that
// run a binary with or without `exec`, the fake QEMU of test/hostile/fixtures/fake-qemu.mjs behind such a wrapper,
// and the processes still running that name a path (a QEMU names its folder in its -drive arguments).
import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach } from 'vitest';
import { processes, type ProcessInfo } from './qemu.ts';

export const FAKE_QEMU = resolve('test/hostile/fixtures/fake-qemu.mjs');

export interface FakeQemuConfig {
  readonly mode: 'silent' | 'flood' | 'garbage' | 'die' | 'mute' | 'proxy';
  readonly after?: number | readonly number[];
  readonly seed?: number;
  readonly line?: string;
  readonly when?: string;
  readonly version?: 'answer' | 'silent';
  readonly real?: string;
}

/** Temporary folders made through `make` are removed after each test of the calling file. */
export function useTempDirs(prefix = 'nvme-actors-qemu-test-'): { make(): Promise<string> } {
  const made: string[] = [];
  afterEach(async () => {
    await Promise.all(made.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });
  return {
    async make() {
      const dir = await mkdtemp(join(tmpdir(), prefix));
      made.push(dir);
      return dir;
    },
  };
}

const shQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** An executable sh script in `dir` that runs `argv` and the script's own arguments, with `exec` or without (the
 * script then stays the parent of what it runs, holding its pipes), with `env` set. */
export async function wrapperScript(dir: string, name: string, argv: readonly string[], options: { exec: boolean; env?: Record<string, string> }): Promise<string> {
  const path = join(dir, name);
  const env = Object.entries(options.env ?? {}).map(([k, v]) => `export ${k}=${shQuote(v)}\n`);
  const line = [...(options.exec ? ['exec'] : []), ...argv.map(shQuote), '"$@"'].join(' ');
  await writeFile(path, `#!/bin/sh\n${env.join('')}${line}\n`);
  await chmod(path, 0o755);
  return path;
}

export interface FakeQemu {
  /** The binary to give as NVME_ACTORS_QEMU or QemuOptions.binary. */
  readonly path: string;
  /** The arguments of every start so far (from the fake's record file). */
  starts(): Promise<{ pid: number; args: string[] }[]>;
}

/** The fake QEMU with `config`, behind a wrapper script in `dir`. */
export async function fakeQemu(dir: string, config: FakeQemuConfig, options: { exec?: boolean } = {}): Promise<FakeQemu> {
  const record = join(dir, 'starts.jsonl');
  const path = await wrapperScript(dir, 'fake-qemu', [process.execPath, FAKE_QEMU], { exec: options.exec ?? true, env: { FAKE_QEMU: JSON.stringify({ ...config, record }) } });
  return {
    path,
    async starts() {
      const text = await readFile(record, 'utf8').catch(() => '');
      return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { pid: number; args: string[] });
    },
  };
}

/** The QEMU folders (nvme-actors-qemu-*) named in `args`. */
export function qemuDirsIn(args: readonly string[]): string[] {
  return [...new Set(args.flatMap((a) => [...a.matchAll(/[^,=\s]*nvme-actors-qemu-[A-Za-z0-9]{6}/g)].map((m) => m[0])))];
}

/** Running processes (zombies left out) whose command line contains `text`. */
export function processesNaming(text: string): ProcessInfo[] {
  return processes().filter((p) => p.argv.some((a) => a.includes(text)) && !isZombie(p.pid));
}

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return /^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    return true;
  }
}

/** Poll `condition` every 20 ms until it holds or `ms` pass; whether it held. (For other processes: they run on
 * their own, so waiting for them is the only way to see what they did.) */
export async function eventually(condition: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await condition()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
}
