/**
 * A tiny x86 encoder for the instruction forms the differential cases use:
 * ModRM register and memory operands (32-bit addressing with optional SIB),
 * immediates and the 0x66 operand-size prefix. It knows encodings, not
 * mnemonics: each case class passes opcode bytes and the ModRM reg field.
 */

/** 32-bit general registers in encoding order. */
export const EAX = 0, ECX = 1, EDX = 2, EBX = 3, ESP = 4, EBP = 5, ESI = 6, EDI = 7;

/** General registers a case may load with arbitrary values (ESP is the harness's). */
export const GPRS = [EAX, ECX, EDX, EBX, EBP, ESI, EDI] as const;

/** Register names per operand size, for case descriptions. */
export const REG_NAMES: Record<number, readonly string[]> = {
  8: ['al', 'cl', 'dl', 'bl', 'ah', 'ch', 'dh', 'bh'],
  16: ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di'],
  32: ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'],
};

/** A memory operand: `[base + index*2^scale + disp]`; base -1 means no base (absolute). */
export interface Mem {
  readonly base: number;
  readonly index?: number;
  readonly scale?: number;
  readonly disp: number;
}

/** A ModRM r/m operand: a register number or a memory reference. */
export type Operand = { readonly reg: number } | { readonly mem: Mem };

/** Register operand. */
export function r(reg: number): Operand {
  return { reg };
}

/** Memory operand. */
export function m(base: number, disp: number, index?: number, scale?: number): Operand {
  return index === undefined ? { mem: { base, disp } } : { mem: { base, disp, index, scale: scale ?? 0 } };
}

/** Operand size in bits. */
export type Size = 8 | 16 | 32;

/** Text of an operand for case names. */
export function opText(op: Operand, size: Size): string {
  if ('reg' in op) return (REG_NAMES[size] as readonly string[])[op.reg] as string;
  const mm = op.mem;
  let s = mm.base >= 0 ? (REG_NAMES[32] as readonly string[])[mm.base] as string : '';
  if (mm.index !== undefined) s += `${s ? '+' : ''}${(REG_NAMES[32] as readonly string[])[mm.index]}*${1 << (mm.scale ?? 0)}`;
  if (mm.disp !== 0 || !s) s += `${mm.disp < 0 ? '-' : s ? '+' : ''}0x${Math.abs(mm.disp).toString(16)}`;
  const ptr = size === 8 ? 'byte' : size === 16 ? 'word' : 'dword';
  return `${ptr} [${s}]`;
}

/** Accumulates encoded bytes. */
export class Asm {
  readonly bytes: number[] = [];

  /** Raw bytes. */
  db(...b: number[]): this {
    for (const x of b) this.bytes.push(x & 0xff);
    return this;
  }

  imm8(v: number): this {
    return this.db(v);
  }

  imm16(v: number): this {
    return this.db(v, v >>> 8);
  }

  imm32(v: number): this {
    return this.db(v, v >>> 8, v >>> 16, v >>> 24);
  }

  /** Immediate of the operand size. */
  imm(size: Size, v: number): this {
    return size === 8 ? this.imm8(v) : size === 16 ? this.imm16(v) : this.imm32(v);
  }

  /** Operand-size prefix when `size` is 16. */
  osz(size: Size): this {
    if (size === 16) this.db(0x66);
    return this;
  }

  /** Opcode bytes followed by ModRM (+SIB, +displacement) for `reg` field and `rm` operand. */
  op(opcode: readonly number[], reg: number, rm: Operand): this {
    this.db(...opcode);
    return this.modrm(reg, rm);
  }

  /** ModRM, SIB and displacement. */
  modrm(reg: number, rm: Operand): this {
    if ('reg' in rm) return this.db(0xc0 | ((reg & 7) << 3) | (rm.reg & 7));
    const { base, index, scale, disp } = rm.mem;
    const d = disp | 0;
    if (base < 0 && index === undefined) return this.db(((reg & 7) << 3) | 5).imm32(d);
    const needSib = index !== undefined || base === ESP || base < 0;
    let mod: number;
    if (base < 0) mod = 0;
    else if (d === 0 && base !== EBP) mod = 0;
    else if (d >= -128 && d <= 127) mod = 1;
    else mod = 2;
    if (needSib) {
      this.db((mod << 6) | ((reg & 7) << 3) | 4);
      const idx = index === undefined ? 4 : index;
      this.db(((scale ?? 0) << 6) | ((idx & 7) << 3) | (base < 0 ? 5 : base & 7));
    } else {
      this.db((mod << 6) | ((reg & 7) << 3) | (base & 7));
    }
    if (base < 0) return this.imm32(d);
    if (mod === 1) return this.imm8(d);
    if (mod === 2) return this.imm32(d);
    return this;
  }

  /** The encoded bytes. */
  code(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}
