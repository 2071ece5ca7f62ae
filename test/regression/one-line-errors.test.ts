// Regression (issue 13, item 9): the one-line error broke.
// Symptoms: a newline inside an echoed value or key (or a file name) produced a second stderr line, which could be
// made to look like a separate message; a 50 MB bad value was echoed in full as a 52 MB line; a QEMU start failure
// printed 5 lines (QemuStartError's message carries QEMU's stderr tail). Cause: messages interpolated values raw
// and the command printed `e.message` as it was. Fix (src/scenario/escape.ts): echoed values are cut to 80
// characters and escaped, keys to 40; the command escapes and cuts every error line (2,000 characters), and a
// QEMU start failure is its first line plus the last line QEMU wrote.
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from '../support/cli.ts';

const dirs: string[] = [];
async function tmp(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'nvme-actors-oneline-'));
  dirs.push(d);
  return d;
}
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function fileWith(text: string, name = 'bad.json'): Promise<string> {
  const file = join(await tmp(), name);
  await writeFile(file, text);
  return file;
}

/** Exactly one stderr line, no control characters in it, nothing on stdout, exit 2. */
function oneLine(r: Awaited<ReturnType<typeof cli>>, code = 2): string {
  expect(r.out).toEqual([]);
  expect(r.err).toHaveLength(1);
  // eslint-disable-next-line no-control-regex
  expect(r.err[0]).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
  expect(r.code).toBe(code);
  return r.err[0]!;
}

describe('one line, always', () => {
  it('a newline in an echoed value is escaped', async () => {
    const file = await fileWith(JSON.stringify({ profile: 'spec\nnvme-actors: all good', steps: [{ do: 'enable' }] }));
    expect(oneLine(await cli('run', file))).toBe(`nvme-actors: ${file}: $.profile: expected one of "spec", "qemu", "openvmm", "linux-nvmet", "openvmm-test", got "spec\\nnvme-actors: all good"`);
  });

  it('a newline and an escape in a key are escaped', async () => {
    const file = await fileWith(JSON.stringify({ steps: [{ do: 'enable', 'x\n\u001b[2Jy': 1 }] }));
    expect(oneLine(await cli('run', file))).toBe(`nvme-actors: ${file}: $.steps[0].x\\n\\u001b[2Jy: expected no field "x\\n\\u001b[2Jy" here (this object takes do, queueSize)`);
  });

  it('a newline in a duplicated tag is escaped', async () => {
    const tag = 'a\nb';
    const file = await fileWith(JSON.stringify({ steps: [{ do: 'enable' }, { do: 'submit', tag, command: { opcode: 'identify' } }, { do: 'submit', tag, command: { opcode: 'identify' } }] }));
    expect(oneLine(await cli('run', file))).toBe(`nvme-actors: ${file}: $.steps[2].tag: expected a tag not used before ("a\\nb" already is)`);
  });

  it('a newline in a file name is escaped', async () => {
    const file = await fileWith('{', 'two\nlines.json');
    expect(oneLine(await cli('run', file))).toBe(`nvme-actors: ${file.replace('\n', '\\n')}: $: expected valid JSON (Expected property name or '}' in JSON at line 1 column 2)`);
  });

  it('a 50 MB bad value is cut', async () => {
    const file = await fileWith(JSON.stringify({ profile: 'A'.repeat(50_000_000), steps: [{ do: 'enable' }] }));
    const line = oneLine(await cli('run', file));
    expect(line).toBe(`nvme-actors: ${file}: $.profile: expected one of "spec", "qemu", "openvmm", "linux-nvmet", "openvmm-test", got "${'A'.repeat(80)}… (49999920 more characters)"`);
  });

  it('a 1 MB key is cut', async () => {
    const file = await fileWith(JSON.stringify({ steps: [{ do: 'enable' }], ['k'.repeat(1_000_000)]: 1 }));
    expect(oneLine(await cli('run', file)).length).toBeLessThan(400);
  });

  it('a newline in a flag value or command is escaped', async () => {
    expect(oneLine(await cli('run', 'examples/', '--target', 'qemu\nfake'))).toBe('nvme-actors: --target qemu\\nfake: expected emulator, qemu, nvmet or tcp://HOST:PORT/NQN');
    expect(oneLine(await cli('frob\nnicate'))).toMatch(/^nvme-actors: unknown command 'frob\\nnicate'/);
  });

  it('a QEMU start failure is one line: what failed and the last thing QEMU said', async () => {
    const fake = join(await tmp(), 'fake-qemu.sh');
    await writeFile(fake, "#!/bin/sh\nprintf 'qemu-system-x86_64: warning one\\nsecond line\\nthird line\\n-device nvme: no such device\\n' >&2\nexit 1\n");
    await chmod(fake, 0o755);
    const before = process.env.NVME_ACTORS_QEMU;
    process.env.NVME_ACTORS_QEMU = fake;
    try {
      const r = await cli('run', 'examples/attach-raises-notice.json', '--target', 'qemu');
      const errors = r.err.filter((l) => l.startsWith('nvme-actors:'));
      expect(r.err).toHaveLength(1);
      expect(errors[0]).toMatch(/^nvme-actors: QEMU start failed: .*; QEMU said: -device nvme: no such device$/);
      expect(r.code).toBe(3);
    } finally {
      if (before === undefined) delete process.env.NVME_ACTORS_QEMU;
      else process.env.NVME_ACTORS_QEMU = before;
    }
  });
});
