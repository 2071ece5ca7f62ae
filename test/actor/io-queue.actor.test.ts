// I/O queues on PCIe through real rings (NVMe Base 2.0 §5.4–§5.7 Create/Delete I/O CQ/SQ, §3.1.3.16 doorbells;
// NVM Command Set 1.0 §3.2 Read/Write/Flush): the host creates queues, writes and reads back blocks through PRPs;
// every queue command's spec check gets its status; an I/O command with a bad NSID, a range beyond the namespace
// or a bad PRP gets its status; a controller reset deletes the I/O queues (their doorbells then name no queue).
import { describe, expect, it } from 'vitest';
import { AdminOpcode, IoOpcode, Status } from '../../src/spec/constants.ts';
import { encodeCreateQueue, encodeReadWrite } from '../../src/logic/io-commands.ts';
import { DEFAULT_MEMORY_SIZE, type ControllerIo, type EmulatedController } from '../../src/emulator.ts';
import { statusOf, useRigs } from '../support/rig.ts';

const rig = useRigs();
const pattern = (bytes: number, seed: number): Uint8Array => Uint8Array.from({ length: bytes }, (_, i) => (i * 13 + seed) & 0xff);
const QUEUE_MEMORY = 0x2000000n; // 32 MiB into guest memory: beyond what the host driver lays out for itself

describe('I/O queues on PCIe: Create, Read/Write/Flush, Delete', () => {
  it('createIoQueues, write then read back, on one and on four queues; sizes of one page and of a PRP list', async () => {
    const { host, controller } = await rig();
    expect(await host.createIoQueues({ count: 4, queueSize: 8 })).toEqual([1, 2, 3, 4]);
    for (let i = 0; i < 8; i++) expect(statusOf(await host.write(1, i * 3, pattern(3 * 512, i)))).toBe('0/00h');
    for (let i = 0; i < 8; i++) {
      const r = await host.read(1, i * 3, 3);
      expect(r.data).toEqual(pattern(3 * 512, i));
      expect(r.sqid).toBeGreaterThanOrEqual(1);
    }
    const big = pattern(64 * 1024, 77); // 16 pages: PRP2 is a list
    expect(statusOf(await host.write(1, 200, big))).toBe('0/00h');
    expect((await host.read(1, 200, 128)).data).toEqual(big);
    expect((controller as EmulatedController & ControllerIo).blocks.get(1)!.read(200, 128)).toEqual(big);
    expect(statusOf(await host.flush(1))).toBe('0/00h');
    expect((await host.read(1, 1000, 1)).data).toEqual(new Uint8Array(512));
  });

  it('the queue wraps: more commands than entries, each answered in order with its SQ head', async () => {
    const { host } = await rig();
    await host.createIoQueues({ count: 1, queueSize: 4 });
    const heads: number[] = [];
    for (let i = 0; i < 11; i++) heads.push((await host.write(1, i, pattern(512, i))).sqhd);
    expect(heads).toEqual([1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3]);
    for (let i = 0; i < 11; i++) expect((await host.read(1, i, 1)).data).toEqual(pattern(512, i));
  });

  it('deleteIoQueues: Delete I/O SQ then CQ succeed; the freed QIDs can be created again', async () => {
    const { host } = await rig();
    await host.createIoQueues({ count: 2 });
    await host.deleteIoQueues();
    expect(await host.createIoQueues({ count: 2 })).toEqual([1, 2]);
    expect(statusOf(await host.flush(1))).toBe('0/00h');
  });
});

describe('Create/Delete I/O queue checks (statuses with DNR)', () => {
  const create = (opcode: number, f: Parameters<typeof encodeCreateQueue>[0], prp1 = QUEUE_MEMORY) => ({ opcode, prp1, rawPrps: true, ...encodeCreateQueue(f) });
  it.each([
    ['Create I/O CQ with QID 0', create(AdminOpcode.CREATE_IO_CQ, { qid: 0, size: 8 }), '1/01h DNR'],
    ['Create I/O CQ with QID 17 (16 allocated)', create(AdminOpcode.CREATE_IO_CQ, { qid: 17, size: 8 }), '1/01h DNR'],
    ['Create I/O CQ with QSIZE 0', create(AdminOpcode.CREATE_IO_CQ, { qid: 1, size: 1 }), '1/02h DNR'],
    ['Create I/O CQ with QSIZE above MQES', create(AdminOpcode.CREATE_IO_CQ, { qid: 1, size: 4097 }), '1/02h DNR'],
    ['Create I/O CQ with PRP1 not page aligned', create(AdminOpcode.CREATE_IO_CQ, { qid: 1, size: 8 }, QUEUE_MEMORY + 0x40n), '0/13h DNR'],
    ['Create I/O CQ not physically contiguous (PC 0, CAP.CQR 1)', create(AdminOpcode.CREATE_IO_CQ, { qid: 1, size: 8, pc: false }), '0/02h DNR'],
    ['Create I/O CQ with interrupt vector 1 (one vector)', create(AdminOpcode.CREATE_IO_CQ, { qid: 1, size: 8, iv: 1, ien: true }), '1/08h DNR'],
    ['Create I/O SQ with no such CQ', create(AdminOpcode.CREATE_IO_SQ, { qid: 1, size: 8, cqid: 1 }), '1/00h DNR'],
    ['Create I/O SQ with CQID 0 (the admin CQ)', create(AdminOpcode.CREATE_IO_SQ, { qid: 1, size: 8, cqid: 0 }), '1/00h DNR'],
    ['Delete I/O SQ that does not exist', { opcode: AdminOpcode.DELETE_IO_SQ, cdw10: 1 }, '1/01h DNR'],
    ['Delete I/O SQ 0 (the admin SQ)', { opcode: AdminOpcode.DELETE_IO_SQ, cdw10: 0 }, '1/01h DNR'],
    ['Delete I/O CQ that does not exist', { opcode: AdminOpcode.DELETE_IO_CQ, cdw10: 3 }, '1/01h DNR'],
  ])('%s: %s', async (_, command, status) => {
    const { host } = await rig();
    expect(statusOf(await host.execute(command))).toBe(status);
    // The admin queue goes on.
    expect(statusOf(await host.execute(create(AdminOpcode.CREATE_IO_CQ, { qid: 1, size: 8 })))).toBe('0/00h');
  });

  it('a second CQ or SQ with a QID in use: 1/01h; an SQ on a CQ that is in use works; deleting that CQ first: 1/0Ch', async () => {
    const { host } = await rig();
    const create = (opcode: number, f: Parameters<typeof encodeCreateQueue>[0], at: bigint) => host.execute({ opcode, prp1: at, rawPrps: true, ...encodeCreateQueue(f) });
    expect(statusOf(await create(AdminOpcode.CREATE_IO_CQ, { qid: 1, size: 8 }, QUEUE_MEMORY))).toBe('0/00h');
    expect(statusOf(await create(AdminOpcode.CREATE_IO_CQ, { qid: 1, size: 8 }, QUEUE_MEMORY + 0x1000n))).toBe('1/01h DNR');
    expect(statusOf(await create(AdminOpcode.CREATE_IO_SQ, { qid: 1, size: 8, cqid: 1 }, QUEUE_MEMORY + 0x2000n))).toBe('0/00h');
    expect(statusOf(await create(AdminOpcode.CREATE_IO_SQ, { qid: 1, size: 8, cqid: 1 }, QUEUE_MEMORY + 0x3000n))).toBe('1/01h DNR');
    expect(statusOf(await create(AdminOpcode.CREATE_IO_SQ, { qid: 2, size: 8, cqid: 1 }, QUEUE_MEMORY + 0x3000n))).toBe('0/00h');
    expect(statusOf(await host.execute({ opcode: AdminOpcode.DELETE_IO_CQ, cdw10: 1 }))).toBe('1/0Ch DNR');
    expect(statusOf(await host.execute({ opcode: AdminOpcode.DELETE_IO_SQ, cdw10: 1 }))).toBe('0/00h');
    expect(statusOf(await host.execute({ opcode: AdminOpcode.DELETE_IO_CQ, cdw10: 1 }))).toBe('1/0Ch DNR');
    expect(statusOf(await host.execute({ opcode: AdminOpcode.DELETE_IO_SQ, cdw10: 2 }))).toBe('0/00h');
    expect(statusOf(await host.execute({ opcode: AdminOpcode.DELETE_IO_CQ, cdw10: 1 }))).toBe('0/00h');
  });
});

describe('I/O commands with bad input get their status; the queue goes on', () => {
  it('LBA out of range, bad and inactive NSIDs, unknown opcode, beyond MDTS, SGL on PCIe, bad PRPs', async () => {
    const { host } = await rig({ namespaces: [{ nsid: 1, blocks: 64 }, { nsid: 2, attached: false }] });
    await host.createIoQueues();
    expect(statusOf(await host.read(1, 63, 2))).toBe('0/80h DNR');
    expect(statusOf(await host.write(1, 64, new Uint8Array(512)))).toBe('0/80h DNR');
    expect(statusOf(await host.read(0, 0, 1, { blockSize: 512 }))).toBe('0/0Bh DNR');
    expect(statusOf(await host.read(0xfffffffe, 0, 1, { blockSize: 512 }))).toBe('0/0Bh DNR');
    expect(statusOf(await host.read(2, 0, 1, { blockSize: 512 }))).toBe('0/02h DNR');
    expect(statusOf(await host.read(3, 0, 1, { blockSize: 512 }))).toBe('0/02h DNR');
    expect(statusOf(await host.executeIo({ opcode: 0x99, nsid: 1 }))).toBe('0/01h DNR');
    expect(statusOf(await host.executeIo({ opcode: IoOpcode.READ, nsid: 1, ...encodeReadWrite({ slba: 0, nlb: 257 }) }))).toBe('0/02h DNR');
    expect(statusOf(await host.executeIo({ opcode: IoOpcode.READ, nsid: 1, psdt: 1, ...encodeReadWrite({ slba: 0, nlb: 1 }), dataIn: 512 }))).toBe('0/02h DNR');
    expect(statusOf(await host.executeIo({ opcode: IoOpcode.READ, nsid: 1, ...encodeReadWrite({ slba: 0, nlb: 1 }), rawPrps: true, prp1: BigInt(DEFAULT_MEMORY_SIZE + 4096) }))).toBe('0/04h');
    expect(statusOf(await host.executeIo({ opcode: IoOpcode.WRITE, nsid: 1, ...encodeReadWrite({ slba: 0, nlb: 1 }), rawPrps: true, prp1: 0x2000002n }))).toBe('0/13h');
    expect(statusOf(await host.read(1, 0, 1))).toBe('0/00h');
  });
});

describe('a controller reset deletes the I/O queues (NVMe Base 2.0 §3.7.2)', () => {
  it('after CC.EN 1→0 an I/O doorbell names no queue (Write to Invalid Doorbell Register); the data stays', async () => {
    const { host, controller, trace } = await rig();
    await host.createIoQueues({ count: 2 });
    await host.write(1, 4, pattern(512, 4));
    await host.disable();
    await host.enable();
    trace.length = 0;
    controller.mmioWrite32(0x1008, 1); // SQ 1 tail
    expect(trace).toContainEqual(expect.objectContaining({ type: 'doorbell.invalid', offset: 0x1008, reason: 'no such queue' }));
    await host.createIoQueues({ count: 1 });
    expect((await host.read(1, 4, 1)).data).toEqual(pattern(512, 4));
  });

  it('an I/O SQ tail beyond its queue is ignored and raises Invalid Doorbell Write Value; the queue goes on', async () => {
    const { host, controller, trace } = await rig();
    await host.createIoQueues({ count: 1, queueSize: 4 });
    const aer = await host.submitAer();
    controller.mmioWrite32(0x1008, 9);
    expect(trace).toContainEqual(expect.objectContaining({ type: 'doorbell.invalid', offset: 0x1008, value: 9 }));
    expect((await host.waitFor(aer)).dw0).toBe(0x00010100);
    expect(statusOf(await host.flush(1))).toBe('0/00h');
  });
});

describe('Set Features Number of Queues on PCIe', () => {
  it('answers 16 pairs whatever was asked', async () => {
    const { host } = await rig();
    const c = await host.setFeatures(0x07, 0);
    expect(c.status).toEqual(Status.SUCCESS);
    expect(c.dw0).toBe(0x000f000f);
  });
});
