import type { Clock, Device, DeviceContext, DeviceState, PortIoHandler, RealizeResult } from '@vm/bus';
import { IDLE_CLOCK } from './idle-time.js';
import { PortClaims } from './realize-ports.js';
import type { Pit8254 } from './pit8254.js';
import { StateReader } from './state-reader.js';

/** Configuration of a {@link SystemControlPortB}. */
export interface SystemControlPortBConfig {
  /** Instance name (default `"port61"`). */
  readonly name?: string;
  /** The PIT whose counter 2 GATE and OUT this port reaches. */
  readonly pit: Pit8254;
}

/** The refresh request toggles every 15.085 us (the DRAM refresh period of a PC/AT). */
const REFRESH_PERIOD_NS = 15_085;

/**
 * Port 0x61, the PIIX3's NMI Status and Control register ("port B"): bit 0
 * gates PIT counter 2, bit 1 enables the speaker data, bits 2-3 are the
 * SERR#/IOCHK# NMI enables; reads add bit 4 (refresh toggle, from virtual
 * time: BIOS and Linux delay loops count its flips), bit 5 (counter 2 OUT,
 * polled by TSC calibration) and bits 6-7 (NMI sources, never set here).
 */
export class SystemControlPortB implements Device, PortIoHandler {
  /** @inheritDoc */
  readonly name: string;
  /** @inheritDoc */
  readonly stateName = 'port61';
  /** @inheritDoc */
  readonly stateVersion = 1;
  private readonly claims = new PortClaims();
  private readonly pit: Pit8254;
  private clock: Clock = IDLE_CLOCK;
  /** The writable bits 0..3. */
  private control = 0;

  /** @param config the PIT to reach */
  constructor(config: SystemControlPortBConfig) {
    this.name = config.name ?? 'port61';
    this.pit = config.pit;
  }

  /** Whether the speaker sounds (counter 2 gated and speaker data enabled). */
  get speakerOn(): boolean {
    return (this.control & 3) === 3;
  }

  /** @inheritDoc */
  realize(ctx: DeviceContext): RealizeResult {
    const r = this.claims.claim(ctx.ports, 0x61, 1, this, this.name);
    if (!r.ok) return r;
    this.clock = ctx.clock;
    return { ok: true };
  }

  /** @inheritDoc */
  reset(): void {
    this.control = 0;
    this.pit.setGate(2, false);
  }

  /** @inheritDoc */
  destroy(): void {
    this.claims.release();
  }

  /** @inheritDoc */
  read8(_offset: number): number {
    const refresh = Math.floor(this.clock.now() / REFRESH_PERIOD_NS) & 1;
    return this.control | (refresh << 4) | (this.pit.outLevel(2) ? 0x20 : 0);
  }

  /** @inheritDoc */
  write8(_offset: number, value: number): void {
    this.control = value & 0x0f;
    this.pit.setGate(2, (value & 1) !== 0);
  }

  /** @inheritDoc */
  snapshot(): DeviceState {
    return { name: this.stateName, version: this.stateVersion, fields: { control: this.control } };
  }

  /** @inheritDoc */
  restore(state: DeviceState): void {
    this.control = StateReader.open(state, this.stateName, this.stateVersion).int('control', 0, 15);
  }
}
