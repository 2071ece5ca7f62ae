// Regression (issue 13, item 13): the text trace printed untrusted strings raw.
// Symptoms: ANSI escapes in a scenario name passed through to the terminal (clearing it, recolouring it); a
// newline in a tag forged a line `99 passed, 0 failed` in the middle of a failing run. Cause: the text formatter
// interpolated names, tags and messages as they were (the JSON and HTML forms already escaped). Fix: the text
// trace escapes control characters in every string from the file or the peer (src/scenario/escape.ts).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { cli } from '../support/cli.ts';

let dir = '';
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('names, tags and messages cannot drive the terminal or forge lines', async () => {
  dir = await mkdtemp(join(tmpdir(), 'nvme-actors-escape-'));
  const file = join(dir, 'hostile.json');
  const tag = 'x\n99 passed, 0 failed\n\u001b[2K';
  await writeFile(file, JSON.stringify({
    name: '\u001b[2J\u001b[32mall good\u001b[0m\u2028',
    steps: [
      { do: 'enable' },
      { do: 'submit', tag, command: { opcode: 'identify', cns: 1 } },
      { do: 'expect', tag, status: 'invalidField' },
    ],
  }));
  const r = await cli('run', file);
  expect(r.code).toBe(1);
  const lines = r.out.join('\n').split('\n');
  // eslint-disable-next-line no-control-regex
  for (const line of lines) expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
  expect(lines.filter((l) => /^\s*99 passed, 0 failed/.test(l))).toEqual([]);
  expect(lines[0]).toBe('▶ \\u001b[2J\\u001b[32mall good\\u001b[0m\\u2028 [emulator]');
  expect(lines).toContain('  ✗ expect x\\n99 passed, 0 failed\\n\\u001b[2K: status 0/00h, expected invalidField');
  expect(r.out.at(-1)).toBe('0 passed, 1 failed');
});
