// The I/O steps of scenario files (docs/scenarios.md "I/O steps"): createIoQueues, write, read, flush, checked by
// expect; the same file on the emulator (PCIe rings) and through `serve` over NVMe/TCP on loopback gives the same
// verdicts; a bad I/O step is a ScenarioError naming its JSON path.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseScenario, parseScenarioText, ScenarioError } from '../../src/scenario/schema.ts';
import { emulatorTarget, runScenario } from '../../src/scenario/runner.ts';
import { tcpLoopbackTarget } from '../../src/serve/loopback.ts';

const example = parseScenarioText(readFileSync('examples/write-then-read.json', 'utf8'), 'examples/write-then-read.json');

describe('I/O steps run', () => {
  it.each([['emulator', emulatorTarget], ['tcp-loopback', tcpLoopbackTarget]] as const)('examples/write-then-read.json on the %s: every check holds', async (_, factory) => {
    const r = await runScenario(example, factory);
    expect(r.failed).toBe(0);
    expect(r.passed).toBe(4);
    expect(r.trace.filter((t) => t.kind === 'completion' && t.tag === 'past').map((t) => t.kind === 'completion' && [t.statusName, t.status.dnr])).toEqual([['0/80h', true]]);
  });

  it('a failing expectation on read data fails with the bytes received', async () => {
    const s = parseScenario({ steps: [{ do: 'enable' }, { do: 'write', tag: 'w', nsid: 1, slba: 3, data: `0x${'11'.repeat(512)}` }, { do: 'read', tag: 'r', nsid: 1, slba: 3 }, { do: 'expect', tag: 'r', data: '0x1112' }] });
    const r = await runScenario(s, emulatorTarget);
    expect(r.failed).toBe(1);
    expect(r.trace.some((t) => t.kind === 'expect' && !t.ok && /data does not start with 0x1112: received 0x1111/.test(t.message))).toBe(true);
  });

  it('bad NSIDs on I/O steps get their statuses (0/0Bh for NSID 0, 0/02h for an inactive one)', async () => {
    const s = parseScenario({
      controller: { namespaces: [{ nsid: 1 }, { nsid: 2, attached: false }] },
      steps: [{ do: 'enable' }, { do: 'read', tag: 'zero', nsid: 0 }, { do: 'expect', tag: 'zero', status: 'invalidNamespace', dnr: true }, { do: 'write', tag: 'inactive', nsid: 2, fill: 1 }, { do: 'expect', tag: 'inactive', status: 'invalidField' }],
    });
    const r = await runScenario(s, emulatorTarget);
    expect([r.passed, r.failed]).toEqual([2, 0]);
  });
});

describe('bad I/O steps: ScenarioError at the JSON path', () => {
  const bad = (step: unknown): string => {
    try {
      parseScenario({ steps: [{ do: 'enable' }, step] });
    } catch (e) {
      if (e instanceof ScenarioError) return e.message;
      throw e;
    }
    return 'no error';
  };
  it.each([
    [{ do: 'createIoQueues', count: 17 }, '$.steps[1].count: expected an integer 1..16, got 17'],
    [{ do: 'write', tag: 'w', nsid: 1, data: '0x00', fill: 1 }, '$.steps[1].fill: expected no "fill" or "blocks" beside "data"'],
    [{ do: 'write', tag: 'w', nsid: 1 }, '$.steps[1].data: expected the bytes to write ("data"), or "fill" and "blocks", got nothing'],
    [{ do: 'write', tag: 'w', nsid: 1, data: '' }, '$.steps[1].data: expected at least one block of bytes'],
    [{ do: 'read', tag: 'r', nsid: 1, blocks: 0 }, '$.steps[1].blocks: expected an integer 1..65536, got 0'],
    [{ do: 'read', tag: 'r' }, '$.steps[1].nsid: expected an NSID 0..0xFFFFFFFF, got nothing'],
    [{ do: 'flush', tag: 'f', nsid: 1, slba: 0 }, '$.steps[1].slba: expected no field "slba" here'],
    [{ do: 'read', nsid: 1 }, '$.steps[1].tag: expected a tag'],
  ])('%j', (step, message) => {
    expect(bad(step)).toContain(message);
  });

  it('an I/O tag is a tag: used once, and expect may name it', () => {
    expect(() => parseScenario({ steps: [{ do: 'enable' }, { do: 'flush', tag: 'a', nsid: 1 }, { do: 'read', tag: 'a', nsid: 1 }] })).toThrow(/steps\[2\]\.tag: expected a tag not used before/);
    expect(() => parseScenario({ steps: [{ do: 'enable' }, { do: 'flush', tag: 'a', nsid: 1 }, { do: 'expect', tag: 'a' }] })).not.toThrow();
  });
});
