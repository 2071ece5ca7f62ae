// Probe QEMU's NVMe controller with raw register and guest-memory operations (no host driver), and print what
// it does around Asynchronous Event Requests, Namespace Attachment and the Changed Namespace List log.
// Results are recorded in docs/qemu-observations.md. Run: npx tsx scripts/probe-qemu.ts [experiment letters]

import { liveQemuProcesses, qemuAvailable, startQemu, type QemuTransport } from '../src/host/qemu-transport.ts';

const Reg = { CAP: 0x00, VS: 0x08, CC: 0x14, CSTS: 0x1c, AQA: 0x24, ASQ: 0x28, ACQ: 0x30, SQ0TDBL: 0x1000, CQ0HDBL: 0x1004 } as const;
const Opc = { GET_LOG_PAGE: 0x02, IDENTIFY: 0x06, ABORT: 0x08, SET_FEATURES: 0x09, GET_FEATURES: 0x0a, AER: 0x0c, NS_ATTACH: 0x15 } as const;
const QUEUE_ENTRIES = 16;
const PAGE = 4096;
const CC_READY = 1 | (6 << 16) | (4 << 20); // EN | IOSQES=6 | IOCQES=4; CSS 0, MPS 0 (4 KiB), AMS 0
const NAMESPACES = [
  { nsid: 1, attached: true },
  { nsid: 2, attached: false },
  { nsid: 3, attached: false },
];

// --- encoding ------------------------------------------------------------------------------------------

interface Command {
  opc: number;
  cid?: number;
  nsid?: number;
  prp1?: bigint;
  prp2?: bigint;
  cdw10?: number;
  cdw11?: number;
  cdw12?: number;
}

function encodeSqe(c: Command & { cid: number }): Uint8Array {
  const bytes = new Uint8Array(64);
  const v = new DataView(bytes.buffer);
  v.setUint32(0, (c.opc & 0xff) | ((c.cid & 0xffff) << 16), true);
  v.setUint32(4, c.nsid ?? 0, true);
  v.setBigUint64(24, c.prp1 ?? 0n, true);
  v.setBigUint64(32, c.prp2 ?? 0n, true);
  v.setUint32(40, c.cdw10 ?? 0, true);
  v.setUint32(44, c.cdw11 ?? 0, true);
  v.setUint32(48, c.cdw12 ?? 0, true);
  return bytes;
}

interface Cqe {
  words: number[];
  dw0: number;
  sqhd: number;
  cid: number;
  phase: number;
  sct: number;
  sc: number;
  dnr: boolean;
}

function decodeCqe(bytes: Uint8Array): Cqe {
  const v = new DataView(bytes.buffer, bytes.byteOffset, 16);
  const words = [0, 4, 8, 12].map((o) => v.getUint32(o, true));
  const dw3 = words[3];
  return {
    words,
    dw0: words[0],
    sqhd: words[2] & 0xffff,
    cid: dw3 & 0xffff,
    phase: (dw3 >>> 16) & 1,
    sc: (dw3 >>> 17) & 0xff,
    sct: (dw3 >>> 25) & 0x7,
    dnr: (dw3 >>> 31) === 1,
  };
}

const h = (n: number | bigint, width = 0): string => `0x${n.toString(16).padStart(width, '0')}`;
const status = (c: Cqe): string => `${c.sct}/${c.sc.toString(16).padStart(2, '0')}h${c.dnr ? ' DNR' : ''}`;
const raw = (c: Cqe): string => `[${c.words.map((w) => w.toString(16).padStart(8, '0')).join(' ')}]`;
const show = (c: Cqe): string => `cid=${h(c.cid)} status=${status(c)} dw0=${h(c.dw0, 8)} raw=${raw(c)}`;

function changedList(data: Uint8Array): number[] {
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out: number[] = [];
  for (let i = 0; i + 4 <= data.byteLength; i += 4) {
    const nsid = v.getUint32(i, true);
    if (nsid === 0) break;
    out.push(nsid);
  }
  return out;
}

const getLogCdw10 = (lid: number, dwords: number, rae: boolean): number =>
  ((lid & 0xff) | (rae ? 1 << 15 : 0) | (((dwords - 1) & 0xffff) << 16)) >>> 0;

// --- a raw host: one admin queue pair, polled ------------------------------------------------------------

class RawHost {
  readonly asq: bigint;
  readonly acq: bigint;
  private sqTail = 0;
  private cqHead = 0;
  private phase = 1;
  private nextCid = 1;
  private nextPage = 0;
  /** Every CQE in the order it was found. */
  readonly arrived: Cqe[] = [];
  private readonly claimed = new Set<Cqe>();
  cntlid = 0;

  constructor(readonly t: QemuTransport) {
    this.asq = t.memoryBase;
    this.acq = t.memoryBase + 0x1000n;
  }

  /** A zeroed 4 KiB page for a data buffer. */
  async page(): Promise<bigint> {
    const address = this.t.memoryBase + 0x10000n + BigInt((this.nextPage++ % 256) * PAGE);
    await this.t.memWrite(address, new Uint8Array(PAGE));
    return address;
  }

  async enable(): Promise<void> {
    await this.t.memWrite(this.asq, new Uint8Array(QUEUE_ENTRIES * 64));
    await this.t.memWrite(this.acq, new Uint8Array(QUEUE_ENTRIES * 16));
    this.sqTail = 0;
    this.cqHead = 0;
    this.phase = 1;
    await this.t.mmioWrite32(Reg.AQA, ((QUEUE_ENTRIES - 1) << 16) | (QUEUE_ENTRIES - 1));
    await this.t.mmioWrite64(Reg.ASQ, this.asq);
    await this.t.mmioWrite64(Reg.ACQ, this.acq);
    await this.t.mmioWrite32(Reg.CC, CC_READY);
    await this.waitCsts((csts) => (csts & 1) === 1, 'CSTS.RDY=1');
  }

  async disable(): Promise<void> {
    await this.t.mmioWrite32(Reg.CC, 0);
    await this.waitCsts((csts) => (csts & 1) === 0, 'CSTS.RDY=0');
  }

  async waitCsts(ok: (csts: number) => boolean, what: string, timeoutMs = 2000): Promise<number> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const csts = await this.t.mmioRead32(Reg.CSTS);
      if (ok(csts)) return csts;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what} (CSTS=${h(csts)})`);
      await this.t.wait(1);
    }
  }

  async submit(c: Command): Promise<number> {
    const cid = c.cid ?? this.nextCid++;
    await this.t.memWrite(this.asq + BigInt(this.sqTail * 64), encodeSqe({ ...c, cid }));
    this.sqTail = (this.sqTail + 1) % QUEUE_ENTRIES;
    await this.t.mmioWrite32(Reg.SQ0TDBL, this.sqTail);
    return cid;
  }

  /** Take every CQE now visible (phase tag matches), ring the CQ head doorbell once. */
  async poll(): Promise<Cqe[]> {
    const found: Cqe[] = [];
    for (;;) {
      const cqe = decodeCqe(await this.t.memRead(this.acq + BigInt(this.cqHead * 16), 16));
      if (cqe.phase !== this.phase) break;
      found.push(cqe);
      this.cqHead = (this.cqHead + 1) % QUEUE_ENTRIES;
      if (this.cqHead === 0) this.phase ^= 1;
    }
    if (found.length > 0) await this.t.mmioWrite32(Reg.CQ0HDBL, this.cqHead);
    this.arrived.push(...found);
    return found;
  }

  /** A position in `arrived`, for `since`. */
  mark(): number {
    return this.arrived.length;
  }

  /** Poll for `ms` more, then return every CQE found since `mark` whose CID passes `keep`. */
  async since(mark: number, ms: number, keep: (cid: number) => boolean = () => true): Promise<Cqe[]> {
    await this.drain(ms);
    return this.arrived.slice(mark).filter((c) => keep(c.cid));
  }

  /** Poll for `ms` and return the CQEs that arrived (none expected → empty list). */
  async drain(ms: number): Promise<Cqe[]> {
    const before = this.arrived.length;
    const end = Date.now() + ms;
    while (Date.now() < end) {
      await this.poll();
      await this.t.wait(2);
    }
    await this.poll();
    return this.arrived.slice(before);
  }

  async waitCid(cid: number, timeoutMs = 3000, pollSleepMs = 1): Promise<Cqe> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.arrived.find((c) => c.cid === cid && !this.claimed.has(c));
      if (hit) {
        this.claimed.add(hit);
        return hit;
      }
      if (Date.now() > end) throw new Error(`no completion for cid ${h(cid)} within ${timeoutMs} ms`);
      if ((await this.poll()).length === 0) await this.t.wait(pollSleepMs);
    }
  }

  async run(c: Command, dataLength = 0): Promise<{ cqe: Cqe; data: Uint8Array }> {
    const prp1 = c.prp1 ?? (dataLength > 0 ? await this.page() : 0n);
    const cid = await this.submit({ ...c, prp1 });
    const cqe = await this.waitCid(cid);
    const data = dataLength > 0 ? await this.t.memRead(prp1, dataLength) : new Uint8Array();
    return { cqe, data };
  }

  // --- admin commands ---

  async identifyController(): Promise<{ cqe: Cqe; data: Uint8Array }> {
    const r = await this.run({ opc: Opc.IDENTIFY, cdw10: 0x01 }, PAGE);
    this.cntlid = new DataView(r.data.buffer).getUint16(78, true);
    return r;
  }

  getFeatures(fid: number): Promise<{ cqe: Cqe; data: Uint8Array }> {
    return this.run({ opc: Opc.GET_FEATURES, cdw10: fid });
  }

  setFeatures(fid: number, cdw11: number): Promise<{ cqe: Cqe; data: Uint8Array }> {
    return this.run({ opc: Opc.SET_FEATURES, cdw10: fid, cdw11 });
  }

  aer(cid?: number): Promise<number> {
    return this.submit({ opc: Opc.AER, cid });
  }

  /** Namespace Attachment, submitted only: the caller decides how to collect CQEs. */
  async submitAttach(nsid: number, detach: boolean): Promise<number> {
    const list = await this.page();
    const body = new Uint8Array(4);
    new DataView(body.buffer).setUint16(0, 1, true);
    new DataView(body.buffer).setUint16(2, this.cntlid, true);
    await this.t.memWrite(list, body);
    return this.submit({ opc: Opc.NS_ATTACH, nsid, prp1: list, cdw10: detach ? 1 : 0 });
  }

  async attach(nsid: number, detach = false): Promise<Cqe> {
    return this.waitCid(await this.submitAttach(nsid, detach));
  }

  async readChangedList(rae: boolean, dwords = 1024): Promise<{ cqe: Cqe; list: number[] }> {
    const r = await this.run({ opc: Opc.GET_LOG_PAGE, nsid: 0xffffffff, cdw10: getLogCdw10(0x04, dwords, rae) }, PAGE);
    return { cqe: r.cqe, list: changedList(r.data) };
  }
}

// --- running experiments ---------------------------------------------------------------------------------

const startTimes: number[] = [];

async function withQemu(body: (host: RawHost) => Promise<void>): Promise<void> {
  const t0 = performance.now();
  const t = await startQemu({ namespaces: NAMESPACES });
  startTimes.push(performance.now() - t0);
  try {
    const host = new RawHost(t);
    await host.enable();
    await host.identifyController();
    await body(host);
  } finally {
    await t.close();
  }
}

const say = (line: string): void => console.log(`  ${line}`);
const order = (cqes: Cqe[]): string => cqes.map((c) => `${h(c.cid)}(${status(c)}, dw0 ${h(c.dw0, 8)})`).join(' → ') || '(none)';

const experiments: Record<string, [string, (host: RawHost) => Promise<void>]> = {
  a: ['Identify Controller', async (host) => {
    const { cqe, data } = await host.identifyController();
    const v = new DataView(data.buffer);
    say(`cqe ${show(cqe)}`);
    say(`AERL=${data[259]} OAES=${h(v.getUint32(92, true), 8)} CNTLID=${v.getUint16(78, true)} VER=${h(v.getUint32(80, true), 8)}`);
    say(`NN=${v.getUint32(516, true)} LPA=${h(data[261], 2)} ACL=${data[258]} MDTS=${data[77]}`);
    const cap = await host.t.mmioRead64(Reg.CAP);
    say(`CAP=${h(cap, 16)} (MQES=${Number(cap & 0xffffn)} DSTRD=${Number((cap >> 32n) & 0xfn)} TO=${Number((cap >> 24n) & 0xffn)}) VS=${h(await host.t.mmioRead32(Reg.VS), 8)}`);
  }],
  b: ['Get/Set Features 0Bh', async (host) => {
    say(`Get 0Bh: ${show((await host.getFeatures(0x0b)).cqe)}`);
    say(`Set 0Bh=0x0: ${show((await host.setFeatures(0x0b, 0)).cqe)}`);
    say(`Get 0Bh: ${show((await host.getFeatures(0x0b)).cqe)}`);
    say(`Set 0Bh=0x100: ${show((await host.setFeatures(0x0b, 0x100)).cqe)}`);
    say(`Get 0Bh: ${show((await host.getFeatures(0x0b)).cqe)}`);
  }],
  c: ['1 AER parked, attach ns2', async (host) => {
    const aer = await host.aer(0x40);
    await host.drain(100);
    const att = await host.submitAttach(2, false);
    await host.waitCid(att);
    await host.waitCid(aer);
    say(`CQE order: ${order(host.arrived.filter((c) => c.cid === aer || c.cid === att))}`);
    for (const c of host.arrived.filter((c) => c.cid === aer || c.cid === att)) say(show(c));
    const log = await host.readChangedList(false);
    say(`Get Log 04h RAE=0 NUMD=1024: ${show(log.cqe)} list=[${log.list}]`);
    const again = await host.readChangedList(false);
    say(`again: list=[${again.list}]`);
  }],
  d: ['AER limit and completion order', async (host) => {
    for (const cid of [0x10, 0x11, 0x12, 0x13]) await host.aer(cid);
    say(`after 4 AERs (200 ms): ${order(await host.drain(200))}`);
    await host.aer(0x14);
    say(`5th AER: ${show(await host.waitCid(0x14))}`);
    await host.attach(2);
    say(`attach ns2 → AEN on ${order(host.arrived.filter((c) => c.cid >= 0x10 && c.cid <= 0x13))}`);
    await host.readChangedList(false);
    await host.attach(3);
    await host.drain(100);
    say(`read log RAE=0, attach ns3 → AERs completed so far: ${order(host.arrived.filter((c) => c.cid >= 0x10 && c.cid <= 0x13))}`);
    await host.readChangedList(false);
    await host.attach(2, true);
    await host.drain(100);
    say(`read log RAE=0, detach ns2 → AERs completed so far: ${order(host.arrived.filter((c) => c.cid >= 0x10 && c.cid <= 0x13))}`);
  }],
  e: ['Masking and RAE', async (host) => {
    const isAer = (cid: number): boolean => cid === 0x20 || cid === 0x21;
    let m = host.mark();
    await host.aer(0x20);
    await host.aer(0x21);
    const a2 = await host.attach(2);
    say(`attach ns2 (${status(a2)}): CQEs ${order(await host.since(m, 200))}`);
    m = host.mark();
    const a3 = await host.attach(3);
    say(`attach ns3 while masked (${status(a3)}): AER CQEs in 300 ms: ${order(await host.since(m, 300, isAer))}`);
    m = host.mark();
    const r1 = await host.readChangedList(true);
    say(`Get Log 04h RAE=1: ${status(r1.cqe)} list=[${r1.list}]; AER CQEs in 300 ms: ${order(await host.since(m, 300, isAer))}`);
    m = host.mark();
    const d2 = await host.attach(2, true);
    say(`detach ns2 while still masked (${status(d2)}): AER CQEs in 300 ms: ${order(await host.since(m, 300, isAer))}`);
    m = host.mark();
    const r2 = await host.readChangedList(false);
    say(`Get Log 04h RAE=0: ${status(r2.cqe)} list=[${r2.list}]; CQEs incl. this read, 300 ms: ${order(await host.since(m, 300))}`);
    m = host.mark();
    const r3 = await host.readChangedList(false);
    say(`following Get Log 04h RAE=0: ${status(r3.cqe)} list=[${r3.list}]; AER CQEs in 300 ms: ${order(await host.since(m, 300, isAer))}`);
    m = host.mark();
    const a3b = await host.attach(3, true);
    say(`detach ns3 now (${status(a3b)}): CQEs ${order(await host.since(m, 300))}`);
  }],
  f: ['Abort a parked AER', async (host) => {
    await host.aer(0x30);
    await host.drain(50);
    const abortCid = await host.submit({ opc: Opc.ABORT, cid: 0x31, cdw10: (0 | (0x30 << 16)) >>> 0 });
    await host.waitCid(abortCid);
    const window = await host.drain(300);
    const seen = host.arrived.filter((c) => c.cid === 0x30 || c.cid === 0x31);
    say(`CQEs: ${order(seen)}`);
    for (const c of seen) say(show(c));
    say(`(${window.length} more CQEs in the 300 ms after)`);
    await host.attach(2);
    await host.drain(200);
    say(`attach ns2 afterwards → AER 0x30: ${order(host.arrived.filter((c) => c.cid === 0x30))}`);
  }],
  g: ['Error statuses', async (host) => {
    const m = host.mark();
    await host.aer(0x50);
    say(`opcode 99h: ${show((await host.run({ opc: 0x99 })).cqe)}`);
    say(`Identify NSID 0 CNS 00h: ${show((await host.run({ opc: Opc.IDENTIFY, nsid: 0, cdw10: 0 }, PAGE)).cqe)}`);
    say(`Identify NSID 1 CNS 00h: ${show((await host.run({ opc: Opc.IDENTIFY, nsid: 1, cdw10: 0 }, PAGE)).cqe)}`);
    say(`Get Log Page LID 7Fh: ${show((await host.run({ opc: Opc.GET_LOG_PAGE, nsid: 0xffffffff, cdw10: getLogCdw10(0x7f, 128, false) }, PAGE)).cqe)}`);
    say(`attach ns1 (attached): ${show(await host.attach(1))}`);
    say(`detach ns3 (detached): ${show(await host.attach(3, true))}`);
    say(`AER 0x50 completions in 300 ms (expect none): ${order(await host.since(m, 300, (cid) => cid === 0x50))}`);
    const r = await host.readChangedList(false);
    say(`Changed list afterwards: [${r.list}]`);
  }],
  h: ['AEC bit 8 off', async (host) => {
    say(`Set 0Bh=0: ${status((await host.setFeatures(0x0b, 0)).cqe)}; Get → dw0 ${h((await host.getFeatures(0x0b)).cqe.dw0, 8)}`);
    const m = host.mark();
    await host.aer(0x60);
    const a = await host.attach(2);
    say(`attach ns2 (${status(a)}) → CQEs in order, 300 ms: ${order(await host.since(m, 300))}`);
  }],
  i: ['Controller reset with parked AERs', async (host) => {
    await host.setFeatures(0x0b, 0x100);
    const m0 = host.mark();
    await host.aer(0x70);
    await host.aer(0x71);
    await host.attach(2);
    await host.attach(3); // masked: recorded, not reported
    say(`before reset: CQEs ${order(await host.since(m0, 200))}; one AER still parked, ns3 change masked`);
    const cqBefore = await host.t.memRead(host.acq, QUEUE_ENTRIES * 16);
    await host.t.mmioWrite32(Reg.CC, 0);
    const csts = await host.waitCsts((v) => (v & 1) === 0, 'RDY=0');
    await host.t.wait(200);
    const cqAfter = await host.t.memRead(host.acq, QUEUE_ENTRIES * 16);
    say(`CC.EN=0 → CSTS=${h(csts)}; CQ memory changed by the reset (200 ms later): ${Buffer.compare(Buffer.from(cqBefore), Buffer.from(cqAfter)) !== 0}`);
    await host.enable();
    let m = host.mark();
    say(`re-enabled; CQEs in 200 ms: ${order(await host.since(m, 200))}`);
    say(`Get 0Bh after reset (set to 0x100 before): dw0 ${h((await host.getFeatures(0x0b)).cqe.dw0, 8)}`);
    m = host.mark();
    await host.aer(0x72);
    say(`new AER 0x72; CQEs in 300 ms: ${order(await host.since(m, 300))}`);
    m = host.mark();
    const r = await host.readChangedList(false);
    say(`Get Log 04h RAE=0 after reset: ${status(r.cqe)} list=[${r.list}]; CQEs incl. the read, 300 ms: ${order(await host.since(m, 300))}`);
    m = host.mark();
    const d = await host.attach(3, true);
    say(`detach ns3 (${status(d)}) → CQEs: ${order(await host.since(m, 300))}`);
  }],
  j: ['Shutdown notification', async (host) => {
    const before = await host.t.mmioRead32(Reg.CSTS);
    await host.t.mmioWrite32(Reg.CC, CC_READY | (1 << 14));
    const immediately = await host.t.mmioRead32(Reg.CSTS);
    await host.t.wait(100);
    say(`CSTS before=${h(before)} right after CC.SHN=01b=${h(immediately)} after 100 ms=${h(await host.t.mmioRead32(Reg.CSTS))}`);
    await host.t.mmioWrite32(Reg.CC, CC_READY | (2 << 14));
    say(`CC.SHN=10b → CSTS=${h(await host.t.mmioRead32(Reg.CSTS))}`);
  }],
  k: ['Partial read of the Changed Namespace List', async (host) => {
    await host.attach(1, true);
    await host.attach(2);
    await host.attach(3);
    const part = await host.readChangedList(false, 2);
    say(`3 changes (detach 1, attach 2, attach 3); Get Log 04h NUMD=2 RAE=0: ${status(part.cqe)} list=[${part.list}]`);
    const next = await host.readChangedList(false);
    say(`following full read: ${status(next.cqe)} list=[${next.list}]`);
  }],
  l: ['PRP1 at page offset 800h + PRP2', async (host) => {
    await host.attach(2);
    await host.attach(3);
    await host.drain(50);
    const [p1, p2] = [await host.page(), await host.page()];
    await host.t.memWrite(p1, new Uint8Array(PAGE).fill(0xaa));
    await host.t.memWrite(p2, new Uint8Array(PAGE).fill(0xaa));
    const log = await host.run({ opc: Opc.GET_LOG_PAGE, nsid: 0xffffffff, prp1: p1 + 0x800n, prp2: p2, cdw10: getLogCdw10(0x04, 1024, false) });
    const [m1, m2] = [await host.t.memRead(p1, PAGE), await host.t.memRead(p2, PAGE)];
    const untouched = (b: Uint8Array, from: number, to: number): boolean => b.subarray(from, to).every((x) => x === 0xaa);
    const zero = (b: Uint8Array, from: number, to: number): boolean => b.subarray(from, to).every((x) => x === 0);
    say(`Get Log 04h (4096 B) PRP1=${h(p1 + 0x800n)} PRP2=${h(p2)}: ${status(log.cqe)}`);
    say(`list in PRP1 part=[${changedList(m1.subarray(0x800))}]; PRP1 page 0..7FFh untouched=${untouched(m1, 0, 0x800)}`);
    say(`PRP2 page 0..7FFh zero-filled=${zero(m2, 0, 0x800)}; PRP2 page 800h..FFFh untouched=${untouched(m2, 0x800, PAGE)}`);
    const straight = await host.identifyController();
    const [q1, q2] = [await host.page(), await host.page()];
    const split = await host.run({ opc: Opc.IDENTIFY, cdw10: 1, prp1: q1 + 0x800n, prp2: q2 });
    const joined = new Uint8Array(PAGE);
    joined.set((await host.t.memRead(q1 + 0x800n, 0x800)), 0);
    joined.set((await host.t.memRead(q2, 0x800)), 0x800);
    say(`Identify Controller split the same way: ${status(split.cqe)}, equals the unsplit data: ${Buffer.compare(Buffer.from(joined), Buffer.from(straight.data)) === 0}`);
  }],
  m: ['Events retained with no AER parked (extra)', async (host) => {
    await host.attach(1, true);
    await host.attach(2);
    await host.attach(3);
    const r = await host.readChangedList(false);
    say(`3 changes with no AER parked; Get Log 04h RAE=0: ${status(r.cqe)} list=[${r.list}]`);
    let m = host.mark();
    for (const cid of [0x80, 0x81, 0x82, 0x83]) await host.aer(cid);
    say(`then 4 AERs → CQEs in 300 ms: ${order(await host.since(m, 300))}`);
    for (let i = 0; i < 3; i++) {
      m = host.mark();
      const next = await host.readChangedList(false);
      say(`Get Log 04h RAE=0: list=[${next.list}]; CQEs incl. the read, 300 ms: ${order(await host.since(m, 300))}`);
    }
  }],
};

async function timing(): Promise<void> {
  await withQemu(async (host) => {
    const n = 200;
    let t0 = performance.now();
    for (let i = 0; i < n; i++) await host.t.mmioRead32(Reg.CSTS);
    say(`one qtest request (readl): ${((performance.now() - t0) / n).toFixed(3)} ms average over ${n}`);
    t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const cid = await host.submit({ opc: Opc.GET_FEATURES, cdw10: 0x0b });
      await host.waitCid(cid, 3000, 0);
    }
    say(`one admin command (Get Features; SQE write, doorbell, CQE poll, CQ doorbell): ${((performance.now() - t0) / n).toFixed(3)} ms average over ${n}`);
    t0 = performance.now();
    for (let i = 0; i < 20; i++) await host.readChangedList(false);
    say(`one Get Log Page 04h incl. 4 KiB zeroing and read-back: ${((performance.now() - t0) / 20).toFixed(3)} ms average`);
  });
}

async function main(): Promise<void> {
  if (!(await qemuAvailable())) {
    console.log('QEMU is not available; nothing to probe.');
    return;
  }
  const wanted = process.argv.slice(2).join('') || Object.keys(experiments).join('') + 't';
  for (const [key, [title, body]] of Object.entries(experiments)) {
    if (!wanted.includes(key)) continue;
    console.log(`${key}. ${title}`);
    try {
      await withQemu(body);
    } catch (error) {
      say(`FAILED: ${(error as Error).message}`);
    }
  }
  if (wanted.includes('t')) {
    console.log('timing');
    await timing();
  }
  const avg = startTimes.reduce((a, b) => a + b, 0) / Math.max(1, startTimes.length);
  console.log(`QEMU start (spawn → BAR0 mapped), ${startTimes.length} starts: avg ${avg.toFixed(0)} ms, min ${Math.min(...startTimes).toFixed(0)}, max ${Math.max(...startTimes).toFixed(0)}`);
  console.log(`live QEMU processes left: ${liveQemuProcesses()}`);
}

await main();
