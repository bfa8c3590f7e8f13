import { put16, put32 } from '../bytes.js';

const MAGIC = 0x1badb002;

function multibootHeader(flags: number, addresses?: readonly number[]): Uint8Array {
  const h = new Uint8Array(addresses ? 32 : 12);
  put32(h, 0, MAGIC);
  put32(h, 4, flags);
  put32(h, 8, (-(MAGIC + flags)) >>> 0);
  addresses?.forEach((a, i) => put32(h, 12 + i * 4, a));
  return h;
}

/** One loadable segment of a {@link buildMultibootElf} kernel. */
export interface SyntheticSegment {
  /** Physical load address. */
  readonly paddr: number;
  /** Virtual address (default = paddr). */
  readonly vaddr?: number;
  /** File contents of the segment. */
  readonly data: Uint8Array;
  /** Size in memory (default data.length); the rest is bss. */
  readonly memsz?: number;
}

/**
 * An ELF32 i386 executable with a Multiboot header (flags default 0x3:
 * page-aligned modules, memory info) right after its program headers.
 */
export function buildMultibootElf(options: { segments: readonly SyntheticSegment[]; entry: number; flags?: number }): Uint8Array {
  const n = options.segments.length;
  const mbOff = 52 + 32 * n;
  const mb = multibootHeader(options.flags ?? 0x3);
  let dataOff = mbOff + mb.length;
  const offsets = options.segments.map((s) => {
    const o = dataOff;
    dataOff += s.data.length;
    return o;
  });
  const b = new Uint8Array(dataOff);
  b.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1]);
  put16(b, 16, 2); // ET_EXEC
  put16(b, 18, 3); // EM_386
  put32(b, 20, 1);
  put32(b, 24, options.entry);
  put32(b, 28, 52); // phoff
  put16(b, 40, 52);
  put16(b, 42, 32);
  put16(b, 44, n);
  options.segments.forEach((s, i) => {
    const at = 52 + 32 * i;
    put32(b, at, 1); // PT_LOAD
    put32(b, at + 4, offsets[i]!);
    put32(b, at + 8, s.vaddr ?? s.paddr);
    put32(b, at + 12, s.paddr);
    put32(b, at + 16, s.data.length);
    put32(b, at + 20, s.memsz ?? s.data.length);
    put32(b, at + 24, 5);
    put32(b, at + 28, 0x1000);
    b.set(s.data, offsets[i]!);
  });
  b.set(mb, mbOff);
  return b;
}

/**
 * A flat binary with a Multiboot header using the a.out kludge (flag 16):
 * the header at file offset `headerOffset` (default 0x40), the file loaded at
 * `loadAddr`, `bss` zero bytes after it, entry at `loadAddr + entryOffset`.
 */
export function buildMultibootAout(options: {
  loadAddr: number;
  code: Uint8Array;
  bss?: number;
  entryOffset?: number;
  headerOffset?: number;
}): Uint8Array {
  const hOff = options.headerOffset ?? 0x40;
  const size = Math.max(options.code.length, hOff + 32);
  const b = new Uint8Array(size);
  b.set(options.code);
  const loadEnd = options.loadAddr + size;
  const header = multibootHeader(0x10003, [
    options.loadAddr + hOff,
    options.loadAddr,
    loadEnd,
    loadEnd + (options.bss ?? 0),
    options.loadAddr + (options.entryOffset ?? 0),
  ]);
  b.set(header, hOff);
  return b;
}
