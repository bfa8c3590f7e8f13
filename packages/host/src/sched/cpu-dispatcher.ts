/**
 * The CPU scheduler's driver: hands run quanta to VMs (one vCPU each) so
 * that at most `pcpus` run at once, in proportion to their entitlements
 * (stride scheduling: the ready VM with the smallest pass runs next, and
 * running `t` ms advances its pass by `t / entitlement`), never above a
 * limit (a token bucket filled at the limit's rate), and accounts CPU
 * used and ready time (wanting to run but waiting for a CPU).
 *
 * It decides and counts; the host carries grants out (a message to the
 * VM's worker) and reports back what each VM used. Time comes from an
 * injected clock, so the driver is tested without threads.
 *
 * @module
 */

import type { CpuClaim } from './cpu-policy.js';
import { cpuEntitlements } from './cpu-policy.js';

/**
 * The default quantum, ms. Every resumption of a VM costs its worker some
 * time to get going again (measured with Linux guests on one CPU: the first
 * ~5 ms of a quantum retired 25-40% fewer instructions per ms after one or
 * more other VMs had run, about 1.5-3 ms lost; not the guest's clock, which
 * was ruled out by freezing it during waits: caches and TLBs refilled after
 * the other workers ran). A VM with a small share is resumed after the
 * longest waits, so at 20 ms quanta it lost up to 15% of its CPU time and
 * 4:2:1:1 shares gave 54/25/10/11% of the guests' progress; at 50 ms the
 * loss is a few percent (52/27/11/11%).
 */
export const DEFAULT_QUANTUM_MS = 50;

/** What a VM is doing, as far as CPU scheduling is concerned. */
export type VcpuState = 'ready' | 'running' | 'halted' | 'stopped';

/** CPU statistics of one VM, in ms since it was added. */
export interface VcpuStats {
  /** CPU time used. */
  readonly usedMs: number;
  /** Time spent ready to run but waiting for a physical CPU. */
  readonly readyMs: number;
  /** Current entitlement, percent of one physical CPU. */
  readonly entitlementPct: number;
  /** Current state. */
  readonly state: VcpuState;
}

/** Options of {@link CpuDispatcher}. */
export interface CpuDispatcherOptions {
  /** Physical CPUs to share out (VMs running at once). */
  readonly pcpus: number;
  /** Longest quantum in ms (default {@link DEFAULT_QUANTUM_MS}). */
  readonly quantumMs?: number;
  /** The host's monotonic clock in ms. */
  readonly nowMs: () => number;
  /** Carry a grant out: VM `id` may run for up to `ms`; it must answer with {@link CpuDispatcher.ran}. */
  readonly grant: (id: string, ms: number) => void;
  /** Ask to be called back (via {@link CpuDispatcher.dispatch}) after `ms`, when throttled VMs earn CPU again. */
  readonly wakeAfter?: (ms: number) => void;
}

class Vcpu {
  state: VcpuState = 'stopped';
  pass = 0;
  usedMs = 0;
  readyMs = 0;
  readySince = 0;
  tokens: number;
  tokensAt: number;
  entitlement = 0;
  /** When the running quantum was granted, and its length. */
  grantedAt = 0;
  grantedMs = 0;
  /** The most CPU used {@link CpuDispatcher.stats} has shown (it never goes back). */
  shownUsed = 0;
  /** CPU used within the reservation window, and the window's start (see {@link CpuDispatcher.dispatch}). */
  floorUsed = 0;
  floorSince = 0;
  constructor(
    public claim: CpuClaim,
    now: number,
    burst: number,
  ) {
    this.tokens = burst;
    this.tokensAt = now;
  }
}

/** Stride scheduler over VMs' vCPUs with limits, and CPU accounting. */
export class CpuDispatcher {
  /** Physical CPUs shared out. */
  pcpus: number;
  /** Longest quantum in ms. */
  readonly quantumMs: number;
  private readonly vcpus = new Map<string, Vcpu>();
  private readonly nowMs: () => number;
  private readonly grantFn: (id: string, ms: number) => void;
  private readonly wakeAfter: ((ms: number) => void) | null;
  private running = 0;
  private globalPass = 0;

  /** @param options CPUs, quantum, clock and the grant callback */
  constructor(options: CpuDispatcherOptions) {
    if (!(options.pcpus >= 1)) throw new RangeError(`pcpus ${options.pcpus} must be at least 1`);
    this.pcpus = Math.floor(options.pcpus);
    this.quantumMs = options.quantumMs ?? DEFAULT_QUANTUM_MS;
    this.nowMs = options.nowMs;
    this.grantFn = options.grant;
    this.wakeAfter = options.wakeAfter ?? null;
  }

  /** Add a powered-on VM (stopped until {@link setReady}). */
  add(claim: CpuClaim): void {
    if (this.vcpus.has(claim.id)) throw new Error(`VM ${claim.id} is already scheduled`);
    this.vcpus.set(claim.id, new Vcpu(claim, this.nowMs(), this.burstOf(claim)));
    this.reentitle();
  }

  /** Remove a VM (powered off). */
  remove(id: string): void {
    const v = this.vcpus.get(id);
    if (!v) return;
    if (v.state === 'running') this.running--;
    this.vcpus.delete(id);
    this.reentitle();
    this.dispatch();
  }

  /** Change a VM's claim (new shares, reservation or limit). */
  update(claim: CpuClaim): void {
    const v = this.vcpus.get(claim.id);
    if (!v) return;
    v.claim = claim;
    this.reentitle();
  }

  /** Change the number of physical CPUs shared out (entitlements are recomputed; running quanta finish). */
  setPcpus(pcpus: number): void {
    if (!(pcpus >= 1)) throw new RangeError(`pcpus ${pcpus} must be at least 1`);
    this.pcpus = Math.floor(pcpus);
    this.reentitle();
    this.dispatch();
  }

  /** Claims of every scheduled VM (for admission control). */
  claims(): CpuClaim[] {
    return [...this.vcpus.values()].map((v) => v.claim);
  }

  /** The VM has work (it woke up, or was resumed): queue it for a CPU. */
  setReady(id: string): void {
    const v = this.vcpus.get(id);
    if (!v || v.state === 'ready' || v.state === 'running') return;
    // A VM that slept does not bank CPU: it rejoins at the current pass.
    if (v.pass < this.globalPass) v.pass = this.globalPass;
    v.state = 'ready';
    v.readySince = this.nowMs();
    // A reservation is owed from when the VM wants the CPU, not for the time it slept.
    v.floorUsed = 0;
    v.floorSince = v.readySince;
    this.dispatch();
  }

  /** The VM stopped wanting CPU (halted with nothing to do, or suspended). */
  setIdle(id: string, state: 'halted' | 'stopped' = 'halted'): void {
    const v = this.vcpus.get(id);
    if (!v) return;
    if (v.state === 'ready') v.readyMs += this.nowMs() - v.readySince;
    if (v.state === 'running') this.running--;
    v.state = state;
    this.dispatch();
  }

  /**
   * A granted VM gave its CPU back after using `usedMs`; `next` says
   * whether it still has work (`ready`) or has halted.
   */
  ran(id: string, usedMs: number, next: 'ready' | 'halted' | 'stopped'): void {
    const v = this.vcpus.get(id);
    if (!v || v.state !== 'running') return;
    this.running--;
    const used = Math.max(0, usedMs);
    v.usedMs += used;
    v.floorUsed += used;
    v.pass += used / Math.max(v.entitlement, 1e-3);
    if (v.claim.maxPct !== null) v.tokens -= used;
    v.state = next;
    if (next === 'ready') v.readySince = this.nowMs();
    this.dispatch();
  }

  /**
   * Grant CPUs to ready VMs as long as CPUs are free: first a VM behind its
   * reservation, else the one with the smallest pass. Stride scheduling
   * alone divides the CPU time actually handed out in proportion to the
   * entitlements, and the host never hands out all of it (dispatch,
   * messages and resumption cost a few percent), so a 30% reservation would
   * get 30% of about 97%; the reservation is a floor of real time, so a VM
   * whose CPU over its recent window (1 to 2 s while it wants the CPU) is
   * below its reservation goes first.
   */
  dispatch(): void {
    const now = this.nowMs();
    let soonest = Infinity;
    while (this.running < this.pcpus) {
      let best: Vcpu | null = null;
      let bestId = '';
      let owed: Vcpu | null = null;
      let owedId = '';
      let owedMost = 0;
      for (const [id, v] of this.vcpus) {
        if (v.state !== 'ready') continue;
        if (v.claim.maxPct !== null) {
          this.refill(v, now);
          if (v.tokens <= 0) {
            soonest = Math.min(soonest, (-v.tokens + 0.5) / (v.claim.maxPct / 100));
            continue;
          }
        }
        if (v.claim.minPct > 0) {
          if (now - v.floorSince > 2000) {
            // Keep a window of the last 1 to 2 s: halve what is remembered.
            v.floorUsed *= 0.5;
            v.floorSince = now - (now - v.floorSince) * 0.5;
          }
          const debt = (v.claim.minPct / 100) * (now - v.floorSince) - v.floorUsed;
          if (debt > owedMost) {
            owed = v;
            owedId = id;
            owedMost = debt;
          }
        }
        if (best === null || v.pass < best.pass) {
          best = v;
          bestId = id;
        }
      }
      if (owed !== null) {
        best = owed;
        bestId = owedId;
      }
      if (best === null) break;
      best.readyMs += now - best.readySince;
      best.grantedAt = now;
      best.state = 'running';
      this.running++;
      if (best.pass > this.globalPass) this.globalPass = best.pass;
      let ms = this.quantumMs;
      if (best.claim.maxPct !== null) ms = Math.max(1, Math.min(ms, best.tokens));
      best.grantedMs = ms;
      this.grantFn(bestId, ms);
    }
    if (soonest !== Infinity && this.wakeAfter !== null) this.wakeAfter(Math.max(1, Math.ceil(soonest)));
  }

  /** Statistics of VM `id`, or undefined. */
  stats(id: string): VcpuStats | undefined {
    const v = this.vcpus.get(id);
    if (!v) return undefined;
    const now = this.nowMs();
    const readyNow = v.state === 'ready' ? now - v.readySince : 0;
    // The running quantum counts as it goes, so samples do not bunch a quantum into the period it ends in.
    const runningNow = v.state === 'running' ? Math.min(v.grantedMs, Math.max(0, now - v.grantedAt)) : 0;
    v.shownUsed = Math.max(v.shownUsed, v.usedMs + runningNow);
    return { usedMs: v.shownUsed, readyMs: v.readyMs + readyNow, entitlementPct: v.entitlement, state: v.state };
  }

  /** A limited VM may bank at most one quantum's worth at its limit's rate, so no window sees much more than the limit. */
  private burstOf(claim: CpuClaim): number {
    return claim.maxPct === null ? this.quantumMs : Math.max(1, (this.quantumMs * claim.maxPct) / 100);
  }

  private refill(v: Vcpu, now: number): void {
    const rate = v.claim.maxPct! / 100;
    v.tokens = Math.min(this.burstOf(v.claim), v.tokens + (now - v.tokensAt) * rate);
    v.tokensAt = now;
  }

  private reentitle(): void {
    const e = cpuEntitlements(this.claims(), this.pcpus);
    for (const [id, v] of this.vcpus) v.entitlement = e.get(id) ?? 0;
  }
}
