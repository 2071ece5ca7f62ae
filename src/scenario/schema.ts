// Scenario files (docs/scenarios.md, schema/scenario.schema.json): the types and a validator that names the JSON path of the first bad
// field and what was expected there. Numbers may be JSON numbers or hex strings ("0x1f"). Extensions beyond the
// contract (documented in docs/scenarios.md): `namespaceChange.count` and `.outcome`, `expect.timeoutMs`, the
// `fault` and `expectFault` steps, and the I/O steps `createIoQueues`, `write`, `read`, `flush`.
import { AdminOpcode, Status } from '../spec/constants.ts';
import { PROFILE_NAMES, type ProfileName } from '../profiles/profiles.ts';
import { echo } from './escape.ts';

export class ScenarioError extends Error {
  constructor(readonly path: string, readonly expected: string, readonly file?: string) {
    super(`${file ? `${file}: ` : ''}${path}: expected ${expected}`);
    this.name = 'ScenarioError';
  }
}

export interface NamespaceDecl {
  readonly nsid: number;
  readonly blocks: number;
  readonly blockSize: number;
  readonly attached: boolean;
}

export interface CommandDecl {
  readonly opcode: number;
  readonly fields: Readonly<Record<string, number | boolean | string | number[]>>;
}

export type StatusExpectation = { readonly sct: number; readonly sc: number; readonly label: string };

/** SQE fields a fault matches on (each named field compared exactly; `{}` matches every command). */
export type FaultMatchDecl = Readonly<Partial<Record<'opcode' | 'nsid' | 'cdw2' | 'cdw3' | 'cdw10' | 'cdw11' | 'cdw12' | 'cdw13' | 'cdw14' | 'cdw15', number>>>;

export type FaultSpec =
  | {
      readonly on: 'submission';
      readonly match: FaultMatchDecl;
      readonly behaviour:
        | { readonly kind: 'update'; readonly command: Readonly<Record<string, number>> }
        | { readonly kind: 'drop' }
        | { readonly kind: 'delay'; readonly ms: number }
        | { readonly kind: 'panic'; readonly message?: string }
        | { readonly kind: 'verify' };
    }
  | {
      readonly on: 'completion';
      readonly match: FaultMatchDecl;
      readonly behaviour:
        | { readonly kind: 'update'; readonly completion: { readonly status?: { readonly sct: number; readonly sc: number; readonly dnr: boolean }; readonly dw0?: number; readonly cid?: number } }
        | { readonly kind: 'drop' }
        | { readonly kind: 'delay'; readonly ms: number; readonly blocking?: boolean }
        | { readonly kind: 'panic'; readonly message?: string }
        | { readonly kind: 'customPayload'; readonly data: Uint8Array }
        | { readonly kind: 'verify' };
    }
  | { readonly on: 'enable'; readonly behaviour: { readonly kind: 'delay'; readonly ms: number } | { readonly kind: 'neverReady' } | { readonly kind: 'fatal' } };

/** `{do: "fault"}`: set the faultActive switch (`active`), add a fault under `tag` (`fault`), or both. */
export type FaultStep = { readonly do: 'fault'; readonly tag?: string; readonly active?: boolean; readonly fault?: FaultSpec };

export type Step =
  | FaultStep
  /** `{do: "panic"}`: the controller panics now (faults.panic): CSTS.CFS until CC.EN 1→0. */
  | { readonly do: 'panic'; readonly message?: string }
  /** `{do: "removeNamespace"}`: hot-remove an attached namespace (faults.namespace.remove). */
  | { readonly do: 'removeNamespace'; readonly nsid: number; readonly outcome?: 'posted' | 'coalesced' | 'deferred' | 'panicked' }
  | { readonly do: 'expectFault'; readonly tag: string; readonly fired?: boolean; readonly count?: number; readonly timeoutMs?: number }
  | { readonly do: 'enable'; readonly queueSize: number }
  | { readonly do: 'disable' }
  | { readonly do: 'shutdown' }
  | { readonly do: 'submit'; readonly tag: string; readonly command: CommandDecl }
  | { readonly do: 'namespaceChange'; readonly nsid: number; readonly until: 'processed' | 'aen'; readonly count: number; readonly outcome?: 'posted' | 'coalesced' | 'deferred' }
  | {
      readonly do: 'expect';
      readonly tag: string;
      readonly status?: StatusExpectation;
      readonly dw0?: number;
      readonly dnr?: boolean;
      readonly changedNamespaces?: readonly number[];
      readonly data?: Uint8Array;
      readonly timeoutMs?: number;
    }
  | { readonly do: 'expectPending'; readonly tag: string }
  | { readonly do: 'expectRegister'; readonly name: RegisterName; readonly value: number; readonly mask: number }
  | IoStep;

/** The I/O steps: create I/O queues, then Read/Write/Flush on them, each completion recorded under `tag` (an
 * `expect` step checks it: `status`, `dnr`, `data` as a prefix of the blocks read). */
export type IoStep =
  | { readonly do: 'createIoQueues'; readonly count: number; readonly queueSize: number }
  /** `data`: the bytes (whole blocks); or `fill` × `blocks` blocks of one byte value. */
  | { readonly do: 'write'; readonly tag: string; readonly nsid: number; readonly slba: number; readonly data?: Uint8Array; readonly fill?: number; readonly blocks?: number }
  | { readonly do: 'read'; readonly tag: string; readonly nsid: number; readonly slba: number; readonly blocks: number }
  | { readonly do: 'flush'; readonly tag: string; readonly nsid: number };

/** The targets a scenario can name in `"targets"`: the `--target` values (`tcp` for any `tcp://` target). */
export const SCENARIO_TARGETS = ['emulator', 'qemu', 'nvmet', 'tcp'] as const;
export type ScenarioTarget = (typeof SCENARIO_TARGETS)[number];

export interface Scenario {
  readonly name: string;
  readonly profile: ProfileName;
  /** The targets the file holds on (`"targets"`); absent: every target. On another, it is not applicable. */
  readonly targets?: readonly ScenarioTarget[];
  readonly controller: ControllerDecl;
  readonly steps: readonly Step[];
}

/** `controller`: AERL and namespaces, and the hardware options a fault controller overrides (docs/faults.md). */
export interface ControllerDecl {
  readonly aerl: number;
  readonly namespaces: readonly NamespaceDecl[];
  /** CAP.MQES + 1 (ControllerOptions.maxQueueEntries). */
  readonly maxQueueEntries?: number;
  /** PCI IDs (ControllerOptions.pci). */
  readonly pci?: Readonly<Partial<Record<'vendorId' | 'deviceId' | 'subsystemVendorId' | 'subsystemId', number>>>;
  /** `openvmm-test` only: nvme_test's single RPC reply slot, its panic on namespace removal. */
  readonly singleReplySlot?: boolean;
  readonly removeNamespacePanics?: boolean;
}

/** What every target accepts (a file beyond these is refused with exit 2 rather than failing inside a target). */
export const MAX_CONTROLLER_IDS = 2047;
export const MAX_NAMESPACES = 65536;
export const MAX_NAMESPACE_BYTES = 2 ** 43;

export const OPCODE_NAMES: Readonly<Record<string, number>> = {
  identify: AdminOpcode.IDENTIFY,
  getLogPage: AdminOpcode.GET_LOG_PAGE,
  setFeatures: AdminOpcode.SET_FEATURES,
  getFeatures: AdminOpcode.GET_FEATURES,
  asyncEventRequest: AdminOpcode.ASYNC_EVENT_REQUEST,
  abort: AdminOpcode.ABORT,
  namespaceAttachment: AdminOpcode.NAMESPACE_ATTACHMENT,
  keepAlive: AdminOpcode.KEEP_ALIVE,
};

export const STATUS_NAMES: Readonly<Record<string, Status>> = {
  success: Status.SUCCESS,
  invalidOpcode: Status.INVALID_OPCODE,
  invalidField: Status.INVALID_FIELD,
  dataTransferError: Status.DATA_TRANSFER_ERROR,
  internalError: Status.INTERNAL_ERROR,
  commandAbortRequested: Status.COMMAND_ABORT_REQUESTED,
  invalidNamespace: Status.INVALID_NAMESPACE,
  commandSequenceError: Status.COMMAND_SEQUENCE_ERROR,
  prpOffsetInvalid: { sct: 0, sc: 0x13, dnr: false },
  abortLimitExceeded: Status.ABORT_LIMIT_EXCEEDED,
  aerLimitExceeded: Status.AER_LIMIT_EXCEEDED,
  invalidLogPage: Status.INVALID_LOG_PAGE,
  featureNotSaveable: Status.FEATURE_NOT_SAVEABLE,
  namespaceAlreadyAttached: Status.NAMESPACE_ALREADY_ATTACHED,
  namespaceIsPrivate: Status.NAMESPACE_IS_PRIVATE,
  namespaceNotAttached: Status.NAMESPACE_NOT_ATTACHED,
  controllerListInvalid: Status.CONTROLLER_LIST_INVALID,
};

export const REGISTER_NAMES = { CAP: 0x00, VS: 0x08, INTMS: 0x0c, CC: 0x14, CSTS: 0x1c, AQA: 0x24 } as const;
export type RegisterName = keyof typeof REGISTER_NAMES;

/** Named command fields per opcode (all commands also take nsid and cdw10..cdw15). */
const COMMAND_FIELDS: Readonly<Record<number, readonly string[]>> = {
  [AdminOpcode.IDENTIFY]: ['cns'],
  [AdminOpcode.GET_LOG_PAGE]: ['lid', 'rae', 'numd', 'offset'],
  [AdminOpcode.SET_FEATURES]: ['fid', 'value'],
  [AdminOpcode.GET_FEATURES]: ['fid'],
  [AdminOpcode.ABORT]: ['cid', 'sqid'],
  [AdminOpcode.NAMESPACE_ATTACHMENT]: ['sel', 'controllers'],
};
const RAW_FIELDS = ['nsid', 'cdw10', 'cdw11', 'cdw12', 'cdw13', 'cdw14', 'cdw15'];

type Json = unknown;
const isObject = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);
const describe = (v: Json): string => (v === undefined ? 'nothing (the field is missing)' : v === null ? 'null' : Array.isArray(v) ? (v.length === 0 ? 'an empty array' : 'an array') : typeof v === 'string' ? `"${echo(v)}"` : typeof v === 'object' ? 'an object' : String(v));

/** `0..255`, `1..0xFFFFFFFE`: large bounds in hex, as the spec writes them. */
const bound = (n: number): string => (n >= 0x10000000 && n !== Number.MAX_SAFE_INTEGER ? `0x${n.toString(16).toUpperCase()}` : n === Number.MAX_SAFE_INTEGER ? '2^53-1' : String(n));
const range = (min: number, max: number): string => `${bound(min)}..${bound(max)}`;

class Reader {
  constructor(private readonly file?: string) {}

  /** Fail at `path`; with a third argument, say what was there instead (undefined: the field is missing). */
  fail(path: string, expected: string, ...got: [Json?]): never {
    throw new ScenarioError(path, got.length === 0 ? expected : `${expected}, got ${describe(got[0])}`, this.file);
  }

  object(v: Json, path: string, allowed: readonly string[]): Record<string, Json> {
    if (!isObject(v)) this.fail(path, 'an object', v);
    for (const key of Object.keys(v)) if (!allowed.includes(key)) this.fail(`${path}.${echo(key, 40)}`, `no field "${echo(key, 40)}" here (this object takes ${allowed.join(', ')})`);
    return v;
  }

  number(v: Json, path: string, min: number, max: number): number {
    let n: number;
    if (typeof v === 'number') n = v;
    else if (typeof v === 'string' && /^0x[0-9a-f]+$/i.test(v)) n = Number.parseInt(v.slice(2), 16);
    else if (typeof v === 'string' && /^[0-9a-f]+h$/i.test(v)) n = Number.parseInt(v.slice(0, -1), 16);
    else return this.fail(path, `a number ${range(min, max)} (JSON number or hex string such as "0x1f")`, v);
    if (!Number.isInteger(n) || n < min || n > max) this.fail(path, `an integer ${range(min, max)}`, v);
    return n;
  }

  boolean(v: Json, path: string): boolean {
    if (typeof v !== 'boolean') this.fail(path, 'true or false', v);
    return v;
  }

  string(v: Json, path: string, what = 'a non-empty string'): string {
    if (typeof v !== 'string' || v.length === 0) this.fail(path, what, v);
    return v;
  }

  oneOf<T extends string>(v: Json, path: string, options: readonly T[], what = ''): T {
    if (typeof v !== 'string' || !options.includes(v as T)) this.fail(path, `${what ? `${what}, ` : ''}one of ${options.map((o) => `"${o}"`).join(', ')}`, v);
    return v as T;
  }
}

/** JSON.parse's message on one line, with "at position N" as a line and column of the file. */
function jsonErrorText(message: string, text: string): string {
  const oneLine = message.replace(/\s+/g, ' ');
  const m = / at position (\d+)/.exec(oneLine);
  if (!m) return oneLine;
  const before = text.slice(0, Number(m[1]));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return `${oneLine.slice(0, m.index)} at line ${line} column ${column}${oneLine.slice(m.index + m[0].length)}`;
}

export function parseScenarioText(text: string, file?: string): Scenario {
  const all = parseScenarioFile(text, file);
  if (all.length !== 1) throw new ScenarioError('$', 'a single scenario, not a pack', file);
  return all[0]!;
}

/** A scenario file, or a conformance pack (`{"kind": "nvme-actors.pack", "scenarios": [...]}`) written by `nvme-actors paths`. */
export function parseScenarioFile(text: string, file?: string): Scenario[] {
  let json: Json;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, '')); // a byte-order mark (some editors write one) is not an error
  } catch (e) {
    throw new ScenarioError('$', `valid JSON (${jsonErrorText((e as Error).message, text)})`, file);
  }
  if (isObject(json) && json.kind === 'nvme-actors.pack') {
    const r = new Reader(file);
    const pack = r.object(withoutSchemaKey(r, json, '$'), '$', ['kind', 'profile', 'generatedFrom', 'coverage', 'scenarios']);
    if (!Array.isArray(pack.scenarios) || pack.scenarios.length === 0) r.fail('$.scenarios', 'a non-empty array of scenarios', pack.scenarios);
    return (pack.scenarios as Json[]).map((s, i) => parseScenario(s, file, `$.scenarios[${i}]`));
  }
  return [parseScenario(json, file)];
}

/** A top-level `"$schema"` (the JSON Schema an editor checks the file with) is allowed and ignored. */
function withoutSchemaKey(r: Reader, o: Record<string, Json>, at: string): Record<string, Json> {
  if (!Object.hasOwn(o, '$schema')) return o;
  const { $schema, ...rest } = o;
  r.string($schema, `${at}.$schema`, 'the path or URL of the JSON Schema (a non-empty string)');
  return rest;
}

export function parseScenario(json: Json, file?: string, at = '$'): Scenario {
  const r = new Reader(file);
  if (!isObject(json)) r.fail(at, 'a scenario object with "steps" (or a pack with "kind": "nvme-actors.pack")', json);
  const root = r.object(withoutSchemaKey(r, json as Record<string, Json>, at), at, ['name', 'profile', 'targets', 'controller', 'steps', 'description']);
  let targets: ScenarioTarget[] | undefined;
  if (root.targets !== undefined) {
    if (!Array.isArray(root.targets) || root.targets.length === 0) r.fail(`${at}.targets`, `a non-empty array of targets (${SCENARIO_TARGETS.map((t) => `"${t}"`).join(', ')})`, root.targets);
    if ((root.targets as Json[]).length > SCENARIO_TARGETS.length) r.fail(`${at}.targets`, `each target at most once (${SCENARIO_TARGETS.length} at most)`);
    targets = (root.targets as Json[]).map((t, i) => r.oneOf(t, `${at}.targets[${i}]`, SCENARIO_TARGETS));
    if (new Set(targets).size !== targets.length) r.fail(`${at}.targets`, 'each target at most once');
  }
  const name = root.name === undefined ? (file ?? 'scenario') : r.string(root.name, `${at}.name`);
  if (root.description !== undefined) r.string(root.description, `${at}.description`);
  const profile = root.profile === undefined ? 'spec' : r.oneOf(root.profile, `${at}.profile`, PROFILE_NAMES);
  const controller = parseController(r, root.controller, at, profile);
  if (!Array.isArray(root.steps) || root.steps.length === 0) r.fail(`${at}.steps`, 'a non-empty array of steps', root.steps);
  const tags = new Set<string>();
  const faultTags = new Set<string>();
  const steps = (root.steps as Json[]).map((s, i) => parseStep(r, s, `${at}.steps[${i}]`, tags, controller.namespaces, faultTags));
  return { name, profile, ...(targets ? { targets } : {}), controller, steps };
}

function parseController(r: Reader, v: Json, at: string, profile: ProfileName): Scenario['controller'] {
  if (v === undefined) return { aerl: 3, namespaces: [{ nsid: 1, blocks: 2048, blockSize: 512, attached: true }] };
  const c = r.object(v, `${at}.controller`, ['aerl', 'namespaces', 'maxQueueEntries', 'pci', 'singleReplySlot', 'removeNamespacePanics']);
  const hardware = parseHardware(r, c, `${at}.controller`, profile);
  const aerl = c.aerl === undefined ? 3 : r.number(c.aerl, `${at}.controller.aerl`, 0, 255);
  let namespaces: NamespaceDecl[] = [{ nsid: 1, blocks: 2048, blockSize: 512, attached: true }];
  if (c.namespaces !== undefined) {
    if (!Array.isArray(c.namespaces)) r.fail(`${at}.controller.namespaces`, 'an array of namespaces', c.namespaces);
    if (c.namespaces.length > MAX_NAMESPACES) r.fail(`${at}.controller.namespaces`, `at most ${MAX_NAMESPACES} namespaces, got ${c.namespaces.length}`);
    const seen = new Set<number>();
    namespaces = (c.namespaces as Json[]).map((n, i) => {
      const path = `${at}.controller.namespaces[${i}]`;
      const o = r.object(n, path, ['nsid', 'blocks', 'blockSize', 'attached']);
      if (o.nsid === undefined) r.fail(`${path}.nsid`, 'an NSID 1..0xFFFFFFFE', o.nsid);
      const nsid = r.number(o.nsid, `${path}.nsid`, 1, 0xfffffffe);
      if (seen.has(nsid)) r.fail(`${path}.nsid`, `an NSID not already declared (${nsid} is)`);
      seen.add(nsid);
      const blockSize = o.blockSize === undefined ? 512 : r.number(o.blockSize, `${path}.blockSize`, 512, 65536);
      if ((blockSize & (blockSize - 1)) !== 0) r.fail(`${path}.blockSize`, 'a power of two', o.blockSize);
      const blocks = o.blocks === undefined ? 2048 : r.number(o.blocks, `${path}.blocks`, 1, Number.MAX_SAFE_INTEGER);
      if (blocks * blockSize > MAX_NAMESPACE_BYTES) r.fail(`${path}.blocks`, `at most ${MAX_NAMESPACE_BYTES / blockSize} blocks of ${blockSize} bytes (a namespace holds at most 8 TiB, 2^43 bytes: the QEMU target backs it with a sparse file of that size)`, o.blocks);
      return { nsid, blocks, blockSize, attached: o.attached === undefined ? true : r.boolean(o.attached, `${path}.attached`) };
    });
  }
  return { aerl, namespaces, ...hardware };
}

const PCI_IDS = ['vendorId', 'deviceId', 'subsystemVendorId', 'subsystemId'] as const;
/** The controller's hardware options (docs/faults.md): CAP.MQES, PCI IDs, nvme_test's opt-in emulations. */
function parseHardware(r: Reader, c: Record<string, Json>, path: string, profile: ProfileName): Omit<ControllerDecl, 'aerl' | 'namespaces'> {
  const out: { -readonly [K in keyof Omit<ControllerDecl, 'aerl' | 'namespaces'>]: ControllerDecl[K] } = {};
  if (c.maxQueueEntries !== undefined) out.maxQueueEntries = r.number(c.maxQueueEntries, `${path}.maxQueueEntries`, 2, 65536);
  if (c.pci !== undefined) {
    const o = r.object(c.pci, `${path}.pci`, PCI_IDS);
    const pci: Partial<Record<(typeof PCI_IDS)[number], number>> = {};
    for (const key of PCI_IDS) if (o[key] !== undefined) pci[key] = r.number(o[key], `${path}.pci.${key}`, 0, 0xffff);
    out.pci = pci;
  }
  for (const key of ['singleReplySlot', 'removeNamespacePanics'] as const) {
    if (c[key] === undefined) continue;
    const on = r.boolean(c[key], `${path}.${key}`);
    if (on && profile !== 'openvmm-test') r.fail(`${path}.${key}`, `false or no ${key} under profile "${profile}" (it emulates OpenVMM's nvme_test: "profile": "openvmm-test")`, c[key]);
    out[key] = on;
  }
  return out;
}

function parseStatus(r: Reader, v: Json, path: string): StatusExpectation {
  if (typeof v === 'string') {
    const named = Object.hasOwn(STATUS_NAMES, v) ? STATUS_NAMES[v] : undefined;
    if (named) return { sct: named.sct, sc: named.sc, label: v };
    const m = /^([0-7])\/([0-9a-f]{1,2})h$/i.exec(v);
    if (m) return { sct: Number.parseInt(m[1]!, 16), sc: Number.parseInt(m[2]!, 16), label: v };
  }
  return r.fail(path, `a status name (${Object.keys(STATUS_NAMES).join(', ')}) or "SCT/SCh" such as "1/05h"`, v);
}

function parseCommand(r: Reader, v: Json, path: string, tags: Set<string>): CommandDecl {
  if (!isObject(v)) r.fail(path, 'a command object with an opcode', v);
  const o = v as Record<string, Json>;
  const opcode = parseOpcode(r, o.opcode, `${path}.opcode`);
  const named = COMMAND_FIELDS[opcode] ?? [];
  r.object(o, path, ['opcode', ...RAW_FIELDS, ...named]);
  const fields: Record<string, number | boolean | string | number[]> = {};
  for (const key of RAW_FIELDS) if (o[key] !== undefined) fields[key] = r.number(o[key], `${path}.${key}`, 0, 0xffffffff);
  for (const key of named) {
    const value = o[key];
    const p = `${path}.${key}`;
    if (value === undefined) continue;
    switch (key) {
      case 'rae': fields.rae = r.boolean(value, p); break;
      case 'numd': fields.numd = r.number(value, p, 1, 32768); break;
      case 'offset': fields.offset = r.number(value, p, 0, Number.MAX_SAFE_INTEGER); break;
      case 'sel': fields.sel = typeof value === 'string' ? r.oneOf(value, p, ['attach', 'detach']) : r.number(value, p, 0, 15); break;
      case 'controllers':
        if (!Array.isArray(value)) r.fail(p, 'an array of controller ids', value);
        if (value.length > MAX_CONTROLLER_IDS) r.fail(p, `at most ${MAX_CONTROLLER_IDS} controller ids (a Controller List holds 2047, NVMe Base 2.0 §4.6.2), got ${value.length}`);
        fields.controllers = (value as Json[]).map((id, i) => r.number(id, `${p}[${i}]`, 0, 0xffff));
        break;
      case 'cid':
        if (typeof value === 'string' && !/^0x|h$/i.test(value)) {
          if (!tags.has(value)) r.fail(p, `a CID number or the tag of an earlier submission`, value);
          fields.cid = value;
        } else fields.cid = r.number(value, p, 0, 0xffff);
        break;
      case 'value': fields.value = r.number(value, p, 0, 0xffffffff); break;
      default: fields[key] = r.number(value, p, 0, key === 'sqid' ? 0xffff : 0xff);
    }
  }
  return { opcode, fields };
}

const OPCODE_EXPECTED = `an opcode name (${Object.keys(OPCODE_NAMES).join(', ')}) or a number 0..255`;

function parseOpcode(r: Reader, v: Json, path: string): number {
  if (v === undefined) r.fail(path, OPCODE_EXPECTED, v);
  if (typeof v === 'string' && Object.hasOwn(OPCODE_NAMES, v)) return OPCODE_NAMES[v]!;
  if (typeof v === 'string' && !/^0x|h$/i.test(v)) r.fail(path, OPCODE_EXPECTED, v);
  if (typeof v !== 'number' && typeof v !== 'string') r.fail(path, OPCODE_EXPECTED, v);
  return r.number(v, path, 0, 255);
}

function parseHexBytes(r: Reader, d: Json, path: string): Uint8Array {
  if (typeof d !== 'string' || !/^(0x)?([0-9a-f]{2})*$/i.test(d)) r.fail(path, 'a hex string of whole bytes such as "0x0100"', d);
  const hex = (d as string).replace(/^0x/i, '');
  return Uint8Array.from(hex.match(/../g) ?? [], (b) => Number.parseInt(b, 16));
}

const MATCH_FIELDS = ['opcode', 'nsid', 'cdw2', 'cdw3', 'cdw10', 'cdw11', 'cdw12', 'cdw13', 'cdw14', 'cdw15'] as const;
const UPDATE_FIELDS = ['nsid', 'cdw2', 'cdw3', 'cdw10', 'cdw11', 'cdw12', 'cdw13', 'cdw14', 'cdw15'] as const;
const FAULT_BEHAVIOURS = {
  submission: ['update', 'drop', 'delay', 'panic', 'verify'],
  completion: ['update', 'drop', 'delay', 'panic', 'customPayload', 'verify'],
  enable: ['delay', 'neverReady', 'fatal'],
} as const;

function parseFaultStep(r: Reader, v: Record<string, Json>, path: string, faultTags: Set<string>): FaultStep {
  if (v.on === undefined) {
    r.object(v, path, ['do', 'active', 'on']);
    if (v.active === undefined) r.fail(`${path}.active`, 'true or false (the faultActive switch), or a fault with "on": "submission", "completion" or "enable"');
    return { do: 'fault', active: r.boolean(v.active, `${path}.active`) };
  }
  const on = r.oneOf(v.on, `${path}.on`, ['submission', 'completion', 'enable'] as const);
  const behaviours: readonly string[] = FAULT_BEHAVIOURS[on];
  const kind = v.behaviour === undefined
    ? r.fail(`${path}.behaviour`, `a ${on} fault behaviour: one of ${behaviours.map((b) => `"${b}"`).join(', ')}`)
    : r.oneOf(v.behaviour, `${path}.behaviour`, behaviours);
  const extra = kind === 'delay' ? (on === 'completion' ? ['ms', 'blocking'] : ['ms']) : kind === 'panic' ? ['message'] : kind === 'customPayload' ? ['data'] : kind === 'update' ? [on === 'submission' ? 'command' : 'completion'] : [];
  const o = r.object(v, path, ['do', 'tag', 'active', 'on', 'behaviour', ...(on === 'enable' ? [] : ['match']), ...extra]);
  const tag = r.string(o.tag, `${path}.tag`, 'a tag (a non-empty string) naming this fault, for expectFault');
  if (faultTags.has(tag)) r.fail(`${path}.tag`, `a fault tag not used before ("${echo(tag)}" already is)`);
  const active = o.active === undefined ? {} : { active: r.boolean(o.active, `${path}.active`) };
  const ms = (): number => {
    if (o.ms === undefined) r.fail(`${path}.ms`, 'a delay in milliseconds 0..600000', o.ms);
    return r.number(o.ms, `${path}.ms`, 0, 600000);
  };
  let fault: FaultSpec;
  if (on === 'enable') {
    fault = { on, behaviour: kind === 'delay' ? { kind, ms: ms() } : { kind: kind as 'neverReady' | 'fatal' } };
  } else {
    if (o.match === undefined) r.fail(`${path}.match`, `an object of SQE fields to match (${MATCH_FIELDS.join(', ')}); {} matches every command`);
    const m = r.object(o.match, `${path}.match`, MATCH_FIELDS);
    const match: Record<string, number> = {};
    for (const key of MATCH_FIELDS) {
      if (m[key] === undefined) continue;
      match[key] = key === 'opcode' ? parseOpcode(r, m[key], `${path}.match.opcode`) : r.number(m[key], `${path}.match.${key}`, 0, 0xffffffff);
    }
    if (kind === 'drop' || kind === 'verify') fault = { on, match, behaviour: { kind } } as FaultSpec;
    else if (kind === 'delay') fault = { on, match, behaviour: { kind, ms: ms(), ...(o.blocking === undefined ? {} : { blocking: r.boolean(o.blocking, `${path}.blocking`) }) } } as FaultSpec;
    else if (kind === 'panic') fault = { on, match, behaviour: { kind, ...(o.message === undefined ? {} : { message: r.string(o.message, `${path}.message`, 'a panic message (a non-empty string)') }) } } as FaultSpec;
    else if (kind === 'customPayload') {
      if (o.data === undefined) r.fail(`${path}.data`, 'a hex string of whole bytes such as "0x0100" (written to the command\'s data buffer)');
      fault = { on: 'completion', match, behaviour: { kind, data: parseHexBytes(r, o.data, `${path}.data`) } };
    } else if (on === 'submission') {
      if (o.command === undefined) r.fail(`${path}.command`, `an object of SQE fields to rewrite (${UPDATE_FIELDS.join(', ')})`);
      const c = r.object(o.command, `${path}.command`, UPDATE_FIELDS);
      const command: Record<string, number> = {};
      for (const key of UPDATE_FIELDS) if (c[key] !== undefined) command[key] = r.number(c[key], `${path}.command.${key}`, 0, 0xffffffff);
      if (Object.keys(command).length === 0) r.fail(`${path}.command`, `at least one SQE field to rewrite (${UPDATE_FIELDS.join(', ')})`);
      fault = { on, match, behaviour: { kind: 'update', command } };
    } else {
      if (o.completion === undefined) r.fail(`${path}.completion`, 'an object with any of status, dnr, dw0, cid (the completion fields to replace)');
      const c = r.object(o.completion, `${path}.completion`, ['status', 'dnr', 'dw0', 'cid']);
      if (c.status === undefined && c.dw0 === undefined && c.cid === undefined) r.fail(`${path}.completion`, 'at least one of status, dw0, cid to replace');
      if (c.dnr !== undefined && c.status === undefined) r.fail(`${path}.completion.dnr`, 'dnr only together with status');
      const completion: { status?: { sct: number; sc: number; dnr: boolean }; dw0?: number; cid?: number } = {};
      if (c.status !== undefined) {
        const s = parseStatus(r, c.status, `${path}.completion.status`);
        completion.status = { sct: s.sct, sc: s.sc, dnr: c.dnr === undefined ? false : r.boolean(c.dnr, `${path}.completion.dnr`) };
      }
      if (c.dw0 !== undefined) completion.dw0 = r.number(c.dw0, `${path}.completion.dw0`, 0, 0xffffffff);
      if (c.cid !== undefined) completion.cid = r.number(c.cid, `${path}.completion.cid`, 0, 0xffff);
      fault = { on, match, behaviour: { kind: 'update', completion } };
    }
  }
  faultTags.add(tag);
  return { do: 'fault', tag, ...active, fault };
}

function parseStep(r: Reader, v: Json, path: string, tags: Set<string>, namespaces: readonly NamespaceDecl[], faultTags: Set<string> = new Set()): Step {
  if (!isObject(v)) r.fail(path, 'a step object with "do"', v);
  const kinds = ['enable', 'disable', 'shutdown', 'submit', 'namespaceChange', 'expect', 'expectPending', 'expectRegister', 'fault', 'expectFault', 'createIoQueues', 'write', 'read', 'flush', 'panic', 'removeNamespace'] as const;
  const kind = r.oneOf((v as Record<string, Json>).do, `${path}.do`, kinds, 'a step kind');
  const tagOf = (o: Record<string, Json>, known: boolean): string => {
    const tag = r.string(o.tag, `${path}.tag`, known ? 'the tag of an earlier submit step' : 'a tag (a non-empty string) naming this submission');
    if (known && !tags.has(tag)) r.fail(`${path}.tag`, `the tag of an earlier submit step`, tag);
    return tag;
  };
  switch (kind) {
    case 'fault':
      return parseFaultStep(r, v as Record<string, Json>, path, faultTags);
    case 'panic': {
      const o = r.object(v, path, ['do', 'message']);
      return { do: 'panic', ...(o.message === undefined ? {} : { message: r.string(o.message, `${path}.message`, 'a panic message (a non-empty string)') }) };
    }
    case 'removeNamespace': {
      const o = r.object(v, path, ['do', 'nsid', 'outcome']);
      if (o.nsid === undefined) r.fail(`${path}.nsid`, 'an NSID 1..0xFFFFFFFE', o.nsid);
      const nsid = r.number(o.nsid, `${path}.nsid`, 1, 0xfffffffe);
      return { do: 'removeNamespace', nsid, ...(o.outcome === undefined ? {} : { outcome: r.oneOf(o.outcome, `${path}.outcome`, ['posted', 'coalesced', 'deferred', 'panicked'] as const) }) };
    }
    case 'expectFault': {
      const o = r.object(v, path, ['do', 'tag', 'fired', 'count', 'timeoutMs']);
      const tag = r.string(o.tag, `${path}.tag`, 'the tag of an earlier fault step');
      if (!faultTags.has(tag)) r.fail(`${path}.tag`, 'the tag of an earlier fault step', tag);
      const fired = o.fired === undefined ? undefined : r.boolean(o.fired, `${path}.fired`);
      const count = o.count === undefined ? undefined : r.number(o.count, `${path}.count`, 0, Number.MAX_SAFE_INTEGER);
      if (fired !== undefined && count !== undefined && fired !== count > 0) r.fail(`${path}.count`, `a count that agrees with "fired": ${fired} (fired means count > 0)`, o.count);
      return {
        do: 'expectFault', tag,
        ...(fired === undefined && count === undefined ? { fired: true } : {}),
        ...(fired === undefined ? {} : { fired }),
        ...(count === undefined ? {} : { count }),
        ...(o.timeoutMs === undefined ? {} : { timeoutMs: r.number(o.timeoutMs, `${path}.timeoutMs`, 1, 600000) }),
      };
    }
    case 'enable': {
      const o = r.object(v, path, ['do', 'queueSize']);
      return { do: 'enable', queueSize: o.queueSize === undefined ? 16 : r.number(o.queueSize, `${path}.queueSize`, 2, 4096) };
    }
    case 'disable':
    case 'shutdown':
      r.object(v, path, ['do']);
      return { do: kind };
    case 'submit': {
      const o = r.object(v, path, ['do', 'tag', 'command']);
      const tag = tagOf(o, false);
      if (tags.has(tag)) r.fail(`${path}.tag`, `a tag not used before ("${echo(tag)}" already is)`);
      const command = parseCommand(r, o.command, `${path}.command`, tags);
      tags.add(tag);
      return { do: 'submit', tag, command };
    }
    case 'namespaceChange': {
      const o = r.object(v, path, ['do', 'nsid', 'until', 'count', 'outcome']);
      if (o.nsid === undefined) r.fail(`${path}.nsid`, 'an NSID 1..0xFFFFFFFE', o.nsid);
      const nsid = r.number(o.nsid, `${path}.nsid`, 1, 0xfffffffe);
      const count = o.count === undefined ? 1 : r.number(o.count, `${path}.count`, 1, 100000);
      if (nsid + count - 1 > 0xfffffffe) r.fail(`${path}.count`, `a count that keeps NSIDs ≤ 0xFFFFFFFE (the last would be 0x${(nsid + count - 1).toString(16).toUpperCase()})`, o.count);
      void namespaces;
      return {
        do: 'namespaceChange', nsid, count,
        until: o.until === undefined ? 'processed' : r.oneOf(o.until, `${path}.until`, ['processed', 'aen']),
        ...(o.outcome === undefined ? {} : { outcome: r.oneOf(o.outcome, `${path}.outcome`, ['posted', 'coalesced', 'deferred'] as const) }),
      };
    }
    case 'expect': {
      const o = r.object(v, path, ['do', 'tag', 'status', 'dw0', 'dnr', 'changedNamespaces', 'data', 'timeoutMs']);
      const tag = tagOf(o, true);
      const step: { -readonly [K in keyof Extract<Step, { do: 'expect' }>]: Extract<Step, { do: 'expect' }>[K] } = { do: 'expect', tag };
      if (o.status !== undefined) step.status = parseStatus(r, o.status, `${path}.status`);
      if (o.dw0 !== undefined) step.dw0 = r.number(o.dw0, `${path}.dw0`, 0, 0xffffffff);
      if (o.dnr !== undefined) step.dnr = r.boolean(o.dnr, `${path}.dnr`);
      if (o.timeoutMs !== undefined) step.timeoutMs = r.number(o.timeoutMs, `${path}.timeoutMs`, 1, 600000);
      if (o.changedNamespaces !== undefined) {
        if (!Array.isArray(o.changedNamespaces)) r.fail(`${path}.changedNamespaces`, 'an array of NSIDs', o.changedNamespaces);
        step.changedNamespaces = (o.changedNamespaces as Json[]).map((n, i) => r.number(n, `${path}.changedNamespaces[${i}]`, 1, 0xffffffff));
      }
      if (o.data !== undefined) {
        step.data = parseHexBytes(r, o.data, `${path}.data`);
      }
      return step;
    }
    case 'expectPending': {
      const o = r.object(v, path, ['do', 'tag']);
      return { do: 'expectPending', tag: tagOf(o, true) };
    }
    case 'createIoQueues': {
      const o = r.object(v, path, ['do', 'count', 'queueSize']);
      return {
        do: 'createIoQueues',
        count: o.count === undefined ? 1 : r.number(o.count, `${path}.count`, 1, 16),
        queueSize: o.queueSize === undefined ? 16 : r.number(o.queueSize, `${path}.queueSize`, 2, 4096),
      };
    }
    case 'write':
    case 'read':
    case 'flush': {
      const fields = kind === 'write' ? ['data', 'fill', 'blocks'] : kind === 'read' ? ['blocks'] : [];
      const o = r.object(v, path, ['do', 'tag', 'nsid', ...(kind === 'flush' ? [] : ['slba']), ...fields]);
      const tag = tagOf(o, false);
      if (tags.has(tag)) r.fail(`${path}.tag`, `a tag not used before ("${echo(tag)}" already is)`);
      if (o.nsid === undefined) r.fail(`${path}.nsid`, 'an NSID 0..0xFFFFFFFF', o.nsid);
      const nsid = r.number(o.nsid, `${path}.nsid`, 0, 0xffffffff);
      tags.add(tag);
      if (kind === 'flush') return { do: 'flush', tag, nsid };
      const slba = o.slba === undefined ? 0 : r.number(o.slba, `${path}.slba`, 0, Number.MAX_SAFE_INTEGER);
      if (kind === 'read') return { do: 'read', tag, nsid, slba, blocks: o.blocks === undefined ? 1 : r.number(o.blocks, `${path}.blocks`, 1, 65536) };
      if (o.data !== undefined) {
        if (o.fill !== undefined || o.blocks !== undefined) r.fail(`${path}.${o.fill !== undefined ? 'fill' : 'blocks'}`, 'no "fill" or "blocks" beside "data" (the data says how many blocks)');
        const data = parseHexBytes(r, o.data, `${path}.data`);
        if (data.length === 0) r.fail(`${path}.data`, 'at least one block of bytes', o.data);
        return { do: 'write', tag, nsid, slba, data };
      }
      if (o.fill === undefined) r.fail(`${path}.data`, 'the bytes to write ("data"), or "fill" and "blocks"', o.data);
      return { do: 'write', tag, nsid, slba, fill: r.number(o.fill, `${path}.fill`, 0, 255), blocks: o.blocks === undefined ? 1 : r.number(o.blocks, `${path}.blocks`, 1, 65536) };
    }
    case 'expectRegister': {
      const o = r.object(v, path, ['do', 'name', 'value', 'mask']);
      const name = r.oneOf(o.name, `${path}.name`, Object.keys(REGISTER_NAMES) as RegisterName[]);
      if (o.value === undefined) r.fail(`${path}.value`, 'a register value 0..0xFFFFFFFF (JSON number or hex string)', o.value);
      return { do: 'expectRegister', name, value: r.number(o.value, `${path}.value`, 0, 0xffffffff), mask: o.mask === undefined ? 0xffffffff : r.number(o.mask, `${path}.mask`, 0, 0xffffffff) };
    }
  }
}
