// A suite that needs a program from outside the npm tree (QEMU, Debian's Chromium): it runs when the program can
// be run; otherwise it declares one test instead. That test is skipped with the reason in its title and a line on
// stderr, or, when the program is required (its NVME_ACTORS_REQUIRE_* variable is 1, as .ci/run sets), it fails.
import { it } from 'vitest';

export interface Gate {
  readonly available: boolean;
  readonly required: boolean;
  /** Why the suite does not run, when it does not. */
  readonly reason: string;
}

export function makeGate(o: { available: boolean; binary: string; aptPackage: string; overrideVar: string; requireVar: string; what: string }): Gate {
  const required = process.env[o.requireVar] === '1';
  const reason = o.available
    ? ''
    : `${o.binary} cannot be run: install it with \`apt-get install -y --no-install-recommends ${o.aptPackage}\` or set ${o.overrideVar}` +
      (required ? ` (${o.requireVar}=1: a missing ${o.what} is a failure)` : `; set ${o.requireVar}=1 to make this a failure instead of a skip`);
  return { available: o.available, required, reason };
}

/** Returns whether the suite should run; when it should not, declares the one failing or skipped test. */
export function declareGate(gate: Gate, suite: string, what: string): boolean {
  if (gate.available) return true;
  if (gate.required) {
    it(`${suite}: ${what} is required`, () => {
      throw new Error(gate.reason);
    });
  } else {
    process.stderr.write(`[${suite}] skipped: ${gate.reason}\n`);
    it.skip(`${suite}: skipped: ${gate.reason}`, () => undefined);
  }
  return false;
}
