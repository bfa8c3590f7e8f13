/**
 * The `pc` preset: an i440FX-era PC with one i686 CPU, the ISA platform
 * devices, up to four 16550A serial ports, and either direct Linux boot
 * (bzImage + initrd + command line, as a boot loader would leave the CPU) or
 * a firmware ROM such as Debian's SeaBIOS.
 *
 * @module
 */

import type { BlockBackend, CharBackend, CpuPlatform, IrqLine, NetBackend, PciFunction } from '@vm/bus';
import { createVirtualNic, deriveMac } from '@vm/net-nic';
import type { VirtualNic } from '@vm/net-nic';
import { Bt958, Lsi53c1030, ScsiDisk } from '@vm/scsi';
import {
  acpiFwCfgFiles,
  buildAcpiTables,
  buildBiosTables,
  loadLinux,
  piix4AcpiSettings,
  piixFirmwareSetup,
  piixInterruptRoutes,
  systemBiosMappings,
  validateSystemBios,
  writeBiosTables,
} from '@vm/bios';
import type { CpuEntryState, LinuxBootResult, SegmentState } from '@vm/bios';
import {
  A20Gate,
  COM_PORTS,
  DebugConsolePort,
  FwCfg,
  FwCfgKey,
  I440fxHostBridge,
  I8042,
  PciBus,
  Piix3IsaBridge,
  Piix4Pm,
  PIIX4_PM_DEFAULTS,
  encodeE820,
  fwCfgUint,
  Pic8259,
  Pit8254,
  PostCodePort,
  ResetControlRegister,
  Rtc146818,
  SystemControlPortA,
  SystemControlPortB,
  Uart16550,
  VmwareBackdoor,
  VmwareBalloon,
  writeCmosMemorySize,
} from '@vm/chipset';
import type { MachinePagePool, SwapStore } from '@vm/mmu';
import { Cpu, FloatingPointUnit, installSimd } from '@vm/cpu-x86';
import { Machine, MachineError } from '../machine.js';
import type { VirtualClockOptions } from '../time/virtual-clock.js';

/** Options of {@link createPc}. */
export interface PcOptions {
  /** Diagnostic name (the VM's displayName). */
  readonly name?: string;
  /** Guest RAM in MiB (default 128). */
  readonly memoryMB?: number;
  /** Virtual time (default deterministic, 1 ns per instruction). */
  readonly clock?: VirtualClockOptions;
  /** Host ends of COM1..COM4; `null` or absent leaves a port without a device. */
  readonly serial?: readonly (CharBackend | null)[];
  /** Where bytes written to port 0x402 go (SeaBIOS's debug log). */
  readonly debugcon?: CharBackend | null;
  /** Where POST codes written to port 0x80 go. */
  readonly post?: ((code: number) => void) | null;
  /** The RTC's time at power-on, seconds since the Unix epoch (the host passes its wall clock; default 0). */
  readonly startTime?: number;
  /** Instructions per slice (default the machine's). */
  readonly sliceInstructions?: number;
  /** The machine will run firmware (SeaBIOS), which programs the chipset itself. Default false (direct kernel boot). */
  readonly firmwareBoot?: boolean;
  /** SCSI host adapters (`.vmx` scsiN), up to 4, each with up to 15 disks. */
  readonly scsi?: readonly PcScsiAdapter[];
  /** NICs (`.vmx` ethernetN), up to 4. */
  readonly nics?: readonly PcNic[];
  /** The machine-page pool to take guest memory from (a host shares one among its VMs). Default: a pool of its own. */
  readonly pool?: MachinePagePool;
  /** Where guest pages are swapped to (the host's per-VM swap file). */
  readonly swap?: SwapStore;
  /**
   * Run as a VMware VM: the CPUID hypervisor leaf says "VMwareVMware", and
   * the backdoor port (0x5658) and the memory balloon (0x5670, Linux's
   * vmw_balloon) are present. Default false.
   */
  readonly vmware?: boolean;
  /** The CPU's execution engine: hot blocks compiled to JavaScript (default) or the interpreter alone (the reference). */
  readonly cpuEngine?: 'translator' | 'interpreter';
  /** What a CPU triple fault does (default reset, as a PC does). */
  readonly onTripleFault?: 'reset' | 'power-off';
}

/** A network card of a {@link createPc} machine. */
export interface PcNic {
  /** `vlance` (AMD PCnet-PCI II, Linux's pcnet32) or `e1000` (Intel 82540EM, Linux's e1000). */
  readonly virtualDev: 'vlance' | 'e1000';
  /** The network it is cabled to (a VMnet port, an uplink); `null` leaves it unplugged. */
  readonly backend: NetBackend | null;
  /** Station address; default derived from the VM's name (locally administered, stable). */
  readonly mac?: Uint8Array;
}

/** A SCSI host adapter of a {@link createPc} machine. */
export interface PcScsiAdapter {
  /** `lsilogic` (LSI Logic 53C1030, Linux's mptspi) or `buslogic` (BT-958, Linux's BusLogic). */
  readonly virtualDev: 'lsilogic' | 'buslogic';
  /** Disks by SCSI id (0..15 but 7, the adapter's own). */
  readonly disks: readonly { readonly id: number; readonly backend: BlockBackend }[];
}

/** PCI slot of scsiN (VMware puts the first SCSI adapter at 00:10.0). */
const SCSI_SLOT = 16;
/** PCI slot of ethernetN. */
const NIC_SLOT = 20;
/** The ISA IRQs firmware steers PIRQA..D to (SeaBIOS's choice), level-triggered. */
const PIRQ_IRQS = [10, 10, 11, 11] as const;

/** What {@link createPc} built. */
export interface Pc {
  /** The machine: memory, ports, clock, devices, run loop. */
  readonly machine: Machine;
  /** The boot CPU. */
  readonly cpu: Cpu;
  /** The FPU/SSE unit of the CPU. */
  readonly fpu: FloatingPointUnit;
  /** The 8259 pair. */
  readonly pic: Pic8259;
  /** The serial ports by index (null where absent). */
  readonly uarts: readonly (Uart16550 | null)[];
  /** The RTC/CMOS. */
  readonly rtc: Rtc146818;
  /** PCI bus 0 (host bridge 00.0, PIIX3 01.0, PIIX4 PM 01.3; add devices from slot 2). */
  readonly pci: PciBus;
  /** ACPI power management (PM timer, PM1 registers, S5 soft-off). */
  readonly pm: Piix4Pm;
  /** QEMU-compatible firmware configuration device (what SeaBIOS reads). */
  readonly fwCfg: FwCfg;
  /** PCI slots holding devices with an INTx pin (firmware programs their interrupt line). */
  readonly pciSlots: readonly number[];
  /** The NICs, by ethernetN index. */
  readonly nics: readonly VirtualNic[];
  /** The VMware memory balloon (with {@link PcOptions.vmware}), else null. */
  readonly balloon: VmwareBalloon | null;
  /** The VMware backdoor port (with {@link PcOptions.vmware}), else null. */
  readonly backdoor: VmwareBackdoor | null;
}

const MiB = 1024 * 1024;
/** The CPU's time-stamp counter rate (what the VMware backdoor reports to the guest). */
const TSC_HZ = 1_000_000_000;

/** ISA IRQ wiring of a PC (the platform inputs 0..15 go to the 8259 pair; the UARTs' come from COM_PORTS). */
const IRQ = { pit: 0, kbd: 1, fpu: 13, rtc: 8, mouse: 12 } as const;

/** Build a PC with its devices realized and the CPU at its reset vector. */
export function createPc(options: PcOptions = {}): Pc {
  const memoryMB = options.memoryMB ?? 128;
  const name = options.name ?? 'pc';
  const machine = new Machine({
    name,
    memoryMB,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.sliceInstructions ? { sliceInstructions: options.sliceInstructions } : {}),
    irqInputs: 24,
    romReserveBytes: 4 * MiB,
    ...(options.pool ? { pool: options.pool } : {}),
    ...(options.swap ? { swap: options.swap } : {}),
    ...(options.onTripleFault ? { onTripleFault: options.onTripleFault } : {}),
  });
  const irq = (n: number, owner: string): IrqLine => machine.irq.line(n, owner);

  const pic = machine.addDevice(new Pic8259({ name: 'pic', intr: machine.cpuIntr }));
  for (let i = 0; i < 16; i++) machine.irq.attach(i, pic.inputs[i]!);
  machine.setInterruptController(pic);

  const pit = machine.addDevice(new Pit8254({ name: 'pit', irq0: irq(IRQ.pit, 'pit') }));
  machine.addDevice(new SystemControlPortB({ name: 'port61', pit }));
  const nvram = new Uint8Array(128);
  writeCmosMemorySize(nvram, machine.ramBytes);
  const rtc = machine.addDevice(new Rtc146818({ name: 'rtc', irq: irq(IRQ.rtc, 'rtc'), startTime: options.startTime ?? 0, nvram }));

  const gate = new A20Gate(machine.a20, 2);
  machine.addDevice(new I8042({ name: 'i8042', irq1: irq(IRQ.kbd, 'kbd'), irq12: irq(IRQ.mouse, 'mouse'), a20: gate.inputs[0]!, platform: machine.platform }));
  machine.addDevice(new SystemControlPortA({ name: 'port92', a20: gate.inputs[1]!, platform: machine.platform }));
  // The PCI bus owns 0xCF8-0xCFB as one register; byte accesses to 0xCF9 reach the reset control register through it.
  const rcr = machine.addDevice(new ResetControlRegister({ name: 'cf9', platform: machine.platform, registerPort: false }));
  const piix3 = new Piix3IsaBridge({
    name: 'piix3',
    // PIRQs may be steered to any ISA IRQ but 0, 1, 2, 8 and 13 (82371SB 2.2.10).
    isaIrqs: Array.from({ length: 16 }, (_, n) => ([0, 1, 2, 8, 13].includes(n) ? null : irq(n, `pirq-irq${n}`))),
  });
  const pci = machine.addDevice(new PciBus({ name: 'pci0', pirqs: piix3.pirqInputs, resetControl: rcr }));
  const hostBridge = new I440fxHostBridge({ name: 'i440fx', shadow: machine.memory });
  const pm = new Piix4Pm({
    name: 'piix4-pm',
    sci: irq(9, 'sci'),
    platform: machine.platform,
  });
  pci.plug(hostBridge, 0, 0);
  pci.plug(piix3, 1, 0);
  pci.plug(pm, PIIX4_PM_DEFAULTS.pciDevice, PIIX4_PM_DEFAULTS.pciFunction);
  machine.addDevice(hostBridge);
  machine.addDevice(piix3);
  machine.addDevice(pm);
  const fwCfg = new FwCfg({ name: 'fw_cfg' });
  fwCfg.setItem(FwCfgKey.RamSize, fwCfgUint(machine.ramBytes, 8));
  fwCfg.setItem(FwCfgKey.NbCpus, fwCfgUint(1, 2));
  fwCfg.setItem(FwCfgKey.MaxCpus, fwCfgUint(1, 2));
  fwCfg.addFile('etc/boot-cpus', fwCfgUint(1, 2));
  fwCfg.addFile('etc/e820', encodeE820([{ address: 0, length: machine.ramBytes, type: 1 }]));
  machine.addDevice(fwCfg);
  machine.addDevice(new PostCodePort({ name: 'post', ...(options.post ? { sink: options.post } : {}) }));
  if (options.debugcon) machine.addDevice(new DebugConsolePort({ name: 'debugcon', backend: options.debugcon }));

  const uarts: (Uart16550 | null)[] = [];
  const serial = options.serial ?? [];
  for (let i = 0; i < 4; i++) {
    const backend = serial[i];
    if (backend === undefined || (backend === null && i > 0)) {
      uarts.push(null);
      continue;
    }
    uarts.push(machine.addDevice(new Uart16550({ name: `uart${i}`, base: COM_PORTS[i]!.base, irq: irq(COM_PORTS[i]!.irq, `com${i + 1}`), backend })));
  }

  const pciSlots: number[] = [];
  const scsi = options.scsi ?? [];
  if (scsi.length > 4) throw new MachineError(`${name}: ${scsi.length} SCSI adapters; a VM has at most 4`);
  scsi.forEach((a, i) => {
    const targets = a.disks.map((d) => {
      if (!Number.isInteger(d.id) || d.id < 0 || d.id > 15 || d.id === 7) throw new MachineError(`${name}: scsi${i}:${d.id}: SCSI id must be 0..15 but 7`);
      return { id: d.id, target: new ScsiDisk({ backend: d.backend, name: `${name}-scsi${i}:${d.id}` }) };
    });
    const hba: PciFunction & { readonly name: string } =
      a.virtualDev === 'lsilogic' ? new Lsi53c1030({ name: `scsi${i}`, targets }) : new Bt958({ name: `scsi${i}`, targets });
    pci.plug(hba, SCSI_SLOT + i, 0);
    machine.addDevice(hba as Lsi53c1030 | Bt958);
    pciSlots.push(SCSI_SLOT + i);
  });

  const nicSpecs = options.nics ?? [];
  if (nicSpecs.length > 4) throw new MachineError(`${name}: ${nicSpecs.length} NICs; a VM has at most 4`);
  const nics = nicSpecs.map((n, i) => {
    const nic = createVirtualNic({ virtualDev: n.virtualDev, name: `ethernet${i}`, mac: n.mac ?? deriveMac(name, i), backend: n.backend });
    pci.plug(nic, NIC_SLOT + i, 0);
    machine.addDevice(nic);
    pciSlots.push(NIC_SLOT + i);
    return nic;
  });

  const vmware = options.vmware === true;
  let cpuRef: Cpu | null = null;
  const registers = (): Cpu | null => cpuRef;
  const backdoor = vmware ? machine.addDevice(new VmwareBackdoor({ registers, tscHz: TSC_HZ })) : null;
  const pmap = machine.pmap;
  const balloon = vmware
    ? machine.addDevice(new VmwareBalloon({ registers, backend: { pageCount: pmap.pages, release: (gpn) => void pmap.releasePage(gpn) } }))
    : null;

  if (options.firmwareBoot) {
    // Firmware gets the ACPI tables a direct boot writes, through fw_cfg's table loader as
    // QEMU hands them to SeaBIOS. Without them SeaBIOS builds its own QEMU-era set, whose
    // GPE block (0xAFE0) and PCI hotplug slots this chipset does not have: Linux then reads
    // every slot as ejected and drops the PCI devices it found.
    const routes = piixInterruptRoutes(pciSlots, PIRQ_IRQS);
    // (SeaBIOS moves PMBASE to 0x600 when it finds a table loader: the default of piix4AcpiSettings)
    const acpi = buildAcpiTables({ cpus: 1, ...piix4AcpiSettings(), pciRoutes: routes.acpi, levelIrqs: routes.irqs });
    for (const f of acpiFwCfgFiles(acpi)) fwCfg.addFile(f.name, f.data);
  }

  const ferr = irq(IRQ.fpu, 'ferr');
  const fpu = new FloatingPointUnit({ ferr: () => ferr.raise() });
  installSimd(fpu);
  const cpu = machine.attachCpu((platform: CpuPlatform) => new Cpu(platform, { fpu, tscHz: TSC_HZ, ...(options.cpuEngine ? { engine: options.cpuEngine } : {}), ...(vmware ? { hypervisor: true, hypervisorVendor: 'VMwareVMware' } : {}) }));
  cpuRef = cpu;
  return { machine, cpu, fpu, pic, uarts, rtc, pci, pm, fwCfg, pciSlots, nics, balloon, backdoor };
}

/**
 * Load a bzImage (and initrd, command line) into the PC's RAM and start the
 * CPU at the kernel's 32-bit entry, after doing what firmware would have
 * done: program the chipset and place the ACPI tables (FADT with the PIIX4
 * PM block, DSDT with \_S5 for soft-off) in the F-segment. By default an xz
 * kernel is decompressed on the host and entered past its decompression stub
 * (`hostDecompress: false` runs the kernel's own decompressor instead).
 */
export function bootLinux(
  pc: Pc,
  kernel: Uint8Array,
  initrd: Uint8Array | undefined,
  cmdline: string,
  options: { hostDecompress?: boolean } = {},
): LinuxBootResult {
  firmwarePlatformInit(pc);
  const routes = piixInterruptRoutes(pc.pciSlots, PIRQ_IRQS);
  const tables = buildBiosTables({
    acpi: { cpus: 1, ...piix4AcpiSettings(PIIX4_PM_DEFAULTS.pmBase), pciRoutes: routes.acpi, levelIrqs: routes.irqs },
    mp: false,
  });
  writeBiosTables(pc.machine.memory, tables);
  const result = loadLinux(pc.machine.memory, {
    kernel,
    ...(initrd ? { initrd } : {}),
    cmdline,
    ramSize: pc.machine.ramBytes,
    acpiRsdp: tables.rsdpAddress,
    hostDecompress: options.hostDecompress ?? true,
  });
  applyEntryState(pc.cpu, result.entry);
  return result;
}

/**
 * What PC firmware leaves programmed before it hands over to a boot loader,
 * done through the ports as SeaBIOS does: PIT counter 0 in mode 2 with the
 * 18.2 Hz count (Linux's i8254 read-back probe waits for a loaded count),
 * both 8259s initialised with the BIOS vectors 0x08 and 0x70 and masked,
 * the legacy BIOS area 0xC0000-0xFFFFF as RAM (PAM), PCI interrupt steering
 * (PIRQA-D to IRQ 10, 10, 11, 11, level-triggered in the ELCR) and the PIIX4
 * PM I/O block at 0xB000.
 */
function firmwarePlatformInit(pc: Pc): void {
  const io = pc.machine.ports;
  io.out8(0x43, 0x34);
  io.out8(0x40, 0);
  io.out8(0x40, 0);
  const icw = [
    [0x20, 0x11, 0x21, 0x08, 0x04, 0x01, 0xff],
    [0xa0, 0x11, 0xa1, 0x70, 0x02, 0x01, 0xff],
  ];
  for (const [cmd, icw1, data, icw2, icw3, icw4, mask] of icw) {
    io.out8(cmd!, icw1!);
    io.out8(data!, icw2!);
    io.out8(data!, icw3!);
    io.out8(data!, icw4!);
    io.out8(data!, mask!);
  }
  // i440FX PAM0-6 (config 0x59-0x5f): 0xC0000-0xFFFFF read/write RAM, as firmware leaves it after shadowing.
  for (let reg = 0x59; reg <= 0x5f; reg++) {
    io.out32(0xcf8, (0x80000000 | (reg & 0xfc)) >>> 0);
    io.out8(0xcfc + (reg & 3), reg === 0x59 ? 0x30 : 0x33);
  }
  for (const w of piixFirmwareSetup({ pmIoBase: PIIX4_PM_DEFAULTS.pmBase, pirqIrqs: PIRQ_IRQS })) {
    if (w.width === 1) io.out8(w.port, w.value);
    else if (w.width === 2) io.out16(w.port, w.value);
    else io.out32(w.port, w.value);
  }
  // Each device's interrupt line register (config 0x3C) names the IRQ its INTA# reaches,
  // as firmware leaves it: slot d, pin A goes to PIRQ (d - 1) & 3 (the PIIX rotation).
  // Bus mastering on (command bit 2), as a PC's BIOS and the adapters' option ROMs leave it:
  // Linux's BusLogic driver never sets it itself, and without it the BT-958 cannot reach its mailboxes.
  for (const slot of pc.pciSlots) {
    io.out32(0xcf8, (0x80000000 | (slot << 11) | 0x3c) >>> 0);
    io.out8(0xcfc, PIRQ_IRQS[(slot - 1) & 3]!);
    io.out32(0xcf8, (0x80000000 | (slot << 11) | 0x04) >>> 0);
    io.out16(0xcfc, io.in16(0xcfc) | 0x4);
  }
}

/** Map a system BIOS image (at the top of 4 GiB, its last 128 KiB at 0xE0000) and leave the CPU at the reset vector. */
export function loadFirmware(pc: Pc, image: Uint8Array): void {
  validateSystemBios(image);
  for (const m of systemBiosMappings(image)) pc.machine.addRom(m.base, m.bytes, m.name);
  pc.cpu.reset();
}

/** Segment register numbers of the CPU (ES CS SS DS FS GS). */
const SEG = { es: 0, cs: 1, ss: 2, ds: 3, fs: 4, gs: 5 } as const;

/** Put the CPU in the state a boot loader hands over (flat 32-bit protected mode, paging off). */
export function applyEntryState(cpu: Cpu, e: CpuEntryState): void {
  cpu.reset();
  cpu.cr0 = e.cr0 | 0x10;
  cpu.modeChanged();
  const regs = [e.eax, e.ecx, e.edx, e.ebx, e.esp, e.ebp, e.esi, e.edi];
  for (let i = 0; i < 8; i++) cpu.reg32[i] = regs[i]! | 0;
  cpu.setFlags(e.eflags);
  cpu.gdtBase = e.gdtr.base;
  cpu.gdtLimit = e.gdtr.limit;
  cpu.idtBase = e.idtr.base;
  cpu.idtLimit = e.idtr.limit;
  const load = (seg: number, s: SegmentState): void => cpu.setRealSegmentCache(seg, s.selector, s.base, s.limit, s.attributes);
  load(SEG.cs, e.cs);
  load(SEG.ss, e.ss);
  load(SEG.ds, e.ds);
  load(SEG.es, e.es);
  load(SEG.fs, e.fs);
  load(SEG.gs, e.gs);
  cpu.eip = e.eip;
  cpu.cpl = 0;
  cpu.modeChanged();
}
