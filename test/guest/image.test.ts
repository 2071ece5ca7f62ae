// The guest image builder's failures are one line saying what to do, and the console scripts it feeds are packed
// without reordering. No QEMU and no network needed.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureGuestImage, explain, GuestImageError } from '../../src/guest/image.ts';
import { packScripts } from '../../src/guest/nvmet.ts';

describe('guest image builder errors', () => {
  it('without apt on PATH: one line naming the missing tool and why it is needed', async () => {
    const cacheDir = await mkdtemp(join(tmpdir(), 'nvme-actors-image-test-'));
    const empty = await mkdtemp(join(tmpdir(), 'nvme-actors-empty-path-'));
    const saved = process.env.PATH;
    process.env.PATH = empty;
    try {
      const err = await ensureGuestImage({ cacheDir }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(GuestImageError);
      const message = (err as Error).message;
      expect(message).toBe('resolving linux-image-amd64: apt-cache is not available (the guest image is built from Debian packages: a Debian or Ubuntu host with apt is needed)');
      expect(message).not.toContain('\n');
    } finally {
      process.env.PATH = saved;
      await rm(cacheDir, { recursive: true, force: true });
      await rm(empty, { recursive: true, force: true });
    }
  });

  it('apt failures are explained in one line: no network, unknown package', () => {
    const offline = 'Err:1 http://deb.debian.org/debian bookworm/main amd64 busybox-static amd64 1:1.35.0-4+b3\n  Temporary failure resolving \'deb.debian.org\'\nE: Failed to fetch http://deb.debian.org/debian/pool/main/b/busybox/busybox-static_1.35.0-4+b3_amd64.deb  Temporary failure resolving \'deb.debian.org\'\n';
    const line = explain('apt-get', offline);
    expect(line).toMatch(/^apt-get cannot reach the Debian mirror \(no network\?\): /);
    expect(line).not.toContain('\n');
    expect(explain('apt-get', "E: Unable to locate package linux-image-6.1.0-99-amd64\n")).toBe('apt-get does not know the package (run `apt-get update` first): E: Unable to locate package linux-image-6.1.0-99-amd64');
  });
});

describe('console script packing', () => {
  it('joins pieces in order up to the size limit and never splits one', () => {
    expect(packScripts(['a', 'b', 'c'], 10)).toEqual(['a\nb\nc']);
    expect(packScripts(['aaaa', 'bbbb', 'cccc'], 9)).toEqual(['aaaa\nbbbb', 'cccc']);
    expect(packScripts(['x'.repeat(20), 'y'], 9)).toEqual(['x'.repeat(20), 'y']);
    expect(packScripts([], 9)).toEqual([]);
  });
});
