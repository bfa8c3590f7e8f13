/**
 * Just enough of ELF (System V ABI, "Object Files" chapter) to load a
 * 32-bit little-endian x86 executable: the file header and its program
 * headers.
 *
 * @module
 */

import { le16, le32 } from '../bytes.js';
import { FirmwareError } from '../errors.js';

/** Program header type of a loadable segment. */
export const PT_LOAD = 1;

/** One program header. */
export interface Elf32ProgramHeader {
  /** Segment type (1 = PT_LOAD). */
  readonly type: number;
  /** File offset of the segment's bytes. */
  readonly offset: number;
  /** Virtual address. */
  readonly vaddr: number;
  /** Physical address (where a loader without paging puts it). */
  readonly paddr: number;
  /** Bytes in the file. */
  readonly filesz: number;
  /** Bytes in memory (the rest is zero-filled, e.g. .bss). */
  readonly memsz: number;
}

/** A parsed ELF32 executable. */
export interface Elf32Image {
  /** Entry point (virtual). */
  readonly entry: number;
  /** Program headers. */
  readonly programHeaders: readonly Elf32ProgramHeader[];
}

/** True if `b` starts with the ELF magic. */
export function isElf(b: Uint8Array): boolean {
  return b[0] === 0x7f && b[1] === 0x45 && b[2] === 0x4c && b[3] === 0x46;
}

/**
 * Parse an ELF32 little-endian i386 executable's headers.
 * @throws FirmwareError for another class, byte order, machine or type, or
 * headers that run past the file
 */
export function parseElf32(b: Uint8Array, name = 'kernel'): Elf32Image {
  if (!isElf(b)) throw new FirmwareError('bad-image', `${name}: not an ELF file`);
  if (b.length < 52) throw new FirmwareError('bad-image', `${name}: ELF header truncated`);
  if (b[4] !== 1) throw new FirmwareError('unsupported', `${name}: not a 32-bit ELF file (class ${b[4]})`);
  if (b[5] !== 1) throw new FirmwareError('unsupported', `${name}: not a little-endian ELF file`);
  const type = le16(b, 16);
  const machine = le16(b, 18);
  if (machine !== 3) throw new FirmwareError('unsupported', `${name}: ELF machine ${machine} is not i386 (3)`);
  if (type !== 2) throw new FirmwareError('unsupported', `${name}: ELF type ${type} is not an executable (2)`);
  const phoff = le32(b, 28);
  const phentsize = le16(b, 42);
  const phnum = le16(b, 44);
  if (phnum === 0 || phentsize < 32 || phoff + phnum * phentsize > b.length) {
    throw new FirmwareError('bad-image', `${name}: ELF program headers (${phnum} at ${phoff}) run past the file`);
  }
  const programHeaders: Elf32ProgramHeader[] = [];
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    programHeaders.push({
      type: le32(b, at),
      offset: le32(b, at + 4),
      vaddr: le32(b, at + 8),
      paddr: le32(b, at + 12),
      filesz: le32(b, at + 16),
      memsz: le32(b, at + 20),
    });
  }
  return { entry: le32(b, 24), programHeaders };
}
