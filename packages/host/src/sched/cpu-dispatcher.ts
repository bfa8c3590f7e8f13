/**
 * The CPU scheduler's driver: hands run quanta to VMs (one vCPU each) so
 * that at most `pcpus` run at once, in proportion to their entitlements
 * (stride scheduling: the ready VM with the smallest pass runs next, and
 * running `t` ms advances its pass by `t / entitlement`), never above a
 * limit in any window of one second (see {@link CpuDispatcher.dispatch}),
 * and accounts CPU used and ready time (wanting to run but waiting for a
 * CPU).
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

/** The window a limit holds in, ms: no second of real time sees a VM use more than its limit. */
export const LIMIT_WINDOW_MS = 1000;
/**
 * The overrun a grant is assumed to have until a longer one is seen, ms: a
 * worker ends its quantum at the end of a slice of about a millisecond.
 */
const MIN_OVERRUN_MS = 1;
/** How long run records are kept, ms (the limit's window, and the statistics' last second). */
const HISTORY_MS = 2 * LIMIT_WINDOW_MS;

class Vcpu {
  state: VcpuState = 'stopped';
  pass = 0;
  usedMs = 0;
  readyMs = 0;
  readySince = 0;
  entitlement = 0;
  /**
   * Where the VM's CPU time lies in real time over the last {@link HISTORY_MS}:
   * run k covered [runFrom[k], runTo[k]], plus `runLate[k]` ms charged
   * when it ended (an overrun of the grant, counted at `runTo[k]`).
   */
  runFrom: number[] = [];
  runTo: number[] = [];
  runLate: number[] = [];
  /** The longest recent overrun of a grant, ms, at least {@link MIN_OVERRUN_MS} (limited VMs are granted that much less). */
  overrun = MIN_OVERRUN_MS;
  /** When the running quantum was granted, and its length. */
  grantedAt = 0;
  grantedMs = 0;
  /** The most CPU used {@link CpuDispatcher.stats} has shown (it never goes back). */
  shownUsed = 0;
  /** CPU used within the reservation window, and the window's start (see {@link CpuDispatcher.dispatch}). */
  floorUsed = 0;
  floorSince = 0;
  constructor(public claim: CpuClaim) {}

  /** Drop run records that no window can see any more. */
  trim(now: number): void {
    let k = 0;
    while (k < this.runTo.length && this.runTo[k]! < now - HISTORY_MS) k++;
    if (k > 0) {
      this.runFrom.splice(0, k);
      this.runTo.splice(0, k);
      this.runLate.splice(0, k);
    }
  }

  /** CPU time in the window (from, to] by the run records (and the quantum under way as granted, up to `to`). */
  usedWithin(from: number, to: number): number {
    let sum = 0;
    for (let k = 0; k < this.runTo.length; k++) {
      const a = Math.max(from, this.runFrom[k]!);
      const b = Math.min(to, this.runTo[k]!);
      if (b > a) sum += b - a;
      if (this.runTo[k]! > from && this.runTo[k]! <= to) sum += this.runLate[k]!;
    }
    if (this.state === 'running') {
      const a = Math.max(from, this.grantedAt);
      const b = Math.min(to, this.grantedAt + this.grantedMs);
      if (b > a) sum += b - a;
    }
    return sum;
  }

  /**
   * The longest run starting at `start` (no use between the last record and
   * then) that keeps the VM's use within `allowed` ms in every window of
   * {@link LIMIT_WINDOW_MS}. A window (e - W, e] ending in the run holds
   * what the records have after e - W plus e - start; walking its left edge
   * y = e - W forward from start - W, that sum stays level across a recorded
   * run, climbs 1:1 across a gap, and drops by a run's overrun as y passes
   * it; the run may last until the sum first reaches `allowed`.
   */
  room(start: number, allowed: number): number {
    const W = LIMIT_WINDOW_MS;
    let y = start - W;
    let f = this.usedWithin(y, start);
    if (f >= allowed) return 0;
    for (let k = 0; k < this.runTo.length; k++) {
      const a = this.runFrom[k]!;
      const b = this.runTo[k]!;
      if (b <= y) continue;
      if (a > y) {
        if (f + (a - y) >= allowed) return y + (allowed - f) - (start - W);
        f += a - y;
        y = a;
      }
      y = b;
      f -= this.runLate[k]!;
    }
    return y + (allowed - f) - (start - W);
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
    this.vcpus.set(claim.id, new Vcpu(claim));
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
    // A VM that slept does not bank CPU: it rejoins at the pass of the least advanced VM that wants the CPU
    // (not at the highest pass granted, which a VM run ahead of its turn for its reservation may have pushed far on).
    let floor = Infinity;
    for (const o of this.vcpus.values()) if (o !== v && (o.state === 'ready' || o.state === 'running') && o.pass < floor) floor = o.pass;
    if (floor === Infinity) floor = this.globalPass;
    if (v.pass < floor) v.pass = floor;
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
    const now = this.nowMs();
    const used = Math.max(0, usedMs);
    v.usedMs += used;
    v.floorUsed += used;
    v.pass += used / Math.max(v.entitlement, 1e-3);
    // Record where the time lay: from the grant on, as the limit planned it; beyond the time since the
    // grant (or the grant itself), the excess counts now, and the next grants make room for it.
    const shown = Math.max(0, Math.min(v.grantedMs, now - v.grantedAt));
    v.trim(now);
    v.runFrom.push(v.grantedAt);
    v.runTo.push(v.grantedAt + Math.min(used, shown));
    v.runLate.push(Math.max(0, used - shown));
    const over = used - v.grantedMs;
    v.overrun = Math.max(MIN_OVERRUN_MS, over, v.overrun * 0.98);
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
   *
   * A limited VM is granted at most what keeps its use within the limit in
   * every window of {@link LIMIT_WINDOW_MS} (by the run records: where its
   * past quanta lay, the one it is given counted as running from now), less
   * the overrun its recent grants had; when that is less than half a
   * quantum (or half what a window allows) it waits, and the host is asked
   * to dispatch again when it has that much room.
   */
  dispatch(): void {
    const now = this.nowMs();
    let soonest = Infinity;
    while (this.running < this.pcpus) {
      let best: Vcpu | null = null;
      let bestId = '';
      let bestRoom = 0;
      let owed: Vcpu | null = null;
      let owedId = '';
      let owedMost = 0;
      let owedRoom = 0;
      for (const [id, v] of this.vcpus) {
        if (v.state !== 'ready') continue;
        let room = this.quantumMs;
        if (v.claim.maxPct !== null) {
          v.trim(now);
          const allowed = this.allowedOf(v.claim);
          // Leave room for the overrun the VM's recent grants had, so it is not the one that tips a window over.
          room = Math.min(room, v.room(now, allowed) - this.marginOf(v));
          if (room < this.minGrantOf(v.claim)) {
            soonest = Math.min(soonest, this.nextRoom(v, now, allowed) - now);
            continue;
          }
        }
        if (v.claim.minPct > 0) {
          if (now - v.floorSince > 2000) {
            // Keep a window of the last 1 to 2 s: halve what is remembered.
            v.floorUsed *= 0.5;
            v.floorSince = now - (now - v.floorSince) * 0.5;
          }
          // Behind, or would be by the time another VM's quantum ends: a VM that waits for that is owed it already.
          const debt = (v.claim.minPct / 100) * (now - v.floorSince + this.quantumMs) - v.floorUsed;
          if (debt > owedMost) {
            owed = v;
            owedId = id;
            owedMost = debt;
            owedRoom = room;
          }
        }
        if (best === null || v.pass < best.pass) {
          best = v;
          bestId = id;
          bestRoom = room;
        }
      }
      const byStride = owed === null;
      if (owed !== null) {
        best = owed;
        bestId = owedId;
        bestRoom = owedRoom;
      }
      if (best === null) break;
      best.readyMs += now - best.readySince;
      best.grantedAt = now;
      best.state = 'running';
      this.running++;
      if (byStride && best.pass > this.globalPass) this.globalPass = best.pass;
      const ms = Math.min(this.quantumMs, bestRoom);
      best.grantedMs = ms;
      this.grantFn(bestId, ms);
    }
    if (soonest !== Infinity && this.wakeAfter !== null) this.wakeAfter(Math.max(1, Math.ceil(soonest)));
  }

  /**
   * CPU time of VM `id` in the last `ms` of real time (by where its runs
   * lay; the quantum under way counts as granted, up to now), or undefined.
   * With `ms` = {@link LIMIT_WINDOW_MS} this never exceeds a limit.
   */
  usedInLast(id: string, ms: number): number | undefined {
    const v = this.vcpus.get(id);
    if (!v) return undefined;
    const now = this.nowMs();
    return v.usedWithin(now - Math.min(ms, HISTORY_MS), now);
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

  /** The most a limited VM may use in any window of {@link LIMIT_WINDOW_MS}, ms. */
  private allowedOf(claim: CpuClaim): number {
    return (LIMIT_WINDOW_MS * claim.maxPct!) / 100;
  }

  /**
   * The shortest grant worth giving a limited VM: every resumption costs
   * its worker time to get going again, so rather than slivers it waits
   * until it may run a good part of a quantum (half a quantum, or half
   * what a window allows).
   */
  private minGrantOf(claim: CpuClaim): number {
    return Math.max(1, Math.min(this.quantumMs, this.allowedOf(claim)) / 2);
  }

  /** What a limited VM's grants leave for an overrun: its recent overruns, at most its shortest grant. */
  private marginOf(v: Vcpu): number {
    return Math.min(v.overrun, this.minGrantOf(v.claim));
  }

  /** When a limited VM that may not run now will have room for its shortest grant (room only grows as time passes). */
  private nextRoom(v: Vcpu, now: number, allowed: number): number {
    const need = this.minGrantOf(v.claim) + this.marginOf(v);
    let lo = now;
    let hi = now + LIMIT_WINDOW_MS + need;
    for (let k = 0; k < 30 && hi - lo > 0.25; k++) {
      const mid = (lo + hi) / 2;
      if (v.room(mid, allowed) >= need) hi = mid;
      else lo = mid;
    }
    return hi;
  }

  private reentitle(): void {
    const e = cpuEntitlements(this.claims(), this.pcpus);
    for (const [id, v] of this.vcpus) v.entitlement = e.get(id) ?? 0;
  }
}
