import { describe, expect, it } from 'vitest';
import { byteSum, le16, le32 } from '../../bytes.js';
import { readAcpiTables } from '../../test/index.js';
import { acpiFwCfgFiles, AcpiFwCfgName, decodeTableLoader, LoaderZone, runTableLoader } from '../fw-cfg-table-loader.js';
import { buildAcpiTables, FadtOffset as F, piix4AcpiSettings, placeAcpiTables } from './acpi-tables.js';

function madtEntries(madt: Uint8Array): { type: number; bytes: Uint8Array }[] {
  const out = [];
  for (let at = 44; at < madt.length; at += madt[at + 1]!) out.push({ type: madt[at]!, bytes: madt.subarray(at, at + madt[at + 1]!) });
  return out;
}

describe('ACPI tables', () => {
  const set = buildAcpiTables({ cpus: 2, pmIoBase: 0xb000, levelIrqs: [10, 11] });
  const placed = placeAcpiTables(set, 0xf0010, 0x7ff0000);
  const mem = (addr: number, len: number): Uint8Array => {
    if (addr >= 0xf0010 && addr + len <= 0xf0010 + 20) return placed.rsdp.subarray(addr - 0xf0010, addr - 0xf0010 + len);
    const off = addr - 0x7ff0000;
    if (off < 0 || off + len > placed.tables.length) throw new Error(`read outside the tables at 0x${addr.toString(16)}`);
    return placed.tables.subarray(off, off + len);
  };
  const t = readAcpiTables(mem, 0xf0010);

  it('links RSDP -> RSDT -> FADT (FACS, DSDT) and MADT with valid checksums', () => {
    expect([...t.keys()].sort()).toEqual(['APIC', 'DSDT', 'FACP', 'FACS', 'RSD PTR', 'RSDT']);
    for (const x of t.values()) expect(x.checksumOk, x.signature).toBe(true);
    expect(byteSum(placed.rsdp)).toBe(0);
    expect(t.get('FACS')!.address % 64).toBe(0);
    expect(t.get('FACS')!.bytes.length).toBe(64);
    expect(le32(placed.rsdp, 16)).toBe(t.get('RSDT')!.address);
  });

  it('describes the PM blocks, SCI and power-off in the FADT and DSDT', () => {
    const f = t.get('FACP')!.bytes;
    expect(f.length).toBe(116);
    expect(f[8]).toBe(1); // revision
    expect(le16(f, F.sciInt)).toBe(9);
    expect(le32(f, F.pm1aEvtBlk)).toBe(0xb000);
    expect(le32(f, F.pm1aCntBlk)).toBe(0xb004);
    expect(le32(f, F.pmTmrBlk)).toBe(0xb008);
    expect([f[F.pm1EvtLen], f[F.pm1CntLen], f[F.pmTmrLen]]).toEqual([4, 2, 4]);
    expect(le32(f, F.smiCmd)).toBe(0); // always in ACPI mode
    expect(le32(f, F.flags) & 0x100).toBe(0); // 24-bit PM timer
    const dsdt = t.get('DSDT')!.bytes;
    // Name(\_S5_, Package(4) {0, 0, 0, 0})
    expect(Array.from(dsdt.subarray(36, 49))).toEqual([0x08, 0x5c, 0x5f, 0x53, 0x35, 0x5f, 0x12, 0x06, 0x04, 0, 0, 0, 0]);
    // then Scope(\_SB_) { Device(PCI0) { Name(_HID, EisaId("PNP0A03")) ... } }
    expect(dsdt[49]).toBe(0x10);
    const text = String.fromCharCode(...dsdt);
    expect(text).toContain('\\_SB_');
    expect(text).toContain('\x5b\x82');
    expect(text).toContain('PCI0\x08_HID\x0c\x41\xd0\x0a\x03');
    // _CRS: a Buffer of address space descriptors ending with an end tag
    const crs = text.indexOf('_CRS\x11');
    expect(crs).toBeGreaterThan(0);
    expect(text).toContain('\x88\x0d\x00\x02\x0c\x00\x00\x00\x00\x00\xff\x00'); // bus 0-255
    expect(text).toContain('\x87\x17\x00\x00\x0c\x03\x00\x00\x00\x00\x00\x00\x00\xe0\xff\xff\xbf\xfe'); // mem window
    expect(text).toContain('\x79\x00');
  });

  it('lists local APICs, the I/O APIC and interrupt overrides in the MADT', () => {
    const m = t.get('APIC')!.bytes;
    expect(le32(m, 36)).toBe(0xfee00000);
    expect(le32(m, 40)).toBe(1);
    const e = madtEntries(m);
    const lapics = e.filter((x) => x.type === 0).map((x) => [x.bytes[2], x.bytes[3], le32(x.bytes, 4)]);
    expect(lapics).toEqual([
      [0, 0, 1],
      [1, 1, 1],
    ]);
    const io = e.find((x) => x.type === 1)!.bytes;
    expect([io[2], le32(io, 4), le32(io, 8)]).toEqual([2, 0xfec00000, 0]);
    const iso = e.filter((x) => x.type === 2).map((x) => [x.bytes[3], le32(x.bytes, 4), le16(x.bytes, 8)]);
    expect(iso).toEqual([
      [0, 2, 0],
      [9, 9, 0x0d],
      [10, 10, 0x0d],
      [11, 11, 0x0d],
    ]);
    const nmi = e.find((x) => x.type === 4)!.bytes;
    expect([nmi[2], nmi[5]]).toEqual([0xff, 1]);
  });

  it('takes options for SMI, GPE0, a 32-bit timer and S5', () => {
    const s = buildAcpiTables({ cpus: 1, smiCommand: { port: 0xb2, enable: 0xf1, disable: 0xf0 }, gpe0: { port: 0xafe0, length: 4 }, pmTimer32Bit: true, s5SlpTyp: 5 });
    const f = s.tables.subarray(s.offsets.fadt, s.offsets.fadt + 116);
    expect([le32(f, F.smiCmd), f[F.acpiEnable], f[F.acpiDisable]]).toEqual([0xb2, 0xf1, 0xf0]);
    expect([le32(f, F.gpe0Blk), f[F.gpe0BlkLen]]).toEqual([0xafe0, 4]);
    expect(le32(f, F.flags) & 0x100).toBe(0x100);
    expect(le32(f, F.pm1aEvtBlk)).toBe(0x600);
    const d = s.tables.subarray(s.offsets.dsdt + 36, s.offsets.dsdt + 36 + 12);
    expect(Array.from(d.subarray(7))).toEqual([0x08, 0x04, 0x0a, 0x05, 0x0a]);
  });

  it('writes static _PRT routes and can leave the PCI root out', () => {
    const s = buildAcpiTables({ cpus: 1, pciRoutes: [{ device: 3, pin: 1, gsi: 11 }] });
    const d = String.fromCharCode(...s.tables.subarray(s.offsets.dsdt, s.offsets.dsdt + le32(s.tables, s.offsets.dsdt + 4)));
    // Name(_PRT, Package(1) { Package(4) { 0x0003FFFF, Zero, Zero, 11 } })
    expect(d).toContain('_PRT\x12\x0e\x01\x12\x0b\x04\x0c\xff\xff\x03\x00\x00\x00\x0a\x0b');
    const bare = buildAcpiTables({ cpus: 1, pciRoot: false });
    expect(le32(bare.tables, bare.offsets.dsdt + 4)).toBe(36 + 13);
    expect(() => buildAcpiTables({ cpus: 1, pciMemory: { base: 0xf0000000, end: 0xe0000000 } })).toThrow(/pciMemory/);
    expect(() => buildAcpiTables({ cpus: 1, pciRoutes: [{ device: 3, pin: 1, gsi: 24 }] })).toThrow(/PCI route/);
  });

  it('has a PIIX4 preset matching SeaBIOS with a table-loader', () => {
    const s = buildAcpiTables({ cpus: 1, ...piix4AcpiSettings() });
    const f = s.tables.subarray(s.offsets.fadt, s.offsets.fadt + 116);
    expect([le32(f, F.pm1aEvtBlk), le32(f, F.pm1aCntBlk), le32(f, F.pmTmrBlk), le32(f, F.gpe0Blk)]).toEqual([0x600, 0x604, 0x608, 0x60c]);
    expect([le32(f, F.smiCmd), f[F.acpiEnable], f[F.acpiDisable], le16(f, F.sciInt)]).toEqual([0xb2, 0xf1, 0xf0, 9]);
    expect(piix4AcpiSettings(0xb000).gpe0).toEqual({ port: 0xb00c, length: 4 });
  });

  it('rejects bad options and misaligned placement', () => {
    expect(() => buildAcpiTables({ cpus: 0 })).toThrow(/cpus 0/);
    expect(() => buildAcpiTables({ cpus: 1, sciIrq: 2 })).toThrow(/sciIrq 2/);
    expect(() => buildAcpiTables({ cpus: 1, s5SlpTyp: 8 })).toThrow(/s5SlpTyp/);
    expect(() => placeAcpiTables(set, 0xf0008, 0x100000)).toThrow(/16-byte aligned/);
    expect(() => placeAcpiTables(set, 0xf0000, 0x100020)).toThrow(/64-byte aligned/);
  });
});

describe('fw_cfg table-loader', () => {
  const set = buildAcpiTables({ cpus: 1 });
  const files = acpiFwCfgFiles(set);

  it('allocates the RSDP in the F-segment and the tables high, pointers before checksums', () => {
    expect(files.map((f) => f.name)).toEqual([AcpiFwCfgName.rsdp, AcpiFwCfgName.tables, AcpiFwCfgName.loader]);
    const script = files[2]!.data;
    expect(script.length % 128).toBe(0);
    const cmds = decodeTableLoader(script);
    expect(cmds[0]).toEqual({ command: 'allocate', file: 'etc/acpi/rsdp', align: 16, zone: LoaderZone.FSeg });
    expect(cmds[1]).toEqual({ command: 'allocate', file: 'etc/acpi/tables', align: 64, zone: LoaderZone.High });
    const lastPointer = cmds.map((c) => c.command).lastIndexOf('add-pointer');
    const firstChecksum = cmds.map((c) => c.command).indexOf('add-checksum');
    expect(lastPointer).toBeLessThan(firstChecksum);
    expect(cmds.filter((c) => c.command === 'add-pointer').length).toBe(5);
    expect(cmds.filter((c) => c.command === 'add-checksum').length).toBe(5);
  });

  it('gives the same bytes as direct placement when run by a firmware', () => {
    const addrs: Record<string, number> = { 'etc/acpi/rsdp': 0xf5a40, 'etc/acpi/tables': 0x7fe0000 };
    const out = runTableLoader(files, files[2]!.data, (f, _size, align) => {
      expect(addrs[f]! % align).toBe(0);
      return addrs[f]!;
    });
    const direct = placeAcpiTables(set, 0xf5a40, 0x7fe0000);
    expect(out.get('etc/acpi/rsdp')!.data).toEqual(direct.rsdp);
    expect(out.get('etc/acpi/tables')!.data).toEqual(direct.tables);
  });

  it('rejects malformed scripts', () => {
    expect(() => decodeTableLoader(new Uint8Array(100))).toThrow(/not a multiple of 128/);
    const script = files[2]!.data.slice(128 * 2); // drop the allocations
    expect(() => runTableLoader(files, script, () => 0)).toThrow(/before allocating it/);
  });
});
