/**
 * Per-port counters, held in one Float64Array so that counting a frame on
 * the forwarding path never allocates.
 *
 * @module
 */

/** Why a port dropped a frame. */
export type DropReason =
  | 'runt'
  | 'oversize'
  | 'forgedTransmit'
  | 'macChange'
  | 'linkDown'
  | 'receiverBusy'
  | 'reentrancy';

/**
 * @internal counter slots (indices into {@link PortStats.counters}): in/out
 * frames and bytes, then one slot per {@link DropReason}
 */
export const StatSlot = {
  FramesIn: 0,
  BytesIn: 1,
  FramesOut: 2,
  BytesOut: 3,
  DropRunt: 4,
  DropOversize: 5,
  DropForgedTransmit: 6,
  DropMacChange: 7,
  DropLinkDown: 8,
  DropReceiverBusy: 9,
  DropReentrancy: 10,
  Count: 11,
} as const;

/** A plain copy of one port's counters. */
export interface PortStatsSnapshot {
  /** Frames the port's NIC sent that the switch accepted. */
  readonly framesIn: number;
  /** Bytes of those frames. */
  readonly bytesIn: number;
  /** Frames the switch delivered to the port's NIC (receiver accepted them). */
  readonly framesOut: number;
  /** Bytes of those frames. */
  readonly bytesOut: number;
  /** Dropped frames by reason (ingress and egress). */
  readonly drops: Readonly<Record<DropReason, number>>;
}

/**
 * The counters of one switch port. "In" is from the NIC into the switch,
 * "out" is from the switch to the NIC.
 */
export class PortStats {
  /** Raw counters: frames in, bytes in, frames out, bytes out, then drops by reason. */
  readonly counters = new Float64Array(StatSlot.Count);

  /** Frames accepted from the NIC. */
  get framesIn(): number {
    return this.counters[StatSlot.FramesIn]!;
  }
  /** Bytes accepted from the NIC. */
  get bytesIn(): number {
    return this.counters[StatSlot.BytesIn]!;
  }
  /** Frames delivered to the NIC. */
  get framesOut(): number {
    return this.counters[StatSlot.FramesOut]!;
  }
  /** Bytes delivered to the NIC. */
  get bytesOut(): number {
    return this.counters[StatSlot.BytesOut]!;
  }
  /** Frames dropped for `reason`. */
  drops(reason: DropReason): number {
    return this.counters[DROP_SLOT[reason]]!;
  }
  /** Frames dropped for any reason. */
  get totalDrops(): number {
    let n = 0;
    for (let i = StatSlot.DropRunt; i < StatSlot.Count; i++) n += this.counters[i]!;
    return n;
  }
  /** Zero every counter. */
  reset(): void {
    this.counters.fill(0);
  }
  /** A plain-data copy of the counters. */
  snapshot(): PortStatsSnapshot {
    const drops = {} as Record<DropReason, number>;
    for (const reason of Object.keys(DROP_SLOT) as DropReason[]) drops[reason] = this.drops(reason);
    return { framesIn: this.framesIn, bytesIn: this.bytesIn, framesOut: this.framesOut, bytesOut: this.bytesOut, drops };
  }
}

const DROP_SLOT: Readonly<Record<DropReason, number>> = {
  runt: StatSlot.DropRunt,
  oversize: StatSlot.DropOversize,
  forgedTransmit: StatSlot.DropForgedTransmit,
  macChange: StatSlot.DropMacChange,
  linkDown: StatSlot.DropLinkDown,
  receiverBusy: StatSlot.DropReceiverBusy,
  reentrancy: StatSlot.DropReentrancy,
};
