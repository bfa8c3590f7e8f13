/**
 * `@vm/bus`: the typed interfaces every vm package is built on. Interfaces
 * only: no behaviour, no dependencies. Fakes for unit tests live in the
 * `@vm/bus/test` entry point.
 *
 * @packageDocumentation
 */

export type { PortIoHandler, PortIoRegistry, PortIo } from './port-io.js';
export type { MmioHandler, MmioMapping, MmioOptions, MmioRegistry } from './mmio.js';
export { DmaStatus } from './memory.js';
export type { DmaSpace, GuestMemory, MappingListener, WriteWatcher } from './memory.js';
export type { IrqLine, InterruptAcknowledge } from './irq.js';
export type { Clock, Timer, TimerCallback, TimerQueue } from './time.js';
export type {
  PciBar,
  PciFunction,
  PciIdentity,
  PciInterruptPin,
  PciIoBar,
  PciMemBar,
  PciSlotContext,
} from './pci.js';
export { StateError } from './state.js';
export type { DeviceState, Snapshotable, StateArray, StateRecord, StateValue } from './state.js';
export type { NetBackend, NetReceiver } from './net.js';
export { BlockError } from './block.js';
export type { BlockBackend, BlockErrorKind } from './block.js';
export type { Device, DeviceContext, RealizeResult } from './device.js';
export type { CharBackend, CharReceiver } from './char.js';
export type { PlatformControl, ShadowMemoryControl } from './platform.js';
export { CpuRunState } from './cpu.js';
export type { CpuPlatform, VCpu } from './cpu.js';
