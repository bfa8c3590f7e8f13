/**
 * Telling the network side about the receive filter the guest programmed:
 * promiscuous mode and the station address. A VMnet port uses both for its
 * security policy (ESX's "promiscuous mode" and "MAC address changes").
 *
 * @module
 */
import type { NetBackend } from '@vm/bus';

/**
 * What a `NetBackend` may also offer to follow the NIC's receive filter
 * (`@vm/vmnet`'s `VmnetPort` does). Optional: a backend without these
 * methods is simply not told.
 */
export interface NetFilterListener {
  /** The guest turned unicast promiscuous mode on or off. */
  setPromiscuous(on: boolean): unknown;
  /** The guest programmed station address `mac` (six bytes; copy what you keep). */
  setEffectiveMac(mac: Uint8Array): unknown;
}

/** `backend` as a {@link NetFilterListener}, or null when it does not offer both methods. */
export function filterListenerOf(backend: NetBackend | null): NetFilterListener | null {
  const b = backend as (NetBackend & Partial<NetFilterListener>) | null;
  return b !== null && typeof b.setPromiscuous === 'function' && typeof b.setEffectiveMac === 'function' ? (b as NetBackend & NetFilterListener) : null;
}

/**
 * Reports a NIC's filter state to its backend, only when it changed (guest
 * register writes are frequent; the reports are rare). The first report
 * after construction or {@link forget} always goes out.
 */
export class FilterReporter {
  /** Scratch for the NIC to assemble its station address in. */
  readonly scratch = new Uint8Array(6);
  private readonly listener: NetFilterListener | null;
  private readonly lastMac = new Uint8Array(6);
  private lastPromiscuous = false;
  private known = false;

  constructor(backend: NetBackend | null) {
    this.listener = filterListenerOf(backend);
  }

  /** Report `promiscuous` and the address in {@link scratch}. */
  report(promiscuous: boolean): void {
    const l = this.listener;
    if (l === null) return;
    const m = this.scratch;
    let macChanged = !this.known;
    for (let i = 0; i < 6 && !macChanged; i++) if (m[i] !== this.lastMac[i]) macChanged = true;
    const promiscuousChanged = !this.known || promiscuous !== this.lastPromiscuous;
    this.known = true;
    if (macChanged) {
      this.lastMac.set(m);
      l.setEffectiveMac(m);
    }
    if (promiscuousChanged) {
      this.lastPromiscuous = promiscuous;
      l.setPromiscuous(promiscuous);
    }
  }

  /** Make the next report go out in full (after a restore). */
  forget(): void {
    this.known = false;
  }
}
