// The QEMU target through the command: a namespace change made with Namespace Attachment and named in the trace,
// changes QEMU cannot make failing their scenario with a note (never a crash), a QEMU that fails to start reported
// in one message, and no QEMU left running: after a normal end, a failed expectation, a timeout, or Ctrl-C. Every
// scenario file is written to a folder removed after its test (test/support/qemu-fakes.ts useTempDirs).
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main, type CliIo } from '../../src/cli.ts';
import { liveQemuProcesses } from '../../src/host/qemu-transport.ts';
import { declareQemuGate, processes, qemuChildrenOf, qemuGate } from '../support/qemu.ts';
import { useTempDirs } from '../support/qemu-fakes.ts';

async function cli(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l), isTty: false };
  return { code: await main(argv, io), out, err };
}

const dirs = useTempDirs('nvme-actors-qemu-cli-');

async function scenarioFile(scenario: object): Promise<string> {
  const file = join(await dirs.make(), 'scenario.json');
  await writeFile(file, JSON.stringify(scenario));
  return file;
}

const twoNamespaces = { namespaces: [{ nsid: 1 }, { nsid: 2, attached: false }] };

const gate = await qemuGate();

if (declareQemuGate(gate, 'QEMU target')) {
  describe.sequential('nvme-actors run --target qemu', () => {
    it('makes the change with Namespace Attachment (attach, then detach) and says so in the trace', async () => {
      const file = await scenarioFile({
        name: 'attach then detach',
        controller: twoNamespaces,
        steps: [
          { do: 'enable' },
          { do: 'submit', tag: 'aer1', command: { opcode: 'asyncEventRequest' } },
          { do: 'namespaceChange', nsid: 2 },
          { do: 'expect', tag: 'aer1', status: 'success', dw0: '0x00040002' },
          { do: 'namespaceChange', nsid: 2 },
          { do: 'submit', tag: 'log', command: { opcode: 'getLogPage', lid: 4, rae: false, numd: 1024 } },
          { do: 'expect', tag: 'log', status: 'success', changedNamespaces: [2] },
        ],
      });
      const r = await cli('run', file, '--target', 'qemu', '--json');
      expect(r.code).toBe(0);
      const receipts = r.out.flatMap((l) => l.split('\n')).map((l) => JSON.parse(l)).filter((o) => o.kind === 'receipt');
      expect(receipts.map((o) => o.via)).toEqual(['Namespace Attachment (attach)', 'Namespace Attachment (detach)']);
      expect(JSON.parse(r.out.at(-1)!)).toEqual({ kind: 'total', passed: 2, failed: 0 });
    });

    it.each([
      ['an undeclared NSID', { do: 'namespaceChange', nsid: 7 }, /NSID 7 is not a namespace of this scenario \(declared: 1, 2\)/],
      ['the 1025-NSID overflow', { do: 'namespaceChange', nsid: 100, count: 1025 }, /namespaceChange 100\.\.1124 not carried out on the qemu: NSID 100 is not a namespace/],
      ['an NSID above 256', { do: 'namespaceChange', nsid: 300 }, /QEMU 7\.2 has no NSID 300 \(its NSIDs stop at 256\)/],
    ])('a change of %s fails that scenario with a note, and the next scenario still runs', async (_what, step, message) => {
      const file = await scenarioFile({
        kind: 'nvme-actors.pack',
        scenarios: [
          { name: 'impossible change', controller: twoNamespaces, steps: [{ do: 'enable' }, step, { do: 'expectRegister', name: 'CSTS', mask: 1, value: 1 }] },
          { name: 'next', controller: twoNamespaces, steps: [{ do: 'enable' }, { do: 'expectRegister', name: 'CSTS', mask: 1, value: 1 }] },
        ],
      });
      const r = await cli('run', file, '--target', 'qemu');
      expect(r.code).toBe(1);
      const text = r.out.join('\n');
      expect(text).toMatch(message);
      expect(text).toMatch(/▶ next \[qemu\]\n  ◆ enable/);
      expect(r.out.at(-1)).toBe('2 passed, 1 failed');
    });

    it('a scenario declaring a namespace QEMU cannot have fails, not the command', async () => {
      const file = await scenarioFile({ name: 'nsid 300', controller: { namespaces: [{ nsid: 300 }] }, steps: [{ do: 'enable' }] });
      const r = await cli('run', file, '--target', 'qemu');
      expect(r.code).toBe(1);
      expect(r.out.join('\n')).toContain('scenario not run: QEMU 7.2 allows NSIDs 1..256; this scenario declares 300');
    });

    it('a QEMU that fails to start is one message, exit 3', async () => {
      const saved = process.env.NVME_ACTORS_QEMU;
      process.env.NVME_ACTORS_QEMU = '/bin/false';
      try {
        const r = await cli('run', 'examples/seed-namespace-change.json', '--target', 'qemu');
        expect(r.code).toBe(3);
        expect(r.err).toHaveLength(1);
        expect(r.err[0]).toMatch(/^nvme-actors: QEMU start failed: /);
      } finally {
        if (saved === undefined) delete process.env.NVME_ACTORS_QEMU;
        else process.env.NVME_ACTORS_QEMU = saved;
      }
    });

    it('a completion that never comes times out, and QEMU is still ended', async () => {
      const file = await scenarioFile({ steps: [{ do: 'enable' }, { do: 'submit', tag: 'aer1', command: { opcode: 'asyncEventRequest' } }, { do: 'expect', tag: 'aer1', timeoutMs: 200 }] });
      const r = await cli('run', file, '--target', 'qemu');
      expect(r.code).toBe(1);
      expect(r.out.join('\n')).toContain('expect aer1: no completion (timed out after 200 ms');
      expect(liveQemuProcesses()).toBe(0);
    });

    it('Ctrl-C (SIGINT) during a run ends its QEMU', async () => {
      const file = await scenarioFile({ steps: [{ do: 'enable' }, { do: 'submit', tag: 'aer1', command: { opcode: 'asyncEventRequest' } }, { do: 'expect', tag: 'aer1', timeoutMs: 60000 }] });
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'run', file, '--target', 'qemu'], { stdio: 'ignore' });
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ? -1 : code)));
      const qemuOf = () => processes().filter((p) => p.ppid === child.pid && (p.argv[0] ?? '').includes('qemu-system'));
      let qemu = qemuOf();
      for (let i = 0; i < 200 && qemu.length === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        qemu = qemuOf();
      }
      expect(qemu, 'the command started QEMU').toHaveLength(1);
      await new Promise((resolve) => setTimeout(resolve, 300)); // into the 60 s wait
      child.kill('SIGINT');
      await exited;
      const pid = qemu[0]!.pid;
      let alive = true;
      for (let i = 0; i < 40 && alive; i++) {
        alive = processes().some((p) => p.pid === pid);
        if (alive) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(alive, `QEMU pid ${pid} still running after Ctrl-C`).toBe(false);
    }, 30_000);

    it('leaves no QEMU process behind', () => {
      expect(liveQemuProcesses()).toBe(0);
      expect(qemuChildrenOf(process.pid)).toEqual([]);
    });
  });
}
