import { formatMac, parseMac, type MacInput } from '../mac.js';

/** The broadcast address. */
export const BROADCAST_MAC = 'ff:ff:ff:ff:ff:ff';

/** Fields of a test Ethernet frame. */
export interface FrameSpec {
  /** Destination MAC. */
  readonly dst: MacInput;
  /** Source MAC. */
  readonly src: MacInput;
  /** EtherType (default 0x88b5, IEEE "local experimental"). */
  readonly etherType?: number;
  /** Payload bytes or text (default empty; frames are not padded). */
  readonly payload?: Uint8Array | string;
}

/** Build an Ethernet II frame (no FCS). */
export function ethernetFrame(spec: FrameSpec): Uint8Array {
  const payload = typeof spec.payload === 'string' ? new TextEncoder().encode(spec.payload) : (spec.payload ?? new Uint8Array(0));
  const frame = new Uint8Array(14 + payload.length);
  frame.set(parseMac(spec.dst), 0);
  frame.set(parseMac(spec.src), 6);
  const type = spec.etherType ?? 0x88b5;
  frame[12] = type >>> 8;
  frame[13] = type & 0xff;
  frame.set(payload, 14);
  return frame;
}

/** Destination MAC of a frame, as text. */
export function frameDst(frame: Uint8Array): string {
  return formatMac(frame, 0);
}

/** Source MAC of a frame, as text. */
export function frameSrc(frame: Uint8Array): string {
  return formatMac(frame, 6);
}

/** Payload of a frame (after the 14-byte header) decoded as UTF-8. */
export function framePayloadText(frame: Uint8Array): string {
  return new TextDecoder().decode(frame.subarray(14));
}
