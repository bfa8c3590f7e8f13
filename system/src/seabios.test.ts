import { describe, expect, it } from 'vitest';
import { buildLinuxBootDisk } from '@vm/bios';
import { RamBlockBackend } from '@vm/bus/test';
import { createPc, loadFirmware } from '@vm/machine';
import { GuestConsole } from './guest-console.js';
import { GuestShell } from './guest-shell.js';
import { loadGuests } from './guests.js';

const guests = loadGuests();
const skip = typeof guests === 'string' || guests.bios === null;
if (skip) console.warn(`seabios system test skipped: ${typeof guests === 'string' ? guests : 'no bios.bin among the guests'}`);
/** The 256 KiB SeaBIOS build carries the MPT (LSI Logic) SCSI driver; the 128 KiB one does not. */
const bios256 = typeof guests === 'string' ? null : guests.bios256k;
if (!skip && bios256 === null) console.warn('seabios LSI boot test skipped: no bios-256k.bin among the guests');

describe.skipIf(skip)("Debian's SeaBIOS on the pc machine", () => {
  it('prints its banner, finds our chipset and reaches its boot attempt', async () => {
    if (typeof guests === 'string' || guests.bios === null) return;
    const debugcon = new GuestConsole();
    const post: number[] = [];
    const pc = createPc({ memoryMB: 128, firmwareBoot: true, serial: [new GuestConsole()], debugcon, post: (c) => post.push(c) });
    loadFirmware(pc, guests.bios);
    await debugcon.runUntil(pc.machine, /No bootable device/, 0, 400_000_000);
    const log = debugcon.text;
    expect(log).toMatch(/^SeaBIOS \(version [^)]+\)/m);
    expect(log).toContain('Running on QEMU (i440fx)');
    expect(log).toContain('Found QEMU fw_cfg');
    expect(log).toMatch(/PCI: init bdf=00:00\.0 id=8086:1237/);
    expect(log).toMatch(/PCI: init bdf=00:01\.3 id=8086:7113/);
    // our ACPI tables reached it through the table loader (it moves PMBASE to 0x600 for them)
    expect(log).toContain('Using pmtimer, ioport 0x608');
    expect(log).toMatch(/Booting from Hard Disk/);
    pc.machine.destroy();
  });

  it.skipIf(bios256 === null)('boots Linux from a disk on the LSI Logic adapter through its MBR', async () => {
    if (typeof guests === 'string' || bios256 === null) return;
    const cmdline = 'console=ttyS0 quiet';
    const disk = buildLinuxBootDisk({ kernel: guests.kernel, initrd: guests.initrd, cmdline, size: 16 * 1024 * 1024 });
    const backend = new RamBlockBackend(disk.image.length / 512);
    backend.bytes.set(disk.image);
    const con = new GuestConsole();
    const debugcon = new GuestConsole();
    const pc = createPc({
      memoryMB: 128,
      firmwareBoot: true,
      serial: [con],
      debugcon,
      scsi: [{ virtualDev: 'lsilogic', disks: [{ id: 0, backend }] }],
    });
    loadFirmware(pc, bios256);
    try {
      await con.runUntil(pc.machine, /VM-GUEST-READY/, 0, 20_000_000_000);
      // SeaBIOS's MPT driver found the adapter and the disk, and booted it
      expect(debugcon.text).toMatch(/found mpt-scsi\(0030\) at 00:10\.0/);
      expect(debugcon.text).toMatch(/mpt 00:10\.0 0:0/);
      expect(debugcon.text).toContain('Booting from Hard Disk');
      // our loader ran ("M" before the kernel's first line) and never failed ("!")
      expect(con.text.startsWith('M')).toBe(true);
      const shell = new GuestShell(pc.machine, con);
      const r = await shell.sh('cat /proc/cmdline');
      expect(r.out.trim()).toBe(cmdline);
      // the guest's own mptspi driver sees the boot disk: its size and the MBR it booted from
      const d = await shell.sh('modprobe mptspi && modprobe sd_mod && sleep 2 && cat /sys/block/sda/size && dd if=/dev/sda bs=512 count=1 2>/dev/null | od -An -tx1 -j510');
      expect(d.status, d.out).toBe(0);
      // (kernel messages may be interleaved with the output on the console)
      const lines = d.out.split(/\r?\n/).map((l) => l.trim());
      expect(lines).toContain(String(16 * 1024 * 2));
      expect(lines).toContain('55 aa');
    } finally {
      pc.machine.destroy();
    }
  });
});
