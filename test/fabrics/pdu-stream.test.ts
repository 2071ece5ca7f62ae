// The PDU reassembler: PDUs split across TCP reads at every byte, coalesced into one read, or cut at seeded random
// points come out whole and in order; a bad header stops the stream with its error and the offending header.
import { describe, expect, it } from 'vitest';
import { PduReader } from '../../src/fabrics/pdu-stream.ts';
import { encodePdu, type Pdu, type PduError } from '../../src/fabrics/pdu.codec.ts';
import { Fes } from '../../src/fabrics/constants.ts';

const PDUS: Pdu[] = [
  { type: 'capsuleCmd', sqe: new Uint8Array(64).fill(1), data: new Uint8Array(1024).fill(2) },
  { type: 'capsuleResp', cqe: new Uint8Array(16).fill(3) },
  { type: 'r2t', cccid: 1, ttag: 2, r2to: 0, r2tl: 8192 },
  { type: 'h2cData', cccid: 1, ttag: 2, datao: 0, last: true, data: new Uint8Array(8192).map((_, i) => i) },
  { type: 'c2hData', cccid: 4, datao: 0, last: true, success: false, data: new Uint8Array(4096).fill(9) },
];

function collect(digests = { hdgst: false, ddgst: false }): { reader: PduReader; got: Pdu[]; errors: { error: PduError; header: Uint8Array }[] } {
  const got: Pdu[] = [];
  const errors: { error: PduError; header: Uint8Array }[] = [];
  const reader = new PduReader({ onPdu: (p) => got.push(p), onError: (error, header) => errors.push({ error, header }) }, 1 << 20);
  reader.digests = digests;
  return { reader, got, errors };
}
/** PDUs as comparable text (deep equality on large typed arrays is slow). */
const show = (pdus: Pdu[]): string[] => pdus.map((p) => JSON.stringify(p, (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v)));
const concat = (parts: Uint8Array[]): Uint8Array => Uint8Array.from(Buffer.concat(parts));

describe('PDU reassembly across TCP reads', () => {
  for (const digests of [{ hdgst: false, ddgst: false }, { hdgst: true, ddgst: true }]) {
    const stream = concat(PDUS.map((p) => encodePdu(p, digests)));
    const label = digests.hdgst ? 'with digests' : 'without digests';

    it(`${label}: one byte per read`, () => {
      const { reader, got, errors } = collect(digests);
      for (let i = 0; i < stream.length; i++) reader.push(stream.subarray(i, i + 1));
      expect(errors).toEqual([]);
      expect(show(got)).toEqual(show(PDUS));
      expect(reader.pending).toBe(0);
    });

    it(`${label}: every PDU coalesced into one read`, () => {
      const { reader, got } = collect(digests);
      reader.push(stream);
      expect(show(got)).toEqual(show(PDUS));
    });

    it(`${label}: cut at seeded random points (100 runs)`, () => {
      let seed = 0x2545f491;
      const next = (n: number): number => {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        return seed % n;
      };
      const want = show(PDUS);
      for (let run = 0; run < 100; run++) {
        const { reader, got } = collect(digests);
        for (let at = 0; at < stream.length; ) {
          const len = 1 + next(300);
          reader.push(stream.subarray(at, at + len));
          at += len;
        }
        expect(show(got)).toEqual(want);
      }
    });

    it(`${label}: a Node Buffer read keeps decoded fields as copies`, () => {
      const { reader, got } = collect(digests);
      const buffer = Buffer.from(stream);
      reader.push(buffer);
      buffer.fill(0);
      expect(show(got)).toEqual(show(PDUS));
    });
  }

  it('a PDU that is not whole yet waits for its bytes', () => {
    const { reader, got } = collect();
    const b = encodePdu(PDUS[0]!);
    reader.push(b.subarray(0, 100));
    expect(got).toEqual([]);
    expect(reader.pending).toBe(100);
    reader.push(b.subarray(100));
    expect(got).toEqual([PDUS[0]]);
  });

  it('a bad header after good PDUs: the good ones are delivered, then the error with the header; nothing after it', () => {
    const { reader, got, errors } = collect();
    const bad = encodePdu({ type: 'capsuleResp', cqe: new Uint8Array(16) });
    bad[0] = 0x0a;
    reader.push(concat([encodePdu(PDUS[1]!), bad, encodePdu(PDUS[1]!)]));
    expect(got).toEqual([PDUS[1]]);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.error).toMatchObject({ fes: Fes.INVALID_PDU_HEADER_FIELD, fei: 0 });
    expect(Array.from(errors[0]!.header.subarray(0, 24))).toEqual(Array.from(bad));
    expect(reader.stopped).toBe(true);
    reader.push(encodePdu(PDUS[1]!));
    expect(got).toHaveLength(1);
  });

  it('a huge PLEN is refused from the common header alone, before its bytes arrive', () => {
    const { reader, errors } = collect();
    const b = encodePdu({ type: 'h2cData', cccid: 1, ttag: 1, datao: 0, last: true, data: new Uint8Array(8) }).subarray(0, 8).slice();
    b[7] = 0x7f;
    reader.push(b);
    expect(errors[0]!.error).toMatchObject({ fes: Fes.DATA_TRANSFER_LIMIT_EXCEEDED, fei: 4 });
  });
});
