// The same guest image as a Linux NVMe/TCP host (nvme-core, nvme-fabrics, nvme-tcp of Debian's kernel), driven
// through the serial console without nvme-cli: connect by writing the options string to /dev/nvme-fabrics (the
// file answers `instance=N,cntlid=M`), then read what the kernel made of the controller from /sys/class/nvme and
// /dev. From the guest, the host machine's loopback is 10.0.2.2 (QEMU user networking).
import { bootGuest, type Guest, type GuestOptions } from './vm.ts';

/** The host machine's 127.0.0.1 as the guest sees it. */
export const HOST_LOOPBACK_FROM_GUEST = '10.0.2.2';

export interface FabricsAddress {
  readonly traddr: string;
  readonly trsvcid: number;
  readonly nqn: string;
}

export interface LinuxController {
  /** `nvme0` */
  readonly name: string;
  readonly transport: string;
  readonly address: string;
  readonly subsysnqn: string;
  readonly state: string;
  readonly cntlid: number;
  /** Block devices named after this controller (`nvme0n1`, …; with native multipath the disk is named after the
   * subsystem's instance, which is the controller's while one controller is connected). */
  readonly namespaces: readonly string[];
}

export interface LinuxHostGuest {
  readonly guest: Guest;
  /** Connect; resolves with the new controller's name (`nvme0`) and cntlid. Rejects with the kernel's complaint. */
  connect(address: FabricsAddress, options?: { timeoutMs?: number; fabrics?: FabricsOptions }): Promise<{ name: string; cntlid: number }>;
  /** Set an nvme-core module parameter (`admin_timeout`, seconds): it applies to controllers connected after. */
  setCoreParameter(name: 'admin_timeout' | 'io_timeout' | 'max_retries', value: number): Promise<void>;
  /** The kernel log lines about nvme since the last call (dmesg -c), without their timestamps. */
  takeKernelLog(): Promise<string[]>;
  /** What /sys/class/nvme lists now. */
  controllers(): Promise<LinuxController[]>;
  /** /dev/nvme* now. */
  devices(): Promise<string[]>;
  /** Polls (in the guest) until /dev/NAME exists or timeoutMs passes; resolves with whether it appeared. */
  waitForDevice(name: string, timeoutMs: number): Promise<boolean>;
  /** NSID → block device (`nvme0n2`), from /sys/block/nvme*\/nsid. Linux names a namespace's disk by an instance
   * number it hands out per subsystem, not by NSID: after NSID 2 goes, a new NSID 3 can be `nvme0n2`. */
  namespaceDevices(): Promise<Map<number, string>>;
  /** Polls (in the guest) until a disk for `nsid` exists (present true) or none does (present false); resolves with
   * its name (present) or whether it went (absent: '' when gone, undefined when the wait ran out). */
  waitForNamespace(nsid: number, present: boolean, timeoutMs: number): Promise<string | undefined>;
  /** One block of a namespace device (`nvme0n1`) read with dd. */
  readBlock(device: string, lba: number, blockSize: number): Promise<Uint8Array>;
  /** The kernel log lines that mention nvme. */
  kernelLog(): Promise<string[]>;
  disconnect(name: string): Promise<void>;
  close(): Promise<void>;
}

/** nvme-fabrics connect options beyond the address (drivers/nvme/host/fabrics.c), in seconds. */
export interface FabricsOptions {
  readonly reconnect_delay?: number;
  readonly ctrl_loss_tmo?: number;
  readonly keep_alive_tmo?: number;
}

const NAME = /^[a-z0-9]+$/;

/** Boots the guest and loads the host modules (the target ones too with `withTarget`, for a loopback test). */
export async function startLinuxHost(options: GuestOptions & { withTarget?: boolean } = {}): Promise<LinuxHostGuest> {
  const guest = await bootGuest(options);
  try {
    return await linuxHostOn(guest, options);
  } catch (e) {
    await guest.close();
    throw e;
  }
}

/** The host side on a guest already running (an nvmet guest, for a loopback test): loads the host modules. */
export async function linuxHostOn(guest: Guest, options: { withTarget?: boolean } = {}): Promise<LinuxHostGuest> {
  await guest.check(`loadgroup host\n${options.withTarget ? 'loadgroup target\n' : ''}[ -e /dev/nvme-fabrics ] || { echo "nvme-fabrics did not load"; exit 1; }`);
  const self: LinuxHostGuest = {
    guest,
    async connect(a, o = {}) {
      if (!/^[0-9.]+$/.test(a.traddr) || !Number.isInteger(a.trsvcid) || !/^[\x21-\x7e]+$/.test(a.nqn) || /[,'"]/.test(a.nqn)) {
        throw new Error(`connect: bad address ${JSON.stringify(a)}`);
      }
      const timeoutMs = o.timeoutMs ?? 30_000;
      const extra = Object.entries(o.fabrics ?? {}).map(([k, v]) => {
        if (!Number.isInteger(v) || v < -1 || v > 3600) throw new Error(`connect: bad fabrics option ${k}=${v}`);
        return `,${k}=${v}`;
      }).join('');
      const r = await guest.run(`exec 3<>/dev/nvme-fabrics\necho "transport=tcp,traddr=${a.traddr},trsvcid=${a.trsvcid},nqn=${a.nqn}${extra}" >&3 || exit 1\nhead -n 1 <&3`, { timeoutMs });
      const m = /instance=(\d+),cntlid=(\d+)/.exec(r.output);
      if (r.status !== 0 || !m) {
        const kernel = (await self.kernelLog().catch(() => [])).slice(-2).join(' | ');
        throw new Error(`connect to ${a.traddr}:${a.trsvcid} ${a.nqn} failed (status ${r.status}): ${r.output.trim().split('\n').pop() ?? ''}${kernel ? `; kernel: ${kernel}` : ''}`);
      }
      return { name: `nvme${m[1]}`, cntlid: Number(m[2]) };
    },
    async controllers() {
      const out = await guest.check(
        `for c in /sys/class/nvme/nvme*; do [ -e "$c" ] || continue; n=\${c##*/}; echo "@ $n|$(cat $c/transport)|$(cat $c/address | tr '\\n' ' ')|$(cat $c/subsysnqn)|$(cat $c/state)|$(cat $c/cntlid)|$(ls /sys/block | grep "^\${n}n[0-9]*$" | tr '\\n' ' ')"; done`,
      );
      return out
        .split('\n')
        .filter((l) => l.startsWith('@ '))
        .map((l) => {
          const [name, transport, address, subsysnqn, state, cntlid, ns] = l.slice(2).split('|');
          return { name: name!, transport: transport!, address: address!.trim(), subsysnqn: subsysnqn!, state: state!, cntlid: Number(cntlid), namespaces: (ns ?? '').split(' ').filter(Boolean) };
        });
    },
    async devices() {
      return (await guest.check('ls /dev/ | grep ^nvme || true')).split('\n').filter(Boolean);
    },
    async waitForDevice(name, timeoutMs) {
      if (!NAME.test(name)) throw new Error(`waitForDevice: bad device name ${name}`);
      const tries = Math.max(1, Math.ceil(timeoutMs / 200));
      const r = await guest.run(`i=0; while [ $i -lt ${tries} ]; do [ -e /dev/${name} ] && exit 0; usleep 200000; i=$((i+1)); done; exit 1`, { timeoutMs: timeoutMs + 10_000 });
      return r.status === 0;
    },
    async namespaceDevices() {
      const out = await guest.check('for d in /sys/block/nvme*; do [ -e "$d/nsid" ] && echo "$(cat $d/nsid) ${d##*/}"; done; true');
      return new Map(out.split('\n').filter(Boolean).map((l) => [Number(l.split(' ')[0]), l.split(' ')[1]!] as const));
    },
    async waitForNamespace(nsid, present, timeoutMs) {
      if (!Number.isInteger(nsid) || nsid < 1) throw new Error(`waitForNamespace: bad NSID ${nsid}`);
      // Bounded by the guest's own clock (/proc/uptime, read without a fork: TCG makes every process slow).
      const find = 'found=; for d in /sys/block/nvme*; do [ -e "$d/nsid" ] || continue; read n < "$d/nsid"; [ "$n" = ' + nsid + ' ] && found=${d##*/}; done';
      const r = await guest.run(
        `read up rest < /proc/uptime; end=$(( \${up%.*} + ${Math.max(1, Math.ceil(timeoutMs / 1000))} ))\nwhile :; do ${find}; ${present ? '[ -n "$found" ] && { echo "$found"; exit 0; }' : '[ -z "$found" ] && exit 0'}; read up rest < /proc/uptime; [ \${up%.*} -ge $end ] && exit 1; usleep 100000; done`,
        { timeoutMs: timeoutMs + 10_000 },
      );
      if (r.status !== 0) return undefined;
      return present ? r.output.trim() : '';
    },
    async readBlock(device, lba, blockSize) {
      if (!NAME.test(device) || !Number.isInteger(lba) || lba < 0 || ![512, 4096].includes(blockSize)) throw new Error(`readBlock: bad arguments ${device} ${lba} ${blockSize}`);
      const out = await guest.check(`dd if=/dev/${device} bs=${blockSize} skip=${lba} count=1 2>/dev/null | base64`);
      const bytes = Buffer.from(out.replace(/\s+/g, ''), 'base64');
      if (bytes.length !== blockSize) throw new Error(`readBlock: ${device} LBA ${lba}: ${bytes.length} bytes came back, expected ${blockSize}`);
      return new Uint8Array(bytes);
    },
    async setCoreParameter(name, value) {
      if (!['admin_timeout', 'io_timeout', 'max_retries'].includes(name) || !Number.isInteger(value) || value < 0 || value > 3600) throw new Error(`setCoreParameter: bad ${name}=${value}`);
      await guest.check(`echo ${value} > /sys/module/nvme_core/parameters/${name}`);
    },
    async takeKernelLog() {
      return (await guest.check('dmesg -c | grep -i nvme || true')).split('\n').filter(Boolean).map((l) => l.replace(/^\[\s*\d+\.\d+\]\s*/, ''));
    },
    async kernelLog() {
      return (await guest.check('dmesg | grep -i nvme || true')).split('\n').filter(Boolean);
    },
    async disconnect(name) {
      if (!NAME.test(name)) throw new Error(`disconnect: bad controller name ${name}`);
      await guest.check(`echo 1 > /sys/class/nvme/${name}/delete_controller`);
    },
    close: () => guest.close(),
  };
  return self;
}
