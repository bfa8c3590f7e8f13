import type { Clock } from '@vm/bus';
import { bootLinux, createPc, TimerQueue } from '@vm/machine';
import type { MachineSnapshot, Pc, PcOptions } from '@vm/machine';

type PcNic = NonNullable<PcOptions['nics']>[number];
import { formatMac, parseMac, VmnetRegistry } from '@vm/vmnet';
import type { Vmnet, VmnetPort } from '@vm/vmnet';
import { SerialShell, type ShellCommand } from './serial-shell.js';

/** A Linux kernel and initramfs (the vm guests: busybox, `VM-GUEST-READY`, a `vmguest#` shell). */
export interface LabGuest {
  readonly kernel: Uint8Array;
  readonly initrd: Uint8Array;
}

/** One NIC of a lab VM. */
export interface LabNic {
  /** `vlance` (Linux's pcnet32) or `e1000`. */
  readonly virtualDev: 'vlance' | 'e1000';
  /** The VMnet it is cabled to (created on first use), or null for an unplugged NIC. */
  readonly net: string | null;
  /** Its MAC (`xx:xx:...`). */
  readonly mac: string;
}

/** A VM of the lab. */
export interface LabVmSpec {
  /** Name (also the port names' prefix). */
  readonly name: string;
  /** NICs in ethernetN order. */
  readonly nics: readonly LabNic[];
}

/** Options of {@link NetLab}. */
export interface NetLabOptions {
  /** Guest RAM per VM in MiB (default 128). */
  readonly memoryMB?: number;
  /**
   * Virtual time each VM runs before the next one gets the CPU (default
   * 500 us). Frames cross the switch at once, so this bounds the extra
   * latency the interleaving adds.
   */
  readonly quantumNs?: number;
  /** Kernel command line (default `console=ttyS0 quiet`). */
  readonly cmdline?: string;
  /** The RTC's time at power-on (default a fixed date, for reproducible runs). */
  readonly startTime?: number;
}

/** A running VM of the lab: its PC, its shell and its switch ports. */
export class LabVm {
  /** @internal use {@link NetLab.addVm} */
  constructor(
    /** The VM's name. */
    readonly name: string,
    /** The machine. */
    readonly pc: Pc,
    /** Its serial console's shell. */
    readonly shell: SerialShell,
    /** Switch ports by ethernetN index (null for unplugged NICs). */
    readonly ports: readonly (VmnetPort | null)[],
    /** The NICs as configured. */
    readonly nics: readonly LabNic[],
  ) {}

  /** The port of NIC `index`; throws for an unplugged one. */
  port(index: number): VmnetPort {
    const p = this.ports[index];
    if (p === null || p === undefined) throw new Error(`${this.name}: ethernet${index} is not plugged into a VMnet`);
    return p;
  }
}

const DEFAULT_START_TIME = 1_764_000_000;
/** Virtual time a Linux boot may take to reach the shell before the lab gives up. */
const BOOT_NS = 20e9;
/** Time the shell gets to read the answer to its cursor query before a snapshot. */
const SETTLE_NS = 50e6;
/** Default virtual time one command may take. */
const COMMAND_NS = 10e9;

/**
 * A network lab: several Linux VMs on VMnets, run together in one thread.
 * The VMs run in lockstep, each a quantum of virtual time in turn, so their
 * clocks stay within one quantum of each other and of the switches' clock
 * (MAC aging, capture timestamps). Every clock is deterministic (1 ns per
 * instruction): the same commands give the same run.
 *
 * Booting Linux costs minutes of host CPU, so the lab can boot one VM and
 * {@link clone} others from its snapshot, taken at an idle shell prompt:
 * each clone has its own NICs (the MACs live in the PCnet's address PROM and
 * the e1000's EEPROM, which come from the clone's configuration, not the
 * snapshot) and its own switch ports. Load the NIC drivers only after
 * cloning, so each guest reads its own addresses.
 */
export class NetLab {
  /** The VMnets, by name. */
  readonly nets: VmnetRegistry;
  /** The VMs in creation order. */
  readonly vms: LabVm[] = [];
  /** The lab's virtual time (ns): every VM has run up to here. */
  now = 0;
  private readonly timers = new TimerQueue(null);
  private readonly memoryMB: number;
  private readonly quantumNs: number;
  private readonly cmdline: string;
  private readonly startTime: number;
  /** Extra work done after every round (e.g. pumping another console). */
  readonly pollers: (() => void)[] = [];
  /** True while a {@link runUntil} loop drives the VMs (only one may). */
  private running = false;
  /** While pacing: the lab time and host time (ms) pacing started at. */
  private paceFrom: { readonly ns: number; readonly ms: number } | null = null;

  constructor(
    private readonly guest: LabGuest,
    options: NetLabOptions = {},
  ) {
    this.memoryMB = options.memoryMB ?? 128;
    this.quantumNs = options.quantumNs ?? 500_000;
    this.cmdline = options.cmdline ?? 'console=ttyS0 quiet';
    this.startTime = options.startTime ?? DEFAULT_START_TIME;
    const clock: Clock = { now: () => this.now };
    this.nets = new VmnetRegistry({ clock, timers: this.timers });
  }

  /** The VMnet `name` (created on first use). */
  net(name: string): Vmnet {
    return this.nets.getOrCreate(name);
  }

  /** The VM named `name`. */
  vm(name: string): LabVm {
    const vm = this.vms.find((v) => v.name === name);
    if (vm === undefined) throw new Error(`no VM named ${name}`);
    return vm;
  }

  /** Build a VM (powered on at its reset state; {@link boot} or {@link clone} it next). */
  addVm(spec: LabVmSpec): LabVm {
    if (this.vms.some((v) => v.name === spec.name)) throw new Error(`VM ${spec.name} already exists`);
    const shell = new SerialShell(spec.name);
    const ports = spec.nics.map((n, i) => (n.net === null ? null : this.net(n.net).createPort({ name: `${spec.name}.ethernet${i}`, mac: n.mac })));
    const nics: PcNic[] = spec.nics.map((n, i) => ({ virtualDev: n.virtualDev, backend: ports[i] ?? null, mac: parseMac(n.mac) }));
    const pc = createPc({ name: spec.name, memoryMB: this.memoryMB, serial: [shell], startTime: this.startTime, nics });
    const vm = new LabVm(spec.name, pc, shell, ports, spec.nics);
    this.vms.push(vm);
    return vm;
  }

  /** Boot Linux in `vm` and run (with the other VMs) until its shell prompt. */
  async boot(vm: LabVm): Promise<void> {
    bootLinux(vm.pc, this.guest.kernel, this.guest.initrd, this.cmdline);
    await this.runUntil(() => /VM-GUEST-READY uptime=[\d.]+/.test(vm.shell.text), BOOT_NS, `${vm.name} boot`);
    // Stay until the prompt's cursor query was answered and read, so a snapshot holds an idle shell.
    await this.sh(vm, 'true');
    await this.runUntil(() => vm.shell.atFreshPrompt, COMMAND_NS, `${vm.name} prompt`);
    await this.idle(SETTLE_NS);
  }

  /** Let every VM run for `ns` of virtual time. */
  async idle(ns: number): Promise<void> {
    const until = this.now + ns;
    await this.runUntil(() => this.now >= until, ns + this.quantumNs, 'idle');
  }

  /**
   * Build `spec` as a copy of `template`'s running guest: same hardware
   * shape (NIC models in the same order), state restored from a snapshot of
   * `template` taken now, at its idle prompt.
   * @throws when the template is busy or the shapes differ
   */
  clone(template: LabVm, spec: LabVmSpec, snapshot: MachineSnapshot = this.snapshotAtPrompt(template)): LabVm {
    const shape = (nics: readonly LabNic[]): string => nics.map((n) => n.virtualDev).join(',');
    if (shape(spec.nics) !== shape(template.nics)) throw new Error(`${spec.name}: NICs ${shape(spec.nics)} differ from the template's ${shape(template.nics)}`);
    const vm = this.addVm(spec);
    // The direct boot programs what firmware would (memory map, chipset); the snapshot then replaces the rest.
    bootLinux(vm.pc, this.guest.kernel, this.guest.initrd, this.cmdline);
    vm.pc.machine.restore(snapshot);
    vm.shell.assumePrompt();
    return vm;
  }

  /** Snapshot `vm` at its idle prompt (for {@link clone}). */
  snapshotAtPrompt(vm: LabVm): MachineSnapshot {
    if (!vm.shell.idle || !vm.shell.inputDrained) throw new Error(`${vm.name}: snapshot wanted at an idle prompt`);
    return vm.pc.machine.snapshot();
  }

  /** Run one command in `vm` (the other VMs run meanwhile); returns its output and status. */
  async sh(vm: LabVm, command: string, maxNs = COMMAND_NS): Promise<{ out: string; status: number }> {
    const c = vm.shell.run(command);
    await this.wait([c], maxNs, `${vm.name}: ${command}`);
    return { out: c.output, status: c.status };
  }

  /** Run commands in several VMs at once and wait for all of them. */
  async together(commands: readonly (readonly [LabVm, string])[], maxNs = COMMAND_NS): Promise<{ out: string; status: number }[]> {
    const cs = commands.map(([vm, cmd]) => vm.shell.run(cmd));
    await this.wait(cs, maxNs, commands.map(([vm, cmd]) => `${vm.name}: ${cmd}`).join(' | '));
    return cs.map((c) => ({ out: c.output, status: c.status }));
  }

  /** Wait for queued commands. */
  async wait(commands: readonly ShellCommand[], maxNs = COMMAND_NS, what = 'commands'): Promise<void> {
    await this.runUntil(() => commands.every((c) => c.done), maxNs, what);
  }

  /**
   * Keep the lab's virtual time from running ahead of the host's clock
   * (idle VMs otherwise skip through time much faster than real time). Turn
   * it on while a real-time peer shares a VMnet (a QEMU guest through an
   * uplink), so both sides agree on how long a timeout is.
   */
  paceToHostClock(on: boolean): void {
    this.paceFrom = on ? { ns: this.now, ms: performance.now() } : null;
  }

  /**
   * Run every VM, a quantum at a time, until `done()` holds; yields to the
   * event loop between rounds so host I/O (sockets, other processes) flows.
   * @throws after `maxNs` of virtual time or `maxHostMs` of host time, or when every VM is powered off
   */
  async runUntil(done: () => boolean, maxNs: number, what = 'condition', maxHostMs = Infinity): Promise<void> {
    // Two loops would each run rounds: time would race ahead. Commands for several VMs go through together().
    if (this.running) throw new Error(`${what}: the lab is already running (wait for one thing at a time, or use together())`);
    this.running = true;
    try {
      await this.loop(done, maxNs, what, maxHostMs);
    } finally {
      this.running = false;
    }
  }

  private async loop(done: () => boolean, maxNs: number, what: string, maxHostMs: number): Promise<void> {
    const end = this.now + maxNs;
    const hostEnd = performance.now() + maxHostMs;
    for (;;) {
      for (const vm of this.vms) vm.shell.pump();
      for (const p of this.pollers) p();
      if (done()) return;
      if (this.now >= end || performance.now() >= hostEnd) {
        const spent = this.now >= end ? `${maxNs / 1e9} s of virtual time` : `${maxHostMs / 1000} s of host time`;
        throw new Error(`${what}: not done after ${spent}\n${this.vms.map((v) => `${v.name}: ${v.shell.tail(300)}`).join('\n')}`);
      }
      if (this.vms.length > 0 && this.vms.every((v) => v.pc.machine.poweredOff)) throw new Error(`${what}: every VM is powered off`);
      this.round();
      const pace = this.paceFrom;
      const aheadMs = pace === null ? 0 : (this.now - pace.ns) / 1e6 - (performance.now() - pace.ms);
      if (aheadMs > 1) await new Promise((resolve) => setTimeout(resolve, Math.min(aheadMs, 20)));
      else await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** Advance every VM and the switches by one quantum. */
  private round(): void {
    const t = this.now + this.quantumNs;
    for (const vm of this.vms) {
      const m = vm.pc.machine;
      if (m.poweredOff) continue;
      m.runUntil({ timeNs: t });
      vm.shell.pump();
    }
    this.now = t;
    this.timers.runDue(t);
  }

  /** Power off and free every VM and VMnet. */
  destroy(): void {
    for (const vm of this.vms) vm.pc.machine.destroy();
    for (const n of this.nets.names()) this.nets.delete(n);
  }
}

/** A MAC in VMware's static range (00:50:56:00:00:00 - 00:50:56:3f:ff:ff) for lab VM `vm`, NIC `nic`. */
export function labMac(vm: number, nic: number): string {
  return formatMac(Uint8Array.of(0x00, 0x50, 0x56, 0x10, vm & 0xff, nic & 0xff));
}
