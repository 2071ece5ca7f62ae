// A raw NVMe/TCP peer for tests: sends bytes or PDUs as they are and collects what comes back (decoded), so a test
// can send what a real host or controller never would.
import * as net from 'node:net';
import { PduReader } from '../../src/fabrics/pdu-stream.ts';
import { encodePdu, type DigestOptions, type Pdu } from '../../src/fabrics/pdu.codec.ts';
import { encodeConnect, encodeConnectData } from '../../src/fabrics/fabrics-command.codec.ts';
import { decodeCqe, type Cqe } from '../../src/spec/cqe.codec.ts';

export class RawPeer {
  readonly pdus: Pdu[] = [];
  readonly closed: Promise<void>;
  digests: DigestOptions = { hdgst: false, ddgst: false };
  private readonly reader: PduReader;
  private waiters: (() => void)[] = [];
  decodeError: string | undefined;

  private constructor(readonly socket: net.Socket) {
    this.reader = new PduReader({ onPdu: (p) => this.arrived(p), onError: (e) => (this.decodeError = e.message) }, 1 << 20);
    socket.on('data', (c: Buffer) => this.reader.push(c));
    socket.on('error', () => {});
    this.closed = new Promise((r) => socket.once('close', () => {
      r();
      this.wake();
    }));
  }

  static open(port: number): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => resolve(new RawPeer(s)));
      s.once('error', reject);
    });
  }

  private arrived(p: Pdu): void {
    this.pdus.push(p);
    this.wake();
  }
  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  send(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }
  sendPdu(p: Pdu): void {
    this.send(encodePdu(p, this.digests));
  }

  /** The next PDU not yet taken (resolves undefined if the connection closes first). */
  async next(): Promise<Pdu | undefined> {
    for (;;) {
      const p = this.pdus.shift();
      if (p) return p;
      if (this.socket.destroyed || this.socket.readableEnded) return undefined;
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  async handshake(digests: DigestOptions = { hdgst: false, ddgst: false }): Promise<void> {
    this.sendPdu({ type: 'icReq', pfv: 0, hpda: 0, hdgst: digests.hdgst, ddgst: digests.ddgst, maxr2t: 0 });
    const r = await this.next();
    if (r?.type !== 'icResp') throw new Error(`expected ICResp, got ${r?.type}`);
    this.digests = { hdgst: r.hdgst, ddgst: r.ddgst };
    this.reader.digests = this.digests;
  }

  async command(sqe: Uint8Array, data: Uint8Array = new Uint8Array(0)): Promise<Cqe> {
    this.sendPdu({ type: 'capsuleCmd', sqe, data });
    for (;;) {
      const r = await this.next();
      if (!r) throw new Error('the connection closed');
      if (r.type === 'capsuleResp') return decodeCqe(r.cqe);
    }
  }

  connect(nqn: string, f: { qid?: number; sqsize?: number; kato?: number; cntlid?: number } = {}): Promise<Cqe> {
    const data = encodeConnectData({ hostid: new Uint8Array(16).fill(1), cntlid: f.cntlid ?? 0xffff, subnqn: nqn, hostnqn: 'nqn.2014-08.org.nvmexpress:uuid:raw-peer' });
    return this.command(encodeConnect({ cid: 1, qid: f.qid ?? 0, sqsize: f.sqsize ?? 15, cattr: 0, kato: f.kato ?? 0 }), data);
  }

  close(): void {
    this.socket.destroy();
  }
}
