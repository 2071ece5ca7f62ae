// Fake QEMU binaries (test/hostile/fixtures/fake-qemu.mjs) against the QEMU target: a peer that answers garbage,
// dies mid-run, stops answering, never answers, or floods stderr without newlines, run directly or behind a wrapper
// script that does not `exec`. Whatever it does, to the first scenario of a pack (the fake misbehaves only when
// QEMU is started with NSID 2): the command never hangs and never says "internal error"; the scenario fails with a
// one-line note (or, when QEMU could not get as far as a mapped BAR0, the command ends with one line and exit 3);
// the later scenarios run on a new QEMU; the totals line is printed; no process and no folder is left. Cases are
// drawn from NVME_ACTORS_SEED (the modes in turn): 8 by default, 40 with NVME_ACTORS_LONG=1.
import { writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { makeQemuTarget } from '../../src/host/qemu-target.ts';
import { liveQemuProcesses, QemuStartError } from '../../src/host/qemu-transport.ts';
import { runScenario } from '../../src/scenario/runner.ts';
import { parseScenario } from '../../src/scenario/schema.ts';
import { cli } from '../support/cli.ts';
import { declareQemuGate, qemuGate } from '../support/qemu.ts';
import { eventually, fakeQemu, processesNaming, qemuDirsIn, useTempDirs, type FakeQemu, type FakeQemuConfig } from '../support/qemu-fakes.ts';

const LONG = process.env.NVME_ACTORS_LONG === '1';
const SEED = Number(process.env.NVME_ACTORS_SEED ?? 20261213);
const CASES = LONG ? 40 : 8;

const gate = await qemuGate();
const dirs = useTempDirs();

const FIRST = {
  name: 'first',
  controller: { namespaces: [{ nsid: 1 }, { nsid: 2, attached: false }] },
  steps: [
    { do: 'enable' },
    { do: 'submit', tag: 'aer1', command: { opcode: 'asyncEventRequest' } },
    { do: 'namespaceChange', nsid: 2 },
    { do: 'expect', tag: 'aer1', status: 'success', dw0: '0x00040002' },
  ],
};
const NEXT = { name: 'next', steps: [{ do: 'enable' }, { do: 'expectRegister', name: 'CSTS', mask: 1, value: 1 }] };

interface Case {
  readonly mode: FakeQemuConfig['mode'];
  /** Answers passed through before it misbehaves. */
  readonly after: number;
  readonly seed: number;
  /** Behind a wrapper that runs it with `exec` (false: the wrapper stays its parent). */
  readonly exec: boolean;
}

// Every mode comes round in turn; the rest of each case is drawn from the seed.
const MODES = ['garbage', 'die', 'mute', 'silent', 'flood'] as const;
const drawn = fc.sample(fc.record({ after: fc.integer({ min: 0, max: 40 }), seed: fc.integer({ min: 1, max: 0x7fffffff }), exec: fc.boolean() }), { seed: SEED, numRuns: CASES });
// The first scenario takes 42 answers on QEMU 7.2, start-up (PCI discovery, BAR0) the first 15 of them. A mute QEMU
// is made to go quiet after start-up: going quiet at start is what 'silent' does.
const cases: Case[] = drawn.map((d, i) => {
  const mode = MODES[i % MODES.length]!;
  return { ...d, mode, after: mode === 'mute' ? 16 + (d.after % 25) : d.after };
});

const saved = process.env.NVME_ACTORS_QEMU;
afterEach(() => {
  if (saved === undefined) delete process.env.NVME_ACTORS_QEMU;
  else process.env.NVME_ACTORS_QEMU = saved;
});

/** Neither the fake (nor the wrapper) nor any QEMU it started runs, and their folders are gone. */
async function expectNothingLeft(fake: FakeQemu, dir: string): Promise<void> {
  expect(liveQemuProcesses()).toBe(0);
  const folders = (await fake.starts()).flatMap((s) => qemuDirsIn(s.args));
  const gone = await eventually(() => processesNaming(dir).length === 0 && folders.every((f) => processesNaming(f).length === 0), 5000);
  expect(gone, `still running: ${JSON.stringify([dir, ...folders].flatMap(processesNaming))}`).toBe(true);
  expect(folders.filter((f) => existsSync(f)), 'QEMU folders left').toEqual([]);
}

/** The whole command on a pack; garbage and death take effect at once, so real timeouts apply. */
async function throughTheCommand(c: Case, fake: FakeQemu, dir: string): Promise<void> {
  const file = join(dir, 'pack.json');
  await writeFile(file, JSON.stringify({ kind: 'nvme-actors.pack', scenarios: [FIRST, NEXT] }));
  process.env.NVME_ACTORS_QEMU = fake.path;
  const r = await cli('run', file, '--target', 'qemu');
  const text = r.out.join('\n');
  expect(r.err.join('\n')).not.toMatch(/internal error/);
  // It always shows: the first scenario takes 42 answers, and no garbage line is valid for any request.
  expect([1, 3], `exit ${r.code}: ${r.err.join(' | ')}`).toContain(r.code);
  if (r.code === 3) {
    // QEMU could not be started (misbehaved before BAR0 was mapped): one line, nothing run.
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toMatch(/^nvme-actors: QEMU start failed: /);
    return;
  }
  expect(r.err).toEqual([]);
  expect(text).toContain('▶ next [qemu]');
  expect(r.out.at(-1)).toMatch(/^\d+ passed, \d+ failed$/);
  expect(text).toMatch(/· the qemu stopped: QEMU [^\n]+\n {2}✗ step \d \(\w+\): QEMU /);
  expect(text).toMatch(/▶ next \[qemu\][^▶]*✓ expectRegister CSTS/);
}

/** The runner with short deadlines, for a fake that goes quiet (a silent start would cost 15 s through the command). */
async function throughTheRunner(c: Case, fake: FakeQemu): Promise<void> {
  const factory = makeQemuTarget({ binary: fake.path, commandTimeoutMs: 3000, startTimeoutMs: 5000, timeoutMs: 1000 });
  const first = await runScenario(parseScenario(FIRST), factory).then(
    (result) => ({ result }),
    (error: unknown) => ({ error }),
  );
  if ('error' in first) {
    expect(first.error).toBeInstanceOf(QemuStartError);
    const message = (first.error as Error).message;
    expect(message).toMatch(/^QEMU start failed: /);
    expect(message).not.toContain('\n');
    expect(message.length).toBeLessThan(400);
    expect((first.error as QemuStartError).stderrTail.length).toBeLessThanOrEqual(4096);
  } else {
    const notes = first.result.trace.filter((t) => t.kind === 'note').map((t) => (t as { message: string }).message);
    expect(first.result.failed, 'a QEMU gone quiet fails its scenario').toBeGreaterThan(0);
    expect(notes.join('\n')).toMatch(/the qemu stopped: QEMU did not answer `[^`]+` within 3000 ms; stopped it/);
  }
  const next = await runScenario(parseScenario(NEXT), factory);
  expect(next.failed, 'the next scenario runs on a new QEMU').toBe(0);
  expect(next.passed).toBe(1);
}

if (declareQemuGate(gate, 'fake QEMU binaries')) {
  describe.sequential(`fake QEMU binaries (seed ${SEED}, ${CASES} cases)`, () => {
    it.each(cases.map((c, i) => [i, c.mode, c.after, c.exec ? 'exec' : 'no exec', c.seed, c] as const))('case %i: %s after %i answers, %s, garbage seed %i', async (_i, _m, _a, _e, _s, c) => {
      const dir = await dirs.make();
      const fake = await fakeQemu(dir, { mode: c.mode, after: c.after, seed: c.seed, when: 'nsid=2' }, { exec: c.exec });
      try {
        if (c.mode === 'garbage' || c.mode === 'die') await throughTheCommand(c, fake, dir);
        else await throughTheRunner(c, fake);
      } finally {
        await expectNothingLeft(fake, dir);
      }
    }, 60_000);
  });
}
