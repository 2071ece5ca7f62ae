// A sparse in-memory block store per namespace (the media behind Read, Write and Flush, NVM Command Set 1.0 §3.2):
// a Map of LBA → block, so a namespace of any size costs only what was written; a block never written reads as
// zeros, or as its seed pattern when the namespace was given one. Bounds are checked by the command logic
// (src/logic/io-commands.ts) before the store is touched; the store itself refuses an LBA outside it (a RangeError,
// a bug of ours, never the host's). No metadata, no protection information.
import { Status } from '../spec/constants.ts';
import type { IoDecision } from '../logic/io-commands.ts';
import type { CommandAnswer } from '../logic/admin-commands.ts';

/** What a never-written block reads as: zeros, or a pattern tests can predict. */
export type BlockSeed =
  | { readonly kind: 'zeros' }
  /** Every byte of the namespace is `byte`. */
  | { readonly kind: 'fill'; readonly byte: number }
  /** Each block starts with its LBA (64-bit little-endian) and is `byte` after it: every block differs. */
  | { readonly kind: 'lba'; readonly byte?: number };

export class BlockStore {
  private readonly blocks = new Map<number, Uint8Array>();

  constructor(readonly nsid: number, readonly blockCount: number, readonly blockSize: number, readonly seed: BlockSeed = { kind: 'zeros' }) {
    if (!Number.isSafeInteger(blockCount) || blockCount < 1) throw new RangeError(`namespace ${nsid}: blocks must be a positive integer, got ${blockCount}`);
    if (!Number.isInteger(blockSize) || blockSize < 512 || (blockSize & (blockSize - 1)) !== 0) throw new RangeError(`namespace ${nsid}: blockSize must be a power of two ≥ 512, got ${blockSize}`);
  }

  /** Blocks written at least once. */
  get written(): number {
    return this.blocks.size;
  }

  private check(slba: number, count: number): void {
    if (!Number.isSafeInteger(slba) || !Number.isSafeInteger(count) || slba < 0 || count < 0 || slba + count > this.blockCount) {
      throw new RangeError(`namespace ${this.nsid}: blocks ${slba}..${slba + count - 1} are outside its ${this.blockCount}`);
    }
  }

  private seeded(lba: number, out: Uint8Array): void {
    switch (this.seed.kind) {
      case 'zeros':
        return;
      case 'fill':
        out.fill(this.seed.byte & 0xff);
        return;
      case 'lba':
        out.fill((this.seed.byte ?? 0) & 0xff);
        new DataView(out.buffer, out.byteOffset, 8).setBigUint64(0, BigInt(lba), true);
    }
  }

  /** `count` blocks from `slba`, as one buffer. */
  read(slba: number, count: number): Uint8Array {
    this.check(slba, count);
    const out = new Uint8Array(count * this.blockSize);
    for (let i = 0; i < count; i++) {
      const at = out.subarray(i * this.blockSize, (i + 1) * this.blockSize);
      const block = this.blocks.get(slba + i);
      if (block) at.set(block);
      else this.seeded(slba + i, at);
    }
    return out;
  }

  /** Write `data` (a whole number of blocks) from `slba`. */
  write(slba: number, data: Uint8Array): void {
    if (data.length % this.blockSize !== 0) throw new RangeError(`namespace ${this.nsid}: ${data.length} bytes are not a whole number of ${this.blockSize}-byte blocks`);
    const count = data.length / this.blockSize;
    this.check(slba, count);
    for (let i = 0; i < count; i++) this.blocks.set(slba + i, data.slice(i * this.blockSize, (i + 1) * this.blockSize));
  }
}

/** The stores of every namespace of the subsystem, by NSID (attachment does not touch the data). */
export class BlockStores {
  private readonly byNsid = new Map<number, BlockStore>();

  constructor(namespaces: readonly { readonly nsid: number; readonly blocks: number; readonly blockSize: number; readonly seed?: BlockSeed }[]) {
    for (const ns of namespaces) this.byNsid.set(ns.nsid, new BlockStore(ns.nsid, ns.blocks, ns.blockSize, ns.seed));
  }

  get(nsid: number): BlockStore | undefined {
    return this.byNsid.get(nsid);
  }
}

/** Carry out a decided I/O command on the stores: a Read's blocks come back as `data`; a Write stores `dataOut`
 * (exactly the decision's bytes, read from the command's data pointer); Flush has nothing to do (no volatile write
 * cache). */
export function executeIo(decision: IoDecision, stores: BlockStores, dataOut?: Uint8Array): CommandAnswer {
  switch (decision.kind) {
    case 'fail':
      return decision.answer;
    case 'flush':
      return { status: Status.SUCCESS, dw0: 0 };
    case 'read': {
      const store = stores.get(decision.nsid);
      if (!store) return { status: Status.withDnr(Status.INVALID_FIELD), dw0: 0 };
      return { status: Status.SUCCESS, dw0: 0, data: store.read(decision.slba, decision.nlb) };
    }
    case 'write': {
      const store = stores.get(decision.nsid);
      if (!store) return { status: Status.withDnr(Status.INVALID_FIELD), dw0: 0 };
      if (!dataOut || dataOut.length !== decision.bytes) return { status: Status.DATA_TRANSFER_ERROR, dw0: 0 };
      store.write(decision.slba, dataOut);
      return { status: Status.SUCCESS, dw0: 0 };
    }
  }
}
