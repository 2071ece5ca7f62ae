// Scenario files (../shared/SCENARIOS.md): the types and a validator that names the JSON path of the first bad
// field and what was expected there. Numbers may be JSON numbers or hex strings ("0x1f"). Extensions beyond the
// contract (documented in docs/scenarios.md): `namespaceChange.count` and `.outcome`, `expect.timeoutMs`.
import { AdminOpcode, Status } from '../spec/constants.ts';
import { PROFILE_NAMES, type ProfileName } from '../profiles/profiles.ts';

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

export type Step =
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
  | { readonly do: 'expectRegister'; readonly name: RegisterName; readonly value: number; readonly mask: number };

export interface Scenario {
  readonly name: string;
  readonly profile: ProfileName;
  readonly controller: { readonly aerl: number; readonly namespaces: readonly NamespaceDecl[] };
  readonly steps: readonly Step[];
}

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
const describe = (v: Json): string => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'string' ? `"${v}"` : typeof v === 'object' ? 'an object' : String(v));

class Reader {
  constructor(private readonly file?: string) {}

  fail(path: string, expected: string, got?: Json): never {
    throw new ScenarioError(path, got === undefined ? expected : `${expected}, got ${describe(got)}`, this.file);
  }

  object(v: Json, path: string, allowed: readonly string[]): Record<string, Json> {
    if (!isObject(v)) this.fail(path, 'an object', v);
    for (const key of Object.keys(v)) if (!allowed.includes(key)) this.fail(`${path}.${key}`, `no such field (allowed: ${allowed.join(', ')})`);
    return v;
  }

  number(v: Json, path: string, min: number, max: number): number {
    let n: number;
    if (typeof v === 'number') n = v;
    else if (typeof v === 'string' && /^0x[0-9a-f]+$/i.test(v)) n = Number.parseInt(v.slice(2), 16);
    else if (typeof v === 'string' && /^[0-9a-f]+h$/i.test(v)) n = Number.parseInt(v.slice(0, -1), 16);
    else return this.fail(path, `a number ${min}..${max} (JSON number or hex string such as "0x1f")`, v);
    if (!Number.isInteger(n) || n < min || n > max) this.fail(path, `an integer ${min}..${max}`, v);
    return n;
  }

  boolean(v: Json, path: string): boolean {
    if (typeof v !== 'boolean') this.fail(path, 'true or false', v);
    return v;
  }

  string(v: Json, path: string): string {
    if (typeof v !== 'string' || v.length === 0) this.fail(path, 'a non-empty string', v);
    return v;
  }

  oneOf<T extends string>(v: Json, path: string, options: readonly T[]): T {
    if (typeof v !== 'string' || !options.includes(v as T)) this.fail(path, `one of ${options.map((o) => `"${o}"`).join(', ')}`, v);
    return v as T;
  }
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
    json = JSON.parse(text);
  } catch (e) {
    throw new ScenarioError('$', `valid JSON (${(e as Error).message})`, file);
  }
  if (isObject(json) && json.kind === 'nvme-actors.pack') {
    const r = new Reader(file);
    const pack = r.object(json, '$', ['kind', 'profile', 'generatedFrom', 'coverage', 'scenarios']);
    if (!Array.isArray(pack.scenarios) || pack.scenarios.length === 0) r.fail('$.scenarios', 'a non-empty array of scenarios', pack.scenarios);
    return (pack.scenarios as Json[]).map((s, i) => parseScenario(s, file, `$.scenarios[${i}]`));
  }
  return [parseScenario(json, file)];
}

export function parseScenario(json: Json, file?: string, at = '$'): Scenario {
  const r = new Reader(file);
  const root = r.object(json, at, ['name', 'profile', 'controller', 'steps', 'description']);
  const name = root.name === undefined ? (file ?? 'scenario') : r.string(root.name, `${at}.name`);
  if (root.description !== undefined) r.string(root.description, `${at}.description`);
  const profile = root.profile === undefined ? 'spec' : r.oneOf(root.profile, `${at}.profile`, PROFILE_NAMES);
  const controller = parseController(r, root.controller, at);
  if (!Array.isArray(root.steps) || root.steps.length === 0) r.fail(`${at}.steps`, 'a non-empty array of steps', root.steps);
  const tags = new Set<string>();
  const steps = (root.steps as Json[]).map((s, i) => parseStep(r, s, `${at}.steps[${i}]`, tags, controller.namespaces));
  return { name, profile, controller, steps };
}

function parseController(r: Reader, v: Json, at: string): Scenario['controller'] {
  if (v === undefined) return { aerl: 3, namespaces: [{ nsid: 1, blocks: 2048, blockSize: 512, attached: true }] };
  const c = r.object(v, `${at}.controller`, ['aerl', 'namespaces']);
  const aerl = c.aerl === undefined ? 3 : r.number(c.aerl, `${at}.controller.aerl`, 0, 255);
  let namespaces: NamespaceDecl[] = [{ nsid: 1, blocks: 2048, blockSize: 512, attached: true }];
  if (c.namespaces !== undefined) {
    if (!Array.isArray(c.namespaces)) r.fail(`${at}.controller.namespaces`, 'an array of namespaces', c.namespaces);
    const seen = new Set<number>();
    namespaces = (c.namespaces as Json[]).map((n, i) => {
      const path = `${at}.controller.namespaces[${i}]`;
      const o = r.object(n, path, ['nsid', 'blocks', 'blockSize', 'attached']);
      if (o.nsid === undefined) r.fail(`${path}.nsid`, 'an NSID 1..0xFFFFFFFE');
      const nsid = r.number(o.nsid, `${path}.nsid`, 1, 0xfffffffe);
      if (seen.has(nsid)) r.fail(`${path}.nsid`, `an NSID not already declared (${nsid} is)`);
      seen.add(nsid);
      const blockSize = o.blockSize === undefined ? 512 : r.number(o.blockSize, `${path}.blockSize`, 512, 65536);
      if ((blockSize & (blockSize - 1)) !== 0) r.fail(`${path}.blockSize`, 'a power of two', o.blockSize);
      return {
        nsid,
        blocks: o.blocks === undefined ? 2048 : r.number(o.blocks, `${path}.blocks`, 1, Number.MAX_SAFE_INTEGER),
        blockSize,
        attached: o.attached === undefined ? true : r.boolean(o.attached, `${path}.attached`),
      };
    });
  }
  return { aerl, namespaces };
}

function parseStatus(r: Reader, v: Json, path: string): StatusExpectation {
  if (typeof v === 'string') {
    const named = STATUS_NAMES[v];
    if (named) return { sct: named.sct, sc: named.sc, label: v };
    const m = /^([0-7])\/([0-9a-f]{1,2})h$/i.exec(v);
    if (m) return { sct: Number.parseInt(m[1]!, 16), sc: Number.parseInt(m[2]!, 16), label: v };
  }
  return r.fail(path, `a status name (${Object.keys(STATUS_NAMES).join(', ')}) or "SCT/SCh" such as "1/05h"`, v);
}

function parseCommand(r: Reader, v: Json, path: string, tags: Set<string>): CommandDecl {
  if (!isObject(v)) r.fail(path, 'a command object with an opcode', v);
  const o = v as Record<string, Json>;
  if (o.opcode === undefined) r.fail(`${path}.opcode`, `an opcode name (${Object.keys(OPCODE_NAMES).join(', ')}) or a number 0..255`);
  const opcode = typeof o.opcode === 'string' && !/^0x|h$/i.test(o.opcode) && !(o.opcode in OPCODE_NAMES)
    ? r.fail(`${path}.opcode`, `an opcode name (${Object.keys(OPCODE_NAMES).join(', ')}) or a number 0..255`, o.opcode)
    : typeof o.opcode === 'string' && o.opcode in OPCODE_NAMES ? OPCODE_NAMES[o.opcode]! : r.number(o.opcode, `${path}.opcode`, 0, 255);
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

function parseStep(r: Reader, v: Json, path: string, tags: Set<string>, namespaces: readonly NamespaceDecl[]): Step {
  if (!isObject(v)) r.fail(path, 'a step object with "do"', v);
  const kinds = ['enable', 'disable', 'shutdown', 'submit', 'namespaceChange', 'expect', 'expectPending', 'expectRegister'] as const;
  const kind = r.oneOf((v as Record<string, Json>).do, `${path}.do`, kinds);
  const tagOf = (o: Record<string, Json>, known: boolean): string => {
    const tag = r.string(o.tag, `${path}.tag`);
    if (known && !tags.has(tag)) r.fail(`${path}.tag`, `the tag of an earlier submit step`, tag);
    return tag;
  };
  switch (kind) {
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
      if (tags.has(tag)) r.fail(`${path}.tag`, `a tag not used before ("${tag}" already is)`);
      const command = parseCommand(r, o.command, `${path}.command`, tags);
      tags.add(tag);
      return { do: 'submit', tag, command };
    }
    case 'namespaceChange': {
      const o = r.object(v, path, ['do', 'nsid', 'until', 'count', 'outcome']);
      if (o.nsid === undefined) r.fail(`${path}.nsid`, 'an NSID 1..0xFFFFFFFE');
      const nsid = r.number(o.nsid, `${path}.nsid`, 1, 0xfffffffe);
      const count = o.count === undefined ? 1 : r.number(o.count, `${path}.count`, 1, 100000);
      if (nsid + count - 1 > 0xfffffffe) r.fail(`${path}.count`, `a count that keeps NSIDs ≤ 0xFFFFFFFE`);
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
        const d = o.data;
        if (typeof d !== 'string' || !/^(0x)?([0-9a-f]{2})*$/i.test(d)) r.fail(`${path}.data`, 'a hex string of whole bytes such as "0x0100"', d);
        const hex = (d as string).replace(/^0x/i, '');
        step.data = Uint8Array.from(hex.match(/../g) ?? [], (b) => Number.parseInt(b, 16));
      }
      return step;
    }
    case 'expectPending': {
      const o = r.object(v, path, ['do', 'tag']);
      return { do: 'expectPending', tag: tagOf(o, true) };
    }
    case 'expectRegister': {
      const o = r.object(v, path, ['do', 'name', 'value', 'mask']);
      const name = r.oneOf(o.name, `${path}.name`, Object.keys(REGISTER_NAMES) as RegisterName[]);
      if (o.value === undefined) r.fail(`${path}.value`, 'a register value');
      return { do: 'expectRegister', name, value: r.number(o.value, `${path}.value`, 0, 0xffffffff), mask: o.mask === undefined ? 0xffffffff : r.number(o.mask, `${path}.mask`, 0, 0xffffffff) };
    }
  }
}
