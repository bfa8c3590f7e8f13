/**
 * The CPU resource policy of ESX 2 as pure functions: proportional shares
 * (`sched.cpu.shares`: low/normal/high = 500/1000/2000 per vCPU, or a
 * number), reservations (`sched.cpu.min`) and limits (`sched.cpu.max`), in
 * percent of one physical CPU, and admission control over reservations.
 *
 * @module
 */

import type { CpuSchedConfig } from '@vm/machine';
import { sharesValue } from '@vm/machine';
import { waterfill } from './waterfill.js';

/** One VM's CPU claim. */
export interface CpuClaim {
  /** VM id. */
  readonly id: string;
  /** Proportional shares (already resolved to a number). */
  readonly shares: number;
  /** Reservation, percent of one physical CPU. */
  readonly minPct: number;
  /** Limit, percent of one physical CPU (null: none; a single vCPU never gets more than 100). */
  readonly maxPct: number | null;
  /** Virtual CPUs (each can use at most one physical CPU). */
  readonly vcpus: number;
}

/** The claim a `.vmx`'s `sched.cpu.*` settings make. */
export function cpuClaimFromConfig(id: string, cpu: CpuSchedConfig, vcpus = 1): CpuClaim {
  return { id, shares: sharesValue(cpu.shares, 'cpu', vcpus), minPct: cpu.min, maxPct: cpu.max, vcpus };
}

function ceiling(c: CpuClaim): number {
  return Math.min(c.maxPct ?? Infinity, 100 * c.vcpus);
}

/**
 * Each claimant's entitlement in percent of one physical CPU: reservations
 * first, the rest in proportion to shares, never above a limit or the
 * vCPU count. `pcpus` physical CPUs give a capacity of `100 * pcpus`.
 */
export function cpuEntitlements(claims: readonly CpuClaim[], pcpus: number): Map<string, number> {
  const alloc = waterfill(
    claims.map((c) => c.shares),
    claims.map((c) => Math.min(c.minPct, ceiling(c))),
    claims.map(ceiling),
    100 * pcpus,
  );
  return new Map(claims.map((c, i) => [c.id, alloc[i]!]));
}

/** Outcome of an admission check. */
export type Admission = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/**
 * May `candidate` power on next to `running`? Its own settings must make
 * sense, and all reservations together must fit the host's CPUs.
 */
export function admitCpu(running: readonly CpuClaim[], candidate: CpuClaim, pcpus: number): Admission {
  if (!(candidate.shares > 0)) return { ok: false, reason: `sched.cpu.shares must be positive (got ${candidate.shares})` };
  if (candidate.minPct < 0) return { ok: false, reason: `sched.cpu.min ${candidate.minPct}% is negative` };
  if (candidate.maxPct !== null && candidate.maxPct <= 0) return { ok: false, reason: `sched.cpu.max ${candidate.maxPct}% must be positive` };
  if (candidate.maxPct !== null && candidate.minPct > candidate.maxPct) return { ok: false, reason: `sched.cpu.min ${candidate.minPct}% is above sched.cpu.max ${candidate.maxPct}%` };
  if (candidate.minPct > 100 * candidate.vcpus) return { ok: false, reason: `sched.cpu.min ${candidate.minPct}% is more than ${candidate.vcpus} vCPU can use` };
  const reserved = running.reduce((s, c) => s + c.minPct, 0);
  const capacity = 100 * pcpus;
  if (reserved + candidate.minPct > capacity) {
    return { ok: false, reason: `CPU reservation ${candidate.minPct}% does not fit: ${reserved}% of ${capacity}% is already reserved` };
  }
  return { ok: true };
}
