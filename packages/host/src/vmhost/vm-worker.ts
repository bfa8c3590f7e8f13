/**
 * A VM's worker thread: builds the machine on the host's shared page pool,
 * runs its vCPU in the quanta the host's CPU scheduler grants, follows the
 * memory scheduler's orders (balloon target, swapping, page-sharing scan
 * rate) and reports time used, power events, console output and memory
 * statistics. Anything that goes wrong inside stays inside: the worker
 * reports it and ends, and the host carries on.
 *
 * @module
 */

import { readFileSync, writeFileSync } from 'node:fs';
import { deserialize, serialize } from 'node:v8';
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { MachinePagePool, PageSharingScanner, PmapState, PoolExhaustedError } from '@vm/mmu';
import { FileSwapStore } from '@vm/mmu/node';
import { RemotePortClient } from '@vm/vmnet';
import type { Machine, MachineSnapshot, Pc } from '@vm/machine';
import { closePrepared, prepareFromOptions } from '../run/run-vm.js';
import type { Prepared } from '../run/run-vm.js';
import type { FromWorker, MemoryOrders, ToWorker, VmSpec } from './protocol.js';
import { QuantumLog } from './quantum-log.js';
import { RelayConsole } from './relay-console.js';
import { ThreadSchedClock } from './thread-cpu.js';

const port = parentPort!;
const spec = workerData as VmSpec;
const post = (m: FromWorker): void => port.postMessage(m);

/**
 * How often memory work (page-sharing scan, active-memory sampling,
 * swapping) runs, ms. It runs at the start of the VM's quanta, so its CPU
 * is the VM's own and counted as such, and it never runs beside another
 * VM's quantum on the host's cores; a VM that gets no quantum for
 * {@link IDLE_MEMORY_MS} (halted, paused, starved) does it from a timer.
 */
const MEMORY_PERIOD_MS = 250;
/** A VM without a quantum for this long does its memory work outside quanta, ms. */
const IDLE_MEMORY_MS = 1000;
/** Active memory is sampled over this period, ms. */
const SAMPLE_PERIOD_MS = 2000;
/** Most pages swapped out per memory period. */
const SWAP_BATCH = 2048;

class VmRunner {
  private readonly machine: Machine;
  private readonly pc: Pc;
  private readonly relay: RelayConsole;
  private readonly nics: RemotePortClient[];
  private readonly scanner: PageSharingScanner;
  private readonly swap: FileSwapStore | null;
  private paused = false;
  private halted = false;
  private running = false;
  private off = false;
  private waitTimer: NodeJS.Timeout | null = null;
  private memTimer: NodeJS.Timeout;
  private perMs = 0;
  private orders: MemoryOrders;
  private scanCredit = 0;
  private lastMemAt = performance.now();
  private lastSampleAt = performance.now();
  private active = 1;
  private swapHand = 0;
  /** Pages the host's last order still wants swapped out. */
  private swapDue = 0;
  private lastResets = 0;
  /** When the VM started waiting for a CPU (host ms), or -1. */
  private readySince = -1;
  private recentlyDirty: Uint8Array;
  private readonly qlog = QuantumLog.fromEnv(spec.id);
  /** This thread's run-queue wait (null where the OS does not report it: then the wall clock is charged). */
  private readonly sched = ThreadSchedClock.open();

  constructor(
    private readonly prepared: Prepared,
    relay: RelayConsole,
    nics: RemotePortClient[],
    swap: FileSwapStore | null,
  ) {
    this.pc = prepared.pc;
    this.machine = prepared.pc.machine;
    this.relay = relay;
    this.nics = nics;
    this.swap = swap;
    this.scanner = new PageSharingScanner(this.machine.pmap, spec.owner);
    this.orders = { balloonPages: 0, swapOutPages: 0, scanPagesPerSec: spec.scanPagesPerSec };
    this.recentlyDirty = new Uint8Array(this.machine.pmap.pages);
    relay.onInput = () => this.machine.kick();
    this.machine.onKick = () => this.wake();
    if (spec.sampleActive) this.machine.memory.setDirtyLogging(true);
    this.memTimer = setInterval(() => {
      if (!this.running && performance.now() - this.lastMemAt >= IDLE_MEMORY_MS) this.memoryWork();
    }, MEMORY_PERIOD_MS);
  }

  onMessage(m: ToWorker): void {
    switch (m.type) {
      case 'grant':
        this.runQuantum(m.ms);
        break;
      case 'console-in':
        this.relay.deliver(m.bytes);
        break;
      case 'power-button':
        this.pc.pm.pressPowerButton();
        this.machine.kick();
        break;
      case 'reset':
        this.machine.reset('host reset');
        this.machine.kick();
        this.reportResets();
        break;
      case 'pause':
        this.paused = true;
        this.readySince = -1;
        this.clearWait();
        this.machine.clock.pause();
        break;
      case 'checkpoint':
        this.checkpoint(m.path);
        break;
      case 'unpause':
        this.paused = false;
        if (this.halted) {
          this.halted = false;
          post({ type: 'wake' });
        }
        break;
      case 'memory':
        this.orders = m.orders;
        // An order to swap is for this period: done once, not at every memory period until the next order.
        this.swapDue = m.orders.swapOutPages;
        this.pc.balloon?.setTarget(m.orders.balloonPages);
        break;
      case 'stop':
        void this.stop();
        break;
      case 'test-hang':
        if (spec.testHooks === true) this.hangForever();
        break;
    }
  }

  /** Suspend to disk: the whole machine (CPU, devices, time, memory) to `path`, then stop. */
  private checkpoint(path: string): void {
    try {
      this.clearWait();
      this.machine.clock.pause();
      const bytes = serialize(this.machine.snapshot());
      writeFileSync(path, bytes);
      post({ type: 'checkpointed', path, bytes: bytes.length });
    } catch (e) {
      post({ type: 'checkpoint-failed', message: (e as Error)?.message ?? String(e) });
      return;
    }
    void this.stop();
  }

  /** A stuck host thread, for the watchdog's test: takes the next grant and never answers. */
  private hangForever(): void {
    this.runQuantum = (): void => {
      for (;;) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
    };
  }

  /** Run for up to `ms` of host time, or until the guest halts. */
  private runQuantum(ms: number): void {
    if (this.off) return;
    const machine = this.machine;
    this.halted = false;
    this.clearWait();
    this.running = true;
    const sched = this.sched;
    const wait0 = sched !== null && sched.read() ? sched.waitMs : -1;
    if (this.qlog !== null && sched !== null) this.qlog.start(sched.runMs);
    const start = performance.now();
    // Memory work first, inside the quantum (its CPU is the VM's) and before the guest's clock runs again.
    if (start - this.lastMemAt >= MEMORY_PERIOD_MS) {
      this.memoryWork();
      if (this.off) {
        this.running = false;
        return;
      }
    }
    machine.clock.resume();
    if (this.readySince >= 0) {
      const waited = performance.now() - this.readySince;
      // Waiting for a CPU up to one quantum (dispatch latency, brief contention) passes for the guest;
      // beyond that its clock stood still, so a VM that waited long never sees time race.
      if (waited > 0) machine.clock.advance(Math.floor(Math.min(waited, ms) * 1e6));
      this.readySince = -1;
    }
    let retired = 0;
    let next: 'ready' | 'halted' | 'off' = 'ready';
    let waitNs = 0;
    try {
      for (;;) {
        const now = performance.now();
        const left = ms - (now - start);
        if (left <= 0) break;
        // Slices sized to what is left of the quantum at the measured speed.
        const budget = this.perMs > 0 ? Math.max(2000, Math.min(machine.sliceInstructions, Math.floor(left * this.perMs))) : 20_000;
        const t0 = performance.now();
        const r = machine.runSlice(budget);
        const dt = performance.now() - t0;
        retired += r.retired;
        if (this.qlog !== null) this.qlog.slice(t0 - start, retired, performance.now() - start);
        if (r.retired > 1000 && dt > 0.05) this.perMs = this.perMs === 0 ? r.retired / dt : this.perMs * 0.8 + (r.retired / dt) * 0.2;
        if (r.stop === 'power-off') {
          next = 'off';
          break;
        }
        if (r.stop === 'reset') this.reportResets();
        if ((r.stop === 'halted' || r.stop === 'idle') && r.waitNs > 0) {
          next = 'halted';
          waitNs = r.waitNs;
          break;
        }
      }
    } catch (e) {
      this.running = false;
      this.fail(e);
      return;
    }
    this.running = false;
    this.relay.flush();
    const wallMs = performance.now() - start;
    // Charge the time the thread could run: not the time the OS kept it waiting for a core.
    const waitedMs = wait0 >= 0 && sched!.read() ? Math.max(0, sched!.waitMs - wait0) : 0;
    const usedMs = Math.max(0, wallMs - waitedMs);
    if (this.qlog !== null) this.qlog.record(ms, wallMs, waitedMs, sched !== null ? sched.runMs : -1, retired, machine.clock.now(), this.pc.cpu.jitStats);
    post({ type: 'ran', usedMs, next, retired, guestNs: machine.clock.now() });
    if (next === 'off') {
      const info = machine.powerOffInfo;
      this.off = true;
      post({ type: 'power-off', reason: info?.reason ?? 'power-off', code: info?.code ?? 0 });
      return;
    }
    if (next === 'ready') {
      // Waiting for the CPU: the guest's clock stands still rather than racing afterwards.
      machine.clock.pause();
      this.readySince = performance.now();
      return;
    }
    // Halted: real time passes for the guest; wake at its next timer or on input.
    this.halted = true;
    if (waitNs !== Infinity) this.waitTimer = setTimeout(() => this.wake(), Math.max(0, waitNs / 1e6));
  }

  private wake(): void {
    if (!this.halted || this.paused || this.running || this.off) return;
    this.halted = false;
    this.clearWait();
    // The sleep was the guest's own idle time: all of it passes for the guest.
    this.machine.clock.acceptWait();
    // From here the VM waits for a CPU: its clock stands still until the grant, like any ready VM's.
    this.machine.clock.pause();
    this.readySince = performance.now();
    post({ type: 'wake' });
  }

  private clearWait(): void {
    if (this.waitTimer !== null) clearTimeout(this.waitTimer);
    this.waitTimer = null;
  }

  private reportResets(): void {
    const r = this.machine.resets;
    if (r.count !== this.lastResets) {
      this.lastResets = r.count;
      post({ type: 'reset', count: r.count, reason: r.lastReason ?? '' });
    }
  }

  /** Page sharing, active-memory sampling, swapping, statistics. */
  private memoryWork(): void {
    if (this.off) return;
    try {
      const now = performance.now();
      const dt = (now - this.lastMemAt) / 1000;
      this.lastMemAt = now;
      const pmap = this.machine.pmap;
      this.scanCredit = Math.min(this.scanCredit + this.orders.scanPagesPerSec * dt, pmap.pages);
      if (this.scanCredit >= 1) {
        const n = Math.floor(this.scanCredit);
        this.scanner.scan(n);
        this.scanCredit -= n;
      }
      if (spec.sampleActive && now - this.lastSampleAt >= SAMPLE_PERIOD_MS) {
        this.lastSampleAt = now;
        // A bitmap: bit (pp & 31) of word (pp >>> 5) per pmap page written since the last sample.
        const dirty = this.machine.memory.getAndClearDirty();
        const rd = this.recentlyDirty;
        rd.fill(0);
        let count = 0;
        for (let w = 0; w < dirty.length; w++) {
          const bits = dirty[w]!;
          if (bits === 0) continue;
          for (let b = 0; b < 32; b++) {
            const pp = w * 32 + b;
            if ((bits & (1 << b)) !== 0 && pp < rd.length) {
              rd[pp] = 1;
              count++;
            }
          }
        }
        const f = Math.min(1, count / Math.max(1, pmap.pages));
        // ESX keeps a fast and a slow average and uses the larger, so a burst is believed at once and idleness slowly.
        this.active = Math.max(f, this.active * 0.7 + f * 0.3);
      }
      if (this.swapDue > 0 && this.swap !== null) {
        const asked = Math.min(this.swapDue, SWAP_BATCH);
        const done = this.swapOut(asked, false);
        this.swapDue = done < asked ? 0 : this.swapDue - done;
      }
      this.postMemory();
    } catch (e) {
      this.fail(e);
    }
  }

  /**
   * Swap out up to `n` pages, skipping pages written recently (a clock hand
   * over the pmap), and shared pages unless `shared`: swapping one VM's
   * reference to a shared page frees no machine memory while others hold it,
   * and the sharing is lost.
   */
  swapOut(n: number, shared = true): number {
    const pmap = this.machine.pmap;
    let done = 0;
    for (let tries = 0; tries < pmap.pages && done < n; tries++) {
      const gp = this.swapHand;
      this.swapHand = gp + 1 === pmap.pages ? 0 : gp + 1;
      const s = pmap.state[gp];
      if ((s === PmapState.Private || (shared && s === PmapState.Shared)) && this.recentlyDirty[gp] === 0) {
        if (!pmap.swapOut(gp)) break;
        done++;
      }
    }
    return done;
  }

  private postMemory(): void {
    const pmap = this.machine.pmap;
    const b = this.pc.balloon;
    const st = this.scanner.stats;
    post({
      type: 'memory',
      stats: {
        sizePages: pmap.pages,
        residentPages: pmap.residentPages,
        sharedPages: pmap.sharedPages,
        swappedPages: pmap.swappedPages,
        balloonPages: b?.size ?? 0,
        balloonTarget: b?.target ?? 0,
        balloonDriver: b?.driverActive ?? false,
        active: this.active,
        zeroPages: st.zeroReleased,
        scanned: st.scanned,
      },
    });
  }

  private fail(e: unknown): void {
    const err = e as Error;
    post({ type: 'error', message: err?.stack ?? String(e) });
    void this.stop();
  }

  async stop(): Promise<void> {
    this.off = true;
    clearInterval(this.memTimer);
    this.clearWait();
    for (const n of this.nics) n.close();
    try {
      await closePrepared(this.prepared);
    } finally {
      this.swap?.close();
      post({ type: 'stopped' });
      port.close();
    }
  }
}

/** The pool's reclaim hook in this thread: when machine memory runs out, swap out some of our own pages. */
let runner: VmRunner | null = null;

async function main(): Promise<void> {
  // The lock tag names this thread, so the host can break the pool lock if it is killed holding it.
  const pool = MachinePagePool.attach(spec.pool, () => (runner !== null ? runner.swapOut(64, false) > 0 || runner.swapOut(64) > 0 : false), threadId + 1);
  const swap = spec.swapPath !== null && spec.swapPages > 0 ? new FileSwapStore(spec.swapPath, spec.swapPages) : null;
  const relay = new RelayConsole((bytes) => post({ type: 'console-out', bytes }));
  const nics = spec.nics.map((n) => (n.channel ? new RemotePortClient(n.channel) : null));
  // Machine memory may be short while the host reclaims it from the other VMs: wait a little and try again.
  let prepared: Prepared | null = null;
  for (let attempt = 0; prepared === null; attempt++) {
    try {
      prepared = await prepareVm(pool, swap, relay, nics);
    } catch (e) {
      if (!(e instanceof PoolExhaustedError) || attempt >= 40) throw e;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  if (spec.resumeFrom) prepared.pc.machine.restore(deserialize(readFileSync(spec.resumeFrom)) as MachineSnapshot);
  const live = nics.filter((n): n is RemotePortClient => n !== null);
  for (const n of live) n.start();
  runner = new VmRunner(prepared, relay, live, swap);
  const r = runner;
  port.on('message', (m: ToWorker) => r.onMessage(m));
  post({ type: 'ready', pmap: prepared.pc.machine.pmap.sharedTables });
}

function prepareVm(pool: MachinePagePool, swap: FileSwapStore | null, relay: RelayConsole, nics: (RemotePortClient | null)[]): Promise<Prepared> {
  return prepareFromOptions(
    spec.options,
    () => undefined,
    {
      ...(spec.config ? { vmx: spec.config } : {}),
      baseDir: spec.baseDir,
      serial0: relay,
      pc: {
        pool,
        ...(swap ? { swap } : {}),
        vmware: spec.vmware,
        onTripleFault: spec.onTripleFault,
        nics: spec.nics.map((n, i) => ({ virtualDev: n.virtualDev, mac: n.mac, backend: nics[i] ?? null })),
        clock: { mode: 'realtime', hostNowMs: () => performance.now(), maxStepNs: 50_000_000, paused: true },
      },
    },
    { warn: (message) => post({ type: 'log', message }) },
  );
}

main().catch((e: unknown) => {
  post({ type: 'error', message: (e as Error)?.message ?? String(e) });
  post({ type: 'stopped' });
  port.close();
});
