import type { Device, DeviceContext, DeviceState, PlatformControl, PortIoHandler, RealizeResult } from '@vm/bus';
import { PortClaims } from './realize-ports.js';
import { StateReader } from './state-reader.js';

/** Configuration of a {@link ResetControlRegister}. */
export interface ResetControlRegisterConfig {
  /** Instance name (default `"rcr"`). */
  readonly name?: string;
  /** Receives the reset. */
  readonly platform: PlatformControl;
  /**
   * Register port 0xCF9 itself (default true). A PCI host bridge that owns
   * 0xCF8-0xCFB as one dword register can instead forward byte accesses at
   * 0xCF9 to {@link ResetControlRegister.read8}/{@link ResetControlRegister.write8}.
   */
  readonly registerPort?: boolean;
}

/**
 * The PIIX3 Reset Control register at 0xCF9: bit 1 (SRST) chooses a hard
 * (system) or soft (CPU only) reset, and writing bit 2 (RCPU) as 1 starts it.
 * Linux's `reboot=pci` writes 0x02 then 0x06. Only SRST is kept; RCPU reads 0.
 */
export class ResetControlRegister implements Device, PortIoHandler {
  /** @inheritDoc */
  readonly name: string;
  /** @inheritDoc */
  readonly stateName = 'piix3-rcr';
  /** @inheritDoc */
  readonly stateVersion = 1;
  private readonly claims = new PortClaims();
  private readonly platform: PlatformControl;
  private readonly registerPort: boolean;
  private value = 0;

  /** @param config platform control and port option */
  constructor(config: ResetControlRegisterConfig) {
    this.name = config.name ?? 'rcr';
    this.platform = config.platform;
    this.registerPort = config.registerPort ?? true;
  }

  /** @inheritDoc */
  realize(ctx: DeviceContext): RealizeResult {
    return this.registerPort ? this.claims.claim(ctx.ports, 0xcf9, 1, this, this.name) : { ok: true };
  }

  /** @inheritDoc */
  reset(): void {
    this.value = 0;
  }

  /** @inheritDoc */
  destroy(): void {
    this.claims.release();
  }

  /** @inheritDoc */
  read8(_offset: number): number {
    return this.value;
  }

  /** @inheritDoc */
  write8(_offset: number, v: number): void {
    this.value = v & 0x02;
    if (v & 0x04) this.platform.requestReset(v & 0x02 ? 'port 0xcf9: hard reset' : 'port 0xcf9: soft reset');
  }

  /** @inheritDoc */
  snapshot(): DeviceState {
    return { name: this.stateName, version: this.stateVersion, fields: { value: this.value } };
  }

  /** @inheritDoc */
  restore(state: DeviceState): void {
    this.value = StateReader.open(state, this.stateName, this.stateVersion).int('value', 0, 2) & 0x02;
  }
}
