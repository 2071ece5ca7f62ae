// The progress line (`\r[37/92] paths…` on a terminal's stderr): drawn only through io.progress (set when stderr is
// a TTY), only once the run has gone on for progressAfterMs (1 s by default; 0 here), never with --json, cleared
// before any other line is printed and at the end.
import { describe, expect, it } from 'vitest';
import { main, type CliIo } from '../../src/cli.ts';

async function withProgress(argv: string[], afterMs: number): Promise<{ code: number; log: string[] }> {
  const log: string[] = [];
  const io: CliIo = { out: (l) => log.push(`out ${l}`), err: (l) => log.push(`err ${l}`), isTty: false, progress: (l) => log.push(`progress ${l}`), progressAfterMs: afterMs };
  return { code: await main(argv, io), log };
}

/** No line is printed while a progress line is on screen, and none is left at the end. */
function expectClearedBeforeOutput(log: readonly string[]): void {
  let shown = false;
  for (const entry of log) {
    if (entry.startsWith('progress ')) shown = entry !== 'progress ';
    else expect(shown, `printed over the progress line: ${entry}`).toBe(false);
  }
  expect(shown).toBe(false);
}

describe('progress line', () => {
  it('conformance: [i/N] paths…, cleared before each row and at the end', async () => {
    const { code, log } = await withProgress(['conformance', '--profile', 'openvmm'], 0);
    expect(code).toBe(0);
    const drawn = log.filter((l) => l.startsWith('progress [')).map((l) => l.slice('progress '.length));
    const total = Number(/^\[1\/(\d+)\] paths…$/.exec(drawn[0]!)![1]);
    expect(drawn).toEqual(Array.from({ length: total }, (_, i) => `[${i + 1}/${total}] paths…`));
    expect(log.at(-1)).toMatch(/^out \d+ passed, 0 failed$/);
    expectClearedBeforeOutput(log);
  }, 60_000); // every profile's pack on the emulator (four since linux-nvmet): over 20 s on a loaded 2-core machine

  it('run over several files: [i/N] scenarios…', async () => {
    const { code, log } = await withProgress(['run', 'examples/'], 0);
    expect(code).toBe(0);
    expect(log.filter((l) => l.startsWith('progress ['))).toEqual(['progress [1/4] scenarios…', 'progress [2/4] scenarios…', 'progress [3/4] scenarios…', 'progress [4/4] scenarios…']);
    expectClearedBeforeOutput(log);
  });

  it('nothing with --json, nor on a run shorter than the delay', async () => {
    for (const argv of [['conformance', '--profile', 'openvmm', '--json'], ['run', 'examples/', '--json']]) {
      const { code, log } = await withProgress(argv, 0);
      expect(code).toBe(0);
      expect(log.filter((l) => l.startsWith('progress'))).toEqual([]);
    }
    const { log } = await withProgress(['run', 'examples/'], 3_600_000);
    expect(log.filter((l) => l.startsWith('progress'))).toEqual([]);
  });
});
