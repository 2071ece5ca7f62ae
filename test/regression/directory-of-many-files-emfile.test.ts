// Regression (issue 13, item 10): a directory of 10,000 good scenario files failed with EMFILE at `ulimit -n 1024`.
// Symptom: `nvme-actors run DIR` exited 2 with "cannot read (EMFILE)" naming some file of the directory. Cause:
// every file was opened at once (`Promise.all(files.map(readFile))`). Fix: at most READ_CONCURRENCY files are open
// at a time (src/scenario/files.ts). Here the command runs as a child under `ulimit -n 256` over 10,000 files, the
// last of which (in sorted order) is bad: the error naming that last file proves every other one was opened, read
// and validated.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { mapLimit } from '../../src/scenario/files.ts';

let dir = '';
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('10,000 files under ulimit -n 256: every one is read', async () => {
  dir = await mkdtemp(join(tmpdir(), 'nvme-actors-emfile-'));
  const good = JSON.stringify({ steps: [{ do: 'enable' }, { do: 'expectRegister', name: 'CSTS', mask: 1, value: 1 }] });
  const names = Array.from({ length: 9999 }, (_, i) => `s${String(i).padStart(5, '0')}.json`);
  await mapLimit(names, 64, (n) => writeFile(join(dir, n), good));
  await writeFile(join(dir, 'zzzz-last.json'), '{ "steps": [ { "do": "reboot" } ] }');
  const r = spawnSync('bash', ['-c', 'ulimit -n 256 && exec "$0" "$@"', process.execPath, 'bin/nvme-actors.js', 'run', dir], { encoding: 'utf8', timeout: 60_000 });
  expect(r.stderr.trim().split('\n')).toEqual([`nvme-actors: ${join(dir, 'zzzz-last.json')}: $.steps[0].do: expected a step kind, one of "enable", "disable", "shutdown", "submit", "namespaceChange", "expect", "expectPending", "expectRegister", "fault", "expectFault", "createIoQueues", "write", "read", "flush", got "reboot"`]);
  expect(r.status).toBe(2);
}, 60_000);

it('mapLimit keeps at most `limit` calls in flight and reports the earliest failure', async () => {
  let inFlight = 0;
  let most = 0;
  const seen: number[] = [];
  const out = await mapLimit(Array.from({ length: 100 }, (_, i) => i), 7, async (i) => {
    inFlight++;
    most = Math.max(most, inFlight);
    await new Promise((r) => setImmediate(r));
    inFlight--;
    seen.push(i);
    return i * 2;
  });
  expect(most).toBe(7);
  expect(out).toEqual(Array.from({ length: 100 }, (_, i) => i * 2));
  // Item 5 fails late (after a wait), item 9 at once: the error is still item 5's.
  await expect(mapLimit([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 10, async (i) => {
    if (i === 5) {
      await new Promise((r) => setImmediate(r));
      throw new Error('five');
    }
    if (i === 9) throw new Error('nine');
    return i;
  })).rejects.toThrow('five');
});
