/**
 * Architectural constants: EFLAGS bits, segment register numbers, control
 * register bits and exception vectors (Intel SDM vol. 3, ch. 2 and 6).
 *
 * @module
 */

/** EFLAGS bits (SDM vol. 1, 3.4.3). */
export const Flag = {
  CF: 0x1,
  PF: 0x4,
  AF: 0x10,
  ZF: 0x40,
  SF: 0x80,
  TF: 0x100,
  IF: 0x200,
  DF: 0x400,
  OF: 0x800,
  IOPL: 0x3000,
  NT: 0x4000,
  RF: 0x10000,
  VM: 0x20000,
  AC: 0x40000,
  VIF: 0x80000,
  VIP: 0x100000,
  ID: 0x200000,
} as const;

/** The six arithmetic status flags, the ones computed lazily. */
export const ARITH_FLAGS = 0x8d5;

/** Segment register numbers, in ModRM `reg` encoding order, plus LDTR and TR. */
export const Seg = { ES: 0, CS: 1, SS: 2, DS: 3, FS: 4, GS: 5, LDTR: 6, TR: 7 } as const;

/** General register numbers (ModRM encoding). */
export const Reg = { EAX: 0, ECX: 1, EDX: 2, EBX: 3, ESP: 4, EBP: 5, ESI: 6, EDI: 7 } as const;

/** CR0 bits. */
export const Cr0 = { PE: 0x1, MP: 0x2, EM: 0x4, TS: 0x8, ET: 0x10, NE: 0x20, WP: 0x10000, AM: 0x40000, NW: 0x20000000, CD: 0x40000000, PG: 0x80000000 | 0 } as const;

/** CR4 bits. */
export const Cr4 = { VME: 0x1, PVI: 0x2, TSD: 0x4, DE: 0x8, PSE: 0x10, PAE: 0x20, MCE: 0x40, PGE: 0x80, PCE: 0x100, OSFXSR: 0x200, OSXMMEXCPT: 0x400 } as const;

/** Exception vectors (SDM vol. 3, table 6-1). */
export const Vec = {
  DE: 0, DB: 1, NMI: 2, BP: 3, OF: 4, BR: 5, UD: 6, NM: 7, DF: 8, TS: 10, NP: 11, SS: 12, GP: 13, PF: 14, MF: 16, AC: 17, MC: 18, XM: 19,
} as const;

/** Lazy flag operation kinds ({@link Cpu.lzOp}). */
export const LazyOp = { NONE: 0, ADD: 1, ADC: 2, SUB: 3, SBB: 4, LOGIC: 5, INC: 6, DEC: 7 } as const;

/** PF for each byte value. */
export const PARITY = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let b = i;
  b ^= b >> 4;
  b ^= b >> 2;
  b ^= b >> 1;
  PARITY[i] = (b & 1) === 0 ? Flag.PF : 0;
}

/** Byte-register index into {@link Cpu.reg8} for ModRM reg numbers 0..7 (AL CL DL BL AH CH DH BH). */
export const R8 = new Uint8Array([0, 4, 8, 12, 1, 5, 9, 13]);

/** Segment descriptor attribute bits kept in {@link Cpu.segAr} (descriptor bytes 5..6). */
export const Ar = { ACCESSED: 0x1, RW: 0x2, DC: 0x4, CODE: 0x8, S: 0x10, DPL: 0x60, P: 0x80, AVL: 0x1000, DB: 0x4000, G: 0x8000 } as const;
/** Set in {@link Cpu.segAr} when the segment register holds a null selector (protected mode). */
export const AR_UNUSABLE = 0x10000;

