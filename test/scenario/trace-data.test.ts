// The trace shows the data (issue 12 item 4), in text and --json, with or without expectations: every completion
// names its command and status, an AEN's DW0 is decoded, a Get Log Page records what came back (04h the NSIDs or the
// overflow marker, 01h the entries), an Identify its key fields (CNS 02h the list), a failed data check prints the
// bytes received, and the host's own commands carry their opcode and why they were sent.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRACE_CATALOGUE } from '../../src/trace.ts';
import { decodeAen, decodeLog } from '../../src/scenario/decode.ts';
import { cli } from '../support/cli.ts';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nvme-actors-tracedata-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let files = 0;
async function file(scenario: unknown): Promise<string> {
  const f = join(dir, `s${files++}.json`);
  await writeFile(f, JSON.stringify(scenario));
  return f;
}

/** No expectation at all: an AER, an attach that raises the notice, then the reads. */
const noExpectations = {
  controller: { namespaces: [{ nsid: 1 }, { nsid: 2, attached: false }, { nsid: 3 }] },
  steps: [
    { do: 'enable' },
    { do: 'submit', tag: 'aer', command: { opcode: 'asyncEventRequest' } },
    { do: 'namespaceChange', nsid: 3 },
    { do: 'submit', tag: 'att', command: { opcode: 'namespaceAttachment', sel: 'attach', nsid: 2 } },
    { do: 'submit', tag: 'log', command: { opcode: 'getLogPage', lid: 4, numd: 1024 } },
    { do: 'submit', tag: 'err', command: { opcode: 'getLogPage', lid: 1, numd: 16 } },
    { do: 'submit', tag: 'ids', command: { opcode: 'identify', cns: 2 } },
    { do: 'submit', tag: 'bad', command: { opcode: 'identify', cns: 1, cdw10: 0x55 } },
  ],
};

describe('a trace that shows the data', () => {
  it('text: a scenario with no expectations shows the Changed Namespace List, the AEN, names and the host commands', async () => {
    const r = await cli('run', await file(noExpectations));
    expect(r.code).toBe(0);
    const text = r.out.join('\n');
    expect(text).toMatch(/← complete {2}aer cid=\d+ asyncEventRequest status=0\/00h success dw0=0x00040002 sqhd=\d+ AEN notice\/namespaceAttributeChanged, log 04h \(changedNamespaceList\)/);
    expect(text).toContain('▤ log       log changedNamespaceList (04h) [2, 3]');
    expect(text).toContain('▤ log       err errorInformation (01h) no entries');
    expect(text).toContain('▤ identify  ids activeNamespaceList (CNS 02h) [1, 2, 3]');
    expect(text).toMatch(/→ submit {4}\(host\) cid=\d+ identify \(06h\) for the controller list of att/);
    expect(text).toMatch(/← complete {2}log cid=\d+ getLogPage status=0\/00h success/);
    expect(r.out.at(-1)).toBe('0 passed, 0 failed');
  });

  it('--json: the same records as objects', async () => {
    const r = await cli('run', await file(noExpectations), '--json');
    expect(r.code).toBe(0);
    const records = r.out.join('\n').split('\n').map((l) => JSON.parse(l));
    expect(records).toContainEqual(expect.objectContaining({ kind: 'log', tag: 'log', lid: 4, page: 'changedNamespaceList', nsids: [2, 3], overflow: false, bytes: 4096 }));
    expect(records).toContainEqual(expect.objectContaining({ kind: 'identify', tag: 'ids', cns: 2, structure: 'activeNamespaceList', nsids: [1, 2, 3] }));
    expect(records).toContainEqual(expect.objectContaining({ kind: 'completion', tag: 'aer', command: 'asyncEventRequest', statusName: 'success', aen: { type: 2, typeName: 'notice', info: 0, infoName: 'namespaceAttributeChanged', logPage: 4, logPageName: 'changedNamespaceList' } }));
    expect(records).toContainEqual(expect.objectContaining({ kind: 'submit', tag: null, command: 'identify', why: 'the controller list of att' }));
    expect(records.find((x) => x.kind === 'completion' && x.tag === 'log')).toMatchObject({ opcode: 2, command: 'getLogPage' });
    expect(records.at(-1)).toEqual({ kind: 'total', passed: 0, failed: 0 });
  });

  it('the overflow marker, and a status name', async () => {
    const r = await cli('run', await file({
      steps: [
        { do: 'enable' },
        { do: 'namespaceChange', nsid: 1, count: 1025 },
        { do: 'submit', tag: 'log', command: { opcode: 'getLogPage', lid: 4, numd: 1024 } },
        { do: 'submit', tag: 'bad', command: { opcode: 'getLogPage', lid: 0x7f, numd: 1 } },
        { do: 'expect', tag: 'bad', status: 'invalidLogPage' },
      ],
    }), '--json');
    const records = r.out.join('\n').split('\n').map((l) => JSON.parse(l));
    expect(records).toContainEqual(expect.objectContaining({ kind: 'log', tag: 'log', lid: 4, nsids: [], overflow: true }));
    expect(records).toContainEqual(expect.objectContaining({ kind: 'completion', tag: 'bad', statusName: 'invalidLogPage', command: 'getLogPage' }));
  });

  it('a failed data check prints the bytes received', async () => {
    const r = await cli('run', await file({
      steps: [
        { do: 'enable' },
        { do: 'submit', tag: 'ids', command: { opcode: 'identify', cns: 2 } },
        { do: 'expect', tag: 'ids', data: '0x02000000' },
      ],
    }));
    expect(r.code).toBe(1);
    expect(r.out.join('\n')).toContain('✗ expect ids: data does not start with 0x02000000: received 0x01000000000000000000000000000000… (4096 bytes)');
  });

  it('decodes AEN DW0 and the Error Information entries', () => {
    expect(decodeAen(0x00020101)).toEqual({ type: 1, typeName: 'smartHealth', info: 1, infoName: 'temperatureThreshold', logPage: 2, logPageName: 'smartHealth' });
    const page = new Uint8Array(128);
    const v = new DataView(page.buffer);
    v.setBigUint64(64, 7n, true);
    v.setUint16(72, 0, true);
    v.setUint16(74, 9, true);
    v.setUint16(76, ((0x4000 | 0x0102) << 1) | 1, true); // DNR, SCT 1, SC 02h, phase 1
    v.setUint32(88, 1, true);
    expect(decodeLog(1, page)).toEqual({ entries: [{ errorCount: 7, sqid: 0, cid: 9, status: { sct: 1, sc: 2, dnr: true }, parameterErrorLocation: 0, lba: 0, nsid: 1 }], more: 0 });
  });

  it('every record kind is in the one catalogue, with the emulator\'s events', () => {
    const runner = Object.entries(TRACE_CATALOGUE).filter(([, e]) => e.source === 'runner').map(([k]) => k);
    expect(runner.sort()).toEqual(['completion', 'expect', 'identify', 'lifecycle', 'log', 'note', 'receipt', 'register', 'submit']);
    expect(Object.keys(TRACE_CATALOGUE)).toEqual(expect.arrayContaining(['aen.posted', 'completion.posted', 'changedList.read']));
  });
});
