// Guest physical memory: sparse (4 KiB pages allocated on first write), bounded (`size` bytes from address 0),
// byte-addressed. `tryRead`/`tryWrite` report an out-of-range access as `undefined`/`false` so the controller can
// answer with a status; `read`/`write` throw `GuestMemoryError` for host-side callers, whose bug it would be.
import { PAGE_SIZE } from '../spec/constants.ts';

export class GuestMemoryError extends RangeError {
  constructor(readonly address: bigint, readonly length: number, readonly size: number) {
    super(`guest memory access of ${length} bytes at 0x${address.toString(16)} is outside 0..0x${size.toString(16)}`);
    this.name = 'GuestMemoryError';
  }
}

// Host-side reads return fresh arrays; small ones are cut from a shared 64 KiB slab (as Node's Buffer pool does),
// so a host reading a 4 KiB page per command does not make one external allocation per read.
// Slabs are not zeroed (tryRead writes every byte it returns).
const SLAB_SIZE = 64 * 1024;
let slab = Buffer.allocUnsafeSlow(SLAB_SIZE).buffer;
let slabUsed = 0;
function pooled(length: number): Uint8Array {
  // Up to 64 bytes V8 keeps a typed array's bytes on its own heap, which is cheaper than a slab view.
  if (length <= 64 || length > SLAB_SIZE / 8) return new Uint8Array(length);
  if (slabUsed + length > SLAB_SIZE) {
    slab = Buffer.allocUnsafeSlow(SLAB_SIZE).buffer;
    slabUsed = 0;
  }
  const out = new Uint8Array(slab, slabUsed, length);
  slabUsed += (length + 7) & ~7;
  return out;
}

/** Pages are cut from chunks of this many: an ArrayBuffer costs microseconds to create whatever its size, and a
 * controller touches several pages as soon as a host sets up its queues (one controller per generated path). */
const PAGES_PER_CHUNK = 16;
const FIRST_CHUNK_PAGES = 4;

export class GuestMemory {
  private readonly pages = new Map<number, Uint8Array>();
  private readonly sizeBig: bigint;
  private chunk: ArrayBuffer | null = null;
  private chunkPages = 0;

  constructor(readonly size: number) {
    if (!Number.isSafeInteger(size) || size <= 0 || size % PAGE_SIZE !== 0) {
      throw new RangeError(`guest memory size must be a positive multiple of ${PAGE_SIZE}, got ${size}`);
    }
    this.sizeBig = BigInt(size);
  }

  /** Is [address, address+length) inside memory? Accepts bigint addresses straight from PRP entries. */
  contains(address: bigint | number, length: number): boolean {
    if (typeof address === 'bigint') {
      // No bigint arithmetic (each result allocates): anything past the end is outside before it is converted.
      if (address < 0n || address > this.sizeBig) return false;
      address = Number(address);
    }
    return length >= 0 && address >= 0 && address + length <= this.size;
  }

  /** Bytes pages currently allocated (for the storm benchmark's flat-memory check). */
  get allocatedBytes(): number {
    return this.pages.size * PAGE_SIZE;
  }

  tryRead(address: number, length: number, out?: Uint8Array): Uint8Array | undefined {
    if (!Number.isInteger(address) || !Number.isInteger(length) || address < 0 || length < 0 || address + length > this.size) return undefined;
    out ??= new Uint8Array(length);
    const off0 = address % PAGE_SIZE;
    if (off0 + length <= PAGE_SIZE && length <= 64) {
      // One small entry (an SQE, a CQE) inside one page: copied byte by byte, no subarray view.
      const p = this.pages.get((address - off0) / PAGE_SIZE);
      if (p) for (let i = 0; i < length; i++) out[i] = p[off0 + i]!;
      else out.fill(0, 0, length);
      return out;
    }
    let done = 0;
    while (done < length) {
      const at = address + done;
      const page = Math.floor(at / PAGE_SIZE);
      const off = at % PAGE_SIZE;
      const n = Math.min(length - done, PAGE_SIZE - off);
      const p = this.pages.get(page);
      if (p) out.set(p.subarray(off, off + n), done);
      else out.fill(0, done, done + n);
      done += n;
    }
    return out;
  }

  tryWrite(address: number, data: Uint8Array): boolean {
    if (address < 0 || address + data.length > this.size) return false;
    const off0 = address % PAGE_SIZE;
    if (off0 + data.length <= PAGE_SIZE && data.length <= 64) {
      const page = (address - off0) / PAGE_SIZE;
      let p = this.pages.get(page);
      if (!p) p = this.allocate(page);
      for (let i = 0; i < data.length; i++) p[off0 + i] = data[i]!;
      return true;
    }
    let done = 0;
    while (done < data.length) {
      const at = address + done;
      const page = Math.floor(at / PAGE_SIZE);
      const off = at % PAGE_SIZE;
      const n = Math.min(data.length - done, PAGE_SIZE - off);
      let p = this.pages.get(page);
      if (!p) p = this.allocate(page);
      p.set(data.subarray(done, done + n), off);
      done += n;
    }
    return true;
  }

  /** A zeroed page for page number `page`. */
  private allocate(page: number): Uint8Array {
    if (!this.chunk || this.chunkPages * PAGE_SIZE === this.chunk.byteLength) {
      // The first chunk is small (a controller that is enabled once and stopped touches a few pages), later ones not.
      this.chunk = new ArrayBuffer((this.chunk ? PAGES_PER_CHUNK : FIRST_CHUNK_PAGES) * PAGE_SIZE);
      this.chunkPages = 0;
    }
    const p = new Uint8Array(this.chunk, this.chunkPages++ * PAGE_SIZE, PAGE_SIZE);
    this.pages.set(page, p);
    return p;
  }

  read(address: bigint, length: number): Uint8Array {
    const out = this.contains(address, length) ? this.tryRead(Number(address), length, pooled(length)) : undefined;
    if (!out) throw new GuestMemoryError(address, length, this.size);
    return out;
  }

  write(address: bigint, data: Uint8Array): void {
    if (!this.contains(address, data.length) || !this.tryWrite(Number(address), data)) {
      throw new GuestMemoryError(address, data.length, this.size);
    }
  }
}
