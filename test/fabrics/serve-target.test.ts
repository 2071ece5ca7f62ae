// `serve`'s NVMe/TCP target: the connection sequence (ICReq/ICResp, Connect), what it answers to a misbehaving host
// (each bad PDU gets a C2HTermReq with the binding's FES and FEI, then the connection ends; the target goes on and
// serves the next host), one host at a time, a disconnect as a controller reset, the Keep Alive timer, and the
// Identify Controller fields of a fabrics controller. Loopback only, ephemeral ports.
import { afterEach, describe, expect, it } from 'vitest';
import { NvmeTcpTarget, type TargetEvent } from '../../src/serve/target.ts';
import { connectTcp } from '../../src/host/tcp-transport.ts';
import { HostError, NvmeHost } from '../../src/host/nvme-host.ts';
import { loopback } from '../../src/serve/loopback.ts';
import { encodePdu } from '../../src/fabrics/pdu.codec.ts';
import { Fes } from '../../src/fabrics/constants.ts';
import { encodePropertyGet, encodePropertySet, encodeDisconnect, encodeSgl, transportSgl } from '../../src/fabrics/fabrics-command.codec.ts';
import { Cc, Csts, Register } from '../../src/spec/constants.ts';
import { RawPeer } from './raw-peer.ts';

const targets: NvmeTcpTarget[] = [];
afterEach(async () => {
  for (const t of targets.splice(0)) await t.close();
});
async function serve(options: ConstructorParameters<typeof NvmeTcpTarget>[0] = {}): Promise<{ target: NvmeTcpTarget; port: number; events: TargetEvent[] }> {
  const target = new NvmeTcpTarget(options);
  targets.push(target);
  const events: TargetEvent[] = [];
  target.onEvent((e) => events.push(e));
  const { port } = await target.listen(0, '127.0.0.1');
  return { target, port, events };
}
/** A real host works against the target: it survived whatever came before. */
async function stillServes(target: NvmeTcpTarget, port: number): Promise<void> {
  const t = await connectTcp({ host: '127.0.0.1', port, nqn: target.nqn }, { kato: 0 });
  const host = new NvmeHost(t);
  await host.enable();
  expect((await host.identifyController()).cntlid).toBe(1);
  await host.close();
}
const adminSqe = (opcode: number, cid: number, dataIn = 0): Uint8Array => {
  const sqe = new Uint8Array(64);
  sqe[0] = opcode;
  sqe[1] = 0x40;
  sqe[2] = cid;
  encodeSgl(transportSgl(dataIn), sqe);
  return sqe;
};

describe('garbage and misbehaviour: the binding\'s termination, never a crash', () => {
  it('a CapsuleCmd before ICReq: C2HTermReq PDU Sequence Error, connection closed', async () => {
    const { target, port, events } = await serve();
    const peer = await RawPeer.open(port);
    peer.sendPdu({ type: 'capsuleCmd', sqe: new Uint8Array(64), data: new Uint8Array(0) });
    expect(await peer.next()).toMatchObject({ type: 'c2hTermReq', fes: Fes.PDU_SEQUENCE_ERROR });
    await peer.closed;
    expect(events.some((e) => e.type === 'terminated')).toBe(true);
    await stillServes(target, port);
  });

  it('a reserved PDU-Type after Connect: Invalid PDU Header Field, FEI 0, the header echoed', async () => {
    const { target, port } = await serve();
    const peer = await RawPeer.open(port);
    await peer.handshake();
    expect((await peer.connect(target.nqn)).status).toEqual({ sct: 0, sc: 0, dnr: false });
    const bad = Uint8Array.of(0x08, 0, 24, 0, 24, 0, 0, 0, ...new Array(16).fill(0xee));
    peer.send(bad);
    const term = await peer.next();
    expect(term).toMatchObject({ type: 'c2hTermReq', fes: Fes.INVALID_PDU_HEADER_FIELD, fei: 0 });
    expect(Array.from((term as { data: Uint8Array }).data)).toEqual(Array.from(bad));
    await peer.closed;
    await stillServes(target, port);
  });

  it('a CapsuleCmd with HLEN 70: FEI 2', async () => {
    const { target, port } = await serve();
    const peer = await RawPeer.open(port);
    await peer.handshake();
    const b = encodePdu({ type: 'capsuleCmd', sqe: new Uint8Array(64), data: new Uint8Array(0) });
    b[2] = 70;
    peer.send(b);
    expect(await peer.next()).toMatchObject({ type: 'c2hTermReq', fes: Fes.INVALID_PDU_HEADER_FIELD, fei: 2 });
    await stillServes(target, port);
  });

  it('a header digest error with digests negotiated: Header Digest Error', async () => {
    const { target, port } = await serve();
    const peer = await RawPeer.open(port);
    await peer.handshake({ hdgst: true, ddgst: true });
    expect(peer.digests).toEqual({ hdgst: true, ddgst: true });
    const b = encodePdu({ type: 'capsuleCmd', sqe: new Uint8Array(64), data: new Uint8Array(0) }, peer.digests);
    b[20] ^= 0xff;
    peer.send(b);
    expect(await peer.next()).toMatchObject({ type: 'c2hTermReq', fes: Fes.HEADER_DIGEST_ERROR });
    await stillServes(target, port);
  });

  it('H2CData with no R2T outstanding: Invalid PDU Header Field; a second ICReq: PDU Sequence Error; a C2H PDU from a host: FEI 0', async () => {
    const { target, port } = await serve();
    const cases: [import('../../src/fabrics/pdu.codec.ts').Pdu, number][] = [
      [{ type: 'h2cData', cccid: 5, ttag: 1, datao: 0, last: true, data: new Uint8Array(4) }, Fes.INVALID_PDU_HEADER_FIELD],
      [{ type: 'icReq', pfv: 0, hpda: 0, hdgst: false, ddgst: false, maxr2t: 0 }, Fes.PDU_SEQUENCE_ERROR],
      [{ type: 'r2t', cccid: 1, ttag: 1, r2to: 0, r2tl: 4 }, Fes.INVALID_PDU_HEADER_FIELD],
    ];
    for (const [pdu, fes] of cases) {
      const peer = await RawPeer.open(port);
      await peer.handshake();
      await peer.connect(target.nqn);
      peer.sendPdu(pdu);
      expect(await peer.next(), pdu.type).toMatchObject({ type: 'c2hTermReq', fes });
      await peer.closed;
    }
    await stillServes(target, port);
  });

  it('an ICReq with PFV 1: Unsupported Parameter at offset 8', async () => {
    const { target, port } = await serve();
    const peer = await RawPeer.open(port);
    peer.sendPdu({ type: 'icReq', pfv: 1, hpda: 0, hdgst: false, ddgst: false, maxr2t: 0 });
    expect(await peer.next()).toMatchObject({ type: 'c2hTermReq', fes: Fes.UNSUPPORTED_PARAMETER, fei: 8 });
    await stillServes(target, port);
  });

  it('seeded random bytes (40 runs, before and after the handshake), then the host goes away: the target serves on', async () => {
    const { target, port } = await serve();
    let seed = 0x9e3779b9;
    const rand = (): number => {
      seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
      return seed;
    };
    let terminated = 0;
    for (let run = 0; run < 40; run++) {
      const peer = await RawPeer.open(port);
      if (run % 2 === 1) {
        await peer.handshake();
        await peer.connect(target.nqn);
      }
      const garbage = Uint8Array.from({ length: 8 + (rand() % 200) }, () => rand() & 0xff);
      peer.send(garbage);
      peer.socket.end();
      await peer.closed;
      if (peer.pdus.some((p) => p.type === 'c2hTermReq')) terminated++;
    }
    expect(terminated).toBeGreaterThan(20);
    await stillServes(target, port);
  });

  it('the host disconnects with an AER parked: the controller is reset (CC.EN 0); a new host enables it and gets AENs', async () => {
    const { target, port } = await serve();
    const t = await connectTcp({ host: '127.0.0.1', port, nqn: target.nqn }, { kato: 0 });
    const host = new NvmeHost(t);
    await host.enable();
    await host.submitAer();
    expect(target.controller.mmioRead32(Register.CSTS) & Csts.RDY).toBe(1);
    await host.close();
    for (let i = 0; i < 100 && target.active; i++) await new Promise((r) => setImmediate(r));
    expect(target.active).toBe(null);
    expect(target.controller.mmioRead32(Register.CC) & Cc.EN).toBe(0);
    const again = await loopbackTo(target, port);
    await again.enable();
    const aer = await again.submitAer();
    expect(await target.controller.faults.namespace.notifyChange(1)).toMatchObject({ outcome: 'posted' });
    expect((await again.waitFor(aer)).dw0).toBe(0x00040002);
    await again.close();
  });
});

async function loopbackTo(target: NvmeTcpTarget, port: number): Promise<NvmeHost> {
  const { settleLoopback } = await import('../../src/serve/loopback.ts');
  const t = await connectTcp({ host: '127.0.0.1', port, nqn: target.nqn }, { kato: 0, settle: (tt) => settleLoopback(() => target.connectionOf(tt.localPort), tt) });
  return new NvmeHost(t, { timeoutMs: 1000 });
}

describe('Connect and the fabrics commands', () => {
  it('Connect for QID 17 (beyond the 16 I/O queues allocated): Connect Invalid Parameters, IPO 42 (QID), DNR', async () => {
    const { target, port } = await serve();
    const peer = await RawPeer.open(port);
    await peer.handshake();
    const cqe = await peer.connect(target.nqn, { qid: 17 });
    expect(cqe.status).toEqual({ sct: 1, sc: 0x82, dnr: true });
    expect(cqe.dw0).toBe(42);
    peer.close();
  });

  it('Connect for QID 1 with no admin association: invalid parameter in the data at 16 (CNTLID)', async () => {
    const { target, port } = await serve();
    const peer = await RawPeer.open(port);
    await peer.handshake();
    const cqe = await peer.connect(target.nqn, { qid: 1, cntlid: 1 });
    expect(cqe.status).toEqual({ sct: 1, sc: 0x82, dnr: true });
    expect(cqe.dw0).toBe(0x10010);
    peer.close();
  });

  it('Connect to another NQN: invalid parameter in the data at 256 (SUBNQN); CNTLID not FFFFh: at 16', async () => {
    const { port } = await serve({ nqn: 'nqn.test:one' });
    const peer = await RawPeer.open(port);
    await peer.handshake();
    expect(await peer.connect('nqn.test:other')).toMatchObject({ status: { sct: 1, sc: 0x82 }, dw0: 0x10100 });
    expect(await peer.connect('nqn.test:one', { cntlid: 7 })).toMatchObject({ status: { sct: 1, sc: 0x82 }, dw0: 0x10010 });
    expect(await peer.connect('nqn.test:one', { sqsize: 0 })).toMatchObject({ status: { sct: 1, sc: 0x82 }, dw0: 44 });
    expect(await peer.connect('nqn.test:one')).toMatchObject({ status: { sct: 0, sc: 0 }, dw0: 1 });
    expect((await peer.connect('nqn.test:one')).status).toEqual({ sct: 0, sc: 0x0c, dnr: true });
    peer.close();
  });

  it('commands and properties before Connect: Command Sequence Error', async () => {
    const { port } = await serve();
    const peer = await RawPeer.open(port);
    await peer.handshake();
    expect((await peer.command(adminSqe(0x06, 2, 4096))).status).toEqual({ sct: 0, sc: 0x0c, dnr: true });
    expect((await peer.command(encodePropertyGet({ cid: 3, size: 4, ofst: 0x1c }))).status).toEqual({ sct: 0, sc: 0x0c, dnr: true });
    peer.close();
  });

  it('Property Get/Set: CAP (8 bytes, MQES 1023), VS, CSTS; reserved offsets and sizes are Invalid Field; Disconnect on the admin queue is an invalid opcode', async () => {
    const { target, port } = await serve();
    const peer = await RawPeer.open(port);
    await peer.handshake();
    await peer.connect(target.nqn);
    const cap = await peer.command(encodePropertyGet({ cid: 2, size: 8, ofst: 0 }));
    expect(cap.dw0 & 0xffff).toBe(1023);
    expect((await peer.command(encodePropertyGet({ cid: 2, size: 4, ofst: 8 }))).dw0).toBe(0x00020000);
    expect((await peer.command(encodePropertyGet({ cid: 2, size: 4, ofst: 0x0c }))).status).toEqual({ sct: 0, sc: 2, dnr: true });
    expect((await peer.command(encodePropertyGet({ cid: 2, size: 8, ofst: 0x1c }))).status).toEqual({ sct: 0, sc: 2, dnr: true });
    expect((await peer.command(encodePropertySet({ cid: 2, size: 4, ofst: 0x24, value: 0xf000fn }))).status).toEqual({ sct: 0, sc: 2, dnr: true });
    expect((await peer.command(encodeDisconnect({ cid: 2 }))).status).toEqual({ sct: 0, sc: 1, dnr: true });
    expect((await peer.command(encodePropertySet({ cid: 2, size: 4, ofst: 0x14, value: 0x460001n }))).status).toEqual({ sct: 0, sc: 0, dnr: false });
    expect((await peer.command(encodePropertyGet({ cid: 2, size: 4, ofst: 0x1c }))).dw0 & 1).toBe(1);
    peer.close();
  });

  it('SQHD counts every capsule of the admin queue, fabrics commands included', async () => {
    const { target, port } = await serve();
    const peer = await RawPeer.open(port);
    await peer.handshake();
    expect((await peer.connect(target.nqn, { sqsize: 3 })).sqhd).toBe(1);
    expect((await peer.command(encodePropertyGet({ cid: 2, size: 4, ofst: 0x1c }))).sqhd).toBe(2);
    expect((await peer.command(encodePropertySet({ cid: 2, size: 4, ofst: 0x14, value: 0x460001n }))).sqhd).toBe(3);
    expect((await peer.command(adminSqe(0x18, 4))).sqhd).toBe(0); // Keep Alive through the emulator; 4 entries wrap
    peer.close();
  });

  it('one host at a time: a second Connect gets Controller Busy; after the first leaves, it connects', async () => {
    const { target, port } = await serve();
    const first = await RawPeer.open(port);
    await first.handshake();
    await first.connect(target.nqn);
    const second = await RawPeer.open(port);
    await second.handshake();
    expect((await second.connect(target.nqn)).status).toEqual({ sct: 1, sc: 0x81, dnr: true });
    first.close();
    await first.closed;
    for (let i = 0; i < 100 && target.active; i++) await new Promise((r) => setImmediate(r));
    expect((await second.connect(target.nqn)).status).toEqual({ sct: 0, sc: 0, dnr: false });
    second.close();
  });

  it('the host transport reports a failed Connect in one line and a reserved property as a HostError', async () => {
    const { target, port } = await serve();
    await expect(connectTcp({ host: '127.0.0.1', port, nqn: 'nqn.test:nobody' }, { kato: 0 })).rejects.toThrow(/Connect to nqn.test:nobody failed: 1\/82h DNR \(invalid parameter at data offset 256\)/);
    const t = await connectTcp({ host: '127.0.0.1', port, nqn: target.nqn }, { kato: 0 });
    await expect(t.mmioRead32(0x0c)).rejects.toThrow(HostError);
    await t.close();
  });
});

describe('Keep Alive (KATO) and Identify', () => {
  it('no capsule within KATO: fatal status, the association ends; every capsule restarts the timer', async () => {
    const pending: { fn: () => void; ms: number; cleared: boolean }[] = [];
    const timers = {
      setTimeout: (fn: () => void, ms: number) => {
        const t = { fn, ms, cleared: false };
        pending.push(t);
        return t;
      },
      clearTimeout: (h: unknown) => {
        (h as { cleared: boolean }).cleared = true;
      },
    };
    const { target, port, events } = await serve({ timers });
    const peer = await RawPeer.open(port);
    await peer.handshake();
    await peer.connect(target.nqn, { kato: 2000 });
    expect(pending.filter((t) => !t.cleared).map((t) => t.ms)).toEqual([2000]);
    await peer.command(encodePropertyGet({ cid: 2, size: 4, ofst: 0x1c }));
    expect(pending.filter((t) => !t.cleared)).toHaveLength(1);
    expect(pending).toHaveLength(2);
    pending.find((t) => !t.cleared)!.fn(); // KATO elapses
    await peer.closed;
    expect(events.some((e) => e.type === 'keepAliveExpired')).toBe(true);
    await stillServes(target, port);
  });

  it('Identify Controller over fabrics: CNTRLTYPE 1, SGLS, IOCCSZ, IORCSZ, ICDOFF 0, MAXCMD, SUBNQN', async () => {
    const { host, target } = await loopback();
    await host.enable();
    const c = await host.execute({ opcode: 0x06, cdw10: 1, dataIn: 4096 });
    const d = c.data!;
    const u32 = (at: number) => Buffer.from(d).readUInt32LE(at);
    expect(d[111]).toBe(1);
    expect(u32(536)).toBe(0x00100001);
    expect(u32(1792)).toBe((64 + 8192) / 16);
    expect(u32(1796)).toBe(1);
    expect(d[1800] | (d[1801]! << 8)).toBe(0);
    expect(d[514] | (d[515]! << 8)).toBe(1024); // MAXCMD: per queue, not the admin queue's 16 entries (Linux clamps I/O queues to it)
    expect(Buffer.from(d.subarray(768, 768 + target.nqn.length)).toString()).toBe(target.nqn);
    expect(d[78]).toBe(1); // CNTLID from the emulator
    await host.close();
  });
});

describe('data paths and digests', () => {
  it('with header and data digests: the seed case', async () => {
    const { host, target, transport } = await loopback({ hdgst: true, ddgst: true, controller: { namespaces: [{ nsid: 1 }] } });
    expect((transport as unknown as { digests: unknown }).digests).toEqual({ hdgst: true, ddgst: true });
    await host.enable();
    const aer = await host.submitAer();
    expect(await target.controller.faults.namespace.notifyChange(1)).toMatchObject({ outcome: 'posted' });
    expect((await host.waitFor(aer)).dw0).toBe(0x00040002);
    expect(await host.readChangedList()).toEqual({ overflow: false, nsids: [1] });
    await host.close();
  });

  it('host-to-controller data above the in-capsule limit goes on R2T/H2CData (Namespace Attachment, 12 KiB)', async () => {
    const { host, target, transport } = await loopback({ controller: { namespaces: [{ nsid: 1 }, { nsid: 2, attached: false }] } });
    await host.enable();
    const list = new Uint8Array(12288);
    list[0] = 1;
    list[2] = 1; // one controller: CNTLID 1
    const c = await host.execute({ opcode: 0x15, nsid: 2, cdw10: 0, dataOut: list });
    expect(c.status).toEqual({ sct: 0, sc: 0, dnr: false });
    expect(target.connectionOf(transport.localPort)!.sent.r2t).toBe(1);
    expect(await host.activeNamespaces()).toEqual([1, 2]);
    // 4 KiB fits in the capsule: no R2T
    const again = await host.execute({ opcode: 0x15, nsid: 2, cdw10: 1, dataOut: list.subarray(0, 4096) });
    expect(again.status).toEqual({ sct: 0, sc: 0, dnr: false });
    expect(target.connectionOf(transport.localPort)!.sent.r2t).toBe(1);
    expect(await host.activeNamespaces()).toEqual([1]);
    await host.close();
  });

  it('controller-to-host data of 32 KiB in C2HData (Get Log Page, 8,192 dwords)', async () => {
    const [direct, tcp] = [await import('../../src/host/emulator-transport.ts'), await loopback()];
    const onEmulator = new NvmeHost(direct.emulatorTransport());
    await onEmulator.enable();
    await tcp.host.enable();
    const a = await onEmulator.getLogPage({ lid: 2, numd: 8192 });
    const b = await tcp.host.getLogPage({ lid: 2, numd: 8192 });
    expect(b.status).toEqual(a.status);
    expect(Buffer.from(b.data!).equals(Buffer.from(a.data!))).toBe(true);
    await onEmulator.close();
    await tcp.host.close();
  });
});
