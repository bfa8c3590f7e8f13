import { describe, expect, it } from 'vitest';
import { fixChecksum, put16 } from '../bytes.js';
import { FirmwareError } from '../errors.js';
import { optionRomMappings, parseOptionRom } from './option-rom.js';
import { systemBiosMappings, validateSystemBios } from './system-bios.js';

function bios(size: number): Uint8Array {
  const b = new Uint8Array(size);
  b[size - 16] = 0xea; // jmp far at the reset vector
  b[0] = 0x11;
  b[size - 1] = 0x22;
  return b;
}

function optionRom(blocks: number, pcir?: { vendor: number; device: number; cls: number }): Uint8Array {
  const b = new Uint8Array(blocks * 512);
  b[0] = 0x55;
  b[1] = 0xaa;
  b[2] = blocks;
  if (pcir) {
    put16(b, 0x18, 0x40);
    b.set([0x50, 0x43, 0x49, 0x52], 0x40);
    put16(b, 0x44, pcir.vendor);
    put16(b, 0x46, pcir.device);
    b[0x4d] = pcir.cls & 0xff;
    b[0x4e] = (pcir.cls >> 8) & 0xff;
    b[0x4f] = pcir.cls >> 16;
  }
  fixChecksum(b, b.length - 1, 0, b.length);
  return b;
}

describe('system BIOS placement', () => {
  it('maps a 128 KiB image below 4 GiB and at 0xE0000', () => {
    const img = bios(0x20000);
    const [top, isa] = systemBiosMappings(img);
    expect(top).toMatchObject({ name: 'bios', base: 0xfffe0000 });
    expect(top!.bytes.length).toBe(0x20000);
    expect(isa).toMatchObject({ name: 'bios.isa', base: 0xe0000 });
    expect(isa!.bytes.length).toBe(0x20000);
    expect(isa!.bytes[0]).toBe(0x11);
  });

  it('aliases only the last 128 KiB of a 256 KiB image, and a 64 KiB image at 0xF0000', () => {
    const img = bios(0x40000);
    const [top, isa] = systemBiosMappings(img);
    expect(top!.base).toBe(0xfffc0000);
    expect(isa!.base).toBe(0xe0000);
    expect(isa!.bytes.length).toBe(0x20000);
    expect(isa!.bytes.byteOffset).toBe(0x20000);
    expect(isa!.bytes[0x1ffff]).toBe(0x22); // the reset vector page ends at 0xFFFFF
    const small = systemBiosMappings(bios(0x10000));
    expect(small[1]!.base).toBe(0xf0000);
  });

  it('rejects images of the wrong size or without a reset jump', () => {
    expect(() => validateSystemBios(new Uint8Array(0))).toThrow(/empty/);
    expect(() => validateSystemBios(new Uint8Array(100000))).toThrow(/not a multiple of 64 KiB/);
    expect(() => validateSystemBios(bios(17 * 1024 * 1024))).toThrow(/larger than 16 MiB/);
    expect(() => validateSystemBios(new Uint8Array(0x10000), 'x.bin')).toThrow(/x\.bin: no jump at the reset vector/);
    expect(() => systemBiosMappings(new Uint8Array(1000))).toThrow(FirmwareError);
  });
});

describe('option ROMs', () => {
  it('parses the header and the PCI data structure', () => {
    const r = parseOptionRom(optionRom(78, { vendor: 0x1234, device: 0x1111, cls: 0x030000 }), '/x/vgabios-stdvga.bin');
    expect(r.bytes.length).toBe(78 * 512);
    expect([r.pciVendorId, r.pciDeviceId, r.pciClassCode]).toEqual([0x1234, 0x1111, 0x030000]);
    expect(r.fwCfgName).toBe('vgaroms/vgabios-stdvga.bin');
    const isa = parseOptionRom(optionRom(4), 'pxe.rom');
    expect([isa.pciVendorId, isa.fwCfgName]).toEqual([-1, 'genroms/pxe.rom']);
  });

  it('rejects a missing signature, a short image and a bad checksum', () => {
    expect(() => parseOptionRom(new Uint8Array(1024), 'a')).toThrow(/no 0x55 0xAA signature/);
    const short = optionRom(4).slice(0, 1024);
    expect(() => parseOptionRom(short, 'b')).toThrow(/declares 2048 bytes but the image has 1024/);
    const bad = optionRom(4);
    bad[100] ^= 0xff;
    expect(() => parseOptionRom(bad, 'c')).toThrow(/checksum is 0x/);
  });

  it('places ROMs from 0xC0000 on 2 KiB boundaries and checks the window', () => {
    const a = parseOptionRom(optionRom(78), 'vga');
    const b = parseOptionRom(optionRom(3), 'b');
    const c = parseOptionRom(optionRom(2), 'c');
    expect(optionRomMappings([a, b, c]).map((m) => m.base)).toEqual([0xc0000, 0xc0000 + 40960, 0xc0000 + 40960 + 2048]);
    const big = parseOptionRom(optionRom(255), 'big');
    expect(() => optionRomMappings([big, big, big])).toThrow(/overflow the 0xC0000-0xDFFFF window/);
  });
});
