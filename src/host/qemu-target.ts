// QEMU's NVMe controller as a scenario target: one QEMU process per scenario, started with the scenario's
// namespaces in one NVM subsystem, driven by the same NvmeHost as the emulator. QEMU has no namespace-change
// fault, so a change is made the way a management host makes one: Namespace Attachment (NVMe Base 2.0 §5.23),
// detaching an attached namespace or attaching a detached one, which makes QEMU 7.2 record the NSID in its Changed
// Namespace List and queue a Namespace Attribute Changed notice (docs/qemu-observations.md c, e).
import { Status } from '../spec/constants.ts';
import { NvmeHost } from './nvme-host.ts';
import { defaultBinary, probeVersion, QemuUnavailableError, startQemu, VERSION_TIMEOUT_MS, type QemuOptions } from './qemu-transport.ts';
import { UnsupportedStepError, type Target, type TargetFactory } from '../scenario/runner.ts';
import type { Scenario } from '../scenario/schema.ts';

/** QEMU 7.2's hw/nvme allows NSIDs 1..256 (NVME_MAX_NAMESPACES; Identify Controller NN = 256). */
export const QEMU_MAX_NSID = 256;

export interface QemuTargetOptions extends Pick<QemuOptions, 'binary' | 'startTimeoutMs' | 'commandTimeoutMs' | 'log'> {
  /** How long the host waits for a completion or a register change (default 2000 ms: QEMU works on its own
   * thread of time, and a 2-core machine under load can be slow to schedule it). */
  readonly timeoutMs?: number;
}

/** Why a scenario cannot run on QEMU at all (a declared namespace QEMU cannot have), or undefined. */
export function qemuNamespaceProblem(scenario: Scenario): string | undefined {
  const bad = scenario.controller.namespaces.filter((ns) => ns.nsid < 1 || ns.nsid > QEMU_MAX_NSID);
  if (bad.length > 0) return `QEMU 7.2 allows NSIDs 1..${QEMU_MAX_NSID}; this scenario declares ${bad.map((ns) => ns.nsid).join(', ')}`;
  return undefined;
}

/** Why QEMU cannot carry a scenario out (a declared NSID it cannot have, or a change of an undeclared NSID), or
 * undefined. The target reports the same thing as a failed check when the scenario runs. */
export function qemuCannotRun(scenario: Scenario): string | undefined {
  const problem = qemuNamespaceProblem(scenario);
  if (problem) return problem;
  const declared = new Set(scenario.controller.namespaces.map((ns) => ns.nsid));
  for (const step of scenario.steps) {
    if (step.do !== 'namespaceChange') continue;
    for (let nsid = step.nsid; nsid < step.nsid + step.count; nsid++) {
      if (!declared.has(nsid)) return `namespaceChange ${step.nsid}${step.count > 1 ? `..${step.nsid + step.count - 1}` : ''}: QEMU can only attach or detach a declared namespace, and its NSIDs stop at ${QEMU_MAX_NSID}`;
    }
  }
  return undefined;
}

/** `QEMU 7.2.22`, from `--version` of the binary startQemu uses (NVME_ACTORS_QEMU or qemu-system-x86_64); undefined
 * if it cannot be run or does not say. A binary that does not answer within `timeoutMs` is stopped, and this
 * rejects with a QemuUnavailableError (one line): a QEMU that cannot say its version cannot be tested. */
export async function qemuVersion(binary: string = defaultBinary(), timeoutMs = VERSION_TIMEOUT_MS): Promise<string | undefined> {
  const probe = await probeVersion(binary, timeoutMs);
  if (probe.kind === 'timeout') throw new QemuUnavailableError(probe.message);
  if (probe.kind !== 'ok') return undefined;
  const m = /version (\d+\.\d+(?:\.\d+)?)/.exec(probe.output);
  return m ? `QEMU ${m[1]}` : undefined;
}

export function makeQemuTarget(options: QemuTargetOptions = {}): TargetFactory {
  return async (scenario) => {
    const problem = qemuNamespaceProblem(scenario);
    if (problem) throw new UnsupportedStepError(problem);
    const transport = await startQemu({
      aerl: scenario.controller.aerl,
      namespaces: scenario.controller.namespaces.map((ns) => ({ nsid: ns.nsid, blocks: ns.blocks, blockSize: ns.blockSize, attached: ns.attached })),
      ...(options.binary ? { binary: options.binary } : {}),
      ...(options.startTimeoutMs ? { startTimeoutMs: options.startTimeoutMs } : {}),
      ...(options.commandTimeoutMs ? { commandTimeoutMs: options.commandTimeoutMs } : {}),
      ...(options.log ? { log: options.log } : {}),
    });
    const host = new NvmeHost(transport, { timeoutMs: options.timeoutMs ?? 2000 });
    const attached = new Map(scenario.controller.namespaces.map((ns) => [ns.nsid, ns.attached]));
    const declared = [...attached.keys()].sort((a, b) => a - b);
    let cntlid: number | undefined;

    const namespaceChange = async (nsid: number): Promise<{ via: string }> => {
      const isAttached = attached.get(nsid);
      if (isAttached === undefined) {
        throw new UnsupportedStepError(
          nsid > QEMU_MAX_NSID
            ? `QEMU 7.2 has no NSID ${nsid} (its NSIDs stop at ${QEMU_MAX_NSID}), so the change cannot be made with Namespace Attachment`
            : `NSID ${nsid} is not a namespace of this scenario (declared: ${declared.join(', ')}); on QEMU a change is the attachment or detachment of a declared namespace`,
        );
      }
      cntlid ??= (await host.identifyController()).cntlid;
      let sel: 'attach' | 'detach' = isAttached ? 'detach' : 'attach';
      let c = await host.namespaceAttachment(nsid, sel, [cntlid]);
      // If the bookkeeping was wrong (1/18h already attached, 1/1Ah not attached): do the other one.
      const is = (s: Status): boolean => c.status.sct === s.sct && c.status.sc === s.sc; // QEMU sets DNR on both
      if (is(Status.NAMESPACE_ALREADY_ATTACHED) || is(Status.NAMESPACE_NOT_ATTACHED)) {
        sel = sel === 'attach' ? 'detach' : 'attach';
        c = await host.namespaceAttachment(nsid, sel, [cntlid]);
      }
      if (!Status.equals(c.status, Status.SUCCESS)) {
        throw new UnsupportedStepError(`Namespace Attachment (${sel}) of NSID ${nsid} failed with ${Status.format(c.status)}`);
      }
      attached.set(nsid, sel === 'attach');
      return { via: `Namespace Attachment (${sel})` };
    };

    const target: Target = {
      name: 'qemu',
      host,
      // 'aen' is met as 'processed': QEMU 7.2 posts the AEN before the attachment command's own completion.
      namespaceChange: (nsid) => namespaceChange(nsid),
      changesUseHostQueue: true,
      fault: () => {
        throw new UnsupportedStepError('QEMU has no fault injection (fault steps need the emulator target)');
      },
      close: () => host.close(),
    };
    return target;
  };
}

export const qemuTarget: TargetFactory = makeQemuTarget();
