// The admin-queue chart tells the truth (issue 14 item 3): every command a controller completes took a transition of
// the admin-queue machine that names it. Through XState inspection, each completion written to the CQ is checked
// against the event the admin queue was processing at that moment: `command.fetched` for that CID (a command
// answered locally, a transfer error), `latch.replied` while that CID is the command in flight (the latch's
// commands, Namespace Attachment), or `completion.requested` for that CID (an AEN, an aborted AER, an AER over the
// limit). A completion written while the machine processed anything else (a doorbell, say) fails the test.
import { describe, expect, it } from 'vitest';
import type { InspectionEvent } from 'xstate';
import { createController } from '../../src/emulator.ts';
import { EmulatorTransport } from '../../src/host/emulator-transport.ts';
import { NvmeHost } from '../../src/host/nvme-host.ts';
import { AdminOpcode, FeatureId, LogPage } from '../../src/spec/constants.ts';
import { encodeIdentify } from '../../src/spec/admin-fields.codec.ts';
import { guardUnhandledRejections } from '../support/rejection-guard.ts';

guardUnhandledRejections();

type AdminEvent = { type: string; cid?: number; sqe?: { cid: number }; route?: { kind: string } };


describe('every completion is a transition of the admin-queue machine', () => {
  it('local, latch, attachment, transfer-error, AER, abort and over-limit completions each name their command', async () => {
    // XState reports a microstep (its event and the transitions taken) after the step's actions ran: completions
    // written during a step are held until the admin queue's next microstep report, which must name them.
    const unexplained: number[] = [];
    const problems: string[] = [];
    let current: number | null = null;
    let completions = 0;
    const controller = createController({
      namespaces: [{ nsid: 1 }, { nsid: 2, attached: false }],
      inspect: (e: InspectionEvent) => {
        if (e.type !== '@xstate.microstep' || (e.actorRef as { id?: string }).id !== 'adminQueue') return;
        const p = e.event as AdminEvent;
        const took = (e as { _transitions?: unknown[] })._transitions?.length ?? 0;
        if (p.type === 'command.fetched' && (p.route?.kind === 'latch' || p.route?.kind === 'attachment')) current = p.sqe!.cid;
        for (const cid of unexplained.splice(0)) {
          const ok =
            took > 0 &&
            ((p.type === 'command.fetched' && p.sqe?.cid === cid) || (p.type === 'completion.requested' && p.cid === cid) || (p.type === 'latch.replied' && current === cid));
          if (!ok) problems.push(`cid ${cid} completed in a step of ${p.type}${took > 0 ? '' : ' (no transition)'}`);
        }
      },
    });
    controller.onTrace((t) => {
      if (t.type !== 'completion.posted') return;
      completions++;
      unexplained.push(t.cid);
    });
    const host = new NvmeHost(new EmulatorTransport(controller), { timeoutMs: 1000 });
    await host.enable({ queueSize: 16 });
    await host.identifyController(); // local
    await host.execute({ opcode: AdminOpcode.IDENTIFY, ...encodeIdentify({ cns: 0 }), prp1: 1n << 40n, rawPrps: true }); // transfer error
    await host.execute({ opcode: 0x99 }); // unknown opcode: local
    await host.keepAlive();
    await host.setAsyncEventConfig(0x100); // latch
    const aers = [await host.submitAer(), await host.submitAer(), await host.submitAer(), await host.submitAer()];
    await host.submitAer(); // the fifth: 1/05h at once (completion.requested)
    await host.namespaceAttachment(2, 'attach'); // attachment; its AEN (completion.requested) first
    await host.readChangedList(); // latch
    await host.getLogPage({ lid: LogPage.SMART_HEALTH, numd: 128 }); // local
    await host.abort(aers[0]!); // latch (spec: aborts a parked AER): the AER's 0/07h, then the Abort's own
    await host.getFeatures(FeatureId.ASYNC_EVENT_CONFIG);
    await host.poll();
    expect(unexplained).toEqual([]);
    expect(problems).toEqual([]);
    expect(completions).toBeGreaterThanOrEqual(13);
    await host.close();
  });
});
