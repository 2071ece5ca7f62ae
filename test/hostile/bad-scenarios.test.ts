// Malformed scenario files (test/hostile/fixtures/bad-scenarios/*.json) through the CLI: each exits 2 with exactly
// one stderr line `nvme-actors: FILE: $.json.path: expected …` (the line in the table below), no stack trace and
// nothing on stdout. Every fixture has a row, every row a fixture.
import { readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../support/cli.ts';

const DIR = join('test', 'hostile', 'fixtures', 'bad-scenarios');

/** fixture name (without .json) → the error after `FILE: `. */
const EXPECTED: ReadonlyArray<readonly [string, string]> = [
  ["abort-cid-unknown-tag", "$.steps[1].command.cid: expected a CID number or the tag of an earlier submission, got \"aer1\""],
  ["aerl-out-of-range", "$.controller.aerl: expected an integer 0..255, got 300"],
  ["bad-profile", "$.profile: expected one of \"spec\", \"qemu\", \"openvmm\", \"linux-nvmet\", \"openvmm-test\", got \"linux\""],
  ["changed-namespaces-not-array", "$.steps[2].changedNamespaces: expected an array of NSIDs, got 1"],
  ["command-field-of-other-opcode", "$.steps[1].command.lid: expected no field \"lid\" here (this object takes opcode, nsid, cdw10, cdw11, cdw12, cdw13, cdw14, cdw15, cns)"],
  ["command-is-string", "$.steps[1].command: expected a command object with an opcode, got \"identify\""],
  ["command-missing-opcode", "$.steps[1].command.opcode: expected an opcode name (identify, getLogPage, setFeatures, getFeatures, asyncEventRequest, abort, namespaceAttachment, keepAlive) or a number 0..255, got nothing (the field is missing)"],
  ["controller-not-object", "$.controller: expected an object, got an array"],
  ["description-empty", "$.description: expected a non-empty string, got \"\""],
  ["duplicate-tag", "$.steps[2].tag: expected a tag not used before (\"k\" already is)"],
  ["dw0-above-32-bits", "$.steps[2].dw0: expected an integer 0..0xFFFFFFFF, got \"0x100000000\""],
  ["dw0-bad-hex", "$.steps[2].dw0: expected a number 0..0xFFFFFFFF (JSON number or hex string such as \"0x1f\"), got \"0xZZ\""],
  ["dw0-empty-hex", "$.steps[2].dw0: expected a number 0..0xFFFFFFFF (JSON number or hex string such as \"0x1f\"), got \"0x\""],
  ["dw0-negative", "$.steps[2].dw0: expected an integer 0..0xFFFFFFFF, got -1"],
  ["expect-bad-status-code", "$.steps[2].status: expected a status name (success, invalidOpcode, invalidField, dataTransferError, internalError, commandAbortRequested, invalidNamespace, commandSequenceError, prpOffsetInvalid, abortLimitExceeded, aerLimitExceeded, invalidLogPage, featureNotSaveable, namespaceAlreadyAttached, namespaceIsPrivate, namespaceNotAttached, controllerListInvalid) or \"SCT/SCh\" such as \"1/05h\", got \"1/xyzh\""],
  ["expect-bad-status-name", "$.steps[2].status: expected a status name (success, invalidOpcode, invalidField, dataTransferError, internalError, commandAbortRequested, invalidNamespace, commandSequenceError, prpOffsetInvalid, abortLimitExceeded, aerLimitExceeded, invalidLogPage, featureNotSaveable, namespaceAlreadyAttached, namespaceIsPrivate, namespaceNotAttached, controllerListInvalid) or \"SCT/SCh\" such as \"1/05h\", got \"ok\""],
  ["expect-before-submit", "$.steps[1].tag: expected the tag of an earlier submit step, got \"k\""],
  ["expect-data-odd-hex", "$.steps[2].data: expected a hex string of whole bytes such as \"0x0100\", got \"0xabc\""],
  ["expect-fault-fired-count-disagree", "$.steps[3].count: expected a count that agrees with \"fired\": false (fired means count > 0), got 2"],
  ["expect-fault-submission-tag", "$.steps[2].tag: expected the tag of an earlier fault step, got \"k\""],
  ["expect-fault-unknown-tag", "$.steps[3].tag: expected the tag of an earlier fault step, got \"f2\""],
  ["expect-pending-unknown-tag", "$.steps[2].tag: expected the tag of an earlier submit step, got \"K\""],
  ["expect-register-missing-value", "$.steps[1].value: expected a register value 0..0xFFFFFFFF (JSON number or hex string), got nothing (the field is missing)"],
  ["expect-register-unknown-name", "$.steps[1].name: expected one of \"CAP\", \"VS\", \"INTMS\", \"CC\", \"CSTS\", \"AQA\", got \"CAP_HI\""],
  ["fault-active-not-boolean", "$.steps[1].active: expected true or false, got \"yes\""],
  ["fault-custom-payload-bad-hex", "$.steps[2].data: expected a hex string of whole bytes such as \"0x0100\", got \"deadbeefg0\""],
  ["fault-custom-payload-on-submission", "$.steps[2].behaviour: expected one of \"update\", \"drop\", \"delay\", \"panic\", \"verify\", got \"customPayload\""],
  ["fault-delay-missing-ms", "$.steps[2].ms: expected a delay in milliseconds 0..600000, got nothing (the field is missing)"],
  ["fault-delay-ms-too-large", "$.steps[2].ms: expected an integer 0..600000, got 600001"],
  ["fault-duplicate-tag", "$.steps[3].tag: expected a fault tag not used before (\"f1\" already is)"],
  ["fault-enable-bad-behaviour", "$.steps[1].behaviour: expected one of \"delay\", \"neverReady\", \"fatal\", got \"drop\""],
  ["fault-enable-with-match", "$.steps[1].match: expected no field \"match\" here (this object takes do, tag, active, on, behaviour)"],
  ["fault-match-unknown-field", "$.steps[2].match.prp1: expected no field \"prp1\" here (this object takes opcode, nsid, cdw2, cdw3, cdw10, cdw11, cdw12, cdw13, cdw14, cdw15)"],
  ["fault-match-unknown-opcode", "$.steps[2].match.opcode: expected an opcode name (identify, getLogPage, setFeatures, getFeatures, asyncEventRequest, abort, namespaceAttachment, keepAlive) or a number 0..255, got \"identifyy\""],
  ["fault-missing-match", "$.steps[2].match: expected an object of SQE fields to match (opcode, nsid, cdw2, cdw3, cdw10, cdw11, cdw12, cdw13, cdw14, cdw15); {} matches every command"],
  ["fault-missing-tag", "$.steps[2].tag: expected a tag (a non-empty string) naming this fault, for expectFault, got nothing (the field is missing)"],
  ["fault-ms-without-delay", "$.steps[2].ms: expected no field \"ms\" here (this object takes do, tag, active, on, behaviour, match)"],
  ["fault-neither-active-nor-on", "$.steps[1].active: expected true or false (the faultActive switch), or a fault with \"on\": \"submission\", \"completion\" or \"enable\""],
  ["fault-unknown-behaviour", "$.steps[2].behaviour: expected one of \"update\", \"drop\", \"delay\", \"panic\", \"customPayload\", \"verify\", got \"corrupt\""],
  ["fault-unknown-on", "$.steps[1].on: expected one of \"submission\", \"completion\", \"enable\", got \"doorbell\""],
  ["fault-update-bad-status", "$.steps[2].completion.status: expected a status name (success, invalidOpcode, invalidField, dataTransferError, internalError, commandAbortRequested, invalidNamespace, commandSequenceError, prpOffsetInvalid, abortLimitExceeded, aerLimitExceeded, invalidLogPage, featureNotSaveable, namespaceAlreadyAttached, namespaceIsPrivate, namespaceNotAttached, controllerListInvalid) or \"SCT/SCh\" such as \"1/05h\", got \"broken\""],
  ["fault-update-command-opcode", "$.steps[2].command.opcode: expected no field \"opcode\" here (this object takes nsid, cdw2, cdw3, cdw10, cdw11, cdw12, cdw13, cdw14, cdw15)"],
  ["fault-update-empty-completion", "$.steps[2].completion: expected at least one of status, dw0, cid to replace"],
  ["fault-update-missing-completion", "$.steps[2].completion: expected an object with any of status, dnr, dw0, cid (the completion fields to replace)"],
  ["invalid-json-empty-file", "$: expected valid JSON (Unexpected end of JSON input)"],
  ["invalid-json-missing-comma", "$: expected valid JSON (Expected ',' or ']' after array element in JSON at line 4 column 5)"],
  ["invalid-json-trailing-comma", "$: expected valid JSON (Unexpected token ']', ...\"ble\" }, ] } \" is not valid JSON)"],
  ["invalid-json-two-documents", "$: expected valid JSON (Unexpected non-whitespace character after JSON at line 2 column 1)"],
  ["invalid-json-unquoted-key", "$: expected valid JSON (Expected property name or '}' in JSON at line 2 column 3)"],
  ["name-not-string", "$.name: expected a non-empty string, got 5"],
  ["namespace-attached-string", "$.controller.namespaces[0].attached: expected true or false, got \"yes\""],
  ["namespace-blocksize-not-power-of-two", "$.controller.namespaces[0].blockSize: expected a power of two, got 1000"],
  ["namespace-change-bad-until", "$.steps[1].until: expected one of \"processed\", \"aen\", got \"done\""],
  ["namespace-change-count-overflow", "$.steps[1].count: expected a count that keeps NSIDs ≤ 0xFFFFFFFE (the last would be 0x100000053), got 100"],
  ["namespace-change-missing-nsid", "$.steps[1].nsid: expected an NSID 1..0xFFFFFFFE, got nothing (the field is missing)"],
  ["namespace-duplicate-nsid", "$.controller.namespaces[2].nsid: expected an NSID not already declared (1 is)"],
  ["namespace-missing-nsid", "$.controller.namespaces[0].nsid: expected an NSID 1..0xFFFFFFFE, got nothing (the field is missing)"],
  ["namespace-nsid-zero", "$.controller.namespaces[0].nsid: expected an integer 1..0xFFFFFFFE, got 0"],
  ["namespaces-not-array", "$.controller.namespaces: expected an array of namespaces, got an object"],
  ["number-overflows-to-infinity", "$.steps[0].queueSize: expected an integer 2..4096, got Infinity"],
  ["numd-too-large", "$.steps[1].command.numd: expected an integer 1..32768, got 40000"],
  ["opcode-out-of-range", "$.steps[1].command.opcode: expected an integer 0..255, got 256"],
  ["opcode-prototype-name", "$.steps[1].command.opcode: expected an opcode name (identify, getLogPage, setFeatures, getFeatures, asyncEventRequest, abort, namespaceAttachment, keepAlive) or a number 0..255, got \"toString\""],
  ["pack-bad-step", "$.scenarios[1].steps[1].tag: expected the tag of an earlier submit step, got \"nope\""],
  ["pack-empty-scenarios", "$.scenarios: expected a non-empty array of scenarios, got an empty array"],
  ["pack-unknown-field", "$.version: expected no field \"version\" here (this object takes kind, profile, generatedFrom, coverage, scenarios)"],
  ["proto-key", "$.__proto__: expected no field \"__proto__\" here (this object takes name, profile, targets, controller, steps, description)"],
  ["queue-size-fraction", "$.steps[0].queueSize: expected an integer 2..4096, got 16.5"],
  ["queue-size-too-small", "$.steps[0].queueSize: expected an integer 2..4096, got 1"],
  ["rae-string", "$.steps[1].command.rae: expected true or false, got \"false\""],
  ["step-is-null", "$.steps[1]: expected a step object with \"do\", got null"],
  ["step-is-string", "$.steps[0]: expected a step object with \"do\", got \"enable\""],
  ["step-missing-do", "$.steps[1].do: expected a step kind, one of \"enable\", \"disable\", \"shutdown\", \"submit\", \"namespaceChange\", \"expect\", \"expectPending\", \"expectRegister\", \"fault\", \"expectFault\", \"createIoQueues\", \"write\", \"read\", \"flush\", \"panic\", \"removeNamespace\", got nothing (the field is missing)"],
  ["steps-empty", "$.steps: expected a non-empty array of steps, got an empty array"],
  ["steps-missing", "$.steps: expected a non-empty array of steps, got nothing (the field is missing)"],
  ["steps-not-array", "$.steps: expected a non-empty array of steps, got an object"],
  ["submit-missing-tag", "$.steps[1].tag: expected a tag (a non-empty string) naming this submission, got nothing (the field is missing)"],
  ["timeout-ms-zero", "$.steps[2].timeoutMs: expected an integer 1..600000, got 0"],
  ["top-level-array", "$: expected a scenario object with \"steps\" (or a pack with \"kind\": \"nvme-actors.pack\"), got an array"],
  ["unknown-opcode-name", "$.steps[1].command.opcode: expected an opcode name (identify, getLogPage, setFeatures, getFeatures, asyncEventRequest, abort, namespaceAttachment, keepAlive) or a number 0..255, got \"format\""],
  ["unknown-step-field", "$.steps[0].timeout: expected no field \"timeout\" here (this object takes do, queueSize)"],
  ["unknown-step", "$.steps[1].do: expected a step kind, one of \"enable\", \"disable\", \"shutdown\", \"submit\", \"namespaceChange\", \"expect\", \"expectPending\", \"expectRegister\", \"fault\", \"expectFault\", \"createIoQueues\", \"write\", \"read\", \"flush\", \"panic\", \"removeNamespace\", got \"reboot\""],
  ["targets-unknown", "$.targets[1]: expected one of \"emulator\", \"qemu\", \"nvmet\", \"tcp\", got \"spdk\""],
  ["targets-empty", "$.targets: expected a non-empty array of targets (\"emulator\", \"qemu\", \"nvmet\", \"tcp\"), got an empty array"],
  ["schema-not-string", "$.$schema: expected the path or URL of the JSON Schema (a non-empty string), got 1"],
  ["unknown-top-level-field", "$.stepz: expected no field \"stepz\" here (this object takes name, profile, targets, controller, steps, description)"],
];


describe('bad scenario files', () => {
  it('every fixture has an expected line, and every expected line a fixture', () => {
    const fixtures = readdirSync(DIR).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -'.json'.length)).sort();
    expect(EXPECTED.map(([name]) => name).sort()).toEqual(fixtures);
    expect(fixtures.length).toBeGreaterThanOrEqual(30);
    expect(new Set(EXPECTED.map(([, line]) => line)).size).toBeGreaterThan(50);
  });

  it.each(EXPECTED)('%s: exit 2, one line naming the JSON path', async (name, line) => {
    const file = join(DIR, `${name}.json`);
    const r = await cli('run', file);
    expect(r.out).toEqual([]);
    expect(r.err).toEqual([`nvme-actors: ${file}: ${line}`]);
    expect(r.err.join('\n')).not.toMatch(/\n\s+at /);
    expect(r.err[0]).toMatch(/^nvme-actors: \S+: \$[^ ]*: expected /);
    expect(r.code).toBe(2);
  });

  it('a byte-order mark before the JSON is not an error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nvme-actors-bom-'));
    const file = join(dir, 'bom.json');
    await writeFile(file, '\uFEFF{ "steps": [ { "do": "enable" }, { "do": "expectRegister", "name": "CSTS", "mask": 1, "value": 1 } ] }\n');
    try {
      const r = await cli('run', file);
      expect(r.err).toEqual([]);
      expect(r.out.at(-1)).toBe('1 passed, 0 failed');
      expect(r.code).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a bad file among good ones: nothing runs, the bad one is named', async () => {
    const r = await cli('run', 'examples/', join(DIR, 'unknown-step.json'), '--json');
    expect(r.code).toBe(2);
    expect(r.out).toEqual([]);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toContain('unknown-step.json: $.steps[1].do: expected a step kind');
  });
});
