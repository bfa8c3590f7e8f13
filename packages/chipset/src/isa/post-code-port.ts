import type { Device, DeviceContext, DeviceState, PortIoHandler, RealizeResult } from '@vm/bus';
import { PortClaims } from './realize-ports.js';
import { StateReader } from './state-reader.js';

/** Configuration of a {@link PostCodePort}. */
export interface PostCodePortConfig {
  /** Instance name (default `"post"`). */
  readonly name?: string;
  /** Port (default 0x80). */
  readonly port?: number;
  /** Called with every byte written (BIOS POST progress codes). Linux also writes here as an I/O delay. */
  readonly sink?: (code: number) => void;
}

/**
 * The POST diagnostic port 0x80: every byte written goes to the sink and is
 * remembered as {@link lastCode}. Reads return 0xFF, as from an empty ISA
 * port, since a POST card only listens.
 */
export class PostCodePort implements Device, PortIoHandler {
  /** @inheritDoc */
  readonly name: string;
  /** @inheritDoc */
  readonly stateName = 'post-code';
  /** @inheritDoc */
  readonly stateVersion = 1;
  private readonly claims = new PortClaims();
  /** The last byte written (-1 before the first). */
  lastCode = -1;
  private readonly port: number;
  private readonly sink: ((code: number) => void) | null;

  /** @param config port and sink */
  constructor(config: PostCodePortConfig = {}) {
    this.name = config.name ?? 'post';
    this.port = config.port ?? 0x80;
    this.sink = config.sink ?? null;
  }

  /** @inheritDoc */
  realize(ctx: DeviceContext): RealizeResult {
    return this.claims.claim(ctx.ports, this.port, 1, this, this.name);
  }

  /** @inheritDoc */
  reset(): void {
    this.lastCode = -1;
  }

  /** @inheritDoc */
  destroy(): void {
    this.claims.release();
  }

  /** @inheritDoc */
  read8(_offset: number): number {
    return 0xff;
  }

  /** @inheritDoc */
  write8(_offset: number, v: number): void {
    this.lastCode = v & 0xff;
    if (this.sink !== null) this.sink(v & 0xff);
  }

  /** @inheritDoc */
  snapshot(): DeviceState {
    return { name: this.stateName, version: this.stateVersion, fields: { lastCode: this.lastCode } };
  }

  /** @inheritDoc */
  restore(state: DeviceState): void {
    this.lastCode = StateReader.open(state, this.stateName, this.stateVersion).int('lastCode', -1, 255);
  }
}
