// NVMe/TCP Transport Specification 1.0 and NVMe over Fabrics constants, named with the specification's mnemonics:
// PDU types and flags (§3.3, Figure 7), fatal error status values of the termination PDUs (§3.6.2.x, Figures
// 16/17), fabrics command types (NVMe Base 2.0 §6, Figure 540), their status codes, and the SGL descriptor
// identifiers the TCP binding uses (NVMe/TCP 1.0 §3.4, Figure 10). Nothing here encodes or decodes.

/** PDU-Type, common header byte 0 (NVMe/TCP 1.0 Figure 7). */
export const PduType = {
  ICReq: 0x00,
  ICResp: 0x01,
  H2CTermReq: 0x02,
  C2HTermReq: 0x03,
  CapsuleCmd: 0x04,
  CapsuleResp: 0x05,
  H2CData: 0x06,
  C2HData: 0x07,
  R2T: 0x09,
} as const;
export type PduType = (typeof PduType)[keyof typeof PduType];

/** FLAGS, common header byte 1 (NVMe/TCP 1.0 §3.3). */
export const PduFlags = {
  HDGSTF: 1 << 0,
  DDGSTF: 1 << 1,
  /** H2CData / C2HData: the last data PDU of the command. */
  LAST_PDU: 1 << 2,
  /** C2HData: the command completed successfully; no CapsuleResp follows. */
  SUCCESS: 1 << 3,
} as const;

/** HLEN per PDU type (bytes of the PDU header, common header included; digest excluded). */
export const HeaderLength: Readonly<Record<PduType, number>> = {
  [PduType.ICReq]: 128,
  [PduType.ICResp]: 128,
  [PduType.H2CTermReq]: 24,
  [PduType.C2HTermReq]: 24,
  [PduType.CapsuleCmd]: 72,
  [PduType.CapsuleResp]: 24,
  [PduType.H2CData]: 24,
  [PduType.C2HData]: 24,
  [PduType.R2T]: 24,
};

export const COMMON_HEADER_SIZE = 8;
export const DIGEST_SIZE = 4;
/** PFV of NVMe/TCP 1.0 (ICReq/ICResp bytes 9:8). */
export const PFV_1_0 = 0;
/** MAXH2CDATA lower bound (NVMe/TCP 1.0 §3.6.2.3: at least 4,096 bytes). */
export const MIN_MAXH2CDATA = 4096;
/** Error data of a termination PDU: at most the first 128 bytes of the offending PDU header (HLEN 24 + 128 = 152). */
export const TERM_REQ_MAX_DATA = 128;

/** Fatal Error Status of H2CTermReq / C2HTermReq (NVMe/TCP 1.0 Figures 16 and 17). */
export const Fes = {
  INVALID_PDU_HEADER_FIELD: 0x01,
  PDU_SEQUENCE_ERROR: 0x02,
  HEADER_DIGEST_ERROR: 0x03,
  DATA_TRANSFER_OUT_OF_RANGE: 0x04,
  /** H2CTermReq: R2T Limit Exceeded; C2HTermReq: Data Transfer Limit Exceeded. */
  DATA_TRANSFER_LIMIT_EXCEEDED: 0x05,
  UNSUPPORTED_PARAMETER: 0x06,
} as const;

/** The opcode of every fabrics command (NVMe Base 2.0 §6.1). */
export const FABRICS_OPCODE = 0x7f;

/** FCTYPE, SQE byte 4 of a fabrics command (NVMe Base 2.0 Figure 540). */
export const FabricsCommandType = {
  PROPERTY_SET: 0x00,
  CONNECT: 0x01,
  PROPERTY_GET: 0x04,
  AUTHENTICATION_SEND: 0x05,
  AUTHENTICATION_RECEIVE: 0x06,
  DISCONNECT: 0x08,
} as const;

/** Status codes of fabrics commands, SCT 1h (NVMe Base 2.0 Figure 103 / §6.3). */
export const FabricsStatus = {
  CONNECT_INCOMPATIBLE_FORMAT: { sct: 1, sc: 0x80, dnr: true },
  CONNECT_CONTROLLER_BUSY: { sct: 1, sc: 0x81, dnr: true },
  CONNECT_INVALID_PARAMETERS: { sct: 1, sc: 0x82, dnr: true },
  CONNECT_RESTART_DISCOVERY: { sct: 1, sc: 0x83, dnr: true },
  CONNECT_INVALID_HOST: { sct: 1, sc: 0x84, dnr: true },
  /** SCT 3h (Path Related) 22h: Transient Transport Error, what a data digest error completes with (NVMe/TCP 1.0 §3.6.2.x). */
  TRANSIENT_TRANSPORT_ERROR: { sct: 3, sc: 0x22, dnr: false },
} as const;

/** SGL descriptor identifier, byte 15 of a descriptor: type << 4 | subtype (NVMe Base 2.0 §4.1.8, Figures 113/114). */
export const SglId = {
  /** SGL Data Block, subtype Offset: in-capsule data at an offset into the capsule's data (NVMe/TCP 1.0 §3.4). */
  DATA_BLOCK_OFFSET: 0x01,
  /** Transport SGL Data Block, subtype Transport Specific (Ah): data moved by R2T/H2CData or C2HData. */
  TRANSPORT_DATA_BLOCK: 0x5a,
} as const;

/** Size of the Connect command's data (NVMe Base 2.0 Figure 548). */
export const CONNECT_DATA_SIZE = 1024;
/** Connect data CNTLID FFFFh: any controller (dynamic controller model). */
export const CNTLID_DYNAMIC = 0xffff;
/** The NVMe well-known discovery NQN; hosts connect to subsystems by NQN (NVMe Base 2.0 §4.5). */
export const DISCOVERY_NQN = 'nqn.2014-08.org.nvmexpress.discovery';
/** Property ATTRIB bits 2:0 (NVMe Base 2.0 Figures 551/553): 0 = 4 bytes, 1 = 8 bytes. */
export const PropertySize = { FOUR: 0, EIGHT: 1 } as const;
