import { describe, expect, it } from 'vitest';
import { amlDevice, amlInteger, amlName, amlPackage, amlString, eisaId, nameString, pkgLength } from './aml.js';

const bytes = (b: Uint8Array): number[] => Array.from(b);

describe('AML encoding', () => {
  it('encodes PkgLength in 1 to 4 bytes, counting itself', () => {
    expect(bytes(pkgLength(5))).toEqual([6]);
    expect(bytes(pkgLength(62))).toEqual([63]);
    // 63 + 2 = 65 = 0x41: lead byte 0x40 | 0x1, then 0x41 >> 4 = 4
    expect(bytes(pkgLength(63))).toEqual([0x41, 0x04]);
    expect(bytes(pkgLength(0x1000))).toEqual([0x83, 0x00, 0x01]);
    expect(pkgLength(0x10000).length).toBe(3);
    expect(pkgLength(0x100000).length).toBe(4);
  });

  it('encodes names, integers and strings', () => {
    expect(bytes(nameString('\\_S5'))).toEqual([0x5c, 0x5f, 0x53, 0x35, 0x5f]);
    expect(bytes(nameString('_SB.PCI0'))).toEqual([0x2e, ...Array.from('_SB_PCI0', (c) => c.charCodeAt(0))]);
    expect(nameString('\\A.B.C')[1]).toBe(0x2f);
    expect(bytes(amlInteger(0))).toEqual([0x00]);
    expect(bytes(amlInteger(1))).toEqual([0x01]);
    expect(bytes(amlInteger(5))).toEqual([0x0a, 5]);
    expect(bytes(amlInteger(0x1234))).toEqual([0x0b, 0x34, 0x12]);
    expect(bytes(amlInteger(0x12345678))).toEqual([0x0c, 0x78, 0x56, 0x34, 0x12]);
    expect(bytes(amlString('AB'))).toEqual([0x0d, 0x41, 0x42, 0]);
    expect(() => nameString('lower')).toThrow(/bad AML name segment/);
  });

  it('hand-assembles Name(\\_S5, Package(4){5, 5, 0, 0})', () => {
    const aml = amlName('\\_S5', amlPackage([amlInteger(5), amlInteger(5), amlInteger(0), amlInteger(0)]));
    expect(bytes(aml)).toEqual([0x08, 0x5c, 0x5f, 0x53, 0x35, 0x5f, 0x12, 0x08, 0x04, 0x0a, 0x05, 0x0a, 0x05, 0x00, 0x00]);
  });

  it('encodes devices and EISA IDs', () => {
    const d = amlDevice('PCI0', [amlName('_HID', amlInteger(eisaId('PNP0A03')))]);
    expect(bytes(d.subarray(0, 3))).toEqual([0x5b, 0x82, d.length - 2]);
    // PNP0A03 compresses to 0x030AD041 (bytes 41 D0 0A 03)
    expect(eisaId('PNP0A03')).toBe(0x030ad041);
  });
});
