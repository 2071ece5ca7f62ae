// Regression (issue 13 item 2). Symptom: after SIGKILL or SIGHUP of `nvme-actors run … --target qemu`, QEMU kept
// running with parent PID 1 and its folder (nvme-actors-qemu-* in the temp dir) stayed for good. Cause: QEMU was
// only killed by the CLI's own handlers (process 'exit', SIGINT, SIGTERM), which SIGKILL and SIGHUP never reach,
// and QEMU does not exit when its qtest stdin closes. Now QEMU runs in its own process group under a watchdog
// (src/host/supervised-process.ts) that holds a pipe from the CLI and, when the pipe closes without a release,
// kills the group and removes the folder; SIGHUP is handled like SIGINT/SIGTERM; and a folder left anyway (its
// owner dead) is reaped, with its QEMU if that very process still runs, by the next start.
// These tests kill the real command (node bin/nvme-actors.js) in the middle of a 60 s wait.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OWNER_FILE, processStartTime } from '../../src/host/supervised-process.ts';
import { declareQemuGate, processes, qemuGate, type ProcessInfo } from '../support/qemu.ts';
import { eventually, processesNaming, qemuDirsIn, useTempDirs } from '../support/qemu-fakes.ts';

const gate = await qemuGate();
const dirs = useTempDirs();

const LONG = { name: 'waits 60 s', steps: [{ do: 'enable' }, { do: 'submit', tag: 'aer1', command: { opcode: 'asyncEventRequest' } }, { do: 'expect', tag: 'aer1', timeoutMs: 60_000 }] };

function startCli(file: string) {
  const child = spawn(process.execPath, ['bin/nvme-actors.js', 'run', file, '--target', 'qemu'], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, exited };
}

/** The QEMU the command started (its child), once it runs. */
async function qemuOf(pid: number): Promise<ProcessInfo> {
  let found: ProcessInfo | undefined;
  await eventually(() => (found = processes().find((p) => p.ppid === pid && (p.argv[0] ?? '').includes('qemu-system'))) !== undefined, 15_000);
  expect(found, 'the command started QEMU').toBeDefined();
  return found!;
}

if (declareQemuGate(gate, 'QEMU after the CLI is killed')) {
  describe.sequential('QEMU never outlives the command', () => {
    it.each(['SIGKILL', 'SIGHUP', 'SIGTERM'] as const)('%s of the command mid-run ends its QEMU and removes its folder', async (signal) => {
      const file = join(await dirs.make(), 'long.json');
      await writeFile(file, JSON.stringify(LONG));
      const { child, exited } = startCli(file);
      const qemu = await qemuOf(child.pid!);
      const [folder] = qemuDirsIn(qemu.argv);
      expect(folder && existsSync(folder), `QEMU's folder ${folder}`).toBe(true);
      // Into the 60 s wait: the command has enabled the controller and submitted the AER.
      await new Promise((resolve) => setTimeout(resolve, 300));
      child.kill(signal);
      await exited;
      expect(await eventually(() => processesNaming(folder!).length === 0, 5000), `QEMU pid ${qemu.pid} still running after ${signal} of the command`).toBe(true);
      expect(await eventually(() => !existsSync(folder!), 5000), `${folder} still there after ${signal} of the command`).toBe(true);
    }, 30_000);

    it("the next start reaps a folder whose owner died, killing the owner's QEMU only while it is that very process", async () => {
      // A folder as a run killed before its watchdog could act would leave it: the owner gone, its child still
      // running (here a `sleep` in its own process group standing in for QEMU), and a folder of a live owner.
      const gone = spawn('true');
      await new Promise((resolve) => gone.once('exit', resolve));
      const orphan = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
      const orphanExited = new Promise((resolve) => orphan.once('exit', resolve));
      const stale = join(tmpdir(), `nvme-actors-qemu-${Math.random().toString(36).slice(2, 8)}`);
      const alive = join(tmpdir(), `nvme-actors-qemu-${Math.random().toString(36).slice(2, 8)}`);
      try {
        await mkdir(stale);
        await writeFile(join(stale, OWNER_FILE), JSON.stringify({ pid: gone.pid, ancestors: [], created: new Date().toISOString(), child: { pid: orphan.pid, startTime: processStartTime(orphan.pid!), command: 'sleep' } }));
        await mkdir(alive);
        await writeFile(join(alive, OWNER_FILE), JSON.stringify({ pid: process.pid, startTime: processStartTime(process.pid), ancestors: [], created: new Date().toISOString() }));
        const file = join(await dirs.make(), 'short.json');
        await writeFile(file, JSON.stringify({ steps: [{ do: 'enable' }] }));
        const { exited } = startCli(file);
        await exited;
        expect(existsSync(stale), 'the dead owner’s folder is reaped').toBe(false);
        expect(await Promise.race([orphanExited.then(() => true), eventually(() => false, 3000)]), 'its child is killed').toBe(true);
        expect(existsSync(alive), 'a live owner’s folder is left alone').toBe(true);
      } finally {
        orphan.kill('SIGKILL');
        for (const d of [stale, alive]) await rm(d, { recursive: true, force: true });
      }
    }, 30_000);
  });
}
