import { describe, expect, it } from 'vitest';
import { RamDmaSpace } from '@vm/bus/test';
import { le16, le32 } from '../bytes.js';
import { flatProtectedModeEntry } from '../cpu-entry.js';
import { ENTRY_STUB_CODE_OFFSET, entryStubRom, pciConfigWrite, piixFirmwareSetup } from './entry-stub.js';
import { systemBiosMappings } from './system-bios.js';

function find(rom: Uint8Array, bytes: number[], from = ENTRY_STUB_CODE_OFFSET): number {
  outer: for (let i = from; i + bytes.length <= rom.length; i++) {
    for (let j = 0; j < bytes.length; j++) if (rom[i + j] !== bytes[j]) continue outer;
    return i;
  }
  return -1;
}

describe('entryStubRom', () => {
  const entry = flatProtectedModeEntry(new RamDmaSpace(0x10000), 0x6000, 0x123456, {
    eax: 0x2badb002,
    ebx: 0x7000,
    esi: 0x7100,
    esp: 0x6ff0,
  });
  const tables = new Uint8Array(100).fill(0x5a);
  const rom = entryStubRom(entry, { tables });

  it('is a valid 64 KiB system BIOS whose reset vector jumps to the stub', () => {
    expect(rom.length).toBe(0x10000);
    expect(() => systemBiosMappings(rom)).not.toThrow();
    expect(rom[0xfff0]).toBe(0xea);
    const ip = le16(rom, 0xfff1);
    expect(le16(rom, 0xfff3)).toBe(0xf000);
    expect(ip).toBeGreaterThan(ENTRY_STUB_CODE_OFFSET);
    expect(rom[ip]).toBe(0xfa); // cli
    expect(rom.subarray(0, 100)).toEqual(tables);
  });

  it('loads the GDTR from the entry state and far-jumps into 32-bit code', () => {
    const gdtr = ENTRY_STUB_CODE_OFFSET;
    expect([le16(rom, gdtr), le32(rom, gdtr + 2)]).toEqual([31, 0x6000]);
    const lgdt = find(rom, [0x66, 0x2e, 0x0f, 0x01, 0x16]);
    expect(le16(rom, lgdt + 5)).toBe(gdtr);
    const jmp = find(rom, [0x66, 0xea]);
    const target = le32(rom, jmp + 2);
    expect(le16(rom, jmp + 6)).toBe(0x10);
    expect(target).toBe(0xf0000 + jmp + 8); // the next instruction, as a linear address
  });

  it('sets every register and jumps to the entry point', () => {
    expect(find(rom, [0xbe, 0x00, 0x71, 0x00, 0x00])).toBeGreaterThan(0); // mov esi, 0x7100
    expect(find(rom, [0xbb, 0x00, 0x70, 0x00, 0x00])).toBeGreaterThan(0); // mov ebx, 0x7000
    expect(find(rom, [0xbc, 0xf0, 0x6f, 0x00, 0x00])).toBeGreaterThan(0); // mov esp, 0x6ff0
    expect(find(rom, [0xb8, 0x02, 0xb0, 0xad, 0x2b])).toBeGreaterThan(0); // mov eax, 0x2badb002
    expect(find(rom, [0x66, 0xb8, 0x18, 0x00, 0x8e, 0xd0])).toBeGreaterThan(0); // ss = 0x18
    expect(find(rom, [0xea, 0x56, 0x34, 0x12, 0x00, 0x10, 0x00])).toBeGreaterThan(0); // jmp 0x10:0x123456
  });

  it('refuses tables that would overlap the code', () => {
    expect(() => entryStubRom(entry, { tables: new Uint8Array(0xf001) })).toThrow(/do not fit below the stub code/);
  });

  it('performs port writes in real mode before the switch', () => {
    const withWrites = entryStubRom(entry, {
      portWrites: [
        { port: 0x4d1, value: 0x0c, width: 1 },
        { port: 0x1234, value: 0xbeef, width: 2 },
        ...pciConfigWrite(1, 3, 0x40, 0x601, 4),
      ],
    });
    const cli = le16(withWrites, 0xfff1);
    expect(Array.from(withWrites.subarray(cli + 2, cli + 2 + 6))).toEqual([0xba, 0xd1, 0x04, 0xb0, 0x0c, 0xee]);
    expect(find(withWrites, [0xba, 0x34, 0x12, 0xb8, 0xef, 0xbe, 0xef])).toBe(cli + 8);
    // 0x80000000 | dev 1 << 11 | fn 3 << 8 | 0x40 to 0xCF8, then 0x601 to 0xCFC
    expect(find(withWrites, [0xba, 0xf8, 0x0c, 0x66, 0xb8, 0x40, 0x0b, 0x00, 0x80, 0x66, 0xef])).toBeGreaterThan(cli);
    expect(find(withWrites, [0xba, 0xfc, 0x0c, 0x66, 0xb8, 0x01, 0x06, 0x00, 0x00, 0x66, 0xef])).toBeGreaterThan(cli);
    expect(find(withWrites, [0x66, 0x2e, 0x0f, 0x01, 0x16])).toBeGreaterThan(cli + 30);
  });

  it('programs a PIIX board as SeaBIOS would', () => {
    const w = piixFirmwareSetup({ pmIoBase: 0x600 });
    expect(w.slice(0, 4)).toEqual([
      { port: 0xcf8, value: 0x80000860, width: 4 },
      { port: 0xcfc, value: 0x0b0b0a0a, width: 4 },
      { port: 0x4d0, value: 0x00, width: 1 },
      { port: 0x4d1, value: 0x0c, width: 1 },
    ]);
    expect(w.slice(4)).toEqual([
      { port: 0xcf8, value: 0x80000b40, width: 4 },
      { port: 0xcfc, value: 0x601, width: 4 },
      { port: 0xcf8, value: 0x80000b80, width: 4 },
      { port: 0xcfc, value: 1, width: 1 },
    ]);
    expect(piixFirmwareSetup().length).toBe(4);
  });
});
