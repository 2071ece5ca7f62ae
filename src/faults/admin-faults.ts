// Admin-queue and controller-enable faults, shaped after OpenVMM's `FaultConfiguration` (nvme_resources/src/fault.rs
// `AdminQueueFaultBehavior`, `PciFaultBehavior`): submission and completion faults matched by a 64-byte pattern and
// mask over the command, first match wins, with behaviours update, drop, delay (non-blocking, or blocking the whole
// admin queue as OpenVMM's worker does), panic (the controller goes fatal), customPayload (completion side) and
// verify; an enable fault (delay, neverReady, fatal). All are gated by the `faultActive` switch; the namespace fault
// is not. Pure data and matching here; the emulator facade applies them. Every fault has a handle whose `fired`
// promise proves it fired.
import { SQE_SIZE, type Status } from '../spec/constants.ts';
import { encodeSqe, sqe as makeSqe, type Sqe } from '../spec/sqe.codec.ts';

/** Matches a command when `(command ^ pattern) & mask` is zero over all 64 bytes. */
export interface CommandMatch {
  readonly pattern: Uint8Array;
  readonly mask: Uint8Array;
}

/** Build a match from SQE fields: every field named is compared exactly, everything else is ignored. */
export function matchCommand(fields: Partial<Omit<Sqe, 'cid'>> & { cid?: number }): CommandMatch {
  const pattern = encodeSqe(makeSqe({ opcode: 0, ...fields }));
  const ones: Partial<Sqe> = {};
  const full = (k: keyof Sqe, v: number | bigint) => Object.assign(ones, { [k]: v });
  for (const key of Object.keys(fields) as (keyof Sqe)[]) {
    if (key === 'mptr' || key === 'prp1' || key === 'prp2') full(key, 0xffffffffffffffffn);
    else if (key === 'opcode') full(key, 0xff);
    else if (key === 'fuse' || key === 'psdt') full(key, 0x3);
    else if (key === 'cid') full(key, 0xffff);
    else full(key, 0xffffffff);
  }
  const mask = encodeSqe(makeSqe({ opcode: 0, ...ones }));
  return { pattern, mask };
}

export function matches(m: CommandMatch, command: Uint8Array): boolean {
  if (m.pattern.length !== SQE_SIZE || m.mask.length !== SQE_SIZE) return false;
  for (let i = 0; i < SQE_SIZE; i++) if (((command[i]! ^ m.pattern[i]!) & m.mask[i]!) !== 0) return false;
  return true;
}

export type SubmissionBehaviour =
  | { readonly kind: 'update'; readonly command: Partial<Omit<Sqe, 'opcode'>> }
  | { readonly kind: 'drop' }
  | { readonly kind: 'delay'; readonly ms: number }
  /** The controller goes fatal (CSTS.CFS) instead of handling the command: OpenVMM's `Panic(String)`. */
  | { readonly kind: 'panic'; readonly message?: string }
  | { readonly kind: 'verify' };

export type CompletionBehaviour =
  | { readonly kind: 'update'; readonly completion: { readonly status?: Status; readonly dw0?: number; readonly cid?: number } }
  | { readonly kind: 'drop' }
  /** The completion is posted `ms` later. `blocking`: the whole admin queue holds meanwhile (no later command is
   * fetched, no other completion is posted), as OpenVMM's admin worker awaits its timer inline; otherwise other
   * completions overtake it. */
  | { readonly kind: 'delay'; readonly ms: number; readonly blocking?: boolean }
  /** The controller goes fatal (CSTS.CFS) instead of posting the completion: OpenVMM's `Panic(String)`. */
  | { readonly kind: 'panic'; readonly message?: string }
  | { readonly kind: 'customPayload'; readonly data: Uint8Array }
  | { readonly kind: 'verify' };

export type EnableBehaviour = { readonly kind: 'delay'; readonly ms: number } | { readonly kind: 'neverReady' } | { readonly kind: 'fatal' };

export interface FaultHandle {
  /** Resolves the first time the fault fires. */
  readonly fired: Promise<void>;
  /** How many times it has fired. */
  readonly count: number;
  /** Take the fault out of its list. */
  remove(): void;
}

export class FaultConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FaultConfigError';
  }
}

export interface FaultEntry<B> extends FaultHandle {
  readonly match: CommandMatch | null;
  readonly behaviour: B;
  fire(): void;
}

function entry<B>(match: CommandMatch | null, behaviour: B, list: FaultEntry<B>[]): FaultEntry<B> {
  let resolveFired!: () => void;
  const fired = new Promise<void>((r) => (resolveFired = r));
  let count = 0;
  const e: FaultEntry<B> = {
    match,
    behaviour,
    fired,
    get count() {
      return count;
    },
    fire() {
      count++;
      if (count === 1) resolveFired();
    },
    remove() {
      const at = list.indexOf(e);
      if (at >= 0) list.splice(at, 1);
    },
  };
  list.push(e);
  return e;
}

function checkMatch(m: CommandMatch): void {
  if (!(m.pattern instanceof Uint8Array) || !(m.mask instanceof Uint8Array) || m.pattern.length !== SQE_SIZE || m.mask.length !== SQE_SIZE) {
    throw new FaultConfigError(`a command match needs a 64-byte pattern and a 64-byte mask`);
  }
}
function checkMs(ms: number): void {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0 || ms > 600_000) throw new FaultConfigError(`a delay must be 0..600000 ms, got ${String(ms).slice(0, 40)}`);
}
function checkBehaviour(b: { kind?: unknown; message?: unknown; blocking?: unknown }, kinds: readonly string[], side: string): void {
  if (typeof b !== 'object' || b === null || typeof b.kind !== 'string' || !kinds.includes(b.kind)) {
    throw new FaultConfigError(`a ${side} fault behaviour needs a kind: one of ${kinds.join(', ')}`);
  }
  if (b.kind === 'panic' && b.message !== undefined && typeof b.message !== 'string') throw new FaultConfigError('a panic message must be a string');
  if (b.blocking !== undefined && typeof b.blocking !== 'boolean') throw new FaultConfigError('blocking must be true or false');
}
/** The message a panic fault reports (one line, bounded). */
export function panicMessage(message: string | undefined): string {
  return (message ?? 'injected panic').replace(/[\r\n]+/g, ' ').slice(0, 200);
}

/** The fault configuration of one controller. */
export class FaultSet {
  /** The master switch: admin and enable faults apply only while it is on (the namespace fault always does). */
  active = false;
  readonly submission: FaultEntry<SubmissionBehaviour>[] = [];
  readonly completion: FaultEntry<CompletionBehaviour>[] = [];
  readonly enable: FaultEntry<EnableBehaviour>[] = [];

  addSubmission(match: CommandMatch, behaviour: SubmissionBehaviour): FaultHandle {
    checkMatch(match);
    if ((behaviour as { kind?: string } | null)?.kind === 'customPayload') throw new FaultConfigError('customPayload is a completion behaviour (it writes the completed command\'s data)');
    checkBehaviour(behaviour, ['update', 'drop', 'delay', 'panic', 'verify'], 'submission');
    if (behaviour.kind === 'delay') checkMs(behaviour.ms);
    if ((behaviour as { blocking?: unknown }).blocking !== undefined) throw new FaultConfigError('blocking is a completion delay option (a submission delay always holds the admin queue)');
    return entry(match, behaviour, this.submission);
  }

  addCompletion(match: CommandMatch, behaviour: CompletionBehaviour): FaultHandle {
    checkMatch(match);
    checkBehaviour(behaviour, ['update', 'drop', 'delay', 'panic', 'customPayload', 'verify'], 'completion');
    if (behaviour.kind === 'delay') checkMs(behaviour.ms);
    else if ((behaviour as { blocking?: unknown }).blocking !== undefined) throw new FaultConfigError('blocking is an option of a delay');
    return entry(match, behaviour, this.completion);
  }

  setEnable(behaviour: EnableBehaviour): FaultHandle {
    if (behaviour.kind === 'delay') checkMs(behaviour.ms);
    this.enable.length = 0;
    return entry(null, behaviour, this.enable);
  }

  /** The first active submission fault matching the command (OpenVMM: first match wins). */
  findSubmission(command: Uint8Array): FaultEntry<SubmissionBehaviour> | undefined {
    return this.active ? this.submission.find((f) => matches(f.match!, command)) : undefined;
  }
  findCompletion(command: Uint8Array): FaultEntry<CompletionBehaviour> | undefined {
    return this.active ? this.completion.find((f) => matches(f.match!, command)) : undefined;
  }
  findEnable(): FaultEntry<EnableBehaviour> | undefined {
    return this.active ? this.enable[0] : undefined;
  }
}
