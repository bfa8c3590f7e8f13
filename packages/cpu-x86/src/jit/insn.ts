/**
 * The block decoder: turns the bytes of one guest page into a list of
 * decoded instructions ({@link Insn}) for the translator. It mirrors
 * `Cpu.decode` (same prefix rules, same opcode attributes from
 * `ops/table.ts`) but records the effective-address *recipe* (base, index,
 * scale, displacement) instead of its value, so generated code can compute it
 * from the registers at run time.
 *
 * Only opcodes in {@link PREDECODE} are decoded ahead of time; any other
 * instruction ends the block as a *runtime* instruction, executed by the
 * interpreter's own decode + semantics (so every instruction works, and
 * instructions whose semantics fetch more bytes stay exact).
 *
 * @module
 */

import { DECODE, D_MODRM, D_MODRM_REG, D_IMM_MASK, D_IB, D_IW, D_IV, D_IVW, D_ENTER, D_FAR, D_MOFFS, D_GRP3, lockAllowed } from '../ops/table.js';

/** One decoded instruction of a block. */
export interface Insn {
  /** EIP (CS offset) of its first byte. */
  eip: number;
  /** EIP of the next instruction (masked to 16 bits in 16-bit code). */
  next: number;
  /** Executed by the interpreter's decoder at run time (ends the block). */
  runtime: boolean;
  /** Opcode: 0..0xff, or 0x100 | byte for the 0F map. */
  opcode: number;
  os32: number;
  as32: number;
  segOvr: number;
  rep: number;
  lockPfx: number;
  simdPrefix: number;
  /** ModRM byte, -1 if none. */
  modrm: number;
  /** Memory operand: base register (-1 none); 16-bit forms use {@link ea16}. */
  base: number;
  /** Index register (-1 none). */
  index: number;
  /** SIB scale shift (0..3). */
  scale: number;
  /** Displacement (signed 32-bit for 32-bit addressing, unsigned 16 for 16-bit). */
  disp: number;
  /** 16-bit addressing: registers summed (reg32 indices), up to two. */
  ea16a: number;
  ea16b: number;
  /** Effective-address segment. */
  eaSeg: number;
  /** ESP is the base register. */
  eaUsesEsp: number;
  /** For moffs forms: the fixed offset. */
  moffs: number;
  imm: number;
  imm2: number;
}

function blank(eip: number): Insn {
  return {
    eip, next: eip, runtime: true, opcode: 0, os32: 0, as32: 0, segOvr: -1, rep: 0, lockPfx: 0, simdPrefix: 0, modrm: -1,
    base: -1, index: -1, scale: 0, disp: 0, ea16a: -1, ea16b: -1, eaSeg: 3, eaUsesEsp: 0, moffs: 0, imm: 0, imm2: 0,
  };
}

/** Opcodes decoded ahead of time and run inside a block (not ending it). */
export const STRAIGHT = new Uint8Array(512);
/** Predecoded opcodes that end the block (near control transfers, REP string ops are decided per instruction). */
export const BRANCH = new Uint8Array(512);
{
  const add = (t: Uint8Array, a: number, b = a): void => {
    for (let i = a; i <= b; i++) t[i] = 1;
  };
  for (let o = 0; o < 0x40; o++) if ((o & 7) < 6) STRAIGHT[o] = 1;
  add(STRAIGHT, 0x27); add(STRAIGHT, 0x2f); add(STRAIGHT, 0x37); add(STRAIGHT, 0x3f);
  add(STRAIGHT, 0x40, 0x5f);
  add(STRAIGHT, 0x60, 0x62);
  add(STRAIGHT, 0x68, 0x6b);
  add(STRAIGHT, 0x80, 0x8d);
  add(STRAIGHT, 0x8f, 0x99);
  add(STRAIGHT, 0x9e, 0x9f);
  add(STRAIGHT, 0xa0, 0xaf);
  add(STRAIGHT, 0xb0, 0xbf);
  add(STRAIGHT, 0xc0, 0xc1);
  add(STRAIGHT, 0xc6, 0xc7);
  add(STRAIGHT, 0xc9);
  add(STRAIGHT, 0xd0, 0xd7);
  add(STRAIGHT, 0xf5, 0xf9);
  add(STRAIGHT, 0xfc, 0xfe);
  add(STRAIGHT, 0x118, 0x11f);
  add(STRAIGHT, 0x140, 0x14f);
  add(STRAIGHT, 0x190, 0x19f);
  for (const o of [0x1a3, 0x1a4, 0x1a5, 0x1ab, 0x1ac, 0x1ad, 0x1af, 0x1b0, 0x1b1, 0x1b3, 0x1b6, 0x1b7, 0x1ba, 0x1bb, 0x1bc, 0x1bd, 0x1be, 0x1bf, 0x1c0, 0x1c1]) STRAIGHT[o] = 1;
  add(STRAIGHT, 0x1c8, 0x1cf);
  // RDTSC: Linux reads it all the time (sched_clock, the tsc clocksource); no side effects
  add(STRAIGHT, 0x131);
  // x87 and MMX/SSE: the unit's semantics on the predecoded ModRM operand; the forms whose
  // unit fetches an immediate itself (0F 70-73, C2, C4-C6) stay runtime instructions
  add(STRAIGHT, 0x9b);
  add(STRAIGHT, 0xd8, 0xdf);
  add(STRAIGHT, 0x110, 0x117);
  add(STRAIGHT, 0x128, 0x12f);
  add(STRAIGHT, 0x150, 0x16f);
  add(STRAIGHT, 0x174, 0x17f);
  add(STRAIGHT, 0x1ae);
  add(STRAIGHT, 0x1c3);
  add(STRAIGHT, 0x1d0, 0x1fe);
  add(BRANCH, 0x70, 0x7f);
  add(BRANCH, 0x180, 0x18f);
  add(BRANCH, 0xe0, 0xe3);
  add(BRANCH, 0xe8, 0xe9);
  add(BRANCH, 0xeb);
  add(BRANCH, 0xc2, 0xc3);
  add(BRANCH, 0xff); // only /2 and /4 (indirect near call/jump); other /r are straight
}

/** Prefix bytes. */
const PREFIX = new Uint8Array(256);
for (const p of [0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3]) PREFIX[p] = 1;

/** The string instructions (REP makes them end the block: they may re-run themselves). */
export function isString(op: number): boolean {
  return (op >= 0xa4 && op <= 0xa7) || (op >= 0xaa && op <= 0xaf) || (op >= 0x6c && op <= 0x6f);
}

/**
 * Whether `i` ends its block (a branch, a REP string instruction, or any
 * instruction left to the interpreter).
 */
export function endsBlock(i: Insn): boolean {
  if (i.runtime) return true;
  const op = i.opcode;
  if (op === 0xff) {
    const r = (i.modrm >> 3) & 7;
    return r !== 0 && r !== 1 && r !== 6;
  }
  if (BRANCH[op] !== 0) return true;
  return i.rep !== 0 && isString(op);
}

/**
 * Decode the instruction at page offset `off` of the page whose bytes start at
 * `ram[host]`, at EIP `eip`, for a code segment of default size `csD` and
 * limit `limit`. Returns null when the instruction does not fit in the page,
 * the CS limit or the 16-bit IP space (the interpreter handles those). A
 * non-predecodable instruction comes back with `runtime` set.
 */
export function decodeInsn(ram: Uint8Array, host: number, off: number, eip: number, csD: number, limit: number): Insn | null {
  const ins = blank(eip);
  let p = off;
  let ok = true;
  const byte = (): number => {
    if (p >= 4096) {
      ok = false;
      return 0;
    }
    return ram[host + p++]!;
  };
  const w16 = (): number => byte() | (byte() << 8);
  const w32 = (): number => byte() | (byte() << 8) | (byte() << 16) | (byte() << 24);
  let os = csD;
  let as = csD;
  let b = byte();
  let n = 0;
  while (ok && PREFIX[b] !== 0) {
    switch (b) {
      case 0x26: ins.segOvr = 0; break;
      case 0x2e: ins.segOvr = 1; break;
      case 0x36: ins.segOvr = 2; break;
      case 0x3e: ins.segOvr = 3; break;
      case 0x64: ins.segOvr = 4; break;
      case 0x65: ins.segOvr = 5; break;
      case 0x66: os = csD ^ 1; ins.simdPrefix = 0x66; break;
      case 0x67: as = csD ^ 1; break;
      case 0xf0: ins.lockPfx = 1; break;
      case 0xf2: ins.rep = 0xf2; ins.simdPrefix = 0xf2; break;
      default: ins.rep = 0xf3; ins.simdPrefix = 0xf3; break;
    }
    if (++n > 14) return ins; // #GP at run time
    b = byte();
  }
  if (b === 0x0f) b = 0x100 | byte();
  if (!ok) return null;
  ins.os32 = os;
  ins.as32 = as;
  ins.opcode = b;
  if (STRAIGHT[b] === 0 && BRANCH[b] === 0) return ins;
  const attr = DECODE[b]!;
  ins.eaSeg = ins.segOvr >= 0 ? ins.segOvr : 3;
  if ((attr & D_MODRM) !== 0) {
    const m = byte();
    if ((attr & D_MODRM_REG) !== 0) ins.modrm = m | 0xc0;
    else {
      ins.modrm = m;
      if (m < 0xc0) {
        const mod = m >> 6;
        const rm = m & 7;
        let seg = 3;
        if (as === 0) {
          switch (rm) {
            case 0: ins.ea16a = 3; ins.ea16b = 6; break;
            case 1: ins.ea16a = 3; ins.ea16b = 7; break;
            case 2: ins.ea16a = 5; ins.ea16b = 6; seg = 2; break;
            case 3: ins.ea16a = 5; ins.ea16b = 7; seg = 2; break;
            case 4: ins.ea16a = 6; break;
            case 5: ins.ea16a = 7; break;
            case 6:
              if (mod === 0) ins.disp = w16();
              else {
                ins.ea16a = 5;
                seg = 2;
              }
              break;
            default: ins.ea16a = 3; break;
          }
          if (mod === 1) ins.disp += (byte() << 24) >> 24;
          else if (mod === 2) ins.disp += w16();
        } else {
          if (rm === 4) {
            const sib = byte();
            const base = sib & 7;
            const idx = (sib >> 3) & 7;
            if (base === 5 && mod === 0) ins.disp = w32();
            else {
              ins.base = base;
              if (base === 4 || base === 5) seg = 2;
              if (base === 4) ins.eaUsesEsp = 1;
            }
            if (idx !== 4) {
              ins.index = idx;
              ins.scale = sib >> 6;
            }
          } else if (rm === 5 && mod === 0) ins.disp = w32();
          else {
            ins.base = rm;
            if (rm === 5) seg = 2;
          }
          if (mod === 1) ins.disp = (ins.disp + ((byte() << 24) >> 24)) | 0;
          else if (mod === 2) ins.disp = (ins.disp + w32()) | 0;
        }
        ins.eaSeg = ins.segOvr >= 0 ? ins.segOvr : seg;
      }
    }
  }
  if (!ok) return null;
  if (ins.lockPfx !== 0 && !lockAllowed(b, ins.modrm)) {
    ins.modrm = -1;
    ins.base = ins.index = ins.ea16a = ins.ea16b = -1;
    return ins; // #UD at run time
  }
  switch (attr & D_IMM_MASK) {
    case 0: break;
    case D_IB: ins.imm = byte(); break;
    case D_IW: ins.imm = w16(); break;
    case D_IV: ins.imm = os !== 0 ? w32() : w16(); break;
    case D_IVW: ins.imm = w16(); break;
    case D_ENTER: ins.imm = w16(); ins.imm2 = byte(); break;
    case D_FAR: ins.imm = os !== 0 ? w32() : w16(); ins.imm2 = w16(); break;
    case D_MOFFS: ins.moffs = as !== 0 ? w32() : w16(); break;
    case D_GRP3:
      if ((ins.modrm & 0x30) === 0) ins.imm = b === 0xf6 ? byte() : os !== 0 ? w32() : w16();
      break;
  }
  if (!ok) return null;
  const len = p - off;
  if (len > 15) {
    const r = blank(eip);
    return r; // #GP at run time
  }
  // the whole instruction must lie inside CS (else the interpreter raises #GP)
  if ((eip >>> 0) + len - 1 > limit >>> 0) return null;
  let next = (eip + len) | 0;
  if (csD === 0) {
    if (next > 0xffff) return null; // IP wraps inside or right after: leave it to the interpreter
    next &= 0xffff;
  }
  ins.next = next;
  ins.runtime = false;
  // 0xFF /3 /5 (far call/jump) and /7 are not near: run them in the interpreter
  if (b === 0xff) {
    const r = (ins.modrm >> 3) & 7;
    if (r === 3 || r === 5 || r === 7) {
      const x = blank(eip);
      return x;
    }
  }
  return ins;
}
