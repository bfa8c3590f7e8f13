import { describe, expect, it } from 'vitest';
import { RamDmaSpace } from '@vm/bus/test';
import { byteSum, getAscii, le32 } from '../bytes.js';
import { readAcpiTables } from '../test/index.js';
import { buildBiosTables, writeBiosTables } from './bios-tables.js';

describe('buildBiosTables', () => {
  it('places the MP floating pointer and RSDP where OSes scan, and valid tables behind them', () => {
    const t = buildBiosTables({ acpi: { cpus: 1 }, mp: { cpus: 1 } });
    expect(t.mapping.base).toBe(0xf0000);
    expect(t.mpFloatingAddress).toBe(0xf0000);
    expect(t.rsdpAddress).toBe(0xf0010);
    const b = t.mapping.bytes;
    expect(getAscii(b, 0, 4)).toBe('_MP_');
    expect(getAscii(b, 16, 8)).toBe('RSD PTR ');
    const cfg = le32(b, 4) - 0xf0000;
    expect(getAscii(b, cfg, 4)).toBe('PCMP');
    expect(byteSum(b, cfg, b[cfg + 4]! | (b[cfg + 5]! << 8))).toBe(0);

    const mem = new RamDmaSpace(0x100000);
    writeBiosTables(mem, t);
    const found = readAcpiTables((a, n) => mem.bytes.slice(a, a + n), t.rsdpAddress);
    expect(found.size).toBe(6);
    for (const x of found.values()) {
      expect(x.checksumOk).toBe(true);
      expect(x.address).toBeGreaterThanOrEqual(0xf0000);
      expect(x.address + x.bytes.length).toBeLessThanOrEqual(0x100000);
    }
  });

  it('can leave either table out, and checks the block', () => {
    const noAcpi = buildBiosTables({ acpi: false, mp: { cpus: 1 } });
    expect(noAcpi.rsdpAddress).toBe(0);
    expect(noAcpi.acpi).toBeNull();
    const noMp = buildBiosTables({ acpi: { cpus: 1 }, mp: false });
    expect(noMp.mpFloatingAddress).toBe(0);
    expect(le32(noMp.mapping.bytes, 0)).toBe(0);
    expect(() => buildBiosTables({ acpi: false, mp: false, base: 0xd0000 })).toThrow(/inside 0xE0000/);
    expect(() => buildBiosTables({ acpi: { cpus: 200 }, mp: { cpus: 200 }, size: 0x1000 })).toThrow(/do not fit/);
  });
});
