// For the browser suites: whether Debian's Chromium can be run here (and whether it must: NVME_ACTORS_REQUIRE_BROWSER=1,
// set by .ci/run), mirroring test/support/qemu.ts. NVME_ACTORS_CHROMIUM points at another binary.
import { accessSync, constants } from 'node:fs';
import { it } from 'vitest';

export const chromiumPath = (): string => process.env.NVME_ACTORS_CHROMIUM ?? '/usr/bin/chromium';

/** Headless, no sandbox (CI runs as root), nothing fetched in the background. A fresh --user-data-dir is given by
 * launchPersistentContext. */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface BrowserGate {
  readonly available: boolean;
  readonly required: boolean;
  readonly reason: string;
}

export function browserGate(): BrowserGate {
  let available = true;
  try {
    accessSync(chromiumPath(), constants.X_OK);
  } catch {
    available = false;
  }
  const required = process.env.NVME_ACTORS_REQUIRE_BROWSER === '1';
  const reason = available
    ? ''
    : `${chromiumPath()} cannot be run: install it with \`apt-get install -y --no-install-recommends chromium\` or set NVME_ACTORS_CHROMIUM` +
      (required ? ' (NVME_ACTORS_REQUIRE_BROWSER=1: a missing browser is a failure)' : '; set NVME_ACTORS_REQUIRE_BROWSER=1 to make this a failure instead of a skip');
  return { available, required, reason };
}

/** One failing test when the browser is required and missing, else one skipped test whose title (and a line on
 * stderr) gives the reason. Returns whether the suite should run. */
export function declareBrowserGate(gate: BrowserGate, suite: string): boolean {
  if (gate.available) return true;
  if (gate.required) {
    it(`${suite}: Chromium is required`, () => {
      throw new Error(gate.reason);
    });
  } else {
    process.stderr.write(`[${suite}] skipped: ${gate.reason}\n`);
    it.skip(`${suite}: skipped: ${gate.reason}`, () => undefined);
  }
  return false;
}
