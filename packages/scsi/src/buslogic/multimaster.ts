/**
 * BusLogic MultiMaster register and protocol constants (BT-958, firmware
 * 5.07B), as Linux's BusLogic.h names them.
 *
 * @module
 */

/** Status register (port 0, read). */
export const Status = {
  CmdInvalid: 0x01,
  DataInReady: 0x04,
  CmdParamBusy: 0x08,
  HostAdapterReady: 0x10,
  InitRequired: 0x20,
  DiagFailed: 0x40,
  DiagActive: 0x80,
} as const;

/** Control register (port 0, write). */
export const Control = { BusReset: 0x10, IntReset: 0x20, SoftReset: 0x40, HardReset: 0x80 } as const;

/** Interrupt register (port 2, read). */
export const Intr = {
  InboxLoaded: 0x01,
  OutboxAvailable: 0x02,
  CmdComplete: 0x04,
  ExtBusReset: 0x08,
  Valid: 0x80,
} as const;

/** Host adapter command opcodes. */
export const Cmd = {
  TestCmdComplete: 0x00,
  InitMailbox: 0x01,
  ExecMailbox: 0x02,
  InquireBoardId: 0x04,
  EnableOutboxAvailInt: 0x05,
  SetSelectionTimeout: 0x06,
  SetPreemptTime: 0x07,
  SetTimeOffBus: 0x08,
  SetBusTransferRate: 0x09,
  InquireDevices0to7: 0x0a,
  InquireConfiguration: 0x0b,
  EnableTargetMode: 0x0c,
  InquireSetupInfo: 0x0d,
  EchoCommandData: 0x1f,
  HostAdapterDiagnostic: 0x20,
  SetAdapterOptions: 0x21,
  InquireDevices8to15: 0x23,
  InquireTargetDevices: 0x24,
  DisableHostAdapterInt: 0x25,
  InitExtendedMailbox: 0x81,
  InquireFirmware3rdDigit: 0x84,
  InquireFirmwareLetter: 0x85,
  InquirePciInfo: 0x86,
  InquireModelNumber: 0x8b,
  InquireSyncPeriod: 0x8c,
  InquireExtendedSetup: 0x8d,
  StrictRoundRobin: 0x8f,
  FetchLocalRam: 0x91,
  ModifyIoAddress: 0x95,
  SetCcbFormat: 0x96,
} as const;

/** Parameter bytes per opcode; -1 = opcode not supported; -2 = first byte gives the count. */
export const PARAM_COUNT: Int8Array = (() => {
  const t = new Int8Array(256).fill(-1);
  const set: [number, number][] = [
    [Cmd.TestCmdComplete, 0],
    [Cmd.InitMailbox, 4],
    [Cmd.ExecMailbox, 0],
    [Cmd.InquireBoardId, 0],
    [Cmd.EnableOutboxAvailInt, 1],
    [Cmd.SetSelectionTimeout, 4],
    [Cmd.SetPreemptTime, 1],
    [Cmd.SetTimeOffBus, 1],
    [Cmd.SetBusTransferRate, 1],
    [Cmd.InquireDevices0to7, 0],
    [Cmd.InquireConfiguration, 0],
    [Cmd.EnableTargetMode, 2],
    [Cmd.InquireSetupInfo, 1],
    [Cmd.EchoCommandData, 1],
    [Cmd.HostAdapterDiagnostic, 0],
    [Cmd.SetAdapterOptions, -2],
    [Cmd.InquireDevices8to15, 0],
    [Cmd.InquireTargetDevices, 0],
    [Cmd.DisableHostAdapterInt, 1],
    [Cmd.InitExtendedMailbox, 5],
    [Cmd.InquireFirmware3rdDigit, 0],
    [Cmd.InquireFirmwareLetter, 0],
    [Cmd.InquirePciInfo, 0],
    [Cmd.InquireModelNumber, 1],
    [Cmd.InquireSyncPeriod, 1],
    [Cmd.InquireExtendedSetup, 1],
    [Cmd.StrictRoundRobin, 1],
    [Cmd.FetchLocalRam, 2],
    [Cmd.ModifyIoAddress, 1],
    [Cmd.SetCcbFormat, 1],
  ];
  for (const [op, n] of set) t[op] = n;
  return t;
})();

/** Outgoing mailbox action codes. */
export const Action = { Free: 0, Start: 1, Abort: 2 } as const;

/** Incoming mailbox completion codes. */
export const Completion = { Free: 0, Good: 1, AbortedByHost: 2, NotFound: 3, Error: 4 } as const;

/** Host adapter status codes (CCB byte 14, inbox byte 4). */
export const HaStatus = {
  Normal: 0x00,
  SelectionTimeout: 0x11,
  DataOverrun: 0x12,
  InvalidOutboxCode: 0x15,
  InvalidCcbOpcode: 0x16,
  BadCommandParameter: 0x1a,
  HardwareFailure: 0x20,
  HardwareReset: 0x22,
  BusDeviceReset: 0x25,
} as const;

/** CCB opcodes. */
export const CcbOp = {
  Initiator: 0x00,
  InitiatorSg: 0x02,
  InitiatorResidual: 0x03,
  InitiatorSgResidual: 0x04,
  BusDeviceReset: 0x81,
} as const;

/** CCB data direction (byte 1 bits 3-4). */
export const DataDir = { Unchecked: 0, In: 1, Out: 2, None: 3 } as const;

/** Firmware version reported: 5.07B ("W" series). */
export const FIRMWARE = { major: '5', minor: '0', third: '7', letter: 'B' } as const;
