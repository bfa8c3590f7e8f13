/**
 * A passive observer of frames (pcap writers, test recorders).
 *
 * @module
 */

/** Sees a frame crossing a VMnet or a port. */
export interface FrameTap {
  /**
   * Observe one frame. `frame` is only valid during the call.
   * @param timeNs virtual time of the frame, in nanoseconds
   */
  captureFrame(frame: Uint8Array, timeNs: number): void;
}
