import { describe, expect, it } from 'vitest';
import { RamDmaSpace } from '@vm/bus/test';
import { getAscii, le32 } from '../bytes.js';
import { FirmwareError } from '../errors.js';
import { buildMultibootAout, buildMultibootElf, patternBytes } from '../test/index.js';
import { findMultibootHeader } from './multiboot-header.js';
import { loadMultiboot, MultibootInfoFlags as F } from './multiboot-loader.js';

const MiB = 1024 * 1024;
const ram = 16 * MiB;
const cstr = (mem: RamDmaSpace, addr: number): string => getAscii(mem.bytes, addr, 4096);

describe('Multiboot header', () => {
  it('is found on a 4-byte boundary in the first 8 KiB only', () => {
    const k = buildMultibootAout({ loadAddr: MiB, code: new Uint8Array(0x3000), headerOffset: 0x1fe0 });
    expect(findMultibootHeader(k)!.offset).toBe(0x1fe0);
    const late = buildMultibootAout({ loadAddr: MiB, code: new Uint8Array(0x3000), headerOffset: 0x2000 });
    expect(findMultibootHeader(late)).toBeNull();
  });

  it('rejects a bad checksum and unknown required flags', () => {
    const k = buildMultibootAout({ loadAddr: MiB, code: new Uint8Array(256) });
    k[0x48] ^= 1;
    expect(() => findMultibootHeader(k)).toThrow(/bad checksum/);
    const elf = buildMultibootElf({ segments: [{ paddr: MiB, data: new Uint8Array(16) }], entry: MiB, flags: 0x8 });
    expect(() => findMultibootHeader(elf)).toThrow(/requires features this loader lacks \(flags 0x8\)/);
  });
});

describe('loadMultiboot', () => {
  it('loads ELF segments at their physical addresses, zero-fills bss and translates the entry', () => {
    const mem = new RamDmaSpace(ram);
    mem.bytes.fill(0xcc, MiB, 3 * MiB);
    const text = patternBytes(5000, 1);
    const data = patternBytes(300, 2);
    const k = buildMultibootElf({
      segments: [
        { paddr: MiB, vaddr: 0xc0100000, data: text },
        { paddr: 2 * MiB, vaddr: 0xc0200000, data, memsz: 0x2000 },
      ],
      entry: 0xc0100010,
    });
    const r = loadMultiboot(mem, { kernel: k, ramSize: ram, cmdline: 'kernel root=/dev/sda1' });
    expect(mem.bytes.subarray(MiB, MiB + text.length)).toEqual(text);
    expect(mem.bytes.subarray(2 * MiB, 2 * MiB + 300)).toEqual(data);
    expect(mem.bytes.subarray(2 * MiB + 300, 2 * MiB + 0x2000).every((x) => x === 0)).toBe(true);
    expect(mem.bytes[2 * MiB + 0x2000]).toBe(0xcc);
    expect(r.kernel).toEqual({ start: MiB, end: 2 * MiB + 0x2000 });
    expect(r.entry.eip).toBe(MiB + 0x10);
    expect(r.entry.eax).toBe(0x2badb002);
    expect(r.entry.ebx).toBe(r.infoAddress);
    expect(r.entry.cs.limit).toBe(0xffffffff);
    expect(r.entry.eflags & 0x200).toBe(0);
  });

  it('loads an a.out-kludge image with bss', () => {
    const mem = new RamDmaSpace(ram);
    mem.bytes.fill(0xcc, 0x200000, 0x210000);
    const code = patternBytes(4096, 3);
    const k = buildMultibootAout({ loadAddr: 0x200000, code, bss: 0x800, entryOffset: 0x100 });
    const r = loadMultiboot(mem, { kernel: k, ramSize: ram });
    expect(mem.bytes.subarray(0x200000, 0x200040)).toEqual(code.subarray(0, 0x40));
    expect(le32(mem.bytes, 0x200040)).toBe(0x1badb002);
    expect(mem.bytes.subarray(0x201000, 0x201800).every((x) => x === 0)).toBe(true);
    expect(mem.bytes[0x201800]).toBe(0xcc);
    expect(r.entry.eip).toBe(0x200100);
  });

  it('builds the information structure: memory, map, cmdline, modules, loader name', () => {
    const mem = new RamDmaSpace(ram);
    const k = buildMultibootElf({ segments: [{ paddr: MiB, data: new Uint8Array(0x1234) }], entry: MiB });
    const m0 = patternBytes(10000, 4);
    const m1 = patternBytes(77, 5);
    const r = loadMultiboot(mem, {
      kernel: k,
      ramSize: ram,
      cmdline: 'mykernel -v',
      modules: [{ data: m0, cmdline: 'initrd.img' }, { data: m1 }],
    });
    const i = r.infoAddress;
    const flags = le32(mem.bytes, i);
    expect(flags).toBe(F.Memory | F.Cmdline | F.Modules | F.MemoryMap | F.LoaderName);
    expect(le32(mem.bytes, i + 4)).toBe(639);
    expect(le32(mem.bytes, i + 8)).toBe(15 * 1024);
    expect(cstr(mem, le32(mem.bytes, i + 16))).toBe('mykernel -v');
    expect(le32(mem.bytes, i + 20)).toBe(2);
    const mods = le32(mem.bytes, i + 24);
    const [s0, e0, n0, , s1, e1, n1] = Array.from({ length: 8 }, (_, j) => le32(mem.bytes, mods + j * 4));
    expect([s0, e0]).toEqual([MiB + 0x2000, MiB + 0x2000 + 10000]);
    expect(s1! % 4096).toBe(0);
    expect(s1).toBeGreaterThanOrEqual(e0!);
    expect(e1! - s1!).toBe(77);
    expect(mem.bytes.subarray(s0!, e0!)).toEqual(m0);
    expect(mem.bytes.subarray(s1!, e1!)).toEqual(m1);
    expect(cstr(mem, n0!)).toBe('initrd.img');
    expect(cstr(mem, n1!)).toBe('');
    expect(r.modules).toEqual([
      { start: s0, end: e0 },
      { start: s1, end: e1 },
    ]);
    // memory map: 24-byte entries with size 20
    const len = le32(mem.bytes, i + 44);
    const mm = le32(mem.bytes, i + 48);
    const entries = [];
    for (let at = mm; at < mm + len; at += 4 + le32(mem.bytes, at)) {
      expect(le32(mem.bytes, at)).toBe(20);
      entries.push([le32(mem.bytes, at + 4), le32(mem.bytes, at + 12), le32(mem.bytes, at + 20)]);
    }
    expect(entries[0]).toEqual([0, 0x9fc00, 1]);
    expect(entries).toContainEqual([MiB, 15 * MiB, 1]);
    expect(cstr(mem, le32(mem.bytes, i + 64))).toBe('vm');
  });

  it('rejects files that are not Multiboot kernels or do not fit', () => {
    const mem = new RamDmaSpace(ram);
    expect(() => loadMultiboot(mem, { kernel: new Uint8Array(9000), ramSize: ram })).toThrow(/no header \(0x1BADB002\)/);
    const raw = buildMultibootElf({ segments: [{ paddr: MiB, data: new Uint8Array(16) }], entry: MiB });
    raw[4] = 2; // ELFCLASS64
    expect(() => loadMultiboot(mem, { kernel: raw, ramSize: ram })).toThrow(/not a 32-bit ELF/);
    const noKludge = buildMultibootElf({ segments: [{ paddr: MiB, data: new Uint8Array(16) }], entry: MiB });
    noKludge[0] = 0; // no longer ELF, and no a.out addresses
    expect(() => loadMultiboot(mem, { kernel: noKludge, ramSize: ram })).toThrow(/no a.out kludge/);
    const low = buildMultibootElf({ segments: [{ paddr: 0x8000, data: new Uint8Array(16) }], entry: 0x8000 });
    expect(() => loadMultiboot(mem, { kernel: low, ramSize: ram })).toThrow(/overlaps the loader's area/);
    const big = buildMultibootElf({ segments: [{ paddr: 15 * MiB, data: new Uint8Array(16), memsz: 2 * MiB }], entry: 15 * MiB });
    expect(() => loadMultiboot(mem, { kernel: big, ramSize: ram })).toThrow(FirmwareError);
    const small = buildMultibootElf({ segments: [{ paddr: MiB, data: new Uint8Array(16) }], entry: MiB });
    expect(() => loadMultiboot(mem, { kernel: small, ramSize: ram, modules: [{ data: new Uint8Array(16 * MiB) }] })).toThrow(
      /module 0 \(16777216 bytes\) does not fit/,
    );
    const badEntry = buildMultibootAout({ loadAddr: MiB, code: new Uint8Array(256), entryOffset: 0x10000 });
    expect(() => loadMultiboot(mem, { kernel: badEntry, ramSize: ram })).toThrow(/entry_addr .* is outside/);
  });
});
