// Pure decisions of the AEN latch (NVMe Base 2.0 §5.2, §5.16.1.5, §5.27.1.9): initial context, notice gating by
// AEC bit 8, which parked AER an event completes (LIFO/FIFO), abort removal, and what a controller reset leaves.
import { EMPTY_ERROR_LOG, initialFirmware, INITIAL_HEALTH } from '../../src/logic/health.ts';
import { describe, expect, it } from 'vitest';
import { afterReset, initialLatchContext, NAMESPACE_NOTICE_DW0, noticesEnabled, takeAer, withoutCid, type LatchContext, type LatchPolicy, latchPolicy } from '../../src/logic/aen-latch.ts';
import { PROFILES, type Profile } from '../../src/profiles/profiles.ts';
import { EMPTY_CHANGED_LIST } from '../../src/logic/changed-list.ts';

const policyOf = latchPolicy;
const ctx = (p: Profile, over: Partial<LatchContext> = {}): LatchContext => ({ ...initialLatchContext({ aerl: 3, policy: policyOf(p) }), ...over });

describe('AEN latch logic', () => {
  it('NAMESPACE_NOTICE_DW0 is 0x00040002', () => {
    expect(NAMESPACE_NOTICE_DW0).toBe(0x00040002);
  });

  it('initial context: AERL + 1 slots, AEC default from the profile, nothing parked or changed', () => {
    expect(ctx(PROFILES.spec)).toEqual({
      policy: policyOf(PROFILES.spec), aerLimit: 4, parked: [], aec: 0x100, changed: EMPTY_CHANGED_LIST,
      offlineChanges: null, queuedNotices: 0, waiting: [], pendingErrorInfo: null, errors: 0,
      health: INITIAL_HEALTH, pendingSmartInfo: null, queuedSmart: [], firmware: initialFirmware('0.1.0'), errorLog: EMPTY_ERROR_LOG,
    });
    expect(ctx(PROFILES.qemu).aec).toBe(0);
    expect(ctx(PROFILES.openvmm).aec).toBe(0xffffffff);
    expect(initialLatchContext({ aerl: 0, policy: policyOf(PROFILES.spec) }).aerLimit).toBe(1);
  });

  it('AEC bit 8 gates the notice where the profile says so', () => {
    expect(noticesEnabled(ctx(PROFILES.spec, { aec: 0x100 }))).toBe(true);
    expect(noticesEnabled(ctx(PROFILES.spec, { aec: 0x0ff }))).toBe(false);
    expect(noticesEnabled(ctx(PROFILES.spec, { aec: 0x200 }))).toBe(false);
    expect(noticesEnabled(ctx(PROFILES.qemu, { aec: 0 }))).toBe(true); // QEMU ignores AEC for NS notices
  });

  it('takeAer completes the newest parked AER under LIFO, the oldest under FIFO', () => {
    expect(takeAer(ctx(PROFILES.spec, { parked: [1, 2, 3] }))).toEqual({ cid: 3, parked: [1, 2] });
    const fifo = ctx(PROFILES.spec, { parked: [1, 2, 3] });
    expect(takeAer({ ...fifo, policy: { ...fifo.policy, aerCompletionOrder: 'fifo' } })).toEqual({ cid: 1, parked: [2, 3] });
  });

  it('withoutCid removes the last occurrence of a CID and returns the same array if absent', () => {
    const parked = [4, 5, 4, 6];
    expect(withoutCid(parked, 4)).toEqual([4, 5, 6]);
    expect(withoutCid(parked, 6)).toEqual([4, 5, 4]);
    expect(withoutCid(parked, 9)).toBe(parked);
    expect(parked).toEqual([4, 5, 4, 6]);
  });

  it('afterReset drops parked AERs and waiters; AEC and the list per profile', () => {
    const changed = { nsids: [1, 2], overflow: false };
    const spec = afterReset(ctx(PROFILES.spec, { parked: [1, 2], queuedNotices: 2, aec: 0, changed, offlineChanges: { changes: [{ nsid: 9 }], earlier: null } }));
    expect(spec).toMatchObject({ parked: [], queuedNotices: 0, aec: 0x100, changed, offlineChanges: { changes: [{ nsid: 9 }], earlier: null } });
    const qemu = afterReset(ctx(PROFILES.qemu, { parked: [1], aec: 0x100, changed }));
    expect(qemu).toMatchObject({ parked: [], aec: 0x100, changed }); // AEC kept
    const openvmm = afterReset(ctx(PROFILES.openvmm, { parked: [1], aec: 0, changed }));
    expect(openvmm).toMatchObject({ parked: [], aec: 0xffffffff, changed: EMPTY_CHANGED_LIST });
  });
});
