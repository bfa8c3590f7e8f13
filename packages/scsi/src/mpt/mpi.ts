/**
 * Fusion-MPT (MPI 1.2) register offsets, function codes and status values,
 * as defined by the public MPI headers (mpi.h, mpi_ioc.h, mpi_init.h,
 * mpi_cnfg.h).
 *
 * @module
 */

/** System interface register offsets (mpi.h "System Interface Register Set"). */
export const MptReg = {
  /** Doorbell: IOC state on read; reset/handshake functions and handshake dwords on write. */
  Doorbell: 0x00,
  /** Write sequence: the key sequence that enables diagnostic writes. */
  WriteSequence: 0x04,
  /** Host diagnostic register. */
  Diagnostic: 0x08,
  /** Test base address (unused). */
  TestBase: 0x0c,
  /** Diagnostic read/write data (unused). */
  DiagRwData: 0x10,
  /** Diagnostic read/write address (unused). */
  DiagRwAddress: 0x14,
  /** Host interrupt status; any write clears the doorbell interrupt. */
  HostInterruptStatus: 0x30,
  /** Host interrupt mask. */
  HostInterruptMask: 0x34,
  /** Request post FIFO: write a message frame address. */
  RequestQueue: 0x40,
  /** Reply post FIFO on read, reply free FIFO on write. */
  ReplyQueue: 0x44,
  /** High priority request FIFO. */
  HighPriorityQueue: 0x48,
} as const;

/** IOC states in doorbell bits 31:28. */
export const IocState = {
  /** Reset (not yet initialized). */
  Reset: 0x0,
  /** Ready for IOC INIT. */
  Ready: 0x1,
  /** Initialized, processing requests. */
  Operational: 0x2,
  /** Faulted; the doorbell's low 16 bits hold the fault code. */
  Fault: 0x4,
} as const;

/** Doorbell bit 27: a handshake is in progress. */
export const DOORBELL_ACTIVE = 0x08000000;

/** Host interrupt status bits. */
export const His = {
  /** Doorbell interrupt (handshake progress). */
  Doorbell: 0x00000001,
  /** Reply post FIFO not empty. */
  Reply: 0x00000008,
  /** The IOC has not yet consumed the last doorbell write. */
  IopDoorbellStatus: 0x80000000,
} as const;

/** Host interrupt mask bits. */
export const Him = { Doorbell: 0x1, Reply: 0x8 } as const;

/** Doorbell function codes (bits 31:24 of a doorbell write). */
export const DoorbellFn = {
  IocMessageUnitReset: 0x40,
  IoUnitReset: 0x41,
  Handshake: 0x42,
  ReplyFrameRemoval: 0x43,
} as const;

/** Message function codes. */
export const MpiFn = {
  /** SCSI IO request. */
  ScsiIo: 0x00,
  /** SCSI task management. */
  ScsiTaskMgmt: 0x01,
  /** IOC INIT. */
  IocInit: 0x02,
  /** IOC FACTS. */
  IocFacts: 0x03,
  /** CONFIG page access. */
  Config: 0x04,
  /** PORT FACTS. */
  PortFacts: 0x05,
  /** PORT ENABLE. */
  PortEnable: 0x06,
  /** EVENT NOTIFICATION. */
  EventNotification: 0x07,
  /** EVENT ACK. */
  EventAck: 0x08,
} as const;

/** IOCStatus values. */
export const IocStatus = {
  /** Success. */
  Success: 0x0000,
  /** Unsupported function. */
  InvalidFunction: 0x0001,
  /** Busy. */
  Busy: 0x0002,
  /** Malformed scatter/gather list. */
  InvalidSgl: 0x0003,
  /** Internal error. */
  InternalError: 0x0004,
  /** No free request slot. */
  InsufficientResources: 0x0006,
  /** A request field is out of range. */
  InvalidField: 0x0007,
  /** Wrong IOC state. */
  InvalidState: 0x0008,
  /** CONFIG: bad action. */
  ConfigInvalidAction: 0x0020,
  /** CONFIG: bad page type. */
  ConfigInvalidType: 0x0021,
  /** CONFIG: no such page. */
  ConfigInvalidPage: 0x0022,
  /** CONFIG: bad page data. */
  ConfigInvalidData: 0x0023,
  /** SCSI IO: bus other than 0. */
  ScsiInvalidBus: 0x0041,
  /** SCSI IO: target id out of range. */
  ScsiInvalidTargetId: 0x0042,
  /** SCSI IO: no device at that id. */
  ScsiDeviceNotThere: 0x0043,
  /** SCSI IO: fewer bytes than DataLength moved. */
  ScsiDataUnderrun: 0x0045,
  /** SCSI IO: DMA failed. */
  ScsiIoDataError: 0x0046,
  /** SCSI IO: terminated by task management. */
  ScsiTaskTerminated: 0x0048,
  /** SCSI IO: terminated by the IOC. */
  ScsiIocTerminated: 0x004b,
} as const;

/** SCSI IO reply SCSIState bits. */
export const ScsiState = { AutosenseValid: 0x01, AutosenseFailed: 0x02, NoScsiStatus: 0x04, Terminated: 0x08 } as const;

/** SGE flag bits (FlagsLength bits 31:24). */
export const Sge = {
  LastElement: 0x80,
  EndOfBuffer: 0x40,
  TypeMask: 0x30,
  TypeSimple: 0x10,
  TypeChain: 0x30,
  Direction: 0x04,
  Address64: 0x02,
  EndOfList: 0x01,
} as const;

/** Config actions. */
export const ConfigAction = {
  PageHeader: 0,
  ReadCurrent: 1,
  WriteCurrent: 2,
  Default: 3,
  WriteNvram: 4,
  ReadDefault: 5,
  ReadNvram: 6,
} as const;

/** Config page types. */
export const PageType = {
  IoUnit: 0x00,
  Ioc: 0x01,
  Bios: 0x02,
  ScsiPort: 0x03,
  ScsiDevice: 0x04,
  Manufacturing: 0x09,
  Extended: 0x0f,
} as const;

/** Task management types. */
export const TaskType = {
  AbortTask: 1,
  AbortTaskSet: 2,
  TargetReset: 3,
  ResetBus: 4,
  LogicalUnitReset: 5,
  ClearTaskSet: 6,
  QueryTask: 7,
} as const;

/** Event codes. */
export const MpiEvent = {
  /** No event. */
  None: 0x00,
  /** The IOC reset the SCSI bus (task management RESET BUS). */
  IocBusReset: 0x04,
  /** Event notification switched on or off. */
  EventChange: 0x0a,
} as const;

/** MsgFlags bit of a continued event reply. */
export const MSGFLAGS_CONTINUATION_REPLY = 0x80;
