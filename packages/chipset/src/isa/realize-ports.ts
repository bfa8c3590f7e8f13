import type { PortIoHandler, PortIoRegistry, RealizeResult } from '@vm/bus';

/**
 * The port ranges a device registered, so `destroy()` can hand them back and
 * a realize that fails half way leaves nothing behind.
 */
export class PortClaims {
  private registry: PortIoRegistry | null = null;
  private readonly ranges: number[] = [];

  /**
   * Register `base .. base + length - 1` for `handler`. On failure (a range
   * outside the port space, or a port another device owns) every range this
   * object claimed so far is released and the error is returned, not thrown.
   */
  claim(registry: PortIoRegistry, base: number, length: number, handler: PortIoHandler, owner: string): RealizeResult {
    if (this.registry !== null && this.registry !== registry) this.release();
    try {
      registry.register(base, length, handler, owner);
    } catch (e) {
      this.registry = registry;
      this.release();
      return { ok: false, error: e instanceof Error ? e.message : String(e) };
    }
    this.registry = registry;
    this.ranges.push(base, length);
    return { ok: true };
  }

  /** Unregister every claimed range. */
  release(): void {
    const r = this.registry;
    if (r !== null) for (let i = 0; i < this.ranges.length; i += 2) r.unregister(this.ranges[i]!, this.ranges[i + 1]!);
    this.ranges.length = 0;
    this.registry = null;
  }
}
