// For the QEMU-backed suites: whether QEMU can run here (and whether it must: NVME_ACTORS_REQUIRE_QEMU=1, set by
// .ci/run), and the QEMU processes this run left behind, found through /proc (Linux): every QEMU the transport
// starts has its disk images in a temporary directory named nvme-actors-qemu-*, which shows in its command line.
import { readdirSync, readFileSync } from 'node:fs';
import { declareGate, makeGate, type Gate } from './gate.ts';
import { defaultBinary, qemuAvailable } from '../../src/host/qemu-transport.ts';

export type QemuGate = Gate;

export async function qemuGate(): Promise<QemuGate> {
  return makeGate({ available: await qemuAvailable(), binary: defaultBinary(), aptPackage: 'qemu-system-x86', overrideVar: 'NVME_ACTORS_QEMU', requireVar: 'NVME_ACTORS_REQUIRE_QEMU', what: 'QEMU' });
}

/** Declare what a suite does when QEMU is missing (test/support/gate.ts). Returns whether the suite should run. */
export const declareQemuGate = (gate: QemuGate, suite: string): boolean => declareGate(gate, suite, 'QEMU');

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
