import { describe, expect, it } from 'vitest';
import { byteSum, getAscii, le16, le32 } from '../bytes.js';
import { buildBiosTables } from './bios-tables.js';
import { buildSmbiosTables, placeSmbiosEntryPoint, smbiosFwCfgFiles, vmwareSystemIdentity } from './smbios.js';

interface Structure {
  type: number;
  handle: number;
  formatted: Uint8Array;
  strings: string[];
}

/** Walk a structure table as dmidecode does. */
function walk(t: Uint8Array): Structure[] {
  const out: Structure[] = [];
  let at = 0;
  while (at < t.length) {
    const len = t[at + 1]!;
    const formatted = t.subarray(at, at + len);
    let p = at + len;
    const strings: string[] = [];
    if (t[p] === 0 && t[p + 1] === 0) p += 2;
    else {
      while (t[p] !== 0) {
        const s = getAscii(t, p, 256);
        strings.push(s);
        p += s.length + 1;
      }
      p += 1;
    }
    out.push({ type: t[at]!, handle: le16(t, at + 2), formatted, strings });
    at = p;
  }
  return out;
}

const uuid = Uint8Array.from({ length: 16 }, (_, i) => 0x56 + i);

describe('SMBIOS', () => {
  const set = buildSmbiosTables({ ramSize: 128 * 1024 * 1024, cpus: 2, system: vmwareSystemIdentity(uuid) });
  const s = walk(set.tables);
  const str = (x: Structure, index: number): string => (index === 0 ? '' : x.strings[index - 1]!);

  it('lists the structures with unique handles, ending with type 127', () => {
    expect(s.map((x) => x.type)).toEqual([0, 1, 3, 4, 4, 16, 17, 19, 32, 127]);
    expect(new Set(s.map((x) => x.handle)).size).toBe(s.length);
    expect(set.count).toBe(s.length);
    expect(set.maxStructureSize).toBe(Math.max(...s.map((x) => x.formatted.length + x.strings.reduce((n, t) => n + t.length + 1, 0) + (x.strings.length ? 1 : 2))));
  });

  it('describes the system as VMware does', () => {
    const t1 = s[1]!;
    expect(str(t1, t1.formatted[4]!)).toBe('VMware, Inc.');
    expect(str(t1, t1.formatted[5]!)).toBe('VMware Virtual Platform');
    expect(str(t1, t1.formatted[7]!)).toBe('VMware-56 57 58 59 5a 5b 5c 5d-5e 5f 60 61 62 63 64 65');
    expect(t1.formatted.subarray(8, 24)).toEqual(uuid);
  });

  it('sizes memory and processors', () => {
    const t17 = s[6]!;
    expect(le16(t17.formatted, 12)).toBe(128);
    expect(le16(t17.formatted, 4)).toBe(s[5]!.handle);
    const t19 = s[7]!;
    expect([le32(t19.formatted, 4), le32(t19.formatted, 8)]).toEqual([0, 128 * 1024 - 1]);
    expect(le32(s[3]!.formatted, 8)).toBe(0x0683);
    expect(str(s[4]!, s[4]!.formatted[4]!)).toBe('CPU 1');
  });

  it('places an entry point with both checksums', () => {
    const ep = placeSmbiosEntryPoint(set, 0xf1000);
    expect(getAscii(ep, 0, 4)).toBe('_SM_');
    expect(getAscii(ep, 0x10, 5)).toBe('_DMI_');
    expect(byteSum(ep)).toBe(0);
    expect(byteSum(ep, 0x10, 15)).toBe(0);
    expect([le16(ep, 0x16), le32(ep, 0x18), le16(ep, 0x1c), ep[6], ep[7]]).toEqual([set.tables.length, 0xf1000, set.count, 2, 4]);
  });

  it('goes into the BIOS table block and into fw_cfg files', () => {
    const b = buildBiosTables({ acpi: false, mp: false, smbios: { ramSize: 64 << 20, cpus: 1 } });
    const off = b.smbiosAddress - 0xf0000;
    expect(off % 16).toBe(0);
    const ep = b.mapping.bytes.subarray(off, off + 31);
    expect(byteSum(ep)).toBe(0);
    expect(b.mapping.bytes[le32(ep, 0x18) - 0xf0000]).toBe(0); // type 0 first
    const noBios = buildSmbiosTables({ ramSize: 64 << 20, cpus: 1, bios: false });
    expect(walk(noBios.tables)[0]!.type).toBe(1);
    const files = smbiosFwCfgFiles(noBios);
    expect(files.map((f) => f.name)).toEqual(['etc/smbios/smbios-anchor', 'etc/smbios/smbios-tables']);
    expect(le16(files[0]!.data, 0x16)).toBe(files[1]!.data.length);
  });

  it('rejects bad input', () => {
    expect(() => buildSmbiosTables({ ramSize: 1, cpus: 1 })).toThrow(/too small/);
    expect(() => vmwareSystemIdentity(new Uint8Array(3))).toThrow(/not 16/);
    expect(() => buildSmbiosTables({ ramSize: 1 << 30, cpus: 1, system: { ...vmwareSystemIdentity(uuid), product: 'tab\there' } })).toThrow(/printable ASCII/);
  });
});
