/**
 * A VMnet: an in-memory learning Ethernet switch (IEEE 802.1D transparent
 * bridging without spanning tree). Frames are forwarded synchronously from
 * the sender's buffer: nothing is copied or allocated per frame.
 *
 * @module
 */
import type { Clock, Timer, TimerQueue } from '@vm/bus';
import type { FrameTap } from './frame-tap.js';
import { formatMac, isGroupMac, macHigh, macLow } from './mac.js';
import { MacTable } from './mac-table.js';
import { StatSlot } from './port-stats.js';
import { VmnetPort, type VmnetPortOptions } from './vmnet-port.js';

/** How to build a {@link Vmnet}. */
export interface VmnetOptions {
  /** Virtual time, read for MAC aging and capture timestamps. */
  readonly clock: Clock;
  /** Where the MAC aging timer lives. */
  readonly timers: TimerQueue;
  /** A learned MAC is forgotten this long after it was last seen (default 300 s, 802.1D's default). */
  readonly agingNs?: number;
  /** Most learned MACs (default 4096); beyond that unknown destinations are flooded. */
  readonly macTableSize?: number;
  /** Most ports (default 256). */
  readonly maxPorts?: number;
  /** Largest frame accepted, without FCS (default 16384, room for jumbo frames). */
  readonly maxFrameBytes?: number;
}

/** Switch-wide counters. */
export interface VmnetStats {
  /** Frames accepted into the switch. */
  readonly frames: number;
  /** Frames flooded (group destination or unknown unicast). */
  readonly flooded: number;
  /** Flooded frames whose unicast destination was not (or no longer) learned. */
  readonly unknownUnicast: number;
  /** Source MACs that could not be learned because the table was full. */
  readonly learnTableFull: number;
}

/** One learned MAC, as reported by {@link Vmnet.macTable}. */
export interface MacTableEntry {
  /** The MAC address. */
  readonly mac: string;
  /** The port it was learned on. */
  readonly port: string;
  /** Virtual time it was last seen (ns). */
  readonly lastSeenNs: number;
}

const NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
const MAX_DEPTH = 8;
const V_FRAMES = 0;
const V_FLOODED = 1;
const V_UNKNOWN = 2;
const V_LEARN_FULL = 3;

/**
 * A learning switch. Ports are created with {@link createPort} and handed to
 * NICs (or uplinks) as their `NetBackend`. Frames never leave the switch
 * except through its ports, so two VMnets are isolated from each other.
 */
export class Vmnet {
  /** The VMnet's name (`vmnet0`, `private1`, ...). */
  readonly name: string;
  /** MAC aging time in ns. */
  readonly agingNs: number;
  /** Largest accepted frame in bytes. */
  readonly maxFrameBytes: number;
  private readonly clock: Clock;
  private readonly table: MacTable;
  private readonly slots: (VmnetPort | null)[];
  /** One past the highest slot in use. */
  private highWater: number;
  private promiscuousPorts: number;
  private depth: number;
  private readonly taps: FrameTap[];
  private readonly counters: Float64Array;
  private readonly agingTimer: Timer;

  /**
   * @param name a name starting with a letter (letters, digits, `_.-`)
   * @throws RangeError for a bad name or option
   */
  constructor(name: string, options: VmnetOptions) {
    if (!NAME.test(name)) throw new RangeError(`bad VMnet name ${JSON.stringify(name)}`);
    const agingNs = options.agingNs ?? 300e9;
    const maxPorts = options.maxPorts ?? 256;
    const maxFrameBytes = options.maxFrameBytes ?? 16384;
    if (!(agingNs > 0) || !Number.isFinite(agingNs)) throw new RangeError(`agingNs ${agingNs} must be positive`);
    if (!Number.isInteger(maxPorts) || maxPorts < 1 || maxPorts > 65536) throw new RangeError(`maxPorts ${maxPorts} out of range`);
    if (!Number.isInteger(maxFrameBytes) || maxFrameBytes < 14 || maxFrameBytes > 65535) {
      throw new RangeError(`maxFrameBytes ${maxFrameBytes} out of range 14..65535`);
    }
    this.name = name;
    this.agingNs = agingNs;
    this.maxFrameBytes = maxFrameBytes;
    this.clock = options.clock;
    this.table = new MacTable(options.macTableSize ?? 4096);
    this.slots = new Array<VmnetPort | null>(maxPorts).fill(null);
    this.highWater = 0;
    this.promiscuousPorts = 0;
    this.depth = 0;
    this.taps = [];
    this.counters = new Float64Array(4);
    this.agingTimer = options.timers.createTimer(`${name}.mac-aging`, (now) => this.age(now));
  }

  /**
   * Add a port.
   * @throws RangeError when every port is taken or the MAC is malformed
   */
  createPort(options: VmnetPortOptions = {}): VmnetPort {
    const index = this.slots.indexOf(null);
    if (index < 0) throw new RangeError(`${this.name}: all ${this.slots.length} ports are in use`);
    const port = new VmnetPort(this, index, options);
    this.slots[index] = port;
    if (index >= this.highWater) this.highWater = index + 1;
    return port;
  }

  /** Remove a port: its NIC is detached from the switch and its learned MACs forgotten. */
  removePort(port: VmnetPort): void {
    if (port.owner !== this || this.slots[port.index] !== port) return;
    if (port.promiscuousActive) this.promiscuousPorts--;
    this.slots[port.index] = null;
    port.owner = null;
    while (this.highWater > 0 && this.slots[this.highWater - 1] === null) this.highWater--;
    this.table.forgetPort(port.index);
  }

  /** The ports in slot order. */
  ports(): VmnetPort[] {
    return this.slots.filter((p): p is VmnetPort => p !== null);
  }

  /** The port named `name`, if any. */
  port(name: string): VmnetPort | undefined {
    return this.ports().find((p) => p.name === name);
  }

  /** Observe every frame the switch accepts (after port policy). */
  addCapture(tap: FrameTap): void {
    this.taps.push(tap);
  }

  /** Stop observing with `tap`. */
  removeCapture(tap: FrameTap): void {
    const i = this.taps.indexOf(tap);
    if (i >= 0) this.taps.splice(i, 1);
  }

  /** Switch-wide counters. */
  get stats(): VmnetStats {
    const c = this.counters;
    return { frames: c[V_FRAMES]!, flooded: c[V_FLOODED]!, unknownUnicast: c[V_UNKNOWN]!, learnTableFull: c[V_LEARN_FULL]! };
  }

  /** The learned MACs that have not aged out. */
  macTable(): MacTableEntry[] {
    const now = this.clock.now();
    const out: MacTableEntry[] = [];
    const mac = new Uint8Array(6);
    this.table.forEach((high, low, index, seen) => {
      if (now - seen >= this.agingNs) return;
      mac[0] = high >>> 8;
      mac[1] = high;
      mac[2] = low >>> 24;
      mac[3] = low >>> 16;
      mac[4] = low >>> 8;
      mac[5] = low;
      out.push({ mac: formatMac(mac), port: this.slots[index]?.name ?? '?', lastSeenNs: seen });
    });
    return out;
  }

  /** Forget every learned MAC. */
  flushMacTable(): void {
    this.table.clear();
    this.agingTimer.disarm();
  }

  /** Remove every port and stop the aging timer. */
  destroy(): void {
    for (const port of this.ports()) this.removePort(port);
    this.flushMacTable();
    this.taps.length = 0;
  }

  /** @internal a port's promiscuous state changed by `delta` */
  promiscuousChanged(delta: number): void {
    this.promiscuousPorts += delta;
  }

  /** @internal a frame from `src`'s NIC: the forwarding hot path */
  ingress(src: VmnetPort, frame: Uint8Array): void {
    const c = src.counters;
    const len = frame.length;
    if (len < 14) {
      c[StatSlot.DropRunt]!++;
      return;
    }
    if (len > this.maxFrameBytes) {
      c[StatSlot.DropOversize]!++;
      return;
    }
    if (!src.adminUp) {
      c[StatSlot.DropLinkDown]!++;
      return;
    }
    const srcHigh = macHigh(frame, 6);
    const srcLow = macLow(frame, 6);
    if (src.hasMac && !src.policy.allowForgedTransmits && (srcHigh !== src.effectiveHigh || srcLow !== src.effectiveLow)) {
      c[StatSlot.DropForgedTransmit]!++;
      return;
    }
    // A NIC that answers from inside receiveFrame re-enters here; bound the
    // recursion so two such NICs cannot ping-pong forever.
    if (this.depth >= MAX_DEPTH) {
      c[StatSlot.DropReentrancy]!++;
      return;
    }
    c[StatSlot.FramesIn]!++;
    c[StatSlot.BytesIn]! += len;
    this.counters[V_FRAMES]!++;
    const now = this.clock.now();
    this.depth++;
    try {
      // A group bit in the source is invalid (802.3 §3.2.3): never learn it.
      if ((frame[6]! & 1) === 0) this.learn(srcHigh, srcLow, src.index, now);
      const taps = this.taps;
      for (let i = 0; i < taps.length; i++) taps[i]!.captureFrame(frame, now);
      const srcTaps = src.captures;
      for (let i = 0; i < srcTaps.length; i++) srcTaps[i]!.captureFrame(frame, now);
      if (isGroupMac(frame, 0)) {
        this.flood(src, frame, now);
        return;
      }
      const dst = this.table.lookup(macHigh(frame, 0), macLow(frame, 0), now, this.agingNs);
      if (dst < 0) {
        this.counters[V_UNKNOWN]!++;
        this.flood(src, frame, now);
        return;
      }
      const dstPort = this.slots[dst]!;
      // Filtering (802.1D §7.7.1): a frame for the segment it came from is not forwarded.
      if (dstPort !== src && dstPort !== null) this.egress(dstPort, frame, now);
      if (this.promiscuousPorts > 0) {
        for (let i = 0; i < this.highWater; i++) {
          const p = this.slots[i]!;
          if (p !== null && p !== src && p !== dstPort && p.promiscuousActive) this.egress(p, frame, now);
        }
      }
    } finally {
      this.depth--;
    }
  }

  private learn(high: number, low: number, port: number, now: number): void {
    const r = this.table.learn(high, low, port, now);
    if (r < 0) this.counters[V_LEARN_FULL]!++;
    else if (r > 0 && this.agingTimer.deadline < 0) this.agingTimer.arm(now + this.agingNs);
  }

  private flood(src: VmnetPort, frame: Uint8Array, now: number): void {
    this.counters[V_FLOODED]!++;
    for (let i = 0; i < this.highWater; i++) {
      const p = this.slots[i]!;
      if (p !== null && p !== src) this.egress(p, frame, now);
    }
  }

  private egress(port: VmnetPort, frame: Uint8Array, now: number): void {
    const c = port.counters;
    const receiver = port.receiver;
    if (receiver === null || !port.adminUp) {
      c[StatSlot.DropLinkDown]!++;
      return;
    }
    if (port.macBlocked) {
      c[StatSlot.DropMacChange]!++;
      return;
    }
    const taps = port.captures;
    for (let i = 0; i < taps.length; i++) taps[i]!.captureFrame(frame, now);
    if (receiver.receiveFrame(frame)) {
      c[StatSlot.FramesOut]!++;
      c[StatSlot.BytesOut]! += frame.length;
    } else {
      c[StatSlot.DropReceiverBusy]!++;
    }
  }

  private age(now: number): void {
    const oldest = this.table.expire(now, this.agingNs);
    if (oldest >= 0) this.agingTimer.arm(oldest + this.agingNs);
  }
}
