import { describe, expect, it } from 'vitest';
import { createPc, loadFirmware } from '@vm/machine';
import { GuestConsole } from './guest-console.js';
import { loadGuests } from './guests.js';

const guests = loadGuests();
const skip = typeof guests === 'string' || guests.bios === null;
if (skip) console.warn(`seabios system test skipped: ${typeof guests === 'string' ? guests : 'no bios.bin among the guests'}`);

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
    expect(log).toContain('Using pmtimer, ioport 0xb008');
    expect(log).toMatch(/Booting from Hard Disk/);
    pc.machine.destroy();
  });
});
