import type { Device, DeviceContext, DeviceState, IrqLine, PlatformControl, PortIoHandler, RealizeResult } from '@vm/bus';
import { PortClaims } from './realize-ports.js';
import { StateReader } from './state-reader.js';

/** Configuration of a {@link SystemControlPortA}. */
export interface SystemControlPortAConfig {
  /** Instance name (default `"port92"`). */
  readonly name?: string;
  /** Fast A20 gate output: raised = A20 enabled (combine with the 8042's through {@link A20Gate}). */
  readonly a20: IrqLine;
  /** Receives the fast reset. */
  readonly platform: PlatformControl;
}

/**
 * Port 0x92, "System Control Port A" (PIIX3 Port 92h): bit 1 is the fast A20
 * gate, a 0-to-1 transition of bit 0 resets the CPU (fast INIT). The other
 * bits are plain storage.
 */
export class SystemControlPortA implements Device, PortIoHandler {
  /** @inheritDoc */
  readonly name: string;
  /** @inheritDoc */
  readonly stateName = 'port92';
  /** @inheritDoc */
  readonly stateVersion = 1;
  private readonly claims = new PortClaims();
  private readonly a20: IrqLine;
  private readonly platform: PlatformControl;
  private value = 0;

  /** @param config the A20 wire and platform control */
  constructor(config: SystemControlPortAConfig) {
    this.name = config.name ?? 'port92';
    this.a20 = config.a20;
    this.platform = config.platform;
  }

  /** @inheritDoc */
  realize(ctx: DeviceContext): RealizeResult {
    return this.claims.claim(ctx.ports, 0x92, 1, this, this.name);
  }

  /** @inheritDoc */
  reset(): void {
    this.value = 0;
    this.a20.lower();
  }

  /** @inheritDoc */
  destroy(): void {
    this.claims.release();
  }

  /** Re-drive the A20 output (after a restore). */
  syncOutputs(): void {
    this.a20.set((this.value & 0x02) !== 0);
  }

  /** @inheritDoc */
  read8(_offset: number): number {
    return this.value;
  }

  /** @inheritDoc */
  write8(_offset: number, v: number): void {
    const old = this.value;
    this.value = v & 0xff;
    if ((old ^ v) & 0x02) this.a20.set((v & 0x02) !== 0);
    if (v & 0x01 && (old & 0x01) === 0) this.platform.requestReset('port 0x92: fast reset');
  }

  /** @inheritDoc */
  snapshot(): DeviceState {
    return { name: this.stateName, version: this.stateVersion, fields: { value: this.value } };
  }

  /** @inheritDoc */
  restore(state: DeviceState): void {
    this.value = StateReader.open(state, this.stateName, this.stateVersion).int('value', 0, 255);
  }
}
