// Admin command decisions (NVMe Base 2.0 §5): which actor answers a command per profile, how many bytes its data
// pointer covers, the answers of commands that need no AEN state, and Namespace Attachment decisions (§5.23).
import { describe, expect, it } from 'vitest';
import {
  type CommandEnv,
  dataLength,
  decideAttachment,
  executeLocalCommand,
  failure,
  identifyController,
  latchRequest,
  logPageFieldsFault,
  MAX_TRANSFER,
  MDTS,
  namespaceIds,
  routeCommand,
} from '../../src/logic/admin-commands.ts';
import { NamespaceTable } from '../../src/device/namespaces.ts';
import { PROFILES, type Profile } from '../../src/profiles/profiles.ts';
import { AdminOpcode, Status } from '../../src/spec/constants.ts';
import { encodeAbort, encodeFeatures, encodeGetLogPage, encodeIdentify } from '../../src/spec/admin-fields.codec.ts';
import { decodeIdentifyController, decodeIdentifyNamespace, decodeNamespaceIdDescriptors, identifyNamespaceNguid, Nidt } from '../../src/spec/identify.codec.ts';
import { decodeNsidList } from '../../src/spec/namespace-list.codec.ts';
import { sqe, type Sqe } from '../../src/spec/sqe.codec.ts';

const CNTLID = 0x0041;
function env(profile: Profile = PROFILES.spec): CommandEnv {
  return {
    profile,
    identity: { cntlid: CNTLID, serial: 'SN42', model: 'Model', firmware: 'FW1', aerl: 3, nn: 8 },
    namespaces: new NamespaceTable([
      { nsid: 1, blocks: 0x10000, blockSize: 512, attached: true },
      { nsid: 2, blocks: 0x20000, blockSize: 4096, attached: false },
      { nsid: 3, blocks: 0x400, blockSize: 4096, attached: true },
      { nsid: 7, blocks: 8, blockSize: 512, attached: true },
    ]),
  };
}
const glp = (f: Parameters<typeof encodeGetLogPage>[0], nsid = 0xffffffff): Sqe => sqe({ opcode: AdminOpcode.GET_LOG_PAGE, nsid, ...encodeGetLogPage(f) });
const identify = (cns: number, nsid = 0): Sqe => sqe({ opcode: AdminOpcode.IDENTIFY, nsid, ...encodeIdentify({ cns }) });
const setFeatures = (fid: number, value = 0, sv = false): Sqe => sqe({ opcode: AdminOpcode.SET_FEATURES, ...encodeFeatures({ fid, value, sv }) });
const getFeatures = (fid: number): Sqe => sqe({ opcode: AdminOpcode.GET_FEATURES, ...encodeFeatures({ fid }) });
const attach = (sel: number, nsid: number): Sqe => sqe({ opcode: AdminOpcode.NAMESPACE_ATTACHMENT, nsid, cdw10: sel });

const DNR = (s: Status) => Status.withDnr(s);

describe('routeCommand', () => {
  it('AER goes to the AER path in every profile', () => {
    for (const p of Object.values(PROFILES)) expect(routeCommand(sqe({ opcode: AdminOpcode.ASYNC_EVENT_REQUEST }), p)).toBe('aer');
  });

  it('Get Log Page 04h with valid fields goes to the latch; other LIDs and faulty fields stay local', () => {
    for (const p of Object.values(PROFILES)) {
      expect(routeCommand(glp({ lid: 0x04, numd: 1024 }), p)).toBe('latch');
      expect(routeCommand(glp({ lid: 0x04, numd: 1024, rae: true, offset: 4092n }), p)).toBe('latch');
      expect(routeCommand(glp({ lid: 0x04, numd: 1, offset: 2n }), p)).toBe('local'); // misaligned
      expect(routeCommand(glp({ lid: 0x04, numd: 1, offset: 4096n }), p)).toBe('local'); // beyond the page
      expect(routeCommand(glp({ lid: 0x04, numd: MAX_TRANSFER / 4 + 1 }), p)).toBe('local'); // beyond MDTS
      expect(routeCommand(glp({ lid: 0x02, numd: 128 }), p)).toBe('local');
    }
  });

  it('Set/Get Features 0Bh go to the latch where AEC is implemented; SV=1 and other FIDs stay local', () => {
    for (const p of Object.values(PROFILES)) {
      expect(routeCommand(setFeatures(0x0b, 0x100), p)).toBe('latch');
      expect(routeCommand(getFeatures(0x0b), p)).toBe('latch');
      expect(routeCommand(setFeatures(0x0b, 0x100, true), p)).toBe('local');
      expect(routeCommand(setFeatures(0x07), p)).toBe('local');
      expect(routeCommand(getFeatures(0x07), p)).toBe('local');
    }
    const noAec: Profile = { ...PROFILES.spec, supportsAecFeature: false };
    expect(routeCommand(setFeatures(0x0b, 0x100), noAec)).toBe('local');
    expect(routeCommand(getFeatures(0x0b), noAec)).toBe('local');
  });

  it('Abort goes to the latch only where an AER can be aborted (spec), local for qemu and openvmm', () => {
    const abort = sqe({ opcode: AdminOpcode.ABORT, ...encodeAbort({ sqid: 0, cid: 5 }) });
    expect(routeCommand(abort, PROFILES.spec)).toBe('latch');
    expect(routeCommand(abort, PROFILES.qemu)).toBe('local');
    expect(routeCommand(abort, PROFILES.openvmm)).toBe('local');
  });

  it('Namespace Attachment goes to attachment where supported (spec, qemu), local for openvmm', () => {
    expect(routeCommand(attach(0, 2), PROFILES.spec)).toBe('attachment');
    expect(routeCommand(attach(0, 2), PROFILES.qemu)).toBe('attachment');
    expect(routeCommand(attach(0, 2), PROFILES.openvmm)).toBe('local');
  });

  it('Identify, Keep Alive and unknown opcodes are local', () => {
    for (const p of Object.values(PROFILES)) {
      expect(routeCommand(identify(1), p)).toBe('local');
      expect(routeCommand(sqe({ opcode: AdminOpcode.KEEP_ALIVE }), p)).toBe('local');
      expect(routeCommand(sqe({ opcode: 0xc1 }), p)).toBe('local');
    }
  });
});

describe('dataLength', () => {
  it('Identify and Namespace Attachment move 4096 bytes', () => {
    expect(dataLength(identify(1))).toBe(4096);
    expect(dataLength(attach(0, 1))).toBe(4096);
  });

  it('Get Log Page moves numd * 4 bytes, up to MDTS (2^5 pages = 128 KiB), else 0', () => {
    expect(MDTS).toBe(5);
    expect(MAX_TRANSFER).toBe(131072);
    expect(dataLength(glp({ lid: 4, numd: 1 }))).toBe(4);
    expect(dataLength(glp({ lid: 4, numd: 1024 }))).toBe(4096);
    expect(dataLength(glp({ lid: 4, numd: 32768 }))).toBe(131072);
    expect(dataLength(glp({ lid: 4, numd: 32769 }))).toBe(0);
    expect(dataLength(glp({ lid: 4, numd: 65537 }))).toBe(0);
  });

  it('other commands move nothing', () => {
    for (const op of [AdminOpcode.ASYNC_EVENT_REQUEST, AdminOpcode.SET_FEATURES, AdminOpcode.GET_FEATURES, AdminOpcode.ABORT, AdminOpcode.KEEP_ALIVE, 0xc1]) {
      expect(dataLength(sqe({ opcode: op }))).toBe(0);
    }
  });
});

describe('logPageFieldsFault', () => {
  it('checks length, dword alignment and the LID 04h page size', () => {
    expect(logPageFieldsFault(glp({ lid: 4, numd: 1024 }))).toBeNull();
    expect(logPageFieldsFault(glp({ lid: 4, numd: 32769 }))).toEqual(Status.INVALID_FIELD);
    expect(logPageFieldsFault(glp({ lid: 2, numd: 1, offset: 1n }))).toEqual(Status.INVALID_FIELD);
    expect(logPageFieldsFault(glp({ lid: 4, numd: 1, offset: 4092n }))).toBeNull();
    expect(logPageFieldsFault(glp({ lid: 4, numd: 1, offset: 4096n }))).toEqual(Status.INVALID_FIELD);
    expect(logPageFieldsFault(glp({ lid: 2, numd: 1, offset: 4096n }))).toBeNull(); // other LIDs: size checked later
  });
});

describe('executeLocalCommand: Identify (NVMe Base 2.0 §5.17)', () => {
  it('CNS 01h returns Identify Controller', () => {
    const a = executeLocalCommand(identify(1), env());
    expect(a.status).toEqual(Status.SUCCESS);
    expect(a.dw0).toBe(0);
    expect(a.data!.length).toBe(4096);
    const c = decodeIdentifyController(a.data!);
    expect(c).toMatchObject({ cntlid: CNTLID, sn: 'SN42', mn: 'Model', fr: 'FW1', ver: 0x00020000, oaes: 0x100, oacs: 0x8, acl: 3, aerl: 3, lpa: 0x04, sqes: 0x66, cqes: 0x44, nn: 8, mdts: 5 });
    expect(decodeIdentifyController(executeLocalCommand(identify(1), env(PROFILES.openvmm)).data!).oacs).toBe(0);
    expect(identifyController(env()).subnqn).toBe('nqn.2026-11.io.nvme-actors:ctrl-SN42');
  });

  it('CNS 00h returns Identify Namespace for an attached namespace', () => {
    const a = executeLocalCommand(identify(0, 1), env());
    expect(a.status).toEqual(Status.SUCCESS);
    expect(decodeIdentifyNamespace(a.data!)).toEqual({ nsze: 0x10000n, ncap: 0x10000n, nuse: 0x10000n, nlbaf: 0, flbas: 0, lbaf0: { ms: 0, lbads: 9 } });
    expect(identifyNamespaceNguid(a.data!)).toEqual(namespaceIds('SN42', 1).nguid);
    expect(a.data![130]).toBe(9);
    expect(executeLocalCommand(identify(0, 3), env()).data![130]).toBe(12);
  });

  it('CNS 00h with NSID 0: Invalid Namespace or Format (0/0Bh) with DNR; without DNR for openvmm', () => {
    const a = executeLocalCommand(identify(0, 0), env());
    expect(a.status).toEqual({ sct: 0, sc: 0x0b, dnr: true });
    expect(a.data).toBeUndefined();
    expect(executeLocalCommand(identify(0, 0), env(PROFILES.openvmm)).status).toEqual({ sct: 0, sc: 0x0b, dnr: false });
  });

  it('CNS 00h with NSID above NN: 0/0Bh DNR', () => {
    expect(executeLocalCommand(identify(0, 9), env()).status).toEqual(DNR(Status.INVALID_NAMESPACE));
  });

  it('CNS 00h for an inactive NSID (detached, or never created but within NN) is 4096 zero bytes', () => {
    for (const nsid of [2, 4, 8]) {
      const a = executeLocalCommand(identify(0, nsid), env());
      expect(a.status).toEqual(Status.SUCCESS);
      expect(a.data!.length).toBe(4096);
      expect(a.data!.every((b) => b === 0)).toBe(true);
    }
  });

  it('CNS 02h lists active NSIDs greater than NSID, ascending', () => {
    const list = (nsid: number) => decodeNsidList(executeLocalCommand(identify(2, nsid), env()).data!);
    expect(list(0)).toEqual([1, 3, 7]);
    expect(list(1)).toEqual([3, 7]);
    expect(list(3)).toEqual([7]);
    expect(list(7)).toEqual([]);
    expect(list(2)).toEqual([3, 7]); // an inactive NSID
    expect(list(5)).toEqual([7]); // an NSID that does not exist
    const a = executeLocalCommand(identify(2, 0), env());
    expect(a.data!.length).toBe(4096);
    expect(a.data!.subarray(12).every((b) => b === 0)).toBe(true);
  });

  it('CNS 02h returns at most 1024 NSIDs, continuing after the NSID given (65,536 attached)', () => {
    const many: CommandEnv = { ...env(), namespaces: new NamespaceTable(Array.from({ length: 65536 }, (_, i) => ({ nsid: 2 * i + 1, blocks: 8, blockSize: 512, attached: i % 3 !== 1 }))) };
    const list = (nsid: number) => decodeNsidList(executeLocalCommand(identify(2, nsid), many).data!);
    const first = list(0);
    expect(first).toHaveLength(1024);
    expect(first.slice(0, 4)).toEqual([1, 5, 7, 11]);
    expect(list(first[1023]!)[0]).toBeGreaterThan(first[1023]!);
    expect(list(131070)).toEqual([131071]);
    expect(list(131071)).toEqual([]);
  });

  it('CNS 02h with NSID FFFFFFFEh or FFFFFFFFh: 0/0Bh DNR', () => {
    expect(executeLocalCommand(identify(2, 0xfffffffe), env()).status).toEqual(DNR(Status.INVALID_NAMESPACE));
    expect(executeLocalCommand(identify(2, 0xffffffff), env()).status).toEqual(DNR(Status.INVALID_NAMESPACE));
  });

  it('an unknown CNS: Invalid Field in Command (0/02h) DNR', () => {
    expect(executeLocalCommand(identify(0x04, 1), env()).status).toEqual({ sct: 0, sc: 0x02, dnr: true });
    expect(executeLocalCommand(identify(0xff, 0), env()).status).toEqual({ sct: 0, sc: 0x02, dnr: true });
  });
});

describe('executeLocalCommand: Identify CNS 03h, Namespace Identification Descriptors (§5.17.2.3)', () => {
  it('an active NSID: an NGUID then a UUID (RFC 4122 variant, version 8), the same on every call', () => {
    const a = executeLocalCommand(identify(0x03, 1), env());
    expect(a.status).toEqual(Status.SUCCESS);
    const d = decodeNamespaceIdDescriptors(a.data!);
    expect(d.map((x) => x.nidt)).toEqual([Nidt.NGUID, Nidt.UUID]);
    expect(a.data!.subarray(0, 4)).toEqual(Uint8Array.from([2, 16, 0, 0]));
    expect(a.data!.subarray(20, 24)).toEqual(Uint8Array.from([3, 16, 0, 0]));
    expect(a.data!.subarray(40).every((b) => b === 0)).toBe(true);
    expect(d[1]!.nid[6]! >>> 4).toBe(8);
    expect(d[1]!.nid[8]! >>> 6).toBe(2);
    expect(decodeNamespaceIdDescriptors(executeLocalCommand(identify(0x03, 1), env()).data!)).toEqual(d);
  });

  it('IDs differ between NSIDs and between serial numbers', () => {
    expect(namespaceIds('SN42', 1).nguid).not.toEqual(namespaceIds('SN42', 2).nguid);
    expect(namespaceIds('SN42', 1).uuid).not.toEqual(namespaceIds('SN43', 1).uuid);
    expect(namespaceIds('SN42', 1).nguid).not.toEqual(namespaceIds('SN42', 1).uuid);
  });

  it('NSID 0, FFFFFFFFh or above NN: 0/0Bh DNR; an inactive NSID (detached, or no namespace): 0/02h DNR', () => {
    expect(executeLocalCommand(identify(0x03, 0), env()).status).toEqual({ sct: 0, sc: 0x0b, dnr: true });
    expect(executeLocalCommand(identify(0x03, 0xffffffff), env()).status).toEqual({ sct: 0, sc: 0x0b, dnr: true });
    expect(executeLocalCommand(identify(0x03, 9), env()).status).toEqual({ sct: 0, sc: 0x0b, dnr: true });
    expect(executeLocalCommand(identify(0x03, 2), env()).status).toEqual({ sct: 0, sc: 0x02, dnr: true });
    expect(executeLocalCommand(identify(0x03, 5), env()).status).toEqual({ sct: 0, sc: 0x02, dnr: true });
  });
});

describe('executeLocalCommand: Get Log Page (NVMe Base 2.0 §5.16)', () => {
  it('an unknown LID answers with the profile\'s status: spec 1/09h DNR, qemu 0/02h DNR, openvmm 1/09h no DNR', () => {
    const cmd = glp({ lid: 0x7f, numd: 16 });
    expect(executeLocalCommand(cmd, env(PROFILES.spec))).toEqual({ status: { sct: 1, sc: 0x09, dnr: true }, dw0: 0 });
    expect(executeLocalCommand(cmd, env(PROFILES.qemu))).toEqual({ status: { sct: 0, sc: 0x02, dnr: true }, dw0: 0 });
    expect(executeLocalCommand(cmd, env(PROFILES.openvmm))).toEqual({ status: { sct: 1, sc: 0x09, dnr: false }, dw0: 0 });
  });

  it('a misaligned offset: 0/02h (DNR where the profile sets it), before the LID is looked at', () => {
    expect(executeLocalCommand(glp({ lid: 0x02, numd: 4, offset: 2n }), env()).status).toEqual({ sct: 0, sc: 0x02, dnr: true });
    expect(executeLocalCommand(glp({ lid: 0x7f, numd: 4, offset: 6n }), env()).status).toEqual({ sct: 0, sc: 0x02, dnr: true });
    expect(executeLocalCommand(glp({ lid: 0x02, numd: 4, offset: 1n }), env(PROFILES.openvmm)).status).toEqual({ sct: 0, sc: 0x02, dnr: false });
  });

  it('a length beyond MDTS: 0/02h DNR', () => {
    expect(executeLocalCommand(glp({ lid: 0x02, numd: 32769 }), env()).status).toEqual(DNR(Status.INVALID_FIELD));
  });

  it('LID 04h with an offset at or past 4096: 0/02h DNR', () => {
    expect(executeLocalCommand(glp({ lid: 0x04, numd: 1, offset: 4096n }), env()).status).toEqual(DNR(Status.INVALID_FIELD));
  });

  it('Error Information (64 bytes), SMART (512) and Firmware Slot (512) return numd*4 zero bytes', () => {
    for (const [lid, numd] of [[0x01, 16], [0x02, 128], [0x03, 128], [0x02, 1]] as const) {
      const a = executeLocalCommand(glp({ lid, numd }), env());
      expect(a.status).toEqual(Status.SUCCESS);
      expect(a.data!.length).toBe(numd * 4);
      expect(a.data!.every((b) => b === 0)).toBe(true);
    }
  });

  it('an offset at or past the page size: 0/02h DNR', () => {
    expect(executeLocalCommand(glp({ lid: 0x01, numd: 1, offset: 60n }), env()).status).toEqual(Status.SUCCESS);
    expect(executeLocalCommand(glp({ lid: 0x01, numd: 1, offset: 64n }), env()).status).toEqual(DNR(Status.INVALID_FIELD));
    expect(executeLocalCommand(glp({ lid: 0x02, numd: 1, offset: 508n }), env()).status).toEqual(Status.SUCCESS);
    expect(executeLocalCommand(glp({ lid: 0x02, numd: 1, offset: 512n }), env()).status).toEqual(DNR(Status.INVALID_FIELD));
    expect(executeLocalCommand(glp({ lid: 0x03, numd: 1, offset: 1n << 32n }), env()).status).toEqual(DNR(Status.INVALID_FIELD));
  });
});

describe('executeLocalCommand: Features (NVMe Base 2.0 §5.27, §5.15)', () => {
  it('Number of Queues (07h): Get and Set answer NSQA = NCQA = 15 (16 I/O queue pairs, 0\'s based) in DW0, whatever was asked', () => {
    expect(executeLocalCommand(getFeatures(0x07), env())).toEqual({ status: Status.SUCCESS, dw0: 0x000f000f, data: undefined });
    expect(executeLocalCommand(setFeatures(0x07, 0x00030003), env())).toMatchObject({ status: Status.SUCCESS, dw0: 0x000f000f });
    expect(executeLocalCommand(setFeatures(0x07, 0x00400040), env())).toMatchObject({ status: Status.SUCCESS, dw0: 0x000f000f });
  });

  it('Set Number of Queues with NSQR or NCQR = FFFFh: 0/02h DNR', () => {
    expect(executeLocalCommand(setFeatures(0x07, 0x0000ffff), env()).status).toEqual(DNR(Status.INVALID_FIELD));
    expect(executeLocalCommand(setFeatures(0x07, 0xffff0000), env()).status).toEqual(DNR(Status.INVALID_FIELD));
    expect(executeLocalCommand(setFeatures(0x07, 0xfffefffe), env()).status).toEqual(Status.SUCCESS);
  });

  it('Set Features with SV = 1: Feature Identifier Not Saveable (1/0Dh) DNR', () => {
    expect(executeLocalCommand(setFeatures(0x07, 0, true), env()).status).toEqual({ sct: 1, sc: 0x0d, dnr: true });
    expect(executeLocalCommand(setFeatures(0x0b, 0x100, true), env()).status).toEqual({ sct: 1, sc: 0x0d, dnr: true });
  });

  it('an unsupported FID: 0/02h DNR (spec), without DNR (openvmm)', () => {
    expect(executeLocalCommand(getFeatures(0x02), env()).status).toEqual(DNR(Status.INVALID_FIELD));
    expect(executeLocalCommand(setFeatures(0x0b, 0x100), env({ ...PROFILES.spec, supportsAecFeature: false })).status).toEqual(DNR(Status.INVALID_FIELD));
    expect(executeLocalCommand(getFeatures(0x02), env(PROFILES.openvmm)).status).toEqual(Status.INVALID_FIELD);
  });
});

describe('executeLocalCommand: Abort, Keep Alive, unknown opcodes', () => {
  it('Abort answered locally: success with DW0 bit 0 = 1 (not aborted)', () => {
    const abort = sqe({ opcode: AdminOpcode.ABORT, ...encodeAbort({ sqid: 0, cid: 5 }) });
    expect(executeLocalCommand(abort, env(PROFILES.qemu))).toMatchObject({ status: Status.SUCCESS, dw0: 1 });
  });

  it('Keep Alive: success where supported, Invalid Command Opcode otherwise', () => {
    const ka = sqe({ opcode: AdminOpcode.KEEP_ALIVE });
    expect(executeLocalCommand(ka, env(PROFILES.spec)).status).toEqual(Status.SUCCESS);
    expect(executeLocalCommand(ka, env(PROFILES.qemu)).status).toEqual({ sct: 0, sc: 0x01, dnr: true });
    expect(executeLocalCommand(ka, env(PROFILES.openvmm)).status).toEqual({ sct: 0, sc: 0x01, dnr: false });
  });

  it('an unknown opcode: Invalid Command Opcode (0/01h), DNR per profile', () => {
    expect(executeLocalCommand(sqe({ opcode: 0xc1 }), env(PROFILES.spec))).toEqual({ status: { sct: 0, sc: 0x01, dnr: true }, dw0: 0 });
    expect(executeLocalCommand(sqe({ opcode: 0x7f }), env(PROFILES.qemu))).toEqual({ status: { sct: 0, sc: 0x01, dnr: true }, dw0: 0 });
    expect(executeLocalCommand(sqe({ opcode: 0xc1 }), env(PROFILES.openvmm))).toEqual({ status: { sct: 0, sc: 0x01, dnr: false }, dw0: 0 });
  });

  it('Namespace Attachment where unsupported (openvmm) is an unknown opcode', () => {
    expect(executeLocalCommand(attach(0, 2), env(PROFILES.openvmm)).status).toEqual(Status.INVALID_OPCODE);
  });

  it('failure() adds DNR only where the profile sets it', () => {
    expect(failure(PROFILES.spec, Status.INVALID_FIELD)).toEqual({ status: { sct: 0, sc: 2, dnr: true }, dw0: 0 });
    expect(failure(PROFILES.openvmm, Status.INVALID_FIELD)).toEqual({ status: { sct: 0, sc: 2, dnr: false }, dw0: 0 });
  });
});

describe('decideAttachment (NVMe Base 2.0 §5.23)', () => {
  it('attaches a detached namespace and detaches an attached one', () => {
    expect(decideAttachment(attach(0, 2), [CNTLID], env())).toEqual({ kind: 'change', nsid: 2, attach: true });
    expect(decideAttachment(attach(1, 1), [CNTLID], env())).toEqual({ kind: 'change', nsid: 1, attach: false });
  });

  it('SEL other than 0 or 1: 0/02h DNR', () => {
    expect(decideAttachment(attach(2, 2), [CNTLID], env())).toEqual({ kind: 'fail', answer: { status: DNR(Status.INVALID_FIELD), dw0: 0 } });
    expect(decideAttachment(attach(0xf, 2), [CNTLID], env())).toMatchObject({ kind: 'fail', answer: { status: DNR(Status.INVALID_FIELD) } });
  });

  it('NSID 0, FFFFFFFFh or one that does not exist: 0/0Bh DNR', () => {
    for (const nsid of [0, 0xffffffff, 4, 100]) {
      expect(decideAttachment(attach(0, nsid), [CNTLID], env())).toEqual({ kind: 'fail', answer: { status: DNR(Status.INVALID_NAMESPACE), dw0: 0 } });
    }
  });

  it('an empty controller list or one naming another controller: Controller List Invalid (1/1Ch) DNR', () => {
    expect(decideAttachment(attach(0, 2), [], env())).toMatchObject({ kind: 'fail', answer: { status: { sct: 1, sc: 0x1c, dnr: true } } });
    expect(decideAttachment(attach(0, 2), [CNTLID, 7], env())).toMatchObject({ kind: 'fail', answer: { status: { sct: 1, sc: 0x1c, dnr: true } } });
    expect(decideAttachment(attach(0, 2), [7], env())).toMatchObject({ kind: 'fail', answer: { status: { sct: 1, sc: 0x1c, dnr: true } } });
  });

  it('attaching an attached namespace: 1/18h; detaching a detached one: 1/1Ah', () => {
    expect(decideAttachment(attach(0, 1), [CNTLID], env())).toMatchObject({ kind: 'fail', answer: { status: { sct: 1, sc: 0x18, dnr: true } } });
    expect(decideAttachment(attach(1, 2), [CNTLID], env())).toMatchObject({ kind: 'fail', answer: { status: { sct: 1, sc: 0x1a, dnr: true } } });
  });
});

describe('latchRequest', () => {
  it('turns latch-routed commands into latch messages', () => {
    expect(latchRequest(glp({ lid: 4, numd: 1024, rae: true, offset: 8n }))).toEqual({ type: 'changedList.read', rae: true, numd: 1024, offset: 8 });
    expect(latchRequest(setFeatures(0x0b, 0x100))).toEqual({ type: 'aec.set', value: 0x100 });
    expect(latchRequest(getFeatures(0x0b))).toEqual({ type: 'aec.get' });
    expect(latchRequest(sqe({ opcode: AdminOpcode.ABORT, ...encodeAbort({ sqid: 0, cid: 0xbeef }) }))).toEqual({ type: 'abort.requested', sqid: 0, cid: 0xbeef });
    expect(() => latchRequest(identify(1))).toThrow(RangeError);
  });
});

describe('commandRoute (the route carried on command.fetched)', () => {
  it('agrees with routeCommand and latchRequest on every opcode, field and profile tried', async () => {
    const { commandRoute } = await import('../../src/logic/admin-commands.ts');
    const { sqe: mk } = await import('../../src/spec/sqe.codec.ts');
    const fc = (await import('fast-check')).default;
    fc.assert(
      fc.property(fc.constantFrom(...Object.values(AdminOpcode), 0x99), fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }), fc.constantFrom(...Object.values(PROFILES)), (opcode, cdw10, cdw11, cdw12, p) => {
        const s = mk({ opcode, cdw10, cdw11, cdw12 });
        const r = commandRoute(s, p);
        expect(r.kind).toBe(routeCommand(s, p));
        if (r.kind === 'latch') expect(r.request).toEqual(latchRequest(s));
      }),
      { seed: 14, numRuns: 3000 },
    );
  });
});
