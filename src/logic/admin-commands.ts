// Admin command decisions as pure functions (NVMe Base 2.0 §5): which actor answers a command, how many bytes
// its data pointer covers, and the answer of every command that needs no AEN state (Identify, Get Log Page for
// pages other than 01h and 04h, Set/Get Features other than 0Bh, Keep Alive, Abort where the profile cannot abort an AER,
// unknown opcodes). Commands that touch AEN state go to the aenLatch; Namespace Attachment goes to the facade.
import { AdminOpcode, CHANGED_NS_LIST_SIZE, Cns, FeatureId, IDENTIFY_SIZE, LogPage, NSID_BROADCAST, PAGE_SIZE, Status } from '../spec/constants.ts';
import { decodeFeatures, decodeGetLogPage, decodeIdentify, encodeNumberOfQueues } from '../spec/admin-fields.codec.ts';
import { encodeIdentifyController, encodeIdentifyNamespace, encodeNamespaceIdDescriptors, Nidt, type IdentifyController, OACS_NAMESPACE_MANAGEMENT, OAES_FIRMWARE_ACTIVATION_NOTICES, OAES_NAMESPACE_ATTRIBUTE_NOTICES } from '../spec/identify.codec.ts';
import { decodeThreshold, DEFAULT_OVER_THRESHOLD, isThresholdValid, MTFA } from './health.ts';
import { ERROR_LOG_ENTRY_SIZE } from '../spec/health-log.codec.ts';
import { TemperatureThreshold } from '../spec/constants.ts';
import { encodeNsidListFrom } from '../spec/namespace-list.codec.ts';
import type { Sqe } from '../spec/sqe.codec.ts';
import type { Profile } from '../profiles/profiles.ts';

/** MDTS = 5: at most 2^5 pages (128 KiB) per command (Identify Controller byte 77). */
export const MDTS = 5;
export const MAX_TRANSFER = PAGE_SIZE << MDTS;
/** I/O queue pairs this controller allocates (Set/Get Features 07h answer NSQA = NCQA = 15, 0's based, whatever
 * was requested, as QEMU does). */
export const MAX_IO_QUEUES = 16;

export interface ControllerIdentity {
  readonly cntlid: number;
  readonly serial: string;
  readonly model: string;
  readonly firmware: string;
  readonly aerl: number;
  readonly nn: number;
  /** Identify Controller VID and SSVID: the PCI Vendor ID and Subsystem Vendor ID (default FFFFh). */
  readonly vid?: number;
  readonly ssvid?: number;
}

/** A read-only view of the namespaces (the device's NamespaceTable satisfies it). */
export interface NamespaceView {
  get(nsid: number): { nsid: number; blocks: number; blockSize: number; attached: boolean } | undefined;
  /** Attached NSIDs, ascending (read only). */
  active(): ArrayLike<number>;
}

export interface CommandEnv {
  readonly profile: Profile;
  readonly identity: ControllerIdentity;
  readonly namespaces: NamespaceView;
}

export interface CommandAnswer {
  readonly status: Status;
  readonly dw0: number;
  /** Bytes to write to the command's data pointer (controller to host). */
  readonly data?: Uint8Array;
}

export type CommandRoute = 'aer' | 'latch' | 'attachment' | 'local';

/** An error status, with DNR where the profile sets it. */
export function failure(profile: Profile, s: Status): CommandAnswer {
  return { status: profile.errorsSetDnr ? Status.withDnr(s) : s, dw0: 0 };
}
const ok = (dw0 = 0, data?: Uint8Array): CommandAnswer => ({ status: Status.SUCCESS, dw0, data });

/** Linux nvmet answers Get Log Page 04h of any length but the whole 4096-byte page with 0/06h, touching neither the
 * list nor the mask (`changedListWholePageOnly`): such a read is answered locally, never by the latch. */
export const partialChangedListRefused = (numd: number, profile: Profile): boolean => profile.changedListWholePageOnly && numd * 4 !== CHANGED_NS_LIST_SIZE;

export function routeCommand(sqe: Sqe, profile: Profile): CommandRoute {
  switch (sqe.opcode) {
    case AdminOpcode.ASYNC_EVENT_REQUEST:
      return 'aer';
    case AdminOpcode.GET_LOG_PAGE: {
      // 04h, 03h, 02h and 01h clear an event (RAE, §5.16): the latch answers them. Past its page's end a read stays
      // local (0/02h).
      return latchLogPageRequest(sqe, profile) ? 'latch' : 'local';
    }
    case AdminOpcode.SET_FEATURES:
    case AdminOpcode.GET_FEATURES:
      return latchFeatureRequest(sqe, profile) ? 'latch' : 'local';
    case AdminOpcode.ABORT:
      return profile.abortAbortsAer ? 'latch' : 'local';
    case AdminOpcode.NAMESPACE_ATTACHMENT:
      return profile.supportsNamespaceAttachment ? 'attachment' : 'local';
    default:
      return 'local';
  }
}

/** Where a command goes, decided once when it is fetched and carried on its `command.fetched` event: answered
 * locally by the pure handlers, parked by the latch (an AER), answered by the latch (with the message it becomes),
 * or applied as a Namespace Attachment. */
export type Route =
  | { readonly kind: 'local' }
  | { readonly kind: 'aer' }
  | { readonly kind: 'attachment' }
  | { readonly kind: 'latch'; readonly request: LatchRequest };

const LOCAL: Route = Object.freeze({ kind: 'local' });
const AER: Route = Object.freeze({ kind: 'aer' });
const ATTACHMENT: Route = Object.freeze({ kind: 'attachment' });

/** The route of a command (one decode of its fields; the constant routes allocate nothing). */
export function commandRoute(sqe: Sqe, profile: Profile): Route {
  switch (sqe.opcode) {
    case AdminOpcode.ASYNC_EVENT_REQUEST:
      return AER;
    case AdminOpcode.GET_LOG_PAGE: {
      const request = latchLogPageRequest(sqe, profile);
      return request ? { kind: 'latch', request } : LOCAL;
    }
    case AdminOpcode.SET_FEATURES:
    case AdminOpcode.GET_FEATURES: {
      const request = latchFeatureRequest(sqe, profile);
      return request ? { kind: 'latch', request } : LOCAL;
    }
    case AdminOpcode.ABORT:
      return profile.abortAbortsAer ? { kind: 'latch', request: { type: 'abort.requested', sqid: sqe.cdw10 & 0xffff, cid: sqe.cdw10 >>> 16 } } : LOCAL;
    case AdminOpcode.NAMESPACE_ATTACHMENT:
      return profile.supportsNamespaceAttachment ? ATTACHMENT : LOCAL;
    default:
      return LOCAL;
  }
}

/** Bytes of the log pages the latch answers (§5.16.1.2–5), by LID. */
export function latchLogPageSize(lid: number, profile: Profile): number {
  switch (lid) {
    case LogPage.ERROR_INFORMATION: return profile.errorLogEntries * ERROR_LOG_ENTRY_SIZE;
    case LogPage.SMART_HEALTH: return 512;
    case LogPage.FIRMWARE_SLOT: return 512;
    case LogPage.CHANGED_NAMESPACE_LIST: return 4096;
    default: return 0;
  }
}

const LOG_READ = {
  [LogPage.ERROR_INFORMATION]: 'errorLog.read',
  [LogPage.SMART_HEALTH]: 'smartLog.read',
  [LogPage.FIRMWARE_SLOT]: 'firmwareLog.read',
  [LogPage.CHANGED_NAMESPACE_LIST]: 'changedList.read',
} as const;

/** The latch's message for a Get Log Page it answers (a page that clears an event, fields valid), else null. */
export function latchLogPageRequest(sqe: Sqe, profile: Profile): LatchRequest | null {
  const f = decodeGetLogPage(sqe);
  const type = LOG_READ[f.lid as keyof typeof LOG_READ];
  if (!type || logPageFieldsFault(sqe) !== null) return null;
  if (f.lid === LogPage.CHANGED_NAMESPACE_LIST && partialChangedListRefused(f.numd, profile)) return null;
  if (f.lid !== LogPage.CHANGED_NAMESPACE_LIST && f.offset >= BigInt(latchLogPageSize(f.lid, profile))) return null;
  return { type, rae: f.rae, numd: f.numd, offset: Number(f.offset) };
}

/** The latch's message for Set/Get Features it answers: 0Bh (AEC), and 04h (a valid Temperature Threshold) where
 * the profile models the composite temperature; else null. */
export function latchFeatureRequest(sqe: Sqe, profile: Profile): LatchRequest | null {
  const f = decodeFeatures(sqe);
  if (f.sv) return null;
  const set = sqe.opcode === AdminOpcode.SET_FEATURES;
  if (f.fid === FeatureId.ASYNC_EVENT_CONFIG && profile.supportsAecFeature) return set ? { type: 'aec.set', value: f.value } : { type: 'aec.get' };
  if (f.fid === FeatureId.TEMPERATURE_THRESHOLD && profile.temperatureThreshold === 'modelled' && isThresholdValid(decodeThreshold(sqe.cdw11))) {
    return set ? { type: 'threshold.set', cdw11: sqe.cdw11 } : { type: 'threshold.get', cdw11: sqe.cdw11 };
  }
  return null;
}


/** Bytes the command moves through its PRPs (0 for none, or when the length itself is invalid). */
export function dataLength(sqe: Sqe): number {
  switch (sqe.opcode) {
    case AdminOpcode.IDENTIFY:
    case AdminOpcode.NAMESPACE_ATTACHMENT:
      return IDENTIFY_SIZE;
    case AdminOpcode.GET_LOG_PAGE: {
      const bytes = decodeGetLogPage(sqe).numd * 4;
      return bytes <= MAX_TRANSFER ? bytes : 0;
    }
    default:
      return 0;
  }
}

/** Field checks common to every log page: length within MDTS, dword-aligned offset. */
export function logPageFieldsFault(sqe: Sqe): Status | null {
  const f = decodeGetLogPage(sqe);
  if (f.numd * 4 > MAX_TRANSFER) return Status.INVALID_FIELD;
  if ((f.offset & 3n) !== 0n) return Status.INVALID_FIELD;
  if (f.lid === LogPage.CHANGED_NAMESPACE_LIST && f.offset >= 4096n) return Status.INVALID_FIELD;
  return null;
}

export function identifyController(env: CommandEnv): IdentifyController {
  const { identity, profile } = env;
  return {
    vid: identity.vid ?? 0xffff, ssvid: identity.ssvid ?? 0xffff, sn: identity.serial, mn: identity.model, fr: identity.firmware, mdts: MDTS,
    cntlid: identity.cntlid, ver: 0x00020000,
    oaes: OAES_NAMESPACE_ATTRIBUTE_NOTICES | (profile.firmwareActivation ? OAES_FIRMWARE_ACTIVATION_NOTICES : 0),
    oacs: profile.supportsNamespaceAttachment ? OACS_NAMESPACE_MANAGEMENT : 0,
    acl: 3, aerl: identity.aerl, lpa: 0x04, elpe: profile.errorLogEntries - 1,
    // Slot 1 read-only, 2 slots, activation without reset (the fault's) where the profile has it (§5.17.2.1 FRMW).
    frmw: profile.firmwareActivation ? 0x15 : 0x03,
    wctemp: profile.temperatureThreshold === 'modelled' ? DEFAULT_OVER_THRESHOLD : 0,
    cctemp: profile.temperatureThreshold === 'modelled' ? DEFAULT_OVER_THRESHOLD + 30 : 0, // 343 K / 373 K, as QEMU 7.2
    mtfa: profile.firmwareActivation ? MTFA : 0,
    sqes: 0x66, cqes: 0x44, nn: identity.nn,
    subnqn: `nqn.2026-11.io.nvme-actors:ctrl-${identity.serial}`,
  };
}

const identifyCache = new WeakMap<CommandEnv, Uint8Array>();

/** Zero-filled answer data of up to MDTS bytes, shared (answers are copied out to guest memory, never mutated): a
 * fresh zeroed 128 KiB buffer per command was most of a full queue of such reads (issue 13 item 16). */
const ZEROS = new Uint8Array(MAX_TRANSFER);
const zeros = (length: number): Uint8Array => (length <= MAX_TRANSFER ? ZEROS.subarray(0, length) : new Uint8Array(length));

function identify(sqe: Sqe, env: CommandEnv): CommandAnswer {
  const { cns } = decodeIdentify(sqe);
  const { profile, identity } = env;
  switch (cns) {
    case Cns.CONTROLLER: {
      // Identify Controller never changes for a controller: encode it once (it is copied out, never mutated).
      let bytes = identifyCache.get(env);
      if (!bytes) identifyCache.set(env, (bytes = encodeIdentifyController(identifyController(env))));
      return ok(0, bytes);
    }
    case Cns.NAMESPACE: {
      // Linux nvmet: any NSID but FFFFFFFFh without an active namespace reads as zeros (nvmet_execute_identify_ns).
      if (profile.identifyInactiveNamespaceZeros && sqe.nsid !== NSID_BROADCAST) {
        if (sqe.nsid === 0 || sqe.nsid > identity.nn) return ok(0, new Uint8Array(IDENTIFY_SIZE));
      } else if (sqe.nsid === 0 || (sqe.nsid > identity.nn && sqe.nsid !== NSID_BROADCAST)) return failure(profile, Status.INVALID_NAMESPACE);
      const ns = env.namespaces.get(sqe.nsid);
      if (!ns || !ns.attached) return ok(0, new Uint8Array(IDENTIFY_SIZE)); // inactive NSID: zero-filled (§5.17.2.1)
      const blocks = BigInt(ns.blocks);
      const nguid = namespaceIds(identity.serial, sqe.nsid).nguid;
      return ok(0, encodeIdentifyNamespace({ nsze: blocks, ncap: blocks, nuse: blocks, nlbaf: 0, flbas: 0, lbaf0: { ms: 0, lbads: Math.log2(ns.blockSize) }, nguid }));
    }
    case Cns.NAMESPACE_ID_DESCRIPTORS: {
      // As QEMU 7.2 (nvme_identify_ns_descr_list): an invalid NSID (0, FFFFFFFFh, above NN) 0/0Bh, an inactive one
      // Invalid Field; an active one lists its NGUID and UUID, the same for the NSID for the controller's life.
      if (sqe.nsid === 0 || sqe.nsid > identity.nn) return failure(profile, Status.INVALID_NAMESPACE);
      const ns = env.namespaces.get(sqe.nsid);
      if (!ns || !ns.attached) return failure(profile, Status.INVALID_FIELD);
      const ids = namespaceIds(identity.serial, sqe.nsid);
      return ok(0, encodeNamespaceIdDescriptors([{ nidt: Nidt.NGUID, nid: ids.nguid }, { nidt: Nidt.UUID, nid: ids.uuid }]));
    }
    case Cns.ACTIVE_NAMESPACE_LIST: {
      if (sqe.nsid >= 0xfffffffe) return failure(profile, Status.INVALID_NAMESPACE);
      // Binary search for the first active NSID above the one given: the cost does not grow with the namespaces.
      const active = env.namespaces.active();
      let lo = 0;
      let hi = active.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (active[mid]! > sqe.nsid) hi = mid;
        else lo = mid + 1;
      }
      return ok(0, encodeNsidListFrom(active, lo));
    }
    default:
      return failure(profile, Status.INVALID_FIELD);
  }
}

function getLogPage(sqe: Sqe, env: CommandEnv): CommandAnswer {
  const { profile } = env;
  const fault = logPageFieldsFault(sqe);
  if (fault) return failure(profile, fault);
  const f = decodeGetLogPage(sqe);
  if (f.lid === LogPage.CHANGED_NAMESPACE_LIST && partialChangedListRefused(f.numd, profile)) return { status: Status.INTERNAL_ERROR, dw0: 0 };
  const size = latchLogPageSize(f.lid, profile) || -1;
  if (size < 0) return { status: profile.invalidLogPageStatus, dw0: 0 };
  if (f.offset >= BigInt(size)) return failure(profile, Status.INVALID_FIELD);
  // Beyond the end of a page the latch answers (checked above); anything else reaching here reads as zeros.
  return ok(0, zeros(f.numd * 4));
}

function features(sqe: Sqe, env: CommandEnv): CommandAnswer {
  const { profile } = env;
  const f = decodeFeatures(sqe);
  if (sqe.opcode === AdminOpcode.SET_FEATURES && f.sv) return failure(profile, Status.FEATURE_NOT_SAVEABLE);
  if (f.fid === FeatureId.NUMBER_OF_QUEUES) {
    if (sqe.opcode === AdminOpcode.SET_FEATURES && ((f.value & 0xffff) === 0xffff || f.value >>> 16 === 0xffff)) return failure(profile, Status.INVALID_FIELD);
    // The controller's I/O queue pairs, whatever was asked (as QEMU): NSQA = NCQA = MAX_IO_QUEUES - 1 (0's based).
    return ok(encodeNumberOfQueues({ nsqr: MAX_IO_QUEUES - 1, ncqr: MAX_IO_QUEUES - 1 }));
  }
  if (f.fid === FeatureId.TEMPERATURE_THRESHOLD && profile.temperatureThreshold !== 'unsupported') {
    // 'ignored' (OpenVMM): over/under thresholds accepted and not kept, Get reports FFFFh / 0; a modelled profile
    // gets here only with an invalid TMPSEL or THSEL.
    const t = decodeThreshold(sqe.cdw11);
    if (profile.temperatureThreshold === 'modelled' || t.thsel > TemperatureThreshold.THSEL_UNDER) return failure(profile, Status.INVALID_FIELD);
    if (sqe.opcode === AdminOpcode.SET_FEATURES) return ok();
    return ok(((t.thsel === TemperatureThreshold.THSEL_OVER ? 0xffff : 0) | (t.tmpsel << TemperatureThreshold.TMPSEL_SHIFT) | (t.thsel << TemperatureThreshold.THSEL_SHIFT)) >>> 0);
  }
  return failure(profile, Status.INVALID_FIELD);
}

/** The answer of a command routed 'local'. */
export function executeLocalCommand(sqe: Sqe, env: CommandEnv): CommandAnswer {
  const { profile } = env;
  switch (sqe.opcode) {
    case AdminOpcode.IDENTIFY:
      return identify(sqe, env);
    case AdminOpcode.GET_LOG_PAGE:
      return getLogPage(sqe, env);
    case AdminOpcode.SET_FEATURES:
    case AdminOpcode.GET_FEATURES:
      return features(sqe, env);
    case AdminOpcode.ABORT:
      return ok(1); // DW0 bit 0 = 1: not aborted (§5.1)
    case AdminOpcode.KEEP_ALIVE:
      return profile.supportsKeepAlive ? ok() : { status: profile.invalidOpcodeStatus, dw0: 0 };
    default:
      return { status: profile.invalidOpcodeStatus, dw0: 0 };
  }
}

export type AttachmentDecision = { readonly kind: 'fail'; readonly answer: CommandAnswer } | { readonly kind: 'change'; readonly nsid: number; readonly attach: boolean };

/** Namespace Attachment (15h, §5.23): SEL 0 attaches, 1 detaches, for the controllers in the list (this one only). */
export function decideAttachment(sqe: Sqe, controllers: readonly number[], env: CommandEnv): AttachmentDecision {
  const { profile, identity } = env;
  const fail = (s: Status): AttachmentDecision => ({ kind: 'fail', answer: failure(profile, s) });
  const sel = sqe.cdw10 & 0xf;
  if (sel !== 0 && sel !== 1) return fail(Status.INVALID_FIELD);
  if (sqe.nsid === 0 || sqe.nsid === NSID_BROADCAST) return fail(Status.INVALID_NAMESPACE);
  const ns = env.namespaces.get(sqe.nsid);
  if (!ns) return fail(Status.INVALID_NAMESPACE);
  if (controllers.length === 0 || controllers.some((id) => id !== identity.cntlid)) return fail(Status.CONTROLLER_LIST_INVALID);
  if (sel === 0 && ns.attached) return fail(Status.NAMESPACE_ALREADY_ATTACHED);
  if (sel === 1 && !ns.attached) return fail(Status.NAMESPACE_NOT_ATTACHED);
  return { kind: 'change', nsid: sqe.nsid, attach: sel === 0 };
}

export type LatchRequest =
  | { readonly type: 'changedList.read'; readonly rae: boolean; readonly numd: number; readonly offset: number }
  | { readonly type: 'errorLog.read'; readonly rae: boolean; readonly numd: number; readonly offset: number }
  | { readonly type: 'smartLog.read'; readonly rae: boolean; readonly numd: number; readonly offset: number }
  | { readonly type: 'firmwareLog.read'; readonly rae: boolean; readonly numd: number; readonly offset: number }
  | { readonly type: 'threshold.set'; readonly cdw11: number }
  | { readonly type: 'threshold.get'; readonly cdw11: number }
  | { readonly type: 'aec.set'; readonly value: number }
  | { readonly type: 'aec.get' }
  | { readonly type: 'abort.requested'; readonly sqid: number; readonly cid: number };

/** The message a command routed 'latch' becomes. */
export function latchRequest(sqe: Sqe): LatchRequest {
  switch (sqe.opcode) {
    case AdminOpcode.GET_LOG_PAGE: {
      const f = decodeGetLogPage(sqe);
      const type = LOG_READ[f.lid as keyof typeof LOG_READ] ?? 'changedList.read';
      return { type, rae: f.rae, numd: f.numd, offset: Number(f.offset) };
    }
    case AdminOpcode.SET_FEATURES:
      if ((sqe.cdw10 & 0xff) === FeatureId.TEMPERATURE_THRESHOLD) return { type: 'threshold.set', cdw11: sqe.cdw11 };
      return { type: 'aec.set', value: decodeFeatures(sqe).value };
    case AdminOpcode.GET_FEATURES:
      if ((sqe.cdw10 & 0xff) === FeatureId.TEMPERATURE_THRESHOLD) return { type: 'threshold.get', cdw11: sqe.cdw11 };
      return { type: 'aec.get' };
    case AdminOpcode.ABORT:
      return { type: 'abort.requested', sqid: sqe.cdw10 & 0xffff, cid: sqe.cdw10 >>> 16 };
    default:
      throw new RangeError(`opcode 0x${sqe.opcode.toString(16)} is not answered by the AEN latch`);
  }
}

/** 64-bit FNV-1a of a string, as two 32-bit halves. */
function fnv64(text: string): [number, number] {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < text.length; i++) h = BigInt.asUintN(64, (h ^ BigInt(text.charCodeAt(i) & 0xff)) * 0x100000001b3n);
  return [Number(h >> 32n), Number(h & 0xffffffffn)];
}

const idCache = new Map<string, { nguid: Uint8Array; uuid: Uint8Array }>();

/** The NGUID and UUID of a namespace (NVMe Base 2.0 §4.5.1, §4.5.2): derived from the controller's serial number
 * and the NSID, so they stay the same for an NSID across resets and runs, and differ between NSIDs and between
 * controllers with different serials (Linux rejects a namespace whose IDs another subsystem already uses). The
 * UUID has RFC 4122's variant and version 8 (custom). */
export function namespaceIds(serial: string, nsid: number): { readonly nguid: Uint8Array; readonly uuid: Uint8Array } {
  const key = `${serial}/${nsid}`;
  let ids = idCache.get(key);
  if (ids) return ids;
  const half = (salt: string): number[] => {
    const [hi, lo] = fnv64(`${salt}/${key}`);
    return [hi >>> 24, (hi >>> 16) & 0xff, (hi >>> 8) & 0xff, hi & 0xff, lo >>> 24, (lo >>> 16) & 0xff, (lo >>> 8) & 0xff, lo & 0xff];
  };
  const nguid = Uint8Array.from([...half('nguid-a'), ...half('nguid-b')]);
  const uuid = Uint8Array.from([...half('uuid-a'), ...half('uuid-b')]);
  uuid[6] = (uuid[6]! & 0x0f) | 0x80; // version 8
  uuid[8] = (uuid[8]! & 0x3f) | 0x80; // variant 10b
  ids = { nguid, uuid };
  if (idCache.size > 4096) idCache.clear();
  idCache.set(key, ids);
  return ids;
}
