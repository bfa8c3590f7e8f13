import { describe, expect, it } from 'vitest';
import { FwCfg, FwCfgDmaControl } from './fw-cfg.js';
import { E820Type, FwCfgKey, encodeBootOrder, encodeE820, fwCfgUint } from './fw-cfg-items.js';
import { testContext } from './test-support.js';

function setup(ram = 1 << 20) {
  const fw = new FwCfg();
  fw.setItem(FwCfgKey.RamSize, fwCfgUint(128 * 1024 * 1024, 8));
  fw.setItem(FwCfgKey.NbCpus, fwCfgUint(2, 2));
  fw.setItem(FwCfgKey.MaxCpus, fwCfgUint(4, 2));
  fw.addFile('etc/e820', encodeE820([{ address: 0, length: 0x8000000, type: E820Type.Ram }]));
  fw.addFile('bootorder', encodeBootOrder(['/pci@i0cf8/ide@1,1/drive@0/disk@0', '/rom@genroms/linuxboot_dma.bin']));
  fw.addFile('etc/boot-fail-wait', fwCfgUint(5, 4));
  const ctx = testContext(ram);
  expect(fw.realize(ctx).ok).toBe(true);
  const io = ctx.ports;
  const readItem = (key: number, n: number) => {
    io.out16(0x510, key);
    return Array.from({ length: n }, () => io.in8(0x511));
  };
  const mem = ctx.memory;
  const view = new DataView(mem.bytes.buffer);
  /** Put a descriptor at `at` and kick the DMA with SeaBIOS's single low-half write. */
  const dma = (at: number, control: number, length: number, address: number, high = 0) => {
    view.setUint32(at, control, false);
    view.setUint32(at + 4, length, false);
    view.setUint32(at + 8, high, false);
    view.setUint32(at + 12, address, false);
    io.out32(0x518, ((at & 0xff) << 24) | ((at & 0xff00) << 8) | ((at >>> 8) & 0xff00) | (at >>> 24));
    return view.getUint32(at, false);
  };
  return { fw, ctx, io, mem, view, readItem, dma };
}

describe('FwCfg port interface', () => {
  it('reads the signature and the DMA feature bit', () => {
    const { readItem, io } = setup();
    expect(String.fromCharCode(...readItem(FwCfgKey.Signature, 4))).toBe('QEMU');
    expect(readItem(FwCfgKey.Id, 4)).toEqual([3, 0, 0, 0]);
    expect(readItem(FwCfgKey.Signature, 6).slice(4)).toEqual([0, 0]); // past the end: zeros
    expect(String.fromCharCode(...[0, 1, 2, 3, 4, 5, 6, 7].map((i) => io.in8(0x514 + i)))).toBe('QEMU CFG');
    expect(new FwCfg({ dmaPort: null }).snapshot().name).toBe('fw-cfg');
  });

  it('serves numbered items little-endian', () => {
    const { readItem } = setup();
    expect(readItem(FwCfgKey.RamSize, 8)).toEqual([0, 0, 0, 8, 0, 0, 0, 0]);
    expect(readItem(FwCfgKey.NbCpus, 2)).toEqual([2, 0]);
    expect(readItem(FwCfgKey.MaxCpus, 2)).toEqual([4, 0]);
    expect(readItem(0x7777 & 0x3fff, 2)).toEqual([0, 0]); // absent item
  });

  it('lists files in the directory with big-endian size and key', () => {
    const { readItem } = setup();
    const dir = readItem(FwCfgKey.FileDir, 4 + 3 * 64);
    expect(dir.slice(0, 4)).toEqual([0, 0, 0, 3]);
    const entry = (i: number) => {
      const e = dir.slice(4 + 64 * i, 4 + 64 * (i + 1));
      const size = ((e[0]! << 24) | (e[1]! << 16) | (e[2]! << 8) | e[3]!) >>> 0;
      const key = (e[4]! << 8) | e[5]!;
      const name = String.fromCharCode(...e.slice(8, e.indexOf(0, 8)));
      return { size, key, name };
    };
    expect(entry(0)).toEqual({ size: 20, key: 0x20, name: 'etc/e820' });
    expect(entry(1).name).toBe('bootorder');
    expect(entry(2)).toEqual({ size: 4, key: 0x22, name: 'etc/boot-fail-wait' });
    expect(readItem(0x20, 20)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 0, 1, 0, 0, 0]);
    const order = String.fromCharCode(...readItem(0x21, 65));
    expect(order.split('\n')[1]).toBe('/rom@genroms/linuxboot_dma.bin\0');
  });

  it('replaces a file of the same name keeping its key', () => {
    const { fw, readItem } = setup();
    expect(fw.addFile('bootorder', encodeBootOrder(['/x']))).toBe(0x21);
    expect(readItem(0x21, 3)).toEqual([0x2f, 0x78, 0]);
    expect(() => fw.addFile('x'.repeat(56), new Uint8Array(1))).toThrow(RangeError);
    expect(() => fw.setItem(0x25, new Uint8Array(1))).toThrow(RangeError);
  });
});

describe('FwCfg DMA interface', () => {
  it('selects and reads an item, clearing the control word', () => {
    const { dma, mem } = setup();
    const control = (FwCfgKey.RamSize << 16) | FwCfgDmaControl.Select | FwCfgDmaControl.Read;
    expect(dma(0x1000, control, 8, 0x2000)).toBe(0);
    expect(Array.from(mem.bytes.subarray(0x2000, 0x2008))).toEqual([0, 0, 0, 8, 0, 0, 0, 0]);
  });

  it('reads the directory count and entries the way SeaBIOS does (select+read, then read)', () => {
    const { dma, mem } = setup();
    expect(dma(0x1000, (FwCfgKey.FileDir << 16) | FwCfgDmaControl.Select | FwCfgDmaControl.Read, 4, 0x2000)).toBe(0);
    expect(Array.from(mem.bytes.subarray(0x2000, 0x2004))).toEqual([0, 0, 0, 3]);
    expect(dma(0x1000, FwCfgDmaControl.Read, 64, 0x2100)).toBe(0);
    expect(mem.bytes[0x2100 + 7]).toBe(0); // reserved
    expect(String.fromCharCode(...mem.bytes.subarray(0x2108, 0x2110))).toBe('etc/e820');
    expect(mem.bytes[0x2105]).toBe(0x20);
  });

  it('continues from the data port offset, skips, and zero-fills past the end', () => {
    const { dma, mem, io } = setup();
    io.out16(0x510, FwCfgKey.Signature);
    expect(io.in8(0x511)).toBe(0x51);
    mem.bytes.fill(0xee, 0x3000, 0x3010);
    expect(dma(0x1000, FwCfgDmaControl.Read, 6, 0x3000)).toBe(0);
    expect(Array.from(mem.bytes.subarray(0x3000, 0x3007))).toEqual([0x45, 0x4d, 0x55, 0, 0, 0, 0xee]);
    expect(dma(0x1000, (0x20 << 16) | FwCfgDmaControl.Select | FwCfgDmaControl.Skip, 16, 0)).toBe(0);
    expect(dma(0x1000, FwCfgDmaControl.Read, 4, 0x3100)).toBe(0);
    expect(Array.from(mem.bytes.subarray(0x3100, 0x3104))).toEqual([1, 0, 0, 0]);
  });

  it('reports bad buffer addresses in the control word without throwing', () => {
    const { dma } = setup(0x10000);
    const sel = (FwCfgKey.FileDir << 16) | FwCfgDmaControl.Select | FwCfgDmaControl.Read;
    expect(dma(0x1000, sel, 64, 0xfffff000)).toBe(FwCfgDmaControl.Error);
    expect(dma(0x1000, sel, 64, 0x0fff0)).toBe(FwCfgDmaControl.Error); // runs off the end of RAM
    expect(dma(0x1000, sel, 0xffffffff, 0x8000)).toBe(FwCfgDmaControl.Error); // huge zero fill stops at RAM end
    expect(dma(0x1000, sel, 16, 0x2000, 1)).toBe(FwCfgDmaControl.Error); // buffer above 4 GiB
    expect(dma(0x1000, (FwCfgKey.RamSize << 16) | FwCfgDmaControl.Select | FwCfgDmaControl.Write, 8, 0x2000)).toBe(
      FwCfgDmaControl.Error,
    );
  });

  it('ignores descriptors outside RAM and DMA addresses above 4 GiB', () => {
    const { io, ctx } = setup(0x10000);
    expect(() => io.out32(0x518, 0x00000f00)).not.toThrow(); // descriptor at 0x000f0000: unassigned
    io.out32(0x514, 0x01000000);
    expect(() => io.out32(0x518, 0)).not.toThrow();
    expect(ctx.memory.bytes[0]).toBe(0);
  });

  it('writes into writable files and tells the owner', () => {
    const { fw, dma, mem } = setup();
    const seen: number[][] = [];
    const key = fw.addFile('etc/vm-scratch', new Uint8Array(4), { writable: true, onWrite: (_n, d) => seen.push([...d]) });
    mem.bytes.set([9, 8, 7, 6], 0x4000);
    expect(dma(0x1000, (key << 16) | FwCfgDmaControl.Select | FwCfgDmaControl.Write, 4, 0x4000)).toBe(0);
    expect(Array.from(fw.file('etc/vm-scratch')!)).toEqual([9, 8, 7, 6]);
    expect(seen).toEqual([[9, 8, 7, 6]]);
    expect(dma(0x1000, (key << 16) | FwCfgDmaControl.Select | FwCfgDmaControl.Write, 5, 0x4000)).toBe(FwCfgDmaControl.Error);
    const state = structuredClone(fw.snapshot());
    const b = setup();
    b.fw.addFile('etc/vm-scratch', new Uint8Array(4), { writable: true });
    b.fw.restore(state);
    expect(Array.from(b.fw.file('etc/vm-scratch')!)).toEqual([9, 8, 7, 6]);
  });
});
