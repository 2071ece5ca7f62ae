// Policy knobs as data: where the NVMe spec leaves room or the peers differ (docs/semantics.md §4 is the spec
// profile; docs/qemu-observations.md and docs/conformance.md what each peer did). The machines read these from context;
// a profile never changes code paths outside the decisions named here.
import { Status } from '../spec/constants.ts';

export interface Profile {
  readonly name: ProfileName;
  readonly description: string;
  /** Default AEC (feature 0Bh) value at enable. */
  readonly aecDefault: number;
  /** Does AEC bit 8 gate the Namespace Attribute Changed notice? (QEMU: no) */
  readonly aecGatesNamespaceNotice: boolean;
  /** Is feature 0Bh implemented? (OpenVMM nvme_test: no; we model OpenVMM's `nvme`, which has it.) */
  readonly supportsAecFeature: boolean;
  /** Does a controller reset restore AEC to its default? */
  readonly resetRestoresAec: boolean;
  /** Does a controller reset empty the Changed Namespace List? */
  readonly resetClearsChangedList: boolean;
  /** After a reset, are changes still unread in the list reported again once an AER is parked? (The event was
   * never cleared by a log read; QEMU keeps the list but forgets the event.) */
  readonly retainUnreadChangesOverReset: boolean;
  /** Parked AERs complete last-in first-out (every peer) or first-in first-out. */
  readonly aerCompletionOrder: 'lifo' | 'fifo';
  /** Status of the AER beyond AERL+1. */
  readonly aerLimitStatus: Status;
  /** Status of Get Log Page for an unsupported LID (spec 1/09h; ECN 110 allows 0/02h). */
  readonly invalidLogPageStatus: Status;
  /** Status of an unknown admin opcode. */
  readonly invalidOpcodeStatus: Status;
  /** Can Abort abort a parked AER? (QEMU 7.2 and OpenVMM: no, DW0 = 1) */
  readonly abortAbortsAer: boolean;
  /** Does the controller implement Namespace Attachment (15h)? */
  readonly supportsNamespaceAttachment: boolean;
  /** Does the controller implement Keep Alive (18h)? */
  readonly supportsKeepAlive: boolean;
  /** QEMU 7.2: each newly changed NSID queues its own notice event, and log reads do not discard queued events,
   * so the RAE=0 read that unmasks the notice is followed at once by another notice whose list is already empty
   * (docs/qemu-observations.md e, m). The spec profile has at most one event, outstanding while the list is unread. */
  readonly noticePerNewNsid: boolean;
  /** Does Get Log Page honour the offset (LPOL/LPOU) for the Changed Namespace List? (OpenVMM: ignored) */
  readonly changedListHonoursOffset: boolean;
  /** Are Error events (§5.2, e.g. an invalid doorbell write) that occur while no AER is parked kept and reported
   * later (spec: the controller "should retain" events)? QEMU 7.2 raises them only when an AER is outstanding. */
  readonly retainErrorEvents: boolean;
  /** Do error statuses carry DNR? (OpenVMM never sets DNR) */
  readonly errorsSetDnr: boolean;
  /** A completion fault that drops a Namespace Attribute AEN (faults.admin.completion, kind 'drop'): OpenVMM
   * (nvme_test/src/workers/admin.rs `next_event`: `continue` before `notified_changed_namespaces = true` and before
   * the fault RPC's `complete`) leaves the latch unset, so the next parked AER is consumed in turn, and the
   * namespace-change RPC is never answered. Otherwise (false) the notice is masked as if posted and the RPC answers. */
  readonly aenDropUnlatches: boolean;
}

export type ProfileName = 'spec' | 'qemu' | 'openvmm' | 'linux-nvmet' | 'openvmm-test';
export const PROFILE_NAMES: readonly ProfileName[] = ['spec', 'qemu', 'openvmm', 'linux-nvmet', 'openvmm-test'];

const spec: Profile = {
  name: 'spec',
  description: 'NVMe Base 2.0 as docs/semantics.md §4 reads it',
  aecDefault: 0x100,
  aecGatesNamespaceNotice: true,
  supportsAecFeature: true,
  resetRestoresAec: true,
  resetClearsChangedList: false,
  retainUnreadChangesOverReset: true,
  aerCompletionOrder: 'lifo',
  aerLimitStatus: Status.AER_LIMIT_EXCEEDED,
  invalidLogPageStatus: Status.withDnr(Status.INVALID_LOG_PAGE),
  invalidOpcodeStatus: Status.withDnr(Status.INVALID_OPCODE),
  abortAbortsAer: true,
  supportsNamespaceAttachment: true,
  supportsKeepAlive: true,
  noticePerNewNsid: false,
  changedListHonoursOffset: true,
  errorsSetDnr: true,
  retainErrorEvents: true,
  aenDropUnlatches: false,
};

const qemu: Profile = {
  ...spec,
  name: 'qemu',
  description: 'QEMU 7.2 hw/nvme as observed over qtest (docs/qemu-observations.md)',
  aecDefault: 0,
  aecGatesNamespaceNotice: false,
  resetRestoresAec: false,
  invalidLogPageStatus: Status.withDnr(Status.INVALID_FIELD),
  abortAbortsAer: false,
  supportsKeepAlive: false,
  noticePerNewNsid: true,
  retainUnreadChangesOverReset: false,
  retainErrorEvents: false,
};

const openvmm: Profile = {
  ...spec,
  name: 'openvmm',
  description: "OpenVMM's `nvme` emulator (vm/devices/storage/nvme), openvmm-nvme-facts.md §2–4",
  aecDefault: 0xffffffff,
  resetClearsChangedList: true,
  invalidLogPageStatus: Status.INVALID_LOG_PAGE,
  invalidOpcodeStatus: Status.INVALID_OPCODE,
  abortAbortsAer: false,
  supportsNamespaceAttachment: false,
  supportsKeepAlive: false,
  changedListHonoursOffset: false,
  errorsSetDnr: false,
  aenDropUnlatches: true,
};

// OpenVMM's fault controller itself (vm/devices/storage/nvme_test, read at microsoft/openvmm 1488a37): `nvme` above
// plus where nvme_test departs from it. The opt-in emulations of nvme_test's quirks are controller options, not
// knobs (ControllerOptions.singleReplySlot, .removeNamespacePanics; docs/faults.md).
const openvmmTest: Profile = {
  ...openvmm,
  name: 'openvmm-test',
  description: "OpenVMM's fault controller `nvme_test` (vm/devices/storage/nvme_test): `nvme` without Feature 0Bh",
  // nvme_test/src/workers/admin.rs handle_set_features / handle_get_features: FID 0Bh falls to the unsupported-feature
  // arm, INVALID_FIELD_IN_COMMAND (no DNR: OpenVMM sets none); nothing gates the notice.
  supportsAecFeature: false,
  aecGatesNamespaceNotice: false,
  aecDefault: 0,
};

// Linux 6.1 nvmet (Debian linux-image-6.1.0-57-amd64) in a QEMU guest over NVMe/TCP, each knob from
// `tsx scripts/guest-nvmet-pack.ts --rules spec` run on 2026-12-01 (rule named per knob), with the code that
// explains it in drivers/nvme/target/ (admin-cmd.c, core.c). Divergences no knob expresses (recorded there, not
// modelled): the Changed Namespace List is in order of change, not ascending (rule list-order: [2, 1]); Get Log
// Page 04h of any length but 4096 bytes is 0/06h (nvmet_execute_get_log_changed_ns; rule log-offset); Identify
// Namespace of NSID 0 succeeds with zeros (rule invalid-nsid); setting AEC bit 8 again does not report changes
// recorded while it was clear (rule aec-gate); CC.EN 1→0 leaves parked AERs and the mask as they are
// (nvmet_clear_ctrl in torvalds/linux drivers/nvme/target/core.c, read at 06406d81a2d7, only clears CC and
// CSTS.RDY; rule reset; retainUnreadChangesOverReset false does not
// model it, and the emulator then fails 8 of its own pack's paths). With these knobs, `--rules linux-nvmet` on
// nvmet: 14/20 rules pass, the 6 failures are the divergences above and list-overflow (untestable: at most 1024
// namespaces); under `spec`: 8/20.
const linuxNvmet: Profile = {
  ...spec,
  name: 'linux-nvmet',
  description: 'Linux 6.1 nvmet (drivers/nvme/target) over NVMe/TCP, measured in a QEMU guest (src/guest/)',
  // rule aec-default: Get Features 0Bh = 900h at connect (NVMET_AEN_CFG_OPTIONAL: NS_ATTR | ANA_CHANGE).
  aecDefault: 0x900,
  // rule aec-reset: a value set before CC.EN 1→0 is still there after (ctrl->aen_enabled is per association).
  resetRestoresAec: false,
  // rule aerl: the 5th AER gets 1/05h with DNR (nvmet_execute_async_event: NVME_SC_ASYNC_LIMIT | NVME_SC_DNR).
  aerLimitStatus: Status.withDnr(Status.AER_LIMIT_EXCEEDED),
  // rule invalid-log-page: 0/02h with DNR (nvmet_execute_get_log_page: unhandled LID, NVME_SC_INVALID_FIELD | DNR).
  invalidLogPageStatus: Status.withDnr(Status.INVALID_FIELD),
  // rule abort: DW0 = 1 and the AER stays parked (nvmet_execute_abort sets result 1 and aborts nothing).
  abortAbortsAer: false,
  // rule ns-attach: 15h is an unknown opcode, 0/01h (nvmet_parse_admin_cmd has no Namespace Attachment).
  supportsNamespaceAttachment: false,
};

export const PROFILES: Readonly<Record<ProfileName, Profile>> = { spec, qemu, openvmm, 'openvmm-test': openvmmTest, 'linux-nvmet': linuxNvmet };

export function getProfile(name: string): Profile {
  if (!(name in PROFILES)) throw new RangeError(`unknown profile '${name}': expected one of ${PROFILE_NAMES.join(', ')}`);
  return PROFILES[name as ProfileName];
}
