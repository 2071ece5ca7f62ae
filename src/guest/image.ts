// The guest image: a Debian kernel and a busybox initramfs with the NVMe target and host modules, built from Debian
// packages only (apt-get download + dpkg -x; nothing is installed, nothing else is fetched) and cached by kernel
// release and a hash of every input (package versions, /init, module groups, this builder's format). The kernel
// package is the one `linux-image-amd64` depends on today (apt-cache depends), so no ABI number is written here.
// Host tools it needs: apt-get/apt-cache/dpkg, depmod and modprobe (kmod), cpio, gzip (zlib).
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { GUEST_LIB, INIT_SCRIPT, MODULE_GROUPS } from './init-script.ts';

/** Bumped when the layout of the image changes in a way the other inputs do not show. */
const FORMAT = 3;
const META_PACKAGE = 'linux-image-amd64';
const BUSYBOX_PACKAGE = 'busybox-static';

export interface GuestImage {
  /** `6.1.0-57-amd64`: the release the kernel reports (uname -r) and its modules' directory. */
  readonly kernelRelease: string;
  readonly kernel: string;
  readonly initramfs: string;
  readonly dir: string;
  /** Whether this call built it (false: taken from the cache). */
  readonly built: boolean;
  readonly packages: Readonly<Record<string, string>>;
}

export interface GuestImageOptions {
  /** Default: $NVME_ACTORS_CACHE, else ~/.cache/nvme-actors. */
  readonly cacheDir?: string;
  /** Whole-build budget (default 180 s); each tool call also has its own. */
  readonly timeoutMs?: number;
  readonly log?: (line: string) => void;
}

/** A build that cannot be done, with one line saying why (and what to do). */
export class GuestImageError extends Error {
  override readonly name = 'GuestImageError';
}

export function defaultCacheDir(): string {
  return process.env.NVME_ACTORS_CACHE ?? join(homedir(), '.cache', 'nvme-actors');
}

interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
}

function run(file: string, args: readonly string[], o: { cwd?: string; timeoutMs: number; what: string; maxBuffer?: number }): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd: o.cwd, timeout: o.timeoutMs, killSignal: 'SIGKILL', maxBuffer: o.maxBuffer ?? 16 * 1024 * 1024, env: { ...process.env, LC_ALL: 'C', DEBIAN_FRONTEND: 'noninteractive' } }, (err, stdout, stderr) => {
      if (!err) return resolve({ stdout, stderr });
      const e = err as NodeJS.ErrnoException & { killed?: boolean; signal?: string };
      if (e.code === 'ENOENT') return reject(new GuestImageError(`${o.what}: ${file} is not available (${toolHint(file)})`));
      if (e.killed || e.signal === 'SIGKILL') return reject(new GuestImageError(`${o.what}: ${file} did not finish within ${Math.round(o.timeoutMs / 1000)} s`));
      reject(new GuestImageError(`${o.what}: ${explain(file, String(stderr) || e.message)}`));
    });
  });
}

function toolHint(file: string): string {
  if (file.startsWith('apt') || file.startsWith('dpkg')) return 'the guest image is built from Debian packages: a Debian or Ubuntu host with apt is needed';
  if (file === 'depmod' || file === 'modprobe') return 'apt-get install -y kmod';
  if (file === 'cpio') return 'apt-get install -y cpio';
  return 'not installed';
}

/** The one line that says what went wrong with an apt or dpkg call. */
function explain(file: string, stderr: string): string {
  if (/Temporary failure resolving|Could not resolve|Failed to fetch|Connection failed|Network is unreachable|Unable to connect/i.test(stderr)) {
    return `${file} cannot reach the Debian mirror (no network?): ${firstLine(stderr, /Err|Failed|resolv|connect/i)}`;
  }
  if (/Unable to locate package|has no installation candidate|No packages found/i.test(stderr)) {
    return `${file} does not know the package (run \`apt-get update\` first): ${firstLine(stderr, /E:/)}`;
  }
  return firstLine(stderr, /E:|error/i);
}

function firstLine(text: string, prefer: RegExp): string {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  return (lines.find((l) => prefer.test(l)) ?? lines[0] ?? '(no output)').slice(0, 300);
}

/** The package `linux-image-amd64` depends on (`linux-image-6.1.0-57-amd64`), and its kernel release. */
export async function resolveKernelPackage(timeoutMs = 30_000): Promise<{ pkg: string; release: string }> {
  const { stdout } = await run('apt-cache', ['depends', META_PACKAGE], { timeoutMs, what: `resolving ${META_PACKAGE}` });
  const m = /Depends:\s*(linux-image-(\d[^\s]*))/.exec(stdout);
  if (!m) throw new GuestImageError(`resolving ${META_PACKAGE}: apt-cache names no linux-image-<release> package it depends on (run \`apt-get update\` first)`);
  return { pkg: m[1]!, release: m[2]! };
}

async function candidateVersion(pkg: string, timeoutMs: number): Promise<string> {
  const { stdout } = await run('apt-cache', ['policy', pkg], { timeoutMs, what: `looking up ${pkg}` });
  const m = /Candidate:\s*(\S+)/.exec(stdout);
  if (!m || m[1] === '(none)') throw new GuestImageError(`looking up ${pkg}: apt has no candidate version (run \`apt-get update\` first)`);
  return m[1]!;
}

/** apt-get download writes `name_version_arch.deb`, with the epoch's colon as %3a. */
const debName = (pkg: string, version: string): string => `${pkg}_${version.replace(/:/g, '%3a')}_amd64.deb`;

async function download(pkg: string, version: string, debDir: string, timeoutMs: number, log: (l: string) => void): Promise<string> {
  const file = join(debDir, debName(pkg, version));
  if (existsSync(file)) return file;
  log(`guest image: apt-get download ${pkg}=${version}`);
  await run('apt-get', ['download', '-q', `${pkg}=${version}`], { cwd: debDir, timeoutMs, what: `downloading ${pkg}` });
  if (!existsSync(file)) throw new GuestImageError(`downloading ${pkg}: apt-get finished but ${debName(pkg, version)} is not in ${debDir}`);
  return file;
}

/** The cache key's inputs: anything that would change the image. */
function inputsHash(packages: Record<string, string>): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ FORMAT, packages, INIT_SCRIPT, GUEST_LIB, MODULE_GROUPS }));
  return h.digest('hex').slice(0, 12);
}

/** Returns the cached image, building it first when no image for these inputs exists. */
export async function ensureGuestImage(options: GuestImageOptions = {}): Promise<GuestImage> {
  const log = options.log ?? (() => undefined);
  const deadline = Date.now() + (options.timeoutMs ?? 180_000);
  const left = (cap: number): number => {
    const ms = Math.min(cap, deadline - Date.now());
    if (ms <= 0) throw new GuestImageError(`guest image: the build did not finish within ${Math.round((options.timeoutMs ?? 180_000) / 1000)} s`);
    return ms;
  };
  const cacheDir = options.cacheDir ?? defaultCacheDir();

  const { pkg: kernelPkg, release } = await resolveKernelPackage(left(30_000));
  const packages: Record<string, string> = {
    [kernelPkg]: await candidateVersion(kernelPkg, left(30_000)),
    [BUSYBOX_PACKAGE]: await candidateVersion(BUSYBOX_PACKAGE, left(30_000)),
  };
  const dir = join(cacheDir, `guest-${release}-${inputsHash(packages)}`);
  const image = (built: boolean): GuestImage => ({ kernelRelease: release, kernel: join(dir, 'vmlinuz'), initramfs: join(dir, 'initramfs.gz'), dir, built, packages });
  if (existsSync(join(dir, 'manifest.json'))) return image(false);

  try {
    mkdirSync(cacheDir, { recursive: true });
  } catch (e) {
    throw new GuestImageError(`guest image: cannot create the cache directory ${cacheDir}: ${(e as Error).message}`);
  }
  const debDir = join(cacheDir, 'debs');
  await mkdir(debDir, { recursive: true });
  const kernelDeb = await download(kernelPkg, packages[kernelPkg]!, debDir, left(150_000), log);
  const busyboxDeb = await download(BUSYBOX_PACKAGE, packages[BUSYBOX_PACKAGE]!, debDir, left(60_000), log);

  const work = await mkdtemp(join(cacheDir, '.build-'));
  try {
    log(`guest image: building ${dir}`);
    const pkgRoot = join(work, 'pkg');
    await run('dpkg', ['-x', kernelDeb, pkgRoot], { timeoutMs: left(120_000), what: `unpacking ${kernelPkg}` });
    await run('dpkg', ['-x', busyboxDeb, pkgRoot], { timeoutMs: left(30_000), what: `unpacking ${BUSYBOX_PACKAGE}` });
    // The package has no modules.dep: make one in the unpacked tree, then ask modprobe for each closure.
    await run('depmod', ['-b', pkgRoot, release], { timeoutMs: left(60_000), what: 'depmod' });

    const root = join(work, 'root');
    for (const d of ['bin', 'sbin', 'etc/modgroups', 'proc', 'sys', 'dev', 'tmp', 'ns', 'lib/modules']) await mkdir(join(root, d), { recursive: true });
    await copyFile(join(pkgRoot, 'bin', 'busybox'), join(root, 'bin', 'busybox'));
    await chmod(join(root, 'bin', 'busybox'), 0o755);
    const { stdout: applets } = await run(join(root, 'bin', 'busybox'), ['--list'], { timeoutMs: left(10_000), what: 'busybox --list' });
    for (const applet of applets.split('\n').filter((a) => a && a !== 'busybox')) await symlink('busybox', join(root, 'bin', applet));

    const modDir = join(pkgRoot, 'lib', 'modules', release);
    const inImage = `/lib/modules/${release}`;
    const seen = new Set<string>();
    for (const [group, modules] of Object.entries(MODULE_GROUPS)) {
      const order: string[] = [];
      for (const m of modules) {
        const { stdout } = await run('modprobe', ['-d', pkgRoot, '-S', release, '--show-depends', m], { timeoutMs: left(20_000), what: `modprobe --show-depends ${m}` });
        for (const line of stdout.split('\n')) {
          const ins = /^insmod (\S+\.ko)/.exec(line.trim());
          if (!ins) continue; // `builtin X`: nothing to copy
          const rel = ins[1]!.slice(ins[1]!.indexOf(modDir) + modDir.length + 1);
          if (!order.includes(rel)) order.push(rel);
        }
      }
      if (order.length === 0) throw new GuestImageError(`guest image: no module of group ${group} (${modules.join(', ')}) is in ${kernelPkg}`);
      for (const rel of order) {
        if (seen.has(rel)) continue;
        seen.add(rel);
        await mkdir(dirname(join(root, 'lib', 'modules', release, rel)), { recursive: true });
        await copyFile(join(modDir, rel), join(root, 'lib', 'modules', release, rel));
      }
      await writeFile(join(root, 'etc', 'modgroups', group), order.map((rel) => `${inImage}/${rel}\n`).join(''));
    }
    await writeFile(join(root, 'init'), INIT_SCRIPT, { mode: 0o755 });
    await writeFile(join(root, 'etc', 'guest-lib.sh'), GUEST_LIB);

    const files = await listTree(root);
    const { stdout: archive } = await runCpio(root, files, left(60_000));
    const gz = gzipSync(archive, { level: 1 });

    const out = join(work, 'out');
    await mkdir(out);
    await copyFile(join(pkgRoot, 'boot', `vmlinuz-${release}`), join(out, 'vmlinuz'));
    await writeFile(join(out, 'initramfs.gz'), gz);
    await writeFile(join(out, 'manifest.json'), JSON.stringify({ kernelRelease: release, packages, modules: [...seen], initramfsBytes: gz.length }, null, 2) + '\n');
    try {
      await rename(out, dir);
    } catch (e) {
      // Another process built the same image meanwhile: theirs is as good as ours.
      if (!existsSync(join(dir, 'manifest.json'))) throw new GuestImageError(`guest image: cannot store it in ${dir}: ${(e as Error).message}`);
    }
    log(`guest image: ${dir} (initramfs ${(gz.length / 1e6).toFixed(1)} MB, ${seen.size} modules)`);
    return image(true);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function listTree(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const e of readdirSync(join(root, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      out.push(p);
      if (e.isDirectory()) walk(p);
    }
  };
  walk('');
  return out.sort();
}

/** `cpio -o -H newc` of the listed paths (relative to root), as a buffer. */
function runCpio(root: string, files: readonly string[], timeoutMs: number): Promise<{ stdout: Buffer }> {
  return new Promise((resolve, reject) => {
    const child = execFile('cpio', ['-o', '-H', 'newc', '--quiet', '-R', '0:0'], { cwd: root, timeout: timeoutMs, killSignal: 'SIGKILL', encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) return resolve({ stdout });
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'ENOENT') return reject(new GuestImageError(`packing the initramfs: cpio is not available (${toolHint('cpio')})`));
      reject(new GuestImageError(`packing the initramfs: ${firstLine(String(stderr) || e.message, /cpio/)}`));
    });
    child.stdin!.end(files.join('\n') + '\n');
  });
}

export async function readManifest(image: GuestImage): Promise<unknown> {
  return JSON.parse(await readFile(join(image.dir, 'manifest.json'), 'utf8'));
}
