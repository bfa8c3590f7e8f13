// The README's snippet, run as a test so it stays true.
import { expect, it } from 'vitest';
import { RamDmaSpace } from '@vm/bus/test';
import { buildBiosTables, entryStubRom, loadLinux, systemBiosMappings } from './index.js';
import { buildSyntheticBzImage } from './test/index.js';

it('README snippet', () => {
  const ram = 64 * 1024 * 1024;
  const memory = new RamDmaSpace(ram);
  const tables = buildBiosTables({ acpi: { cpus: 1 }, mp: { cpus: 1 }, size: 0xf000 });
  const boot = loadLinux(memory, {
    kernel: buildSyntheticBzImage(),
    initrd: new Uint8Array(4096),
    cmdline: 'console=ttyS0',
    ramSize: ram,
    acpiRsdp: tables.rsdpAddress,
  });
  expect([boot.entry.eip.toString(16), boot.entry.esi.toString(16)]).toEqual(['100000', '7000']);
  expect(boot.initrd!.base.toString(16)).toBe('3fff000');
  const [high, low] = systemBiosMappings(entryStubRom(boot.entry, { tables: tables.mapping.bytes }));
  expect([high!.base.toString(16), low!.base.toString(16)]).toEqual(['ffff0000', 'f0000']);
});
