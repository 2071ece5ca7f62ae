// `serve`'s I/O queues over NVMe/TCP (NVMe Base 2.0 §6.3 Connect with QID > 0; NVM Command Set 1.0 §3.2 Read,
// Write, Flush): NvmeHost connects I/O queues as further connections of the same host and reads back what it
// wrote, in the capsule (≤ 8 KiB) and on R2T/H2CData (larger); the fields Linux 6.1's nvme-tcp host checks
// (Identify Controller CNTRLTYPE/IOCCSZ/IORCSZ/ICDOFF/SGLS/MAXCMD/KAS, Number of Queues, CNS 03h); bad input gets
// its status; the I/O queues end with the association and with a controller reset. Loopback, ephemeral ports.
import { afterEach, describe, expect, it } from 'vitest';
import { loopback } from '../../src/serve/loopback.ts';
import type { NvmeTcpTarget } from '../../src/serve/target.ts';
import type { NvmeHost } from '../../src/host/nvme-host.ts';
import { AdminOpcode, Cns, FeatureId, IoOpcode, Status } from '../../src/spec/constants.ts';
import { encodeIdentify } from '../../src/spec/admin-fields.codec.ts';
import { decodeNamespaceIdDescriptors, identifyNamespaceNguid, Nidt } from '../../src/spec/identify.codec.ts';
import { encodeReadWrite } from '../../src/logic/io-commands.ts';
import { RawPeer } from './raw-peer.ts';
import type { ControllerOptions } from '../../src/emulator.ts';

const running: { target: NvmeTcpTarget; host: NvmeHost }[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) {
    await r.host.close().catch(() => {});
    await r.target.close();
  }
});
async function served(controller?: ControllerOptions): Promise<{ target: NvmeTcpTarget; host: NvmeHost }> {
  const r = await loopback({ controller, timeoutMs: 2000 });
  running.push(r);
  await r.host.enable();
  return r;
}
const pattern = (bytes: number, seed: number): Uint8Array => Uint8Array.from({ length: bytes }, (_, i) => (i * 7 + seed) & 0xff);

describe('I/O queues over NVMe/TCP', () => {
  it('connects an I/O queue and reads back a block it wrote (in-capsule write)', async () => {
    const { target, host } = await served();
    expect(await host.createIoQueues({ count: 1, queueSize: 32 })).toEqual([1]);
    expect(target.ioQueues.has(1)).toBe(true);
    const data = pattern(512, 3);
    const w = await host.write(1, 5, data);
    expect(w.status).toEqual(Status.SUCCESS);
    expect(w.sqid).toBe(1);
    const r = await host.read(1, 5, 1);
    expect(r.status).toEqual(Status.SUCCESS);
    expect(r.data).toEqual(data);
    // A block never written reads as zeros; the store holds what was written.
    expect((await host.read(1, 6, 1)).data).toEqual(new Uint8Array(512));
    expect(target.controller.blocks.get(1)!.read(5, 1)).toEqual(data);
  });

  it('a write larger than the in-capsule 8 KiB goes on R2T/H2CData; a 64 KiB read comes back in C2HData', async () => {
    const { host, target } = await served();
    await host.createIoQueues();
    const data = pattern(128 * 512, 11);
    const r2ts = () => target.ioQueues.get(1)!.sent.r2t ?? 0;
    expect((await host.write(1, 100, data)).status).toEqual(Status.SUCCESS);
    expect(r2ts()).toBe(1);
    const back = await host.read(1, 100, 128);
    expect(back.data).toEqual(data);
    expect((await host.flush(1)).status).toEqual(Status.SUCCESS);
    expect((await host.flush(0xffffffff)).status).toEqual(Status.SUCCESS);
  });

  it('several I/O queues, each its own connection; commands on each complete with its SQID', async () => {
    const { host, target } = await served();
    expect(await host.createIoQueues({ count: 3 })).toEqual([1, 2, 3]);
    expect([...target.ioQueues.keys()].sort()).toEqual([1, 2, 3]);
    for (let i = 0; i < 6; i++) await host.write(1, i, pattern(512, i));
    for (let i = 0; i < 6; i++) expect((await host.read(1, i, 1)).data).toEqual(pattern(512, i));
    const sqids = new Set<number>();
    for (const q of host.queues) sqids.add((await host.executeIo({ opcode: IoOpcode.FLUSH, nsid: 1 }, q.qid)).sqid);
    expect([...sqids].sort()).toEqual([1, 2, 3]);
  });

  it('4096-byte blocks: Identify Namespace says so and Read moves 4 KiB per block', async () => {
    const { host } = await served({ namespaces: [{ nsid: 1, blocks: 64, blockSize: 4096 }] });
    const ns = await host.identifyNamespace(1);
    expect(ns).toMatchObject({ nsze: 64n, ncap: 64n, nuse: 64n, flbas: 0, lbaf0: { lbads: 12 } });
    const data = pattern(2 * 4096, 5);
    await host.write(1, 62, data);
    expect((await host.read(1, 62, 2)).data).toEqual(data);
    expect((await host.read(1, 63, 2)).status).toEqual(Status.withDnr(Status.LBA_OUT_OF_RANGE));
  });

  it('a seeded namespace reads its pattern where nothing was written', async () => {
    const { host } = await served({ namespaces: [{ nsid: 1, blocks: 16, seed: { kind: 'lba', byte: 0xa5 } }] });
    const r = await host.read(1, 9, 1);
    expect(new DataView(r.data!.buffer, r.data!.byteOffset).getBigUint64(0, true)).toBe(9n);
    expect(r.data![8]).toBe(0xa5);
  });
});

describe('what Linux 6.1 checks before it uses the controller', () => {
  it('Identify Controller: CNTRLTYPE 1, IOCCSZ 516, IORCSZ 1, ICDOFF 0, SGLS bit 0, MAXCMD, KAS, SUBNQN', async () => {
    const { host, target } = await served();
    const c = await host.execute({ opcode: AdminOpcode.IDENTIFY, ...encodeIdentify({ cns: Cns.CONTROLLER }), dataIn: 4096 });
    const v = new DataView(c.data!.buffer, c.data!.byteOffset);
    expect(c.data![111]).toBe(1);
    expect(v.getUint32(1792, true)).toBe((64 + 8192) / 16);
    expect(v.getUint32(1796, true)).toBe(1);
    expect(v.getUint16(1800, true)).toBe(0);
    expect(v.getUint32(536, true) & 1).toBe(1);
    expect(v.getUint16(514, true)).toBeGreaterThanOrEqual(128); // Linux's default queue_size is not clamped
    expect(v.getUint16(320, true)).toBeGreaterThan(0);
    expect(v.getUint16(78, true)).toBe(target.cntlid);
    expect(new TextDecoder().decode(c.data!.subarray(768, 768 + target.nqn.length))).toBe(target.nqn);
  });

  it('Set Features 07h answers a non-zero count of queues', async () => {
    const { host } = await served();
    const c = await host.setFeatures(FeatureId.NUMBER_OF_QUEUES, 0x00010001);
    expect(c.status).toEqual(Status.SUCCESS);
    expect(c.dw0 & 0xffff).toBe(15);
    expect(c.dw0 >>> 16).toBe(15);
  });

  it('Identify CNS 03h: an NGUID and a UUID per namespace, stable per NSID, the NGUID as in Identify Namespace', async () => {
    const { host } = await served({ namespaces: [{ nsid: 1 }, { nsid: 2 }, { nsid: 3, attached: false }] });
    const descs = async (nsid: number) => host.execute({ opcode: AdminOpcode.IDENTIFY, nsid, ...encodeIdentify({ cns: Cns.NAMESPACE_ID_DESCRIPTORS }), dataIn: 4096 });
    const one = decodeNamespaceIdDescriptors((await descs(1)).data!);
    expect(one.map((d) => [d.nidt, d.nid.length])).toEqual([[Nidt.NGUID, 16], [Nidt.UUID, 16]]);
    expect(decodeNamespaceIdDescriptors((await descs(1)).data!)).toEqual(one);
    const two = decodeNamespaceIdDescriptors((await descs(2)).data!);
    expect(two[0]!.nid).not.toEqual(one[0]!.nid);
    expect(two[1]!.nid).not.toEqual(one[1]!.nid);
    const ns = await host.execute({ opcode: AdminOpcode.IDENTIFY, nsid: 1, ...encodeIdentify({ cns: Cns.NAMESPACE }), dataIn: 4096 });
    expect(identifyNamespaceNguid(ns.data!)).toEqual(one[0]!.nid);
    expect((await descs(3)).status).toEqual(Status.withDnr(Status.INVALID_FIELD));
    expect((await descs(0)).status).toEqual(Status.withDnr(Status.INVALID_NAMESPACE));
    expect((await descs(0xffffffff)).status).toEqual(Status.withDnr(Status.INVALID_NAMESPACE));
  });
});

describe('bad input on an I/O queue gets its status', () => {
  it('LBA out of range, bad NSID, inactive NSID, unknown opcode, a transfer beyond MDTS', async () => {
    const { host } = await served({ namespaces: [{ nsid: 1, blocks: 100 }, { nsid: 2, attached: false }] });
    await host.createIoQueues();
    expect((await host.read(1, 99, 2)).status).toEqual(Status.withDnr(Status.LBA_OUT_OF_RANGE));
    expect((await host.write(1, 100, new Uint8Array(512))).status).toEqual(Status.withDnr(Status.LBA_OUT_OF_RANGE));
    expect((await host.read(1, 2n ** 63n, 1)).status).toEqual(Status.withDnr(Status.LBA_OUT_OF_RANGE));
    expect((await host.read(0, 0, 1, { blockSize: 512 })).status).toEqual(Status.withDnr(Status.INVALID_NAMESPACE));
    expect((await host.read(5000, 0, 1, { blockSize: 512 })).status).toEqual(Status.withDnr(Status.INVALID_NAMESPACE));
    expect((await host.read(2, 0, 1, { blockSize: 512 })).status).toEqual(Status.withDnr(Status.INVALID_FIELD));
    expect((await host.executeIo({ opcode: 0x99, nsid: 1 })).status).toEqual(Status.withDnr(Status.INVALID_OPCODE));
    // 257 blocks of 512 bytes: beyond MDTS (128 KiB) — the host sends no data for it (dataIn 0).
    expect((await host.executeIo({ opcode: IoOpcode.READ, nsid: 1, ...encodeReadWrite({ slba: 0, nlb: 257 }) })).status).toEqual(Status.withDnr(Status.INVALID_FIELD));
    // The SGL's length must be the command's: 2 blocks asked, 1 block of buffer.
    expect((await host.executeIo({ opcode: IoOpcode.READ, nsid: 1, ...encodeReadWrite({ slba: 0, nlb: 2 }), dataIn: 512 })).status).toEqual(Status.withDnr({ sct: 0, sc: 0x0f, dnr: false }));
    // The queue still serves.
    expect((await host.read(1, 0, 1)).status).toEqual(Status.SUCCESS);
  });

  it('an I/O Connect from another host NQN, for a QID already connected, or before CC.EN: refused', async () => {
    const { host, target } = await served();
    await host.createIoQueues();
    const port = target.address!.port;
    const peer = await RawPeer.open(port);
    await peer.handshake();
    // RawPeer's host NQN is not the admin queue's: invalid parameter in the data at 512 (HOSTNQN).
    expect(await peer.connect(target.nqn, { qid: 2, cntlid: target.cntlid })).toMatchObject({ status: { sct: 1, sc: 0x82, dnr: true }, dw0: 0x10200 });
    expect(await peer.connect(target.nqn, { qid: 2, cntlid: 99 })).toMatchObject({ status: { sct: 1, sc: 0x82, dnr: true }, dw0: 0x10010 });
    peer.close();
    await expect(host.createIoQueues({ count: 2 })).resolves.toEqual([1, 2]);
  });

  it('the I/O queues end with a controller reset and with the association; the host connects them again', async () => {
    const { host, target } = await served();
    await host.createIoQueues({ count: 2 });
    await host.write(1, 1, pattern(512, 9));
    await host.disable();
    for (let i = 0; i < 50 && target.ioQueues.size > 0; i++) await new Promise((r) => setImmediate(r));
    expect(target.ioQueues.size).toBe(0);
    await host.enable();
    await host.createIoQueues({ count: 2 });
    // The media outlives the reset.
    expect((await host.read(1, 1, 1)).data).toEqual(pattern(512, 9));
  });
});
