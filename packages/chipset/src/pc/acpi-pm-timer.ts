/**
 * The ACPI power management timer's clock (ACPI 6.4 section 4.8.3.3): a
 * free-running counter at 3.579545 MHz since power-on, derived exactly from
 * integer virtual nanoseconds without BigInt (split at whole seconds so no
 * product leaves the 2^53 range).
 *
 * @module
 */

/** The PM timer frequency in Hz. */
export const PM_TIMER_HZ = 3579545;

const NS_PER_S = 1_000_000_000;

/** Whole PM timer ticks elapsed at virtual time `ns` (exact, floor). */
export function pmTimerTicksAt(ns: number): number {
  const s = Math.floor(ns / NS_PER_S);
  const rem = ns - s * NS_PER_S;
  return s * PM_TIMER_HZ + Math.floor((rem * PM_TIMER_HZ) / NS_PER_S);
}

/** The earliest virtual time (ns) at which `ticks` ticks have elapsed. */
export function pmTimerNsAt(ticks: number): number {
  const s = Math.floor(ticks / PM_TIMER_HZ);
  const rem = ticks - s * PM_TIMER_HZ;
  return s * NS_PER_S + Math.ceil((rem * NS_PER_S) / PM_TIMER_HZ);
}
