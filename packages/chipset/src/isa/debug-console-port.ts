import type { CharBackend, Device, DeviceContext, DeviceState, PortIoHandler, RealizeResult } from '@vm/bus';
import { PortClaims } from './realize-ports.js';
import { StateReader } from './state-reader.js';

/** Configuration of a {@link DebugConsolePort}. */
export interface DebugConsolePortConfig {
  /** Instance name (default `"debugcon"`). */
  readonly name?: string;
  /** Port (default 0x402, SeaBIOS's debug output; 0xE9 is the Bochs convention). */
  readonly port?: number;
  /** Where the bytes go. */
  readonly backend: CharBackend;
  /**
   * What a read returns (default 0xE9, as QEMU's isa-debugcon): SeaBIOS reads
   * its debug port and only logs there if the value is 0xE9.
   */
  readonly readback?: number;
}

/**
 * A write-only debug console port: each byte written is passed to the
 * backend (SeaBIOS's log at 0x402, or the Bochs/QEMU 0xE9 hack). Stateless.
 */
export class DebugConsolePort implements Device, PortIoHandler {
  /** @inheritDoc */
  readonly name: string;
  /** @inheritDoc */
  readonly stateName = 'debugcon';
  /** @inheritDoc */
  readonly stateVersion = 1;
  private readonly claims = new PortClaims();
  private readonly port: number;
  private readonly backend: CharBackend;
  private readonly readback: number;

  /** @param config port, backend and read-back value */
  constructor(config: DebugConsolePortConfig) {
    this.name = config.name ?? 'debugcon';
    this.port = config.port ?? 0x402;
    this.backend = config.backend;
    this.readback = (config.readback ?? 0xe9) & 0xff;
  }

  /** @inheritDoc */
  realize(ctx: DeviceContext): RealizeResult {
    return this.claims.claim(ctx.ports, this.port, 1, this, this.name);
  }

  /** @inheritDoc */
  reset(): void {}

  /** @inheritDoc */
  destroy(): void {
    this.claims.release();
  }

  /** @inheritDoc */
  read8(_offset: number): number {
    return this.readback;
  }

  /** @inheritDoc */
  write8(_offset: number, v: number): void {
    this.backend.writeByte(v & 0xff);
  }

  /** @inheritDoc */
  snapshot(): DeviceState {
    return { name: this.stateName, version: this.stateVersion, fields: {} };
  }

  /** @inheritDoc */
  restore(state: DeviceState): void {
    StateReader.open(state, this.stateName, this.stateVersion);
  }
}
