// Linux nvmet (drivers/nvme/target) in a QEMU guest as an NVMe/TCP target: one subsystem with any host allowed, the
// scenario's namespaces, a TCP port on guest :4420 forwarded to a free port on the host's 127.0.0.1. A namespace
// change is a real configfs change, the one a storage administrator makes: enabling or disabling a namespace
// (`namespaces/N/enable`), creating one (mkdir + enable) or removing one (rmdir). nvmet raises Namespace Attribute
// Changed for each of these on every connected controller (nvmet_ns_changed in drivers/nvme/target/core.c).
// Backing: a sparse file on the guest's tmpfs; 512-byte blocks need a loop device over it (a file namespace takes
// the file system's block size, 4096 on tmpfs), 4096-byte blocks use the file itself with buffered_io 1 (tmpfs
// has no O_DIRECT). Other block sizes are refused.
import { connect as tcpConnect } from 'node:net';
import { bootGuest, GuestError, type Guest, type GuestOptions } from './vm.ts';

export const NVMET_DEFAULT_NQN = 'nqn.2026-12.io.nvme-actors:nvmet';
const CONFIGFS = '/sys/kernel/config/nvmet';

export interface NvmetNamespace {
  readonly nsid: number;
  readonly blocks: number;
  readonly blockSize: number;
  /** false: created in configfs (backing and device_path set) but not enabled, so hosts do not see it. */
  readonly attached: boolean;
}

export interface NvmetConfig {
  readonly nqn?: string;
  readonly namespaces: readonly NvmetNamespace[];
}

export type NvmetChange = 'enable' | 'disable' | 'add' | 'remove';

/** One subsystem in the guest's nvmet, linked to its TCP port. */
export interface NvmetSubsystem {
  readonly nqn: string;
  /** NSIDs in configfs now, with whether each is enabled. */
  namespaces(): ReadonlyMap<number, boolean>;
  enable(nsid: number): Promise<void>;
  disable(nsid: number): Promise<void>;
  /** Create a namespace (blocks × blockSize) and enable it (unless attached is false). */
  add(ns: Omit<NvmetNamespace, 'attached'> & { attached?: boolean }): Promise<void>;
  /** rmdir the namespace (nvmet disables it first). */
  remove(nsid: number): Promise<void>;
  /** The one change the scenario step `namespaceChange` means on nvmet: disable an enabled namespace, enable a
   * disabled one, add an unknown NSID (2048 × 512 B). Returns what was done. */
  change(nsid: number): Promise<NvmetChange>;
  /** Make the subsystem's namespaces exactly `namespaces` (created, enabled or not as `attached` says; others
   * removed), in as few console round trips as the differences need (none when there are none). Meant for a
   * subsystem no host is connected to: a scenario's fresh start without a new subsystem. */
  configure(namespaces: readonly NvmetNamespace[]): Promise<void>;
  /** `cat` of a file under the subsystem's configfs directory (e.g. `namespaces/1/enable`). */
  readAttr(rel: string): Promise<string>;
  /** Unlink it from the port (its controllers are disconnected), remove its namespaces and backing, rmdir it. */
  destroy(): Promise<void>;
}

export interface NvmetGuest extends NvmetSubsystem {
  readonly guest: Guest;
  /** 127.0.0.1 port that reaches the guest's nvmet port. */
  readonly port: number;
  /** ms from QEMU's start until an ICReq on the forwarded port got its ICResp. */
  readonly readyMs: number;
  /** Another subsystem on the same port (a new NQN): a fresh target without a new boot. */
  addSubsystem(config: NvmetConfig & { nqn: string }): Promise<NvmetSubsystem>;
  close(): Promise<void>;
}

export class NvmetConfigError extends Error {
  override readonly name = 'NvmetConfigError';
}

/** Why nvmet cannot have this namespace, or undefined. */
export function nvmetNamespaceProblem(ns: Pick<NvmetNamespace, 'nsid' | 'blockSize'>): string | undefined {
  if (ns.nsid < 1 || ns.nsid > 0xfffffffe) return `NSID ${ns.nsid} is not a valid NSID`;
  if (ns.blockSize !== 512 && ns.blockSize !== 4096) return `NSID ${ns.nsid}: nvmet in the guest backs namespaces with 512-byte blocks (a loop device) or 4096-byte blocks (a tmpfs file), not ${ns.blockSize}`;
  return undefined;
}

const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

const backingFile = (nqn: string, nsid: number): string => `/ns/${nqn.replace(/[^A-Za-z0-9._-]/g, '_')}-${nsid}.img`;

/** Shell that creates namespace `ns` in subsystem `nqn` (and enables it when attached). */
function createNamespaceScript(nqn: string, ns: NvmetNamespace): string {
  const dir = `${CONFIGFS}/subsystems/${nqn}/namespaces/${ns.nsid}`;
  const file = backingFile(nqn, ns.nsid);
  const lines = [`truncate -s ${ns.blocks * ns.blockSize} ${file}`, `mkdir ${q(dir)}`];
  if (ns.blockSize === 512) {
    lines.push(`dev=$(losetup -f)`, `losetup "$dev" ${file}`, `echo -n "$dev" > ${q(dir)}/device_path`);
  } else {
    lines.push(`echo -n ${file} > ${q(dir)}/device_path`, `echo 1 > ${q(dir)}/buffered_io`);
  }
  if (ns.attached) lines.push(`echo 1 > ${q(dir)}/enable`);
  return lines.join('\n');
}

/** Joins shell pieces (each run under `set -e`) into as few scripts of at most `max` bytes as their order allows. */
export function packScripts(pieces: readonly string[], max: number): string[] {
  const out: string[] = [];
  for (const piece of pieces) {
    const last = out.length - 1;
    if (last >= 0 && out[last]!.length + 1 + piece.length <= max) out[last] += `\n${piece}`;
    else out.push(piece);
  }
  return out;
}

/** Boots a guest, loads nvmet and nvmet-tcp, configures the subsystem, namespaces and port, and waits until the
 * port answers an NVMe/TCP ICReq from the host side. */
export async function startNvmet(config: NvmetConfig, options: GuestOptions & { readyTimeoutMs?: number } = {}): Promise<NvmetGuest> {
  const nqn = config.nqn ?? NVMET_DEFAULT_NQN;
  if (!/^[\x21-\x7e]{1,223}$/.test(nqn) || nqn.includes('/') || nqn.includes("'")) throw new NvmetConfigError(`NQN ${JSON.stringify(nqn)}: printable, no '/', at most 223 bytes (NVMe Base 2.0 §4.5)`);
  for (const ns of config.namespaces) {
    const problem = nvmetNamespaceProblem(ns);
    if (problem) throw new NvmetConfigError(problem);
  }
  const started = Date.now();
  const guest = await bootGuest(options);
  try {
    const port = `${CONFIGFS}/ports/1`;
    await guest.check(
      [`set -e`, `loadgroup target`, `[ -d ${CONFIGFS} ] || { echo "nvmet did not load"; exit 1; }`, `mkdir ${port}`, `echo tcp > ${port}/addr_trtype`, `echo ipv4 > ${port}/addr_adrfam`, `echo 0.0.0.0 > ${port}/addr_traddr`, `echo 4420 > ${port}/addr_trsvcid`].join('\n'),
    );
    const first = await addSubsystem(guest, { ...config, nqn });
    const hostPort = guest.hostPorts.get(4420)!;
    await waitForIcResp(hostPort, options.readyTimeoutMs ?? 30_000, guest);
    const readyMs = Date.now() - started;
    options.log?.(`nvmet: ${nqn} listening, 127.0.0.1:${hostPort} answered ICReq ${readyMs} ms after start`);
    return Object.assign(first, {
      guest,
      port: hostPort,
      readyMs,
      addSubsystem: (c: NvmetConfig & { nqn: string }) => addSubsystem(guest, c),
      close: () => guest.close(),
    });
  } catch (e) {
    await guest.close();
    throw e;
  }
}

/** Creates subsystem `config.nqn` (any host allowed) with its namespaces and links it to port 1. */
export async function addSubsystem(guest: Guest, config: NvmetConfig & { nqn: string }): Promise<NvmetSubsystem> {
  const nqn = config.nqn;
  if (!/^[\x21-\x7e]{1,223}$/.test(nqn) || nqn.includes('/') || nqn.includes("'")) throw new NvmetConfigError(`NQN ${JSON.stringify(nqn)}: printable, no '/', at most 223 bytes (NVMe Base 2.0 §4.5)`);
  for (const ns of config.namespaces) {
    const problem = nvmetNamespaceProblem(ns);
    if (problem) throw new NvmetConfigError(problem);
  }
  const sub = `${CONFIGFS}/subsystems/${nqn}`;
  const port = `${CONFIGFS}/ports/1`;
  const enabled = new Map<number, boolean>();
  /** Blocks and block size of each namespace in configfs. */
  const geometry = new Map<number, string>();
  const shape = (ns: Pick<NvmetNamespace, 'blocks' | 'blockSize'>): string => `${ns.blocks}x${ns.blockSize}`;
  // Few console round trips (each costs a fraction of a second under TCG): the pieces packed into scripts of at
  // most ~2.5 KB.
  const pieces = [
    `mkdir ${q(sub)}\necho 1 > ${q(sub)}/attr_allow_any_host`,
    ...config.namespaces.map((ns) => createNamespaceScript(nqn, ns)),
    `ln -s ${q(sub)} ${port}/subsystems/${q(nqn)}`,
  ];
  for (const script of packScripts(pieces, 2500)) await guest.check(`set -e\n${script}`);
  for (const ns of config.namespaces) {
    enabled.set(ns.nsid, ns.attached);
    geometry.set(ns.nsid, shape(ns));
  }

  const nsDir = (nsid: number): string => `${sub}/namespaces/${nsid}`;
  const known = (nsid: number): boolean => {
    if (!enabled.has(nsid)) throw new NvmetConfigError(`NSID ${nsid} is not a namespace of ${nqn} (there: ${[...enabled.keys()].join(', ') || 'none'})`);
    return enabled.get(nsid)!;
  };
  const removeScript = (nsid: number): string => `dev=$(cat ${q(nsDir(nsid))}/device_path)\nrmdir ${q(nsDir(nsid))}\ncase "$dev" in /dev/loop*) losetup -d "$dev";; esac\nrm -f ${backingFile(nqn, nsid)}`;
  const self: NvmetSubsystem = {
    nqn,
    namespaces: () => new Map(enabled),
    async enable(nsid) {
      known(nsid);
      await guest.check(`echo 1 > ${q(nsDir(nsid))}/enable`);
      enabled.set(nsid, true);
    },
    async disable(nsid) {
      known(nsid);
      await guest.check(`echo 0 > ${q(nsDir(nsid))}/enable`);
      enabled.set(nsid, false);
    },
    async add(ns) {
      if (enabled.has(ns.nsid)) throw new NvmetConfigError(`NSID ${ns.nsid} already exists in ${nqn}`);
      const full = { ...ns, attached: ns.attached ?? true };
      const problem = nvmetNamespaceProblem(full);
      if (problem) throw new NvmetConfigError(problem);
      await guest.check(`set -e\n${createNamespaceScript(nqn, full)}`);
      enabled.set(ns.nsid, full.attached);
      geometry.set(ns.nsid, shape(full));
    },
    async remove(nsid) {
      known(nsid);
      await guest.check(removeScript(nsid));
      enabled.delete(nsid);
      geometry.delete(nsid);
    },
    async configure(namespaces) {
      for (const ns of namespaces) {
        const problem = nvmetNamespaceProblem(ns);
        if (problem) throw new NvmetConfigError(problem);
      }
      const wanted = new Map(namespaces.map((ns) => [ns.nsid, ns]));
      const pieces: string[] = [];
      for (const nsid of [...enabled.keys()]) {
        const want = wanted.get(nsid);
        if (!want || shape(want) !== geometry.get(nsid)) pieces.push(removeScript(nsid));
        else if (want.attached !== enabled.get(nsid)) pieces.push(`echo ${want.attached ? 1 : 0} > ${q(nsDir(nsid))}/enable`);
      }
      for (const ns of namespaces) if (!enabled.has(ns.nsid) || shape(ns) !== geometry.get(ns.nsid)) pieces.push(createNamespaceScript(nqn, ns));
      if (pieces.length === 0) return;
      try {
        for (const script of packScripts(pieces, 2500)) await guest.check(`set -e\n${script}`);
      } catch (e) {
        // What configfs holds is unknown now: the caller should start over (a new subsystem or guest).
        enabled.clear();
        geometry.clear();
        throw e;
      }
      enabled.clear();
      geometry.clear();
      for (const ns of namespaces) {
        enabled.set(ns.nsid, ns.attached);
        geometry.set(ns.nsid, shape(ns));
      }
    },
    async change(nsid) {
      if (!enabled.has(nsid)) {
        await self.add({ nsid, blocks: 2048, blockSize: 512 });
        return 'add';
      }
      if (enabled.get(nsid)) {
        await self.disable(nsid);
        return 'disable';
      }
      await self.enable(nsid);
      return 'enable';
    },
    async readAttr(rel) {
      if (rel.includes('..')) throw new NvmetConfigError(`configfs path ${rel}: no '..'`);
      return (await guest.check(`cat ${q(`${sub}/${rel}`)}`)).trim();
    },
    async destroy() {
      const pieces = [`rm -f ${port}/subsystems/${q(nqn)}`, ...[...enabled.keys()].map(removeScript), `rmdir ${q(sub)}`];
      for (const script of packScripts(pieces, 2500)) await guest.check(script);
      enabled.clear();
      geometry.clear();
    },
  };
  return self;
}

/** An ICReq (NVMe/TCP 1.0 §3.6.2.2: PDU type 00h, HLEN 128, PLEN 128, PFV 0, no digests) and its answer: the first
 * byte of an ICResp is PDU type 01h. A forwarded port accepts a connection even when nothing listens in the guest
 * (QEMU's slirp closes it afterwards), so only an ICResp proves the target is up. */
export function probeIcResp(port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const icreq = new Uint8Array(128);
    icreq[0] = 0x00; // ICReq
    icreq[2] = 128; // HLEN
    icreq[4] = 128; // PLEN (little-endian u32)
    const s = tcpConnect({ host: '127.0.0.1', port });
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      s.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    s.once('connect', () => s.write(icreq));
    s.once('data', (d: Buffer) => done(d[0] === 0x01));
    s.once('error', () => done(false));
    s.once('close', () => done(false));
  });
}

async function waitForIcResp(port: number, timeoutMs: number, guest: Guest): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let dead = false;
  void guest.exited.then(() => (dead = true));
  while (Date.now() < deadline) {
    if (dead) throw new GuestError('died', 'nvmet: the guest exited before its port answered', guest.consoleTail());
    if (await probeIcResp(port, Math.min(3000, Math.max(100, deadline - Date.now())))) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new GuestError('boot-timeout', `nvmet: 127.0.0.1:${port} gave no ICResp within ${timeoutMs} ms`, guest.consoleTail());
}
