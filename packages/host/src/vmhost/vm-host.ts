/**
 * The host: many VMs at once, each VM's vCPU in its own worker thread, all
 * guest memory in one machine-page pool shared by the workers. The main
 * thread is the control plane: power operations, the CPU scheduler (run
 * quanta by shares, reservations and limits), the memory scheduler
 * (targets by shares with the idle-memory tax; page sharing, ballooning,
 * swapping), VMnets between the workers' NICs, consoles and statistics.
 * A VM whose guest faults, hangs or whose worker dies is marked as such;
 * the others run on.
 *
 * @module
 */

import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import type { Worker } from 'node:worker_threads';
import type { CharReceiver } from '@vm/bus';
import { loadVmxConfig } from '@vm/machine';
import type { MachineConfig } from '@vm/machine';
import { MachinePagePool, Pmap } from '@vm/mmu';
import { resolveNicMac } from '@vm/net-nic';
import { RemotePortHost, VmnetRegistry, createRemotePortChannel } from '@vm/vmnet';
import type { Vmnet, VmnetPort } from '@vm/vmnet';
import type { RunOptions } from '../cli/run-args.js';
import { parseRunArgs, UsageError } from '../cli/run-args.js';
import { FileConsole } from '../console/file-console.js';
import type { SerialConsole } from '../console/serial-console.js';
import { SocketConsole } from '../console/socket-console.js';
import { CpuDispatcher, DEFAULT_QUANTUM_MS, LIMIT_WINDOW_MS } from '../sched/cpu-dispatcher.js';
import { admitCpu, cpuClaimFromConfig } from '../sched/cpu-policy.js';
import type { CpuClaim } from '../sched/cpu-policy.js';
import { BalloonMemo, balloonTarget } from '../sched/balloon-policy.js';
import { admitMem, DEFAULT_IDLE_TAX, memClaimFromConfig, memTargets, swapShares } from '../sched/mem-policy.js';
import type { MemClaim } from '../sched/mem-policy.js';
import { HostTimers } from './host-timers.js';
import type { FromWorker, ToWorker, VmMemoryStats, VmSpec } from './protocol.js';
import { spawnVmWorker } from './spawn-worker.js';
import { StatsHistory } from './stats-history.js';
import type { HostSample, VmInfo, VmPowerState, VmSample } from './vm-types.js';

const MiB = 1024 * 1024;
const PAGES_PER_MB = 256;

/** Options of {@link VmHost}. */
export interface VmHostOptions {
  /** Machine memory for all VMs, MB (the pool). */
  readonly poolMB: number;
  /** Physical CPUs to run VMs on at once (default 1). */
  readonly pcpus?: number;
  /** CPU quantum, ms (default {@link DEFAULT_QUANTUM_MS}, 50). */
  readonly quantumMs?: number;
  /** Folder for swap files (default the OS temp folder). */
  readonly swapDir?: string;
  /** Page-sharing scan rate per VM, pages/s (default 4096; 0 turns sharing off). */
  readonly shareScanVm?: number;
  /** Page-sharing scan rate for the whole host, pages/s (default 16384). */
  readonly shareScanHost?: number;
  /** Idle-memory tax rate, 0..0.99 (default 0.75). */
  readonly idleTax?: number;
  /** Memory scheduler and statistics period, ms (default 1000). */
  readonly periodMs?: number;
  /** Samples kept per VM and for the host (default 600). */
  readonly historySamples?: number;
  /** Give VMs the VMware backdoor and balloon (default true). */
  readonly vmware?: boolean;
  /** Sample active memory by write logging (default true). */
  readonly sampleActive?: boolean;
  /** What a guest triple fault does (default reset, as a PC). */
  readonly onTripleFault?: 'reset' | 'power-off';
  /** A VM holding a CPU this long without answering is hung: its worker is ended (default 10 s). */
  readonly hangMs?: number;
  /** Let workers honour test-only messages (the watchdog's test). Default false. */
  readonly testHooks?: boolean;
  /** Where console output of VMs without a serial0 file goes (default nowhere but the console buffer). */
  readonly consoleSink?: (vm: string, bytes: Uint8Array) => void;
  /** Host events (a VM powered off, crashed, was reset). */
  readonly onEvent?: (vm: string, event: string) => void;
}

/** Pages the host keeps for itself and VMs' ROMs (per VM). */
const OVERHEAD_PAGES_PER_VM = 5 * PAGES_PER_MB;
/**
 * Free pool memory below which the memory scheduler reclaims by ballooning
 * (ESX's "soft" state; above it, "high", nothing is taken from a VM beyond
 * its `sched.mem.max`): a guest ballooned while the host has memory to
 * spare only loses memory it may need (a Linux guest with its files in
 * tmpfs and no swap of its own stalls).
 */
const SOFT_WATER_FRACTION = 0.06;
/** Free pool memory below which the memory scheduler swaps (ESX's "hard" state; a fraction of the pool, at least {@link START_RESERVE_PAGES}). */
const LOW_WATER_FRACTION = 0.04;
/** Free pages a VM needs to power on (its ROMs, firmware tables, first pages); reclaimed from the others first. */
const START_RESERVE_PAGES = 256;
/** A VM granted a CPU that has not answered for this long is considered hung and its worker is ended. */
const HANG_MS = 10_000;
/** Console output kept per VM for `vm console` to replay. */
const CONSOLE_BACKLOG = 64 * 1024;

class VmEntry {
  state: VmPowerState = 'off';
  cpuOverride: Partial<Pick<CpuClaim, 'shares' | 'minPct' | 'maxPct'>> = {};
  worker: Worker | null = null;
  console: SerialConsole | null = null;
  backlog: Uint8Array = new Uint8Array(0);
  readonly listeners = new Set<(bytes: Uint8Array) => void>();
  nicHosts: RemotePortHost[] = [];
  nicPorts: { net: Vmnet; port: VmnetPort }[] = [];
  mem: VmMemoryStats | null = null;
  pmapTables: { readonly state: SharedArrayBuffer; readonly frame: SharedArrayBuffer } | null = null;
  swapPath: string | null = null;
  lockTag = 0;
  grantedAt = 0;
  /** The suspend-to-disk file while suspended (or being resumed from). */
  checkpoint: string | null = null;
  retired = 0;
  guestNs = 0;
  resets = 0;
  lastEvent: string | null = null;
  readonly history: StatsHistory<VmSample>;
  lastUsed = 0;
  lastReady = 0;
  targetPages = 0;
  /** The balloon policy's memory of this VM (reset at power-on). */
  balloon = new BalloonMemo();
  startWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  stopWaiters: (() => void)[] = [];
  constructor(
    readonly name: string,
    readonly vmx: string | null,
    readonly config: MachineConfig | null,
    readonly baseDir: string,
    readonly options: RunOptions,
    readonly owner: number,
    historySamples: number,
  ) {
    this.history = new StatsHistory(historySamples);
  }
  get memsizeMB(): number {
    return this.options.memoryMiB ?? this.config?.memsize ?? 128;
  }
  cpuClaim(): CpuClaim {
    const base = this.config ? cpuClaimFromConfig(this.name, this.config.sched.cpu) : { id: this.name, shares: 1000, minPct: 0, maxPct: null, vcpus: 1 };
    return { ...base, ...this.cpuOverride };
  }
  memClaim(): MemClaim {
    const active = this.mem?.active ?? 1;
    return this.config
      ? memClaimFromConfig(this.name, this.memsizeMB, this.config.sched.mem, active)
      : memClaimFromConfig(this.name, this.memsizeMB, { shares: 'normal', minsize: 0, max: null }, active);
  }
}

/** The host: an inventory of VMs, run in workers on one shared page pool. */
export class VmHost {
  /** The machine-page pool all VMs' memory comes from. */
  readonly pool: MachinePagePool;
  /** VMnets by name (`ethernetN.networkName`). */
  readonly networks: VmnetRegistry;
  /** Physical CPUs shared out. */
  get pcpus(): number {
    return this.dispatcher.pcpus;
  }
  private readonly dispatcher: CpuDispatcher;
  private readonly vms = new Map<string, VmEntry>();
  private readonly timers = new HostTimers();
  private readonly periodic: NodeJS.Timeout;
  private readonly hostHistory: StatsHistory<HostSample>;
  private readonly opts: Required<Omit<VmHostOptions, 'consoleSink' | 'onEvent'>> & Pick<VmHostOptions, 'consoleSink' | 'onEvent'>;
  private readonly started = performance.now();
  private nextOwner = 1;
  private closed = false;

  /** @param options pool size, CPUs, scheduler settings */
  constructor(options: VmHostOptions) {
    this.opts = {
      pcpus: 1,
      quantumMs: DEFAULT_QUANTUM_MS,
      swapDir: join(tmpdir(), `vm-host-${process.pid}`),
      shareScanVm: 4096,
      shareScanHost: 16384,
      idleTax: DEFAULT_IDLE_TAX,
      periodMs: 1000,
      historySamples: 600,
      vmware: true,
      sampleActive: true,
      onTripleFault: 'reset',
      hangMs: HANG_MS,
      testHooks: false,
      ...options,
    };
    if (!(options.poolMB >= 8 && options.poolMB <= 2047)) throw new UsageError(`pool ${options.poolMB} MB: expected 8..2047 MB`);
    this.pool = new MachinePagePool({ bytes: options.poolMB * MiB });
    this.networks = new VmnetRegistry({ clock: this.timers, timers: this.timers });
    this.hostHistory = new StatsHistory(this.opts.historySamples);
    this.dispatcher = new CpuDispatcher({
      pcpus: this.opts.pcpus,
      quantumMs: this.opts.quantumMs,
      nowMs: () => performance.now(),
      grant: (id, ms) => this.grant(id, ms),
      wakeAfter: (ms) => void setTimeout(() => this.dispatcher.dispatch(), ms),
    });
    this.periodic = setInterval(() => this.tick(), this.opts.periodMs);
  }

  // ------------------------------------------------------------ inventory

  /** Add a `.vmx` to the inventory (not started). Returns the VM's name (its displayName, made unique). */
  addVmx(path: string, warn: (message: string) => void = () => undefined): string {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new UsageError(`cannot read .vmx ${path}: ${(e as Error).message}`);
    }
    const config = loadVmxConfig(text, (d) => warn(`${path}: ${d.message}`));
    const base = config.displayName || basename(path, '.vmx');
    const name = this.uniqueName(base);
    const o = parseRunArgs([path]);
    this.vms.set(name, new VmEntry(name, resolve(path), config, dirname(resolve(path)), o, this.nextOwner++, this.opts.historySamples));
    return name;
  }

  /** Add a VM made from `vm run`-style options (a kernel or a firmware image); returns its name. */
  addVm(name: string, options: RunOptions): string {
    const n = this.uniqueName(name);
    this.vms.set(n, new VmEntry(n, null, null, process.cwd(), options, this.nextOwner++, this.opts.historySamples));
    return n;
  }

  /** Every VM in the inventory. */
  list(): VmInfo[] {
    return [...this.vms.values()].map((v) => this.info(v));
  }

  /** One VM, or undefined. */
  get(name: string): VmInfo | undefined {
    const v = this.vms.get(name);
    return v ? this.info(v) : undefined;
  }

  private info(v: VmEntry): VmInfo {
    const c = v.cpuClaim();
    const m = v.memClaim();
    return {
      name: v.name,
      vmx: v.vmx,
      state: v.state,
      memsizeMB: v.memsizeMB,
      cpu: { shares: c.shares, minPct: c.minPct, maxPct: c.maxPct },
      mem: { shares: m.shares, minMB: m.minPages / PAGES_PER_MB },
      resets: v.resets,
      lastEvent: v.lastEvent,
    };
  }

  private uniqueName(base: string): string {
    const clean = base.replace(/[^A-Za-z0-9._-]+/g, '-') || 'vm';
    let n = clean;
    for (let i = 2; this.vms.has(n); i++) n = `${clean}-${i}`;
    return n;
  }

  private entry(name: string): VmEntry {
    const v = this.vms.get(name);
    if (!v) throw new UsageError(`no VM named "${name}"`);
    return v;
  }

  // ------------------------------------------------------------ power

  /**
   * Power a VM on: admission control (CPU reservations must fit the host's
   * CPUs, memory reservations the pool, the rest the VM's swap file), then
   * its NICs join their VMnets, its console opens and its worker builds
   * the machine. Resolves once it runs.
   */
  async start(name: string): Promise<void> {
    const v = this.entry(name);
    if (v.state !== 'off' && v.state !== 'crashed' && v.state !== 'suspended') throw new UsageError(`${name} is ${v.state}`);
    const resumeFrom = v.state === 'suspended' ? v.checkpoint : null;
    const on = [...this.vms.values()].filter((x) => x !== v && this.holdsResources(x));
    const cpu = admitCpu(
      on.map((x) => x.cpuClaim()),
      v.cpuClaim(),
      this.pcpus,
    );
    if (!cpu.ok) throw new UsageError(`${name}: cannot power on: ${cpu.reason}`);
    const claim = v.memClaim();
    const swapPages = claim.sizePages - claim.minPages;
    const mem = admitMem(
      on.map((x) => x.memClaim()),
      claim,
      this.availablePages(on.length + 1),
      swapPages,
    );
    if (!mem.ok) throw new UsageError(`${name}: cannot power on: ${mem.reason}`);

    v.state = 'starting';
    await this.reclaimFor(START_RESERVE_PAGES, on);
    v.lastEvent = null;
    if (resumeFrom === null) v.resets = 0;
    v.mem = null;
    v.balloon = new BalloonMemo();
    v.retired = 0;
    v.lastUsed = 0;
    v.lastReady = 0;
    this.openConsole(v);
    const nics = this.plugNics(v);
    mkdirSync(this.opts.swapDir, { recursive: true });
    const spec: VmSpec = {
      id: v.name,
      owner: v.owner,
      config: v.config,
      baseDir: v.baseDir,
      options: v.options,
      pool: this.pool.shared,
      swapPath: swapPages > 0 ? join(this.opts.swapDir, `${v.name}.vswp`) : null,
      swapPages,
      nics,
      vmware: this.opts.vmware,
      onTripleFault: this.opts.onTripleFault,
      scanPagesPerSec: this.opts.shareScanVm,
      sampleActive: this.opts.sampleActive,
      testHooks: this.opts.testHooks,
      resumeFrom,
    };
    v.swapPath = spec.swapPath;
    const worker = spawnVmWorker(spec);
    v.lockTag = worker.threadId + 1;
    v.worker = worker;
    worker.on('message', (m: FromWorker) => this.fromWorker(v, m));
    worker.on('error', (e) => {
      v.lastEvent = `worker failed: ${e.message}`;
    });
    worker.on('exit', (code) => this.workerGone(v, worker, code));
    await new Promise<void>((res, rej) => v.startWaiters.push({ resolve: res, reject: rej }));
  }

  /**
   * Power a VM off: hard (the worker tears the machine down now) or soft
   * (the ACPI power button; the guest shuts down and powers off itself,
   * or is powered off hard after `timeoutMs`). Resolves once it is off.
   */
  async stop(name: string, options: { soft?: boolean; timeoutMs?: number } = {}): Promise<void> {
    const v = this.entry(name);
    if (v.state === 'suspended') {
      // Powering a suspended VM off throws its saved state away.
      if (v.checkpoint !== null) rmSync(v.checkpoint, { force: true });
      v.checkpoint = null;
      v.state = 'off';
      return;
    }
    if (v.state === 'off' || v.state === 'crashed' || v.worker === null) return;
    const done = new Promise<void>((res) => v.stopWaiters.push(res));
    if (options.soft) {
      this.send(name, { type: 'power-button' });
      if (v.state === 'paused') await this.resume(name);
      const t = setTimeout(() => this.hardStop(v), options.timeoutMs ?? 120_000);
      await done;
      clearTimeout(t);
      return;
    }
    this.hardStop(v);
    await done;
  }

  private hardStop(v: VmEntry): void {
    if (v.worker === null) return;
    v.state = 'stopping';
    this.dispatcher.remove(v.name);
    this.send(v.name, { type: 'stop' });
    const w = v.worker;
    // A worker stuck in a guest's endless instruction stream still answers between quanta; one that does not is ended.
    setTimeout(() => void w.terminate(), 5000).unref();
  }

  /**
   * Change a VM's CPU settings while it runs (shares, reservation, limit),
   * subject to admission control; they last until it is removed.
   */
  setCpu(name: string, settings: Partial<Pick<CpuClaim, 'shares' | 'minPct' | 'maxPct'>>): void {
    const v = this.entry(name);
    const next = { ...v.cpuClaim(), ...settings };
    const others = [...this.vms.values()].filter((x) => x !== v && this.holdsResources(x)).map((x) => x.cpuClaim());
    const ok = admitCpu(others, next, this.pcpus);
    if (!ok.ok) throw new UsageError(`${name}: ${ok.reason}`);
    v.cpuOverride = { ...v.cpuOverride, ...settings };
    this.dispatcher.update(v.cpuClaim());
  }

  /** Change the number of physical CPUs VMs run on (reservations must still fit). */
  setPcpus(pcpus: number): void {
    const reserved = [...this.vms.values()].filter((x) => this.holdsResources(x)).reduce((s, x) => s + x.cpuClaim().minPct, 0);
    if (reserved > 100 * pcpus) throw new UsageError(`${reserved}% of CPU is reserved: it does not fit ${pcpus} CPUs`);
    this.dispatcher.setPcpus(pcpus);
  }

  /** Press the VM's reset button. */
  reset(name: string): void {
    const v = this.entry(name);
    if (v.state !== 'on' && v.state !== 'paused') throw new UsageError(`${name} is ${v.state}`);
    this.send(name, { type: 'reset' });
  }

  /** Stop giving the VM CPU (its memory stays; its clock stands still). */
  pause(name: string): void {
    const v = this.entry(name);
    if (v.state !== 'on') throw new UsageError(`${name} is ${v.state}`);
    v.state = 'paused';
    this.dispatcher.setIdle(name, 'stopped');
    this.send(name, { type: 'pause' });
  }

  /**
   * Suspend to disk, as ESX does: the worker saves the whole machine (CPU,
   * devices, time, memory) to `<swap-dir>/<name>.vmss` and ends, giving its
   * memory back. {@link resume} (or {@link start}) continues from there.
   */
  async suspend(name: string): Promise<void> {
    const v = this.entry(name);
    if (v.state !== 'on' && v.state !== 'paused') throw new UsageError(`${name} is ${v.state}`);
    const path = join(this.opts.swapDir, `${v.name}.vmss`);
    v.state = 'suspending';
    this.dispatcher.setIdle(name, 'stopped');
    const done = new Promise<void>((res) => v.stopWaiters.push(res));
    this.send(name, { type: 'checkpoint', path });
    await done;
    if (v.checkpoint === null) throw new UsageError(`${name}: ${v.lastEvent ?? 'suspend failed'}`);
  }

  /** Let a paused VM run again, or power a suspended one on from its checkpoint. */
  async resume(name: string): Promise<void> {
    const v = this.entry(name);
    if (v.state === 'suspended') return this.start(name);
    if (v.state !== 'paused') throw new UsageError(`${name} is ${v.state}`);
    v.state = 'on';
    this.send(name, { type: 'unpause' });
    this.dispatcher.setReady(name);
  }
  /** Stop every VM (hard) and the host's timers. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.periodic);
    await Promise.all([...this.vms.values()].filter((v) => v.worker !== null).map((v) => this.stop(v.name)));
    this.timers.close();
  }

  private grant(name: string, ms: number): void {
    const v = this.vms.get(name);
    if (v) v.grantedAt = performance.now();
    this.send(name, { type: 'grant', ms });
  }

  /** End the workers of VMs that hold a CPU and stopped answering (a host-side bug, never a guest's doing). */
  private watchdog(): void {
    const now = performance.now();
    for (const v of this.vms.values()) {
      if (v.worker === null || v.grantedAt === 0 || this.dispatcher.stats(v.name)?.state !== 'running') continue;
      if (now - v.grantedAt > this.opts.hangMs) {
        v.lastEvent = `hung: no answer for ${Math.round((now - v.grantedAt) / 1000)} s`;
        v.state = 'crashed';
        this.dispatcher.remove(v.name);
        this.opts.onEvent?.(v.name, v.lastEvent);
        void v.worker.terminate();
      }
    }
  }

  /** Powered on in some form (holding CPU or memory reservations). */
  private holdsResources(v: VmEntry): boolean {
    return v.state !== 'off' && v.state !== 'crashed' && v.state !== 'suspended';
  }

  private send(name: string, m: ToWorker): void {
    const v = this.vms.get(name);
    try {
      v?.worker?.postMessage(m);
    } catch {
      // The worker is gone; its exit handler cleans up.
    }
  }

  // ------------------------------------------------------------ worker events

  private fromWorker(v: VmEntry, m: FromWorker): void {
    switch (m.type) {
      case 'ready':
        v.pmapTables = m.pmap;
        v.state = 'on';
        if (v.checkpoint !== null) {
          // Resumed: the saved state is used up.
          rmSync(v.checkpoint, { force: true });
          v.checkpoint = null;
        }
        this.dispatcher.add(v.cpuClaim());
        this.dispatcher.setReady(v.name);
        for (const w of v.startWaiters.splice(0)) w.resolve();
        this.opts.onEvent?.(v.name, 'powered on');
        break;
      case 'error':
        v.lastEvent = `error: ${m.message.split('\n')[0]}`;
        this.opts.onEvent?.(v.name, v.lastEvent);
        for (const w of v.startWaiters.splice(0)) w.reject(new UsageError(`${v.name}: ${m.message.split('\n')[0]}`));
        v.state = 'crashed';
        this.dispatcher.remove(v.name);
        break;
      case 'log':
        this.opts.onEvent?.(v.name, m.message);
        break;
      case 'ran':
        v.retired += m.retired;
        v.guestNs = m.guestNs;
        v.grantedAt = 0;
        this.dispatcher.ran(v.name, m.usedMs, m.next === 'off' || v.state !== 'on' ? 'stopped' : m.next);
        break;
      case 'wake':
        if (v.state === 'on') this.dispatcher.setReady(v.name);
        break;
      case 'console-out':
        this.consoleOut(v, m.bytes);
        break;
      case 'power-off':
        v.lastEvent = `powered off: ${m.reason}`;
        this.opts.onEvent?.(v.name, v.lastEvent);
        v.state = 'stopping';
        this.dispatcher.remove(v.name);
        this.send(v.name, { type: 'stop' });
        break;
      case 'reset':
        v.resets = m.count;
        v.lastEvent = `reset: ${m.reason}`;
        break;
      case 'memory':
        v.mem = m.stats;
        break;
      case 'checkpointed':
        v.checkpoint = m.path;
        v.lastEvent = `suspended to ${m.path} (${Math.round(m.bytes / 1024)} KiB)`;
        this.opts.onEvent?.(v.name, v.lastEvent);
        break;
      case 'checkpoint-failed':
        v.lastEvent = `suspend failed: ${m.message}`;
        v.state = 'on';
        this.dispatcher.setReady(v.name);
        for (const w of v.stopWaiters.splice(0)) w();
        break;
      case 'stopped':
        break;
    }
  }

  private workerGone(v: VmEntry, worker: Worker, code: number): void {
    if (v.worker !== worker) return;
    v.worker = null;
    // A worker killed in the middle of a pool operation must not leave the lock held, nor its pages taken.
    this.pool.breakLock(v.lockTag);
    if (v.pmapTables !== null) this.pool.unrefAll(Pmap.orphanedFrames(v.pmapTables));
    v.pmapTables = null;
    if (v.swapPath !== null) rmSync(v.swapPath, { force: true });
    v.swapPath = null;
    this.dispatcher.remove(v.name);
    if (v.state === 'suspending' && v.checkpoint !== null) v.state = 'suspended';
    else if (v.state !== 'stopping' && v.state !== 'crashed') {
      v.state = 'crashed';
      v.lastEvent = v.lastEvent ?? `worker exited (code ${code})`;
      this.opts.onEvent?.(v.name, `crashed: ${v.lastEvent}`);
    } else if (v.state === 'stopping') v.state = 'off';
    for (const h of v.nicHosts) h.close();
    v.nicHosts = [];
    for (const p of v.nicPorts) p.net.removePort(p.port);
    v.nicPorts = [];
    v.console?.close();
    v.console = null;
    for (const w of v.startWaiters.splice(0)) w.reject(new UsageError(`${v.name}: ${v.lastEvent ?? 'worker exited'}`));
    for (const w of v.stopWaiters.splice(0)) w();
  }

  // ------------------------------------------------------------ consoles and NICs

  private openConsole(v: VmEntry): void {
    const s0 = v.config?.serial.find((s) => s.index === 0 && s.present);
    if (!s0 || !s0.fileName) return;
    const path = resolve(v.baseDir, s0.fileName);
    let c: SerialConsole;
    if (s0.fileType === 'file') c = new FileConsole(path);
    else if (s0.fileType === 'network' || s0.fileType === 'pipe') c = new SocketConsole(/^(unix|tcp):/.test(s0.fileName) ? s0.fileName : `unix:${path}`);
    else return;
    const pending: number[] = [];
    const rx: CharReceiver = {
      receiveByte: (b: number): boolean => {
        pending.push(b);
        if (pending.length === 1) queueMicrotask(() => this.consoleIn(v.name, Uint8Array.from(pending.splice(0))));
        return true;
      },
    };
    c.attach(rx);
    v.console = c;
  }

  private consoleOut(v: VmEntry, bytes: Uint8Array): void {
    if (v.console) {
      for (let i = 0; i < bytes.length; i++) v.console.writeByte(bytes[i]!);
      v.console.flush();
    } else this.opts.consoleSink?.(v.name, bytes);
    const keep = Math.min(CONSOLE_BACKLOG, v.backlog.length + bytes.length);
    const next = new Uint8Array(keep);
    const all = new Uint8Array(v.backlog.length + bytes.length);
    all.set(v.backlog);
    all.set(bytes, v.backlog.length);
    next.set(all.subarray(all.length - keep));
    v.backlog = next;
    for (const l of v.listeners) l(bytes);
  }

  /** Type `bytes` at a VM's first serial port. */
  consoleIn(name: string, bytes: Uint8Array): void {
    this.send(name, { type: 'console-in', bytes });
  }

  /**
   * Follow a VM's console output: `sink` gets the recent backlog at once,
   * then every new chunk. Returns a function that stops following.
   */
  consoleAttach(name: string, sink: (bytes: Uint8Array) => void): () => void {
    const v = this.entry(name);
    if (v.backlog.length > 0) sink(v.backlog.slice());
    v.listeners.add(sink);
    return () => v.listeners.delete(sink);
  }

  /** The recent console output of a VM (up to 64 KiB). */
  consoleText(name: string): string {
    return Buffer.from(this.entry(name).backlog).toString('latin1');
  }

  private plugNics(v: VmEntry): VmSpec['nics'] {
    const out: { index: number; virtualDev: 'vlance' | 'e1000'; mac: Uint8Array; channel: ReturnType<typeof createRemotePortChannel> | null }[] = [];
    for (const e of v.config?.ethernet ?? []) {
      if (!e.present) continue;
      if (out.length === 4) break;
      const netName = e.networkName ?? 'VM Network';
      const net = this.networks.getOrCreate(netName);
      const portName = `${v.name}.ethernet${e.index}`;
      // One address for both ends: the NIC's station address and the port's policy checks.
      const mac = resolveNicMac(v.name, e.index, e.address ?? undefined);
      if (!mac.ok) throw new UsageError(`${v.name}: ${mac.error}`);
      const port = net.createPort({ name: portName, mac: mac.mac });
      const channel = createRemotePortChannel({ slots: 256, slotBytes: 1518 });
      const host = new RemotePortHost(port, channel);
      host.start();
      v.nicHosts.push(host);
      v.nicPorts.push({ net, port });
      out.push({ index: e.index, virtualDev: e.virtualDev, mac: mac.mac, channel });
    }
    return out;
  }

  // ------------------------------------------------------------ memory scheduler and statistics

  /** Make `pages` free before a power-on: the running VMs swap out what they hold above their targets. */
  private async reclaimFor(pages: number, on: VmEntry[]): Promise<void> {
    const end = performance.now() + 10_000;
    while (this.pool.freePages < pages && performance.now() < end) {
      const need = pages - this.pool.freePages;
      const holders = on.filter((x) => x.state === 'on' || x.state === 'paused');
      const total = holders.reduce((s, x) => s + (x.mem?.residentPages ?? 0), 0);
      if (total === 0) break;
      for (const x of holders) {
        const part = Math.ceil((need * (x.mem?.residentPages ?? 0)) / total) + 8;
        this.send(x.name, { type: 'memory', orders: { balloonPages: x.mem?.balloonTarget ?? 0, swapOutPages: part, scanPagesPerSec: this.opts.shareScanVm } });
      }
      await new Promise((r) => setTimeout(r, 300));
    }
  }

  private availablePages(vmsOn: number): number {
    return Math.max(0, this.pool.pageCount - 1 - vmsOn * OVERHEAD_PAGES_PER_VM);
  }

  /** One period: memory targets and orders, statistics samples. */
  tick(): void {
    this.watchdog();
    const on = [...this.vms.values()].filter((v) => v.state === 'on' || v.state === 'paused');
    const claims = on.map((v) => v.memClaim());
    const targets = memTargets(claims, this.availablePages(on.length), this.opts.idleTax);
    const free = this.pool.freePages;
    const low = free < Math.max(this.pool.pageCount * LOW_WATER_FRACTION, START_RESERVE_PAGES);
    const soft = free < this.pool.pageCount * SOFT_WATER_FRACTION;
    const scanEach = on.length > 0 ? Math.min(this.opts.shareScanVm, this.opts.shareScanHost / on.length) : 0;
    const now = performance.now();
    // Swapping, when the pool is scarce, takes what brings it back to the soft line (where ballooning goes on),
    // from the VMs above their targets in proportion to how far above they are.
    const softPages = Math.ceil(this.pool.pageCount * SOFT_WATER_FRACTION);
    const swapNeed = low ? Math.max(0, softPages - free) : 0;
    const swapParts = swapShares(
      swapNeed,
      on.map((v) => (v.mem?.residentPages ?? 0) - (targets.get(v.name) ?? 0)),
    );
    for (const [i, v] of on.entries()) {
      const c = claims.find((x) => x.id === v.name)!;
      const target = targets.get(v.name) ?? c.sizePages;
      v.targetPages = target;
      // The balloon makes the guest live within its target once memory is short (and always within its limit);
      // while it is not, a balloon only ever shrinks. It never takes more than the guest can spare (balloon-policy.ts).
      const wanted = Math.max(0, Math.min(c.sizePages - target, c.sizePages - c.minPages));
      const limit = c.sizePages - c.maxPages;
      const m = v.mem;
      const current = m?.balloonTarget ?? 0;
      const asked = soft ? wanted : Math.min(current, wanted);
      const balloonPages =
        m === null
          ? 0
          : balloonTarget(
              { sizePages: m.sizePages, residentPages: m.residentPages, swappedPages: m.swappedPages, zeroPages: m.zeroPages, balloonPages: m.balloonPages, driver: m.balloonDriver },
              asked,
              v.balloon,
              now,
              limit,
            );
      // Swapping takes what the balloon cannot: its part of what the pool needs, and what is above the limit always.
      const overLimit = (m?.residentPages ?? 0) - c.maxPages;
      const swapOutPages = Math.max(swapParts[i]!, overLimit > 0 ? Math.ceil(overLimit / 4) : 0);
      this.send(v.name, { type: 'memory', orders: { balloonPages, swapOutPages, scanPagesPerSec: Math.floor(scanEach) } });
    }
    this.sample(on);
  }

  private sample(on: VmEntry[]): void {
    const t = performance.now() - this.started;
    const period = this.opts.periodMs;
    let hostLastSecond = 0;
    for (const v of on) {
      const s = this.dispatcher.stats(v.name);
      if (!s) continue;
      const lastSecond = this.dispatcher.usedInLast(v.name, LIMIT_WINDOW_MS) ?? 0;
      hostLastSecond += lastSecond;
      const m = v.mem;
      const mb = (pages: number): number => Math.round((pages / PAGES_PER_MB) * 100) / 100;
      v.history.push({
        t,
        cpuUsedPct: (lastSecond / LIMIT_WINDOW_MS) * 100,
        cpuReadyPct: ((s.readyMs - v.lastReady) / period) * 100,
        cpuUsedMs: s.usedMs,
        cpuReadyMs: s.readyMs,
        entitlementPct: s.entitlementPct,
        retired: v.retired,
        guestNs: v.guestNs,
        mem: {
          grantedMB: mb(v.targetPages),
          residentMB: mb(m?.residentPages ?? 0),
          sharedMB: mb(m?.sharedPages ?? 0),
          balloonedMB: mb(m?.balloonPages ?? 0),
          balloonTargetMB: mb(m?.balloonTarget ?? 0),
          swappedMB: mb(m?.swappedPages ?? 0),
          activeMB: mb((m?.active ?? 0) * (m?.sizePages ?? 0)),
          zeroPages: m?.zeroPages ?? 0,
        },
      });
      v.lastUsed = s.usedMs;
      v.lastReady = s.readyMs;
    }
    const sharedGuest = on.reduce((s, v) => s + (v.mem?.sharedPages ?? 0), 0);
    const used = this.pool.usedPages;
    this.hostHistory.push({
      t,
      poolMB: Math.floor(this.pool.pageCount / PAGES_PER_MB),
      usedMB: Math.round((used / PAGES_PER_MB) * 100) / 100,
      freeMB: Math.round((this.pool.freePages / PAGES_PER_MB) * 100) / 100,
      sharedGuestMB: Math.round((sharedGuest / PAGES_PER_MB) * 100) / 100,
      sharedMachineMB: Math.round((this.pool.registeredPages / PAGES_PER_MB) * 100) / 100,
      guestMB: on.reduce((s, v) => s + v.memsizeMB, 0),
      cpuUsedPct: (hostLastSecond / LIMIT_WINDOW_MS) * 100,
      vmsOn: on.length,
    });
  }

  /** Statistics samples of a VM since `sinceMs` (host time). */
  vmStats(name: string, sinceMs?: number): VmSample[] {
    return this.entry(name).history.list(sinceMs);
  }

  /** Host statistics samples since `sinceMs`. */
  hostStats(sinceMs?: number): HostSample[] {
    return this.hostHistory.list(sinceMs);
  }

  /** The latest sample of every powered-on VM, and the host's. */
  latest(): { host: HostSample | null; vms: Record<string, VmSample | null> } {
    const vms: Record<string, VmSample | null> = {};
    for (const v of this.vms.values()) vms[v.name] = v.state === 'off' ? null : (v.history.last ?? null);
    return { host: this.hostHistory.last ?? null, vms };
  }

  /** Instructions the VM's guest has retired since power-on (its own progress). */
  retired(name: string): number {
    return this.entry(name).retired;
  }

  /** CPU used and ready time of a VM since power-on, ms (live, not sampled). */
  cpuTimes(name: string): { usedMs: number; readyMs: number } | null {
    const s = this.dispatcher.stats(name);
    return s ? { usedMs: s.usedMs, readyMs: s.readyMs } : null;
  }

  /** The latest memory report of a VM's worker. */
  memory(name: string): VmMemoryStats | null {
    return this.entry(name).mem;
  }
}
