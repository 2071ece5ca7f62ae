// The package as a user gets it: `npm pack` (whose `prepare` builds dist/, incrementally), the tarball installed
// into an empty temporary project, then (a) plain node, no tsx, imports it and runs the seed case, (b) a consumer
// vitest file using nvme-actors/vitest passes, (c) the consumer's `tsc --strict` type-checks against it with the
// default module settings and with module nodenext (where the exports map is resolved as Node does), (d) the installed `nvme-actors` command runs a scenario. The tarball's dependencies come from
// the npm cache, or the registry where the cache lacks them (`--prefer-offline`); the consumer borrows vitest and
// @types/node from this repository's node_modules (symlinks), as it would have its own. The consumer's tsc runs with
// --skipLibCheck (as `tsc --init` sets it; checking @types/node itself would triple the cost), so the types the API
// hands back are also asserted not to be `any`, and no declaration file may import a `.ts` path (TS5097). The
// project is removed after.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePaths } from '../../src/model/generate.ts';
import { getProfile } from '../../src/profiles/profiles.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

/** The environment of the child processes: none of this vitest run's or npm's own variables. */
const ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(VITEST|npm_|NODE_OPTIONS$|NODE_ENV$|TEST$)/i.test(k)));

async function sh(file: string, args: readonly string[], cwd: string, timeout = 240_000): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(file, args, { cwd, env: ENV, timeout, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number | string; stdout?: string; stderr?: string; message: string };
    return { code: typeof err.code === 'number' ? err.code : -1, stdout: err.stdout ?? '', stderr: `${err.stderr ?? ''}${typeof err.code === 'number' ? '' : err.message}` };
  }
}
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const failed = (what: string, r: { code: number; stdout: string; stderr: string }): string => `${what} exited ${r.code}:\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-4000)}`;

let temp: string;
let consumer: string;
let tarballFiles: string[];

const SEED_SCRIPT = `import { createController, EmulatorTransport, NvmeHost } from 'nvme-actors';
const controller = createController({ profile: 'spec', namespaces: [{ nsid: 1 }, { nsid: 2, attached: false }] });
const host = new NvmeHost(new EmulatorTransport(controller));
await host.enable();
const aer = await host.submitAer();
const receipt = await controller.faults.namespace.notifyChange(1);
const aen = await host.waitFor(aer);
const list = await host.readChangedList();
await host.close();
console.log(JSON.stringify({ outcome: receipt.outcome, dw0: '0x' + (aen.dw0 >>> 0).toString(16).padStart(8, '0'), list, tsx: process.execArgv.join(' ') + (process.env.NODE_OPTIONS ?? '') }));
`;

const CONSUMER_TEST = `import { testPaths, testScenarioFiles } from 'nvme-actors/vitest';
testPaths({ profile: 'spec' });
testScenarioFiles('scenarios');
`;

// Type-checked, not run: the API a user writes against, including the subpaths and the types they export.
const CONSUMER_TYPES = `import { createController, NvmeHost, EmulatorTransport, parseScenario, runScenario, generatePaths, getProfile, PROFILES, makeQemuTarget, NamespaceChangeError, Status, type ScenarioResult, type Target, type Transport } from 'nvme-actors';
import { testPaths, testScenarioFiles, type TestOptions } from 'nvme-actors/vitest';
import { aenLatchMachine, machineSource, renderDiagram } from 'nvme-actors/machines';

type IsAny<T> = 0 extends 1 & T ? true : false;
const notAny = <T>(value: T, _: IsAny<T> extends true ? never : true): T => value;

async function seed(): Promise<string> {
  const controller = notAny(createController({ profile: 'spec', namespaces: [{ nsid: 1 }, { nsid: 2, attached: false }] }), true);
  notAny(controller.faults.namespace, true);
  const transport: Transport = new EmulatorTransport(controller);
  const host = new NvmeHost(transport);
  await host.enable();
  const aer: number = await host.submitAer();
  const receipt = await controller.faults.namespace.notifyChange(1);
  const aen = notAny(await host.waitFor(aer), true);
  const list = notAny(await host.readChangedList(), true);
  notAny(receipt, true);
  notAny(aenLatchMachine, true);
  notAny(testPaths, true);
  const nsids: readonly number[] = list.overflow ? [] : list.nsids;
  const result: ScenarioResult = await runScenario(parseScenario({ steps: [{ do: 'enable' }] }));
  const svg: string = await renderDiagram('aen-latch', 'svg');
  return [receipt.outcome, aen.dw0, nsids.join(), result.passed, generatePaths(getProfile('spec')).paths.length, PROFILES.qemu.name, aenLatchMachine.id, machineSource('aen-latch'), svg.length, Status.format(Status.SUCCESS), String(makeQemuTarget), NamespaceChangeError.name].join(' ');
}
const options: TestOptions = { target: 'emulator', timeout: 1000 };
const target: Target | undefined = undefined;
void [seed, testPaths, testScenarioFiles, options, target];
`;

beforeAll(async () => {
  temp = await mkdtemp(join(tmpdir(), 'nvme-actors-package-'));
  const packed = await sh(npm, ['pack', '--pack-destination', temp, '--loglevel=error'], ROOT);
  if (packed.code !== 0) throw new Error(failed('npm pack', packed));
  const tarball = (await readdir(temp)).find((f) => f.endsWith('.tgz'));
  if (!tarball) throw new Error(`npm pack wrote no tarball into ${temp}:\n${packed.stdout}`);
  const listing = await sh('tar', ['-tzf', join(temp, tarball)], temp);
  tarballFiles = listing.stdout.split('\n').filter(Boolean).map((f) => f.replace(/^package\//, ''));

  consumer = join(temp, 'consumer');
  await mkdir(join(consumer, 'scenarios'), { recursive: true });
  await writeFile(join(consumer, 'package.json'), `${JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }, null, 2)}\n`);
  const installed = await sh(npm, ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', join(temp, tarball)], consumer);
  if (installed.code !== 0) throw new Error(failed('npm install (the tarball)', installed));
  // After the install (npm would remove them as extraneous): the consumer's own test tooling.
  await mkdir(join(consumer, 'node_modules/@types'), { recursive: true });
  await symlink(join(ROOT, 'node_modules/vitest'), join(consumer, 'node_modules/vitest'), 'dir');
  await symlink(join(ROOT, 'node_modules/@types/node'), join(consumer, 'node_modules/@types/node'), 'dir');

  const seed = JSON.parse(await readFile(join(ROOT, 'examples/seed-namespace-change.json'), 'utf8')) as Record<string, unknown>;
  await writeFile(join(consumer, 'scenarios/seed.json'), JSON.stringify({ ...seed, $schema: '../node_modules/nvme-actors/schema/scenario.schema.json' }, null, 2));
  await writeFile(join(consumer, 'seed.mjs'), SEED_SCRIPT);
  await writeFile(join(consumer, 'aen.test.ts'), CONSUMER_TEST);
  await writeFile(join(consumer, 'check.ts'), CONSUMER_TYPES);
}, 600_000);

afterAll(async () => {
  if (temp) await rm(temp, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('ships the build, the bin, the machines, the schema and docs; no tests, bench, tools, CI or TypeScript sources of src/', () => {
    expect(tarballFiles).toEqual(expect.arrayContaining(['package.json', 'README.md', 'bin/nvme-actors.js', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/vitest.js', 'dist/src/machines.js', 'schema/scenario.schema.json', 'machines/aen-latch.machine.ts', 'docs/scenarios.md']));
    expect(tarballFiles.filter((f) => /^(test|bench|tools|scripts|\.ci|src|node_modules)\//.test(f))).toEqual([]);
    expect(tarballFiles.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.startsWith('machines/'))).toEqual([]);
  });

  it('declaration files import .js paths, never .ts (a consumer\'s tsc would report TS5097)', async () => {
    const declarations = tarballFiles.filter((f) => f.endsWith('.d.ts'));
    expect(declarations.length).toBeGreaterThan(30);
    const offending: string[] = [];
    for (const f of declarations) {
      const text = await readFile(join(consumer, 'node_modules/nvme-actors', f), 'utf8');
      if (/(?:from\s+|import\s*\(\s*)['"]\.{1,2}\/[^'"]*\.ts['"]/.test(text)) offending.push(f);
    }
    expect(offending).toEqual([]);
  });

  it('(a) plain node imports it and runs the seed case: AEN dw0 0x00040002, list [1]', async () => {
    const r = await sh(process.execPath, ['seed.mjs'], consumer, 60_000);
    expect(r.code, failed('node seed.mjs', r)).toBe(0);
    const out = JSON.parse(r.stdout) as { outcome: string; dw0: string; list: { overflow: boolean; nsids: number[] }; tsx: string };
    expect(out).toEqual({ outcome: 'posted', dw0: '0x00040002', list: { overflow: false, nsids: [1] }, tsx: '' });
  }, 120_000);

  it('(b) a consumer vitest file using nvme-actors/vitest passes: one test per spec path and per scenario file', async () => {
    const r = await sh(process.execPath, [join(consumer, 'node_modules/vitest/vitest.mjs'), 'run', '--reporter=json', '--outputFile=vitest.json', '--maxWorkers=1'], consumer, 180_000);
    expect(r.code, failed('vitest run (consumer)', r)).toBe(0);
    const report = JSON.parse(await readFile(join(consumer, 'vitest.json'), 'utf8')) as { numPassedTests: number; numFailedTests: number; numTotalTests: number };
    const paths = generatePaths(getProfile('spec')).paths.length;
    expect(report).toMatchObject({ numFailedTests: 0, numPassedTests: paths + 1, numTotalTests: paths + 1 });
  }, 240_000);

  it('(c) the consumer type-checks with tsc --strict: default module settings, and module nodenext', async () => {
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    const [defaults, nodenext] = await Promise.all([
      sh(process.execPath, [tsc, '--strict', '--noEmit', '--skipLibCheck', 'check.ts'], consumer, 240_000),
      sh(process.execPath, [tsc, '--strict', '--noEmit', '--skipLibCheck', '--module', 'nodenext', 'check.ts'], consumer, 240_000),
    ]);
    expect(defaults.code, failed('tsc --strict check.ts', defaults)).toBe(0);
    expect(nodenext.code, failed('tsc --strict --module nodenext check.ts', nodenext)).toBe(0);
  }, 300_000);

  it('(d) the installed nvme-actors command runs a scenario', async () => {
    const r = await sh(join(consumer, 'node_modules/.bin/nvme-actors'), ['run', 'scenarios/seed.json'], consumer, 60_000);
    expect(r.code, failed('nvme-actors run scenarios/seed.json', r)).toBe(0);
    expect(r.stdout).toContain('dw0 0x00040002');
    expect(r.stdout).toMatch(/\b[1-9]\d* passed, 0 failed/);
  }, 120_000);
});
