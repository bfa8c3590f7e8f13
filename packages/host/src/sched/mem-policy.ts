/**
 * The memory resource policy of ESX 2 (Waldspurger, "Memory Resource
 * Management in VMware ESX Server", OSDI 2002, section 5) as pure
 * functions: each VM's target is between its reservation
 * (`sched.mem.minsize`) and its size (`memsize`, or `sched.mem.max`), and
 * the rest of machine memory is divided in proportion to shares per page,
 * where idle pages are taxed: with tax rate τ and active fraction f, a VM's
 * shares count as if its pages cost `f + k (1 - f)` with `k = 1 / (1 - τ)`.
 * Reclaiming from the VM with the lowest adjusted shares-per-page ratio
 * until the ratios are equal gives exactly these targets.
 *
 * @module
 */

import type { MemSchedConfig } from '@vm/machine';
import { sharesValue } from '@vm/machine';
import type { Admission } from './cpu-policy.js';
import { waterfill } from './waterfill.js';

/** ESX's default idle-memory tax rate (Mem.IdleTax = 75%). */
export const DEFAULT_IDLE_TAX = 0.75;

/** One VM's memory claim, in 4 KiB pages. */
export interface MemClaim {
  /** VM id. */
  readonly id: string;
  /** Guest memory size (memsize), pages. */
  readonly sizePages: number;
  /** Reservation (sched.mem.minsize), pages. */
  readonly minPages: number;
  /** Limit (sched.mem.max, default the size), pages. */
  readonly maxPages: number;
  /** Shares (default 10 per MB of memsize). */
  readonly shares: number;
  /** Sampled fraction of its memory in active use, 0..1. */
  readonly active: number;
}

const PAGES_PER_MB = 256;

/** The claim a `.vmx`'s `memsize` and `sched.mem.*` settings make (with the active fraction sampled so far). */
export function memClaimFromConfig(id: string, memsizeMB: number, mem: MemSchedConfig, active = 1): MemClaim {
  return {
    id,
    sizePages: memsizeMB * PAGES_PER_MB,
    minPages: Math.min(mem.minsize, memsizeMB) * PAGES_PER_MB,
    maxPages: Math.min(mem.max ?? memsizeMB, memsizeMB) * PAGES_PER_MB,
    shares: sharesValue(mem.shares, 'mem', memsizeMB),
    active,
  };
}

/** The cost factor of a page under the idle-memory tax: 1 for active pages, k = 1/(1-τ) for idle ones. */
export function idleCost(active: number, taxRate: number): number {
  const tau = Math.min(Math.max(taxRate, 0), 0.99);
  const f = Math.min(Math.max(active, 0), 1);
  return f + (1 - f) / (1 - tau);
}

/**
 * Each VM's memory target in pages, dividing `availablePages` of machine
 * memory: `clamp(level * shares / cost, min, max)` (see the module notes).
 */
export function memTargets(claims: readonly MemClaim[], availablePages: number, taxRate = DEFAULT_IDLE_TAX): Map<string, number> {
  const alloc = waterfill(
    claims.map((c) => c.shares / idleCost(c.active, taxRate)),
    claims.map((c) => Math.min(c.minPages, c.maxPages)),
    claims.map((c) => c.maxPages),
    availablePages,
  );
  return new Map(claims.map((c, i) => [c.id, Math.floor(alloc[i]!)]));
}

/** The adjusted shares-per-page ratio ρ of a claim holding `pages` (the victim of reclamation has the lowest). */
export function sharesPerPage(claim: MemClaim, pages: number, taxRate = DEFAULT_IDLE_TAX): number {
  return pages <= 0 ? Infinity : claim.shares / (pages * idleCost(claim.active, taxRate));
}

/**
 * May `candidate` power on? Reservations must fit in machine memory
 * (`poolPages`, less what the host keeps for itself), and the part of its
 * memory that is not reserved must fit in its swap file (`swapPages`).
 */
export function admitMem(running: readonly MemClaim[], candidate: MemClaim, poolPages: number, swapPages: number): Admission {
  if (candidate.minPages > candidate.sizePages) return { ok: false, reason: `sched.mem.minsize is larger than memsize` };
  if (!(candidate.shares > 0)) return { ok: false, reason: `sched.mem.shares must be positive` };
  const reserved = running.reduce((s, c) => s + c.minPages, 0);
  if (reserved + candidate.minPages > poolPages) {
    return { ok: false, reason: `memory reservation ${candidate.minPages / PAGES_PER_MB} MB does not fit: ${reserved / PAGES_PER_MB} of ${Math.floor(poolPages / PAGES_PER_MB)} MB are already reserved` };
  }
  if (candidate.sizePages - candidate.minPages > swapPages) {
    return { ok: false, reason: `its unreserved memory (${(candidate.sizePages - candidate.minPages) / PAGES_PER_MB} MB) does not fit in its swap file (${swapPages / PAGES_PER_MB} MB)` };
  }
  return { ok: true };
}

/**
 * Split `needPages` of swapping among VMs above their targets in proportion
 * to how far above they are (`excess[i]`, pages), never more than a VM's
 * excess: the pool gets what it needs, not every VM's whole excess at once.
 */
export function swapShares(needPages: number, excess: readonly number[]): number[] {
  const over = excess.map((e) => Math.max(0, e));
  const total = over.reduce((s, e) => s + e, 0);
  if (needPages <= 0 || total <= 0) return over.map(() => 0);
  return over.map((e) => Math.min(e, Math.ceil((needPages * e) / total)));
}
