/**
 * One port of a VMnet switch: the {@link NetBackend} a NIC's cable plugs into.
 *
 * @module
 */
import type { NetBackend, NetReceiver } from '@vm/bus';
import type { FrameTap } from './frame-tap.js';
import { formatMac, macHigh, macLow, parseMac, type MacInput } from './mac.js';
import { DEFAULT_PORT_POLICY, type PortPolicy } from './port-policy.js';
import { PortStats, StatSlot } from './port-stats.js';
import type { Vmnet } from './vmnet.js';

/** How to create a port. */
export interface VmnetPortOptions {
  /** Name for diagnostics (default `port<N>`). */
  readonly name?: string;
  /**
   * The MAC assigned to the NIC on this port (from the VM's configuration).
   * `null` (the default) for a port without one, such as an uplink: no
   * forged-transmit or MAC-change checks apply.
   */
  readonly mac?: MacInput | null;
  /** Security policy; unspecified fields take {@link DEFAULT_PORT_POLICY}. */
  readonly policy?: Partial<PortPolicy>;
}

/**
 * A switch port. Give it to a NIC as its `NetBackend`; the switch delivers
 * frames to the `NetReceiver` the NIC attaches. Created by
 * {@link Vmnet.createPort}.
 */
export class VmnetPort implements NetBackend {
  /** The port's name. */
  readonly name: string;
  /** Slot number in its switch. */
  readonly index: number;
  /** Traffic and drop counters. */
  readonly stats: PortStats;
  /** @internal the stats' raw counters, for the forwarding path */
  readonly counters: Float64Array;
  /** @internal the attached NIC */
  receiver: NetReceiver | null;
  /** @internal the switch, or null once removed */
  owner: Vmnet | null;
  /** @internal administrative link state */
  adminUp: boolean;
  /** @internal true when the port has an assigned MAC */
  readonly hasMac: boolean;
  /** @internal assigned MAC, high 16 / low 32 bits */
  readonly assignedHigh: number;
  /** @internal */
  readonly assignedLow: number;
  /** @internal effective (guest-programmed) MAC */
  effectiveHigh: number;
  /** @internal */
  effectiveLow: number;
  /** @internal inbound frames are dropped: MAC changed against policy */
  macBlocked: boolean;
  /** @internal promiscuous mode requested and allowed */
  promiscuousActive: boolean;
  /** @internal taps seeing this port's traffic both ways */
  readonly captures: FrameTap[];
  private promiscuousRequested: boolean;
  private currentPolicy: PortPolicy;
  private readonly assignedBytes: Uint8Array | null;
  private readonly effectiveBytes: Uint8Array;

  /** @internal use {@link Vmnet.createPort} */
  constructor(owner: Vmnet, index: number, options: VmnetPortOptions) {
    this.name = options.name ?? `port${index}`;
    this.index = index;
    this.stats = new PortStats();
    this.counters = this.stats.counters;
    this.receiver = null;
    this.owner = owner;
    this.adminUp = true;
    const mac = options.mac === undefined || options.mac === null ? null : parseMac(options.mac);
    this.assignedBytes = mac;
    this.effectiveBytes = mac === null ? new Uint8Array(6) : mac.slice();
    this.hasMac = mac !== null;
    this.assignedHigh = mac === null ? -1 : macHigh(mac, 0);
    this.assignedLow = mac === null ? 0 : macLow(mac, 0);
    this.effectiveHigh = this.assignedHigh;
    this.effectiveLow = this.assignedLow;
    this.macBlocked = false;
    this.promiscuousActive = false;
    this.promiscuousRequested = false;
    this.currentPolicy = { ...DEFAULT_PORT_POLICY, ...options.policy };
    this.captures = [];
  }

  /** @inheritDoc */
  sendFrame(frame: Uint8Array): void {
    const owner = this.owner;
    if (owner === null) {
      this.counters[StatSlot.DropLinkDown]!++;
      return;
    }
    owner.ingress(this, frame);
  }

  /** @inheritDoc */
  attach(receiver: NetReceiver | null): void {
    this.receiver = receiver;
  }

  /** True while the port belongs to a switch and is administratively up. */
  get linkUp(): boolean {
    return this.owner !== null && this.adminUp;
  }

  /** The switch this port belongs to, or null after removal. */
  get vmnet(): Vmnet | null {
    return this.owner;
  }

  /** Bring the port's link up or down (down drops traffic both ways as `linkDown`). */
  setLinkUp(up: boolean): void {
    this.adminUp = up;
  }

  /** The current policy. */
  get policy(): PortPolicy {
    return this.currentPolicy;
  }

  /** Change some policy fields; promiscuous and MAC-change state is re-evaluated. */
  setPolicy(policy: Partial<PortPolicy>): void {
    this.currentPolicy = { ...this.currentPolicy, ...policy };
    this.refresh();
  }

  /**
   * The NIC (or its management) asks for promiscuous mode. It takes effect
   * only while the policy allows it.
   * @returns whether promiscuous mode is now active
   */
  setPromiscuous(on: boolean): boolean {
    this.promiscuousRequested = on;
    this.refresh();
    return this.promiscuousActive;
  }

  /** True when promiscuous mode was requested and is allowed. */
  get promiscuous(): boolean {
    return this.promiscuousActive;
  }

  /**
   * Record the MAC the guest programmed into its NIC (the effective MAC).
   * Forged-transmit checks compare source MACs with it; with MAC changes
   * forbidden, a value other than the assigned MAC blocks inbound frames.
   * Ignored on ports without an assigned MAC.
   */
  setEffectiveMac(mac: MacInput): void {
    if (!this.hasMac) return;
    const bytes = parseMac(mac);
    this.effectiveBytes.set(bytes);
    this.effectiveHigh = macHigh(bytes, 0);
    this.effectiveLow = macLow(bytes, 0);
    this.refresh();
  }

  /** The assigned MAC as text, or null. */
  get assignedMac(): string | null {
    return this.assignedBytes === null ? null : formatMac(this.assignedBytes);
  }

  /** The effective MAC as text, or null. */
  get effectiveMac(): string | null {
    return this.hasMac ? formatMac(this.effectiveBytes) : null;
  }

  /** Observe every frame this port sends into or receives from the switch. */
  addCapture(tap: FrameTap): void {
    this.captures.push(tap);
  }

  /** Stop observing with `tap`. */
  removeCapture(tap: FrameTap): void {
    const i = this.captures.indexOf(tap);
    if (i >= 0) this.captures.splice(i, 1);
  }

  /** Remove the port from its switch (same as {@link Vmnet.removePort}). */
  disconnect(): void {
    this.owner?.removePort(this);
  }

  private refresh(): void {
    const policy = this.currentPolicy;
    const wasPromiscuous = this.promiscuousActive;
    this.promiscuousActive = this.promiscuousRequested && policy.allowPromiscuous;
    this.macBlocked =
      this.hasMac &&
      !policy.allowMacChanges &&
      (this.effectiveHigh !== this.assignedHigh || this.effectiveLow !== this.assignedLow);
    if (wasPromiscuous !== this.promiscuousActive) this.owner?.promiscuousChanged(this.promiscuousActive ? 1 : -1);
  }
}
