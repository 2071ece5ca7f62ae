// src/host/supervised-process.ts against children that fight back: one that ignores SIGTERM, one that floods
// stderr without newlines, one that never ends (runBounded), a parent killed with SIGKILL (the watchdog ends the
// child's group and removes its folder), and the reaper's rules (a dead owner's folder and child, a live owner's
// folder, a folder without an owner file that is old and unused, or in use). Real processes, so waits are polls.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createOwnedTempDir, isSameProcess, liveSupervisedProcesses, OWNER_FILE, processStartTime, readOwner, reapStaleTempDirs, runBounded, SpawnError, spawnSupervised } from '../../src/host/supervised-process.ts';
import { eventually, processesNaming, useTempDirs } from '../support/qemu-fakes.ts';
import { processes } from '../support/qemu.ts';

const dirs = useTempDirs('nvme-actors-supervise-test-');
const PREFIX = 'nvme-actors-supervise-';
const alive = (pid: number): boolean => isSameProcess(pid, undefined);

describe('spawnSupervised', () => {
  it('a command that cannot be run is a SpawnError naming the errno, and its folder is removed', async () => {
    const dir = await createOwnedTempDir(PREFIX);
    const error = await spawnSupervised({ command: '/nonexistent/qemu', args: [], tempDir: dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpawnError);
    expect((error as SpawnError).code).toBe('ENOENT');
    expect(existsSync(dir)).toBe(false);
  });

  it('runs the child in its own process group and records it in the folder’s owner file', async () => {
    const dir = await createOwnedTempDir(PREFIX);
    const p = await spawnSupervised({ command: 'sleep', args: ['60'], tempDir: dir });
    const stat = await readFile(`/proc/${p.pid}/stat`, 'utf8');
    const pgid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
    expect(pgid).toBe(p.pid);
    const owner = await readOwner(dir);
    expect(owner).toMatchObject({ pid: process.pid, child: { pid: p.pid, command: 'sleep' } });
    await p.close();
    expect(alive(p.pid)).toBe(false);
    expect(existsSync(dir)).toBe(false);
    expect(liveSupervisedProcesses()).toBe(0);
  });

  it('close() is bounded for a child that ignores SIGTERM, and takes its whole group with it', async () => {
    const p = await spawnSupervised({ command: 'sh', args: ['-c', "trap '' TERM; sleep 60 & sleep 60; wait"], killGraceMs: 300 });
    const marker = await eventually(() => processesNaming('sleep').some((q) => q.ppid === p.pid), 3000);
    expect(marker, 'the grandchildren run').toBe(true);
    const grandchildren = processesNaming('sleep').filter((q) => q.ppid === p.pid).map((q) => q.pid);
    const started = Date.now();
    await p.close();
    expect(Date.now() - started).toBeLessThan(3000); // SIGKILL after 300 ms, not a wait for the sleeps
    expect(p.exitStatus?.signal).toBe('SIGKILL');
    expect(await eventually(() => grandchildren.every((g) => !alive(g)), 2000), 'the grandchildren are gone').toBe(true);
  });

  it('keeps a bounded stderr tail and cuts endless lines, however much the child writes', async () => {
    const lines: string[] = [];
    const flood = "const c='y'.repeat(65536); let n=0; const go=()=>{ while(n++<400 && process.stderr.write(c)); if(n<400) process.stderr.once('drain',go); else process.stderr.write('\\nlast words\\n'); }; go();";
    const p = await spawnSupervised({ command: process.execPath, args: ['-e', flood], stderrTailBytes: 1000, onStderrLine: (l) => lines.push(l) });
    await p.exited;
    await p.stderrSettled(10_000); // the end of the pipe: bounded, not a timing figure
    await p.close();
    expect(p.stderrTail.length).toBeLessThanOrEqual(1000);
    expect(p.stderrTail.endsWith('last words\n')).toBe(true);
    expect(lines.every((l) => l.length <= 1024)).toBe(true);
    expect(lines.at(-1)).toBe('last words');
    expect(lines.length).toBeGreaterThan(1000); // 26 MB of 'y' without a newline, delivered as 1024-character pieces
  }, 20_000);

  it('when the child exits on its own, what is left of its group is killed at once', async () => {
    const p = await spawnSupervised({ command: 'sh', args: ['-c', 'sleep 60 & echo $!'], stdin: 'ignore' });
    let out = '';
    p.stdout!.setEncoding('utf8');
    p.stdout!.on('data', (c: string) => (out += c));
    await p.exited;
    expect(await eventually(() => out.trim() !== '', 2000)).toBe(true);
    const straggler = Number(out.trim());
    expect(await eventually(() => !alive(straggler), 2000), `sleep ${straggler} outlived its group's leader`).toBe(true);
    await p.close();
  });
});

describe('the watchdog', () => {
  it.each(['SIGKILL', 'SIGHUP'] as const)('%s of the parent: the child’s group is ended and its folder removed', async (signal) => {
    const script = join(await dirs.make(), 'parent.mts');
    const module = resolve('src/host/supervised-process.ts');
    await writeFile(
      script,
      `import { createOwnedTempDir, spawnSupervised } from ${JSON.stringify(module)};\n` +
        `const dir = await createOwnedTempDir(${JSON.stringify(PREFIX)});\n` +
        `const p = await spawnSupervised({ command: 'sh', args: ['-c', 'sleep 60 & sleep 60; wait'], tempDir: dir });\n` +
        `console.log(JSON.stringify({ pid: p.pid, dir }));\n` +
        `setInterval(() => undefined, 1000);\n`,
    );
    const parent = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise((r) => parent.once('exit', r));
    let out = '';
    parent.stdout.setEncoding('utf8');
    parent.stdout.on('data', (c: string) => (out += c));
    expect(await eventually(() => out.includes('\n'), 15_000), 'the parent started its child').toBe(true);
    const { pid, dir } = JSON.parse(out) as { pid: number; dir: string };
    expect(await eventually(() => processes().filter((q) => q.ppid === pid).length === 2, 3000), 'the child’s two sleeps run').toBe(true);
    const group = [pid, ...processes().filter((q) => q.ppid === pid).map((q) => q.pid)];
    parent.kill(signal);
    await exited;
    expect(await eventually(() => group.every((g) => !alive(g)) && !existsSync(dir), 5000), `the child's group ${group.join(', ')} or ${dir} outlived the parent`).toBe(true);
  }, 30_000);
});

describe('runBounded', () => {
  it('returns the output of a command that ends', async () => {
    const r = await runBounded('sh', ['-c', 'echo hello; exit 3'], { timeoutMs: 5000 });
    expect(r).toMatchObject({ code: 3, stdout: 'hello\n', timedOut: false });
  });

  it('kills a command that never ends, with its group, at the deadline', async () => {
    const r = await runBounded('sh', ['-c', 'sleep 60 & sleep 60'], { timeoutMs: 300 });
    expect(r.timedOut).toBe(true);
    expect(liveSupervisedProcesses()).toBe(0);
  });
});

describe('reapStaleTempDirs', () => {
  const name = () => `${PREFIX}${Math.random().toString(36).slice(2, 8).padEnd(6, 'x')}`;
  const deadPid = async (): Promise<number> => {
    const p = spawn('true');
    await new Promise((r) => p.once('exit', r));
    return p.pid!;
  };

  it('removes a dead owner’s folder and kills its child only while it is that very process', async () => {
    const child = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
    const reused = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
    const [a, b, c] = [join(tmpdir(), name()), join(tmpdir(), name()), join(tmpdir(), name())];
    try {
      const owner = { pid: await deadPid(), ancestors: [], created: new Date().toISOString() };
      await mkdir(a);
      await writeFile(join(a, OWNER_FILE), JSON.stringify({ ...owner, child: { pid: child.pid, startTime: processStartTime(child.pid!), command: 'sleep' } }));
      await mkdir(b); // its child's pid now names another process (a different start time): left alone
      await writeFile(join(b, OWNER_FILE), JSON.stringify({ ...owner, child: { pid: reused.pid, startTime: (processStartTime(reused.pid!) ?? 0) - 1, command: 'sleep' } }));
      await mkdir(c); // a live owner
      await writeFile(join(c, OWNER_FILE), JSON.stringify({ pid: process.pid, startTime: processStartTime(process.pid), ancestors: [], created: new Date().toISOString() }));
      const report = await reapStaleTempDirs(PREFIX);
      expect(report.removed).toEqual(expect.arrayContaining([a, b]));
      expect(report.removed).not.toContain(c);
      expect(report.killed).toContain(child.pid);
      expect(report.killed).not.toContain(reused.pid);
      expect(await eventually(() => !alive(child.pid!), 2000)).toBe(true);
      expect(alive(reused.pid!)).toBe(true);
      expect(existsSync(c)).toBe(true);
    } finally {
      child.kill('SIGKILL');
      reused.kill('SIGKILL');
      for (const d of [a, b, c]) await rm(d, { recursive: true, force: true });
    }
  });

  it('a folder without an owner file: removed when it matches the legacy name, is old and nobody names it', async () => {
    const old = join(tmpdir(), name());
    const young = join(tmpdir(), name());
    const used = join(tmpdir(), name());
    const user = spawn('sh', ['-c', 'sleep 60', used], { stdio: 'ignore' }); // a running program naming `used`
    try {
      for (const d of [old, young, used]) await mkdir(d);
      const past = new Date(Date.now() - 120_000);
      await utimes(old, past, past);
      await utimes(used, past, past);
      await eventually(() => processesNaming(used).length > 0, 2000);
      const report = await reapStaleTempDirs(PREFIX, { legacyName: new RegExp(`^${PREFIX}[a-z0-9x]{6}$`) });
      expect(report.removed).toContain(old);
      expect(report.removed).not.toContain(young);
      expect(report.removed).not.toContain(used);
      expect(existsSync(young) && existsSync(used)).toBe(true);
    } finally {
      user.kill('SIGKILL');
      for (const d of [old, young, used]) await rm(d, { recursive: true, force: true });
    }
  });
});
