// Linux nvmet in a QEMU guest, one boot for the suite: the boot-to-ready time (printed, not asserted), the console
// channel (output and exit status), the subsystem and namespaces in configfs as the controller block says, the
// target reachable from the host through the forwarded port (an ICReq answered), a configfs namespace enable seen
// by a Linux NVMe/TCP host connected to it (inside the same guest, over its loopback), and a guest that stops
// answering failing the pending command in bounded time, with no QEMU and no temp dir left.
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { HOST_LOOPBACK_FROM_GUEST, linuxHostOn, type LinuxHostGuest } from '../../src/guest/linux-host.ts';
import { probeIcResp, startNvmet, type NvmetGuest } from '../../src/guest/nvmet.ts';
import { liveGuests } from '../../src/guest/spawn.ts';
import { GuestError } from '../../src/guest/vm.ts';
import { declareGuestGate, guestGate } from '../support/guest.ts';

const { gate, image } = await guestGate();

/** Running (a zombie waiting for a reaper counts as gone). */
const alive = (pid: number): boolean => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
};

if (declareGuestGate(gate, 'nvmet guest')) {
  describe.sequential('Linux nvmet in a QEMU guest', () => {
    let nvmet: NvmetGuest;
    let tempDir: string;

    beforeAll(async () => {
      nvmet = await startNvmet(
        {
          namespaces: [
            { nsid: 1, blocks: 2048, blockSize: 512, attached: true },
            { nsid: 2, blocks: 256, blockSize: 4096, attached: false },
          ],
        },
        { image: image! },
      );
      tempDir = liveGuests().find((g) => g.pid === nvmet.guest.pid)!.tempDir;
      process.stderr.write(`[nvmet guest] boot to READY ${nvmet.guest.bootMs} ms; nvmet answering ICReq on 127.0.0.1:${nvmet.port} ${nvmet.readyMs} ms after QEMU started (${image!.kernelRelease})\n`);
    }, 240_000);

    afterAll(async () => {
      await nvmet?.close();
    });

    it('answers an ICReq on the forwarded port (nvmet-tcp is listening)', async () => {
      expect(nvmet.port).toBeGreaterThan(0);
      expect(await probeIcResp(nvmet.port, 10_000)).toBe(true);
    });

    it('returns a console command its output and exit status', async () => {
      expect(await nvmet.guest.run('echo out; echo err >&2; exit 7')).toEqual({ status: 7, output: 'out\nerr' });
      expect(await nvmet.guest.run('printf "no newline"')).toEqual({ status: 0, output: 'no newline' });
    });

    it('ends a command that outlives its budget inside the guest (timeout: status 143), and the channel goes on', async () => {
      const r = await nvmet.guest.run('sleep 30', { timeoutMs: 1000 });
      expect(r.status).toBe(143);
      expect((await nvmet.guest.run('echo still here')).output).toBe('still here');
    });

    it('configures the subsystem and namespaces from the controller block', async () => {
      expect(await nvmet.readAttr('attr_allow_any_host')).toBe('1');
      expect(await nvmet.readAttr('namespaces/1/enable')).toBe('1');
      expect(await nvmet.readAttr('namespaces/1/device_path')).toMatch(/^\/dev\/loop\d+$/); // 512-byte blocks
      expect(await nvmet.readAttr('namespaces/2/enable')).toBe('0'); // detached: created, not enabled
      expect(await nvmet.readAttr('namespaces/2/buffered_io')).toBe('1'); // a tmpfs file: no O_DIRECT
      expect(await nvmet.guest.check(`cat /sys/kernel/config/nvmet/ports/1/addr_trtype; ls /sys/kernel/config/nvmet/ports/1/subsystems`)).toBe(`tcp\n${nvmet.nqn}`);
    });

    describe.sequential('a Linux NVMe/TCP host in the same guest (127.0.0.1:4420)', () => {
      let host: LinuxHostGuest;

      beforeAll(async () => {
        host = await linuxHostOn(nvmet.guest);
        // A known first block, written through the loop device under namespace 1.
        await nvmet.guest.check(`dev=$(cat /sys/kernel/config/nvmet/subsystems/${nvmet.nqn}/namespaces/1/device_path); printf 'nvme-actors block 0' | dd of=$dev conv=notrunc 2>/dev/null; sync`);
      }, 60_000);

      it('connects and sees namespace 1 only, whose first block holds what the store holds', async () => {
        const { name, cntlid } = await host.connect({ traddr: '127.0.0.1', trsvcid: 4420, nqn: nvmet.nqn });
        expect(cntlid).toBeGreaterThan(0);
        expect(await host.waitForDevice(`${name}n1`, 10_000)).toBe(true);
        const [ctrl] = (await host.controllers()).filter((c) => c.name === name);
        expect(ctrl).toMatchObject({ transport: 'tcp', subsysnqn: nvmet.nqn, state: 'live', namespaces: [`${name}n1`] });
        const block = await host.readBlock(`${name}n1`, 0, 512);
        expect(Buffer.from(block.subarray(0, 19)).toString()).toBe('nvme-actors block 0');
        expect(block.subarray(19).every((b) => b === 0)).toBe(true);
      });

      it('a configfs enable of namespace 2 reaches the host (Namespace Attribute Changed, rescan, nvme0n2), a disable removes it', async () => {
        expect(await nvmet.change(2)).toBe('enable');
        expect(await nvmet.readAttr('namespaces/2/enable')).toBe('1');
        const disk = await host.waitForNamespace(2, true, 15_000);
        expect(disk).toBe('nvme0n2');
        expect((await host.kernelLog()).some((l) => l.includes('rescanning namespaces'))).toBe(true);
        expect(await nvmet.guest.check(`cat /sys/block/${disk}/queue/logical_block_size`)).toBe('4096');
        expect(await nvmet.change(2)).toBe('disable');
        expect(await host.waitForNamespace(2, false, 15_000)).toBe('');
      });

      it('adds an unknown NSID as a new namespace and removes it again', async () => {
        expect(await nvmet.change(3)).toBe('add');
        // Linux numbers disks per subsystem, not by NSID: NSID 3 takes the instance NSID 2 left, nvme0n2.
        expect(await host.waitForNamespace(3, true, 15_000)).toBe('nvme0n2');
        await nvmet.remove(3);
        expect(await host.waitForNamespace(3, false, 15_000)).toBe('');
        expect(nvmet.namespaces().has(3)).toBe(false);
        expect((await nvmet.guest.run(`[ -d /sys/kernel/config/nvmet/subsystems/${nvmet.nqn}/namespaces/3 ]`)).status).toBe(1);
      });

      it('connects to a target on the host machine\'s loopback through 10.0.2.2 (a byte-counting proxy on 127.0.0.1 in front of nvmet)', async () => {
        let bytes = 0;
        const sockets = new Set<Socket>();
        const proxy = createServer((inbound) => {
          const outbound = connect({ host: '127.0.0.1', port: nvmet.port });
          sockets.add(inbound).add(outbound);
          inbound.on('data', (d: Buffer) => (bytes += d.length));
          inbound.pipe(outbound).pipe(inbound);
          for (const s of [inbound, outbound]) s.on('error', () => undefined).on('close', () => (inbound.destroy(), outbound.destroy()));
        });
        await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
        try {
          const port = (proxy.address() as AddressInfo).port;
          const { name } = await host.connect({ traddr: HOST_LOOPBACK_FROM_GUEST, trsvcid: port, nqn: nvmet.nqn });
          const ctrl = (await host.controllers()).find((c) => c.name === name);
          expect(ctrl).toMatchObject({ transport: 'tcp', subsysnqn: nvmet.nqn, state: 'live' });
          expect(ctrl!.address).toContain(`traddr=${HOST_LOOPBACK_FROM_GUEST},trsvcid=${port}`);
          expect(bytes).toBeGreaterThan(128); // ICReq, Connect and what follows went through the proxy
          await host.disconnect(name);
        } finally {
          for (const s of sockets) s.destroy();
          await new Promise((resolve) => proxy.close(resolve));
        }
      }, 60_000);
    });

    it('a guest that stops answering fails the command as hung in bounded time; QEMU and its temp dir are gone', async () => {
      const pid = nvmet.guest.pid;
      process.kill(pid, 'SIGSTOP'); // the whole VM freezes: no answer on the console
      const started = Date.now();
      const err = await nvmet.guest.run('true', { timeoutMs: 1000 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(GuestError);
      expect((err as GuestError).kind).toBe('hung');
      expect(Date.now() - started).toBeLessThan(10_000);
      await nvmet.close();
      expect(alive(pid)).toBe(false);
      expect(existsSync(tempDir)).toBe(false);
      // Later commands fail at once with the same error.
      await expect(nvmet.guest.run('true')).rejects.toBeInstanceOf(GuestError);
    }, 30_000);
  });
}
