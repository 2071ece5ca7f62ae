// Admin submission and completion rings in guest memory (NVMe Base 2.0 §4.1, §3.3.1): entries at base + index * size,
// the phase tag inverting on each wrap, a full CQ holding completions (in order, bounded) until CQ head moves.
import { describe, expect, it } from 'vitest';
import { GuestMemory } from '../../src/device/guest-memory.ts';
import { CompletionRing, SubmissionRing, type Completion } from '../../src/device/queues.ts';
import { decodeCqe } from '../../src/spec/cqe.codec.ts';
import { decodeSqe, encodeSqe, sqe } from '../../src/spec/sqe.codec.ts';
import { Status } from '../../src/spec/constants.ts';

const CQ = 0x20000;
const completion = (cid: number, extra: Partial<Completion> = {}): Completion => ({ cid, sqid: 0, sqhd: cid, status: Status.SUCCESS, dw0: 0, ...extra });
const slot = (m: GuestMemory, i: number, base = CQ) => decodeCqe(m.read(BigInt(base + i * 16), 16));

describe('SubmissionRing', () => {
  it('fetches entry i from base + i * 64', () => {
    const m = new GuestMemory(1 << 20);
    const ring = new SubmissionRing(m, 0x10000, 4);
    m.write(0x10000n + 2n * 64n, encodeSqe(sqe({ opcode: 0x06, cid: 0x42, cdw10: 1 })));
    const bytes = ring.fetch(2)!;
    expect(bytes.length).toBe(64);
    expect(decodeSqe(bytes)).toMatchObject({ opcode: 0x06, cid: 0x42, cdw10: 1 });
    expect(decodeSqe(ring.fetch(1)!)).toEqual(sqe({ opcode: 0 }));
  });

  it('returns undefined for an entry outside guest memory', () => {
    const m = new GuestMemory(2 * 4096);
    const ring = new SubmissionRing(m, 0x1000, 128);
    expect(ring.fetch(63)).toBeDefined(); // last 64 bytes of memory
    expect(ring.fetch(64)).toBeUndefined();
    expect(new SubmissionRing(m, 0x1fe0, 2).fetch(0)).toBeUndefined(); // straddles the end
    expect(new SubmissionRing(m, 0x4000, 2).fetch(0)).toBeUndefined();
  });
});

describe('CompletionRing', () => {
  it('writes CQEs at base + tail * 16 with phase 1 on the first pass', () => {
    const m = new GuestMemory(1 << 20);
    const cq = new CompletionRing(m, CQ, 4);
    expect(cq.post(completion(7, { dw0: 0x00040002, sqhd: 3, status: Status.withDnr(Status.INVALID_FIELD), dw1: 9 }))).toBe('written');
    expect(slot(m, 0)).toEqual({ dw0: 0x00040002, dw1: 9, sqhd: 3, sqid: 0, cid: 7, phase: 1, status: { sct: 0, sc: 2, dnr: true }, crd: 0, more: false });
    expect(cq.post(completion(8))).toBe('written');
    expect(slot(m, 1)).toMatchObject({ cid: 8, phase: 1, dw1: 0 });
    expect(m.read(BigInt(CQ + 32), 16).every((b) => b === 0)).toBe(true);
  });

  it('holds size - 1 entries: full when tail + 1 = head', () => {
    const m = new GuestMemory(1 << 20);
    const cq = new CompletionRing(m, CQ, 4);
    cq.post(completion(1));
    cq.post(completion(2));
    expect(cq.isFull).toBe(false);
    cq.post(completion(3));
    expect(cq.isFull).toBe(true);
    expect(cq.heldCount).toBe(0);
    expect(cq.post(completion(4))).toBe('held');
    expect(cq.heldCount).toBe(1);
    expect(m.read(BigInt(CQ + 48), 16).every((b) => b === 0)).toBe(true); // not written while full
  });

  it('inverts the phase tag when the tail wraps', () => {
    const m = new GuestMemory(1 << 20);
    const cq = new CompletionRing(m, CQ, 3);
    cq.post(completion(1));
    cq.post(completion(2));
    cq.setHead(2);
    cq.post(completion(3)); // slot 2, still phase 1; tail wraps to 0
    expect(slot(m, 2)).toMatchObject({ cid: 3, phase: 1 });
    cq.post(completion(4)); // slot 0, second pass: phase 0
    expect(slot(m, 0)).toMatchObject({ cid: 4, phase: 0 });
    cq.setHead(1);
    cq.post(completion(5)); // slot 1, phase 0; tail wraps again
    expect(slot(m, 1)).toMatchObject({ cid: 5, phase: 0 });
    cq.setHead(0);
    cq.post(completion(6)); // slot 2, phase 0
    cq.setHead(2);
    cq.post(completion(7)); // slot 0, third pass: phase 1 again
    expect(slot(m, 2)).toMatchObject({ cid: 6, phase: 0 });
    expect(slot(m, 0)).toMatchObject({ cid: 7, phase: 1 });
  });

  it('releases held completions in order when the host moves the head', () => {
    const m = new GuestMemory(1 << 20);
    const cq = new CompletionRing(m, CQ, 3);
    for (const cid of [1, 2, 3, 4, 5]) expect(cq.post(completion(cid))).toBe(cid <= 2 ? 'written' : 'held');
    expect(cq.heldCount).toBe(3);
    expect([slot(m, 0).cid, slot(m, 1).cid]).toEqual([1, 2]);
    cq.setHead(1); // one slot free: cid 3 into slot 2
    expect(cq.heldCount).toBe(2);
    expect(slot(m, 2)).toMatchObject({ cid: 3, phase: 1 });
    cq.setHead(0); // the host consumed slots 1 and 2: head wraps to 0, two slots free for cid 4 and 5, second pass
    expect(cq.heldCount).toBe(0);
    expect(slot(m, 0)).toMatchObject({ cid: 4, phase: 0 });
    expect(slot(m, 1)).toMatchObject({ cid: 5, phase: 0 });
    expect(slot(m, 2)).toMatchObject({ cid: 3, phase: 1 });
    expect(cq.isFull).toBe(true);
  });

  it('a new completion queues behind held ones even when a slot is free', () => {
    const m = new GuestMemory(1 << 20);
    const cq = new CompletionRing(m, CQ, 2); // one usable slot
    cq.post(completion(1));
    cq.post(completion(2));
    cq.post(completion(3));
    expect(cq.heldCount).toBe(2);
    cq.setHead(1); // one slot: cid 2 goes first
    expect(slot(m, 1)).toMatchObject({ cid: 2, phase: 1 });
    expect(cq.heldCount).toBe(1);
    cq.setHead(0);
    expect(slot(m, 0)).toMatchObject({ cid: 3, phase: 0 });
    expect(cq.heldCount).toBe(0);
  });

  it('refuses a completion beyond holdLimit and keeps the held ones', () => {
    const m = new GuestMemory(1 << 20);
    const cq = new CompletionRing(m, CQ, 2, 2);
    expect(cq.holdLimit).toBe(2);
    expect(cq.post(completion(1))).toBe('written'); // written
    expect(cq.post(completion(2))).toBe('held'); // held 1
    expect(cq.post(completion(3))).toBe('held'); // held 2
    expect(cq.post(completion(4))).toBe('refused'); // refused
    expect(cq.heldCount).toBe(2);
    cq.setHead(1);
    cq.setHead(0);
    expect([slot(m, 1).cid, slot(m, 0).cid]).toEqual([2, 3]);
    expect(cq.heldCount).toBe(0);
    expect(cq.post(completion(5))).toBe('held');
  });

  it('defaults holdLimit to 65536', () => {
    expect(new CompletionRing(new GuestMemory(4096), 0, 2).holdLimit).toBe(65536);
  });

  it('an entry outside guest memory fails the ring: nothing is written or held from then on', () => {
    const m = new GuestMemory(1 << 20);
    const cq = new CompletionRing(m, (1 << 20) - 16, 4); // slot 0 is the last 16 bytes; slot 1 lies outside
    expect(cq.post(completion(1))).toBe('written');
    expect(cq.post(completion(2))).toBe('unwritable');
    expect(cq.failed).toBe(true);
    expect(cq.post(completion(3))).toBe('unwritable');
    expect(cq.setHead(1)).toBe(false);
  });
});
