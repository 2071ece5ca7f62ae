// NvmeHost writes each operation once and runs it synchronously on a transport that answers synchronously (the
// emulator) and asynchronously on one that returns promises (QEMU). This holds that the two give the same driver:
// the same completions, data and order, whether every call, none, or every other call returns a promise.
import { describe, expect, it } from 'vitest';
import { createController } from '../../src/emulator.ts';
import { EmulatorTransport } from '../../src/host/emulator-transport.ts';
import { NvmeHost } from '../../src/host/nvme-host.ts';
import type { Transport } from '../../src/host/transport.ts';
import { AdminOpcode } from '../../src/spec/constants.ts';

type Mode = 'sync' | 'async' | 'mixed';

/** The emulator's transport, with its answers turned into promises (all of them, or every other one). */
function transportFor(mode: Mode): { transport: Transport; calls: () => { sync: number; async: number } } {
  const inner = new EmulatorTransport(createController({ namespaces: [{ nsid: 1 }, { nsid: 2 }] }));
  let n = 0;
  let sync = 0;
  let async = 0;
  const wrap = <T>(value: T): T | Promise<T> => {
    const asPromise = mode === 'async' || (mode === 'mixed' && n++ % 2 === 1);
    if (asPromise) async++;
    else sync++;
    return asPromise ? Promise.resolve(value) : value;
  };
  const transport: Transport = {
    name: inner.name,
    memoryBase: inner.memoryBase,
    memorySize: inner.memorySize,
    mmioRead32: (o) => wrap(inner.mmioRead32(o)),
    mmioRead64: (o) => wrap(inner.mmioRead64(o)),
    mmioWrite32: (o, v) => wrap(inner.mmioWrite32(o, v)),
    mmioWrite64: (o, v) => wrap(inner.mmioWrite64(o, v)),
    memRead: (a, l) => wrap(inner.memRead(a, l)),
    memWrite: (a, d) => wrap(inner.memWrite(a, d)),
    wait: (ms) => inner.wait(ms),
    close: () => inner.close(),
  };
  return { transport, calls: () => ({ sync, async }) };
}

async function session(mode: Mode) {
  const { transport, calls } = transportFor(mode);
  const host = new NvmeHost(transport);
  try {
    await host.enable({ queueSize: 4 });
    const identify = await host.identifyController();
    const active = await host.activeNamespaces();
    const aer = await host.submitAer();
    // Three submissions at once on a queue of 4 (one slot holds the AER): each takes its own slot, in call order.
    const burst = await Promise.all([host.keepAlive(), host.getFeatures(0x0b), host.execute({ opcode: AdminOpcode.IDENTIFY, cdw10: 1, dataIn: 4096 })]);
    const log = await host.readChangedList(true);
    const outstanding = host.isOutstanding(aer);
    await host.shutdown();
    return {
      result: { cntlid: identify.cntlid, active, burst: burst.map((c) => ({ cid: c.cid, sqhd: c.sqhd, dw0: c.dw0, status: c.status, bytes: c.data?.length })), log, outstanding },
      calls: calls(),
    };
  } finally {
    await host.close();
  }
}

describe('one driver for synchronous and asynchronous transports', () => {
  it('gives the same results whether the transport answers synchronously, with promises, or mixed', async () => {
    const sync = await session('sync');
    const async = await session('async');
    const mixed = await session('mixed');
    expect(sync.calls.async).toBe(0);
    expect(async.calls.sync).toBe(0);
    expect(mixed.calls.sync).toBeGreaterThan(10);
    expect(mixed.calls.async).toBeGreaterThan(10);
    expect(async.result).toEqual(sync.result);
    expect(mixed.result).toEqual(sync.result);
    expect(sync.result.active).toEqual([1, 2]);
    expect(sync.result.outstanding).toBe(true);
    // Slots 0 and 1 took the two Identify commands, slot 2 the AER; the burst wrapped around: 3, 0, 1.
    expect(sync.result.burst.map((b) => b.sqhd)).toEqual([0, 1, 2]);
    expect(sync.result.burst[2]!.bytes).toBe(4096);
  });

  it('a transport call that throws synchronously rejects that command; the host goes on', async () => {
    const { transport } = transportFor('sync');
    let fail = false;
    const flaky: Transport = {
      ...transport,
      memWrite: (a, d) => {
        if (fail) throw new RangeError('boom');
        return transport.memWrite(a, d);
      },
    };
    const host = new NvmeHost(flaky);
    try {
      await host.enable();
      fail = true;
      await expect(host.keepAlive()).rejects.toThrow('boom');
      fail = false;
      expect((await host.keepAlive()).status.sc).toBe(0);
      expect((await host.identifyController()).cntlid).toBe(1);
    } finally {
      await host.close();
    }
  });

  it('a CID that is not 16 bits is refused, not confused with a real one', async () => {
    const host = new NvmeHost(transportFor('sync').transport);
    try {
      await host.enable();
      const cid = await host.submit({ opcode: AdminOpcode.KEEP_ALIVE });
      const done = await host.waitFor(cid);
      expect(host.completion(cid)).toBe(done);
      for (const bad of [cid + 0x10000, cid - 0x10000, -1, cid + 0.5, Number.NaN]) {
        expect(host.completion(bad)).toBeUndefined();
        expect(host.isOutstanding(bad)).toBe(false);
        await expect(host.waitFor(bad, 50)).rejects.toThrow(/not a command identifier/);
      }
    } finally {
      await host.close();
    }
  });
});
