/**
 * The APIC message fabric: how IOAPICs and local APICs exchange interrupt
 * messages and EOI broadcasts (after the P6 three-wire APIC bus, Intel SDM
 * vol. 3A chapter 10). One {@link ApicMessageBus} per machine; SMP machines
 * add one local APIC per CPU.
 *
 * @module
 */

/** Delivery modes of interrupt messages (ICR, LVT and redirection entry bits 10:8). */
export const ApicDeliveryMode = {
  /** Deliver `vector` to every destination. */
  Fixed: 0,
  /** Deliver `vector` to the destination with the lowest priority. */
  LowestPriority: 1,
  /** System management interrupt (not modelled: ignored). */
  Smi: 2,
  /** Non-maskable interrupt. */
  Nmi: 4,
  /** INIT: put the CPU in the wait-for-SIPI state. */
  Init: 5,
  /** Start-up IPI: start the CPU at `vector << 12`. */
  StartUp: 6,
  /** External interrupt: the vector comes from the 8259's acknowledge cycle. */
  ExtInt: 7,
} as const;

/** A {@link ApicDeliveryMode} value. */
export type ApicDeliveryMode = (typeof ApicDeliveryMode)[keyof typeof ApicDeliveryMode];

/** ICR destination shorthand (bits 19:18). */
export const ApicShorthand = {
  /** Use the destination field. */
  None: 0,
  /** The sender only. */
  Self: 1,
  /** Every local APIC. */
  AllIncludingSelf: 2,
  /** Every local APIC but the sender. */
  AllExcludingSelf: 3,
} as const;

/** What the bus needs from a local APIC. Implemented by {@link LocalApic}. */
export interface ApicMessageTarget {
  /** True if a message for `dest` in physical (`logical` false) or logical mode selects this APIC. */
  matchesDestination(dest: number, logical: boolean): boolean;
  /** Arbitration priority (SDM 10.6.2.4), for lowest-priority delivery. */
  arbitrationPriority(): number;
  /**
   * Accept a message. `levelTriggered` marks fixed/lowest interrupts whose
   * EOI must be broadcast back to the IOAPICs.
   */
  acceptMessage(mode: number, vector: number, levelTriggered: boolean): void;
}

/** Told of EOIs for level-triggered vectors (an IOAPIC clears its remote IRR). */
export interface ApicEoiListener {
  /** A local APIC retired level-triggered `vector`. */
  eoiBroadcast(vector: number): void;
}

/** The sending side of the fabric, as IOAPICs and local APICs use it. */
export interface ApicBus {
  /**
   * Send an interrupt message.
   * @param dest 8-bit destination (APIC ID, or logical mask)
   * @param logical destination mode: logical (true) or physical
   * @param mode an {@link ApicDeliveryMode}
   * @param vector 8-bit vector (start page for SIPI)
   * @param levelTriggered trigger mode of the source
   * @param shorthand an {@link ApicShorthand} value (IOAPICs send `None`)
   * @param source the sending local APIC, or null for an IOAPIC
   */
  sendMessage(
    dest: number,
    logical: boolean,
    mode: number,
    vector: number,
    levelTriggered: boolean,
    shorthand: number,
    source: ApicMessageTarget | null,
  ): void;
  /** Broadcast an EOI for a level-triggered `vector` to every IOAPIC. */
  broadcastEoi(vector: number): void;
}

/**
 * The machine's APIC fabric: delivers messages to the local APICs attached to
 * it (physical, logical flat/cluster, broadcast, shorthands, lowest
 * priority) and EOI broadcasts to the IOAPICs.
 */
export class ApicMessageBus implements ApicBus {
  private readonly targets: ApicMessageTarget[] = [];
  private readonly eoiListeners: ApicEoiListener[] = [];

  /** Attach a local APIC (wiring time). */
  addLocalApic(apic: ApicMessageTarget): void {
    this.targets.push(apic);
  }

  /** Attach an EOI listener such as an IOAPIC (wiring time). */
  addEoiListener(listener: ApicEoiListener): void {
    this.eoiListeners.push(listener);
  }

  /** @inheritDoc */
  sendMessage(
    dest: number,
    logical: boolean,
    mode: number,
    vector: number,
    levelTriggered: boolean,
    shorthand: number,
    source: ApicMessageTarget | null,
  ): void {
    const targets = this.targets;
    if (shorthand === ApicShorthand.Self) {
      source?.acceptMessage(mode, vector, levelTriggered);
      return;
    }
    if (mode === ApicDeliveryMode.LowestPriority && shorthand === ApicShorthand.None) {
      let best: ApicMessageTarget | null = null;
      let bestPriority = 0x100;
      for (let i = 0; i < targets.length; i++) {
        const t = targets[i]!;
        if (!t.matchesDestination(dest, logical)) continue;
        const p = t.arbitrationPriority();
        if (p < bestPriority) {
          best = t;
          bestPriority = p;
        }
      }
      best?.acceptMessage(mode, vector, levelTriggered);
      return;
    }
    for (let i = 0; i < targets.length; i++) {
      const t = targets[i]!;
      if (shorthand === ApicShorthand.AllExcludingSelf) {
        if (t === source) continue;
      } else if (shorthand !== ApicShorthand.AllIncludingSelf && !t.matchesDestination(dest, logical)) {
        continue;
      }
      t.acceptMessage(mode, vector, levelTriggered);
    }
  }

  /** @inheritDoc */
  broadcastEoi(vector: number): void {
    for (let i = 0; i < this.eoiListeners.length; i++) this.eoiListeners[i]!.eoiBroadcast(vector);
  }
}
