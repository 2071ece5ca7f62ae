// Little-endian fields read and written byte by byte: the SQE and CQE codecs run once per command on both sides
// of the ring, and a DataView per entry (plus a bigint per 64-bit field) was a measurable share of an admin
// round trip (bench: admin round trip). Every NVMe structure is little-endian (NVMe Base 2.0 §1.5).

export function getU32(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}

export function setU32(b: Uint8Array, at: number, v: number): void {
  b[at] = v;
  b[at + 1] = v >>> 8;
  b[at + 2] = v >>> 16;
  b[at + 3] = v >>> 24;
}

/** A 64-bit field as a bigint; zero (most MPTR and PRP2 fields) allocates nothing. */
export function getU64(b: Uint8Array, at: number): bigint {
  const lo = getU32(b, at);
  const hi = getU32(b, at + 4);
  if (hi === 0) return lo === 0 ? 0n : BigInt(lo);
  return (BigInt(hi) << 32n) | BigInt(lo);
}

const TWO_32 = 1n << 32n;
/** Write `v` (already reduced to 0..2^64-1) as a 64-bit field. */
export function setU64(b: Uint8Array, at: number, v: bigint): void {
  if (v < TWO_32) {
    setU32(b, at, Number(v));
    setU32(b, at + 4, 0);
    return;
  }
  setU32(b, at, Number(v & 0xffffffffn));
  setU32(b, at + 4, Number(v >> 32n));
}
