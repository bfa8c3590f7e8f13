import { describe, expect, it } from 'vitest';
import { PageKind } from './constants.js';
import { MappingRecorder, smallAddressSpace } from './test/index.js';

function pc() {
  const s = smallAddressSpace();
  const image = new Uint8Array(0x20000).map((_, i) => (i * 7 + 1) & 0xff);
  s.addRom(0xe0000, image, 'bios');
  s.addAlias(0xfffe0000, 0x20000, 0xe0000, 'bios-high');
  return { s, image };
}

describe('PAM shadowing (setShadow)', () => {
  it('reads ROM and drops writes by default (ROM above RAM)', () => {
    const { s, image } = pc();
    expect(s.read8(0xf0000)).toBe(image[0x10000]);
    s.write8(0xf0000, 0);
    expect(s.read8(0xf0000)).toBe(image[0x10000]);
  });

  it('write-to-RAM/read-from-ROM: SeaBIOS copies its image into RAM', () => {
    const { s, image } = pc();
    const rec = new MappingRecorder();
    s.addMappingListener(rec);
    s.setShadow(0xf0000, 0x10000, false, true);
    expect(rec.saw(0xf0)).toBe(true);
    expect(s.pageKind(0xf0000)).toBe(PageKind.Shadow);
    // copy ROM -> same addresses: reads come from ROM, writes land in RAM
    for (let a = 0xf0000; a < 0x100000; a += 4) s.write32(a, s.read32(a));
    expect(s.read8(0xf0010)).toBe(image[0x10010]);
    const ro = s.translateRead(0xf0000);
    const wo = s.translateWrite(0xf0000);
    expect(ro).toBeGreaterThanOrEqual(0);
    expect(wo).toBeGreaterThanOrEqual(0);
    expect(wo).not.toBe(ro);
    expect(s.ram[wo + 0x10]).toBe(image[0x10010]);
    // now read from RAM, write-protect: the copy is visible, writes are discarded
    s.setShadow(0xf0000, 0x10000, true, false);
    expect(s.read8(0xf0010)).toBe(image[0x10010]);
    s.write8(0xf0010, 0x42);
    expect(s.read8(0xf0010)).toBe(image[0x10010]);
    expect(s.translateWrite(0xf0000)).toBe(-1);
    expect(s.translateRead(0xf0000)).toBe(wo);
    // read/write RAM is plain RAM again (fast path both ways)
    s.setShadow(0xf0000, 0x10000, true, true);
    expect(s.pageKind(0xf0000)).toBe(PageKind.Ram);
    s.write8(0xf0010, 0x42);
    expect(s.read8(0xf0010)).toBe(0x42);
    // back to the ROM: untouched by all of that
    s.setShadow(0xf0000, 0x10000, false, false);
    expect(s.pageKind(0xf0000)).toBe(PageKind.Rom);
    expect(s.read8(0xf0010)).toBe(image[0x10010]);
  });

  it('copies from the high alias with RAM read/write enabled', () => {
    const { s, image } = pc();
    s.setShadow(0xe0000, 0x20000, true, true);
    expect(s.read8(0xe0005)).toBe(0); // RAM, still empty
    const buf = new Uint8Array(0x20000);
    s.read(0xfffe0000, buf);
    s.write(0xe0000, buf);
    s.setShadow(0xe0000, 0x20000, true, false);
    expect(s.read32(0xffff0)).toBe(s.read32(0xfffffff0));
    expect(s.read8(0xe0005)).toBe(image[5]);
    // the high alias always shows the ROM
    s.setShadow(0xe0000, 0x20000, true, true);
    s.write8(0xe0005, 0);
    expect(s.read8(0xfffe0005)).toBe(image[5]);
  });

  it('reads all ones where no ROM is behind and RAM is not selected', () => {
    const s = smallAddressSpace();
    s.write8(0xc4000, 5);
    s.setShadow(0xc4000, 0x4000, false, false);
    expect(s.read8(0xc4000)).toBe(0xff);
    s.setShadow(0xc4000, 0x4000, false, true);
    s.write8(0xc4000, 6);
    expect(s.read8(0xc4000)).toBe(0xff);
    s.setShadow(0xc4000, 0x4000, true, true);
    expect(s.read8(0xc4000)).toBe(6);
  });

  it('rejects ranges outside the PAM area', () => {
    const s = smallAddressSpace();
    expect(() => s.setShadow(0xb0000, 0x4000, true, true)).toThrow(RangeError);
    expect(() => s.setShadow(0xfc000, 0x8000, true, true)).toThrow(RangeError);
    expect(() => s.setShadow(0xc1000, 0x4000, true, true)).toThrow(RangeError);
  });
});
