import type { PlatformControl } from '@vm/bus';

/** A request waiting to be carried out between slices. */
export type PlatformRequest =
  | {
      /** Reset the machine. */
      readonly kind: 'reset';
      /** Who asked, and why. */
      readonly reason: string;
    }
  | {
      /** Power the machine off. */
      readonly kind: 'power-off';
      /** Who asked, and why. */
      readonly reason: string;
      /** Exit status. */
      readonly code: number;
    };

/**
 * The machine's {@link PlatformControl}: devices (8042 reset, port 0xCF9,
 * ACPI, a test exit port) and the CPU (triple fault) request a reset or a
 * power-off; the request is only recorded here, and the CPU is asked to end
 * its slice, so the machine carries it out between instructions. A power-off
 * wins over a reset requested in the same slice.
 */
export class PlatformRequests implements PlatformControl {
  private pending: PlatformRequest | null;
  private readonly kick: () => void;

  /** @param kick called on every request to end the current CPU slice early */
  constructor(kick: () => void = () => {}) {
    this.pending = null;
    this.kick = kick;
  }

  /** @inheritDoc */
  requestReset(reason: string): void {
    if (this.pending === null) this.pending = { kind: 'reset', reason };
    this.kick();
  }

  /** @inheritDoc */
  requestPowerOff(reason: string, code = 0): void {
    if (this.pending === null || this.pending.kind === 'reset') this.pending = { kind: 'power-off', reason, code: code | 0 };
    this.kick();
  }

  /** The request waiting, if any, without taking it. */
  peek(): PlatformRequest | null {
    return this.pending;
  }

  /** Take the waiting request (the machine is about to carry it out). */
  take(): PlatformRequest | null {
    const p = this.pending;
    this.pending = null;
    return p;
  }
}
