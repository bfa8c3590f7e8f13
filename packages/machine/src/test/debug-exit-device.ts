import type { Device, DeviceContext, DeviceState, PlatformControl, PortIoHandler, RealizeResult } from '@vm/bus';
import { StateError } from '@vm/bus';

/**
 * A one-port device that powers the machine off when the guest writes to
 * it, with the written value as exit code (like QEMU's isa-debug-exit):
 * tests end a guest program with `OUT port, AL`. Stateless.
 */
export class DebugExitDevice implements Device, PortIoHandler {
  /** @inheritDoc */
  readonly stateName = 'debug-exit';
  /** @inheritDoc */
  readonly stateVersion = 1;

  /**
   * @param platform where the power-off request goes
   * @param port the I/O port (default 0xf4, QEMU's choice)
   * @param name instance name
   */
  constructor(
    private readonly platform: PlatformControl,
    readonly port = 0xf4,
    readonly name = 'debug-exit',
  ) {}

  /** @inheritDoc */
  realize(ctx: DeviceContext): RealizeResult {
    try {
      ctx.ports.register(this.port, 1, this, this.name);
    } catch (e) {
      return { ok: false, error: (e as Error).message };
    }
    return { ok: true };
  }
  /** @inheritDoc */
  read8(): number {
    return 0xff;
  }
  /** @inheritDoc */
  write8(_offset: number, value: number): void {
    this.platform.requestPowerOff('debug exit port', value & 0xff);
  }
  /** @inheritDoc */
  reset(): void {}
  /** @inheritDoc */
  destroy(): void {}
  /** @inheritDoc */
  snapshot(): DeviceState {
    return { name: this.stateName, version: this.stateVersion, fields: {} };
  }
  /** @inheritDoc */
  restore(state: DeviceState): void {
    if (state.name !== this.stateName || state.version !== this.stateVersion) throw new StateError(`${this.name}: not a debug-exit v1 state`);
  }
}
