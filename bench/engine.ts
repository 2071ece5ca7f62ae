// The engine comparison (npm run bench, group 'engine'; alone: npm run bench:engine, which runs it compiled by
// esbuild without keepNames). Every figure is measured for each engine in the same process, the engines taking
// turns run by run, and given as a ratio to XState v5 of the same round: other processes load the machine, and a
// paired ratio survives that where absolute figures do not. What it measures: the AEN cycle and Identify through
// NvmeHost and the emulator; the latch alone; a logic-free machine of the latch's shape on XState 5, the 'fast'
// engine and XState 6.0.0-alpha.52 (our machines do not run on v6: see the note); the actors' share of an admin
// command (the actor path minus the same host and device work with the handlers called directly); and
// test:long's workload (random chart sequences replayed through the host) as sequences per second.
import { createActor as createActorV6, createMachine as createMachineV6 } from 'xstate-v6';
import fc from 'fast-check';
import { type AnyActorRef, assign, createActor, enqueueActions, setup } from 'xstate';
import { createController, type EmulatedController } from '../src/emulator.ts';
import { EmulatorTransport } from '../src/host/emulator-transport.ts';
import { NvmeHost } from '../src/host/nvme-host.ts';
import { AdminOpcode, Csts } from '../src/spec/constants.ts';
import { decodeSqe } from '../src/spec/sqe.codec.ts';
import { dataLength, executeLocalCommand, type CommandEnv } from '../src/logic/admin-commands.ts';
import { NamespaceTable } from '../src/device/namespaces.ts';
import { GuestMemory } from '../src/device/guest-memory.ts';
import { RegisterFile } from '../src/device/registers.ts';
import { CompletionRing, SubmissionRing } from '../src/device/queues.ts';
import { resolvePrps, writeSegments } from '../src/device/prp.ts';
import { adminQueueGeometry } from '../src/logic/controller.ts';
import { PROFILE_NAMES, PROFILES, type Profile } from '../src/profiles/profiles.ts';
import { aenLatchMachine } from '../machines/aen-latch.machine.ts';
import { latchPolicy } from '../src/logic/aen-latch.ts';
import type { HostEvent } from '../src/logic/aen-chart.ts';
import { chartEventArbitraryFor } from '../test/support/chart-events.ts';
import { chartToScenario } from '../src/model/to-scenario.ts';
import { parseScenario } from '../src/scenario/schema.ts';
import { runScenario } from '../src/scenario/runner.ts';
import { logicFor, type EngineName } from '../src/engine/index.ts';

/** The shape bench/run.ts keeps its figures in. */
export interface EngineFigure {
  readonly group: string;
  readonly name: string;
  readonly unit: string;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly runs: readonly number[];
  readonly target?: string;
  readonly met?: boolean;
  readonly note?: string;
}

const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 5));
const QUICK = process.env.BENCH_QUICK === '1';
const WARMUP_MS = Math.max(0, Number(process.env.BENCH_WARMUP_MS ?? 1000));
const size = (full: number, quick: number): number => (QUICK ? quick : full);
const GROUP = 'engine';
const fmt = (n: number): string => (Math.abs(n) >= 100 ? Math.round(n).toLocaleString('en') : n.toFixed(Math.abs(n) >= 10 ? 1 : 2));
const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

interface Variant {
  readonly name: string;
  /** One measured run; returns the figure (higher is better when `rate`). */
  readonly once: () => Promise<number>;
}
/** Warm every variant up, then RUNS rounds in which each runs once (the order rotating); a ratio per round. */
async function paired(variants: readonly Variant[]): Promise<{ runs: number[][]; ratios: number[][] }> {
  const started = performance.now();
  for (let i = 0; i < 50 && (i === 0 || performance.now() - started < WARMUP_MS * variants.length); i++) for (const v of variants) await v.once();
  const runs = variants.map(() => [] as number[]);
  for (let r = 0; r < RUNS; r++) {
    for (let k = 0; k < variants.length; k++) {
      const i = (k + r) % variants.length;
      runs[i]!.push(await variants[i]!.once());
    }
  }
  return { runs, ratios: runs.map((rs) => rs.map((x, r) => x / runs[0]![r]!)) };
}

function report(out: EngineFigure[], name: string, unit: string, runs: readonly number[], extra: Partial<EngineFigure> = {}): EngineFigure {
  const sorted = [...runs].sort((a, b) => a - b);
  const f: EngineFigure = { group: GROUP, name, unit, median: median(runs), min: sorted[0]!, max: sorted[sorted.length - 1]!, runs, ...extra };
  out.push(f);
  const verdict = f.met === undefined ? '' : f.met ? '  [target met]' : '  [target NOT met]';
  process.stderr.write(`  ${name}: ${fmt(f.median)} ${unit} (${fmt(f.min)}–${fmt(f.max)})${verdict}\n`);
  return f;
}

async function enabledHost(engine: EngineName): Promise<{ controller: EmulatedController; host: NvmeHost }> {
  const controller = createController({ engine, namespaces: [{ nsid: 1 }] });
  const host = new NvmeHost(new EmulatorTransport(controller));
  await host.enable({ queueSize: 64 });
  return { controller, host };
}

async function aenCycle(engine: EngineName, n: number): Promise<Variant & { close(): Promise<void> }> {
  const { controller, host } = await enabledHost(engine);
  let aer = await host.submitAer();
  return {
    name: engine,
    once: async () => {
      const t0 = performance.now();
      for (let i = 0; i < n; i++) {
        const receipt = await controller.faults.namespace.notifyChange(1);
        if (receipt.outcome !== 'posted') throw new Error(`AEN cycle on '${engine}': the change was ${receipt.outcome}, not posted`);
        await host.waitFor(aer);
        await host.readChangedList(false);
        aer = await host.submitAer();
      }
      return n / ((performance.now() - t0) / 1000);
    },
    close: () => host.close(),
  };
}

const IDENTIFY = { opcode: AdminOpcode.IDENTIFY, cdw10: 1, dataIn: 4096 } as const;
async function identify(name: string, host: NvmeHost, n: number): Promise<Variant & { close(): Promise<void> }> {
  return {
    name,
    once: async () => {
      const t0 = performance.now();
      for (let i = 0; i < n; i++) await host.execute(IDENTIFY);
      return n / ((performance.now() - t0) / 1000);
    },
    close: () => host.close(),
  };
}

/** The emulator's registers, guest memory, rings, PRP walk and pure handlers with no actor: a tail doorbell fetches
 * and answers every SQE at once. The same host and device work as the actor path, minus the actors. */
function directController(): EmulatedController {
  const memory = new GuestMemory(64 * 1024 * 1024);
  const registers = new RegisterFile();
  const namespaces = new NamespaceTable([{ nsid: 1, blocks: 2048, blockSize: 512, attached: true }]);
  const env: CommandEnv = { profile: PROFILES.spec, identity: { cntlid: 1, serial: 'NVMEACTORS0001', model: 'nvme-actors emulated controller', firmware: '0.1.0', aerl: 3, nn: 1024 }, namespaces };
  let rings: { sq: SubmissionRing; cq: CompletionRing; head: number } | null = null;
  const csts = (): number => (rings ? Csts.RDY : 0);
  const write32 = (offset: number, value: number): void => {
    const effect = registers.write32(offset, value);
    if (effect.kind === 'cc') {
      if ((effect.value & 1) === 1 && (effect.previous & 1) === 0) {
        const g = adminQueueGeometry(registers.aqa, registers.asq, registers.acq);
        rings = { sq: new SubmissionRing(memory, g.sqBase, g.sqSize), cq: new CompletionRing(memory, g.cqBase, g.cqSize), head: 0 };
      } else if ((effect.value & 1) === 0) rings = null;
    } else if (effect.kind === 'sqTail' && rings) {
      while (rings.head !== effect.value) {
        const sqe = decodeSqe(rings.sq.fetch(rings.head)!);
        rings.head = (rings.head + 1) % rings.sq.size;
        const length = dataLength(sqe);
        const r = length > 0 ? resolvePrps(memory, sqe.prp1, sqe.prp2, length) : { ok: true as const, segments: [] };
        const answer = executeLocalCommand(sqe, env);
        if (r.ok && answer.data) writeSegments(memory, r.segments, answer.data);
        rings.cq.post({ cid: sqe.cid, sqid: 0, sqhd: rings.head, status: answer.status, dw0: answer.dw0 });
      }
    } else if (effect.kind === 'cqHead' && rings) rings.cq.setHead(effect.value);
  };
  return {
    profile: PROFILES.spec,
    memory,
    namespaces,
    faults: undefined as never,
    actor: undefined as never,
    mmioRead32: (offset) => registers.read32(offset, csts()),
    mmioRead64: (offset) => BigInt(registers.read32(offset, csts())) | (BigInt(registers.read32(offset + 4, csts())) << 32n),
    mmioWrite32: write32,
    mmioWrite64: (offset, value) => {
      write32(offset, Number(value & 0xffffffffn));
      write32(offset + 4, Number((value >> 32n) & 0xffffffffn));
    },
    onTrace: () => () => {},
    stop: () => {},
  };
}

const CYCLE = [
  { type: 'aer.received', cid: 1 },
  { type: 'namespace.changed', nsid: 1 },
  { type: 'changedList.read', rae: false, numd: 1024, offset: 0 },
] as const;
const stub = setup({}).createMachine({ on: { '*': {} } });

function latchAlone(engine: EngineName, n: number): Variant & { close(): void } {
  const root = setup({ actors: { latch: aenLatchMachine, stub } }).createMachine({
    invoke: [
      { src: 'latch', id: 'aenLatch', systemId: 'aenLatch', input: { aerl: 3, policy: latchPolicy(PROFILES.spec) } },
      { src: 'stub', id: 'adminQueue', systemId: 'adminQueue' },
    ],
  });
  const system = createActor(logicFor(root, engine)).start();
  const latch = system.system.get('aenLatch') as AnyActorRef;
  latch.send({ type: 'controller.enabled' });
  return {
    name: engine,
    once: async () => {
      const t0 = performance.now();
      for (let i = 0; i < n; i++) for (const e of CYCLE) latch.send(e);
      if (!latch.getSnapshot().matches({ online: { notice: 'clear' } })) throw new Error(`latch alone on '${engine}': the cycle did not end with the notice clear`);
      return n / ((performance.now() - t0) / 1000);
    },
    close: () => system.stop(),
  };
}

// A machine of the latch's shape (two parallel regions of three states, eventless checks where the latch has them)
// whose actions do the same kinds of work (assign, sendTo, emit) and hold no NVMe logic: what the interpreter costs.
export const latchShapeMachine = setup({
  types: { context: {} as { n: number; parked: number[] } },
  actions: {
    record: assign(({ context }) => ({ n: context.n + 1 })),
    post: enqueueActions(({ context, enqueue }) => {
      enqueue.assign({ parked: context.parked.slice(1) });
      enqueue.sendTo(({ system: s }) => s.get('adminQueue'), { type: 'completion' });
      enqueue.emit({ type: 'posted' });
    }),
    acknowledge: enqueueActions(({ enqueue }) => enqueue.emit({ type: 'acknowledged' })),
    park: enqueueActions(({ context, enqueue }) => {
      enqueue.assign({ parked: [...context.parked, 1] });
      enqueue.emit({ type: 'parked' });
    }),
    reply: enqueueActions(({ enqueue }) => {
      enqueue.assign({ n: 0 });
      enqueue.sendTo(({ system: s }) => s.get('adminQueue'), { type: 'reply' });
      enqueue.emit({ type: 'read' });
    }),
  },
  guards: { hasParked: ({ context }) => context.parked.length > 0, never: () => false },
}).createMachine({
  context: { n: 0, parked: [] as number[] },
  initial: 'online',
  states: {
    online: {
      type: 'parallel',
      on: { 'aer.received': { actions: 'park' } },
      states: {
        notice: {
          initial: 'clear',
          states: {
            clear: {
              always: { guard: 'never', target: 'pending' },
              on: {
                'namespace.changed': [{ guard: 'never', actions: 'acknowledge' }, { guard: 'hasParked', target: 'posted', actions: ['record', 'post', 'acknowledge'] }, { target: 'pending' }],
                'changedList.read': { actions: 'reply' },
              },
            },
            pending: { always: { guard: 'never', target: 'posted' } },
            posted: { on: { 'changedList.read': [{ guard: 'never', actions: 'reply' }, { target: 'clear', actions: 'reply' }] } },
          },
        },
        errorEvent: { initial: 'clear', states: { clear: {}, pending: { always: { guard: 'never', target: 'posted' } }, posted: {} } },
      },
    },
  },
});
function shapeOnV5(engine: EngineName, n: number): Variant & { close(): void } {
  const root = setup({ actors: { shape: latchShapeMachine, stub } }).createMachine({
    invoke: [
      { src: 'shape', id: 'shape', systemId: 'shape' },
      { src: 'stub', id: 'adminQueue', systemId: 'adminQueue' },
    ],
  });
  const system = createActor(logicFor(root, engine)).start();
  const ref = system.system.get('shape') as AnyActorRef;
  return {
    name: engine,
    once: async () => {
      const t0 = performance.now();
      for (let i = 0; i < n; i++) for (const e of CYCLE) ref.send(e);
      if (!ref.getSnapshot().matches({ online: { notice: 'clear' } })) throw new Error(`latch shape on '${engine}': the cycle did not end with the notice clear`);
      return n / ((performance.now() - t0) / 1000);
    },
    close: () => system.stop(),
  };
}
/** The same shape in XState 6's API (transition functions with `enq` instead of named built-in actions). */
function shapeOnV6(n: number): Variant & { close(): void } {
  type Ctx = { n: number; parked: number[] };
  const never = (): boolean => false;
  const sink = createActorV6(createMachineV6({ on: { completion: {}, reply: {} } })).start();
  const reply = ({ context }: { context: Ctx }, enq: { sendTo(r: unknown, e: unknown): void; emit(e: unknown): void }): { context: Ctx } => {
    enq.sendTo(sink, { type: 'reply' });
    enq.emit({ type: 'read' });
    return { context: { ...context, n: 0 } };
  };
  const machine = createMachineV6({
    context: { n: 0, parked: [] as number[] },
    initial: 'online',
    states: {
      online: {
        type: 'parallel',
        on: {
          'aer.received': ({ context }: { context: Ctx }, enq: { emit(e: unknown): void }) => {
            enq.emit({ type: 'parked' });
            return { context: { ...context, parked: [...context.parked, 1] } };
          },
        },
        states: {
          notice: {
            initial: 'clear',
            states: {
              clear: {
                always: () => (never() ? { target: 'pending' } : undefined),
                on: {
                  'namespace.changed': ({ context }: { context: Ctx }, enq: { sendTo(r: unknown, e: unknown): void; emit(e: unknown): void }) => {
                    if (never()) return { context };
                    if (context.parked.length > 0) {
                      enq.sendTo(sink, { type: 'completion' });
                      enq.emit({ type: 'posted' });
                      enq.emit({ type: 'acknowledged' });
                      return { target: 'posted', context: { n: context.n + 1, parked: context.parked.slice(1) } };
                    }
                    return { target: 'pending' };
                  },
                  'changedList.read': reply,
                },
              },
              pending: { always: () => (never() ? { target: 'posted' } : undefined) },
              posted: { on: { 'changedList.read': (a: { context: Ctx }, enq: { sendTo(r: unknown, e: unknown): void; emit(e: unknown): void }) => ({ target: 'clear', ...reply(a, enq) }) } },
            },
          },
          errorEvent: { initial: 'clear', states: { clear: {}, pending: { always: () => (never() ? { target: 'posted' } : undefined) }, posted: {} } },
        },
      },
    },
  } as never);
  const ref = createActorV6(machine).start() as unknown as AnyActorRef;
  return {
    name: 'xstate v6 alpha',
    once: async () => {
      const t0 = performance.now();
      for (let i = 0; i < n; i++) for (const e of CYCLE) ref.send(e);
      if (!ref.getSnapshot().matches({ online: { notice: 'clear' } })) throw new Error('latch shape on v6: the cycle did not end with the notice clear');
      return n / ((performance.now() - t0) / 1000);
    },
    close: () => {
      ref.stop();
      sink.stop();
    },
  };
}

/** test:long's workload: random chart sequences of 50–70 steps, replayed as scenarios through the host. */
function chartEvents(profile: Profile): fc.Arbitrary<HostEvent[]> {
  return fc.array(chartEventArbitraryFor(profile), { minLength: 50, maxLength: 70 });
}
function chartSequences(engine: EngineName, perProfile: number): Variant {
  const samples = PROFILE_NAMES.map((name, i) => ({ profile: PROFILES[name], sequences: fc.sample(chartEvents(PROFILES[name]), { numRuns: perProfile, seed: 20261127 + i }) }));
  return {
    name: engine,
    once: async () => {
      const before = process.env.NVME_ACTORS_ENGINE;
      process.env.NVME_ACTORS_ENGINE = engine; // runScenario's emulator target takes createController's default
      try {
        const t0 = performance.now();
        let count = 0;
        for (const { profile, sequences } of samples) {
          for (const events of sequences) {
            const result = await runScenario(parseScenario(chartToScenario(profile, events, { name: 'bench' })));
            if (result.failed > 0) throw new Error(`chart sequence on '${engine}' failed`);
            count++;
          }
        }
        return count / ((performance.now() - t0) / 1000);
      } finally {
        if (before === undefined) delete process.env.NVME_ACTORS_ENGINE;
        else process.env.NVME_ACTORS_ENGINE = before;
      }
    },
  };
}

/** The engine group: pushes its figures onto `out` (bench/run.ts's table) and returns them. */
export async function engineGroup(out: EngineFigure[] = []): Promise<EngineFigure[]> {
  const ratioNote = (ratios: readonly number[]): string => `ratio to XState 5 per round: ${ratios.map(fmt).join(', ')}`;

  // 1. The AEN cycle through NvmeHost and the emulator.
  {
    const n = size(2_000, 200);
    const vs = [await aenCycle('xstate', n), await aenCycle('fast', n)];
    const { runs, ratios } = await paired(vs);
    for (const v of vs) await v.close();
    report(out, 'AEN cycle (namespace change → AEN → Get Log Page 04h → AER), XState 5.33', 'cycles/s', runs[0]!);
    const fast = report(out, "AEN cycle, engine 'fast' (the default)", 'cycles/s', runs[1]!, { target: '≥ 12,000', met: median(runs[1]!) >= 12_000 });
    report(out, "AEN cycle, 'fast' / XState 5.33 in the same round", '×', ratios[1]!, { target: '≥ 3.5', met: median(ratios[1]!) >= 3.5, note: `${ratioNote(ratios[1]!)}; ${fmt(1e6 / fast.median)} µs per cycle` });
  }
  // 2. Identify through the host, each engine, and the same host and device work without actors.
  {
    const n = size(20_000, 2_000);
    const hosts: NvmeHost[] = [];
    for (const engine of ['xstate', 'fast'] as const) hosts.push((await enabledHost(engine)).host);
    const directHost = new NvmeHost(new EmulatorTransport(directController()));
    await directHost.enable({ queueSize: 64 });
    const vs = [await identify('xstate', hosts[0]!, n), await identify('fast', hosts[1]!, n), await identify('direct', directHost, n)];
    const { runs, ratios } = await paired(vs);
    for (const v of vs) await v.close();
    report(out, 'Identify CNS 01h through NvmeHost and actors, XState 5.33', 'cmds/s', runs[0]!);
    report(out, "Identify CNS 01h through NvmeHost and actors, engine 'fast'", 'cmds/s', runs[1]!, { target: '≥ 80,000', met: median(runs[1]!) >= 80_000, note: ratioNote(ratios[1]!) });
    report(out, 'the same Identify, same host, registers, rings, PRPs and handlers, no actors', 'cmds/s', runs[2]!);
    const share = (engineRuns: readonly number[]): number[] => engineRuns.map((x, r) => 1e6 / x - 1e6 / runs[2]![r]!);
    report(out, "the actors' share of an admin command, XState 5.33 (actor path − no-actor path, same round)", 'µs/cmd', share(runs[0]!));
    report(out, "the actors' share of an admin command, engine 'fast'", 'µs/cmd', share(runs[1]!), { target: '≤ 3', met: median(share(runs[1]!)) <= 3 });
  }
  // 3. The latch alone and the interpreter floor (logic-free machine of the latch's shape).
  {
    const n = size(5_000, 500);
    const vs = [latchAlone('xstate', n), latchAlone('fast', n)];
    const { runs, ratios } = await paired(vs);
    for (const v of vs) v.close();
    report(out, 'the latch alone (aer.received + namespace.changed + changedList.read), XState 5.33', 'cycles/s', runs[0]!);
    report(out, "the latch alone, engine 'fast'", 'cycles/s', runs[1]!, { note: ratioNote(ratios[1]!) });
    const ws = [shapeOnV5('xstate', n), shapeOnV5('fast', n), shapeOnV6(n)];
    const shape = await paired(ws);
    for (const w of ws) w.close();
    report(out, "a logic-free machine of the latch's shape, the same three events, XState 5.33", 'cycles/s', shape.runs[0]!);
    report(out, "the latch's shape, engine 'fast'", 'cycles/s', shape.runs[1]!, { note: ratioNote(shape.ratios[1]!) });
    report(out, "the latch's shape, XState 6.0.0-alpha.52 (hand-ported: our machines do not load on v6)", 'cycles/s', shape.runs[2]!, {
      note: `${ratioNote(shape.ratios[2]!)}. v6 exports no assign, sendTo, raise, emit, enqueueActions or fromPromise: every named action of the machines would have to become a transition function`,
    });
  }
  // 4. test:long's workload.
  {
    const perProfile = size(20, 4);
    const vs = [chartSequences('xstate', perProfile), chartSequences('fast', perProfile)];
    const { runs, ratios } = await paired(vs);
    report(out, 'random chart sequences (50–70 steps) replayed through the host, XState 5.33', 'sequences/s', runs[0]!);
    const f = report(out, "random chart sequences, engine 'fast'", 'sequences/s', runs[1]!, { note: ratioNote(ratios[1]!) });
    const seconds = 30_000 / f.median;
    out.push({ group: GROUP, name: "test:long's 30,000 chart sequences at that rate, engine 'fast'", unit: 's', median: seconds, min: 30_000 / f.max, max: 30_000 / f.min, runs: [], target: '< 300', met: seconds < 300 });
    process.stderr.write(`  test:long's 30,000 sequences at that rate: ${fmt(seconds)} s (XState 5.33: ${fmt(30_000 / median(runs[0]!))} s)\n`);
  }
  return out;
}

// Run alone: print the figures as a table.
if (import.meta.url === `file://${process.argv[1]}`) {
  process.stderr.write(`engine comparison, ${RUNS} rounds after a warm-up of ≥ ${WARMUP_MS} ms per variant${QUICK ? ' (quick)' : ''}\n`);
  const figures = await engineGroup();
  process.stdout.write(['| figure | median | spread (min–max) | target | note |', '|---|---|---|---|---|', ...figures.map((f) => `| ${f.name} | ${fmt(f.median)} ${f.unit} | ${f.runs.length > 1 ? `${fmt(f.min)}–${fmt(f.max)}` : ''} | ${f.target ? `${f.target} ${f.met ? '✓' : '✗'}` : ''} | ${f.note ?? ''} |`), ''].join('\n'));
}
