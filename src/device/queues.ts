// The admin submission and completion rings in guest memory (NVMe Base 2.0 §4.1, §3.3.1): entries at
// base + index * size, wrap-around, the completion phase tag that inverts on each wrap, and a full completion
// queue that holds completions back (bounded, in order) until the host frees slots by moving CQ head.
// SQ head/tail live in the admin queue actor; the CQ's tail, phase and held entries live here.
import { CQE_SIZE, SQE_SIZE, type Status } from '../spec/constants.ts';
import { encodeCqe } from '../spec/cqe.codec.ts';
import type { GuestMemory } from './guest-memory.ts';

export class SubmissionRing {
  private readonly entry = new Uint8Array(SQE_SIZE);
  constructor(private readonly memory: GuestMemory, readonly base: number, readonly size: number) {}

  /** The 64 bytes of entry `index` (a view reused by the next call), or undefined if outside memory. */
  fetch(index: number): Uint8Array | undefined {
    return this.memory.tryRead(this.base + index * SQE_SIZE, SQE_SIZE, this.entry);
  }
}

export interface Completion {
  readonly cid: number;
  readonly sqid: number;
  readonly sqhd: number;
  readonly status: Status;
  readonly dw0: number;
  readonly dw1?: number;
}

export class CompletionRing {
  private tail = 0;
  private head = 0;
  private phase: 0 | 1 = 1;
  private readonly held: Completion[] = [];
  private readonly scratch = new Uint8Array(CQE_SIZE);

  constructor(
    private readonly memory: GuestMemory,
    readonly base: number,
    readonly size: number,
    /** Completions held while the ring is full; beyond this many a completion is refused. */
    readonly holdLimit = 65536,
    /** Called after each entry is written to the ring (the interrupt source for vector 0). */
    private readonly onWritten: () => void = () => {},
  ) {}

  get isFull(): boolean {
    return (this.tail + 1) % this.size === this.head;
  }
  get heldCount(): number {
    return this.held.length;
  }

  /** An entry could not be written (the queue lies outside guest memory): nothing is written from then on. */
  get failed(): boolean {
    return this.broken;
  }
  private broken = false;

  /** Post a completion, or hold it while the ring is full. 'refused': the hold limit was reached; 'unwritable': its
   * entry lies outside guest memory (the ring has failed, as a DMA write error fails a controller). */
  post(c: Completion): 'written' | 'held' | 'refused' | 'unwritable' {
    if (this.broken) return 'unwritable';
    if (this.held.length > 0 || this.isFull) {
      if (this.held.length >= this.holdLimit) return 'refused';
      this.held.push(c);
      return 'held';
    }
    return this.write(c) ? 'written' : 'unwritable';
  }

  /** The host consumed entries up to `head` (already checked to be < size); post what was held back. Returns false
   * if a held entry could not be written (the ring has failed). */
  setHead(head: number): boolean {
    this.head = head;
    if (this.broken) return false;
    while (this.held.length > 0 && !this.isFull) {
      if (!this.write(this.held.shift()!)) return false;
    }
    return true;
  }

  private write(c: Completion): boolean {
    encodeCqe({ dw0: c.dw0, dw1: c.dw1 ?? 0, sqhd: c.sqhd, sqid: c.sqid, cid: c.cid, phase: this.phase, status: c.status, crd: 0, more: false }, this.scratch);
    if (!this.memory.tryWrite(this.base + this.tail * CQE_SIZE, this.scratch)) {
      this.broken = true;
      this.held.length = 0;
      return false;
    }
    this.tail = (this.tail + 1) % this.size;
    if (this.tail === 0) this.phase = this.phase === 1 ? 0 : 1;
    this.onWritten();
    return true;
  }
}
