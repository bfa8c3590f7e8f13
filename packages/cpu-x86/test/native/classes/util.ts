/** Operand pickers the class generators share. */
import { EBP, EBX, EDI, ESI, m, r, type Operand, type Size } from '../asm.js';
import { DATA_ADDR, DATA_SIZE, maskReg, type CaseDraft } from '../case.js';
import type { Prng } from '../prng.js';

/** Registers that may serve as the base of a data-area memory operand. */
export const BASES = [EBX, EBP, ESI, EDI] as const;

/** A random register operand number (never ESP for 16/32-bit operands; AH..BH are fine for 8-bit). */
export function anyReg(rng: Prng, size: Size): number {
  for (;;) {
    const x = rng.below(8);
    if (size === 8 || x !== 4) return x;
  }
}

/**
 * A memory operand addressing `bytes` bytes inside the data area at a random
 * offset: a base register (not in `avoid`) is loaded with a data-area address
 * and a displacement (and sometimes a scaled index register) completes it.
 * Returns the operand and the data offset it addresses.
 */
export function dataMem(d: CaseDraft, rng: Prng, bytes: number, avoid: readonly number[] = [], align = 1): { op: Operand; offset: number; base: number } {
  const offset = Math.floor(rng.below(DATA_SIZE - bytes + 1) / align) * align;
  const bases = BASES.filter((b) => !avoid.includes(b));
  const base = rng.pick(bases);
  const kind = rng.below(4);
  if (kind === 0) {
    d.regs[base] = DATA_ADDR + offset;
    return { op: m(base, 0), offset, base };
  }
  if (kind === 3) {
    const indices = bases.filter((b) => b !== base);
    if (indices.length > 0) {
      const index = rng.pick(indices);
      const scale = rng.below(4);
      const iv = rng.below(8);
      const disp = rng.range(-64, 64);
      d.regs[index] = iv;
      d.regs[base] = (DATA_ADDR + offset - disp - (iv << scale)) >>> 0;
      return { op: m(base, disp, index, scale), offset, base };
    }
  }
  const disp = kind === 1 ? rng.range(-128, 127) : rng.range(-100000, 100000);
  d.regs[base] = (DATA_ADDR + offset - disp) >>> 0;
  return { op: m(base, disp), offset, base };
}

/** Either a register (probability 1 - pMem) or a data-area memory operand. */
export function regOrMem(d: CaseDraft, rng: Prng, size: Size, pMem = 0.4, avoid: readonly number[] = []): Operand {
  if (rng.chance(pMem)) return dataMem(d, rng, size / 8, avoid).op;
  return r(anyReg(rng, size));
}

/** A random operand size. */
export function anySize(rng: Prng): Size {
  return rng.pick([8, 16, 32] as const);
}

/** Operand-size bit of the classic opcode pairs (even = byte, odd = word/dword). */
export function w(size: Size): number {
  return size === 8 ? 0 : 1;
}

/** Registers used in the base/index of `op` (these must keep their values for the access). */
export function memRegs(op: Operand): number[] {
  if ('reg' in op) return [];
  const out: number[] = [];
  if (op.mem.base >= 0) out.push(op.mem.base);
  if (op.mem.index !== undefined) out.push(op.mem.index);
  return out;
}

/** Value of register `n` at operand size `size` (8-bit 4..7 are AH..BH). */
export function getReg(regs: Uint32Array, n: number, size: Size): number {
  if (size === 32) return regs[n] as number;
  if (size === 16) return (regs[n] as number) & 0xffff;
  return n < 4 ? (regs[n] as number) & 0xff : ((regs[n - 4] as number) >>> 8) & 0xff;
}

/** Set register `n` at operand size `size`, keeping the other bits. */
export function setReg(regs: Uint32Array, n: number, size: Size, v: number): void {
  if (size === 32) regs[n] = v >>> 0;
  else if (size === 16) regs[n] = (((regs[n] as number) & 0xffff0000) | (v & 0xffff)) >>> 0;
  else if (n < 4) regs[n] = (((regs[n] as number) & 0xffffff00) | (v & 0xff)) >>> 0;
  else regs[n - 4] = (((regs[n - 4] as number) & 0xffff00ff) | ((v & 0xff) << 8)) >>> 0;
}

/** Little-endian value of `size` bits at `offset` in `data`. */
export function readData(data: Uint8Array, offset: number, size: Size): number {
  let v = 0;
  for (let i = size / 8 - 1; i >= 0; i--) v = (v * 256 + (data[offset + i] as number)) >>> 0;
  return v;
}

/** Mark register `n` (at operand size `size`) as undefined after the case. */
export function maskRegBits(d: CaseDraft, n: number, size: Size): void {
  maskReg(d, size === 8 && n >= 4 ? n - 4 : n, size === 32 ? 0xffffffff : size === 16 ? 0xffff : n >= 4 ? 0xff00 : 0xff);
}
