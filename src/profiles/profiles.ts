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
  // ---- SMART / Health, Firmware Activation, Error Information (issue 18) ----
  /** Temperature Threshold (feature 04h, NVMe Base 2.0 §5.27.1.3): 'modelled' keeps a composite temperature and
   * both thresholds, and a crossing is a SMART / Health event (QEMU 7.2 nvme_set_feature temperature threshold);
   * 'ignored' accepts Set Features and reports fixed thresholds (OpenVMM: over FFFFh, under 0, no temperature);
   * 'unsupported' answers 0/02h (Linux nvmet: nvmet_set_features/nvmet_get_features have no FID 04h). */
  readonly temperatureThreshold: 'modelled' | 'ignored' | 'unsupported';
  /** Does the controller raise SMART / Health events and report Critical Warning bits in log 02h? (OpenVMM and
   * Linux nvmet: no, the page holds no warning.) */
  readonly smartHealthEvents: boolean;
  /** QEMU 7.2: a SMART event raised while the type is masked is queued (nvme_enqueue_event), and the RAE=0 read
   * of log 02h that unmasks it (nvme_clear_events) reports the next one at once. The spec profile coalesces it
   * into the outstanding event. */
  readonly smartEventsQueueWhileMasked: boolean;
  /** Firmware Activation Starting (Notice info 01h, log 03h, OAES bit 9, AEC bit 9): can a firmware activation
   * be started (by the fault), with CSTS.PP set while it runs? (QEMU 7.2, OpenVMM and Linux nvmet: none.) */
  readonly firmwareActivation: boolean;
  /** Error Information log entries the controller keeps (Identify ELPE + 1). */
  readonly errorLogEntries: number;
  /** Does log 01h hold real entries (failed commands, invalid doorbells, injected errors)? QEMU 7.2 and OpenVMM
   * return zeroed entries; Linux nvmet keeps 128 (nvmet_set_error, nvmet_execute_get_log_page_error). */
  readonly errorLogKeepsEntries: boolean;
  /** Order of the Changed Namespace List: ascending (§5.16.1.5), or the order the namespaces changed in (Linux
   * nvmet appends). Either way without duplicates. */
  readonly changedListOrder: 'ascending' | 'change';
  /** Get Log Page 04h of any length but the whole 4096-byte page fails with 0/06h (Internal Error) and changes
   * nothing: not the list, not the mask (Linux nvmet). */
  readonly changedListWholePageOnly: boolean;
  /** Identify Namespace (CNS 00h) of an NSID with no active namespace, 0 included, succeeds with a zeroed
   * structure instead of 0/0Bh (Linux nvmet; only FFFFFFFFh gets 0/0Bh). */
  readonly identifyInactiveNamespaceZeros: boolean;
  /** AEC bit 8 is read when a namespace changes, not when the notice is reported: a change made while it is clear
   * is listed but raises no event (setting the bit again reports nothing), and an event raised before it was
   * cleared is still sent to the next AER (Linux nvmet). */
  readonly aecGatesAtChange: boolean;
  /** Set Features 0Bh completes with the stored value in DW0 (Linux nvmet: nvmet_set_feat_async_event calls
   * nvmet_set_result with it); spec and QEMU: DW0 0, the feature defines no completion value (§5.27). */
  readonly aecSetEchoesValue: boolean;
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
  temperatureThreshold: 'modelled',
  smartHealthEvents: true,
  smartEventsQueueWhileMasked: false,
  firmwareActivation: true,
  errorLogEntries: 64,
  errorLogKeepsEntries: true,
  changedListOrder: 'ascending',
  changedListWholePageOnly: false,
  identifyInactiveNamespaceZeros: false,
  aecGatesAtChange: false,
  aecSetEchoesValue: false,
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
  // hw/nvme/ctrl.c (QEMU 7.2): nvme_set_feature TEMPERATURE_THRESHOLD stores the over/under threshold of the
  // composite temperature and calls nvme_smart_event when the temperature is at or over (at or under) it;
  // nvme_smart_event drops the event unless AEC has the warning's bit (NVME_AEC_SMART); nvme_smart_info clears
  // the SMART type on a RAE=0 read; nvme_enqueue_event queues every event, masked or not (docs/semantics.md §5).
  smartEventsQueueWhileMasked: true,
  // No firmware activation: OAES has bit 8 only, Firmware Commit is not implemented.
  firmwareActivation: false,
  // nvme_error_info returns one zeroed entry; QEMU 7.2 reports ELPE 0 and answers an offset of 64 with 0/02h DNR
  // (probed 2026-12-01). Also probed, not modelled: a SMART read with NSID 0 is 0/0Bh DNR, Available Spare reads 0,
  // Set Features 04h with TMPSEL 1h succeeds (ignored), FRMW 03h and FRS1 '1.0'.
  errorLogEntries: 1,
  errorLogKeepsEntries: false,
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
  // vm/devices/storage/nvme/src/workers/admin.rs (and nvme_test's): Temperature Threshold accepted and ignored,
  // Get Features reports over FFFFh / under 0 (default_temperature_threshold); log 02h, 03h and 01h are zeroed
  // pages; no SMART or firmware events; ELPE = ERROR_LOG_PAGE_ENTRIES - 1 = 0.
  temperatureThreshold: 'ignored',
  smartHealthEvents: false,
  firmwareActivation: false,
  errorLogEntries: 1,
  errorLogKeepsEntries: false,
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

// Linux 6.1 nvmet (Debian linux-image-6.1.0-57-amd64) in a QEMU guest over NVMe/TCP. Each knob was checked with
// `tsx scripts/guest-nvmet-pack.ts --rules linux-nvmet` and the whole linux-nvmet pack on 2026-12-01 (the rule
// named per knob), with the function of torvalds/linux drivers/nvme/target/ (admin-cmd.c, core.c, read at
// 06406d81a2d7) that explains it. A controller reset on fabrics is what a Linux host makes of it: CC.EN 1→0, then
// a new association (src/host/tcp-transport.ts resetEndsAssociation), which nvmet gives a new controller. CC.EN
// 1→0 alone does nothing to the AEN state (nvmet_clear_ctrl only clears CC and CSTS.RDY: parked AERs stay parked,
// the mask and the list stay; measured, not modelled: no host resets a fabrics controller that way). The list
// overflow cannot be checked: nvmet holds at most 1024 namespaces (NVMET_MAX_NAMESPACES) and each change is a
// console round trip; nvmet_add_to_changed_ns_log writes FFFFFFFFh at the 1025th NSID, as the spec says.
const linuxNvmet: Profile = {
  ...spec,
  name: 'linux-nvmet',
  description: 'Linux 6.1 nvmet (drivers/nvme/target) over NVMe/TCP, measured in a QEMU guest (src/guest/)',
  // rule aec-default: Get Features 0Bh = 900h at connect (NVMET_AEN_CFG_OPTIONAL: NS_ATTR | ANA_CHANGE).
  aecDefault: 0x900,
  // rules aec-reset, reset: the reset's new association is a new controller (nvmet_alloc_ctrl): AEC is
  // NVMET_AEN_CFG_OPTIONAL again, the changed list (ctrl->changed_ns_list) starts empty, nothing is masked.
  resetRestoresAec: true,
  resetClearsChangedList: true,
  retainUnreadChangesOverReset: false,
  // rule aerl: the 5th AER gets 1/05h with DNR (nvmet_execute_async_event: NVME_SC_ASYNC_LIMIT | NVME_SC_DNR).
  aerLimitStatus: Status.withDnr(Status.AER_LIMIT_EXCEEDED),
  // rule invalid-log-page: 0/02h with DNR (nvmet_execute_get_log_page: unhandled LID, NVME_SC_INVALID_FIELD | DNR).
  invalidLogPageStatus: Status.withDnr(Status.INVALID_FIELD),
  // rule abort: DW0 = 1 and the AER stays parked (nvmet_execute_abort sets result 1 and aborts nothing).
  abortAbortsAer: false,
  // rule ns-attach: 15h is an unknown opcode, 0/01h (nvmet_parse_admin_cmd has no Namespace Attachment).
  supportsNamespaceAttachment: false,
  // drivers/nvme/target/admin-cmd.c: no Temperature Threshold feature (Invalid Field); the SMART log carries I/O
  // counters and the error count, never a Critical Warning, and no SMART event is ever queued; log 03h is zeroed
  // (nvmet_execute_get_log_page_noop); the error log keeps NVMET_ERROR_LOG_SLOTS = 128 entries, newest first
  // (nvmet_execute_get_log_page_error), ELPE 127. Read from the source, not measured in the guest.
  temperatureThreshold: 'unsupported',
  smartHealthEvents: false,
  firmwareActivation: false,
  errorLogEntries: 128,
  // rule list-order: [2, 1] after changes of 2 then 1 (nvmet_add_to_changed_ns_log appends after a duplicate scan).
  changedListOrder: 'change',
  // rule log-offset: NUMD 1 gets 0/06h (nvmet_execute_get_log_changed_ns: transfer_len other than
  // NVME_MAX_CHANGED_NAMESPACES * 4 goes to `out` with NVME_SC_INTERNAL, before the list or the mask is touched).
  changedListWholePageOnly: true,
  // rule invalid-nsid: Identify Namespace NSID 0 succeeds with zeros (nvmet_execute_identify_ns rejects only
  // NVME_NSID_ALL; "return an all zeroed buffer if we can't find an active namespace").
  identifyInactiveNamespaceZeros: true,
  // rule aec-gate: nvmet_ns_changed lists the NSID, then nvmet_aen_bit_disabled skips nvmet_add_async_event when
  // the bit is clear; nvmet_async_events_process sends a queued event whatever AEC says.
  aecGatesAtChange: true,
  // test/guest/nvmet-differential (rule aec-default): Set Features 0Bh = 100h completes with DW0 100h.
  aecSetEchoesValue: true,
};

export const PROFILES: Readonly<Record<ProfileName, Profile>> = { spec, qemu, openvmm, 'openvmm-test': openvmmTest, 'linux-nvmet': linuxNvmet };

export function getProfile(name: string): Profile {
  if (!(name in PROFILES)) throw new RangeError(`unknown profile '${name}': expected one of ${PROFILE_NAMES.join(', ')}`);
  return PROFILES[name as ProfileName];
}
