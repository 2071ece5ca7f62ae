// Controller Configuration decisions (NVMe Base 2.0 §3.1.3.5, §3.5.1): the admin queue geometry from AQA/ASQ/ACQ
// and why an enable cannot proceed (CSS, MPS, AMS, IOSQES, IOCQES, AQA sizes, ASQ/ACQ alignment).
import { describe, expect, it } from 'vitest';
import { adminQueueGeometry, ccEnabled, ccShn, enableFault } from '../../src/logic/controller.ts';

// CC.EN = 1, IOSQES = 6, IOCQES = 4, CSS/MPS/AMS = 0
const CC_GOOD = 0x00460001;
const good = { cc: CC_GOOD, aqa: 0x001f001f, asq: 0x10000n, acq: 0x20000n };

describe('ccEnabled / ccShn', () => {
  it('EN is bit 0, SHN is bits 15:14', () => {
    expect(ccEnabled(0x1)).toBe(true);
    expect(ccEnabled(0x00460000)).toBe(false);
    expect(ccShn(0x4000)).toBe(1);
    expect(ccShn(0x8000)).toBe(2);
    expect(ccShn(0xc001)).toBe(3);
    expect(ccShn(0x00463001)).toBe(0);
  });
});

describe('enableFault', () => {
  it('accepts a good configuration (null)', () => {
    expect(enableFault(good)).toBeNull();
    expect(enableFault({ ...good, cc: 0x1 })).toBeNull(); // IOSQES/IOCQES 0 are allowed at enable
    expect(enableFault({ ...good, aqa: 0x00010001 })).toBeNull(); // the smallest admin queues: 2 entries
    expect(enableFault({ ...good, aqa: 0x0fff0fff })).toBeNull(); // the largest: 4096 entries = MQES + 1
    expect(enableFault({ ...good, asq: 0xffff_f000n, acq: 0x1_0000_0000n })).toBeNull();
  });

  it('CC.CSS other than 000b (NVM)', () => {
    for (const css of [1, 6, 7]) {
      expect(enableFault({ ...good, cc: CC_GOOD | (css << 4) })).toBe(`CC.CSS ${css} is not supported (NVM command set only)`);
    }
  });

  it('CC.MPS other than 0 (MPSMIN = MPSMAX = 0)', () => {
    expect(enableFault({ ...good, cc: CC_GOOD | (1 << 7) })).toBe('CC.MPS 1 is outside CAP.MPSMIN..MPSMAX (0..0)');
    expect(enableFault({ ...good, cc: CC_GOOD | (0xf << 7) })).toBe('CC.MPS 15 is outside CAP.MPSMIN..MPSMAX (0..0)');
  });

  it('CC.AMS other than round robin', () => {
    expect(enableFault({ ...good, cc: CC_GOOD | (1 << 11) })).toBe('CC.AMS 1 is not supported (round robin only)');
    expect(enableFault({ ...good, cc: CC_GOOD | (7 << 11) })).toBe('CC.AMS 7 is not supported (round robin only)');
  });

  it('CC.IOSQES other than 0 or 6', () => {
    expect(enableFault({ ...good, cc: (CC_GOOD & ~(0xf << 16)) | (5 << 16) })).toBe('CC.IOSQES 5 is not 6 (64-byte entries)');
    expect(enableFault({ ...good, cc: (CC_GOOD & ~(0xf << 16)) | (7 << 16) })).toBe('CC.IOSQES 7 is not 6 (64-byte entries)');
  });

  it('CC.IOCQES other than 0 or 4', () => {
    expect(enableFault({ ...good, cc: (CC_GOOD & ~(0xf << 20)) | (5 << 20) })).toBe('CC.IOCQES 5 is not 4 (16-byte entries)');
    expect(enableFault({ ...good, cc: (CC_GOOD & ~(0xf << 20)) | (3 << 20) })).toBe('CC.IOCQES 3 is not 4 (16-byte entries)');
  });

  it('AQA.ASQS or AQA.ACQS zero (a one-entry queue)', () => {
    expect(enableFault({ ...good, aqa: 0x001f0000 })).toBe('AQA.ASQS 0 gives a queue of 1 entries, outside 2..4096');
    expect(enableFault({ ...good, aqa: 0x0000001f })).toBe('AQA.ACQS 0 gives a queue of 1 entries, outside 2..4096');
  });

  it('AQA bits outside the 12-bit fields do not count towards the size', () => {
    // 0x1000 in ASQS's position is bit 12 (reserved): ASQS reads as 0
    expect(enableFault({ ...good, aqa: 0x001f1000 })).toBe('AQA.ASQS 0 gives a queue of 1 entries, outside 2..4096');
    expect(enableFault({ ...good, aqa: 0x1000001f })).toBe('AQA.ACQS 0 gives a queue of 1 entries, outside 2..4096');
  });

  it('ASQ or ACQ not 4 KiB aligned', () => {
    expect(enableFault({ ...good, asq: 0x10008n })).toBe('ASQ 0x10008 is not 4 KiB aligned');
    expect(enableFault({ ...good, asq: 0x10800n })).toBe('ASQ 0x10800 is not 4 KiB aligned');
    expect(enableFault({ ...good, acq: 0x20001n })).toBe('ACQ 0x20001 is not 4 KiB aligned');
    expect(enableFault({ ...good, acq: 0x1_0000_0ff0n })).toBe('ACQ 0x100000ff0 is not 4 KiB aligned');
  });

  it('reports the first fault in check order: CSS before MPS before AQA before ASQ', () => {
    const bad = { cc: CC_GOOD | (1 << 4) | (1 << 7), aqa: 0, asq: 1n, acq: 1n };
    expect(enableFault(bad)).toMatch(/^CC\.CSS/);
    expect(enableFault({ ...bad, cc: CC_GOOD | (1 << 7) })).toMatch(/^CC\.MPS/);
    expect(enableFault({ ...bad, cc: CC_GOOD })).toMatch(/^AQA\.ASQS/);
    expect(enableFault({ ...bad, cc: CC_GOOD, aqa: 0x00010001 })).toMatch(/^ASQ/);
  });
});

describe('adminQueueGeometry', () => {
  it('sizes are AQA fields + 1 (0\'s based); bases are ASQ/ACQ', () => {
    expect(adminQueueGeometry(0x001f003f, 0x10000n, 0x20000n)).toEqual({ sqSize: 64, cqSize: 32, sqBase: 0x10000, cqBase: 0x20000 });
    expect(adminQueueGeometry(0x0fff0fff, 0x1_0000_0000n, 0n)).toEqual({ sqSize: 4096, cqSize: 4096, sqBase: 0x1_0000_0000, cqBase: 0 });
    expect(adminQueueGeometry(0xf0000000 | 0x00010001, 0n, 0n)).toEqual({ sqSize: 2, cqSize: 2, sqBase: 0, cqBase: 0 });
    expect(adminQueueGeometry(0, 0n, 0n)).toEqual({ sqSize: 1, cqSize: 1, sqBase: 0, cqBase: 0 });
  });
});
