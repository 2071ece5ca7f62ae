// `nvme-actors serve` and `--target tcp://HOST:PORT/NQN` through the command's own entry points: a served
// controller on an ephemeral loopback port, a scenario file run against it over NVMe/TCP, bad arguments in one line.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveCommand } from '../../src/serve/cli.ts';
import { main } from '../../src/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'nvme-actors-serve-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l), isTty: false } };
}

describe('serve and --target tcp://', () => {
  it('serve listens on 127.0.0.1:0 and a scenario file runs against it with run --target tcp://…', async () => {
    const file = join(dir, 'identify.json');
    writeFileSync(file, JSON.stringify({
      name: 'identify over tcp',
      controller: { namespaces: [{ nsid: 1 }, { nsid: 3 }] },
      steps: [
        { do: 'enable' },
        { do: 'submit', tag: 'id', command: { opcode: 'identify', cns: 2 } },
        { do: 'expect', tag: 'id', status: 'success' },
        { do: 'expectRegister', name: 'CSTS', mask: '0x1', value: '0x1' },
        { do: 'shutdown' },
        { do: 'expectRegister', name: 'CSTS', mask: '0xc', value: '0x8' },
      ],
    }));
    let stop!: () => void;
    const until = new Promise<void>((r) => (stop = r));
    const served = io();
    const serving = serveCommand(['--listen', '127.0.0.1:0', '--nqn', 'nqn.2026-12.test:cli', file], served.io, until);
    while (served.out.length === 0) await new Promise((r) => setImmediate(r));
    const url = /on (tcp:\/\/\S+)$/.exec(served.out[0]!)![1]!;
    expect(url).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+\/nqn\.2026-12\.test:cli$/);
    const run = io();
    expect(await main(['run', file, '--target', url], run.io)).toBe(0);
    expect(run.out.join('\n')).toMatch(/3 passed, 0 failed/);
    // A namespace change has no fault on a tcp:// target: the step fails with the reason.
    const change = join(dir, 'change.json');
    writeFileSync(change, JSON.stringify({ name: 'change', steps: [{ do: 'enable' }, { do: 'namespaceChange', nsid: 1 }] }));
    const failed = io();
    expect(await main(['run', change, '--target', url], failed.io)).toBe(1);
    expect(failed.out.join('\n')).toMatch(/has no namespace-change fault/);
    stop();
    expect(await serving).toBe(0);
    expect(served.err.some((l) => /connected: /.test(l))).toBe(true);
  });

  it('bad arguments: one line, exit status 2', async () => {
    for (const [args, message] of [
      [['--listen', 'nowhere'], /--listen nowhere: expected HOST:PORT/],
      [['--profile', 'nope'], /--profile nope: expected one of/],
      [['--listen', '127.0.0.1:0', join(dir, 'missing.json')], /missing.json: no such file/],
      [['--bogus'], /Unknown option/],
    ] as const) {
      const r = io();
      expect(await serveCommand([...args], r.io, Promise.resolve()), args.join(' ')).toBe(2);
      expect(r.err).toHaveLength(1);
      expect(r.err[0]).toMatch(message);
    }
    const r = io();
    expect(await main(['run', 'x.json', '--target', 'tcp://localhost/nqn'], r.io)).toBe(2);
    expect(r.err[0]).toMatch(/--target "tcp:\/\/localhost\/nqn" is not tcp:\/\/HOST:PORT\/NQN/);
  });

  it('a tcp:// target nobody listens on: the scenario is not run, with the reason', async () => {
    const file = join(dir, 'enable.json');
    writeFileSync(file, JSON.stringify({ name: 'enable', steps: [{ do: 'enable' }] }));
    const r = io();
    expect(await main(['run', file, '--target', 'tcp://127.0.0.1:1/nqn.test:none'], r.io)).toBe(1);
    expect(r.out.join('\n')).toMatch(/cannot connect to 127\.0\.0\.1:1/);
  });
});
