import { DmaStatus } from '@vm/bus';
import { describe, expect, it } from 'vitest';
import { PageKind } from './constants.js';
import { createAddressSpace } from './create.js';
import { MachinePagePool } from './page-pool.js';
import { PhysicalAddressSpace } from './physical-address-space.js';
import { Pmap, PmapState } from './pmap.js';
import { MappingRecorder, RecordingMmio, smallAddressSpace } from './test/index.js';

describe('PhysicalAddressSpace: RAM', () => {
  it('reads and writes RAM at every width, little-endian', () => {
    const s = smallAddressSpace();
    s.write32(0x1000, 0x11223344);
    expect(s.read8(0x1000)).toBe(0x44);
    expect(s.read16(0x1002)).toBe(0x1122);
    expect(s.read32(0x1000)).toBe(0x11223344);
    s.write16(0x1001, 0xbeef);
    expect(s.read32(0x1000)).toBe(0x11beef44);
    s.write8(0x1003, 0xff);
    expect(s.read32(0x1000)).toBe(0xffbeef44);
  });

  it('handles unaligned and page-crossing accesses', () => {
    const s = smallAddressSpace();
    s.write32(0x2ffe, 0xa1b2c3d4);
    expect(s.read8(0x2ffe)).toBe(0xd4);
    expect(s.read8(0x2fff)).toBe(0xc3);
    expect(s.read8(0x3000)).toBe(0xb2);
    expect(s.read8(0x3001)).toBe(0xa1);
    expect(s.read32(0x2ffe)).toBe(0xa1b2c3d4);
    expect(s.read16(0x2fff)).toBe(0xb2c3);
    s.write16(0x3fff, 0x1234);
    expect(s.read16(0x3fff)).toBe(0x1234);
    expect(s.read32(0x3ffd)).toBe(0x12340000);
  });

  it('reads untouched RAM as zero without allocating, allocates on write', () => {
    const s = smallAddressSpace();
    const used = s.pool.usedPages;
    expect(s.read32(0x5000)).toBe(0);
    const buf = new Uint8Array(8192);
    expect(s.read(0x5000, buf)).toBe(DmaStatus.Ok);
    expect(s.pool.usedPages).toBe(used);
    s.write8(0x5000, 1);
    expect(s.pool.usedPages).toBe(used + 1);
    expect(s.pmap.stateOf(5)).toBe(PmapState.Private);
  });

  it('reads unassigned memory as all ones and drops writes', () => {
    const s = smallAddressSpace();
    expect(s.pageKind(0x200000)).toBe(PageKind.Unassigned);
    expect(s.read8(0x200000)).toBe(0xff);
    expect(s.read16(0x200000)).toBe(0xffff);
    expect(s.read32(0xfffffffc)).toBe(0xffffffff);
    s.write32(0x200000, 0);
    expect(s.read32(0x200000)).toBe(0xffffffff);
    // straddling the end of RAM: RAM bytes then ones
    s.write16(0xffffe, 0x0102);
    expect(s.read32(0xffffe)).toBe(0xffff0102);
    expect(s.translateRead(0x200000)).toBe(-1);
    expect(s.translateWrite(0x200000)).toBe(-1);
  });

  it('maps RAM at a pmap offset (memory above a hole)', () => {
    const pool = new MachinePagePool({ bytes: 0x40000 });
    const pmap = new Pmap({ pool, pages: 32 });
    const s = new PhysicalAddressSpace({ pool, pmap });
    s.addRam(0, 0x10000, 'low');
    s.addRam(0x100000, 0x10000, 'high', { pmapPage: 16 });
    s.write8(0x100000, 42);
    expect(pmap.stateOf(16)).toBe(PmapState.Private);
    expect(pool.ram[pmap.readOffset(16)]).toBe(42);
    expect(() => s.addRam(0x200000, 0x20000, 'too-big', { pmapPage: 16 })).toThrow(RangeError);
    expect(() => s.addRam(0x1234, 0x1000, 'unaligned')).toThrow(RangeError);
    expect(() => new PhysicalAddressSpace({ pool: new MachinePagePool({ bytes: 8192 }), pmap })).toThrow(RangeError);
  });
});

describe('PhysicalAddressSpace: ROM', () => {
  it('reads ROM content, ignores writes (slow path, DMA and translation)', () => {
    const s = smallAddressSpace();
    const image = new Uint8Array(0x1800).map((_, i) => (i * 3) & 0xff);
    const rom = s.addRom(0xe0000, image, 'bios');
    expect(rom.size).toBe(0x2000);
    expect(s.read8(0xe0001)).toBe(3);
    expect(s.read32(0xe0ffe)).toBe(((image[0x1001]! << 24) | (image[0x1000]! << 16) | (image[0xfff]! << 8) | image[0xffe]!) >>> 0);
    expect(s.read8(0xe1900)).toBe(0xff); // padding
    s.write8(0xe0001, 0x99);
    s.write32(0xe0000, 0);
    expect(s.write(0xe0000, new Uint8Array(16))).toBe(DmaStatus.Ok);
    expect(s.read8(0xe0001)).toBe(3);
    expect(s.translateWrite(0xe0000)).toBe(-1);
    const off = s.translateRead(0xe0000);
    expect(off).toBeGreaterThanOrEqual(0);
    expect(s.ram[off + 1]).toBe(3);
    expect(rom.bytes().subarray(0, 0x1800)).toEqual(image);
    const part = new Uint8Array(4);
    expect(rom.read(0x1ffe, part)).toBe(2);
    rom.load(0, new Uint8Array([7]));
    expect(s.read8(0xe0000)).toBe(7);
  });

  it('frees its machine pages when removed and shows RAM again', () => {
    const s = smallAddressSpace();
    s.write8(0xe0000, 0x55);
    const used = s.pool.usedPages;
    const rom = s.addRom(0xe0000, new Uint8Array(0x4000).fill(1), 'bios');
    expect(s.pool.usedPages).toBe(used + 4);
    expect(s.read8(0xe0000)).toBe(1);
    rom.remove();
    expect(s.pool.usedPages).toBe(used);
    expect(s.read8(0xe0000)).toBe(0x55);
    expect(rom.base).toBe(-1);
  });
});

describe('PhysicalAddressSpace: MMIO', () => {
  it('dispatches with region offsets and splits widths the handler lacks', () => {
    const s = smallAddressSpace();
    const dev = new RecordingMmio(0x1000);
    const m = s.mapMmio(0xfee00000, 0x1000, dev, { name: 'dev' });
    expect(m.base).toBe(0xfee00000);
    s.write32(0xfee00010, 0x11223344);
    expect(dev.log).toEqual([
      { op: 'w', width: 8, offset: 0x10, value: 0x44 },
      { op: 'w', width: 8, offset: 0x11, value: 0x33 },
      { op: 'w', width: 8, offset: 0x12, value: 0x22 },
      { op: 'w', width: 8, offset: 0x13, value: 0x11 },
    ]);
    dev.log.length = 0;
    expect(s.read32(0xfee00010)).toBe(0x11223344);
    expect(dev.log.map((a) => a.width)).toEqual([8, 8, 8, 8]);
    expect(s.translateRead(0xfee00010)).toBe(-1);
    expect(s.translateWrite(0xfee00010)).toBe(-1);
  });

  it('uses 16-bit handlers for 32-bit accesses when 32 is missing', () => {
    const s = smallAddressSpace();
    const dev = new RecordingMmio(0x1000, [16]);
    s.mapMmio(0xfe000000, 0x1000, dev, { name: 'dev16' });
    s.write32(0xfe000004, 0xaabbccdd);
    expect(dev.log).toEqual([
      { op: 'w', width: 16, offset: 4, value: 0xccdd },
      { op: 'w', width: 16, offset: 6, value: 0xaabb },
    ]);
    expect(s.read32(0xfe000004)).toBe(0xaabbccdd);
  });

  it('passes full-width accesses to a 32-bit handler, splitting at the region end', () => {
    const s = smallAddressSpace();
    const dev = new RecordingMmio(0x2000, [16, 32]);
    s.mapMmio(0xfe000000, 0x2000, dev, { name: 'dev32' });
    s.write32(0xfe000100, 0x01020304);
    expect(dev.log).toEqual([{ op: 'w', width: 32, offset: 0x100, value: 0x01020304 }]);
    dev.log.length = 0;
    // crossing a page inside the region: split into 16-bit halves
    s.write32(0xfe000ffe, 0xdeadbeef);
    expect(dev.log).toEqual([
      { op: 'w', width: 16, offset: 0xffe, value: 0xbeef },
      { op: 'w', width: 16, offset: 0x1000, value: 0xdead },
    ]);
    dev.log.length = 0;
    // straddling the region's end: the last two bytes are unassigned
    expect(s.read32(0xfe001ffe)).toBe((0xffff0000 | (dev.bytes[0x1fff]! << 8) | dev.bytes[0x1ffe]!) >>> 0);
  });

  it('supports sub-page regions next to RAM in one page', () => {
    const s = smallAddressSpace();
    s.write32(0x7000, 0x01010101);
    s.write32(0x7020, 0x02020202);
    const dev = new RecordingMmio(16, [32]);
    s.mapMmio(0x7010, 16, dev, { name: 'tiny' });
    expect(s.pageKind(0x7000)).toBe(PageKind.Subpage);
    expect(s.translateRead(0x7000)).toBe(-1);
    expect(s.translateWrite(0x7000)).toBe(-1);
    expect(s.read32(0x7000)).toBe(0x01010101); // RAM below
    expect(s.read32(0x7020)).toBe(0x02020202); // RAM above
    s.write32(0x7014, 0xcafef00d);
    expect(dev.log).toEqual([{ op: 'w', width: 32, offset: 4, value: 0xcafef00d }]);
    dev.log.length = 0;
    // a 32-bit access straddling RAM and the region: split by bytes at the boundary
    s.write32(0x700e, 0xa1a2a3a4);
    expect(s.read16(0x700e)).toBe(0xa3a4);
    expect(dev.log.filter((a) => a.op === 'w')).toEqual([
      { op: 'w', width: 8, offset: 0, value: 0xa2 },
      { op: 'w', width: 8, offset: 1, value: 0xa1 },
    ]);
    // DMA through the page: RAM bytes copy, the MMIO part reads as ones
    const buf = new Uint8Array(0x30);
    expect(s.read(0x7000, buf)).toBe(DmaStatus.Unassigned);
    expect(buf[0]).toBe(1);
    expect(buf[0x10]).toBe(0xff);
    expect(buf[0x20]).toBe(2);
  });

  it('puts two sub-page regions in one page and unassigned gaps between them', () => {
    const s = smallAddressSpace();
    const a = new RecordingMmio(8);
    const b = new RecordingMmio(8);
    s.mapMmio(0xfed00000, 8, a, { name: 'a' });
    s.mapMmio(0xfed00100, 8, b, { name: 'b' });
    s.write8(0xfed00003, 1);
    s.write8(0xfed00105, 2);
    expect(a.bytes[3]).toBe(1);
    expect(b.bytes[5]).toBe(2);
    expect(s.read8(0xfed00050)).toBe(0xff);
    expect(s.regionNameAt(0xfed00104)).toBe('b');
    expect(s.regionNameAt(0xfed00050)).toBe('unassigned');
  });

  it('moves and unmaps regions (PCI BARs), tolerating hostile bases', () => {
    const s = smallAddressSpace();
    const dev = new RecordingMmio(0x1000);
    const m = s.mapMmio(-1, 0x1000, dev, { name: 'bar' });
    expect(m.base).toBe(-1);
    expect(s.read8(0xf0000000)).toBe(0xff);
    m.move(0xf0000000);
    dev.bytes[0] = 0x5a;
    expect(s.read8(0xf0000000)).toBe(0x5a);
    m.move(0xf1000000);
    expect(s.read8(0xf0000000)).toBe(0xff);
    expect(s.read8(0xf1000000)).toBe(0x5a);
    m.move(2 ** 40); // a guest can't make the host throw
    expect(m.base).toBe(-1);
    m.move(0xfffff800); // runs off the end: clipped
    expect(s.read8(0xffffffff)).toBe(dev.bytes[0x7ff]);
    m.unmap();
    expect(s.read8(0xfffff800)).toBe(0xff);
    expect(() => s.mapMmio(0, 0, dev, { name: 'bad' })).toThrow(RangeError);
  });
});

describe('PhysicalAddressSpace: priorities and aliases', () => {
  it('lets the higher priority win and uncovers the lower one when removed', () => {
    const s = smallAddressSpace();
    s.write8(0xa0000, 0x11);
    const vga = new RecordingMmio(0x20000);
    vga.bytes[0] = 0x22;
    const m = s.mapMmio(0xa0000, 0x20000, vga, { name: 'vga', priority: 1 });
    expect(s.read8(0xa0000)).toBe(0x22);
    expect(s.regionNameAt(0xa0000)).toBe('vga');
    const low = new RecordingMmio(0x1000);
    s.mapMmio(0xa0000, 0x1000, low, { name: 'low', priority: -1 });
    expect(s.read8(0xa0000)).toBe(0x22);
    m.unmap();
    expect(s.read8(0xa0000)).toBe(0x11);
    expect(s.regionNameAt(0xa0000)).toBe('ram');
  });

  it('at equal priority the later region wins', () => {
    const s = smallAddressSpace();
    const a = new RecordingMmio(0x1000);
    const b = new RecordingMmio(0x1000);
    a.bytes[0] = 1;
    b.bytes[0] = 2;
    s.mapMmio(0xe0000000, 0x1000, a, { name: 'a' });
    s.mapMmio(0xe0000000, 0x1000, b, { name: 'b' });
    expect(s.read8(0xe0000000)).toBe(2);
  });

  it('aliases show the target with offsets preserved and follow target changes', () => {
    const s = smallAddressSpace({ ramBytes: 0x200000 });
    s.write32(0x1234, 0xfeedface);
    const alias = s.addAlias(0x100000, 0x100000, 0, 'a20-wrap', 1);
    expect(s.read32(0x101234)).toBe(0xfeedface);
    s.write8(0x101234, 0xcc); // writes reach the target RAM
    expect(s.read8(0x1234)).toBe(0xcc);
    expect(s.translateRead(0x101000)).toBe(s.translateRead(0x1000));
    // an MMIO region added in the target shows through the alias, with its own offsets
    const dev = new RecordingMmio(0x20);
    s.mapMmio(0x3010, 0x20, dev, { name: 'dev', priority: 2 });
    s.write8(0x103012, 7);
    expect(dev.bytes[2]).toBe(7);
    alias.setEnabled(false);
    s.write8(0x101234, 0x33);
    expect(s.read8(0x1234)).toBe(0xcc);
    expect(s.read8(0x101234)).toBe(0x33);
    alias.setEnabled(true);
    expect(s.read8(0x101234)).toBe(0xcc);
    alias.remove();
    expect(s.read8(0x101234)).toBe(0x33);
  });

  it('maps the BIOS at the top of 4 GiB through an alias of the ROM', () => {
    const s = smallAddressSpace();
    const image = new Uint8Array(0x20000).map((_, i) => i & 0xff);
    s.addRom(0xe0000, image, 'bios');
    s.addAlias(0xfffe0000, 0x20000, 0xe0000, 'bios-high');
    expect(s.read32(0xfffffff0)).toBe(s.read32(0xffff0));
    expect(s.read8(0xfffe0001)).toBe(1);
    expect(s.translateRead(0xfffff000)).toBe(s.translateRead(0xff000));
    s.write8(0xfffe0001, 0);
    expect(s.read8(0xfffe0001)).toBe(1);
  });

  it('notifies mapping listeners about changed pages, or everything for big changes', () => {
    const s = smallAddressSpace({ ramBytes: 0x200000 });
    const rec = new MappingRecorder();
    s.addMappingListener(rec);
    const m = s.mapMmio(0xfe000000, 0x2000, new RecordingMmio(0x2000), { name: 'x' });
    expect(rec.pages).toEqual([0xfe000, 0xfe001]);
    rec.clear();
    m.move(0xfd000000);
    expect(rec.pages.sort()).toEqual([0xfd000, 0xfd001, 0xfe000, 0xfe001]);
    rec.clear();
    s.addRam(0x10000000, 0x180000, 'big', { pmapPage: 0 });
    expect(rec.pages).toEqual([-1]);
    s.removeMappingListener(rec);
    rec.clear();
    m.unmap();
    expect(rec.pages).toEqual([]);
  });
});

describe('PhysicalAddressSpace: DMA', () => {
  it('copies across pages and reports unassigned ranges without throwing', () => {
    const s = smallAddressSpace();
    const src = new Uint8Array(10000).map((_, i) => (i * 5) & 0xff);
    expect(s.write(0x1800, src)).toBe(DmaStatus.Ok);
    const dst = new Uint8Array(10000);
    expect(s.read(0x1800, dst)).toBe(DmaStatus.Ok);
    expect(dst).toEqual(src);
    const tail = new Uint8Array(16);
    expect(s.read(0xffff8, tail)).toBe(DmaStatus.Unassigned);
    expect(Array.from(tail.subarray(8))).toEqual(new Array(8).fill(0xff));
    expect(s.write(0xffffffff, new Uint8Array(64))).toBe(DmaStatus.Unassigned);
    expect(s.read(0xfffffff0, new Uint8Array(64))).toBe(DmaStatus.Unassigned);
    expect(s.read(-5, new Uint8Array(4))).toBe(DmaStatus.Unassigned);
    expect(s.read(0, new Uint8Array(0))).toBe(DmaStatus.Ok);
  });

  it('does not dispatch DMA to MMIO', () => {
    const s = smallAddressSpace();
    const dev = new RecordingMmio(0x1000);
    s.mapMmio(0xfe000000, 0x1000, dev, { name: 'dev' });
    expect(s.write(0xfe000000, new Uint8Array(4))).toBe(DmaStatus.Unassigned);
    expect(dev.log).toEqual([]);
  });
});

describe('createAddressSpace', () => {
  it('builds a pool, a pmap and RAM at 0', () => {
    const s = createAddressSpace({ ramBytes: 0x10000 });
    expect(s.pmap.pages).toBe(16);
    expect(s.pageKind(0)).toBe(PageKind.Ram);
    expect(s.pageKind(0x10000)).toBe(PageKind.Unassigned);
    expect(s.describeRegions()).toEqual([{ name: 'ram', kind: 1, base: 0, size: 0x10000, priority: 0, enabled: true }]);
  });
});

describe('PhysicalAddressSpace.destroy', () => {
  it('returns ROM pages to the pool and stops forwarding pmap changes', () => {
    const s = smallAddressSpace();
    const used = s.pool.usedPages;
    s.addRom(0xf0000, new Uint8Array(0x10000), 'bios');
    s.write8(0x1000, 1);
    const rec = new MappingRecorder();
    s.addMappingListener(rec);
    s.destroy();
    expect(s.pool.usedPages).toBe(used + 1); // the RAM page stays with the pmap
    expect(s.read8(0x1000)).toBe(0xff); // no regions left
    rec.clear();
    s.pmap.releasePage(1);
    expect(rec.pages).toEqual([]);
  });
});
