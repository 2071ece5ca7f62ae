// Regression (issue 13 item 5). Symptom: QEMU dying in the middle of `nvme-actors run … --target qemu` ended the
// command with exit 70 ("internal error") and lost everything: the running scenario's trace, the later files and
// the totals line; a peer answering garbage (`OK nothex`) did the same ("Cannot convert nothex to a BigInt").
// Cause: the transport rejected with plain Errors (and parsed answers with a bare BigInt()), which the runner did
// not expect and let escape to the CLI's catch-all. Now the transport parses every answer strictly and rejects with
// a one-line PeerError once QEMU exits, stops answering or answers garbage (stopping it), and the runner ends that
// scenario as failed with a note and its trace so far; the next scenario gets a new QEMU. Exit 1, or 3 (after the
// totals of what ran) when QEMU cannot be started again.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { liveQemuProcesses } from '../../src/host/qemu-transport.ts';
import { cli } from '../support/cli.ts';
import { declareQemuGate, qemuGate } from '../support/qemu.ts';
import { eventually, fakeQemu, processesNaming, qemuDirsIn, useTempDirs, type FakeQemu, type FakeQemuConfig } from '../support/qemu-fakes.ts';

const gate = await qemuGate();
const dirs = useTempDirs();

// The first scenario declares NSID 2 (`nsid=2` in QEMU's arguments): the fake misbehaves only there.
const PACK = {
  kind: 'nvme-actors.pack',
  scenarios: [
    {
      name: 'first',
      controller: { namespaces: [{ nsid: 1 }, { nsid: 2, attached: false }] },
      steps: [
        { do: 'enable' },
        { do: 'submit', tag: 'aer1', command: { opcode: 'asyncEventRequest' } },
        { do: 'namespaceChange', nsid: 2 },
        { do: 'expect', tag: 'aer1', status: 'success', dw0: '0x00040002' },
      ],
    },
    { name: 'second', steps: [{ do: 'enable' }, { do: 'expectRegister', name: 'CSTS', mask: 1, value: 1 }] },
    { name: 'third', steps: [{ do: 'enable' }, { do: 'expectRegister', name: 'CSTS', mask: 1, value: 1 }] },
  ],
};

const saved = process.env.NVME_ACTORS_QEMU;
afterEach(() => {
  if (saved === undefined) delete process.env.NVME_ACTORS_QEMU;
  else process.env.NVME_ACTORS_QEMU = saved;
});

async function runWith(config: FakeQemuConfig, ...flags: string[]): Promise<{ r: Awaited<ReturnType<typeof cli>>; fake: FakeQemu }> {
  const dir = await dirs.make();
  const fake = await fakeQemu(dir, config);
  const file = join(dir, 'pack.json');
  await writeFile(file, JSON.stringify(PACK));
  process.env.NVME_ACTORS_QEMU = fake.path;
  const r = await cli('run', file, '--target', 'qemu', ...flags);
  return { r, fake };
}

/** Nothing the run started is still running, and every QEMU folder is gone. */
async function expectNothingLeft(fake: FakeQemu): Promise<void> {
  expect(liveQemuProcesses()).toBe(0);
  const folders = (await fake.starts()).flatMap((s) => qemuDirsIn(s.args));
  expect(await eventually(() => folders.every((f) => processesNaming(f).length === 0), 3000), 'no QEMU left').toBe(true);
}

if (declareQemuGate(gate, 'QEMU dying mid-run')) {
  describe.sequential('a QEMU that dies or answers garbage in the middle of a run', () => {
    it('dies: that scenario fails with a note and its trace, the later ones run, totals printed, exit 1', async () => {
      const { r, fake } = await runWith({ mode: 'die', after: 40, when: 'nsid=2' });
      const text = r.out.join('\n');
      expect(r.err).toEqual([]);
      expect(r.code).toBe(1);
      expect(text).toMatch(/▶ first \[qemu\]\n {2}◆ enable/); // the trace so far is kept
      expect(text).toMatch(/the qemu stopped: QEMU exited \(code 1\): fake-qemu: dying before answer 40/);
      expect(text).toMatch(/✗ step \d \(\w+\): QEMU exited \(code 1\)/);
      expect(text).toContain('▶ second [qemu]');
      expect(text).toContain('▶ third [qemu]');
      expect(r.out.at(-1)).toBe('2 passed, 1 failed');
      await expectNothingLeft(fake);
    }, 30_000);

    it('answers `OK nothex`: the same, with the garbage named in one line', async () => {
      const { r, fake } = await runWith({ mode: 'garbage', after: 40, line: 'OK nothex', when: 'nsid=2' }, '--json');
      expect(r.err).toEqual([]);
      expect(r.code).toBe(1);
      const records = r.out.flatMap((l) => l.split('\n')).map((l) => JSON.parse(l) as { kind: string; message?: string; ok?: boolean });
      const failed = records.filter((o) => o.kind === 'expect' && o.ok === false);
      expect(failed).toHaveLength(1);
      expect(failed[0]!.message).toMatch(/QEMU answered `\w+ 0x[0-9a-f]+[^`]*` with `OK nothex` \(expected OK [^)]*\); stopped it$/);
      expect(records.at(-1)).toEqual({ kind: 'total', passed: 2, failed: 1 });
      expect(r.out.join('\n')).not.toContain('BigInt');
      await expectNothingLeft(fake);
    }, 30_000);

    it('cannot be started again: the totals of what ran, then one line, exit 3', async () => {
      const { r, fake } = await runWith({ mode: 'die', after: [40, 0] });
      expect(r.code).toBe(3);
      expect(r.out.join('\n')).toMatch(/QEMU exited \(code 1\)/);
      expect(r.out.at(-1)).toBe('0 passed, 1 failed');
      expect(r.err).toHaveLength(1);
      expect(r.err[0]).toBe('nvme-actors: QEMU start failed: QEMU exited (code 1); QEMU said: fake-qemu: dying before answer 0');
      await expectNothingLeft(fake);
    }, 30_000);
  });
}
