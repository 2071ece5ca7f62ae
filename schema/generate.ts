// Writes schema/scenario.schema.json (`npm run schema`): the JSON Schema (draft 2020-12) of scenario files and
// conformance packs, for editors ("$schema" in a file) and for other tools. Written as code so the names come from
// the parser's own tables and numeric bounds hold for hex strings too ("0x1f", "1Fh": a pattern per range).
// test/docs/schema.test.ts checks the file is current and that the schema and the parser (src/scenario/schema.ts)
// agree on every example, every generated pack and every bad file; what JSON Schema cannot say (a tag must name an
// earlier step, NSIDs declared once) is listed there and in docs/scenarios.md.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { OPCODE_NAMES, REGISTER_NAMES, SCENARIO_TARGETS, STATUS_NAMES } from '../src/scenario/schema.ts';
import { PROFILE_NAMES } from '../src/profiles/profiles.ts';
import { AdminOpcode } from '../src/spec/constants.ts';

type Schema = Record<string, unknown>;

export const SCHEMA_FILE = fileURLToPath(new URL('./scenario.schema.json', import.meta.url));

// --- numbers: a JSON integer in range, or a hex string ("0x1f", "1Fh") whose value is in range -------------------

const HEX = '0123456789abcdef';
const digitClass = (lo: number, hi: number): string => {
  if (lo === 0 && hi === 15) return '[0-9a-fA-F]';
  const parts: string[] = [];
  const span = (a: string, b: string): string => (a === b ? a : `${a}-${b}`);
  if (lo <= 9) parts.push(span(HEX[lo]!, HEX[Math.min(hi, 9)]!));
  if (hi >= 10) {
    const a = HEX[Math.max(lo, 10)]!;
    const b = HEX[hi]!;
    parts.push(span(a, b), span(a.toUpperCase(), b.toUpperCase()));
  }
  return parts.length === 1 && parts[0]!.length === 1 ? parts[0]! : `[${parts.join('')}]`;
};
const anyDigits = (n: number): string => (n === 0 ? '' : n === 1 ? '[0-9a-fA-F]' : `[0-9a-fA-F]{${n}}`);

/** Alternatives matching the hex strings of equal length `a`..`b` (lowercase digits, no leading zeros beyond the first). */
function sameLength(a: string, b: string): string[] {
  if (a === b) return [a.replace(/[a-f]/g, (c) => `[${c}${c.toUpperCase()}]`)];
  let i = 0;
  while (a[i] === b[i]) i++;
  const prefix = a.slice(0, i).replace(/[a-f]/g, (c) => `[${c}${c.toUpperCase()}]`);
  const ra = a.slice(i);
  const rb = b.slice(i);
  const rest = ra.length - 1;
  const da = HEX.indexOf(ra[0]!);
  const db = HEX.indexOf(rb[0]!);
  if (/^0*$/.test(ra.slice(1)) && /^f*$/.test(rb.slice(1))) return [`${prefix}${digitClass(da, db)}${anyDigits(rest)}`];
  const out: string[] = [];
  let lo = da;
  let hi = db;
  if (!/^0*$/.test(ra.slice(1))) {
    out.push(...sameLength(ra.slice(1), 'f'.repeat(rest)).map((s) => `${prefix}${digitClass(da, da)}${s}`));
    lo = da + 1;
  }
  const tailHigh = /^f*$/.test(rb.slice(1));
  if (!tailHigh) hi = db - 1;
  if (lo <= hi) out.push(`${prefix}${digitClass(lo, hi)}${anyDigits(rest)}`);
  if (!tailHigh) out.push(...sameLength('0'.repeat(rest), rb.slice(1)).map((s) => `${prefix}${digitClass(db, db)}${s}`));
  return out;
}

/** A regex alternation for the hex digits (without prefix, suffix or leading zeros) of the values min..max. */
function hexRange(min: number, max: number): string {
  const out: string[] = [];
  let lo = min;
  while (lo <= max) {
    const len = lo.toString(16).length;
    // Whole lengths in a row (1..f, 10..ff, …) are one alternative: [1-9a-fA-F][0-9a-fA-F]{0,n}.
    let to = len;
    if (lo === (len === 1 ? 1 : 16 ** (len - 1))) while (16 ** (to + 1) - 1 <= max) to++;
    if (to > len && 16 ** to - 1 <= max) {
      out.push(`[1-9a-fA-F]${len === 1 ? `[0-9a-fA-F]{0,${to - 1}}` : `[0-9a-fA-F]{${len - 1},${to - 1}}`}`);
      lo = 16 ** to;
      continue;
    }
    const top = Math.min(max, 16 ** len - 1);
    out.push(...sameLength(lo.toString(16), top.toString(16)));
    lo = top + 1;
  }
  return out.join('|');
}

/** `"0x1f"`, `"0X1F"` or `"1Fh"` with a value in min..max (leading zeros allowed, as the parser allows them). */
export const hexPattern = (min: number, max: number): string => `^(?:0[xX]0*(?:${hexRange(min, max)})|0*(?:${hexRange(min, max)})[hH])$`;

/** Ranges used often enough to be one definition each. */
const SHARED_RANGES: Readonly<Record<string, string>> = { [`0-${0xffffffff}`]: 'u32', '0-65535': 'u16', '0-255': 'u8' };

function num(min: number, max: number, description?: string): Schema {
  const shared = SHARED_RANGES[`${min}-${max}`];
  if (shared) return { ...(description ? { description } : {}), $ref: `#/$defs/${shared}` };
  return numberSchema(min, max, description);
}

function numberSchema(min: number, max: number, description?: string): Schema {
  return {
    ...(description ? { description } : {}),
    anyOf: [
      { type: 'integer', minimum: min, maximum: max },
      { type: 'string', pattern: hexPattern(min, max) },
    ],
  };
}

const U32 = 0xffffffff;
const MAX = Number.MAX_SAFE_INTEGER;
const u32 = (description?: string): Schema => num(0, U32, description);
const nonEmpty = (description: string): Schema => ({ type: 'string', minLength: 1, description });
const boolean = (description: string): Schema => ({ type: 'boolean', description });

// --- the tables of the parser ------------------------------------------------------------------------------------

const opcodeIs = (opcode: number): Schema => ({
  anyOf: [
    { enum: Object.entries(OPCODE_NAMES).filter(([, v]) => v === opcode).map(([k]) => k) },
    { const: opcode },
    { type: 'string', pattern: hexPattern(opcode, opcode) },
  ],
});

/** Named command fields: which opcodes take them. Raw nsid, cdw10..cdw15 go with every command. */
const NAMED_FIELDS: Readonly<Record<string, readonly number[]>> = {
  cns: [AdminOpcode.IDENTIFY],
  lid: [AdminOpcode.GET_LOG_PAGE],
  rae: [AdminOpcode.GET_LOG_PAGE],
  numd: [AdminOpcode.GET_LOG_PAGE],
  offset: [AdminOpcode.GET_LOG_PAGE],
  fid: [AdminOpcode.SET_FEATURES, AdminOpcode.GET_FEATURES],
  value: [AdminOpcode.SET_FEATURES],
  cid: [AdminOpcode.ABORT],
  sqid: [AdminOpcode.ABORT],
  sel: [AdminOpcode.NAMESPACE_ATTACHMENT],
  controllers: [AdminOpcode.NAMESPACE_ATTACHMENT],
};

const CDWS = ['cdw10', 'cdw11', 'cdw12', 'cdw13', 'cdw14', 'cdw15'] as const;
const MATCH_FIELDS = ['opcode', 'nsid', 'cdw2', 'cdw3', ...CDWS] as const;
const UPDATE_FIELDS = ['nsid', 'cdw2', 'cdw3', ...CDWS] as const;
const BEHAVIOURS = {
  submission: ['update', 'drop', 'delay', 'panic', 'verify'],
  completion: ['update', 'drop', 'delay', 'panic', 'customPayload', 'verify'],
  enable: ['delay', 'neverReady', 'fatal'],
} as const;
const BLOCK_SIZES = [512, 1024, 2048, 4096, 8192, 16384, 32768, 65536];
/** A namespace is at most 8 TiB (blocks × blockSize ≤ 2^43). */
const MAX_NAMESPACE_BYTES = 2 ** 43;

const ref = (name: string): Schema => ({ $ref: `#/$defs/${name}` });
const forbid = (...fields: string[]): Schema => ({ not: { anyOf: fields.map((f) => ({ required: [f] })) } });
const when = (condition: Schema, then: Schema): Schema => ({ if: condition, then });
const doIs = (kind: string): Schema => ({ required: ['do'], properties: { do: { const: kind } } });

function step(kind: string, description: string, properties: Schema, required: string[] = []): Schema {
  return { type: 'object', description, properties: { do: { const: kind }, ...properties }, required: ['do', ...required], additionalProperties: false };
}

const TAG = nonEmpty('the tag of an earlier `submit` step');
const TIMEOUT = num(1, 600000, 'how long to wait, in milliseconds (default: 100 on the emulator, 2000 on QEMU)');

export function buildSchema(): Schema {
  const $defs: Record<string, Schema> = {
    u32: numberSchema(0, U32, 'an integer 0..FFFFFFFFh: a JSON number, or a hex string such as "0x1f" or "1Fh"'),
    u16: numberSchema(0, 0xffff, 'an integer 0..FFFFh: a JSON number, or a hex string such as "0x1f" or "1Fh"'),
    u8: numberSchema(0, 255, 'an integer 0..FFh: a JSON number, or a hex string such as "0x1f" or "1Fh"'),
    opcode: {
      description: 'an admin opcode: a name, or a number 0..255',
      anyOf: [{ enum: Object.keys(OPCODE_NAMES) }, { type: 'integer', minimum: 0, maximum: 255 }, { type: 'string', pattern: hexPattern(0, 255) }],
    },
    status: {
      description: `a status: a name (${Object.keys(STATUS_NAMES).join(', ')}) or "SCT/SCh" such as "1/05h"`,
      anyOf: [{ enum: Object.keys(STATUS_NAMES) }, { type: 'string', pattern: '^[0-7]/[0-9a-fA-F]{1,2}[hH]$' }],
    },
    hexBytes: { type: 'string', pattern: '^(?:0[xX])?(?:[0-9a-fA-F]{2})*$', description: 'bytes as hex, whole bytes, such as "0x0100"' },
    nsid: num(1, 0xfffffffe, 'a namespace ID 1..FFFFFFFEh'),
    zero: { anyOf: [{ const: 0 }, { type: 'string', pattern: '^(?:0[xX]0+|0+[hH])$' }] },
    namespace: {
      type: 'object',
      description: 'a namespace of the controller',
      properties: {
        nsid: ref('nsid'),
        blocks: num(1, MAX, 'its size in blocks (default 2048); blocks × blockSize is at most 8 TiB'),
        blockSize: {
          description: 'bytes per block, a power of two 512..65536 (default 512)',
          anyOf: [{ enum: BLOCK_SIZES }, { type: 'string', pattern: `^(?:0[xX]0*(?:${BLOCK_SIZES.map((b) => b.toString(16)).join('|')})|0*(?:${BLOCK_SIZES.map((b) => b.toString(16)).join('|')})[hH])$` }],
        },
        attached: boolean('attached to the controller at start (default true)'),
      },
      required: ['nsid'],
      additionalProperties: false,
      allOf: [
        // blocks × blockSize ≤ 8 TiB: the block count's bound for each block size (512 when absent).
        when({ not: { required: ['blockSize'] } }, { properties: { blocks: num(1, MAX_NAMESPACE_BYTES / 512) } }),
        ...BLOCK_SIZES.map((size) =>
          when({ required: ['blockSize'], properties: { blockSize: { anyOf: [{ const: size }, { type: 'string', pattern: hexPattern(size, size) }] } } }, { properties: { blocks: num(1, MAX_NAMESPACE_BYTES / size) } }),
        ),
      ],
    },
    controller: {
      type: 'object',
      description: 'the controller to emulate (default: AERL 3, one attached namespace NSID 1 of 2048 × 512-byte blocks)',
      properties: {
        aerl: num(0, 255, "AERL, 0's based: aerl + 1 AERs may be outstanding (default 3)"),
        namespaces: { type: 'array', items: ref('namespace'), maxItems: 65536, description: 'the namespaces, each NSID once (default: NSID 1 attached)' },
        maxQueueEntries: num(2, 65536, 'CAP.MQES + 1 (1-based, as OpenVMM max_queue_size; default 4096)'),
        pci: {
          type: 'object',
          description: 'PCI IDs (OpenVMM HardwareConfigFaultConfig): configuration space and Identify VID/SSVID (default FFFFh each)',
          properties: { vendorId: ref('u16'), deviceId: ref('u16'), subsystemVendorId: ref('u16'), subsystemId: ref('u16') },
          additionalProperties: false,
        },
        singleReplySlot: boolean("profile openvmm-test only: nvme_test's single namespace-change reply slot"),
        removeNamespacePanics: boolean("profile openvmm-test only: nvme_test's panic on namespace removal"),
      },
      additionalProperties: false,
    },
    command: {
      type: 'object',
      description: 'a submission queue entry: the opcode, raw fields, and named fields of its opcode',
      properties: {
        opcode: ref('opcode'),
        nsid: u32('NSID (CDW1); Get Log Page defaults to FFFFFFFFh'),
        ...Object.fromEntries(CDWS.map((c) => [c, u32(`${c.toUpperCase()} as a 32-bit value`)])),
        cns: num(0, 255, 'Identify: CNS (CDW10 bits 7:0)'),
        lid: num(0, 255, 'Get Log Page: log page ID'),
        rae: boolean('Get Log Page: Retain Asynchronous Event (CDW10 bit 15)'),
        numd: num(1, 32768, 'Get Log Page: dwords to read, 1-based (default 1024)'),
        offset: num(0, MAX, 'Get Log Page: byte offset into the log (LPOL/LPOU)'),
        fid: num(0, 255, 'Set/Get Features: feature ID'),
        value: u32('Set Features: CDW11'),
        cid: { description: 'Abort: the CID to abort, or the tag of an earlier submission', anyOf: [num(0, 0xffff), { type: 'string', minLength: 1, not: { pattern: '^0[xX]|[hH]$' } }] },
        sqid: num(0, 0xffff, 'Abort: the submission queue ID (default 0)'),
        sel: { description: 'Namespace Attachment: "attach", "detach" or SEL 0..15', anyOf: [{ enum: ['attach', 'detach'] }, num(0, 15)] },
        controllers: { type: 'array', items: num(0, 0xffff), maxItems: 2047, description: 'Namespace Attachment: controller IDs (default: this controller)' },
      },
      required: ['opcode'],
      additionalProperties: false,
      allOf: Object.entries(NAMED_FIELDS).map(([field, opcodes]) => when({ required: [field] }, { properties: { opcode: opcodes.length === 1 ? opcodeIs(opcodes[0]!) : { anyOf: opcodes.map(opcodeIs) } } })),
    },
    faultMatch: {
      type: 'object',
      description: 'SQE fields compared exactly; {} matches every command',
      properties: Object.fromEntries(MATCH_FIELDS.map((f) => [f, f === 'opcode' ? ref('opcode') : u32()])),
      additionalProperties: false,
    },
    faultStep: {
      type: 'object',
      description: 'fault injection (docs/faults.md): the faultActive switch, and/or a fault named by tag',
      properties: {
        do: { const: 'fault' },
        tag: nonEmpty('names the fault for expectFault (fault tags are their own set, each used once)'),
        active: boolean('the faultActive switch (off at start)'),
        on: { enum: ['submission', 'completion', 'enable'], description: 'where the fault applies' },
        behaviour: { enum: ['update', 'drop', 'delay', 'panic', 'customPayload', 'verify', 'neverReady', 'fatal'], description: 'what it does' },
        match: ref('faultMatch'),
        ms: num(0, 600000, 'delay in milliseconds'),
        blocking: boolean('completion delay: the whole admin queue holds meanwhile (default false: other completions overtake it)'),
        message: nonEmpty('panic: the message it reports'),
        data: { ...ref('hexBytes'), description: 'customPayload: bytes written to the data buffer' },
        command: {
          type: 'object',
          description: 'submission update: SQE fields to rewrite (the opcode is kept)',
          properties: Object.fromEntries(UPDATE_FIELDS.map((f) => [f, u32()])),
          additionalProperties: false,
          minProperties: 1,
        },
        completion: {
          type: 'object',
          description: 'completion update: the completion fields to replace',
          properties: { status: ref('status'), dnr: boolean('with status (default false)'), dw0: u32(), cid: num(0, 0xffff) },
          additionalProperties: false,
          anyOf: [{ required: ['status'] }, { required: ['dw0'] }, { required: ['cid'] }],
          dependentRequired: { dnr: ['status'] },
        },
      },
      required: ['do'],
      additionalProperties: false,
      if: { required: ['on'] },
      then: {
        required: ['tag', 'behaviour'],
        allOf: [
          ...(['submission', 'completion', 'enable'] as const).map((on) =>
            when({ properties: { on: { const: on } } }, { properties: { behaviour: { enum: [...BEHAVIOURS[on]] } }, ...(on === 'enable' ? forbid('match') : { required: ['match'] }) }),
          ),
          { if: { properties: { behaviour: { const: 'delay' } } }, then: { required: ['ms'] }, else: forbid('ms') },
          { if: { properties: { on: { const: 'completion' }, behaviour: { const: 'delay' } } }, then: {}, else: forbid('blocking') },
          { if: { properties: { behaviour: { const: 'panic' } } }, then: {}, else: forbid('message') },
          { if: { properties: { behaviour: { const: 'customPayload' } } }, then: { required: ['data'] }, else: forbid('data') },
          { if: { properties: { on: { const: 'submission' }, behaviour: { const: 'update' } } }, then: { required: ['command'] }, else: forbid('command') },
          { if: { properties: { on: { const: 'completion' }, behaviour: { const: 'update' } } }, then: { required: ['completion'] }, else: forbid('completion') },
        ],
      },
      else: { required: ['active'], ...forbid('tag', 'behaviour', 'match', 'ms', 'blocking', 'message', 'data', 'command', 'completion') },
    },
    step: {
      type: 'object',
      description: 'one step: "do" names it',
      properties: { do: { enum: ['enable', 'disable', 'shutdown', 'submit', 'namespaceChange', 'expect', 'expectPending', 'expectRegister', 'fault', 'expectFault', 'createIoQueues', 'write', 'read', 'flush', 'panic', 'removeNamespace'] } },
      required: ['do'],
      allOf: [
        when(doIs('enable'), ref('enableStep')),
        when(doIs('disable'), ref('disableStep')),
        when(doIs('shutdown'), ref('shutdownStep')),
        when(doIs('submit'), ref('submitStep')),
        when(doIs('namespaceChange'), ref('namespaceChangeStep')),
        when(doIs('expect'), ref('expectStep')),
        when(doIs('expectPending'), ref('expectPendingStep')),
        when(doIs('expectRegister'), ref('expectRegisterStep')),
        when(doIs('fault'), ref('faultStep')),
        when(doIs('expectFault'), ref('expectFaultStep')),
        when(doIs('createIoQueues'), ref('createIoQueuesStep')),
        when(doIs('write'), ref('writeStep')),
        when(doIs('read'), ref('readStep')),
        when(doIs('flush'), ref('flushStep')),
        when(doIs('panic'), ref('panicStep')),
        when(doIs('removeNamespace'), ref('removeNamespaceStep')),
      ],
    },
    createIoQueuesStep: step('createIoQueues', 'Set Features 07h, then create I/O queues (PCIe: Create I/O CQ and SQ; fabrics: Connect per queue)', {
      count: num(1, 16, 'I/O queue pairs (default 1)'),
      queueSize: num(2, 4096, 'entries per queue (default 16)'),
    }),
    writeStep: {
      ...step('write', 'NVM Write on an I/O queue; its completion is recorded under tag', {
        tag: nonEmpty('names this command (each tag once)'),
        nsid: u32('the namespace (0 and FFFFFFFFh allowed: bad-NSID tests)'),
        slba: num(0, MAX, 'the first block (default 0)'),
        data: { ...ref('hexBytes'), description: 'the bytes to write: whole blocks' },
        fill: num(0, 255, 'instead of data: every byte of the blocks'),
        blocks: num(1, 65536, 'with fill: how many blocks (default 1)'),
      }, ['tag', 'nsid']),
      allOf: [when({ required: ['data'] }, forbid('fill', 'blocks')), when({ not: { required: ['data'] } }, { required: ['fill'] })],
    },
    readStep: step('read', 'NVM Read on an I/O queue; its completion and blocks are recorded under tag', {
      tag: nonEmpty('names this command (each tag once)'),
      nsid: u32('the namespace'),
      slba: num(0, MAX, 'the first block (default 0)'),
      blocks: num(1, 65536, 'how many blocks (default 1)'),
    }, ['tag', 'nsid']),
    flushStep: step('flush', 'NVM Flush on an I/O queue', { tag: nonEmpty('names this command (each tag once)'), nsid: u32('the namespace (FFFFFFFFh: all)') }, ['tag', 'nsid']),
    panicStep: step('panic', 'the controller panics now (docs/faults.md): CSTS.CFS, nothing completes until CC.EN 1→0', { message: nonEmpty('the message it reports') }),
    removeNamespaceStep: step('removeNamespace', 'hot-remove an attached namespace: detached, and the change reported (docs/faults.md)', {
      nsid: ref('nsid'),
      outcome: { enum: ['posted', 'coalesced', 'deferred', 'panicked'], description: "an expectation on the receipt's outcome (panicked: the removal panicked the controller)" },
    }, ['nsid']),
    enableStep: step('enable', 'set AQA/ASQ/ACQ and CC.EN=1, wait for CSTS.RDY', { queueSize: num(2, 4096, 'admin queue entries (default 16)') }),
    disableStep: step('disable', 'CC.EN=0 (a controller reset), wait for CSTS.RDY=0', {}),
    shutdownStep: step('shutdown', 'CC.SHN=01b, wait for CSTS.SHST=10b', {}),
    submitStep: step('submit', 'write the SQE and ring the doorbell; its completion is recorded under tag', { tag: nonEmpty('names this submission (each tag once)'), command: ref('command') }, ['tag', 'command']),
    namespaceChangeStep: step('namespaceChange', 'the namespace-change fault (on QEMU: Namespace Attachment)', {
      nsid: ref('nsid'),
      until: { enum: ['processed', 'aen'], description: 'resolve when the change is processed (default) or when an AEN covering it is posted' },
      count: num(1, 100000, 'change nsid, nsid+1, … nsid+count-1 in one request (default 1)'),
      outcome: { enum: ['posted', 'coalesced', 'deferred'], description: "an expectation on the (last) receipt's outcome" },
    }, ['nsid']),
    expectStep: step('expect', "the tag's completion arrives and matches", {
      tag: TAG,
      status: ref('status'),
      dw0: u32('completion DW0'),
      dnr: boolean('the Do Not Retry bit'),
      changedNamespaces: { type: 'array', items: num(1, U32), description: 'the Changed Namespace List read, up to its first zero entry ([4294967295] when overflowed)' },
      data: { ...ref('hexBytes'), description: 'a prefix of the data received' },
      timeoutMs: TIMEOUT,
    }, ['tag']),
    expectPendingStep: step('expectPending', 'no completion for tag has arrived', { tag: TAG }, ['tag']),
    expectRegisterStep: step('expectRegister', 'a register read: (read ^ value) & mask == 0', {
      name: { enum: Object.keys(REGISTER_NAMES), description: 'the register (CAP: its low dword)' },
      value: u32('the expected value'),
      mask: u32('the bits compared (default all ones)'),
    }, ['name', 'value']),
    expectFaultStep: {
      ...step('expectFault', 'a fault of an earlier fault step fired (or did not)', {
        tag: nonEmpty('the tag of an earlier fault step'),
        fired: boolean('whether it fired (with neither fired nor count: fired true)'),
        count: num(0, MAX, 'how many times it fired'),
        timeoutMs: TIMEOUT,
      }, ['tag']),
      allOf: [
        when({ required: ['fired', 'count'], properties: { fired: { const: false } } }, { properties: { count: ref('zero') } }),
        when({ required: ['fired', 'count'], properties: { fired: { const: true } } }, { properties: { count: { not: ref('zero') } } }),
      ],
    },
    scenario: {
      type: 'object',
      description: 'a scenario: a controller and the steps to run against it',
      properties: {
        $schema: nonEmpty('the JSON Schema this file is written against (a path or URL), for editors'),
        name: nonEmpty('shown in the trace (default: the file name)'),
        description: nonEmpty('free text'),
        profile: { enum: [...PROFILE_NAMES], description: 'the policy profile (default spec)' },
        targets: {
          type: 'array',
          items: { enum: [...SCENARIO_TARGETS] },
          minItems: 1,
          uniqueItems: true,
          description: 'the targets the file holds on (tcp: any tcp:// target); on another it is reported as not applicable (default: every target)',
        },
        controller: ref('controller'),
        steps: { type: 'array', items: ref('step'), minItems: 1 },
      },
      required: ['steps'],
      additionalProperties: false,
    },
    pack: {
      type: 'object',
      description: 'a conformance pack, as `nvme-actors paths` writes it',
      properties: {
        $schema: nonEmpty('the JSON Schema this file is written against (a path or URL), for editors'),
        kind: { const: 'nvme-actors.pack' },
        profile: { description: 'the profile the pack was generated for (informational)' },
        generatedFrom: { description: 'the chart the paths come from (informational)' },
        coverage: { description: 'states and transitions the paths cover (informational)' },
        scenarios: { type: 'array', items: ref('scenario'), minItems: 1 },
      },
      required: ['kind', 'scenarios'],
      additionalProperties: false,
    },
  };
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'nvme-actors scenario file or conformance pack',
    description: 'A scenario file (steps run against an NVMe controller) or a conformance pack of them. The contract is docs/scenarios.md; the parser also checks what a schema cannot: a tag names an earlier step, each tag and NSID is declared once, a namespaceChange count keeps NSIDs in range.',
    if: { type: 'object', required: ['kind'], properties: { kind: { const: 'nvme-actors.pack' } } },
    then: ref('pack'),
    else: ref('scenario'),
    $defs,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(SCHEMA_FILE, `${JSON.stringify(buildSchema(), null, 2)}\n`);
  process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
}
