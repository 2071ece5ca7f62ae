// The namespace-change RPC called with arbitrary JavaScript values (issue 13 "Also build"): whatever the
// arguments (fast-check's `anything`, sparse arrays, getters, NaN, bigints, good NSIDs mixed with bad), each call
// returns a promise and never throws synchronously; each promise settles, with receipts naming exactly the NSIDs
// asked for, or with a NamespaceChangeError of a known code; a rejected call records nothing, so the Changed
// Namespace List holds exactly the NSIDs of the calls accepted. Calls are also made from inside a trace listener
// (mid-step) and after stop(). Seeded (NVME_ACTORS_SEED); 200 runs by default, 20,000 with NVME_ACTORS_LONG=1.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createController } from '../../src/emulator.ts';
import { EmulatorTransport } from '../../src/host/emulator-transport.ts';
import { NvmeHost } from '../../src/host/nvme-host.ts';
import { NamespaceChangeError } from '../../src/faults/namespace-change.ts';
import { flushPromiseJobs, guardUnhandledRejections } from '../support/rejection-guard.ts';

guardUnhandledRejections();
const LONG = process.env.NVME_ACTORS_LONG === '1';
const SEED = Number(process.env.NVME_ACTORS_SEED ?? 20261201);
const RUNS = LONG ? 20_000 : 200;
const CODES = new Set(['invalidNsid', 'invalidOption', 'reset', 'stopped']);

const goodNsid = fc.integer({ min: 1, max: 40 });
const anyNsid = fc.oneof(goodNsid, goodNsid, fc.anything(), fc.constantFrom(0, -1, 0xffffffff, 0xfffffffe + 1, 1.5, NaN, Infinity, 2n, '3', null, undefined));
const nsidList = fc.oneof(
  fc.array(goodNsid, { minLength: 1, maxLength: 8 }),
  fc.array(anyNsid, { maxLength: 8 }),
  fc.sparseArray(goodNsid, { maxLength: 8 }),
  fc.anything(),
);
const options = fc.oneof(
  fc.constant(undefined),
  fc.record({ until: fc.constantFrom('processed', 'aen') }),
  fc.record({ until: fc.oneof(fc.anything(), fc.constantFrom('processed', 'aen', 'AEN', '')) }),
  fc.constant(null),
  fc.anything(),
  fc.constant({ get until(): never { throw new Error('getter'); } }),
);
const call = fc.oneof(
  fc.record({ kind: fc.constant('one' as const), args: fc.tuple(anyNsid, options) }),
  fc.record({ kind: fc.constant('many' as const), args: fc.tuple(nsidList, options) }),
  fc.record({ kind: fc.constant('arity' as const), args: fc.array(fc.anything(), { maxLength: 3 }) }),
);
type Call = { kind: 'one' | 'many' | 'arity'; args: unknown[] };
type Loose = (...a: unknown[]) => Promise<unknown>;

/** The NSIDs a call asks for if its arguments are good (as the API defines them), or null. */
function accepted(c: Call): number[] | null {
  const [first, opts] = c.args;
  const until = (() => {
    if (opts !== undefined && (typeof opts !== 'object' || opts === null)) return null;
    try {
      const u = (opts as { until?: unknown } | undefined)?.until ?? 'processed';
      return u === 'processed' || u === 'aen' ? u : null;
    } catch {
      return null;
    }
  })();
  if (until === null) return null;
  const list = c.kind === 'one' ? [first] : first;
  if (!Array.isArray(list) || list.length === 0) return null;
  for (let i = 0; i < list.length; i++) {
    const n: unknown = list[i];
    if (!(i in list) || typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 0xfffffffe) return null;
  }
  return list as number[];
}

describe('hostile: the namespace-change RPC with arbitrary values', () => {
  it(`${RUNS} runs of random calls: no throw, every promise settles, nothing recorded for a rejected call (seed ${SEED})`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(call, { minLength: 1, maxLength: 12 }), fc.boolean(), async (calls, fromListener) => {
        const controller = createController({ namespaces: [{ nsid: 1 }] });
        const host = new NvmeHost(new EmulatorTransport(controller), { timeoutMs: 500 });
        await host.enable();
        const api = controller.faults.namespace as unknown as { notifyChange: Loose; notifyChanges: Loose };
        const outcomes: Promise<{ call: Call; value?: unknown; error?: unknown }>[] = [];
        const make = (c: Call): void => {
          let p: Promise<unknown>;
          try {
            p = c.kind === 'one' ? api.notifyChange(...c.args) : c.kind === 'many' ? api.notifyChanges(...c.args) : api.notifyChanges(...c.args);
          } catch (e) {
            throw new Error(`threw synchronously: ${String(e)}`);
          }
          expect(p).toBeInstanceOf(Promise);
          outcomes.push(p.then((value) => ({ call: c, value }), (error) => ({ call: c, error })));
        };
        // Half the runs make their calls from inside a trace listener, in the middle of a controller step.
        if (fromListener) {
          let pendingCalls = [...calls];
          controller.onTrace(() => {
            const c = pendingCalls.shift();
            if (c) make(c);
          });
          await host.identifyController();
          for (const c of pendingCalls.splice(0)) make(c); // those the identify's trace did not take
        } else for (const c of calls) make(c);
        await flushPromiseJobs();
        const list = await host.readChangedList();
        controller.stop();
        make({ kind: 'one', args: [1] }); // after stop: a 'stopped' rejection
        const settled = await Promise.all(outcomes);
        const recorded = new Set<number>();
        for (const [i, { call: c, value, error }] of settled.entries()) {
          const want = accepted(c);
          const afterStop = i === settled.length - 1;
          if (error !== undefined) {
            expect(error).toBeInstanceOf(NamespaceChangeError);
            const code = (error as NamespaceChangeError).code;
            expect(CODES.has(code)).toBe(true);
            if (afterStop) expect(code).toBe('stopped');
            else if (code === 'invalidNsid' || code === 'invalidOption') expect(want).toBeNull();
            else for (const n of want ?? []) recorded.add(n); // accepted, recorded, then stopped while waiting for an AEN
            continue;
          }
          expect(afterStop).toBe(false);
          expect(want).not.toBeNull();
          const receipts = (c.kind === 'one' ? [value] : value) as { nsid: number; outcome: string }[];
          expect(receipts.map((r) => r.nsid)).toEqual(want);
          for (const r of receipts) expect(['posted', 'coalesced', 'deferred']).toContain(r.outcome);
          for (const n of want!) recorded.add(n);
        }
        // The list holds exactly the NSIDs of the accepted calls: a rejected call recorded nothing.
        expect(list).toEqual({ overflow: false, nsids: [...recorded].sort((a, b) => a - b) });
      }),
      { seed: SEED, numRuns: RUNS },
    );
  }, 120_000);
});
