/**
 * The device lifecycle: construct (pure) -> realize (attach to a machine) ->
 * reset / run / snapshot / restore -> destroy.
 *
 * @module
 */

import type { DmaSpace } from './memory.js';
import type { MmioRegistry } from './mmio.js';
import type { PortIoRegistry } from './port-io.js';
import type { Snapshotable } from './state.js';
import type { Clock, TimerQueue } from './time.js';

/** What a machine gives a device when it realizes it. */
export interface DeviceContext {
  /** Register port I/O handlers. */
  readonly ports: PortIoRegistry;
  /** Map MMIO regions. */
  readonly mmio: MmioRegistry;
  /** DMA into guest-physical memory (ISA-style devices; PCI devices use their slot's). */
  readonly memory: DmaSpace;
  /** Virtual time. */
  readonly clock: Clock;
  /** Create timers. */
  readonly timers: TimerQueue;
}

/** The outcome of {@link Device.realize}: a typed error rather than a throw. */
export type RealizeResult = { readonly ok: true } | { readonly ok: false; readonly error: string };

/**
 * A device model. The constructor takes configuration and the device's
 * wires (IRQ lines, backends) and touches nothing else.
 */
export interface Device extends Snapshotable {
  /** Instance name, e.g. `"uart0"`. */
  readonly name: string;
  /** Register ports, regions and timers with the machine. */
  realize(ctx: DeviceContext): RealizeResult;
  /** Power-on/hard reset: local state first, then IRQ outputs. */
  reset(): void;
  /** Release host resources (files, sockets, timers). The device is not used again. */
  destroy(): void;
}
