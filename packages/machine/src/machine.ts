import { CpuRunState, StateError } from '@vm/bus';
import type { CpuPlatform, Device, DeviceContext, DeviceState, InterruptAcknowledge, Snapshotable, VCpu } from '@vm/bus';
import { MachinePagePool, PhysicalAddressSpace, Pmap, PortSpace } from '@vm/mmu';
import type { RegionHandle, RomHandle, SwapStore } from '@vm/mmu';
import { ForwardingLine } from './irq/forwarding-line.js';
import { IrqRouter } from './irq/irq-router.js';
import type { IrqRouterState } from './irq/irq-router.js';
import { captureMemory, restoreMemory } from './memory-image.js';
import type { MemoryImage } from './memory-image.js';
import { PlatformRequests } from './platform/platform-requests.js';
import type { PlatformRequest } from './platform/platform-requests.js';
import { TimerQueue } from './time/timer-queue.js';
import type { TimerState } from './time/timer-queue.js';
import { VirtualClock } from './time/virtual-clock.js';
import type { VirtualClockOptions, VirtualClockState } from './time/virtual-clock.js';

const MiB = 1024 * 1024;
const PAGE = 4096;

/** Thrown for wiring mistakes made by the code that assembles a machine (never for guest behaviour). */
export class MachineError extends Error {
  /** @param message what is wrong */
  constructor(message: string) {
    super(message);
    this.name = 'MachineError';
  }
}

/** Options for {@link Machine}. */
export interface MachineOptions {
  /** Diagnostic name (a VM's displayName). Default `"vm"`. */
  readonly name?: string;
  /** Guest RAM in MB (the `.vmx` `memsize`), 1..3584. Default 16. */
  readonly memoryMB?: number;
  /**
   * `flat` (default): one RAM region from guest-physical 0 up to the RAM
   * size; ROM and MMIO regions added later sit on top of it (higher
   * priority). `none`: add RAM yourself with {@link Machine.addRam}.
   */
  readonly ramLayout?: 'flat' | 'none';
  /**
   * The machine-page pool to take memory from (share one between machines).
   * Default: a new pool of RAM size plus {@link romReserveBytes}.
   */
  readonly pool?: MachinePagePool;
  /** Where the pmap swaps pages out to (the host's per-VM swap file); without one the VM cannot be swapped. */
  readonly swap?: SwapStore;
  /** Pool space for ROMs when the machine creates its own pool. Default 2 MiB. */
  readonly romReserveBytes?: number;
  /** The clock's mode. Default deterministic, 1 ns per instruction. */
  readonly clock?: VirtualClockOptions;
  /** Number of platform interrupt inputs. Default 24 (16 ISA IRQs plus PCI links, IOAPIC-sized). */
  readonly irqInputs?: number;
  /** Most instructions per {@link Machine.runSlice}. Default 100,000. */
  readonly sliceInstructions?: number;
  /** What a CPU triple fault does: reset the machine (a PC's behaviour, default) or power it off. */
  readonly onTripleFault?: 'reset' | 'power-off';
}

/** Why {@link Machine.runSlice} returned. */
export type SliceStop =
  /** The CPU ran (its budget, or up to an early exit): call again. */
  | 'ran'
  /** The CPU is halted waiting for an interrupt; see `waitNs`. */
  | 'halted'
  /** Halted with no timer armed: nothing inside the machine will ever wake it. */
  | 'idle'
  /** The machine was reset during this slice. */
  | 'reset'
  /** The machine is powered off. */
  | 'power-off';

/** Result of {@link Machine.runSlice}. */
export interface SliceResult {
  /** Why the slice ended. */
  readonly stop: SliceStop;
  /** Instructions retired in the slice. */
  readonly retired: number;
  /**
   * How long the host should wait before the next slice, in ns: 0 to go on
   * at once (a deterministic machine skips halted time itself), the time
   * to the next timer for a halted real-time machine, `Infinity` when
   * nothing but outside input can wake it.
   */
  readonly waitNs: number;
}

/** Limits for {@link Machine.runUntil}; it stops at the first one reached. */
export interface RunLimits {
  /** Stop once virtual time reaches this (ns). */
  readonly timeNs?: number;
  /** Stop after this many more retired instructions. */
  readonly instructions?: number;
  /** Stop when this returns true (checked after every slice). */
  readonly until?: (machine: Machine) => boolean;
  /** Stop after this many slices (a guard for tests). Default unlimited. */
  readonly maxSlices?: number;
}

/** Why {@link Machine.runUntil} or {@link Machine.run} returned. */
export type RunStop = 'time' | 'instructions' | 'condition' | 'slices' | 'power-off' | 'idle' | 'wait' | 'aborted';

/** Result of {@link Machine.runUntil} and {@link Machine.run}. */
export interface RunResult {
  /** What stopped the run. */
  readonly stop: RunStop;
  /** Instructions retired during the run. */
  readonly retired: number;
  /** For `wait` (a halted real-time machine): ns until the next timer, or Infinity. */
  readonly waitNs: number;
}

/** Options for {@link Machine.run}. */
export interface HostRunOptions {
  /** Aborting it makes `run` return `aborted` after the current slice. */
  readonly signal?: AbortSignal;
  /**
   * How the host waits `ms` milliseconds (a halted real-time machine, and a
   * short yield every few slices so the host stays responsive). Must settle
   * early when `signal` aborts. Default: a timer-based sleep.
   */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Yield to the host event loop every this many slices. Default 16. */
  readonly yieldEvery?: number;
}

/** Reset count and the last reason, from {@link Machine.resets}. */
export interface ResetInfo {
  /** Resets since construction. */
  readonly count: number;
  /** Reason of the last reset, or null. */
  readonly lastReason: string | null;
}

/** How the machine was last powered off. */
export interface PowerOffInfo {
  /** The reason given by the requester. */
  readonly reason: string;
  /** Exit status (0 unless a test device says otherwise). */
  readonly code: number;
}

/** A whole machine's state: plain data, structured-clone safe. */
export interface MachineSnapshot {
  /** Format tag. */
  readonly format: 'vm-machine-snapshot';
  /** Format version. */
  readonly version: 1;
  /** Virtual time. */
  readonly clock: VirtualClockState;
  /** Every timer's deadline. */
  readonly timers: readonly TimerState[];
  /** Interrupt source levels. */
  readonly irq: IrqRouterState;
  /** Levels of the CPU-facing wires (INTR, NMI, A20). */
  readonly wires: {
    /** The CPU's INTR input. */
    readonly intr: boolean;
    /** The CPU's NMI input. */
    readonly nmi: boolean;
    /** The A20 gate. */
    readonly a20: boolean;
  };
  /** The CPU's state, or null for a machine without a CPU. */
  readonly cpu: DeviceState | null;
  /** Each device's state by device name. */
  readonly devices: Readonly<Record<string, DeviceState>>;
  /** Guest RAM. */
  readonly memory: MemoryImage;
}

/** The A20 gate wire: raise = enabled; forwarded to the CPU. */
/**
 * The CPU's INTR and NMI wires. An interrupt raised while the host waits for a
 * halted guest (a disk or network completion arriving from host I/O, not from
 * a timer) wakes the host's run loop, whatever device raised it.
 */
class CpuInputLine extends ForwardingLine {
  constructor(private readonly wake: () => void) {
    super();
  }
  override set(level: boolean): void {
    super.set(level);
    if (level) this.wake();
  }
}

class A20Line extends ForwardingLine {
  cpu: VCpu | null = null;
  override set(level: boolean): void {
    super.set(level);
    if (this.cpu !== null) this.cpu.setA20(level);
  }
}

/** Forwards interrupt acknowledge cycles to the installed controller. */
class AcknowledgeForwarder implements InterruptAcknowledge {
  controller: InterruptAcknowledge | null = null;
  acknowledge(): number {
    // With no controller the data bus floats high.
    return this.controller !== null ? this.controller.acknowledge() & 0xff : 0xff;
  }
}

const defaultSleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    if (ms <= 0 && typeof setImmediate === 'function') {
      // only a yield to the event loop: Node's setTimeout(0) would idle for a whole
      // millisecond, every 16 slices (about a tenth of a busy guest's time)
      setImmediate(resolve);
      return;
    }
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

function isSnapshotable(x: unknown): x is Snapshotable {
  return typeof x === 'object' && x !== null && typeof (x as Snapshotable).snapshot === 'function' && typeof (x as Snapshotable).restore === 'function';
}

/**
 * One virtual machine: the assembly point of memory, ports, interrupts,
 * time, devices and a CPU. It owns:
 *
 * - {@link memory}: a `PhysicalAddressSpace` (RAM from a machine-page pool,
 *   which many machines may share) and {@link ports}: a `PortSpace`;
 * - {@link clock} and {@link timers}: virtual time and the timer heap;
 * - {@link irq}: the platform interrupt inputs that devices get lines on and
 *   the interrupt controller attaches to; {@link cpuIntr} / {@link cpuNmi}:
 *   the wires into the CPU; {@link a20}: the A20 gate wire;
 * - {@link platform}: reset / power-off requests, carried out between slices;
 * - the devices (realized as they are added) and one {@link VCpu}.
 *
 * What the machine contains (which chipset, which controller) is decided by
 * whoever builds it; the machine only wires and runs.
 */
export class Machine {
  /** Diagnostic name. */
  readonly name: string;
  /** The machine-page pool guest memory comes from. */
  readonly pool: MachinePagePool;
  /** Guest page -> machine page map of this machine's RAM. */
  readonly pmap: Pmap;
  /** Guest-physical address space (RAM, ROM, MMIO). */
  readonly memory: PhysicalAddressSpace;
  /** Port I/O space. */
  readonly ports: PortSpace;
  /** Virtual time. */
  readonly clock: VirtualClock;
  /** The machine's timers. */
  readonly timers: TimerQueue;
  /** Platform interrupt inputs. */
  readonly irq: IrqRouter;
  /** The CPU's INTR wire: give it to the interrupt controller as its output. */
  readonly cpuIntr: ForwardingLine;
  /** The CPU's NMI wire. */
  readonly cpuNmi: ForwardingLine;
  /** The A20 gate wire (8042 output port, port 0x92): high = enabled. */
  readonly a20: ForwardingLine;
  /** Reset / power-off requests; give it to devices that need it. */
  readonly platform: PlatformRequests;
  /** Guest RAM size in bytes. */
  readonly ramBytes: number;
  /** Most instructions per slice. */
  readonly sliceInstructions: number;
  /** True when the machine created its pool (false when given a shared one). */
  readonly ownsPool: boolean;
  private readonly ack: AcknowledgeForwarder;
  private readonly deviceList: Device[];
  private readonly roms: RomHandle[];
  private readonly byName: Map<string, Device>;
  private readonly context: DeviceContext;
  private readonly cpuPlatform: CpuPlatform;
  private readonly tripleFault: 'reset' | 'power-off';
  private cpuRef: VCpu | null;
  private off: PowerOffInfo | null;
  private destroyed: boolean;
  private resetCount: number;
  private lastReset: string | null;
  private kickHost: (() => void) | null;
  /**
   * Called whenever something from outside the CPU wants it to look again
   * (an interrupt reached it, {@link kick}): a host driving the machine with
   * {@link runSlice} from its own loop ends its wait here.
   */
  onKick: (() => void) | null;
  private inSlice: boolean;
  private measuredPerNs: number;

  /** @param options size, pool, clock mode and limits */
  constructor(options: MachineOptions = {}) {
    this.name = options.name ?? 'vm';
    const mb = options.memoryMB ?? 16;
    if (!Number.isInteger(mb) || mb < 1 || mb > 3584) throw new MachineError(`${this.name}: memoryMB ${mb} is not in 1..3584`);
    this.ramBytes = mb * MiB;
    const slice = options.sliceInstructions ?? 100_000;
    if (!Number.isInteger(slice) || slice < 1) throw new MachineError(`${this.name}: sliceInstructions ${slice} must be a positive integer`);
    this.sliceInstructions = slice;
    this.tripleFault = options.onTripleFault ?? 'reset';

    this.ownsPool = options.pool === undefined;
    this.pool = options.pool ?? new MachinePagePool({ bytes: this.ramBytes + (options.romReserveBytes ?? 2 * MiB) + 2 * PAGE });
    this.pmap = new Pmap({ pool: this.pool, pages: this.ramBytes / PAGE, ...(options.swap ? { swap: options.swap } : {}) });
    this.memory = new PhysicalAddressSpace({ pmap: this.pmap });
    this.ports = new PortSpace();
    if ((options.ramLayout ?? 'flat') === 'flat') this.memory.addRam(0, this.ramBytes, 'ram');

    this.clock = new VirtualClock(options.clock ?? { mode: 'deterministic', nsPerInstruction: 1 });
    this.timers = new TimerQueue(this.clock);
    // A timer armed during a slice for earlier than the slice's end ends the slice.
    this.timers.onEarlierDeadline = () => {
      if (this.inSlice) this.cpuRef?.requestExit();
    };
    this.irq = new IrqRouter(options.irqInputs ?? 24);
    this.cpuIntr = new CpuInputLine(() => this.kick());
    this.cpuNmi = new CpuInputLine(() => this.kick());
    this.a20 = new A20Line();
    this.a20.level = true;
    this.platform = new PlatformRequests(() => this.cpuRef?.requestExit());
    this.ack = new AcknowledgeForwarder();
    this.deviceList = [];
    this.roms = [];
    this.byName = new Map();
    this.context = { ports: this.ports, mmio: this.memory, memory: this.memory, clock: this.clock, timers: this.timers };
    this.cpuPlatform = {
      memory: this.memory,
      io: this.ports,
      interrupts: this.ack,
      clock: this.clock,
      shutdown: (reason: string): void => {
        if (this.tripleFault === 'reset') this.platform.requestReset(`CPU shutdown: ${reason}`);
        else this.platform.requestPowerOff(`CPU shutdown: ${reason}`, 1);
      },
    };
    this.cpuRef = null;
    this.off = null;
    this.destroyed = false;
    this.resetCount = 0;
    this.lastReset = null;
    this.kickHost = null;
    this.onKick = null;
    this.inSlice = false;
    this.measuredPerNs = 0;
  }

  // ------------------------------------------------------------ assembly

  /** What devices get in {@link Device.realize}: ports, MMIO, DMA, clock, timers. */
  get deviceContext(): DeviceContext {
    return this.context;
  }

  /** What a CPU gets: memory, ports, interrupt acknowledge, clock, shutdown. */
  get cpuPlatformView(): CpuPlatform {
    return this.cpuPlatform;
  }

  /**
   * Add guest RAM at `base` backed by this machine's pmap pages from
   * `base >>> 12` on (for `ramLayout: 'none'`, e.g. a PC's RAM with the
   * 640 KiB..1 MiB hole).
   */
  addRam(base: number, size: number, name: string): RegionHandle {
    return this.memory.addRam(base, size, name);
  }

  /** Add a ROM image at `base` (above RAM in priority). */
  addRom(base: number, bytes: Uint8Array, name: string): RomHandle {
    this.checkAlive();
    const rom = this.memory.addRom(base, bytes, name);
    this.roms.push(rom);
    return rom;
  }

  /**
   * Realize `device` and keep it for reset, snapshot and destroy. Devices
   * are reset and saved in the order they were added.
   * @throws MachineError for a duplicate name or a failed realize
   */
  addDevice<T extends Device>(device: T): T {
    this.checkAlive();
    if (this.byName.has(device.name)) throw new MachineError(`${this.name}: a device named "${device.name}" already exists`);
    let r;
    try {
      r = device.realize(this.context);
    } catch (e) {
      throw new MachineError(`${this.name}: device ${device.name} failed to realize: ${(e as Error).message}`);
    }
    if (!r.ok) throw new MachineError(`${this.name}: device ${device.name} failed to realize: ${r.error}`);
    this.deviceList.push(device);
    this.byName.set(device.name, device);
    return device;
  }

  /** The device named `name`, or undefined. */
  device(name: string): Device | undefined {
    return this.byName.get(name);
  }

  /** Every device in the order added. */
  get devices(): readonly Device[] {
    return this.deviceList;
  }

  /**
   * Install the interrupt controller the CPU acknowledges interrupts from
   * (an 8259 pair, a local APIC). Its INTR output should drive {@link cpuIntr}.
   */
  setInterruptController(controller: InterruptAcknowledge): void {
    this.ack.controller = controller;
  }

  /**
   * Create the CPU with `factory`, given this machine's {@link CpuPlatform},
   * and wire INTR, NMI and A20 to it. A deterministic clock counts its
   * retired instructions from here on.
   * @throws MachineError when a CPU is already attached
   */
  attachCpu<C extends VCpu>(factory: (platform: CpuPlatform) => C): C {
    this.checkAlive();
    if (this.cpuRef !== null) throw new MachineError(`${this.name}: a CPU is already attached`);
    const cpu = factory(this.cpuPlatform);
    this.cpuRef = cpu;
    this.cpuIntr.connect(cpu.intr);
    this.cpuNmi.connect(cpu.nmi);
    (this.a20 as A20Line).cpu = cpu;
    cpu.setA20(this.a20.level);
    if (this.clock.mode === 'deterministic') this.clock.attachWorkCounter(cpu);
    return cpu;
  }

  /** The attached CPU, or null. */
  get cpu(): VCpu | null {
    return this.cpuRef;
  }

  // ------------------------------------------------------------ power

  /** True once powered off (by a request or {@link powerOff}). */
  get poweredOff(): boolean {
    return this.off !== null;
  }

  /** Why and with what code the machine powered off, or null while on. */
  get powerOffInfo(): PowerOffInfo | null {
    return this.off;
  }

  /** Number of resets since construction, and the last reason. */
  get resets(): ResetInfo {
    return { count: this.resetCount, lastReason: this.lastReset };
  }

  /**
   * Reset now (the host's reset button; guests use {@link platform}): every
   * device in order, then the CPU. A powered-off machine is powered on
   * again. Must not be called from inside a slice.
   */
  reset(reason = 'host reset'): void {
    this.checkAlive();
    for (const d of this.deviceList) d.reset();
    if (this.cpuRef !== null) {
      this.cpuRef.reset();
      this.cpuRef.setA20(this.a20.level);
    }
    this.clock.rebase();
    this.off = null;
    this.resetCount++;
    this.lastReset = reason;
  }

  /** Power off now (the host's power button). Devices keep their state until {@link destroy}. */
  powerOff(reason = 'host power-off', code = 0): void {
    if (this.off === null) this.off = { reason, code };
    this.cpuRef?.requestExit();
    this.kick();
  }

  /** Wake a host {@link run} loop that is waiting (outside input arrived). */
  kick(): void {
    const k = this.kickHost;
    this.kickHost = null;
    if (k !== null) k();
    if (this.onKick !== null) this.onKick();
  }

  // ------------------------------------------------------------ running

  /**
   * Run one slice: carry out pending reset/power-off requests, fire due
   * timers, run the CPU for up to `maxInstructions` but no further than the
   * next timer deadline (or `untilNs`), fire what fell due, and, if the CPU
   * halted, skip a deterministic clock to the next deadline (or report how
   * long a real-time host should wait).
   * @param maxInstructions budget cap (default {@link sliceInstructions})
   * @param untilNs never run or skip past this virtual time
   */
  runSlice(maxInstructions = this.sliceInstructions, untilNs = Infinity): SliceResult {
    this.checkAlive();
    const cpu = this.cpuRef;
    if (cpu === null) throw new MachineError(`${this.name}: no CPU attached`);
    if (this.off !== null) return { stop: 'power-off', retired: 0, waitNs: Infinity };
    const before = this.carryOut(this.platform.take());
    if (before !== null) return { stop: before, retired: 0, waitNs: before === 'power-off' ? Infinity : 0 };

    const clock = this.clock;
    const timers = this.timers;
    timers.runDue(clock.rawNow());

    let budget = Math.max(1, Math.floor(maxInstructions));
    const limit = Math.min(timers.nextDeadline(), untilNs);
    const start = clock.rawNow();
    if (limit !== Infinity) {
      // Deterministic: exactly the instructions that reach the deadline. Real
      // time: an estimate from the measured speed, so timers are not served a
      // whole slice late.
      const perNs = clock.mode === 'deterministic' ? 1 / clock.nsPerInstruction : this.measuredPerNs;
      if (perNs > 0) {
        const need = Math.ceil((limit - start) * perNs);
        if (need < budget) budget = need > 1 ? need : 1;
      }
    }
    let retired = 0;
    if (this.platform.peek() === null) {
      this.inSlice = true;
      try {
        retired = cpu.run(budget);
      } finally {
        this.inSlice = false;
      }
      if (clock.mode === 'realtime') this.measureSpeed(retired, clock.rawNow() - start);
    }
    const firedAfter = timers.runDue(clock.rawNow());

    const after = this.carryOut(this.platform.take());
    if (after !== null) return { stop: after, retired, waitNs: after === 'power-off' ? Infinity : 0 };
    if (this.off !== null) return { stop: 'power-off', retired, waitNs: Infinity };

    if (cpu.runState !== CpuRunState.Running) {
      // A timer that just fired may have raised an interrupt the halted CPU
      // has not seen yet: let it look before skipping any time.
      if (firedAfter > 0) return { stop: 'halted', retired, waitNs: 0 };
      // Halted (or shut down without a platform action): only a timer or outside input can change that.
      const next = timers.nextDeadline();
      const target = Math.min(next, untilNs);
      if (clock.mode === 'deterministic') {
        if (target === Infinity) return { stop: 'idle', retired, waitNs: Infinity };
        clock.advanceTo(target);
        timers.runDue(clock.rawNow());
        return { stop: 'halted', retired, waitNs: 0 };
      }
      if (next === Infinity) return { stop: 'idle', retired, waitNs: Infinity };
      const wait = next - clock.rawNow();
      return { stop: 'halted', retired, waitNs: wait > 0 ? wait : 0 };
    }
    return { stop: 'ran', retired, waitNs: 0 };
  }

  /**
   * Run slices until a limit is reached, the machine powers off, or (with a
   * deterministic clock) it goes idle; a halted real-time machine returns
   * `wait` so the caller can wait `waitNs`.
   */
  runUntil(limits: RunLimits): RunResult {
    let retired = 0;
    let slices = 0;
    const maxSlices = limits.maxSlices ?? Infinity;
    const untilNs = limits.timeNs ?? Infinity;
    const endInstr = limits.instructions ?? Infinity;
    for (;;) {
      if (this.off !== null) return { stop: 'power-off', retired, waitNs: Infinity };
      if (this.clock.rawNow() >= untilNs) return { stop: 'time', retired, waitNs: 0 };
      if (retired >= endInstr) return { stop: 'instructions', retired, waitNs: 0 };
      if (slices >= maxSlices) return { stop: 'slices', retired, waitNs: 0 };
      const cap = Math.min(this.sliceInstructions, endInstr - retired);
      const r = this.runSlice(cap, untilNs);
      retired += r.retired;
      slices++;
      if (limits.until !== undefined && limits.until(this)) return { stop: 'condition', retired, waitNs: 0 };
      if (r.stop === 'power-off') return { stop: 'power-off', retired, waitNs: Infinity };
      if (r.stop === 'idle') {
        if (untilNs !== Infinity && this.clock.mode === 'deterministic') {
          this.clock.advanceTo(untilNs);
          return { stop: 'time', retired, waitNs: 0 };
        }
        return { stop: 'idle', retired, waitNs: Infinity };
      }
      if (r.stop === 'halted' && r.waitNs > 0) return { stop: 'wait', retired, waitNs: r.waitNs };
    }
  }

  /**
   * The host loop: run until power-off or until `signal` aborts, waiting
   * (without spinning) while a real-time machine is halted and yielding to
   * the event loop now and then. A real-time clock runs only inside this
   * call: it is paused when `run` returns, so a descheduled machine does not
   * see the time it was away. A deterministic machine with nothing left to
   * wake it returns `idle`.
   */
  async run(options: HostRunOptions = {}): Promise<RunResult> {
    const sleep = options.sleep ?? defaultSleep;
    const signal = options.signal;
    const yieldEvery = options.yieldEvery ?? 16;
    let retired = 0;
    let slices = 0;
    this.clock.resume();
    try {
      for (;;) {
        if (signal?.aborted) return { stop: 'aborted', retired, waitNs: 0 };
        const r = this.runSlice();
        retired += r.retired;
        if (r.stop === 'power-off') return { stop: 'power-off', retired, waitNs: Infinity };
        if (r.stop === 'idle' && this.clock.mode === 'deterministic') return { stop: 'idle', retired, waitNs: Infinity };
        if ((r.stop === 'halted' || r.stop === 'idle') && r.waitNs > 0) {
          await this.waitForHost(sleep, r.waitNs, signal);
          slices = 0;
        } else if (++slices >= yieldEvery) {
          slices = 0;
          await sleep(0, signal);
        }
      }
    } finally {
      this.clock.pause();
    }
  }

  private waitForHost(sleep: NonNullable<HostRunOptions['sleep']>, waitNs: number, signal?: AbortSignal): Promise<void> {
    // Sleep until the next deadline, or until kick()/abort; Infinity waits for a kick.
    const inner = new AbortController();
    const onAbort = (): void => inner.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    this.kickHost = onAbort;
    const ms = waitNs === Infinity ? 2 ** 31 - 1 : Math.max(0, waitNs / 1e6);
    return sleep(ms, inner.signal).finally(() => {
      // The wait was the guest's own idle time: let the clock take all of it.
      this.clock.acceptWait();
      signal?.removeEventListener('abort', onAbort);
      if (this.kickHost === onAbort) this.kickHost = null;
    });
  }

  /** Track instructions per real-time ns (a moving average over busy slices). */
  private measureSpeed(retired: number, elapsedNs: number): void {
    if (retired < 1000 || elapsedNs < 10_000) return; // too short to tell with a coarse host clock
    const rate = retired / elapsedNs;
    this.measuredPerNs = this.measuredPerNs === 0 ? rate : this.measuredPerNs * 0.75 + rate * 0.25;
  }

  private carryOut(req: PlatformRequest | null): 'reset' | 'power-off' | null {
    if (req === null) return null;
    if (req.kind === 'power-off') {
      this.powerOff(req.reason, req.code);
      return 'power-off';
    }
    this.reset(req.reason);
    return 'reset';
  }

  // ------------------------------------------------------------ state

  /**
   * Save the whole machine: time, timers, interrupt levels, CPU, every
   * device by name, and guest RAM. Take it between slices.
   * @throws MachineError when the CPU cannot be saved
   */
  snapshot(): MachineSnapshot {
    this.checkAlive();
    const cpu = this.cpuRef;
    // A snapshot without the CPU's registers could not be resumed: refuse rather than mislead.
    if (cpu !== null && !isSnapshotable(cpu)) throw new MachineError(`${this.name}: the CPU cannot be saved (it does not implement snapshot/restore)`);
    const devices: Record<string, DeviceState> = {};
    for (const d of this.deviceList) devices[d.name] = d.snapshot();
    return {
      format: 'vm-machine-snapshot',
      version: 1,
      clock: this.clock.snapshot(),
      timers: this.timers.snapshot(),
      irq: this.irq.snapshot(),
      wires: { intr: this.cpuIntr.level, nmi: this.cpuNmi.level, a20: this.a20.level },
      cpu: cpu !== null && isSnapshotable(cpu) ? cpu.snapshot() : null,
      devices,
      memory: captureMemory(this.pmap),
    };
  }

  /**
   * Go back to a snapshot of a machine built the same way. Every part is
   * checked before anything changes where that is possible (format, device
   * set, timer set); device restores come first, then the CPU, time,
   * timers, and finally interrupt levels are driven again.
   * @throws StateError for a snapshot that does not fit this machine
   */
  restore(s: MachineSnapshot): void {
    this.checkAlive();
    if (s.format !== 'vm-machine-snapshot' || s.version !== 1) throw new StateError(`not a version 1 machine snapshot`);
    const names = Object.keys(s.devices);
    for (const d of this.deviceList) if (!(d.name in s.devices)) throw new StateError(`snapshot has no state for device ${d.name}`);
    for (const n of names) if (!this.byName.has(n)) throw new StateError(`snapshot has state for unknown device ${n}`);
    if (s.timers.length !== this.timers.allTimers.length) throw new StateError(`snapshot has ${s.timers.length} timers, this machine ${this.timers.allTimers.length}`);
    if (s.irq.levels.length !== this.irq.allSources.length) throw new StateError(`snapshot has ${s.irq.levels.length} IRQ sources, this machine ${this.irq.allSources.length}`);
    const cpu = this.cpuRef;
    if ((s.cpu === null) !== (cpu === null || !isSnapshotable(cpu))) throw new StateError('snapshot and machine disagree on CPU state');
    try {
      restoreMemory(this.pmap, s.memory);
    } catch (e) {
      throw new StateError(`memory: ${(e as Error).message}`);
    }
    for (const d of this.deviceList) d.restore(s.devices[d.name]!);
    if (s.cpu !== null && cpu !== null && isSnapshotable(cpu)) cpu.restore(s.cpu);
    this.clock.restore(s.clock);
    try {
      this.timers.restore(s.timers);
      this.irq.restore(s.irq);
    } catch (e) {
      throw new StateError((e as Error).message);
    }
    this.off = null;
    this.platform.take();
    this.irq.refresh();
    this.cpuIntr.set(s.wires.intr);
    this.cpuNmi.set(s.wires.nmi);
    this.a20.set(s.wires.a20);
  }

  /**
   * Tear down: destroy devices (last added first), disarm timers, give
   * guest memory back to the pool. The machine cannot be used afterwards.
   */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (let i = this.deviceList.length - 1; i >= 0; i--) this.deviceList[i]!.destroy();
    this.timers.disarmAll();
    for (const rom of this.roms) rom.remove();
    this.roms.length = 0;
    this.pmap.destroy();
    if (this.off === null) this.off = { reason: 'destroyed', code: 0 };
  }

  private checkAlive(): void {
    if (this.destroyed) throw new MachineError(`${this.name}: machine was destroyed`);
  }
}
