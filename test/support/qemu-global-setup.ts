// vitest globalSetup: after the whole run, no QEMU started by it may still be running. Each QEMU suite checks its
// own worker as its last test; this catches the rest (a worker that died, a suite that forgot). Leftovers are killed
// and the run fails.
import { isOurQemu, leftoverQemu, processes } from './qemu.ts';

export default function setup(): () => Promise<void> {
  const before = new Set(processes().filter(isOurQemu).map((p) => p.pid));
  return async function teardown(): Promise<void> {
    let left = leftoverQemu(process.pid, before);
    // Workers kill their QEMU children as they exit: give a straggler a moment.
    for (let i = 0; i < 30 && left.length > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      left = leftoverQemu(process.pid, before);
    }
    if (left.length === 0) return;
    for (const p of left) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    const message = `QEMU processes left behind by the test run (killed now): ${left.map((p) => `pid ${p.pid} (parent ${p.ppid})`).join(', ')}`;
    process.stderr.write(`\n${message}\n`);
    process.exitCode = 1;
    throw new Error(message);
  };
}
