// Little-endian field helpers (src/spec/le.ts) against DataView, the reference, for every value class: the SQE
// and CQE codecs are built on them.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { getU32, getU64, setU32, setU64 } from '../../src/spec/le.ts';
import { GuestMemory } from '../../src/device/guest-memory.ts';

const U64 = fc.oneof(fc.constant(0n), fc.constant((1n << 32n) - 1n), fc.constant(1n << 32n), fc.constant((1n << 64n) - 1n), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }));

describe('little-endian fields', () => {
  it('setU32/getU32 agree with DataView for any 32-bit pattern, at any offset', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 }), fc.integer({ min: 0, max: 12 }), (v, at) => {
        const b = new Uint8Array(16);
        setU32(b, at, v);
        const dv = new DataView(b.buffer);
        expect(dv.getUint32(at, true)).toBe(v >>> 0);
        expect(getU32(b, at)).toBe(v >>> 0);
      }),
    );
  });

  it('setU64/getU64 agree with DataView on both sides of 2^32', () => {
    fc.assert(
      fc.property(U64, fc.integer({ min: 0, max: 8 }), (v, at) => {
        const b = new Uint8Array(16).fill(0xaa);
        setU64(b, at, v);
        const dv = new DataView(b.buffer);
        expect(dv.getBigUint64(at, true)).toBe(v);
        dv.setBigUint64(at, v, true);
        expect(getU64(b, at)).toBe(v);
      }),
    );
  });
});

describe('GuestMemory small-entry path', () => {
  it('reads and writes of any size at any address match a flat reference', () => {
    const size = 4 * 4096;
    fc.assert(
      fc.property(
        fc.array(fc.record({ at: fc.integer({ min: 0, max: size - 1 }), data: fc.uint8Array({ minLength: 0, maxLength: 200 }) }), { maxLength: 20 }),
        fc.integer({ min: 0, max: size - 1 }),
        fc.integer({ min: 0, max: 128 }),
        (writes, readAt, readLength) => {
          const m = new GuestMemory(size);
          const ref = new Uint8Array(size);
          for (const w of writes) {
            const ok = m.tryWrite(w.at, w.data);
            expect(ok).toBe(w.at + w.data.length <= size);
            if (ok) ref.set(w.data, w.at);
          }
          const out = m.tryRead(readAt, readLength, new Uint8Array(readLength).fill(0xee));
          if (readAt + readLength > size) expect(out).toBeUndefined();
          else expect(Array.from(out!)).toEqual(Array.from(ref.subarray(readAt, readAt + readLength)));
        },
      ),
    );
  });
});
