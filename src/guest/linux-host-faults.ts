// The Linux 6.1 NVMe/TCP host against our served controller, under faults on the AEN path: each case serves a
// fresh controller (NSID 1 seeded, NSIDs 2 and 3 declared detached), arms its faults over the control channel
// (src/serve/control.ts), lets the guest's kernel connect through 10.0.2.2, attaches NSID 2 (the namespace-change
// fault), waits a bounded time for the disk, then removes the faults and attaches NSID 3 (does the host still hear
// events?). What Linux sent is read from the controller's trace, what it made of it from sysfs and dmesg. The
// cases and what Linux did are data: test/guest/linux-host.test.ts checks the facts, scripts/hosts-doc.ts writes
// docs/hosts.md and docs/hosts.json from a run.
import { AdminOpcode, Cns, LogPage } from '../spec/constants.ts';
import { NvmeTcpTarget } from '../serve/target.ts';
import { ControlClient, startControl, type ServeRecord } from '../serve/control.ts';
import { checkRecords, HOST_RULES } from '../model/host-behaviour.ts';
import { HOST_LOOPBACK_FROM_GUEST, type LinuxHostGuest } from './linux-host.ts';

/** Linux's Get Log Page of the Changed Namespace List (nvme_clear_changed_ns_log): LID 04h, RAE 0, 1024 dwords. */
export const LINUX_CHANGED_LOG_CDW10 = 0x03ff0004;

export interface HostFaultCase {
  readonly id: string;
  /** What the fault does, in a phrase. */
  readonly fault: string;
  /** AERL of the served controller (default 3). */
  readonly aerl?: number;
  /** Control commands armed before the host connects (faults.active included). */
  readonly arm: readonly Record<string, unknown>[];
  /** How long to wait for NSID 2's disk after the change (ms). */
  readonly waitMs: number;
  /** How long to wait for NSID 3's disk once the faults are removed (ms; default 4 s). */
  readonly nextWaitMs?: number;
  /** nvme_core.admin_timeout for this case (s; default 60, Linux's). */
  readonly adminTimeout?: number;
  /** What the spec asks of a host here, and whether Linux 6.1 does it. */
  readonly spec: { readonly verdict: 'conforms' | 'departs' | 'undefined by the spec'; readonly clause: string; readonly text: string };
  /** The Linux source that explains what it did (drivers/nvme/host/). */
  readonly linux: string;
  /** Facts that differ between runs (a race in the host): reported, not checked. */
  readonly unstable?: readonly (keyof HostFaultFacts)[];
  /** Something seen in some runs only, for the doc. */
  readonly note?: string;
}

/** What Linux did, as facts the test checks (timings and kernel lines are reported, never checked). */
export interface HostFaultFacts {
  /** Status of the AER completion that carried the notice, as the host got it; null when none reached it. */
  readonly aenStatus: string | null;
  /** A new AER after that completion (before the faults were removed). */
  readonly aerResubmitted: boolean;
  /** Changed Namespace List reads the host sent after the change, each kind once: `RAE=0 → 0/00h`, or `→ none`
   * for one that never completed. */
  readonly logReads: readonly string[];
  /** Identify CNS 02h (active namespace list) after the change. */
  readonly rescanned: boolean;
  /** The association ended and the host connected again. */
  readonly reconnected: boolean;
  /** NSID 2's disk appeared within the wait. */
  readonly disk: boolean;
  /** With the faults removed, NSID 3 attached: its disk appeared (the host still hears namespace changes). */
  readonly heardNext: boolean;
  /** The host-behaviour checker's departures (machines/host-behaviour.chart.ts) on the case's trace. */
  readonly departures: readonly string[];
}

export interface HostFaultObservation extends HostFaultFacts {
  readonly id: string;
  readonly ms: { readonly connect: number; readonly disk?: number; readonly next?: number };
  /** dmesg lines about nvme during the case, without timestamps. */
  readonly kernel: readonly string[];
}

const aerCompletion = (status: string, dnr = false) => ({ on: 'completion', match: { opcode: 'asyncEventRequest' }, behaviour: 'update', completion: { status, dnr } });
const logRewrite = (cdw10: number) => ({ on: 'submission', match: { opcode: 'getLogPage', cdw10: LINUX_CHANGED_LOG_CDW10 }, behaviour: 'update', command: { cdw10 } });

export const HOST_FAULT_CASES: readonly HostFaultCase[] = [
  {
    id: 'baseline',
    fault: 'none: NSID 2 attached, Namespace Attribute Changed reported',
    arm: [],
    waitMs: 20_000,
    spec: { verdict: 'conforms', clause: 'NVMe Base 2.0 §5.2, §5.16, §5.16.1.5', text: 'Re-arms the AER, reads log 04h with RAE=0 (clearing the event), reads the active namespace list and identifies the new namespace.' },
    linux: '`nvme_complete_async_event` → `nvme_handle_aen_notice` sets NVME_AER_NOTICE_NS_CHANGED and queues the scan, then queues `async_event_work` (`nvme_async_event_work` submits the next AER); `nvme_scan_work` calls `nvme_clear_changed_ns_log` (Get Log Page 04h, RAE 0, whose contents it ignores) and `nvme_scan_ns_list` (CNS 02h, then Identify per NSID).',
  },
  {
    id: 'aenError',
    fault: 'the AER completes with an error status (Internal Error, 0/06h) when the notice fires',
    arm: [{ do: 'fault', tag: 'aenError', active: true, ...aerCompletion('0/06h') }],
    waitMs: 4_000,
    spec: { verdict: 'undefined by the spec', clause: 'NVMe Base 2.0 §5.2', text: 'The spec says nothing of what a host does with a failed AER; a host that submits none after it hears of no further event until it reconnects (the checker reports aerNotRearmed).' },
    linux: '`nvme_complete_async_event` returns at once on a status other than success: no notice handling and no `async_event_work`, so no AER is submitted again on this association.',
  },
  {
    id: 'aenAborted',
    fault: 'the AER completes with Command Abort Requested (0/07h), as an Abort of it would end it',
    arm: [{ do: 'fault', tag: 'aenAborted', active: true, ...aerCompletion('0/07h') }],
    waitMs: 4_000,
    spec: { verdict: 'undefined by the spec', clause: 'NVMe Base 2.0 §5.1, §5.2', text: 'An aborted AER is simply no longer outstanding (§5.1); nothing obliges a host to resubmit, but without one it hears of no event.' },
    linux: 'Same path as any error: `nvme_complete_async_event` returns before queueing `async_event_work` (older kernels resubmitted after NVME_SC_ABORT_REQ; 6.1 does not).',
  },
  {
    id: 'logFails',
    fault: 'the host\'s log 04h read is rewritten to log page 7Fh: it fails with Invalid Log Page (1/09h) and the notice stays masked',
    arm: [{ do: 'fault', tag: 'logFails', active: true, ...logRewrite((LINUX_CHANGED_LOG_CDW10 & ~0xff) | 0x7f) }],
    waitMs: 20_000,
    spec: { verdict: 'departs', clause: 'NVMe Base 2.0 §5.2, §5.16', text: 'The event is cleared only by a successful read of its log page; Linux does not retry, so the notice stays masked and later namespace changes are never reported to it (the checker reports logNotRead).' },
    linux: '`nvme_clear_changed_ns_log` only warns ("reading changed ns log failed") and `nvme_scan_work` goes on to `nvme_scan_ns_list`, so the namespace still appears; nothing reads the log again.',
  },
  {
    id: 'logRetained',
    fault: 'the host\'s log 04h read is rewritten with RAE=1: the data comes back and the notice stays masked',
    arm: [{ do: 'fault', tag: 'logRetained', active: true, ...logRewrite(LINUX_CHANGED_LOG_CDW10 | 0x8000) }],
    waitMs: 20_000,
    spec: { verdict: 'conforms', clause: 'NVMe Base 2.0 §5.16 (RAE)', text: 'Linux sent RAE=0, as the spec asks to clear the event; the controller (made to) keep the event masks every later change. The host cannot tell from the completion (the trace shows Linux\'s RAE=0; the checker, which sees what Linux sent, reports nothing).' },
    linux: '`nvme_clear_changed_ns_log` sends RAE 0 and ignores the data; the scan finds NSID 2 through CNS 02h.',
  },
  {
    id: 'logDropped',
    fault: 'the host\'s log 04h read is consumed and never completed (admin_timeout 3 s)',
    arm: [{ do: 'fault', tag: 'logDropped', active: true, on: 'submission', match: { opcode: 'getLogPage', cdw10: LINUX_CHANGED_LOG_CDW10 }, behaviour: 'drop' }],
    adminTimeout: 3,
    waitMs: 10_000,
    nextWaitMs: 15_000,
    spec: { verdict: 'conforms', clause: 'NVMe Base 2.0 §3.3.2.4, §5.2', text: 'A command that never completes is the controller\'s fault; Linux times it out, ends the association and reconnects. The change is still unread, so the new association reports it again, Linux reads the log again, and that read is dropped too: a recovery loop (timeout, reconnect in 1 s) for as long as the fault lasts, NSID 2 never scanned; once the fault is gone it recovers and hears the next change.' },
    linux: '`nvme_tcp_timeout` on a live controller calls `nvme_tcp_error_recovery` (the request is cancelled: "reading changed ns log failed: -4", and the scan\'s Identify with it); `nvme_tcp_reconnect_ctrl_work` (reconnect_delay) sets the controller up again and `nvme_start_ctrl` resubmits the AER and rescans.',
  },
  {
    id: 'aerDropped',
    fault: 'the host\'s AER is consumed and never parked: no AER is outstanding when the notice fires',
    arm: [{ do: 'fault', tag: 'aerDropped', active: true, on: 'submission', match: { opcode: 'asyncEventRequest' }, behaviour: 'drop' }],
    waitMs: 4_000,
    spec: { verdict: 'conforms', clause: 'NVMe Base 2.0 §5.2', text: 'From the host\'s side its AER is outstanding, which is all the spec asks; the controller keeps the event pending until an AER arrives, and none does: AERs have no timeout.' },
    linux: 'One AER per controller (`NVME_NR_AEN_COMMANDS` 1), submitted by `nvme_tcp_submit_async_event` outside the block layer, so no timeout ever fires for it.',
  },
  {
    id: 'aerl0',
    fault: 'none, on a controller with AERL 0 (one AER outstanding at most)',
    aerl: 0,
    arm: [],
    waitMs: 20_000,
    spec: { verdict: 'conforms', clause: 'NVMe Base 2.0 §5.2, Figure 275 (AERL)', text: 'Linux keeps one AER outstanding whatever AERL says, which AERL 0 allows: no Asynchronous Event Request Limit Exceeded.' },
    linux: '`NVME_NR_AEN_COMMANDS` is 1; the driver does not read AERL.',
  },
  {
    id: 'persistentError',
    fault: 'the notice\'s AER completion is rewritten to an Error event, Persistent Internal Error (DW0 00010300h)',
    arm: [{ do: 'fault', tag: 'persistentError', active: true, on: 'completion', match: { opcode: 'asyncEventRequest' }, behaviour: 'update', completion: { dw0: 0x00010300 } }],
    waitMs: 30_000,
    nextWaitMs: 15_000,
    spec: { verdict: 'undefined by the spec', clause: 'NVMe Base 2.0 §5.2 (Figure 147)', text: 'A persistent internal error asks the host to read log 01h; the spec does not say to reset. Linux resets the controller (on fabrics: reconnects); each new association reports the still-unread change, the fault turns it into the error again, and Linux resets again (a loop while the fault lasts); the scan of a new association finds NSID 2.' },
    linux: '`nvme_complete_async_event`: an Error event with NVME_AER_ERROR_PERSIST_INT_ERR calls `nvme_handle_aer_persistent_error` ("resetting controller due to AER") and returns without resubmitting the AER; the reset\'s `nvme_start_ctrl` submits a new one and rescans.',
    unstable: ['heardNext'],
    note: 'Whether Linux hears the next change once the fault is gone varies between runs: the resets come back to back, and in some runs the kernel logged a warning from `nvme_unfreeze` under `nvme_tcp_setup_ctrl` (`nvme_reset_ctrl_work`) and did not pick up NSID 3 within the wait.',
  },
];

const statusText = (s: { sct: number; sc: number }): string => `${s.sct.toString(16)}/${s.sc.toString(16).padStart(2, '0').toUpperCase()}h`;

/** The facts of a case from the records after the change (`from`) up to the removal of its faults (`to`). */
export function factsFromRecords(records: readonly ServeRecord[], from: number, to: number): Omit<HostFaultFacts, 'disk' | 'heardNext' | 'departures'> {
  const aers = new Set<number>();
  const logs = new Map<number, boolean>();
  let aenStatus: string | null = null;
  let aerResubmitted = false;
  let rescanned = false;
  let reconnected = false;
  const logReads: string[] = [];
  for (const r of records) {
    if (r.seq >= to) break;
    if (r.source === 'target' && r.type === 'connected' && r.seq >= from) reconnected = true;
    if (r.source !== 'controller') continue;
    if (r.type === 'command.fetched' && r.command) {
      const c = r.command;
      if (c.opcode === AdminOpcode.ASYNC_EVENT_REQUEST) {
        aers.add(c.cid);
        if (r.seq >= from && aenStatus !== null) aerResubmitted = true;
      }
      if (c.opcode === AdminOpcode.GET_LOG_PAGE && c.lid === LogPage.CHANGED_NAMESPACE_LIST && r.seq >= from) logs.set(c.cid, c.rae ?? false);
      if (c.opcode === AdminOpcode.IDENTIFY && c.cns === Cns.ACTIVE_NAMESPACE_LIST && r.seq >= from) rescanned = true;
    }
    if (r.type === 'completion.posted' && !r.sqid && r.seq >= from) {
      if (aers.has(r.cid) && aenStatus === null) aenStatus = statusText(r.status);
      if (logs.has(r.cid)) logReads.push(`RAE=${logs.get(r.cid) ? 1 : 0} → ${statusText(r.status)}`);
    }
    if (r.type === 'completion.posted') {
      aers.delete(r.cid);
      logs.delete(r.cid);
    }
    if (r.type === 'controller.reset') {
      aers.clear();
      for (const rae of logs.values()) logReads.push(`RAE=${rae ? 1 : 0} → none`);
      logs.clear();
    }
  }
  for (const rae of logs.values()) logReads.push(`RAE=${rae ? 1 : 0} → none`);
  return { aenStatus, aerResubmitted, logReads: [...new Set(logReads)], rescanned, reconnected };
}

async function until(ok: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

/** Timings of the baseline case worth reporting. */
export interface BaselineExtras {
  /** Block 0 of NSID 1 as the guest read it equals the store's. */
  readonly block0Matches: boolean;
}

/** Run one case on a guest whose host modules are loaded. The served controller and its control channel are closed
 * and the host disconnected before it returns or throws. */
export async function runHostFaultCase(linux: LinuxHostGuest, c: HostFaultCase, log: (line: string) => void = () => undefined): Promise<HostFaultObservation & Partial<BaselineExtras>> {
  const target = new NvmeTcpTarget({
    controller: {
      aerl: c.aerl,
      namespaces: [
        { nsid: 1, blocks: 2048, blockSize: 512, seed: { kind: 'lba', byte: 0x5a } },
        { nsid: 2, blocks: 1024, blockSize: 512, attached: false },
        { nsid: 3, blocks: 1024, blockSize: 512, attached: false },
      ],
    },
    log: (l) => log(`serve: ${l}`),
  });
  let name: string | undefined;
  const { port } = await target.listen(0, '127.0.0.1');
  const control = await startControl(target, { port: 0 });
  try {
    const client = new ControlClient(control.url, control.token);
    const block0 = new TextEncoder().encode(`nvme-actors ${c.id} block 0`);
    target.controller.blocks.get(1)!.write(0, padBlock(block0));
    if (c.arm.length > 0) {
      for (const r of await client.send(...c.arm)) if (r.ok !== true) throw new Error(`${c.id}: arming failed: ${String(r.error)}`);
    }
    await linux.setCoreParameter('admin_timeout', c.adminTimeout ?? 60);
    await linux.takeKernelLog();
    const t0 = Date.now();
    ({ name } = await linux.connect({ traddr: HOST_LOOPBACK_FROM_GUEST, trsvcid: port, nqn: target.nqn }, { fabrics: { reconnect_delay: 1, ctrl_loss_tmo: 60 } }));
    const connect = Date.now() - t0;
    if ((await linux.waitForNamespace(1, true, 20_000)) === undefined) throw new Error(`${c.id}: NSID 1 never appeared; kernel: ${(await linux.takeKernelLog()).slice(-3).join(' | ')}`);
    const records = () => control.trace.since(0);
    const hasAer = () => records().some((r) => r.source === 'controller' && r.type === 'command.fetched' && r.command?.opcode === AdminOpcode.ASYNC_EVENT_REQUEST);
    if (!(await until(hasAer, 15_000))) throw new Error(`${c.id}: the host sent no AER within 15 s of connecting`);
    let extras: Partial<BaselineExtras> = {};
    if (c.id === 'baseline') {
      const disk = (await linux.namespaceDevices()).get(1)!;
      const got = await linux.readBlock(disk, 0, 512);
      extras = { block0Matches: Buffer.from(got).equals(Buffer.from(target.controller.blocks.get(1)!.read(0, 1))) };
    }
    const from = control.trace.nextSequence;
    const t1 = Date.now();
    await client.send({ do: 'attach', nsid: 2 });
    const disk = (await linux.waitForNamespace(2, true, c.waitMs)) !== undefined;
    const diskMs = Date.now() - t1;
    const to = control.trace.nextSequence;
    for (const f of c.arm) if (typeof f.tag === 'string') await client.send({ do: 'removeFault', tag: f.tag });
    await client.send({ do: 'fault', active: false }, { do: 'attach', nsid: 3 });
    const t2 = Date.now();
    const heardNext = (await linux.waitForNamespace(3, true, c.nextWaitMs ?? 4_000)) !== undefined;
    const nextMs = Date.now() - t2;
    const all = records();
    const observation: HostFaultObservation = {
      id: c.id,
      ...factsFromRecords(all, from, to),
      disk,
      heardNext,
      departures: [...new Set(checkRecords(all).map((d) => d.rule))].sort(),
      ms: { connect, ...(disk ? { disk: diskMs } : {}), ...(heardNext ? { next: nextMs } : {}) },
      kernel: (await linux.takeKernelLog()).filter((l) => !/^nvme nvme\d+: (creating|mapped) \d+/.test(l)),
    };
    return { ...observation, ...extras };
  } finally {
    if (name) await linux.disconnect(name).catch(() => undefined);
    await control.close();
    await target.close();
  }
}

function padBlock(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(512);
  out.set(bytes);
  return out;
}

/** The facts of an observation the test compares with docs/hosts.json: all but the case's unstable ones. */
export function checkedFacts(c: HostFaultCase, f: HostFaultFacts): Partial<HostFaultFacts> {
  const out: Partial<HostFaultFacts> = { ...factsOf(f) };
  for (const k of c.unstable ?? []) delete out[k];
  return out;
}

/** The facts of an observation. */
export const factsOf = (o: HostFaultFacts): HostFaultFacts => ({
  aenStatus: o.aenStatus,
  aerResubmitted: o.aerResubmitted,
  logReads: o.logReads,
  rescanned: o.rescanned,
  reconnected: o.reconnected,
  disk: o.disk,
  heardNext: o.heardNext,
  departures: o.departures,
});

/** docs/hosts.json: what a run of every case observed (written by `npm run docs:hosts`). */
export interface HostsRecord {
  /** The day of the run (YYYY-MM-DD). */
  readonly date: string;
  readonly kernelRelease: string;
  readonly bootMs: number;
  readonly cases: Readonly<Record<string, { readonly facts: HostFaultFacts; readonly ms: HostFaultObservation['ms']; readonly kernel: readonly string[] }>>;
}

/** What Linux did, in one sentence built from the facts. */
export function describeFacts(f: HostFaultFacts): string {
  const parts: string[] = [];
  parts.push(f.aenStatus === null ? 'no AEN reached it' : f.aenStatus === '0/00h' ? 'took the AEN' : `got the AER back with ${f.aenStatus}`);
  parts.push(f.aerResubmitted ? 're-armed the AER' : 'did not re-arm the AER');
  parts.push(f.logReads.length === 0 ? 'did not read log 04h' : `read log 04h (${f.logReads.map((l) => l.replace('→ none', '→ never completed')).join('; ')})`);
  if (f.reconnected) parts.push('reconnected');
  parts.push(f.rescanned ? 'rescanned (CNS 02h)' : 'did not rescan');
  parts.push(f.disk ? 'NSID 2\'s disk appeared' : 'NSID 2\'s disk did not appear');
  parts.push(f.heardNext ? 'and it heard the next change (NSID 3)' : 'and it missed the next change (NSID 3) once the fault was gone');
  return `${parts.join(', ')}.`;
}

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** docs/hosts.md from docs/hosts.json and the cases (a test checks the file is this rendering). */
export function renderHostsDoc(r: HostsRecord): string {
  const base = r.cases.baseline;
  const lines: string[] = [
    '<!-- Generated by `npm run docs:hosts` (scripts/hosts-doc.ts) from a run of src/guest/linux-host-faults.ts: edit those, not this file. -->',
    '# Linux as an NVMe/TCP host, under faults on the AEN path',
    '',
    `The Linux kernel's NVMe host driver (\`nvme-core\`, \`nvme-fabrics\`, \`nvme-tcp\` of Debian's ${r.kernelRelease}) in a QEMU guest, connected`,
    'through 10.0.2.2 to `nvme-actors serve` (the emulated controller over NVMe/TCP), with the fault API driven over the',
    'control channel (`docs/serve.md`). Each case serves a fresh controller (NSID 1 attached and seeded; NSIDs 2 and 3',
    'declared detached), arms its fault, lets Linux connect, attaches NSID 2 (Namespace Attribute Changed), waits a',
    'bounded time for the disk, then removes the fault and attaches NSID 3: does the host still hear changes? What',
    'Linux sent comes from the controller\'s trace (every admin command with its SQE decoded), what it made of it from',
    'sysfs (`/sys/block/*/nsid`) and `dmesg`. The departures column is the host-behaviour checker',
    '(`machines/host-behaviour.chart.ts`, `src/model/host-behaviour.ts`) on the same trace. `test/guest/linux-host.test.ts`',
    'runs every case in `npm test` and fails when Linux does something other than what is recorded here',
    '(`docs/hosts.json`); `npm run docs:hosts` runs them again and rewrites both files.',
    '',
    `Measured on ${r.date} (the 2-core machine, TCG, shared with other sessions; figures are reported, never checked):`,
    `boot to the console ${(r.bootMs / 1000).toFixed(1)} s; connect (admin and I/O queues, Identify, first scan) ${base ? (base.ms.connect / 1000).toFixed(1) : '?'} s;`,
    `from the namespace change to NSID 2's disk in /sys/block ${base?.ms.disk !== undefined ? (base.ms.disk / 1000).toFixed(1) : '?'} s (the rescan, polled every 200 ms).`,
    '',
    '| case | fault | what Linux 6.1 did | departures (checker) | what the spec asks | verdict |',
    '|---|---|---|---|---|---|',
  ];
  for (const c of HOST_FAULT_CASES) {
    const o = r.cases[c.id];
    lines.push(`| \`${c.id}\` | ${cell(c.fault)} | ${o ? cell(describeFacts(o.facts)) + (c.unstable?.length ? ` (varies between runs: ${c.unstable.join(', ')})` : '') : 'not run'} | ${o ? (o.facts.departures.length ? o.facts.departures.map((d) => `\`${d}\``).join(', ') : 'none') : ''} | ${cell(c.spec.text)} (${c.spec.clause}) | ${c.spec.verdict} |`);
  }
  lines.push('', '## Why: the Linux source', '', 'Functions of `drivers/nvme/host/` (`core.c`, `tcp.c`) in Linux 6.1 that explain each reaction.', '');
  for (const c of HOST_FAULT_CASES) {
    const o = r.cases[c.id];
    lines.push(`### \`${c.id}\``, '', `${c.fault[0]!.toUpperCase()}${c.fault.slice(1)}.`, '', c.linux, '');
    if (c.note) lines.push(c.note, '');
    if (o && o.kernel.length > 0) lines.push('Kernel log during the case:', '', '```', ...o.kernel.slice(0, 12), '```', '');
    if (o) lines.push(`Times: connect ${(o.ms.connect / 1000).toFixed(1)} s${o.ms.disk !== undefined ? `, NSID 2's disk ${(o.ms.disk / 1000).toFixed(1)} s after the change` : ''}${o.ms.next !== undefined ? `, NSID 3's ${(o.ms.next / 1000).toFixed(1)} s after its change` : ''}.`, '');
  }
  lines.push(
    '## The checker\'s rules',
    '',
    '| rule | clause | meaning |',
    '|---|---|---|',
    ...Object.entries(HOST_RULES).map(([rule, v]) => `| \`${rule}\` | ${v.clause} | ${cell(v.summary)} |`),
    '',
  );
  return `${lines.join('\n')}`;
}
