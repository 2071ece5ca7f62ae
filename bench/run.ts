// `npm run bench`: what the actor model costs. Each figure is measured over several runs (median and spread) on
// this machine, written to bench/results.json and printed as a Markdown table. Plain timing loops rather than a
// benchmark library: every workload is a sequence of awaited host operations with its own setup, and the median of
// whole runs is the figure we report. Run with `node --expose-gc` (the npm script does) for the storm's heap figures.
import { writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { createController } from '../src/emulator.ts';
import { EmulatorTransport } from '../src/host/emulator-transport.ts';
import { NvmeHost } from '../src/host/nvme-host.ts';
import { AdminOpcode } from '../src/spec/constants.ts';
import { decodeSqe, encodeSqe, sqe } from '../src/spec/sqe.codec.ts';
import { encodeCqe } from '../src/spec/cqe.codec.ts';
import { executeLocalCommand, type CommandEnv } from '../src/logic/admin-commands.ts';
import { NamespaceTable } from '../src/device/namespaces.ts';
import { PROFILES } from '../src/profiles/profiles.ts';
import { generatePaths } from '../src/model/generate.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const QUICK = process.env.BENCH_QUICK === '1';

interface Figure {
  readonly name: string;
  readonly unit: string;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly runs: number[];
  readonly target?: string;
}
const figures: Figure[] = [];

function summarise(name: string, unit: string, runs: number[], target?: string): Figure {
  const sorted = [...runs].sort((a, b) => a - b);
  const f: Figure = { name, unit, median: sorted[Math.floor(sorted.length / 2)]!, min: sorted[0]!, max: sorted[sorted.length - 1]!, runs, ...(target ? { target } : {}) };
  figures.push(f);
  process.stderr.write(`  ${name}: ${fmt(f.median)} ${unit} (${fmt(f.min)}–${fmt(f.max)})\n`);
  return f;
}
const fmt = (n: number): string => (n >= 100 ? Math.round(n).toLocaleString('en') : n.toFixed(n >= 10 ? 1 : 3));

async function repeat(runs: number, once: () => Promise<number>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) out.push(await once());
  return out;
}

async function enabledHost(options: Parameters<typeof createController>[0] = {}, queueSize = 64) {
  const controller = createController(options);
  const host = new NvmeHost(new EmulatorTransport(controller));
  await host.enable({ queueSize });
  return { controller, host };
}

/** 1. Admin round trip: Identify CNS 01h through host, registers, rings and actors; beside it the direct path. */
async function adminRoundTrip(): Promise<void> {
  const n = QUICK ? 5_000 : 30_000;
  const actor = summarise('admin round trip, Identify CNS 01h (host + actors)', 'cmds/s', await repeat(RUNS, async () => {
    const { host } = await enabledHost();
    for (let i = 0; i < 1000; i++) await host.execute({ opcode: AdminOpcode.IDENTIFY, cdw10: 1, dataIn: 4096 });
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await host.execute({ opcode: AdminOpcode.IDENTIFY, cdw10: 1, dataIn: 4096 });
    const rate = n / ((performance.now() - t0) / 1000);
    await host.close();
    return rate;
  }), '≥ 50,000');
  const env: CommandEnv = { profile: PROFILES.spec, identity: { cntlid: 1, serial: 'B', model: 'M', firmware: 'F', aerl: 3, nn: 1024 }, namespaces: new NamespaceTable([{ nsid: 1, blocks: 2048, blockSize: 512, attached: true }]) };
  const bytes = encodeSqe(sqe({ opcode: AdminOpcode.IDENTIFY, cdw10: 1, cid: 7 }));
  const data = new Uint8Array(4096);
  const direct = summarise('same command, direct (decode, pure handler, data copy, CQE encode; no actors)', 'cmds/s', await repeat(RUNS, async () => {
    const m = n * 10;
    const t0 = performance.now();
    for (let i = 0; i < m; i++) {
      const s = decodeSqe(bytes);
      const a = executeLocalCommand(s, env);
      if (a.data) data.set(a.data);
      encodeCqe({ dw0: a.dw0, dw1: 0, sqhd: i & 63, sqid: 0, cid: s.cid, phase: 1, status: a.status, crd: 0, more: false });
    }
    return m / ((performance.now() - t0) / 1000);
  }));
  figures.push({ name: 'actor/direct cost ratio', unit: '×', median: direct.median / actor.median, min: direct.min / actor.max, max: direct.max / actor.min, runs: [], target: '≤ 5' });
  process.stderr.write(`  actor/direct: ${fmt(direct.median / actor.median)}×\n`);
}

/** 2. AEN cycle: change → AEN → Get Log Page 04h RAE=0 → AER re-armed; RPC latency p50/p99. */
async function aenCycle(): Promise<void> {
  const n = QUICK ? 2_000 : 10_000;
  const latencies: number[] = [];
  summarise('AEN cycle (change → AEN → log 04h RAE=0 → AER re-armed)', 'cycles/s', await repeat(RUNS, async () => {
    const { controller, host } = await enabledHost({ namespaces: [{ nsid: 1 }] });
    let aer = await host.submitAer();
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const s = performance.now();
      await controller.faults.namespace.notifyChange(1);
      latencies.push(performance.now() - s);
      await host.waitFor(aer);
      await host.readChangedList(false);
      aer = await host.submitAer();
    }
    const rate = n / ((performance.now() - t0) / 1000);
    await host.close();
    return rate;
  }), '≥ 10,000');
  latencies.sort((a, b) => a - b);
  const p = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
  figures.push({ name: 'namespace-change RPC latency p50', unit: 'ms', median: p(0.5), min: p(0.5), max: p(0.5), runs: [] });
  figures.push({ name: 'namespace-change RPC latency p99', unit: 'ms', median: p(0.99), min: p(0.99), max: p(0.99), runs: [], target: '< 1' });
  process.stderr.write(`  RPC latency p50 ${fmt(p(0.5))} ms, p99 ${fmt(p(0.99))} ms\n`);
}

/** 3. Storm: distinct NSIDs, one AER parked, no log read; throughput and heap. */
async function storm(): Promise<void> {
  const total = QUICK ? 100_000 : 1_000_000;
  const batch = 1000;
  const gc = (globalThis as { gc?: () => void }).gc;
  const { controller, host } = await enabledHost();
  await host.submitAer();
  gc?.();
  const before = process.memoryUsage().heapUsed;
  const single = summarise('storm: one notifyChange per NSID (one RPC actor each)', 'notifications/s', await repeat(1, async () => {
    const m = QUICK ? 5_000 : 20_000;
    const t0 = performance.now();
    for (let i = 0; i < m; i++) await controller.faults.namespace.notifyChange(5_000_000 + i);
    return m / ((performance.now() - t0) / 1000);
  }));
  void single;
  summarise(`storm: ${total.toLocaleString('en')} distinct NSIDs in batches of ${batch} (notifyChanges)`, 'notifications/s', await repeat(1, async () => {
    const t0 = performance.now();
    for (let at = 1; at <= total; at += batch) await controller.faults.namespace.notifyChanges(Array.from({ length: batch }, (_, i) => at + i));
    return total / ((performance.now() - t0) / 1000);
  }), '≥ 100,000');
  const after = process.memoryUsage().heapUsed;
  gc?.();
  const afterGc = process.memoryUsage().heapUsed;
  const mb = (b: number) => b / (1024 * 1024);
  figures.push({ name: 'storm heap before / after / after GC', unit: 'MB', median: mb(afterGc - before), min: mb(before), max: mb(after), runs: [mb(before), mb(after), mb(afterGc)], target: 'after GC within 10 MB of before' });
  process.stderr.write(`  heap before ${fmt(mb(before))} MB, after ${fmt(mb(after))} MB, after GC ${fmt(mb(afterGc))} MB${gc ? '' : ' (no --expose-gc: GC figure not forced)'}\n`);
  await host.close();
}

/** 4. Growth: per-command cost against namespaces and queue depth; generation against AERL. */
async function growth(): Promise<void> {
  const n = QUICK ? 2_000 : 10_000;
  const perCommand = async (options: Parameters<typeof createController>[0], queueSize: number, dataIn: boolean) =>
    repeat(RUNS, async () => {
      const { host } = await enabledHost(options, queueSize);
      const cmd = dataIn ? { opcode: AdminOpcode.IDENTIFY, cdw10: 2, dataIn: 4096 } : { opcode: AdminOpcode.KEEP_ALIVE };
      const t0 = performance.now();
      for (let i = 0; i < n; i++) await host.execute(cmd);
      const us = ((performance.now() - t0) * 1000) / n;
      await host.close();
      return us;
    });
  for (const count of [1, 1024, 65536]) {
    summarise(`µs per Identify CNS 02h with ${count.toLocaleString('en')} attached namespaces`, 'µs', await perCommand({ namespaces: Array.from({ length: count }, (_, i) => ({ nsid: i + 1 })), nn: Math.max(1024, count) }, 64, true), count === 65536 ? '≤ 1.5 × the 1-namespace cost' : undefined);
  }
  for (const depth of [2, 64, 4096]) summarise(`µs per Keep Alive at admin queue depth ${depth}`, 'µs', await perCommand({}, depth, false));
  for (const aerl of [0, 3, 15]) {
    let paths = 0;
    summarise(`chart path generation, AERL ${aerl}`, 'ms', await repeat(QUICK ? 1 : 3, async () => {
      const t0 = performance.now();
      paths = generatePaths(PROFILES.spec, { aerl }).paths.length;
      return performance.now() - t0;
    }));
    process.stderr.write(`    ${paths} paths\n`);
  }
}

async function main(): Promise<void> {
  const machine = { cores: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version, gcExposed: typeof (globalThis as { gc?: unknown }).gc === 'function' };
  process.stderr.write(`nvme-actors benchmarks on ${machine.cores} cores (${machine.cpu}), Node ${machine.node}, ${RUNS} runs\n`);
  await adminRoundTrip();
  await aenCycle();
  await storm();
  await growth();
  await writeFile(new URL('./results.json', import.meta.url), `${JSON.stringify({ machine, runs: RUNS, figures }, null, 2)}\n`);
  const rows = figures.map((f) => `| ${f.name} | ${fmt(f.median)} ${f.unit} | ${f.runs.length > 1 ? `${fmt(f.min)}–${fmt(f.max)}` : ''} | ${f.target ?? ''} |`);
  process.stdout.write([`Machine: ${machine.cores} cores, ${machine.cpu}, Node ${machine.node}`, '', '| figure | median | spread | target |', '|---|---|---|---|', ...rows, ''].join('\n'));
}

await main();
