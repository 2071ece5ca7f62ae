// Regression (issue 13 item 6): bad arguments to the namespace-change RPC.
// Symptom: `notifyChange(undefined)` passed validation, stayed pending through a reset and left the host reading
// `[]`; `notifyChanges([2, undefined, 3])` and sparse arrays resolved with receipts carrying no NSID;
// `notifyChange(1, null)` rejected with an untyped TypeError; `notifyChanges([1], null)` threw synchronously, even
// after stop(). Cause: the NSID check was `nsids.find(bad) !== undefined`, which cannot report a bad value that *is*
// undefined (nor a hole, which find() visits as undefined), and the options were read (`opts.until`) before any
// check, outside the promise. Fix: every argument is checked index by index inside the promise; each failure is a
// NamespaceChangeError rejection and nothing reaches the latch.
import { describe, expect, it } from 'vitest';
import { useRigs } from '../support/rig.ts';

const rigs = useRigs();
type Loose = { notifyChange(...a: unknown[]): Promise<unknown>; notifyChanges(...a: unknown[]): Promise<unknown> };

/** Calls `f`, failing the test if it throws synchronously; returns how its promise settled. */
async function settle(f: () => Promise<unknown>): Promise<{ code?: string; name?: string; resolved?: unknown }> {
  let p: Promise<unknown>;
  try {
    p = f();
  } catch (e) {
    throw new Error(`threw synchronously: ${String(e)}`);
  }
  return p.then(
    (resolved) => ({ resolved }),
    (e: { name?: string; code?: string }) => ({ name: e?.name, code: e?.code }),
  );
}

describe('regression: bad namespace-change arguments are typed rejections', () => {
  it('rejects undefined, holes, non-integers and bad options; records nothing', async () => {
    const { controller, host } = await rigs();
    const ns = controller.faults.namespace as unknown as Loose;
    const cases: [string, () => Promise<unknown>, string][] = [
      ['notifyChange(undefined)', () => ns.notifyChange(undefined), 'invalidNsid'],
      ['notifyChange(1.5)', () => ns.notifyChange(1.5), 'invalidNsid'],
      ["notifyChange('3')", () => ns.notifyChange('3'), 'invalidNsid'],
      ['notifyChange(1, null)', () => ns.notifyChange(1, null), 'invalidOption'],
      ['notifyChange(1, 5)', () => ns.notifyChange(1, 5), 'invalidOption'],
      ['notifyChanges([2, undefined, 3])', () => ns.notifyChanges([2, undefined, 3]), 'invalidNsid'],
      // eslint-disable-next-line no-sparse-arrays
      ['notifyChanges([2, , 3])', () => ns.notifyChanges([2, , 3]), 'invalidNsid'],
      ['notifyChanges(new Array(3))', () => ns.notifyChanges(new Array(3)), 'invalidNsid'],
      ['notifyChanges([1], null)', () => ns.notifyChanges([1], null), 'invalidOption'],
      ['notifyChanges(undefined)', () => ns.notifyChanges(undefined), 'invalidNsid'],
      ['notifyChanges([1], { get until() { throw } })', () => ns.notifyChanges([1], { get until() { throw new Error('boom'); } }), 'invalidOption'],
    ];
    for (const [what, call, code] of cases) expect({ what, ...(await settle(call)) }).toEqual({ what, name: 'NamespaceChangeError', code });
    // Nothing was recorded: a change of NSID 3 now is the only one in the list.
    await controller.faults.namespace.notifyChange(3);
    expect(await host.readChangedList()).toEqual({ overflow: false, nsids: [3] });
  });

  it('after stop() every call, good or bad, is a stopped rejection, never a throw', async () => {
    const { controller } = await rigs();
    controller.stop();
    const ns = controller.faults.namespace as unknown as Loose;
    expect(await settle(() => ns.notifyChanges([1], null))).toEqual({ name: 'NamespaceChangeError', code: 'stopped' });
    expect(await settle(() => ns.notifyChange(undefined))).toEqual({ name: 'NamespaceChangeError', code: 'stopped' });
    expect(await settle(() => ns.notifyChange(1))).toEqual({ name: 'NamespaceChangeError', code: 'stopped' });
  });
});
