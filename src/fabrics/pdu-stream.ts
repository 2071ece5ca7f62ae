// A streaming PDU reassembler: TCP delivers bytes, not PDUs, so one read may hold part of a PDU, several PDUs, or
// the end of one and the start of the next (NVMe/TCP 1.0 §3.3: a PDU's length is PLEN of its common header). Each
// whole PDU is decoded and handed on in order; the first fatal error stops the stream with the error and the
// offending header, for the termination PDU. Digest settings may change between PDUs (after ICReq/ICResp).
import { COMMON_HEADER_SIZE, TERM_REQ_MAX_DATA } from './constants.ts';
import { checkCommonHeader, decodePdu, type DigestOptions, type Pdu, type PduError } from './pdu.codec.ts';
import { getU32 } from '../spec/le.ts';

export interface PduStreamHandlers {
  onPdu(pdu: Pdu, dataDigestError: boolean): void;
  /** A fatal error: `header` holds the offending PDU's first bytes (up to 128). No more PDUs follow. */
  onError(error: PduError, header: Uint8Array): void;
}

export class PduReader {
  digests: DigestOptions = { hdgst: false, ddgst: false };
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private failed = false;

  /** `maxPlen`: the largest PDU accepted (header, data and digests). */
  constructor(private readonly handlers: PduStreamHandlers, readonly maxPlen: number) {}

  get stopped(): boolean {
    return this.failed;
  }

  /** Bytes received and not yet part of a whole PDU. */
  get pending(): number {
    return this.buffered;
  }

  /** Feed bytes as they arrive; whole PDUs are handed on at once, in order. */
  push(chunk: Uint8Array): void {
    if (this.failed || chunk.length === 0) return;
    // A Node Buffer's slice() is a view, not a copy: keep plain Uint8Array views so decoded fields are copies.
    this.chunks.push(Buffer.isBuffer(chunk) ? new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length) : chunk);
    this.buffered += chunk.length;
    while (!this.failed && this.buffered >= COMMON_HEADER_SIZE) {
      const ch = this.peek(COMMON_HEADER_SIZE);
      const error = checkCommonHeader(ch, this.digests, this.maxPlen);
      if (error) return this.fail(error, this.peek(Math.min(this.buffered, TERM_REQ_MAX_DATA)));
      const plen = getU32(ch, 4);
      if (this.buffered < plen) return;
      const bytes = this.take(plen);
      const decoded = decodePdu(bytes, this.digests);
      if ('error' in decoded) return this.fail(decoded.error, bytes.subarray(0, Math.min(plen, TERM_REQ_MAX_DATA)));
      this.handlers.onPdu(decoded.pdu, decoded.dataDigestError);
    }
  }

  private fail(error: PduError, header: Uint8Array): void {
    this.failed = true;
    this.chunks = [];
    this.buffered = 0;
    this.handlers.onError(error, header.slice());
  }

  /** The first `n` buffered bytes, without consuming them (n ≤ buffered). */
  private peek(n: number): Uint8Array {
    const first = this.chunks[0]!;
    if (first.length >= n) return first.subarray(0, n);
    const out = new Uint8Array(n);
    let at = 0;
    for (const c of this.chunks) {
      const part = c.subarray(0, Math.min(c.length, n - at));
      out.set(part, at);
      at += part.length;
      if (at === n) break;
    }
    return out;
  }

  /** Consume the first `n` buffered bytes (n ≤ buffered) as one array. */
  private take(n: number): Uint8Array {
    const first = this.chunks[0]!;
    if (first.length === n) {
      this.chunks.shift();
      this.buffered -= n;
      return first;
    }
    if (first.length > n) {
      this.chunks[0] = first.subarray(n);
      this.buffered -= n;
      return first.subarray(0, n);
    }
    const out = new Uint8Array(n);
    let at = 0;
    while (at < n) {
      const c = this.chunks[0]!;
      const want = n - at;
      if (c.length <= want) {
        out.set(c, at);
        at += c.length;
        this.chunks.shift();
      } else {
        out.set(c.subarray(0, want), at);
        this.chunks[0] = c.subarray(want);
        at = n;
      }
    }
    this.buffered -= n;
    return out;
  }
}
