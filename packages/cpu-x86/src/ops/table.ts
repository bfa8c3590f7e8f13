/**
 * The opcode tables: per opcode (0x000-0x0FF one-byte map, 0x100-0x1FF the
 * `0F` map) the decode attributes (ModRM present, immediate kind) and the
 * semantics function. The decoder in `Cpu.decode` reads {@link DECODE}; the
 * interpreter calls {@link OPS}; a block translator can use both.
 *
 * @module
 */

import { installBase, undefinedOpcode } from './base.js';
import { installExt } from './ext.js';
import { installString } from './string.js';
import { installSystem } from './system.js';
import type { Op } from './types.js';

/** Immediate kind: imm8. */
export const D_IB = 1;
/** Immediate kind: imm16. */
export const D_IW = 2;
/** Immediate kind: imm16/imm32 by operand size. */
export const D_IV = 3;
/** Immediate kind: imm16 (RET imm16 style). */
export const D_IVW = 4;
/** Immediate kind: ENTER imm16, imm8. */
export const D_ENTER = 5;
/** Immediate kind: far pointer (offset by operand size, then selector). */
export const D_FAR = 6;
/** Immediate kind: memory offset by address size (MOV AL, moffs). */
export const D_MOFFS = 7;
/** Immediate kind: F6/F7 group (imm only for TEST /0 /1). */
export const D_GRP3 = 8;
/** Mask of the immediate kind. */
export const D_IMM_MASK = 0xf;
/** The opcode has a ModRM byte. */
export const D_MODRM = 0x10;
/** The ModRM byte always names registers (MOV CR/DR: mod is ignored). */
export const D_MODRM_REG = 0x20;

/** Decode attributes per opcode. */
export const DECODE = new Uint8Array(512);
/** Semantics per opcode. */
export const OPS: Op[] = new Array<Op>(512).fill(undefinedOpcode);

function set(ops: number[], attr: number): void {
  for (const o of ops) DECODE[o] = attr;
}
function range(a: number, b: number): number[] {
  const r: number[] = [];
  for (let i = a; i <= b; i++) r.push(i);
  return r;
}

for (let o = 0; o < 0x40; o++) {
  const f = o & 7;
  if (f < 4) DECODE[o] = D_MODRM;
  else if (f === 4) DECODE[o] = D_IB;
  else if (f === 5) DECODE[o] = D_IV;
}
set([0x62, 0x63, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b, 0x8c, 0x8d, 0x8e, 0x8f, 0xc4, 0xc5, 0xd0, 0xd1, 0xd2, 0xd3, 0xfe, 0xff], D_MODRM);
set(range(0xd8, 0xdf), D_MODRM);
set([0x68, 0xa9, 0xe8, 0xe9], D_IV);
set(range(0xb8, 0xbf), D_IV);
set([0x6a, 0xa8, 0xcd, 0xd4, 0xd5, 0xeb, 0xe4, 0xe5, 0xe6, 0xe7, 0xe0, 0xe1, 0xe2, 0xe3], D_IB);
set(range(0x70, 0x7f), D_IB);
set(range(0xb0, 0xb7), D_IB);
set([0x69, 0x81, 0xc7], D_MODRM | D_IV);
set([0x6b, 0x80, 0x82, 0x83, 0xc0, 0xc1, 0xc6], D_MODRM | D_IB);
set([0xc2, 0xca], D_IVW);
set([0xc8], D_ENTER);
set([0x9a, 0xea], D_FAR);
set([0xa0, 0xa1, 0xa2, 0xa3], D_MOFFS);
set([0xf6, 0xf7], D_MODRM | D_GRP3);
// 0F map
set([0x100, 0x101, 0x102, 0x103], D_MODRM);
set([0x120, 0x121, 0x122, 0x123], D_MODRM | D_MODRM_REG);
set(range(0x140, 0x14f), D_MODRM);
set(range(0x180, 0x18f), D_IV);
set(range(0x190, 0x19f), D_MODRM);
set(range(0x118, 0x11f), D_MODRM);
set([0x1a3, 0x1a5, 0x1ab, 0x1ad, 0x1af, 0x1b0, 0x1b1, 0x1b2, 0x1b3, 0x1b4, 0x1b5, 0x1b6, 0x1b7, 0x1bb, 0x1bc, 0x1bd, 0x1be, 0x1bf, 0x1c0, 0x1c1, 0x1c7, 0x1b9, 0x1ff], D_MODRM);
set([0x1a4, 0x1ac, 0x1ba], D_MODRM | D_IB);
// MMX/SSE: ModRM decoded by the core, immediates fetched by the unit
set([0x110, 0x111, 0x112, 0x113, 0x114, 0x115, 0x116, 0x117, 0x128, 0x129, 0x12a, 0x12b, 0x12c, 0x12d, 0x12e, 0x12f], D_MODRM);
set(range(0x150, 0x176), D_MODRM);
set([0x17e, 0x17f, 0x1ae, 0x1c2, 0x1c3, 0x1c4, 0x1c5, 0x1c6], D_MODRM);
set(range(0x1d0, 0x1fe), D_MODRM);
DECODE[0x177] = 0;

installBase(OPS);
installString(OPS);
installExt(OPS);
installSystem(OPS);

/**
 * LOCK is allowed only on read-modify-write instructions with a memory
 * destination (SDM vol. 2, LOCK); anything else raises #UD.
 */
export function lockAllowed(opcode: number, modrm: number): boolean {
  if (modrm < 0 || modrm >= 0xc0) return false;
  const reg = (modrm >> 3) & 7;
  if (opcode < 0x40) return (opcode & 7) < 2 && (opcode & 0x38) !== 0x38;
  switch (opcode) {
    case 0x80: case 0x81: case 0x82: case 0x83: return reg !== 7;
    case 0x86: case 0x87: return true;
    case 0xf6: case 0xf7: return reg === 2 || reg === 3;
    case 0xfe: case 0xff: return reg < 2;
    case 0x1ab: case 0x1b3: case 0x1bb: case 0x1b0: case 0x1b1: case 0x1c0: case 0x1c1: return true;
    case 0x1ba: return reg >= 5;
    case 0x1c7: return reg === 1;
    default: return false;
  }
}
