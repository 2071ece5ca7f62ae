// `npm run bench`: what the actor model costs, how cost grows, and how the emulator compares with QEMU. Each figure
// is measured over several runs after a warm-up of at least BENCH_WARMUP_MS (median, min–max; the first, cold run
// is reported beside them), written to bench/results.json and printed as
// a Markdown table with the machine. Plain timing loops rather than tinybench or vitest bench: every workload is a
// sequence of awaited host operations with its own setup (a controller, an enabled host, parked AERs), and the
// figure we report is the median of whole runs of it; a harness that times a callback in isolation would time
// our setup too or hide it. Run with `node --expose-gc` (the npm script does) for the storm's heap figures.
// BENCH_RUNS (default 5) sets the runs; BENCH_WARMUP_MS (default 1000) the warm-up; BENCH_QUICK=1 shrinks every
// workload for a smoke run; BENCH_ONLY=admin,aen,storm,growth,peer,costs,engine (any of them) runs only those groups. Quick and
// partial runs print their table but do not write bench/results.json.
import { writeFile } from 'node:fs/promises';
import { type AnyActorRef, assign, createActor, enqueueActions, setup } from 'xstate';
import { cpus } from 'node:os';
import { createController, type ControllerOptions } from '../src/emulator.ts';
import { EmulatorTransport } from '../src/host/emulator-transport.ts';
import { NvmeHost } from '../src/host/nvme-host.ts';
import { AdminOpcode } from '../src/spec/constants.ts';
import { decodeSqe, encodeSqe, sqe } from '../src/spec/sqe.codec.ts';
import { encodeCqe } from '../src/spec/cqe.codec.ts';
import { executeLocalCommand, type CommandEnv } from '../src/logic/admin-commands.ts';
import { NamespaceTable } from '../src/device/namespaces.ts';
import { PROFILES } from '../src/profiles/profiles.ts';
import { aenLatchMachine } from '../machines/aen-latch.machine.ts';
import { latchPolicy } from '../src/logic/aen-latch.ts';
import { generatePaths } from '../src/model/generate.ts';
import { buildPack } from '../src/model/conformance.ts';
import { parseScenario, type Scenario } from '../src/scenario/schema.ts';
import { makeEmulatorTarget, runScenario, type TargetFactory } from '../src/scenario/runner.ts';
import { qemuTarget, qemuVersion } from '../src/host/qemu-target.ts';
import { engineGroup, latchShapeMachine, type EngineFigure } from './engine.ts';

const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 5));
const QUICK = process.env.BENCH_QUICK === '1';
const size = (full: number, quick: number): number => (QUICK ? quick : full);

interface Figure extends EngineFigure {
  /** The first call in the process, before the warm-up (not among `runs`). */
  readonly cold?: number;
}
const figures: Figure[] = [];

function record(f: Omit<Figure, 'median' | 'min' | 'max'> & { median?: number }): Figure {
  const sorted = [...f.runs].sort((a, b) => a - b);
  const figure: Figure = {
    ...f,
    median: f.median ?? sorted[Math.floor((sorted.length - 1) / 2)]!,
    min: sorted[0] ?? f.median ?? 0,
    max: sorted[sorted.length - 1] ?? f.median ?? 0,
    ...((f.runs as Runs).cold !== undefined ? { cold: (f.runs as Runs).cold } : {}),
  };
  figures.push(figure);
  const spread = figure.runs.length > 1 ? ` (${fmt(figure.min)}–${fmt(figure.max)})` : '';
  const verdict = figure.met === undefined ? '' : figure.met ? '  [target met]' : '  [target NOT met]';
  const cold = figure.cold === undefined ? '' : `, first run ${fmt(figure.cold)}`;
  process.stderr.write(`  ${figure.name}: ${fmt(figure.median)} ${figure.unit}${spread}${cold}${verdict}\n`);
  return figure;
}
const fmt = (n: number): string => (Math.abs(n) >= 100 ? Math.round(n).toLocaleString('en') : n.toFixed(Math.abs(n) >= 10 ? 1 : 2));

/** Measured runs, and the first call in the process (cold JIT), which is not among them. */
type Runs = number[] & { cold?: number };
const WARMUP_MS = Math.max(0, Number(process.env.BENCH_WARMUP_MS ?? 1000));
/** Warm-up calls (discarded) until WARMUP_MS have passed and at least one call was made, at most 50, then RUNS
 * measured calls. V8 needs several hundred milliseconds of a workload before its code is optimised: a pack
 * replay got ~2.5× faster over its first five calls. The first call is kept as `cold`, and the table shows it. */
async function measure(once: () => Promise<number>): Promise<Runs> {
  const started = performance.now();
  const cold = await once();
  for (let i = 1; i < 50 && performance.now() - started < WARMUP_MS; i++) await once();
  const out: Runs = [];
  for (let i = 0; i < RUNS; i++) out.push(await once());
  out.cold = cold;
  return out;
}

async function enabledHost(options: ControllerOptions = {}, queueSize = 64) {
  const controller = createController(options);
  const host = new NvmeHost(new EmulatorTransport(controller));
  await host.enable({ queueSize });
  return { controller, host };
}

/** Least-squares slope of y against log2(x): the cost added per doubling of x. */
function slopePerDoubling(points: readonly { x: number; y: number }[]): number {
  const xs = points.map((p) => Math.log2(p.x));
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = points.reduce((a, p) => a + p.y, 0) / points.length;
  let num = 0;
  let den = 0;
  points.forEach((p, i) => {
    num += (xs[i]! - mx) * (p.y - my);
    den += (xs[i]! - mx) ** 2;
  });
  return den === 0 ? 0 : num / den;
}

// ---- 1. admin round trip ----
async function adminRoundTrip(): Promise<void> {
  const group = 'admin round trip';
  const n = size(50_000, 5_000);
  const identify = { opcode: AdminOpcode.IDENTIFY, cdw10: 1, dataIn: 4096 } as const;
  const { host } = await enabledHost();
  const actor = record({
    group,
    name: 'Identify CNS 01h through NvmeHost, registers, rings and actors',
    unit: 'cmds/s',
    runs: await measure(async () => {
      const t0 = performance.now();
      for (let i = 0; i < n; i++) await host.execute(identify);
      return n / ((performance.now() - t0) / 1000);
    }),
    target: '≥ 50,000',
  });
  figures.pop();
  figures.push({ ...actor, met: actor.median >= 50_000 });
  await host.close();

  const env: CommandEnv = { profile: PROFILES.spec, identity: { cntlid: 1, serial: 'B', model: 'M', firmware: 'F', aerl: 3, nn: 1024 }, namespaces: new NamespaceTable([{ nsid: 1, blocks: 2048, blockSize: 512, attached: true }]) };
  const bytes = encodeSqe(sqe({ opcode: AdminOpcode.IDENTIFY, cdw10: 1, cid: 7 }));
  const data = new Uint8Array(4096);
  const direct = record({
    group,
    name: 'the same SQE direct: decode, pure handler, 4 KiB data copy, CQE encode (no actors, no host)',
    unit: 'cmds/s',
    runs: await measure(async () => {
      const m = n * 10;
      const t0 = performance.now();
      for (let i = 0; i < m; i++) {
        const s = decodeSqe(bytes);
        const a = executeLocalCommand(s, env);
        if (a.data) data.set(a.data);
        encodeCqe({ dw0: a.dw0, dw1: 0, sqhd: i & 63, sqid: 0, cid: s.cid, phase: 1, status: a.status, crd: 0, more: false });
      }
      return m / ((performance.now() - t0) / 1000);
    }),
  });
  const ratio = direct.median / actor.median;
  figures.push({ group, name: 'cost ratio, actor path / direct path', unit: '×', median: ratio, min: direct.min / actor.max, max: direct.max / actor.min, runs: [], target: '≤ 5', met: ratio <= 5 });
  process.stderr.write(`  actor/direct: ${fmt(ratio)}× (µs per command: actor ${fmt(1e6 / actor.median)}, direct ${fmt(1e6 / direct.median)})\n`);
}

// ---- 2. AEN cycle ----
async function aenCycle(): Promise<void> {
  const group = 'AEN cycle';
  const n = size(10_000, 1_000);
  const latencies: number[] = [];
  const { controller, host } = await enabledHost({ namespaces: [{ nsid: 1 }] });
  let aer = await host.submitAer();
  let measuring = false;
  const runs = await measure(async () => {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const s = performance.now();
      const receipt = await controller.faults.namespace.notifyChange(1);
      if (measuring) latencies.push(performance.now() - s);
      if (receipt.outcome !== 'posted') throw new Error(`AEN cycle: the change was ${receipt.outcome}, not posted`);
      await host.waitFor(aer);
      await host.readChangedList(false);
      aer = await host.submitAer();
    }
    measuring = true;
    return n / ((performance.now() - t0) / 1000);
  });
  await host.close();
  const cycles = record({ group, name: 'namespace change → AEN → Get Log Page 04h RAE=0 → AER re-armed', unit: 'cycles/s', runs, target: '≥ 10,000' });
  figures.pop();
  figures.push({ ...cycles, met: cycles.median >= 10_000 });
  latencies.sort((a, b) => a - b);
  const q = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!;
  figures.push({ group, name: 'namespace-change RPC latency p50', unit: 'ms', median: q(0.5), min: q(0.5), max: q(0.5), runs: [] });
  figures.push({ group, name: 'namespace-change RPC latency p99', unit: 'ms', median: q(0.99), min: q(0.99), max: q(0.99), runs: [], target: '< 1', met: q(0.99) < 1 });
  process.stderr.write(`  RPC latency over ${latencies.length.toLocaleString('en')} changes: p50 ${fmt(q(0.5))} ms, p99 ${fmt(q(0.99))} ms, max ${fmt(latencies[latencies.length - 1]!)} ms\n`);

  // The latch's share of a cycle: its three events sent straight to it, with a stub admin queue that takes the
  // completions it asks for and does nothing (no host, no rings; the stub's own two trivial steps are counted).
  const stub = setup({}).createMachine({ on: { '*': {} } });
  const root = setup({ actors: { latch: aenLatchMachine, stub } }).createMachine({
    invoke: [
      { src: 'latch', id: 'aenLatch', systemId: 'aenLatch', input: { aerl: 3, policy: latchPolicy(PROFILES.spec) } },
      { src: 'stub', id: 'adminQueue', systemId: 'adminQueue' },
    ],
  });
  const system = createActor(root).start();
  const latch = system.system.get('aenLatch') as AnyActorRef;
  latch.send({ type: 'controller.enabled' });
  const split = { 'aer.received': 0, 'namespace.changed': 0, 'changedList.read': 0 };
  let timed = 0;
  const events = [
    { type: 'aer.received', cid: 1 },
    { type: 'namespace.changed', nsid: 1 },
    { type: 'changedList.read', rae: false, numd: 1024, offset: 0 },
  ] as const;
  const latchRuns = await measure(async () => {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      for (const e of events) {
        const s = performance.now();
        latch.send(e);
        split[e.type] += performance.now() - s;
      }
    }
    timed += n;
    return ((performance.now() - t0) * 1000) / n;
  });
  if (!latch.getSnapshot().matches({ online: { notice: 'clear' } })) throw new Error('latch alone: the cycle did not end with the notice clear');
  system.stop();
  const each = Object.entries(split).map(([type, ms]) => `${type} ${fmt((ms * 1000) / timed)}`).join(', ');
  record({ group, name: 'the latch alone: aer.received + namespace.changed + changedList.read (RAE=0), stub admin queue', unit: 'µs per cycle', runs: latchRuns, note: `µs each (warm-up included; the stub's two steps count too): ${each}` });

  // XState's floor for the same three steps: a machine of the latch's shape (two parallel regions of three states,
  // eventless checks in the same places) whose actions do the same kinds of work (assign, sendTo, emit) but hold no
  // NVMe logic. What the latch costs above this is ours; the rest is the interpreter.
  const toy = latchShapeMachine;
  const toyRoot = setup({ actors: { toy, stub } }).createMachine({
    invoke: [
      { src: 'toy', id: 'toy', systemId: 'toy' },
      { src: 'stub', id: 'adminQueue', systemId: 'adminQueue' },
    ],
  });
  const toySystem = createActor(toyRoot).start();
  const toyRef = toySystem.system.get('toy') as AnyActorRef;
  record({
    group,
    name: 'XState floor: the same three events on a logic-free machine of the latch\'s shape, stub admin queue',
    unit: 'µs per cycle',
    runs: await measure(async () => {
      const t0 = performance.now();
      for (let i = 0; i < n; i++) for (const e of events) toyRef.send(e);
      return ((performance.now() - t0) * 1000) / n;
    }),
  });
  if (!toyRef.getSnapshot().matches({ online: { notice: 'clear' } })) throw new Error('XState floor: the cycle did not end with the notice clear');
  toySystem.stop();
}

// ---- 3. storm ----
async function storm(): Promise<void> {
  const group = 'storm';
  const total = size(1_000_000, 100_000);
  const batch = 1000;
  const gc = (globalThis as { gc?: () => void }).gc;
  const mb = (b: number): number => b / (1024 * 1024);

  // One RPC actor per notification, for comparison (no target).
  {
    const { controller, host } = await enabledHost();
    await host.submitAer();
    const m = size(20_000, 2_000);
    record({
      group,
      name: 'one notifyChange per NSID (one RPC actor each), distinct NSIDs',
      unit: 'notifications/s',
      runs: await measure(async () => {
        const base = 1 + Math.floor(Math.random() * 1e9);
        const t0 = performance.now();
        for (let i = 0; i < m; i++) await controller.faults.namespace.notifyChange(base + i);
        return m / ((performance.now() - t0) / 1000);
      }),
    });
    await host.close();
  }

  const { controller, host } = await enabledHost();
  await host.submitAer();
  gc?.();
  const before = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  for (let at = 1; at <= total; at += batch) {
    const receipts = await controller.faults.namespace.notifyChanges(Array.from({ length: batch }, (_, i) => at + i));
    if (receipts.length !== batch) throw new Error('storm: a receipt is missing');
  }
  const rate = total / ((performance.now() - t0) / 1000);
  const after = process.memoryUsage().heapUsed;
  gc?.();
  const afterGc = process.memoryUsage().heapUsed;
  // The work happened: one AEN, and the list overflowed (FFFFFFFFh in entry 0).
  const aens = (await host.poll()).length;
  const list = await host.readChangedList(true);
  await host.close();
  if (aens !== 1 || !list.overflow) throw new Error(`storm: expected one AEN and an overflowed list, got ${aens} AEN(s), overflow ${list.overflow}`);
  figures.push({ group, name: `${total.toLocaleString('en')} distinct NSIDs, one AER parked, no log read, batches of ${batch} (notifyChanges: one RPC actor and one latch event per batch)`, unit: 'notifications/s', median: rate, min: rate, max: rate, runs: [rate], target: '≥ 100,000', met: rate >= 100_000 });
  process.stderr.write(`  storm: ${fmt(rate)} notifications/s; one AEN, list overflowed\n`);
  const growth = mb(afterGc - before);
  figures.push({ group, name: 'heap after forced GC minus heap before', unit: 'MB', median: growth, min: growth, max: growth, runs: [], target: '≤ 10', met: gc ? growth <= 10 : undefined, note: `before ${fmt(mb(before))} MB, after ${fmt(mb(after))} MB, after GC ${fmt(mb(afterGc))} MB${gc ? '' : ' (no --expose-gc: GC not forced)'}` });
  process.stderr.write(`  heap before ${fmt(mb(before))} MB, after ${fmt(mb(after))} MB, after GC ${fmt(mb(afterGc))} MB${gc ? '' : ' (run with --expose-gc to force GC)'}\n`);
}

// ---- 4. growth ----
async function growth(): Promise<void> {
  const group = 'growth';
  const n = size(20_000, 2_000);
  const perCommand = async (options: ControllerOptions, queueSize: number, command: Parameters<NvmeHost['execute']>[0]): Promise<number[]> => {
    const { host } = await enabledHost(options, queueSize);
    const runs = await measure(async () => {
      const t0 = performance.now();
      for (let i = 0; i < n; i++) await host.execute(command);
      return ((performance.now() - t0) * 1000) / n;
    });
    await host.close();
    return runs;
  };
  const nsPoints: { x: number; y: number }[] = [];
  for (const count of [1, 1024, 65536]) {
    const f = record({ group, name: `Identify CNS 02h with ${count.toLocaleString('en')} attached namespaces`, unit: 'µs/cmd', runs: await perCommand({ namespaces: Array.from({ length: count }, (_, i) => ({ nsid: i + 1 })), nn: Math.max(1024, count) }, 64, { opcode: AdminOpcode.IDENTIFY, cdw10: 2, dataIn: 4096 }) });
    nsPoints.push({ x: count, y: f.median });
  }
  const nsRatio = nsPoints[2]!.y / nsPoints[0]!.y;
  figures.push({ group, name: 'cost with 65,536 namespaces / cost with 1', unit: '×', median: nsRatio, min: nsRatio, max: nsRatio, runs: [], target: '≤ 1.5', met: nsRatio <= 1.5, note: `slope ${fmt(slopePerDoubling(nsPoints))} µs per doubling of the namespaces` });
  process.stderr.write(`  namespaces: 65,536/1 = ${fmt(nsRatio)}×, slope ${fmt(slopePerDoubling(nsPoints))} µs per doubling\n`);

  const depthPoints: { x: number; y: number }[] = [];
  for (const depth of [2, 64, 4096]) {
    const f = record({ group, name: `Keep Alive at admin queue depth ${depth}`, unit: 'µs/cmd', runs: await perCommand({}, depth, { opcode: AdminOpcode.KEEP_ALIVE }) });
    depthPoints.push({ x: depth, y: f.median });
  }
  const depthSlope = slopePerDoubling(depthPoints);
  figures.push({ group, name: 'queue depth slope', unit: 'µs per doubling', median: depthSlope, min: depthSlope, max: depthSlope, runs: [], note: `depth 4096 / depth 2 = ${fmt(depthPoints[2]!.y / depthPoints[0]!.y)}×` });
  process.stderr.write(`  queue depth: ${fmt(depthSlope)} µs per doubling\n`);

  const genPoints: { aerl: number; ms: number; paths: number }[] = [];
  for (const aerl of [1, 3, 15]) {
    let paths = 0;
    const f = record({
      group,
      name: `spec chart path generation, AERL ${aerl}`,
      unit: 'ms',
      runs: await measure(async () => {
        const t0 = performance.now();
        // A fresh profile object each run: generatePaths remembers its results per profile object.
        paths = generatePaths({ ...PROFILES.spec }, { aerl }).paths.length;
        return performance.now() - t0;
      }),
      note: '',
    });
    figures.pop();
    figures.push({ ...f, note: `${paths} paths` });
    process.stderr.write(`    ${paths} paths\n`);
    genPoints.push({ aerl, ms: f.median, paths });
  }
  const per = (k: 'ms' | 'paths'): number => (genPoints[2]![k] - genPoints[0]![k]) / (genPoints[2]!.aerl - genPoints[0]!.aerl);
  figures.push({ group, name: 'generation slope (AERL 1 → 15)', unit: 'ms per AERL step', median: per('ms'), min: per('ms'), max: per('ms'), runs: [], note: `${fmt(per('paths'))} paths per AERL step; time per path ${genPoints.map((g) => fmt(g.ms / g.paths)).join(' / ')} ms at AERL 1 / 3 / 15` });
  process.stderr.write(`  generation: ${fmt(per('ms'))} ms and ${fmt(per('paths'))} paths per AERL step\n`);
}

// ---- 5. peer ----
async function peer(): Promise<void> {
  const group = 'peer';
  const pack = buildPack('qemu');
  const scenarios: Scenario[] = pack.scenarios.map((s) => parseScenario(s as unknown as Parameters<typeof parseScenario>[0]));
  const replay = async (factory: TargetFactory): Promise<{ ms: number; failed: number }> => {
    const t0 = performance.now();
    let failed = 0;
    for (const s of scenarios) failed += (await runScenario(s, factory)).failed;
    return { ms: performance.now() - t0, failed };
  };
  const emulator = makeEmulatorTarget({ profile: 'qemu' });
  const emu = record({
    group,
    name: `qemu-profile conformance pack (${scenarios.length} paths) on the emulator`,
    unit: 'paths/s',
    runs: await measure(async () => {
      const r = await replay(emulator);
      if (r.failed > 0) throw new Error(`peer: ${r.failed} checks failed on the emulator`);
      return scenarios.length / (r.ms / 1000);
    }),
  });
  const version = await qemuVersion();
  if (!version) {
    process.stderr.write('  QEMU comparison skipped: qemu-system-x86_64 not found (install qemu-system-x86, or set NVME_ACTORS_QEMU)\n');
    figures.push({ group, name: 'the same pack on QEMU', unit: 'paths/s', median: Number.NaN, min: Number.NaN, max: Number.NaN, runs: [], note: 'skipped: QEMU not installed' });
    return;
  }
  // One QEMU run (a pack takes seconds there); a QEMU process per path, as `conformance --target qemu` runs it.
  const q = await replay(qemuTarget);
  const qemuRate = scenarios.length / (q.ms / 1000);
  figures.push({ group, name: `the same pack on ${version} through qtest (a QEMU process per path)`, unit: 'paths/s', median: qemuRate, min: qemuRate, max: qemuRate, runs: [qemuRate], note: q.failed > 0 ? `${q.failed} checks failed on QEMU` : 'every check passed' });
  process.stderr.write(`  ${version}: ${fmt(qemuRate)} paths/s (${fmt(q.ms / scenarios.length)} ms per path)\n`);
  const ratio = emu.median / qemuRate;
  figures.push({ group, name: 'emulator speed / QEMU speed on the pack', unit: '×', median: ratio, min: emu.min / qemuRate, max: emu.max / qemuRate, runs: [], target: '≥ 50', met: ratio >= 50 });
  process.stderr.write(`  emulator/QEMU: ${fmt(ratio)}×\n`);
}

// ---- 6. costs (issue 13 items 1 and 16): each workload at two or more counts; linear means time per item flat ----
/** Runs `once(count)` for each count; returns per-count { seconds, MB of heap still held after forced GC }. */
async function atCounts(counts: readonly number[], once: (count: number) => Promise<void>): Promise<{ x: number; s: number; mb: number }[]> {
  const gc = (globalThis as { gc?: () => void }).gc;
  const out: { x: number; s: number; mb: number }[] = [];
  for (const count of counts) {
    gc?.();
    const before = process.memoryUsage().heapUsed;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 5);
    const t0 = performance.now();
    await once(count);
    const s = (performance.now() - t0) / 1000;
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().heapUsed);
    out.push({ x: count, s, mb: (peak - before) / (1024 * 1024) });
  }
  return out;
}

function linearity(group: string, name: string, points: readonly { x: number; s: number; mb: number }[], unitName: string): void {
  for (const p of points) {
    const perItem = (p.s * 1e6) / p.x;
    figures.push({ group, name: `${name}: ${p.x.toLocaleString('en')} ${unitName}`, unit: 's', median: p.s, min: p.s, max: p.s, runs: [p.s], note: `${fmt(perItem)} µs per ${unitName.replace(/s$/, '')}; heap peak +${fmt(p.mb)} MB` });
    process.stderr.write(`  ${name}, ${p.x}: ${fmt(p.s)} s (${fmt(perItem)} µs each), heap peak +${fmt(p.mb)} MB\n`);
  }
  const first = points[0]!;
  const last = points[points.length - 1]!;
  const ratio = last.s / last.x / (first.s / first.x);
  figures.push({ group, name: `${name}: time per ${unitName.replace(/s$/, '')} at ${last.x.toLocaleString('en')} / at ${first.x.toLocaleString('en')}`, unit: '×', median: ratio, min: ratio, max: ratio, runs: [], target: '≤ 2 (linear)', met: ratio <= 2 });
}

async function costs(): Promise<void> {
  const group = 'costs';
  // Item 1: changes made while the controller is disabled, each waiting for an AEN, then enable and one AER.
  linearity(group, 'offline storm (notifyChange until aen while disabled, then enable + AER)', await atCounts(QUICK ? [2_500, 10_000] : [25_000, 100_000], async (count) => {
    const controller = createController({ nn: 0xfffffffe });
    const host = new NvmeHost(new EmulatorTransport(controller));
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < count; i++) pending.push(controller.faults.namespace.notifyChange(1 + i, { until: 'aen' }));
    await host.enable();
    await host.submitAer();
    const receipts = await Promise.all(pending);
    if (receipts.length !== count) throw new Error('offline storm: a receipt is missing');
    await host.close();
  }), 'changes');
  // Item 16: concurrent `until: 'aen'` callers with no AER parked, then one AER answers them all; beside the same
  // callers with `processed`.
  for (const until of ['processed', 'aen'] as const) {
    linearity(group, `concurrent notifyChange until ${until}, no AER parked${until === 'aen' ? ', then one AER' : ''}`, await atCounts(QUICK ? [2_000, 8_000] : [8_000, 32_000], async (count) => {
      const { controller, host } = await enabledHost({ nn: 0xfffffffe });
      const pending: Promise<unknown>[] = [];
      for (let i = 0; i < count; i++) pending.push(controller.faults.namespace.notifyChange(1 + i, { until }));
      if (until === 'aen') {
        await new Promise((r) => setImmediate(r));
        await host.submitAer();
      }
      await Promise.all(pending);
      await host.close();
    }), 'callers');
  }
  // Item 16: one namespaceChange step of `count` NSIDs (one notifyChanges call), one AER parked.
  linearity(group, 'one notifyChanges of N NSIDs until aen, one AER parked', await atCounts(QUICK ? [10_000, 40_000] : [25_000, 100_000], async (count) => {
    const { controller, host } = await enabledHost({ nn: 0xfffffffe });
    await host.submitAer();
    const receipts = await controller.faults.namespace.notifyChanges(Array.from({ length: count }, (_, i) => 1 + i), { until: 'aen' });
    if (receipts.length !== count) throw new Error('batch: a receipt is missing');
    await host.close();
  }), 'NSIDs');
  // Item 16: one SQ tail doorbell write after filling the queue with Get Log Page 02h of 128 KiB (MDTS) each.
  const doorbell = await atCounts(QUICK ? [256, 1024] : [1024, 4095], async (count) => {
    const controller = createController({ memorySize: 64 * 1024 * 1024 });
    const asq = 0x100000;
    const acq = 0x200000;
    const list = 0x300000;
    const data = 0x400000;
    const bytes = 128 * 1024;
    for (let i = 1; i < bytes / 4096; i++) controller.memory.write(BigInt(list + (i - 1) * 8), new Uint8Array(new BigUint64Array([BigInt(data + i * 4096)]).buffer));
    const numd = bytes / 4 - 1;
    for (let i = 0; i < count; i++) {
      const entry = encodeSqe(sqe({ opcode: AdminOpcode.GET_LOG_PAGE, cid: i, nsid: 0xffffffff, prp1: BigInt(data), prp2: BigInt(list), cdw10: 0x02 | ((numd & 0xffff) << 16), cdw11: numd >>> 16 }));
      controller.memory.write(BigInt(asq + i * 64), entry);
    }
    controller.mmioWrite32(0x24, 4095 | (4095 << 16));
    controller.mmioWrite64(0x28, BigInt(asq));
    controller.mmioWrite64(0x30, BigInt(acq));
    controller.mmioWrite32(0x14, 1 | (6 << 16) | (4 << 20));
    let completed = 0;
    controller.onTrace((e) => void (e.type === 'completion.posted' && completed++));
    controller.mmioWrite32(0x1000, count); // the one doorbell write
    if (completed !== count) throw new Error(`doorbell: ${completed} of ${count} commands completed`);
    controller.stop();
  });
  linearity(group, 'one SQ tail doorbell write: N queued Get Log Page 02h of 128 KiB each', doorbell, 'commands');
}

const GROUPS = [['admin', adminRoundTrip], ['aen', aenCycle], ['storm', storm], ['growth', growth], ['peer', peer], ['costs', costs], ['engine', () => engineGroup(figures)]] as const;
const ONLY = process.env.BENCH_ONLY?.split(',').map((g) => g.trim()).filter(Boolean);
const unknownGroup = ONLY?.find((g) => !GROUPS.some(([name]) => name === g));
if (unknownGroup !== undefined) {
  process.stderr.write(`BENCH_ONLY: unknown group '${unknownGroup}'; the groups are ${GROUPS.map(([name]) => name).join(', ')}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  const machine = { cores: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version, gcExposed: typeof (globalThis as { gc?: unknown }).gc === 'function' };
  process.stderr.write(`nvme-actors benchmarks on ${machine.cores} cores (${machine.cpu}), Node ${machine.node}, ${RUNS} runs after a warm-up of ≥ ${WARMUP_MS} ms${QUICK ? ' (quick)' : ''}\n`);
  const started = performance.now();
  for (const [name, run] of GROUPS) {
    if (ONLY && !ONLY.includes(name)) continue;
    process.stderr.write(`${name}\n`);
    await run();
  }
  const out = { date: new Date().toISOString(), machine, runs: RUNS, warmupMs: WARMUP_MS, quick: QUICK, seconds: (performance.now() - started) / 1000, figures };
  // A partial (BENCH_ONLY) or quick run prints its table but leaves the full results file alone.
  if (!ONLY && !QUICK) await writeFile(new URL('./results.json', import.meta.url), `${JSON.stringify(out, null, 2)}\n`);
  const rows = figures.map((f) => {
    const spread = f.runs.length > 1 ? `${fmt(f.min)}–${fmt(f.max)}` : '';
    const target = f.target ? `${f.target} ${f.met === undefined ? '' : f.met ? '✓' : '✗'}` : '';
    const cold = f.cold === undefined ? '' : fmt(f.cold);
    return `| ${f.group} | ${f.name} | ${Number.isNaN(f.median) ? 'skipped' : `${fmt(f.median)} ${f.unit}`} | ${spread} | ${cold} | ${target.trim()} | ${f.note ?? ''} |`;
  });
  process.stdout.write(
    [
      `Machine: ${machine.cores} cores, ${machine.cpu}, Node ${machine.node}; median of ${RUNS} runs after a warm-up of ≥ ${WARMUP_MS} ms per figure; ${fmt(out.seconds)} s`,
      '',
      '| group | figure | median | spread (min–max) | first run (cold) | target | note |',
      '|---|---|---|---|---|---|---|',
      ...rows,
      '',
    ].join('\n'),
  );
}

await main();
