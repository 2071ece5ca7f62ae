// The SMART / Health, Firmware Activation Starting and Error event types through NvmeHost and real rings, under
// every profile (NVMe Base 2.0 §5.2 AER masking per event type, §5.16 RAE, §5.16.1.2–4 the logs, §5.27.1.3
// Temperature Threshold, §5.27.1.9 AEC bits 5:0 and 9, §3.1.3.6 CSTS.PP): each event completes a parked AER with
// its DW0, further events of its type are masked until its log is read with RAE=0 (RAE=1 keeps the mask), and AEC
// gates it; each profile does what src/profiles/profiles.ts says its peer does.
import { describe, expect, it } from 'vitest';
import { AdminOpcode, CriticalWarning, Csts, FeatureId, LogPage, Register } from '../../src/spec/constants.ts';
import { decodeErrorLog, decodeFirmwareSlotLog, decodeSmartLog } from '../../src/spec/health-log.codec.ts';
import { decodeIdentifyController } from '../../src/spec/identify.codec.ts';
import { encodeIdentify } from '../../src/spec/admin-fields.codec.ts';
import { PROFILE_NAMES, PROFILES } from '../../src/profiles/profiles.ts';
import { HealthFaultError } from '../../src/faults/health-faults.ts';
import type { NvmeHost } from '../../src/host/nvme-host.ts';
import { completionOf, expectNoCompletion, NS_ATTR_CHANGED_DW0, parkAers, pollSettled, statusOf, useRigs } from '../support/rig.ts';

const rig = useRigs();

/** SMART / Health (1), Temperature Threshold (01h), log 02h. */
const TEMPERATURE_DW0 = 0x00020101;
/** SMART / Health (1), NVM Subsystem Reliability (00h), log 02h. */
const RELIABILITY_DW0 = 0x00020001;
/** Notice (2), Firmware Activation Starting (01h), log 03h. */
const FIRMWARE_DW0 = 0x00030102;
/** Error (0), Persistent Internal Error (03h), log 01h. */
const PERSISTENT_ERROR_DW0 = 0x00010300;
/** TMPTH 256 K, composite temperature, over threshold: below the 323 K the controller reports, so it is crossed. */
const OVER_256K = 0x100;

const setThreshold = (host: NvmeHost, cdw11: number) => host.setFeatures(FeatureId.TEMPERATURE_THRESHOLD, cdw11);
const readSmart = async (host: NvmeHost, rae: boolean) => {
  const c = await host.getLogPage({ lid: LogPage.SMART_HEALTH, rae, numd: 128, nsid: 0xffffffff });
  expect(statusOf(c)).toBe('0/00h');
  return decodeSmartLog(c.data!);
};
const readLog = async (host: NvmeHost, lid: number, rae: boolean, numd = 128) => {
  const c = await host.getLogPage({ lid, rae, numd });
  expect(statusOf(c)).toBe('0/00h');
  return c.data!;
};

describe('SMART / Health through the Temperature Threshold (feature 04h)', () => {
  for (const name of PROFILE_NAMES) {
    const p = PROFILES[name];
    if (p.temperatureThreshold === 'modelled' && p.smartHealthEvents) {
      it(`${name}: a crossing completes a parked AER (00020101h) before Set Features; masked until log 02h RAE=0; RAE=1 keeps it`, async () => {
        const { host, trace } = await rig({ profile: name });
        expect(statusOf(await host.setAsyncEventConfig(0x102))).toBe('0/00h'); // SMART temperature bit, notices
        const [a, b] = await parkAers(host, 2);
        const set = await host.submit({ opcode: AdminOpcode.SET_FEATURES, cdw10: FeatureId.TEMPERATURE_THRESHOLD, cdw11: OVER_256K });
        const arrived = await pollSettled(host);
        expect(arrived.map((c) => c.cid)).toEqual([b, set]); // the AEN first
        expect(completionOf(host, b!)?.dw0).toBe(TEMPERATURE_DW0);
        expect(trace).toContainEqual(expect.objectContaining({ type: 'health.processed', outcome: 'posted' }));
        // Over the threshold: bit 1 of Critical Warning, the composite temperature 323 K.
        expect(await readSmart(host, true)).toMatchObject({ criticalWarning: CriticalWarning.TEMPERATURE, compositeTemperature: 323 });
        expect(statusOf(await setThreshold(host, OVER_256K))).toBe('0/00h');
        await expectNoCompletion(host); // masked (RAE=1 kept it)
        expect(completionOf(host, a!)).toBeUndefined();
        await readSmart(host, false); // unmasks
        await pollSettled(host);
        if (p.smartEventsQueueWhileMasked) {
          // QEMU 7.2: the crossing made while masked was queued; the RAE=0 read reports it at once.
          expect(completionOf(host, a!)?.dw0).toBe(TEMPERATURE_DW0);
        } else {
          expect(completionOf(host, a!)).toBeUndefined(); // the spec coalesced it into the event just read
          expect(statusOf(await setThreshold(host, OVER_256K))).toBe('0/00h');
          await pollSettled(host);
          expect(completionOf(host, a!)?.dw0).toBe(TEMPERATURE_DW0);
        }
        // Get Features returns what was set; the under threshold is 0 (TMPSEL 0, THSEL 01b in DW0).
        expect((await host.getFeatures(FeatureId.TEMPERATURE_THRESHOLD)).dw0).toBe(OVER_256K);
        expect((await host.execute({ opcode: AdminOpcode.GET_FEATURES, cdw10: FeatureId.TEMPERATURE_THRESHOLD, cdw11: 0x100000 })).dw0).toBe(0x100000);
        // Back under the over threshold: Critical Warning clears, nothing is reported.
        expect(statusOf(await setThreshold(host, 343))).toBe('0/00h');
        expect((await readSmart(host, false)).criticalWarning).toBe(0);
      });

      it(`${name}: with AEC bit 1 clear the crossing is recorded in log 02h and reported to no AER`, async () => {
        const { host } = await rig({ profile: name });
        expect(statusOf(await host.setAsyncEventConfig(0x100))).toBe('0/00h');
        const [a] = await parkAers(host, 1);
        expect(statusOf(await setThreshold(host, OVER_256K))).toBe('0/00h');
        await expectNoCompletion(host);
        expect(completionOf(host, a!)).toBeUndefined();
        expect((await readSmart(host, false)).criticalWarning).toBe(CriticalWarning.TEMPERATURE);
      });

      it(`${name}: an invalid THSEL or TMPSEL gets Invalid Field`, async () => {
        const { host } = await rig({ profile: name });
        expect(statusOf(await setThreshold(host, 0x200000 | 300))).toMatch(/^0\/02h/); // THSEL 10b
        expect(statusOf(await setThreshold(host, 0x10000 | 300))).toMatch(/^0\/02h/); // TMPSEL 1h: no such sensor
      });
    } else {
      it(`${name}: Temperature Threshold is ${p.temperatureThreshold}; no SMART / Health event follows`, async () => {
        const { host } = await rig({ profile: name });
        if (p.supportsAecFeature) await host.setAsyncEventConfig(0x13f);
        const [a] = await parkAers(host, 1);
        const set = await setThreshold(host, OVER_256K);
        if (p.temperatureThreshold === 'unsupported') expect(statusOf(set)).toBe('0/02h DNR');
        else {
          expect(statusOf(set)).toBe('0/00h');
          expect((await host.getFeatures(FeatureId.TEMPERATURE_THRESHOLD)).dw0).toBe(0xffff); // OpenVMM's fixed over threshold
        }
        await expectNoCompletion(host);
        expect(completionOf(host, a!)).toBeUndefined();
        expect((await readSmart(host, false)).criticalWarning).toBe(0);
      });
    }
  }
});

describe('a Critical Warning fault', () => {
  for (const name of PROFILE_NAMES) {
    const p = PROFILES[name];
    it(`${name}: ${p.smartHealthEvents ? 'raises a SMART / Health event per its AEC bit, masked per type' : 'raises nothing (no SMART events in this profile)'}`, async () => {
      const { host, controller } = await rig({ profile: name });
      if (p.supportsAecFeature) await host.setAsyncEventConfig(0x10c); // Reliability and Read-only bits, notices
      const [a, b] = await parkAers(host, 2);
      const r = await controller.faults.health.setCriticalWarning(CriticalWarning.RELIABILITY_DEGRADED);
      await pollSettled(host);
      if (!p.smartHealthEvents) {
        expect(r.outcome).toBe('none');
        expect(completionOf(host, b!)).toBeUndefined();
        expect((await readSmart(host, false)).criticalWarning).toBe(0);
        return;
      }
      expect(r).toEqual({ outcome: 'posted', criticalWarning: CriticalWarning.RELIABILITY_DEGRADED, temperature: 323 });
      expect(completionOf(host, b!)?.dw0).toBe(RELIABILITY_DW0);
      // Read-only (bit 3) is NVM Subsystem Reliability too: masked, the SMART type is outstanding.
      expect((await controller.faults.health.setCriticalWarning(CriticalWarning.RELIABILITY_DEGRADED | CriticalWarning.READ_ONLY)).outcome).toBe('masked');
      // The mask is the SMART type's only: a namespace notice still completes the other AER.
      expect((await controller.faults.namespace.notifyChange(1)).outcome).toBe('posted');
      await pollSettled(host);
      expect(completionOf(host, a!)?.dw0).toBe(NS_ATTR_CHANGED_DW0);
      expect((await readSmart(host, true)).criticalWarning).toBe(CriticalWarning.RELIABILITY_DEGRADED | CriticalWarning.READ_ONLY);
      // A warning AEC does not enable (spare, bit 0) raises nothing.
      expect((await controller.faults.health.setCriticalWarning(CriticalWarning.SPARE_BELOW_THRESHOLD)).outcome).toBe('none');
      // A temperature moved over the threshold with AEC bit 1 clear: recorded, not reported.
      expect((await controller.faults.health.setTemperature(400)).criticalWarning & CriticalWarning.TEMPERATURE).toBe(CriticalWarning.TEMPERATURE);
    });
  }

  it('rejects bad arguments and a disabled controller with one-line errors', async () => {
    const { controller, host } = await rig();
    await expect(controller.faults.health.setCriticalWarning(0x40)).rejects.toMatchObject({ code: 'invalidArgument' });
    await expect(controller.faults.health.setTemperature(-1)).rejects.toBeInstanceOf(HealthFaultError);
    await expect(controller.faults.health.raiseError(9)).rejects.toMatchObject({ code: 'invalidArgument' });
    await host.disable();
    await expect(controller.faults.health.setCriticalWarning(1)).rejects.toMatchObject({ code: 'offline' });
  });
});

describe('Firmware Activation Starting (Notice 01h, log 03h, CSTS.PP)', () => {
  for (const name of PROFILE_NAMES) {
    const p = PROFILES[name];
    if (!p.firmwareActivation) {
      it(`${name}: no firmware activation (OAES bit 9 clear, MTFA 0): the fault is refused`, async () => {
        const { host, controller } = await rig({ profile: name });
        const id = decodeIdentifyController((await host.execute({ opcode: AdminOpcode.IDENTIFY, ...encodeIdentify({ cns: 1 }), dataIn: 4096 })).data!);
        expect(id.oaes & 0x200).toBe(0);
        expect(id.mtfa).toBe(0);
        await expect(controller.faults.health.activateFirmware({ ms: 0 })).rejects.toMatchObject({ code: 'unsupported' });
        expect((await host.readCsts()) & Csts.PP).toBe(0);
      });
      continue;
    }
    it(`${name}: the notice (00030102h) completes a parked AER; CSTS.PP holds commands until the activation is done; masked until log 03h RAE=0`, async () => {
      const { host, controller } = await rig({ profile: name });
      const id = decodeIdentifyController((await host.execute({ opcode: AdminOpcode.IDENTIFY, ...encodeIdentify({ cns: 1 }), dataIn: 4096 })).data!);
      expect(id.oaes & 0x200).toBe(0x200);
      expect(id.mtfa).toBe(10);
      expect(statusOf(await host.setAsyncEventConfig(0x300))).toBe('0/00h');
      const [a, b] = await parkAers(host, 2);
      let started: string | undefined;
      const done = controller.faults.health.activateFirmware({ ms: 30, onStarted: (o) => (started = o) });
      expect(started).toBe('posted');
      expect(controller.mmioRead32(Register.CSTS) & Csts.PP).toBe(Csts.PP);
      const identify = await host.submit({ opcode: AdminOpcode.IDENTIFY, ...encodeIdentify({ cns: 1 }), dataIn: 4096 });
      await pollSettled(host);
      expect(completionOf(host, b!)?.dw0).toBe(FIRMWARE_DW0);
      expect(completionOf(host, identify)).toBeUndefined(); // processing is paused
      expect(await done).toEqual({ outcome: 'posted', activeSlot: 2 });
      expect(controller.mmioRead32(Register.CSTS) & Csts.PP).toBe(0);
      expect(statusOf(await host.waitFor(identify))).toBe('0/00h');
      expect(decodeFirmwareSlotLog(await readLog(host, LogPage.FIRMWARE_SLOT, true))).toMatchObject({ activeSlot: 2, revisions: ['0.1.0', '0.2.0', '', '', '', '', ''] });
      expect(await controller.faults.health.activateFirmware({ ms: 0 })).toEqual({ outcome: 'masked', activeSlot: 2 }); // RAE=1 kept the mask
      await readLog(host, LogPage.FIRMWARE_SLOT, false);
      await expectNoCompletion(host);
      expect(completionOf(host, a!)).toBeUndefined();
      expect((await controller.faults.health.activateFirmware({ ms: 0 })).outcome).toBe('posted');
      await pollSettled(host);
      expect(completionOf(host, a!)?.dw0).toBe(FIRMWARE_DW0);
    });

    it(`${name}: AEC bit 9 clear: the activation runs (CSTS.PP) and no notice is sent; a reset ends it`, async () => {
      const { host, controller } = await rig({ profile: name });
      const [a] = await parkAers(host, 1); // AEC is 100h: bit 9 clear
      expect(await controller.faults.health.activateFirmware({ ms: 0 })).toEqual({ outcome: 'none', activeSlot: 2 });
      await expectNoCompletion(host);
      expect(completionOf(host, a!)).toBeUndefined();
      const long = controller.faults.health.activateFirmware({ ms: 60_000 });
      await expect(controller.faults.health.activateFirmware({ ms: 0 })).rejects.toMatchObject({ code: 'busy' });
      await host.disable();
      await expect(long).rejects.toMatchObject({ code: 'reset' });
      await host.enable();
      expect((await host.readCsts()) & Csts.PP).toBe(0);
    });
  }
});

describe('the Error Information log with real entries, and injected Error events', () => {
  for (const name of PROFILE_NAMES) {
    const p = PROFILES[name];
    it(`${name}: ELPE ${p.errorLogEntries - 1}; failed commands ${p.errorLogKeepsEntries ? 'leave entries (SQID, CID, status, location, NSID), newest first' : 'leave no entries (zeroed page)'}`, async () => {
      const { host } = await rig({ profile: name });
      const id = decodeIdentifyController((await host.execute({ opcode: AdminOpcode.IDENTIFY, ...encodeIdentify({ cns: 1 }), dataIn: 4096 })).data!);
      expect(id.elpe).toBe(p.errorLogEntries - 1);
      const bad = await host.execute({ opcode: 0x99 });
      // A second failing command: Identify Namespace of NSID 0 (the NSID field, byte 4, is in error); Linux nvmet
      // answers that with zeros (identifyInactiveNamespaceZeros), so there another unknown opcode (location 0).
      const zeros = p.identifyInactiveNamespaceZeros;
      const ns0 = zeros ? await host.execute({ opcode: 0x98 }) : await host.execute({ opcode: AdminOpcode.IDENTIFY, ...encodeIdentify({ cns: 0 }), nsid: 0, dataIn: 4096 });
      expect(ns0.status.sc, 'the command meant to fail').not.toBe(0);
      const entries = decodeErrorLog(await readLog(host, LogPage.ERROR_INFORMATION, false, Math.min(p.errorLogEntries, 4) * 16));
      if (!p.errorLogKeepsEntries) {
        expect(entries).toEqual([]);
        return;
      }
      expect(entries).toEqual([
        { errorCount: 2, sqid: 0, cid: ns0.cid, status: ns0.status, phase: 0, parameterErrorLocation: zeros ? 0 : 4, lba: 0n, nsid: 0 },
        { errorCount: 1, sqid: 0, cid: bad.cid, status: bad.status, phase: 0, parameterErrorLocation: 0, lba: 0n, nsid: 0 },
      ]);
      expect((await readSmart(host, false)).errorLogEntries).toBe(2);
    });

    it(`${name}: Persistent Internal Error (03h) completes a parked AER with 00010300h; masked until log 01h RAE=0`, async () => {
      const { host, controller } = await rig({ profile: name });
      const [a, b] = await parkAers(host, 2);
      expect(await controller.faults.health.raiseError(3)).toEqual({ info: 3, outcome: 'posted' });
      await pollSettled(host);
      expect(completionOf(host, b!)?.dw0).toBe(PERSISTENT_ERROR_DW0);
      expect((await controller.faults.health.raiseError(4)).outcome).toBe('masked');
      await readLog(host, LogPage.ERROR_INFORMATION, true, 16);
      expect((await controller.faults.health.raiseError(4)).outcome).toBe('masked'); // RAE=1 kept the mask
      await readLog(host, LogPage.ERROR_INFORMATION, false, 16);
      expect((await controller.faults.health.raiseError(5)).outcome).toBe('posted');
      await pollSettled(host);
      expect(completionOf(host, a!)?.dw0).toBe(0x00010500);
    });

    it(`${name}: with no AER parked an injected error is ${p.retainErrorEvents ? 'retained for the next AER' : 'not kept (QEMU 7.2)'}`, async () => {
      const { host, controller } = await rig({ profile: name });
      expect((await controller.faults.health.raiseError(2)).outcome).toBe(p.retainErrorEvents ? 'deferred' : 'none');
      const aer = await host.submitAer();
      await pollSettled(host);
      if (p.retainErrorEvents) expect(completionOf(host, aer)?.dw0).toBe(0x00010200);
      else expect(completionOf(host, aer)).toBeUndefined();
    });
  }
});
