import { describe, expect, it } from 'vitest';
import { decodeCqe, encodeCqe } from '../../src/spec/cqe.codec.ts';
import { Status } from '../../src/spec/constants.ts';

describe('CQE codec (NVMe Base 2.0 §4.2.1)', () => {
  it('places SQHD, SQID, CID, phase, SC, SCT and DNR at their bits', () => {
    const bytes = encodeCqe({ dw0: 0x00040002, dw1: 0, sqhd: 0x1234, sqid: 0, cid: 0xbeef, phase: 1, status: Status.withDnr(Status.AER_LIMIT_EXCEEDED), crd: 0, more: false });
    expect(bytes.length).toBe(16);
    const v = new DataView(bytes.buffer);
    expect(v.getUint32(0, true)).toBe(0x00040002);
    expect(v.getUint32(8, true)).toBe(0x1234);
    // DW3: CID 0xbeef, P=1 (bit 16), SC 05h at 24:17, SCT 1 at 27:25, DNR bit 31
    expect(v.getUint32(12, true) >>> 0).toBe((0xbeef | (1 << 16) | (0x05 << 17) | (1 << 25) | (1 << 31)) >>> 0);
    const back = decodeCqe(bytes);
    expect(back).toMatchObject({ cid: 0xbeef, sqhd: 0x1234, phase: 1, status: { sct: 1, sc: 5, dnr: true } });
  });
});
