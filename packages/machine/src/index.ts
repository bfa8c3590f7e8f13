/**
 * `@vm/machine`: the thin assembly of vm. Typed machine configurations and
 * the VMware `.vmx` format (parse, validate, write); virtual time (a
 * deterministic or real-time {@link VirtualClock} and a heap
 * {@link TimerQueue}); the interrupt fabric ({@link IrqRouter}); and the
 * {@link Machine} that wires memory, ports, interrupts, time, devices and a
 * CPU together and runs it in budgeted slices. Test helpers (a scripted
 * CPU, a test machine builder) are in `@vm/machine/test`.
 *
 * @packageDocumentation
 */

export { VirtualClock } from './time/virtual-clock.js';
export type {
  ClockHorizon,
  ClockMode,
  DeterministicClockOptions,
  RealtimeClockOptions,
  VirtualClockOptions,
  VirtualClockState,
  WorkCounter,
} from './time/virtual-clock.js';
export { QueueTimer, TimerQueue } from './time/timer-queue.js';
export type { TimerServiceClock, TimerState } from './time/timer-queue.js';

export type {
  CpuSchedConfig,
  DirectBootConfig,
  DiskMode,
  EthernetConfig,
  EthernetVirtualDev,
  MacAddressType,
  MachineConfig,
  MemSchedConfig,
  ScsiAdapterConfig,
  ScsiDeviceConfig,
  ScsiDeviceType,
  ScsiVirtualDev,
  SerialFileType,
  SerialPortConfig,
  Shares,
} from './config/types.js';
export { createMachineConfig, defaultMachineConfig, ethernet, scsiAdapter, scsiDevice, serialPort } from './config/defaults.js';
export { CONFIG_LIMITS, validateMachineConfig } from './config/validate.js';
export {
  isShares,
  macInVmwareRange,
  parseAffinity,
  parseBool,
  parseEnum,
  parseInteger,
  parseMac,
  parseShares,
  parseUuid,
  sharesValue,
  VMWARE_MAC_RANGES,
} from './config/values.js';
export type { MacRange, Parsed } from './config/values.js';

export { formatDiagnostic, VmxError } from './vmx/diagnostic.js';
export type { VmxDiagnostic, VmxSeverity } from './vmx/diagnostic.js';
export { VmxDocument } from './vmx/document.js';
export type { VmxEntry } from './vmx/document.js';
export { escapeVmxValue, unescapeVmxValue } from './vmx/escape.js';
export type { UnescapeResult } from './vmx/escape.js';
export { parseVmx } from './vmx/parse.js';
export type { VmxParseResult } from './vmx/parse.js';
export { writeVmx } from './vmx/write.js';
export { configFromVmx } from './vmx/config-from-vmx.js';
export type { VmxConfigResult } from './vmx/config-from-vmx.js';
export { configToVmx } from './vmx/config-to-vmx.js';
export { loadVmxConfig, readVmxConfig, saveVmxConfig } from './vmx/load.js';

export { IrqRouter, IrqSource } from './irq/irq-router.js';
export type { IrqRouterState } from './irq/irq-router.js';
export { ForwardingLine } from './irq/forwarding-line.js';
export { PlatformRequests } from './platform/platform-requests.js';
export type { PlatformRequest } from './platform/platform-requests.js';
export { captureMemory, restoreMemory } from './memory-image.js';
export type { MemoryImage } from './memory-image.js';
export { Machine, MachineError } from './machine.js';
export type {
  HostRunOptions,
  MachineOptions,
  MachineSnapshot,
  PowerOffInfo,
  ResetInfo,
  RunLimits,
  RunResult,
  RunStop,
  SliceResult,
  SliceStop,
} from './machine.js';
export { machineOptionsFromConfig } from './machine-options.js';
export { applyEntryState, bootLinux, createPc, loadFirmware } from './presets/pc.js';
export type { Pc, PcOptions } from './presets/pc.js';
