// The Changed Namespace List as a value (NVMe Base 2.0 §5.16.1.5): ascending, no duplicates, at most 1024 NSIDs,
// then the overflow marker; readChangedList returns numd dwords of the 4096-byte page from a byte offset.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { addChange, addChanges, appendChange, contains, EMPTY_CHANGED_LIST, isEmpty, readChangedList, type ChangedList } from '../../src/logic/changed-list.ts';

const build = (nsids: number[]): ChangedList => nsids.reduce(addChange, EMPTY_CHANGED_LIST);
const dwords = (b: Uint8Array) => Array.from({ length: b.length / 4 }, (_, i) => new DataView(b.buffer, b.byteOffset).getUint32(i * 4, true));

describe('addChange', () => {
  it('starts empty', () => {
    expect(EMPTY_CHANGED_LIST).toEqual({ nsids: [], overflow: false });
    expect(isEmpty(EMPTY_CHANGED_LIST)).toBe(true);
    expect(Object.isFrozen(EMPTY_CHANGED_LIST)).toBe(true);
  });

  it('inserts in ascending order whatever the arrival order', () => {
    expect(build([5, 1, 3, 0xffffffff - 1, 2, 4]).nsids).toEqual([1, 2, 3, 4, 5, 0xfffffffe]);
    expect(build([10, 9, 8]).nsids).toEqual([8, 9, 10]);
  });

  it('does not mutate the list it was given', () => {
    const a = build([1, 3]);
    const b = addChange(a, 2);
    expect(a.nsids).toEqual([1, 3]);
    expect(b.nsids).toEqual([1, 2, 3]);
    expect(b).not.toBe(a);
    expect(EMPTY_CHANGED_LIST.nsids).toEqual([]);
  });

  it('ignores a duplicate and returns the same object', () => {
    const a = build([1, 2, 3]);
    expect(addChange(a, 2)).toBe(a);
    expect(addChange(a, 1)).toBe(a);
    expect(addChange(a, 3)).toBe(a);
  });

  it('holds 1024 distinct NSIDs without overflow', () => {
    const ids = Array.from({ length: 1024 }, (_, i) => 1024 - i); // descending arrival
    const full = build(ids);
    expect(full.overflow).toBe(false);
    expect(full.nsids.length).toBe(1024);
    expect(full.nsids[0]).toBe(1);
    expect(full.nsids[1023]).toBe(1024);
    expect(addChange(full, 512)).toBe(full); // a duplicate of a full list is still a duplicate
  });

  it('the 1025th distinct NSID turns the list into overflow', () => {
    const full = build(Array.from({ length: 1024 }, (_, i) => i + 1));
    const over = addChange(full, 5000);
    expect(over).toEqual({ nsids: [], overflow: true });
    expect(isEmpty(over)).toBe(false);
  });

  it('an overflowed list absorbs further changes (same object)', () => {
    const over = addChange(build(Array.from({ length: 1024 }, (_, i) => i + 1)), 5000);
    expect(addChange(over, 6000)).toBe(over);
    expect(addChange(over, 1)).toBe(over);
  });

  it('contains: by value, and everything once overflowed', () => {
    const a = build([2, 4, 6]);
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => contains(a, n))).toEqual([false, true, false, true, false, true, false]);
    expect(contains({ nsids: [], overflow: true }, 12345)).toBe(true);
    expect(contains(EMPTY_CHANGED_LIST, 1)).toBe(false);
  });
});

describe('readChangedList', () => {
  it('returns numd * 4 bytes of the page from offset 0', () => {
    const out = readChangedList(build([3, 1, 2]), 1024, 0);
    expect(out.length).toBe(4096);
    expect(dwords(out.subarray(0, 16))).toEqual([1, 2, 3, 0]);
    expect(out.subarray(12).every((b) => b === 0)).toBe(true);
  });

  it('a read longer than the page from offset 0 returns the page, then zeros', () => {
    const out = readChangedList(build([5, 4]), 1030, 0);
    expect(out.length).toBe(4120);
    expect(dwords(out.subarray(0, 12))).toEqual([4, 5, 0]);
    expect(out.subarray(8).every((b) => b === 0)).toBe(true);
    expect(dwords(readChangedList({ nsids: [], overflow: true }, 1025, 0).subarray(0, 8))).toEqual([0xffffffff, 0]);
  });

  it('a short read returns only the first numd dwords', () => {
    expect(dwords(readChangedList(build([1, 2, 3]), 2, 0))).toEqual([1, 2]);
    expect(readChangedList(build([1, 2, 3]), 1, 0).length).toBe(4);
  });

  it('reads from a byte offset', () => {
    expect(dwords(readChangedList(build([1, 2, 3, 4]), 2, 8))).toEqual([3, 4]);
    expect(dwords(readChangedList(build([1, 2, 3, 4]), 3, 12))).toEqual([4, 0, 0]);
  });

  it('zero-pads past the end of the 4096-byte page', () => {
    const list = build(Array.from({ length: 1024 }, (_, i) => i + 1));
    const out = readChangedList(list, 4, 4088);
    expect(dwords(out)).toEqual([1023, 1024, 0, 0]);
    expect(readChangedList(list, 2, 4096).every((b) => b === 0)).toBe(true);
    expect(readChangedList(list, 2, 8192).length).toBe(8);
    const big = readChangedList(list, 2048, 0);
    expect(big.length).toBe(8192);
    expect(dwords(big.subarray(4092, 4096))).toEqual([1024]);
    expect(big.subarray(4096).every((b) => b === 0)).toBe(true);
  });

  it('an overflowed list reads as FFFFFFFFh then zeros', () => {
    const over = addChange(build(Array.from({ length: 1024 }, (_, i) => i + 1)), 2000);
    expect(dwords(readChangedList(over, 3, 0))).toEqual([0xffffffff, 0, 0]);
    expect(dwords(readChangedList(over, 2, 4))).toEqual([0, 0]);
  });

  it('an empty list reads as zeros', () => {
    expect(readChangedList(EMPTY_CHANGED_LIST, 1024, 0).every((b) => b === 0)).toBe(true);
  });
});

describe('addChanges (a batch)', () => {
  // The batch must give what addChange one NSID at a time gives: the list, and how many NSIDs changed it (the
  // 'qemu' profile queues one notice for each).
  const oneByOne = (list: ChangedList, nsids: readonly number[], from: number, add: typeof addChange = addChange) => {
    let added = 0;
    for (const nsid of nsids.slice(from)) {
      const next = add(list, nsid);
      if (next !== list) added++;
      list = next;
    }
    return { list, added };
  };
  it('agrees with addChange (appendChange in change order) NSID by NSID on random batches, overflow included', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 1500 }), { maxLength: 1100 }),
        fc.array(fc.integer({ min: 1, max: 1500 }), { maxLength: 1300 }),
        fc.nat({ max: 5 }),
        (before, batch, from) => {
          const start = build(before);
          expect(addChanges(start, batch, from)).toEqual(oneByOne(start, batch, from));
          // In change order (Linux nvmet), as appendChange one at a time, from a list built the same way.
          const appended = before.reduce(appendChange, EMPTY_CHANGED_LIST);
          expect(addChanges(appended, batch, from, 'change')).toEqual(oneByOne(appended, batch, from, appendChange));
        },
      ),
      { numRuns: 300, seed: 20261201 },
    );
  });
  it('overflows on the 1025th distinct NSID and counts the overflow as a change', () => {
    const nsids = Array.from({ length: 1025 }, (_, i) => i + 1);
    expect(addChanges(EMPTY_CHANGED_LIST, nsids)).toEqual({ list: { nsids: [], overflow: true }, added: 1025 });
    expect(addChanges(EMPTY_CHANGED_LIST, nsids.slice(0, 1024)).list.nsids).toHaveLength(1024);
  });
});
