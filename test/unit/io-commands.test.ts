// The I/O command logic (src/logic/io-commands.ts) and the sparse block store (src/device/block-store.ts), pure:
// Read/Write CDW10–12 round trips; the decision for every status in QEMU 7.2's order; the queue commands' checks;
// the store reads zeros or its seed where never written and refuses a range outside it.
import { describe, expect, it } from 'vitest';
import { decideIoCommand, decideQueueCommand, decodeReadWrite, encodeCreateQueue, encodeReadWrite, type IoEnv } from '../../src/logic/io-commands.ts';
import { BlockStore, BlockStores, executeIo } from '../../src/device/block-store.ts';
import { NamespaceTable } from '../../src/device/namespaces.ts';
import { PROFILES } from '../../src/profiles/profiles.ts';
import { AdminOpcode, IoOpcode, Status } from '../../src/spec/constants.ts';
import { sqe } from '../../src/spec/sqe.codec.ts';

const env: IoEnv = { profile: PROFILES.spec, nn: 8, namespaces: new NamespaceTable([{ nsid: 1, blocks: 100, blockSize: 512, attached: true }, { nsid: 2, blocks: 10, blockSize: 4096, attached: false }]) };
const rw = (opcode: number, nsid: number, slba: number | bigint, nlb: number) => sqe({ opcode, nsid, ...encodeReadWrite({ slba, nlb }) });

describe('Read/Write fields', () => {
  it('SLBA over CDW10–11, NLB 0\'s based in CDW12', () => {
    const f = encodeReadWrite({ slba: 0x1_0000_0002n, nlb: 8 });
    expect(f).toEqual({ cdw10: 2, cdw11: 1, cdw12: 7 });
    expect(decodeReadWrite(f)).toEqual({ slba: 0x1_0000_0002n, nlb: 8 });
    expect(decodeReadWrite(encodeReadWrite({ slba: 0, nlb: 65536 })).nlb).toBe(65536);
  });
});

describe('decideIoCommand', () => {
  it('Read and Write within the namespace: blocks and bytes', () => {
    expect(decideIoCommand(rw(IoOpcode.READ, 1, 98, 2), env)).toEqual({ kind: 'read', nsid: 1, slba: 98, nlb: 2, bytes: 1024 });
    expect(decideIoCommand(rw(IoOpcode.WRITE, 1, 0, 1), env)).toMatchObject({ kind: 'write', bytes: 512 });
    expect(decideIoCommand(sqe({ opcode: IoOpcode.FLUSH, nsid: 0xffffffff }), env)).toEqual({ kind: 'flush', nsid: 0xffffffff });
  });
  it.each([
    ['NSID 0', rw(IoOpcode.READ, 0, 0, 1), Status.INVALID_NAMESPACE],
    ['NSID above NN', rw(IoOpcode.READ, 9, 0, 1), Status.INVALID_NAMESPACE],
    ['Read of NSID FFFFFFFFh', rw(IoOpcode.READ, 0xffffffff, 0, 1), Status.INVALID_FIELD],
    ['a detached namespace', rw(IoOpcode.READ, 2, 0, 1), Status.INVALID_FIELD],
    ['an unallocated NSID', rw(IoOpcode.WRITE, 5, 0, 1), Status.INVALID_FIELD],
    ['one block past the end', rw(IoOpcode.READ, 1, 99, 2), Status.LBA_OUT_OF_RANGE],
    ['SLBA near 2^64', rw(IoOpcode.WRITE, 1, 2n ** 64n - 1n, 1), Status.LBA_OUT_OF_RANGE],
    ['beyond MDTS (checked before the range)', rw(IoOpcode.READ, 1, 1000, 257), Status.INVALID_FIELD],
    ['an unknown opcode', sqe({ opcode: 0x99, nsid: 1 }), Status.INVALID_OPCODE],
    ['a fused Read', sqe({ opcode: IoOpcode.READ, nsid: 1, fuse: 1 }), Status.INVALID_FIELD],
  ])('%s: its status with DNR', (_, command, status) => {
    expect(decideIoCommand(command, env)).toEqual({ kind: 'fail', answer: { status: Status.withDnr(status), dw0: 0 } });
  });
});

describe('decideQueueCommand', () => {
  const table = { hasCq: (q: number) => q === 1, hasSq: (q: number) => q === 1, cqInUse: (q: number) => q === 1 };
  const limits = { profile: PROFILES.spec, maxQueues: 16, maxEntries: 4096, vectors: 1 };
  const q = (opcode: number, f: Parameters<typeof encodeCreateQueue>[0], prp1 = 0x10000n) => sqe({ opcode, prp1, ...encodeCreateQueue(f) });
  it('a good Create I/O CQ and SQ', () => {
    expect(decideQueueCommand(q(AdminOpcode.CREATE_IO_CQ, { qid: 2, size: 64 }), table, limits)).toEqual({ kind: 'createCq', qid: 2, size: 64, base: 0x10000n, ien: false, iv: 0 });
    expect(decideQueueCommand(q(AdminOpcode.CREATE_IO_SQ, { qid: 2, size: 64, cqid: 1 }), table, limits)).toEqual({ kind: 'createSq', qid: 2, size: 64, base: 0x10000n, cqid: 1 });
  });
  it('the order of the checks: CQID before QID on Create SQ, QID before QSIZE', () => {
    expect(decideQueueCommand(q(AdminOpcode.CREATE_IO_SQ, { qid: 0, size: 1, cqid: 3 }), table, limits)).toMatchObject({ answer: { status: Status.withDnr(Status.COMPLETION_QUEUE_INVALID) } });
    expect(decideQueueCommand(q(AdminOpcode.CREATE_IO_CQ, { qid: 1, size: 1 }), table, limits)).toMatchObject({ answer: { status: Status.withDnr(Status.INVALID_QUEUE_IDENTIFIER) } });
    expect(decideQueueCommand(q(AdminOpcode.CREATE_IO_CQ, { qid: 3, size: 1 }), table, limits)).toMatchObject({ answer: { status: Status.withDnr(Status.INVALID_QUEUE_SIZE) } });
  });
  it('deleting a CQ an SQ posts to: Invalid Queue Deletion', () => {
    expect(decideQueueCommand(sqe({ opcode: AdminOpcode.DELETE_IO_CQ, cdw10: 1 }), table, limits)).toMatchObject({ answer: { status: Status.withDnr(Status.INVALID_QUEUE_DELETION) } });
    expect(decideQueueCommand(sqe({ opcode: AdminOpcode.DELETE_IO_SQ, cdw10: 1 }), table, limits)).toEqual({ kind: 'deleteSq', qid: 1 });
  });
});

describe('BlockStore', () => {
  it('zeros where never written; what was written, block by block; a copy, not the caller\'s buffer', () => {
    const s = new BlockStore(1, 8, 512);
    expect(s.read(0, 2)).toEqual(new Uint8Array(1024));
    const data = new Uint8Array(1024).fill(7);
    s.write(3, data);
    data.fill(0);
    expect(s.read(3, 2)).toEqual(new Uint8Array(1024).fill(7));
    expect(s.read(2, 1)).toEqual(new Uint8Array(512));
    expect(s.written).toBe(2);
  });
  it('seeds: fill, and the LBA at the start of each block', () => {
    expect(new BlockStore(1, 4, 512, { kind: 'fill', byte: 0xee }).read(1, 1)).toEqual(new Uint8Array(512).fill(0xee));
    const b = new BlockStore(1, 4, 512, { kind: 'lba' }).read(3, 1);
    expect(b[0]).toBe(3);
  });
  it('a range outside the store or a partial block is a RangeError (a bug of the caller, checked before)', () => {
    const s = new BlockStore(1, 8, 512);
    expect(() => s.read(7, 2)).toThrow(RangeError);
    expect(() => s.write(0, new Uint8Array(100))).toThrow(RangeError);
    expect(() => new BlockStore(1, 0, 512)).toThrow(RangeError);
    expect(() => new BlockStore(1, 8, 1000)).toThrow(RangeError);
  });
  it('executeIo: a Write with the wrong number of bytes is Data Transfer Error, never a throw', () => {
    const stores = new BlockStores([{ nsid: 1, blocks: 8, blockSize: 512 }]);
    expect(executeIo({ kind: 'write', nsid: 1, slba: 0, nlb: 1, bytes: 512 }, stores, new Uint8Array(10)).status).toEqual(Status.DATA_TRANSFER_ERROR);
    expect(executeIo({ kind: 'read', nsid: 1, slba: 0, nlb: 1, bytes: 512 }, stores).data).toEqual(new Uint8Array(512));
  });
});
