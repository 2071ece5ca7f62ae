// The nvme-actors command: exit statuses (0 held, 1 failed, 2 bad input), one-line errors without stack traces,
// the pack written by `paths` passing under `run`, and the examples passing.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from '../support/cli.ts';


const made: string[] = [];
const tmp = async (): Promise<string> => {
  const d = await mkdtemp(join(tmpdir(), 'nvme-actors-cli-'));
  made.push(d);
  return d;
};
afterAll(async () => {
  for (const d of made) await rm(d, { recursive: true, force: true });
});

describe('nvme-actors', () => {
  it('runs the examples: every expectation holds', async () => {
    const r = await cli('run', 'examples/');
    expect(r.code).toBe(0);
    expect(r.out.at(-1)).toMatch(/^\d+ passed, 0 failed$/);
  });

  it.each(['spec', 'qemu', 'openvmm'])('writes a %s pack that passes when run', async (profile) => {
    const file = join(await tmp(), `${profile}.json`);
    const written = await cli('paths', '--profile', profile, '--out', file);
    expect(written.code).toBe(0);
    expect(written.err[0]).toMatch(/^wrote \d+ scenarios/);
    const r = await cli('run', file, '--json');
    expect(r.code).toBe(0);
    const total = JSON.parse(r.out.at(-1)!);
    expect(total).toMatchObject({ kind: 'total', failed: 0 });
    expect(total.passed).toBeGreaterThan(1000);
  }, 120_000);

  it('conformance against the emulator: all paths pass, with coverage and wall time', async () => {
    const r = await cli('conformance', '--profile', 'spec');
    expect(r.code).toBe(0);
    expect(r.out.join('\n')).toMatch(/coverage: states 11\/11 reachable under this profile \(11 in the chart\), transitions (\d+)\/\1 reachable.*, guard outcomes (\d+)\/\2 reachable/);
    expect(r.out.join('\n')).toMatch(/wall time [\d.]+ s on the emulator/);
    expect(r.out.at(-1)).toMatch(/^\d+ passed, 0 failed$/);
  });

  it('exits 1 when an expectation fails, naming it', async () => {
    const file = join(await tmp(), 'wrong.json');
    await writeFile(file, JSON.stringify({ steps: [{ do: 'enable' }, { do: 'submit', tag: 'id', command: { opcode: 'identify', cns: 1 } }, { do: 'expect', tag: 'id', status: 'invalidField' }] }));
    const r = await cli('run', file);
    expect(r.code).toBe(1);
    expect(r.out.join('\n')).toContain('✗ expect id: status 0/00h, expected invalidField');
  });

  it.each([
    [['frobnicate'], /^nvme-actors: unknown command 'frobnicate'/],
    [['run', '--bogus', 'x'], /^nvme-actors: run: unknown option '--bogus' \(see nvme-actors run --help\)$/],
    [['conformance', '--frob'], /^nvme-actors: conformance: unknown option '--frob' \(see nvme-actors conformance --help\)$/],
    [['paths', '-x'], /^nvme-actors: paths: unknown option '-x' \(see nvme-actors paths --help\)$/],
    [['--frob'], /^nvme-actors: unknown option '--frob' before the command \(see nvme-actors --help\)$/],
    [['run', 'examples/', '--json=yes'], /^nvme-actors: run: --json takes no value \(see nvme-actors run --help\)$/],
    [['run', 'examples/', '--only', 'two'], /^nvme-actors: --only two: expected a scenario number/],
    [['run', 'examples/', '--only', '5'], /^nvme-actors: --only 5: there are 4 scenarios \(numbered 1\.\.4\)$/],
    [['run', 'examples/', '--grep', 'no such scenario'], /^nvme-actors: --grep no such scenario: no scenario name contains it \(4 scenarios loaded\)$/],
    [['run', 'examples/', '--profile', 'linux'], /^nvme-actors: --profile linux: expected one of/],
    [['run'], /^nvme-actors: run: expected at least one scenario FILE or DIR$/],
    [['run', 'no-such-file.json'], /^nvme-actors: no-such-file.json: no such file or directory \(ENOENT\)$/],
    [['conformance', '--profile', 'nvmet'], /^nvme-actors: --profile nvmet: expected one of spec, qemu, openvmm, linux-nvmet$/],
    [['conformance', '--target', 'real'], /^nvme-actors: --target real: expected emulator, qemu, nvmet or tcp:\/\/HOST:PORT\/NQN$/],
    [['conformance', '--doc', 'x.md'], /^nvme-actors: --doc: needs --target qemu/],
    [['run', 'examples/', '--inspect', '--port', 'abc'], /^nvme-actors: --port abc: expected a port number 0\.\.65535 \(0 picks a free one\)$/],
    [['run', 'examples/', '--inspect', '--port', '65536'], /^nvme-actors: --port 65536: expected a port number/],
    [['run', 'examples/', '--port', '8080'], /^nvme-actors: --port: needs --inspect$/],
    [['run', 'examples/', '--inspect', '--target', 'qemu'], /^nvme-actors: --inspect: the qemu target has no actors to inspect/],
    [['run', 'examples/', '--html'], /^nvme-actors: run: --html needs a value \(see nvme-actors run --help\)$/],
    [['run', 'examples/', '--html', '--json'], /^nvme-actors: run: --html needs a value, and the next argument is a flag/],
    [['run', 'examples/', '--html', '/nonexistent-dir/report.html'], /^nvme-actors: --html \/nonexistent-dir\/report\.html: no such directory \/nonexistent-dir$/],
    [['conformance', '--html'], /^nvme-actors: conformance: --html needs a value \(see nvme-actors conformance --help\)$/],
    [['conformance', '--target', 'qemu', '--html', 'x.html'], /^nvme-actors: --html: on the emulator only/],
  ])('bad arguments %j: exit 2, one line', async (argv, message) => {
    const r = await cli(...argv);
    expect(r.code).toBe(2);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toMatch(message);
    expect(r.err[0]).not.toMatch(/\n\s+at /);
  });

  it.each([
    ['run', 'examples/attach-raises-notice.json', '--target', 'qemu'],
    ['conformance', '--target', 'qemu'],
  ])('QEMU missing (%s … --target qemu): exit 3, one line saying how to install it', async (...argv) => {
    const saved = process.env.NVME_ACTORS_QEMU;
    process.env.NVME_ACTORS_QEMU = '/nonexistent/qemu-system-x86_64';
    try {
      const r = await cli(...argv);
      expect(r.code).toBe(3);
      expect(r.err).toEqual(['nvme-actors: /nonexistent/qemu-system-x86_64 not found: install it with `apt-get install -y --no-install-recommends qemu-system-x86` or set NVME_ACTORS_QEMU']);
    } finally {
      if (saved === undefined) delete process.env.NVME_ACTORS_QEMU;
      else process.env.NVME_ACTORS_QEMU = saved;
    }
  });

  it('draws a machine as Mermaid and as SVG', async () => {
    const mermaid = await cli('diagram', '--machine', 'aen-latch');
    expect(mermaid.code).toBe(0);
    expect(mermaid.out[0]).toMatch(/^stateDiagram-v2/);
    expect(mermaid.out.join('\n')).toContain('posted');
    const svg = await cli('diagram', '--machine', 'controller', '--format', 'svg');
    expect(svg.code).toBe(0);
    expect(svg.out.join('\n')).toMatch(/<svg[\s\S]*shutdownComplete[\s\S]*<\/svg>/);
    const bad = await cli('diagram', '--machine', 'nope');
    expect(bad.code).toBe(2);
    expect(bad.err).toEqual(['nvme-actors: --machine nope: expected one of controller, admin-queue, io-queue, aen-latch, aen-log-page']);
  });

  it.each([
    ['run', ['--inspect', '--port N', '--html FILE', 'nvme-actors run examples/seed-namespace-change.json --inspect --port 8080', 'nvme-actors run examples/ --html report.html']],
    ['conformance', ['--html FILE', 'nvme-actors conformance --html conformance.html']],
  ])('%s --help names the visual options with an example', async (command, wanted) => {
    const r = await cli(command, '--help');
    expect(r.code).toBe(0);
    for (const w of wanted) expect(r.out.join('\n')).toContain(w);
  });

  it('a bad scenario file: exit 2 with the JSON path of the fault', async () => {
    const file = join(await tmp(), 'bad.json');
    await writeFile(file, JSON.stringify({ steps: [{ do: 'enable' }, { do: 'expect', tag: 'never', status: 'success' }] }));
    const r = await cli('run', file);
    expect(r.code).toBe(2);
    expect(r.err).toEqual([`nvme-actors: ${file}: $.steps[1].tag: expected the tag of an earlier submit step, got "never"`]);
  });
});
