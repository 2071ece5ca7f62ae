// NVMe constants named with the specification's mnemonics (NVMe Base 2.0; section numbers of 1.4 noted
// where the reference facts use them). Only what the emulator, the host driver and the scenarios need:
// admin opcodes, status codes, log pages, features, asynchronous event types, BAR0 registers, CNS values.

/** Admin command opcodes (NVMe Base 2.0 §5, Figure 28). */
export const AdminOpcode = {
  DELETE_IO_SQ: 0x00,
  CREATE_IO_SQ: 0x01,
  GET_LOG_PAGE: 0x02,
  DELETE_IO_CQ: 0x04,
  CREATE_IO_CQ: 0x05,
  IDENTIFY: 0x06,
  ABORT: 0x08,
  SET_FEATURES: 0x09,
  GET_FEATURES: 0x0a,
  ASYNC_EVENT_REQUEST: 0x0c,
  NAMESPACE_ATTACHMENT: 0x15,
  KEEP_ALIVE: 0x18,
} as const;
export type AdminOpcode = (typeof AdminOpcode)[keyof typeof AdminOpcode];

/** NVM Command Set I/O opcodes (NVM Command Set 1.0 §3, Figure 16): the ones this controller implements. */
export const IoOpcode = {
  FLUSH: 0x00,
  WRITE: 0x01,
  READ: 0x02,
} as const;

/** Status Code Type (CQE DW3 bits 27:25). */
export const StatusCodeType = {
  GENERIC: 0x0,
  COMMAND_SPECIFIC: 0x1,
  MEDIA: 0x2,
  PATH: 0x3,
  VENDOR: 0x7,
} as const;

/** A completion status: SCT, SC and DNR. The one internal form; codecs convert at the wire. */
export interface Status {
  readonly sct: number;
  readonly sc: number;
  readonly dnr: boolean;
}

const status = (sct: number, sc: number, dnr = false): Status => Object.freeze({ sct, sc, dnr });

/** Status values used by this controller (NVMe Base 2.0 §4.6.1.2). `withDnr` adds Do Not Retry. */
export const Status = {
  SUCCESS: status(0, 0x00),
  INVALID_OPCODE: status(0, 0x01),
  INVALID_FIELD: status(0, 0x02),
  DATA_TRANSFER_ERROR: status(0, 0x04),
  INTERNAL_ERROR: status(0, 0x06),
  COMMAND_ABORT_REQUESTED: status(0, 0x07),
  INVALID_NAMESPACE: status(0, 0x0b),
  COMMAND_SEQUENCE_ERROR: status(0, 0x0c),
  /** NVM Command Set 1.0 §3.2.2 (Figure 14): SLBA + NLB beyond the namespace's size. */
  LBA_OUT_OF_RANGE: status(0, 0x80),
  COMPLETION_QUEUE_INVALID: status(1, 0x00),
  INVALID_QUEUE_IDENTIFIER: status(1, 0x01),
  INVALID_QUEUE_SIZE: status(1, 0x02),
  INVALID_INTERRUPT_VECTOR: status(1, 0x08),
  INVALID_QUEUE_DELETION: status(1, 0x0c),
  ABORT_LIMIT_EXCEEDED: status(1, 0x03),
  AER_LIMIT_EXCEEDED: status(1, 0x05),
  INVALID_LOG_PAGE: status(1, 0x09),
  FEATURE_NOT_SAVEABLE: status(1, 0x0d),
  NAMESPACE_ALREADY_ATTACHED: status(1, 0x18),
  NAMESPACE_IS_PRIVATE: status(1, 0x19),
  NAMESPACE_NOT_ATTACHED: status(1, 0x1a),
  CONTROLLER_LIST_INVALID: status(1, 0x1c),
  withDnr: (s: Status): Status => status(s.sct, s.sc, true),
  equals: (a: Status, b: Status): boolean => a.sct === b.sct && a.sc === b.sc && a.dnr === b.dnr,
  format: (s: Status): string =>
    `${s.sct.toString(16)}/${s.sc.toString(16).padStart(2, '0').toUpperCase()}h${s.dnr ? ' DNR' : ''}`,
} as const;

/** Log Page Identifiers (NVMe Base 2.0 §5.16.1). */
export const LogPage = {
  SUPPORTED_LOG_PAGES: 0x00,
  ERROR_INFORMATION: 0x01,
  SMART_HEALTH: 0x02,
  FIRMWARE_SLOT: 0x03,
  CHANGED_NAMESPACE_LIST: 0x04,
} as const;

/** Feature Identifiers (NVMe Base 2.0 §5.27.1). */
export const FeatureId = {
  NUMBER_OF_QUEUES: 0x07,
  ASYNC_EVENT_CONFIG: 0x0b,
} as const;

/** Asynchronous Event Configuration (FID 0Bh) CDW11 bits (NVMe Base 2.0 §5.27.1.9). */
export const AsyncEventConfig = {
  SMART_CRITICAL_WARNINGS: 0xff,
  NAMESPACE_ATTRIBUTE_NOTICES: 1 << 8,
  FIRMWARE_ACTIVATION_NOTICES: 1 << 9,
} as const;

/** Asynchronous Event Type, CQE DW0 bits 2:0 (NVMe Base 2.0 §5.2, Figure 146). */
export const AsyncEventType = {
  ERROR: 0,
  SMART_HEALTH: 1,
  NOTICE: 2,
  IO_COMMAND_SPECIFIC: 6,
  VENDOR_SPECIFIC: 7,
} as const;

/** Asynchronous Event Information for the Error and Notice types (NVMe Base 2.0 §5.2, Figures 147, 149). */
export const AsyncEventInfo = {
  ERROR_INVALID_DOORBELL_REGISTER: 0x00,
  ERROR_INVALID_DOORBELL_VALUE: 0x01,
  NOTICE_NAMESPACE_ATTRIBUTE_CHANGED: 0x00,
  NOTICE_FIRMWARE_ACTIVATION_STARTING: 0x01,
} as const;

/** Identify CNS values (NVMe Base 2.0 §5.17.1). */
export const Cns = {
  NAMESPACE: 0x00,
  CONTROLLER: 0x01,
  ACTIVE_NAMESPACE_LIST: 0x02,
  /** Namespace Identification Descriptor list (§5.17.2.3). */
  NAMESPACE_ID_DESCRIPTORS: 0x03,
} as const;

/** Namespace Attachment SEL (CDW10 bits 3:0, NVMe Base 2.0 §5.23). */
export const AttachmentSelect = {
  ATTACH: 0x0,
  DETACH: 0x1,
} as const;

/** BAR0 register offsets (NVMe Base 2.0 §3.1.3, Figure 33). */
export const Register = {
  CAP: 0x00,
  VS: 0x08,
  INTMS: 0x0c,
  INTMC: 0x10,
  CC: 0x14,
  CSTS: 0x1c,
  NSSR: 0x20,
  AQA: 0x24,
  ASQ: 0x28,
  ACQ: 0x30,
  /** Submission Queue 0 Tail Doorbell; queue y's doorbells are at 1000h + (2y [+1]) * (4 << CAP.DSTRD). */
  SQ0TDBL: 0x1000,
} as const;

/** CC fields (NVMe Base 2.0 §3.1.3.5). */
export const Cc = {
  EN: 1 << 0,
  CSS_SHIFT: 4,
  CSS_MASK: 0x7,
  MPS_SHIFT: 7,
  MPS_MASK: 0xf,
  AMS_SHIFT: 11,
  AMS_MASK: 0x7,
  SHN_SHIFT: 14,
  SHN_MASK: 0x3,
  IOSQES_SHIFT: 16,
  IOSQES_MASK: 0xf,
  IOCQES_SHIFT: 20,
  IOCQES_MASK: 0xf,
} as const;

/** CSTS fields (NVMe Base 2.0 §3.1.3.6). */
export const Csts = {
  RDY: 1 << 0,
  CFS: 1 << 1,
  SHST_SHIFT: 2,
  SHST_NORMAL: 0b00,
  SHST_OCCURRING: 0b01,
  SHST_COMPLETE: 0b10,
} as const;

export const SQE_SIZE = 64;
export const CQE_SIZE = 16;
export const PAGE_SIZE = 4096;
export const IDENTIFY_SIZE = 4096;
/** The Changed Namespace List holds up to 1024 NSIDs (NVMe Base 2.0 §5.16.1.5). */
export const CHANGED_NS_LIST_ENTRIES = 1024;
export const CHANGED_NS_LIST_SIZE = CHANGED_NS_LIST_ENTRIES * 4;
/** Entry 0 of an overflowed Changed Namespace List. */
export const CHANGED_NS_LIST_OVERFLOW = 0xffffffff;
export const NSID_BROADCAST = 0xffffffff;
