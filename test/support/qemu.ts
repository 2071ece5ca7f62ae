// For the QEMU-backed suites: whether QEMU can run here (and whether it must: NVME_ACTORS_REQUIRE_QEMU=1, set by
// .ci/run), and the QEMU processes this run left behind, found through /proc (Linux): every QEMU the transport
// starts has its disk images in a temporary directory named nvme-actors-qemu-*, which shows in its command line.
import { readdirSync, readFileSync } from 'node:fs';
import { it } from 'vitest';
import { defaultBinary, qemuAvailable } from '../../src/host/qemu-transport.ts';

export interface QemuGate {
  readonly available: boolean;
  readonly required: boolean;
  /** Why the suite does not run, when it does not. */
  readonly reason: string;
}

export async function qemuGate(): Promise<QemuGate> {
  const available = await qemuAvailable();
  const required = process.env.NVME_ACTORS_REQUIRE_QEMU === '1';
  const reason = available
    ? ''
    : `${defaultBinary()} cannot be run: install it with \`apt-get install -y --no-install-recommends qemu-system-x86\` or set NVME_ACTORS_QEMU` +
      (required ? ' (NVME_ACTORS_REQUIRE_QEMU=1: a missing QEMU is a failure)' : '; set NVME_ACTORS_REQUIRE_QEMU=1 to make this a failure instead of a skip');
  return { available, required, reason };
}

/** Declare what a suite does when QEMU is missing: one failing test when it is required, else one skipped test
 * whose title (and a line on stderr) gives the reason. Returns whether the suite should run. */
export function declareQemuGate(gate: QemuGate, suite: string): boolean {
  if (gate.available) return true;
  if (gate.required) {
    it(`${suite}: QEMU is required`, () => {
      throw new Error(gate.reason);
    });
  } else {
    process.stderr.write(`[${suite}] skipped: ${gate.reason}\n`);
    it.skip(`${suite}: skipped: ${gate.reason}`, () => undefined);
  }
  return false;
}

export interface ProcessInfo {
  readonly pid: number;
  readonly ppid: number;
  readonly argv: readonly string[];
}

function readProcess(pid: number): ProcessInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    return { pid, ppid, argv };
  } catch {
    return undefined; // gone, or not ours to read
  }
}

export function processes(): ProcessInfo[] {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return []; // no /proc: nothing can be checked
  }
  return names.filter((n) => /^\d+$/.test(n)).flatMap((n) => readProcess(Number(n)) ?? []);
}

const isQemu = (p: ProcessInfo): boolean => (p.argv[0] ?? '').split('/').pop()!.startsWith('qemu-system');
/** A QEMU started by src/host/qemu-transport.ts (its images live in nvme-actors-qemu-*). */
export const isOurQemu = (p: ProcessInfo): boolean => isQemu(p) && p.argv.some((a) => a.includes('nvme-actors-qemu-'));

/** QEMU processes whose parent is `pid`. */
export function qemuChildrenOf(pid: number = process.pid): ProcessInfo[] {
  return processes().filter((p) => p.ppid === pid && isQemu(p));
}

/** Our QEMU processes that descend from `root`, or were orphaned (re-parented to PID 1), leaving out `known`. */
export function leftoverQemu(root: number, known: ReadonlySet<number>): ProcessInfo[] {
  const all = processes();
  const byPid = new Map(all.map((p) => [p.pid, p]));
  const descends = (p: ProcessInfo): boolean => {
    for (let q: ProcessInfo | undefined = p, hops = 0; q && hops < 64; q = byPid.get(q.ppid), hops++) if (q.ppid === root) return true;
    return false;
  };
  return all.filter((p) => isOurQemu(p) && !known.has(p.pid) && (descends(p) || p.ppid === 1));
}
