// Regression (found by test/hostile/scenario-mutation.test.ts): `expectPending` of a command that a controller
// reset dropped ended the run with exit 70 ("internal error: Cannot read properties of undefined (reading
// 'status')"). Cause: the runner took "not outstanding" to mean "completed" and read the completion record, which
// a dropped command does not have. Fix: the step fails with a note that the command is no longer outstanding and
// no completion arrived.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { cli } from '../support/cli.ts';

it('expectPending of an AER dropped by a reset fails the check, and the run goes on', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'nvme-actors-pending-'));
  try {
    const file = join(dir, 'reset.json');
    await writeFile(file, JSON.stringify({
      steps: [
        { do: 'enable' },
        { do: 'submit', tag: 'aer', command: { opcode: 'asyncEventRequest' } },
        { do: 'disable' },
        { do: 'enable' },
        { do: 'expectPending', tag: 'aer' },
        { do: 'expectRegister', name: 'CSTS', mask: 1, value: 1 },
      ],
    }));
    const r = await cli('run', file);
    expect(r.err).toEqual([]);
    expect(r.out.join('\n')).toContain('✗ expectPending aer: no longer outstanding, and no completion arrived (a controller reset drops outstanding commands)');
    expect(r.out.at(-1)).toBe('1 passed, 1 failed');
    expect(r.code).toBe(1);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
