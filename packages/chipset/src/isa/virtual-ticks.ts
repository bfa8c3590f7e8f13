/**
 * Conversions between virtual nanoseconds and ticks of a device's input
 * clock (the PIT's 1.193182 MHz, the RTC's 32.768 kHz). Products are split at
 * whole seconds so every intermediate stays an exact integer below 2^53 for
 * the whole range of virtual time (plain numbers, no BigInt).
 */

const NS_PER_S = 1_000_000_000;

/** Whole ticks of a `hz` clock contained in `ns` nanoseconds (ns >= 0). */
export function nsToTicks(ns: number, hz: number): number {
  const s = Math.floor(ns / NS_PER_S);
  const rem = ns - s * NS_PER_S;
  return s * hz + Math.floor((rem * hz) / NS_PER_S);
}

/** The first nanosecond at or after which `ticks` ticks of a `hz` clock have elapsed. */
export function ticksToNs(ticks: number, hz: number): number {
  const s = Math.floor(ticks / hz);
  const rem = ticks - s * hz;
  return s * NS_PER_S + Math.ceil((rem * NS_PER_S) / hz);
}
