// Symptom: resolvePrps never returned (the command hung the emulator) for a PRP list whose last qword chains to
// itself. Cause: a chain pointer at the last slot of a page, not page aligned, gave zero data entries per turn,
// so `remaining` never shrank. Fix: a chained list must start at a page boundary (PRP Offset Invalid otherwise).
import { describe, expect, it } from 'vitest';
import { GuestMemory } from '../../src/device/guest-memory.ts';
import { PRP_OFFSET_INVALID, resolvePrps } from '../../src/device/prp.ts';

describe('regression: PRP list chaining to its own last slot', () => {
  it('ends with PRP Offset Invalid instead of looping', () => {
    const m = new GuestMemory(1 << 20);
    const entry = new Uint8Array(8);
    new DataView(entry.buffer).setBigUint64(0, 0x3ff8n, true);
    m.write(0x3ff8n, entry);
    const r = resolvePrps(m, 0x1000n, 0x3ff8n, 3 * 4096);
    expect(r).toEqual({ ok: false, status: PRP_OFFSET_INVALID });
  });

  it('GuestMemory.tryRead with a negative length reports out of range instead of throwing', () => {
    expect(new GuestMemory(4096).tryRead(0, -1)).toBeUndefined();
  });
});
