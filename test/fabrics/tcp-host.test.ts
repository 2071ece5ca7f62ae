// The host side of NVMe/TCP against a controller that misbehaves (a raw fake controller on loopback): a bad PDU
// gets H2CTermReq with the binding's FES and the host's calls reject with one HostError, never a crash; a
// C2HTermReq or a dropped connection fail the calls the same way; Keep Alive goes out within KATO.
import { afterEach, describe, expect, it } from 'vitest';
import * as net from 'node:net';
import { connectTcp, parseTcpTarget } from '../../src/host/tcp-transport.ts';
import { HostError, NvmeHost } from '../../src/host/nvme-host.ts';
import { PduReader } from '../../src/fabrics/pdu-stream.ts';
import { encodePdu, type Pdu } from '../../src/fabrics/pdu.codec.ts';
import { Fes } from '../../src/fabrics/constants.ts';
import { encodeCqe } from '../../src/spec/cqe.codec.ts';
import { Status } from '../../src/spec/constants.ts';
import { loopback } from '../../src/serve/loopback.ts';

const servers: net.Server[] = [];
const sockets: net.Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const s of servers.splice(0)) await new Promise<void>((r) => s.close(() => r()));
});

/** A fake controller: ICResp, then answers each capsule with `answer` (which may send anything). */
async function fakeController(answer: (pdu: Pdu, send: (b: Uint8Array) => void, socket: net.Socket, sqhd: number) => void): Promise<{ port: number; received: Pdu[] }> {
  const received: Pdu[] = [];
  const server = net.createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => {});
    let capsules = 0;
    const reader = new PduReader({
      onPdu: (p) => {
        received.push(p);
        if (p.type === 'icReq') return void socket.write(encodePdu({ type: 'icResp', pfv: 0, cpda: 0, hdgst: false, ddgst: false, maxh2cdata: 8192 }));
        if (p.type === 'capsuleCmd') capsules++;
        answer(p, (b) => socket.write(b), socket, capsules % 32);
      },
      onError: () => socket.destroy(),
    }, 1 << 20);
    socket.on('data', (c: Buffer) => reader.push(c));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { port: (server.address() as net.AddressInfo).port, received };
}
const ok = (cid: number, dw0 = 1, sqhd = 0): Uint8Array => encodeCqe({ dw0, dw1: 0, sqhd, sqid: 0, cid, phase: 0, status: Status.SUCCESS, crd: 0, more: false });
const cidOf = (p: Pdu): number => (p.type === 'capsuleCmd' ? p.sqe[2]! | (p.sqe[3]! << 8) : -1);
const waitUntil = async (f: () => boolean): Promise<void> => {
  for (let i = 0; i < 2000 && !f(); i++) await new Promise((r) => setTimeout(r, 1));
};

describe('the TCP host transport against a misbehaving controller', () => {
  it('a reserved PDU-Type from the controller: H2CTermReq Invalid PDU Header Field FEI 0; the call rejects with a HostError', async () => {
    const { port, received } = await fakeController((p, send) => {
      if (p.type !== 'capsuleCmd') return;
      if (p.sqe[4] === 0x01) return send(encodePdu({ type: 'capsuleResp', cqe: ok(cidOf(p)) })); // Connect
      send(Uint8Array.of(0x0b, 0, 24, 0, 24, 0, 0, 0, ...new Array(16).fill(0)));
    });
    const t = await connectTcp({ host: '127.0.0.1', port, nqn: 'nqn.test:fake' }, { kato: 0 });
    await expect(t.mmioRead32(0x1c)).rejects.toThrow(HostError);
    await waitUntil(() => received.some((p) => p.type === 'h2cTermReq'));
    expect(received.find((p) => p.type === 'h2cTermReq')).toMatchObject({ fes: Fes.INVALID_PDU_HEADER_FIELD, fei: 0 });
    await expect(t.mmioRead32(0x1c)).rejects.toThrow(/bad PDU from the controller/);
    await t.close();
  });

  it('C2HData beyond the command\'s buffer: H2CTermReq Data Transfer Out of Range', async () => {
    let cc = 0;
    const { port, received } = await fakeController((p, send, _socket, sqhd) => {
      if (p.type !== 'capsuleCmd') return;
      const cid = cidOf(p);
      // Property Set CC is kept; Property Get: CAP.MQES FFh, CSTS.RDY = CC.EN
      if (p.sqe[0] === 0x7f && p.sqe[4] === 0x00) cc = p.sqe[48]!;
      if (p.sqe[0] === 0x7f) return send(encodePdu({ type: 'capsuleResp', cqe: ok(cid, p.sqe[4] !== 0x04 ? 0 : p.sqe[44] === 0 ? 0xff : cc & 1, sqhd) }));
      send(encodePdu({ type: 'c2hData', cccid: cid, datao: 4000, last: true, success: false, data: new Uint8Array(200) }));
    });
    const t = await connectTcp({ host: '127.0.0.1', port, nqn: 'nqn.test:fake' }, { kato: 0, timeoutMs: 2000 });
    const host = new NvmeHost(t, { timeoutMs: 2000 });
    await host.enable({ queueSize: 32 });
    await expect(host.execute({ opcode: 0x06, cdw10: 1, dataIn: 4096 })).rejects.toThrow(HostError);
    await waitUntil(() => received.some((p) => p.type === 'h2cTermReq'));
    expect(received.find((p) => p.type === 'h2cTermReq')).toMatchObject({ fes: Fes.DATA_TRANSFER_OUT_OF_RANGE });
    await host.close();
  });

  it('a C2HTermReq or a dropped connection: one HostError naming it', async () => {
    const { port } = await fakeController((p, send, socket) => {
      if (p.type !== 'capsuleCmd') return;
      if (p.sqe[4] === 0x01) return send(encodePdu({ type: 'capsuleResp', cqe: ok(cidOf(p)) }));
      if (p.sqe[4] === 0x04) return send(encodePdu({ type: 'c2hTermReq', fes: Fes.PDU_SEQUENCE_ERROR, fei: 0, data: new Uint8Array(8) }));
      socket.destroy();
    });
    const t = await connectTcp({ host: '127.0.0.1', port, nqn: 'nqn.test:fake' }, { kato: 0 });
    await expect(t.mmioRead32(0x1c)).rejects.toThrow(/C2HTermReq FES 02h FEI 0/);
    await t.close();
    const u = await connectTcp({ host: '127.0.0.1', port, nqn: 'nqn.test:fake' }, { kato: 0 });
    await expect(u.mmioWrite32(0x14, 1)).rejects.toThrow(/closed the connection/);
    await u.close();
  });

  it('a controller that never answers ICReq: the connect times out in one line', async () => {
    const server = net.createServer((s) => {
      sockets.push(s);
      s.on('error', () => {});
      s.resume();
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as net.AddressInfo).port;
    await expect(connectTcp({ host: '127.0.0.1', port, nqn: 'nqn.test:mute' }, { timeoutMs: 500 })).rejects.toThrow(/timed out after 500 ms waiting for ICResp/);
    await waitUntil(() => sockets.every((s) => s.readableEnded || s.destroyed));
    expect(sockets.every((s) => s.readableEnded || s.destroyed)).toBe(true); // the host left nothing open
  });

  it('parseTcpTarget: tcp://HOST:PORT/NQN, IPv6 in brackets; anything else refused in one line', () => {
    expect(parseTcpTarget('tcp://127.0.0.1:4420/nqn.2014-08.org.nvmexpress:uuid:1')).toEqual({ host: '127.0.0.1', port: 4420, nqn: 'nqn.2014-08.org.nvmexpress:uuid:1' });
    expect(parseTcpTarget('tcp://[::1]:4420/nqn.x')).toEqual({ host: '::1', port: 4420, nqn: 'nqn.x' });
    expect(() => parseTcpTarget('tcp://host/nqn')).toThrow(/is not tcp:\/\/HOST:PORT\/NQN/);
    expect(() => parseTcpTarget('tcp://host:70000/nqn')).toThrow(/port 70000/);
  });
});

describe('Keep Alive from the host', () => {
  it('with KATO 60 ms and nothing to send, a Keep Alive command reaches the controller', async () => {
    // The target's own KATO timer never fires here (a loaded machine could delay the host past 60 ms): this is
    // about what the host sends.
    const { host, target } = await loopback({ kato: 60, timers: { setTimeout: () => null, clearTimeout: () => {} } });
    await host.enable();
    const seen: number[] = [];
    const off = target.controller.onTrace((e) => {
      if (e.type === 'command.fetched') seen.push(e.opcode);
    });
    await waitUntil(() => seen.includes(0x18));
    off();
    expect(seen).toContain(0x18);
    expect(target.active).not.toBe(null); // the controller's KATO did not expire
    await host.close();
  });
});
