// End to end: boot Debian's real kernel with this package's loader, tables
// and entry stub ROM in QEMU (`-bios` = the stub, RAM filled by QEMU's
// generic loader device). Runs only where qemu-system-i386 and a guest built
// by `pnpm guests` exist.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RamDmaSpace } from '@vm/bus/test';
import { entryStubRom, piixFirmwareSetup } from './rom/entry-stub.js';
import { buildAcpiTables, piix4AcpiSettings } from './tables/acpi/acpi-tables.js';
import { buildBiosTables } from './tables/bios-tables.js';
import { acpiFwCfgFiles } from './tables/fw-cfg-table-loader.js';
import { vmwareSystemIdentity } from './tables/smbios.js';
import { piixInterruptRoutes } from './tables/pci-routing.js';
import { loadLinux } from './linux/linux-loader.js';
import { loadMultiboot } from './multiboot/multiboot-loader.js';
import { buildMultibootElf } from './test/index.js';

const guestDir = join(process.env['VM_GUESTS_DIR'] || join(homedir(), '.cache', 'vm-guests'), 'current');
const hasQemu = spawnSync('qemu-system-i386', ['--version']).status === 0;
/** A guest built by `pnpm guests` whose initramfs has the test scripts used here. */
function guestReady(): boolean {
  try {
    const m = JSON.parse(readFileSync(join(guestDir, 'manifest.json'), 'utf8')) as { tests?: string[] };
    return ['firmware', 'devices'].every((t) => m.tests?.includes(t)) && existsSync(join(guestDir, 'vmlinuz'));
  } catch {
    return false;
  }
}
const hasGuest = guestReady();

function runQemu(args: string[], until: RegExp, timeoutMs: number, onExit?: () => void): Promise<string> {
  return new Promise((resolve) => {
    const p = spawn('qemu-system-i386', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let finished = false;
    const done = (): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      p.kill('SIGKILL');
      resolve(out);
    };
    const timer = setTimeout(done, timeoutMs);
    const take = (d: Buffer): void => {
      out += d.toString('latin1');
      if (until.test(out)) done();
    };
    p.stdout.on('data', take);
    p.stderr.on('data', take);
    p.on('exit', () => {
      if (!finished) onExit?.();
      done();
    });
  });
}

const hasSeaBios = existsSync(join(guestDir, 'bios.bin'));

/**
 * A tiny hand-assembled Multiboot kernel at 1 MiB: checks EAX, then writes
 * to COM1 the command line, module 0's string and module 0's contents (all
 * found through the info structure in EBX), and "OK", then halts.
 */
function tinyMultibootKernel(): Uint8Array {
  const base = 0x100000;
  const code: number[] = [];
  const at = (): number => base + code.length;
  const emit = (...b: number[]): void => void code.push(...b);
  const u32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
  const calls: number[] = []; // positions of rel32 fields that call puts
  const callPuts = (): void => {
    emit(0xe8, 0, 0, 0, 0);
    calls.push(code.length - 4);
  };
  const strings: { pos: number; text: string }[] = [];
  const movEsiString = (text: string): void => {
    emit(0xbe, 0, 0, 0, 0);
    strings.push({ pos: code.length - 4, text });
  };
  emit(0x3d, ...u32(0x2badb002)); // cmp eax, 0x2BADB002
  emit(0x75, 0); // jne bad
  const jne = code.length - 1;
  movEsiString('mb:');
  callPuts();
  emit(0x8b, 0x73, 0x10); // mov esi, [ebx+16]  cmdline
  callPuts();
  movEsiString('|');
  callPuts();
  emit(0x8b, 0x73, 0x18, 0x8b, 0x76, 0x08); // mov esi, [ebx+24]; mov esi, [esi+8]  module string
  callPuts();
  movEsiString('|');
  callPuts();
  emit(0x8b, 0x73, 0x18, 0x8b, 0x36); // mov esi, [ebx+24]; mov esi, [esi]  module start
  callPuts();
  movEsiString('|OK\n');
  callPuts();
  emit(0xfa, 0xf4, 0xeb, 0xfd); // cli; hlt; jmp $-1
  code[jne] = code.length - (jne + 1);
  movEsiString('mb: bad magic\n'); // bad:
  callPuts();
  emit(0xfa, 0xf4, 0xeb, 0xfd);
  const puts = at();
  emit(0x66, 0xba, 0xf8, 0x03); // mov dx, 0x3f8
  emit(0xac, 0x84, 0xc0, 0x74, 0x03, 0xee, 0xeb, 0xf8, 0xc3); // lodsb; test al,al; jz +3; out dx,al; jmp lodsb; ret
  for (const c of calls) {
    const rel = puts - (base + c + 4);
    code.splice(c, 4, ...u32(rel >>> 0));
  }
  for (const s of strings) {
    const addr = at();
    code.splice(s.pos, 4, ...u32(addr));
    for (const ch of s.text) emit(ch.charCodeAt(0));
    emit(0);
  }
  return buildMultibootElf({ segments: [{ paddr: base, data: Uint8Array.from(code), memsz: code.length + 0x1000 }], entry: base });
}

/** The lines the guest printed from user space (the polled kernel console may drop characters). */
function guestLines(out: string): string {
  return out.split(/\r?\n/).filter((l) => l.startsWith('VM-')).join('\n');
}

describe.skipIf(!hasQemu || !hasGuest)('Linux direct boot in QEMU', () => {
  it('boots the Debian kernel to the guest marker with our zero page, E820, MP and ACPI tables', async () => {
    const ram = 128 * 1024 * 1024;
    const mem = new RamDmaSpace(ram);
    const uuid = Uint8Array.from({ length: 16 }, (_, i) => 0x40 + i);
    const tables = buildBiosTables({
      acpi: { cpus: 1 },
      mp: { cpus: 1 },
      smbios: { ramSize: ram, cpus: 1, system: vmwareSystemIdentity(uuid) },
      size: 0xf000,
    });
    const r = loadLinux(mem, {
      kernel: new Uint8Array(readFileSync(join(guestDir, 'vmlinuz'))),
      initrd: new Uint8Array(readFileSync(join(guestDir, 'initramfs.cpio.gz'))),
      cmdline: 'console=ttyS0 quiet vmtest=firmware',
      ramSize: ram,
      acpiRsdp: tables.rsdpAddress,
      vgaText: false,
    });
    const dir = mkdtempSync(join(tmpdir(), 'bios-qemu-'));
    try {
      const file = (name: string, data: Uint8Array): string => {
        writeFileSync(join(dir, name), data);
        return join(dir, name);
      };
      const rom = file('stub.bin', entryStubRom(r.entry, { tables: tables.mapping.bytes }));
      const regions: [string, number, number][] = [
        ['low.bin', 0, 0xa0000],
        ['kernel.bin', r.kernel.base, r.kernel.size],
        ['initrd.bin', r.initrd!.base, r.initrd!.size],
      ];
      const loaders = regions.flatMap(([name, base, size]) => [
        '-device',
        `loader,file=${file(name, mem.bytes.subarray(base, base + size))},addr=0x${base.toString(16)},force-raw=on`,
      ]);
      const out = await runQemu(
        ['-M', 'pc', '-accel', 'tcg', '-m', '128', '-smp', '1', '-display', 'none', '-serial', 'stdio', '-monitor', 'none', '-nic', 'none', '-no-reboot', '-bios', rom, ...loaders],
        /VM-TEST-DONE[^\n]*\n|Kernel panic/,
        90_000,
      );
      if (process.env['BIOS_QEMU_LOG']) writeFileSync(process.env['BIOS_QEMU_LOG'], out);
      const lines = guestLines(out);
      expect(lines).toMatch(/VM-TEST-DONE name=firmware status=0/);
      expect(lines).toMatch(/VM-DMESG .*BIOS-e820: \[mem 0x0000000000100000-0x0000000007ffffff\] usable/);
      expect(lines).toMatch(/VM-DMESG .*found SMP MP-table at \[mem 0x000f0000-0x000f000f\]/);
      expect(lines).toMatch(/VM-DMESG .*ACPI: RSDP 0x00000000000F0010 000014 \(v00 VMVM/);
      expect(lines).toMatch(/VM-DMESG .*ACPI: FACP 0x[0-9A-F]+ 000074 \(v01 VMVM/);
      expect(lines).toMatch(/VM-DMESG .*IOAPIC\[0\]: apic_id 1, version \d+, address 0xfec00000, GSI 0-23/);
      expect(lines).toMatch(/VM-DMESG .*INT_SRC_OVR \(bus 0 bus_irq 0 global_irq 2 dfl dfl\)/);
      expect(lines).toMatch(/VM-DMESG .*INT_SRC_OVR \(bus 0 bus_irq 9 global_irq 9 high level\)/);
      // the DSDT's host bridge and its _CRS windows: PCI is found and BARs assigned
      expect(lines).toMatch(/VM-DMESG .*ACPI: PCI Root Bridge \[PCI0\] \(domain 0000 \[bus 00-ff\]\)/);
      expect(lines).toMatch(/VM-DMESG .*root bus resource \[mem 0xe0000000-0xfebfffff window\]/);
      expect(lines).toMatch(/VM-DMESG .*pci 0000:00:00\.0: \[8086:1237\]/);
      expect(lines).toMatch(/VM-DMESG .*ACPI: PM: \(supports S0 S5\)/);
      for (const t of ['APIC', 'DSDT', 'FACP', 'FACS']) expect(lines).toMatch(new RegExp(`VM-ACPI-TABLE ${t} \\d+`));
      expect(lines).toMatch(/VM-MEMMAP 0x100000 0x7ffffff System RAM/);
      // SMBIOS from the F-segment
      expect(lines).toMatch(/VM-DMESG .*SMBIOS 2\.4 present/);
      expect(lines).toContain('VM-DMI sys_vendor=VMware, Inc.');
      expect(lines).toContain('VM-DMI product_name=VMware Virtual Platform');
      expect(lines).toContain('VM-DMI product_serial=VMware-40 41 42 43 44 45 46 47-48 49 4a 4b 4c 4d 4e 4f');
      expect(lines).toContain('VM-DMI bios_vendor=vm');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe.skipIf(!hasQemu || !hasGuest || !hasSeaBios)('ACPI tables through SeaBIOS table-loader in QEMU', () => {
  it("Debian's SeaBIOS runs our etc/table-loader and the kernel finds our tables", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bios-seabios-'));
    try {
      // QEMU's own ACPI is off so the etc/ names are free for ours.
      // (QEMU always serves its own etc/smbios/* files, so SMBIOS cannot be swapped in the same way.)
      const fwcfg = acpiFwCfgFiles(buildAcpiTables({ cpus: 1, ...piix4AcpiSettings() })).flatMap((f) => {
        const path = join(dir, f.name.replace(/\//g, '_'));
        writeFileSync(path, f.data);
        return ['-fw_cfg', `name=${f.name},file=${path}`];
      });
      const out = await runQemu(
        ['-M', 'pc,acpi=off', '-accel', 'tcg', '-m', '128', '-display', 'none', '-serial', 'stdio', '-monitor', 'none', '-nic', 'none', '-no-reboot',
          '-bios', join(guestDir, 'bios.bin'), ...fwcfg, '-kernel', join(guestDir, 'vmlinuz'), '-initrd', join(guestDir, 'initramfs.cpio.gz'),
          '-append', 'console=ttyS0 quiet vmtest=firmware'],
        /VM-TEST-DONE[^\n]*\n|Kernel panic/,
        90_000,
      );
      const lines = guestLines(out);
      expect(lines).toMatch(/VM-TEST-DONE name=firmware status=0/);
      // the RSDP in the F-segment, the tables in high RAM, where the loader script said
      expect(lines).toMatch(/VM-DMESG .*ACPI: RSDP 0x00000000000F[0-9A-F]{4} 000014 \(v00 VMVM/);
      expect(lines).toMatch(/VM-DMESG .*ACPI: FACP 0x0000000007F[0-9A-F]{5} 000074 \(v01 VMVM/);
      expect(lines).toMatch(/VM-DMESG .*ACPI: PM-Timer IO Port: 0x608/);
      expect(lines).toMatch(/VM-DMESG .*ACPI: PCI Root Bridge \[PCI0\]/);
      for (const t of ['APIC', 'DSDT', 'FACP', 'FACS']) expect(lines).toMatch(new RegExp(`VM-ACPI-TABLE ${t} \\d+`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe.skipIf(!hasQemu)('Multiboot direct boot in QEMU', () => {
  it('enters a Multiboot kernel with EAX/EBX and an info structure it can read', async () => {
    const ram = 32 * 1024 * 1024;
    const mem = new RamDmaSpace(ram);
    const moduleText = new TextEncoder().encode('module-contents\0');
    const r = loadMultiboot(mem, {
      kernel: tinyMultibootKernel(),
      cmdline: 'tiny --flag',
      modules: [{ data: moduleText, cmdline: 'mod0 arg' }],
      ramSize: ram,
    });
    const dir = mkdtempSync(join(tmpdir(), 'bios-mb-'));
    try {
      const file = (name: string, data: Uint8Array): string => {
        writeFileSync(join(dir, name), data);
        return join(dir, name);
      };
      const rom = file('stub.bin', entryStubRom(r.entry));
      const regions: [string, number, number][] = [
        ['low.bin', 0, 0xa0000],
        ['high.bin', r.kernel.start, r.modules[0]!.end - r.kernel.start],
      ];
      const loaders = regions.flatMap(([name, base, size]) => [
        '-device',
        `loader,file=${file(name, mem.bytes.subarray(base, base + size))},addr=0x${base.toString(16)},force-raw=on`,
      ]);
      const out = await runQemu(
        ['-M', 'pc', '-accel', 'tcg', '-m', '32', '-display', 'none', '-serial', 'stdio', '-monitor', 'none', '-nic', 'none', '-no-reboot', '-bios', rom, ...loaders],
        /mb:[^\n]*\n/,
        30_000,
      );
      expect(out).toContain('mb:tiny --flag|mod0 arg|module-contents|OK');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe.skipIf(!hasQemu || !hasGuest)('PCI interrupts and ACPI power-off on a direct boot in QEMU', () => {
  it('routes an e1000 through the _PRT to its PIRQ IRQ and powers off through \\_S5', async () => {
    const ram = 128 * 1024 * 1024;
    const mem = new RamDmaSpace(ram);
    const routes = piixInterruptRoutes([1, 2, 3]);
    const tables = buildBiosTables({
      acpi: { cpus: 1, ...piix4AcpiSettings(0x600), pciRoutes: routes.acpi },
      mp: { cpus: 1, pciInterrupts: routes.mp },
      size: 0xf000,
    });
    const r = loadLinux(mem, {
      kernel: new Uint8Array(readFileSync(join(guestDir, 'vmlinuz'))),
      initrd: new Uint8Array(readFileSync(join(guestDir, 'initramfs.cpio.gz'))),
      cmdline: 'console=ttyS0 quiet vmtest=devices vmmods=e1000',
      ramSize: ram,
      acpiRsdp: tables.rsdpAddress,
      vgaText: false,
    });
    const dir = mkdtempSync(join(tmpdir(), 'bios-pci-'));
    try {
      const file = (name: string, data: Uint8Array): string => {
        writeFileSync(join(dir, name), data);
        return join(dir, name);
      };
      // The stub does what SeaBIOS would: PIRQA-D -> 10, 10, 11, 11, ELCR, PM base 0x600.
      const rom = file('stub.bin', entryStubRom(r.entry, { tables: tables.mapping.bytes, portWrites: piixFirmwareSetup({ pmIoBase: 0x600 }) }));
      const regions: [string, number, number][] = [
        ['low.bin', 0, 0xa0000],
        ['kernel.bin', r.kernel.base, r.kernel.size],
        ['initrd.bin', r.initrd!.base, r.initrd!.size],
      ];
      const loaders = regions.flatMap(([name, base, size]) => [
        '-device',
        `loader,file=${file(name, mem.bytes.subarray(base, base + size))},addr=0x${base.toString(16)},force-raw=on`,
      ]);
      let exited = false;
      const out = await runQemu(
        ['-M', 'pc', '-accel', 'tcg', '-m', '128', '-display', 'none', '-serial', 'stdio', '-monitor', 'none', '-no-reboot', '-vga', 'none',
          '-nic', 'none', '-device', 'e1000,addr=03.0', '-bios', rom, ...loaders],
        /Kernel panic/,
        90_000,
        () => (exited = true),
      );
      const lines = guestLines(out);
      expect(lines).toMatch(/VM-TEST-DONE name=devices status=0/);
      // slot 3 INTA# -> PIRQC# -> IRQ 11
      expect(lines).toMatch(/VM-PCI 0000:00:03\.0 0x8086:0x100e class=0x020000 irq=11/);
      expect(lines).toMatch(/VM-NET-UP eth0/);
      const irq11 = /VM-IRQ\s+11:\s+(\d+)\s+IO-APIC\s+11-fasteoi\s+eth0/.exec(lines);
      expect(irq11, lines).not.toBeNull();
      expect(Number(irq11![1])).toBeGreaterThan(0);
      // poweroff -f went through the FADT's PM1a control block and \_S5: QEMU quit by itself
      expect(exited).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
