// The seed scenario file, unchanged, on Linux nvmet in a guest through NvmeHost over NVMe/TCP: the namespace change
// is a configfs change (NSID 1 is enabled, so it is disabled) named in the trace, nvmet posts Namespace Attribute
// Changed (00040002h) on the parked AER and the Changed Namespace List reads [1].
// The file asks for no receipt outcome (a configfs change gives none), so every check holds.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { makeNvmetTarget } from '../../src/guest/nvmet-target.ts';
import { liveGuests } from '../../src/guest/spawn.ts';
import { runScenario } from '../../src/scenario/runner.ts';
import { parseScenario } from '../../src/scenario/schema.ts';
import { declareGuestGate, guestGate } from '../support/guest.ts';

const { gate, image } = await guestGate();

if (declareGuestGate(gate, 'nvmet target')) {
  describe('scenario files on the nvmet target', () => {
    it('runs examples/seed-namespace-change.json: AEN 00040002h, list [1], the change made in configfs', async () => {
      const scenario = parseScenario(JSON.parse(readFileSync('examples/seed-namespace-change.json', 'utf8')));
      const result = await runScenario(scenario, makeNvmetTarget({ image: image! }));
      const completions = result.trace.flatMap((r) => (r.kind === 'completion' ? [`${r.tag} ${r.status.sct}/${r.status.sc} ${r.dw0}`] : []));
      expect(completions).toEqual(['aer1 0/0 0x00040002', 'log 0/0 0x00000000']);
      expect(result.trace).toContainEqual(expect.objectContaining({ kind: 'log', tag: 'log', lid: 4, nsids: [1] }));
      expect(result.trace).toContainEqual(expect.objectContaining({ kind: 'receipt', nsid: 1, via: 'configfs (disable)' }));
      const failed = result.trace.flatMap((r) => (r.kind === 'expect' && !r.ok ? [r.message] : []));
      expect(failed).toEqual([]);
      expect(result.passed).toBe(3);
      expect(liveGuests()).toEqual([]);
    }, 240_000);
  });
}
