// For the browser suites: whether Debian's Chromium can be run here (and whether it must: NVME_ACTORS_REQUIRE_BROWSER=1,
// set by .ci/run), mirroring test/support/qemu.ts. NVME_ACTORS_CHROMIUM points at another binary.
import { accessSync, constants } from 'node:fs';
import { declareGate, makeGate, type Gate } from '../support/gate.ts';

export const chromiumPath = (): string => process.env.NVME_ACTORS_CHROMIUM ?? '/usr/bin/chromium';

/** Headless, no sandbox (CI runs as root), nothing fetched in the background. A fresh --user-data-dir is given by
 * launchPersistentContext. */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export type BrowserGate = Gate;

export function browserGate(): BrowserGate {
  let available = true;
  try {
    accessSync(chromiumPath(), constants.X_OK);
  } catch {
    available = false;
  }
  return makeGate({ available, binary: chromiumPath(), aptPackage: 'chromium', overrideVar: 'NVME_ACTORS_CHROMIUM', requireVar: 'NVME_ACTORS_REQUIRE_BROWSER', what: 'browser' });
}

/** Declare what a suite does when Chromium is missing (test/support/gate.ts). Returns whether the suite should run. */
export const declareBrowserGate = (gate: BrowserGate, suite: string): boolean => declareGate(gate, suite, 'Chromium');
