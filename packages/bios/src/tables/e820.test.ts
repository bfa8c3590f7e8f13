import { describe, expect, it } from 'vitest';
import { le32 } from '../bytes.js';
import { buildPcE820, e820RamBytes, E820Type, ramEndContaining, seabiosE820File, writeE820 } from './e820.js';

const MiB = 1024 * 1024;

describe('buildPcE820', () => {
  it('lays out a 128 MiB PC', () => {
    expect(buildPcE820({ ramSize: 128 * MiB })).toEqual([
      { base: 0, length: 0x9fc00, type: E820Type.Ram },
      { base: 0x9fc00, length: 0x400, type: E820Type.Reserved },
      { base: 0xe0000, length: 0x20000, type: E820Type.Reserved },
      { base: MiB, length: 127 * MiB, type: E820Type.Ram },
      { base: 0xfec00000, length: 0x1000, type: E820Type.Reserved },
      { base: 0xfee00000, length: 0x1000, type: E820Type.Reserved },
      { base: 0xfffc0000, length: 0x40000, type: E820Type.Reserved },
    ]);
  });

  it('puts RAM beyond the PCI hole above 4 GiB', () => {
    const m = buildPcE820({ ramSize: 4096 * MiB, biosSize: 0x20000 });
    expect(m.find((e) => e.base === MiB)!.length).toBe(0xe0000000 - MiB);
    expect(m[m.length - 1]).toEqual({ base: 0x1_0000_0000, length: 0x20000000, type: E820Type.Ram });
    expect(m.find((e) => e.base === 0xfffe0000)!.length).toBe(0x20000);
    expect(e820RamBytes(m)).toBe(0x9fc00 + 4096 * MiB - MiB);
  });

  it('marks an ACPI table area inside RAM', () => {
    const m = buildPcE820({ ramSize: 64 * MiB, acpiTables: { base: 63 * MiB, size: 0x10000 } });
    expect(m.filter((e) => e.type === E820Type.Acpi)).toEqual([{ base: 63 * MiB, length: 0x10000, type: E820Type.Acpi }]);
    expect(ramEndContaining(m, 2 * MiB)).toBe(63 * MiB);
    expect(ramEndContaining(m, 63 * MiB + 0x10000)).toBe(64 * MiB);
    expect(() => buildPcE820({ ramSize: 64 * MiB, acpiTables: { base: 64 * MiB, size: 1 } })).toThrow(/not inside RAM/);
  });

  it('rejects too little RAM and a bad hole', () => {
    expect(() => buildPcE820({ ramSize: MiB })).toThrow(/below the 2 MiB/);
    expect(() => buildPcE820({ ramSize: 8 * MiB, pciHoleStart: 0xe0001000 })).toThrow(/pciHoleStart/);
  });
});

describe('writeE820', () => {
  it('writes 20-byte entries with 64-bit fields', () => {
    const b = new Uint8Array(60);
    const n = writeE820(
      [
        { base: 0x1_0000_0000, length: 0x2000_0000, type: E820Type.Ram },
        { base: 0x9fc00, length: 0x400, type: E820Type.Reserved },
      ],
      b,
      10,
    );
    expect(n).toBe(2);
    expect([le32(b, 10), le32(b, 14), le32(b, 18), le32(b, 22), le32(b, 26)]).toEqual([0, 1, 0x20000000, 0, 1]);
    expect([le32(b, 30), le32(b, 38), le32(b, 46)]).toEqual([0x9fc00, 0x400, 2]);
    expect(() => writeE820(new Array(3).fill({ base: 0, length: 1, type: 1 }), b, 10)).toThrow(/do not fit/);
  });
});

describe('seabiosE820File', () => {
  it('lists RAM from 0 and above 4 GiB as etc/e820', () => {
    const f = seabiosE820File({ ramSize: 128 * MiB });
    expect(f.name).toBe('etc/e820');
    expect(f.data.length).toBe(20);
    expect([le32(f.data, 0), le32(f.data, 8), le32(f.data, 16)]).toEqual([0, 128 * MiB, 1]);
    const big = seabiosE820File({ ramSize: 4096 * MiB }).data;
    expect(big.length).toBe(40);
    expect([le32(big, 8), le32(big, 20), le32(big, 24), le32(big, 28)]).toEqual([0xe0000000, 0, 1, 0x20000000]);
    expect(() => seabiosE820File({ ramSize: 1000 })).toThrow(/below the 2 MiB/);
  });
});
