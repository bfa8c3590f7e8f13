/**
 * Ethernet frame transport between a NIC model and a network (a VMnet port,
 * an uplink, a test harness).
 *
 * @module
 */

/** The NIC side: where the network delivers frames. */
export interface NetReceiver {
  /**
   * Deliver one Ethernet frame (destination MAC first, no FCS). The frame is
   * only valid during the call: copy what you keep.
   * @returns false when the frame was dropped (receiver disabled or full)
   */
  receiveFrame(frame: Uint8Array): boolean;
}

/** The network side of a NIC's cable. */
export interface NetBackend {
  /**
   * Transmit one Ethernet frame (no FCS). The backend copies what it keeps;
   * the caller may reuse `frame` at once.
   */
  sendFrame(frame: Uint8Array): void;
  /** Connect the receiving NIC (one per backend; `null` disconnects). */
  attach(receiver: NetReceiver | null): void;
  /** True while the cable is connected. */
  readonly linkUp: boolean;
}
