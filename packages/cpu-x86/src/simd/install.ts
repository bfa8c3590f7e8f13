/**
 * The MMX, SSE and SSE2 instruction handlers for the `0F` map, registered
 * with a {@link FloatingPointUnit} by {@link installSimd}. Decoding rules
 * follow SDM vol. 2: the mandatory prefix (none, 66, F3, F2) selects the
 * form; MMX forms work on the x87-aliased MMX registers (every MMX
 * instruction sets TOP = 0 and all tags valid); 128-bit memory operands of
 * packed instructions must be 16-byte aligned (#GP(0)) except the explicitly
 * unaligned moves.
 *
 * @module
 */

import type { Cpu } from '../cpu.js';
import type { FloatingPointUnit, SimdHandler } from '../fpu/floating-point-unit.js';
import { simdExceptionVector } from '../fpu/floating-point-unit.js';
import { D, S, T, getMmx, getXmm, loadMem, mmxSrc, regOf, setMmx, setXmm, storeMem, xmmSrc } from './lanes.js';
import type { Lanes } from './lanes.js';
import * as I from './integer-ops.js';
import type { PackedOp } from './integer-ops.js';
import { begin, compare, double, doubleSqrt, doubleToSingle, intToSingle, raised, single, singleToDouble, singleUnary, snan32, snan64, toInt32 } from './float-ops.js';

const NONE = 0;
const P66 = 0x66;
const PF3 = 0xf3;
const PF2 = 0xf2;

/**
 * Record the instruction's MXCSR flags and raise #XM (#UD without
 * CR4.OSXMMEXCPT) for an unmasked one, before the destination is written
 * (SDM vol. 1, 11.5.1). An unmasked pre-computation exception (IE, DE, ZE)
 * in any lane suppresses the post-computation flags (OE, UE, PE).
 */
function commitFlags(cpu: Cpu, unit: FloatingPointUnit): void {
  const f = raised;
  if (f === 0) return;
  const unmasked = ~(unit.mxcsr >> 7) & 0x3f;
  const pre = f & 7;
  if ((pre & unmasked) !== 0) {
    unit.mxcsr |= pre;
    cpu.raise(simdExceptionVector(cpu));
    return;
  }
  unit.mxcsr |= f;
  if ((f & unmasked) !== 0) cpu.raise(simdExceptionVector(cpu));
}

/** A packed-integer instruction in MMX (no prefix) and SSE2 (66) forms. */
function packed(op: PackedOp, mmx = true): SimdHandler {
  return (cpu, unit) => {
    const r = regOf(cpu);
    if (cpu.simdPrefix === NONE && mmx) {
      getMmx(unit, r, D);
      mmxSrc(cpu, unit, S);
      op(D, S, 2);
      setMmx(unit, r, D);
      return true;
    }
    if (cpu.simdPrefix === P66) {
      getXmm(unit, r, D);
      xmmSrc(cpu, unit, S);
      op(D, S, 4);
      setXmm(unit, r, D);
      return true;
    }
    return false;
  };
}

/** 0F 71/72/73: shifts by an immediate (register forms only). */
function shiftImm(bits: number): SimdHandler {
  return (cpu, unit) => {
    if (cpu.modrm < 0xc0) return false;
    const kind = regOf(cpu);
    const imm = cpu.fetch8();
    const rm = cpu.modrm & 7;
    const xmm = cpu.simdPrefix === P66;
    if (!xmm && cpu.simdPrefix !== NONE) return false;
    if (xmm) getXmm(unit, rm, D);
    else getMmx(unit, rm, D);
    const n = xmm ? 4 : 2;
    if (kind === 2) I.shiftLanes(D, n, bits, 0, imm);
    else if (kind === 4 && bits !== 64) I.shiftLanes(D, n, bits, 1, imm);
    else if (kind === 6) I.shiftLanes(D, n, bits, 2, imm);
    else if (bits === 64 && xmm && (kind === 3 || kind === 7)) byteShift(D, kind === 3, imm);
    else return false;
    if (xmm) setXmm(unit, rm, D);
    else setMmx(unit, rm, D);
    return true;
  };
}

/** PSRLDQ/PSLLDQ: whole-register byte shifts. */
function byteShift(l: Lanes, right: boolean, n: number): void {
  const c = n > 16 ? 16 : n;
  for (let i = 0; i < 16; i++) {
    const src = right ? i + c : i - c;
    T.u8[i] = src >= 0 && src < 16 ? l.u8[src]! : 0;
  }
  for (let i = 0; i < 4; i++) l.i32[i] = T.i32[i]!;
}

/** 0F 58-5F arithmetic (and 51-53 unary) in PS/PD/SS/SD forms. */
function floatArith(op: number): SimdHandler {
  return (cpu, unit) => {
    const r = regOf(cpu);
    const p = cpu.simdPrefix;
    const dbl = p === P66 || p === PF2;
    const scalar = p === PF3 || p === PF2;
    if (dbl && !sse2(unit)) return false;
    begin(unit.mxcsr);
    getXmm(unit, r, D);
    if (scalar) {
      if (cpu.modrm >= 0xc0) getXmm(unit, cpu.modrm & 7, S);
      else loadMem(cpu, S, dbl ? 2 : 1, 1);
    } else xmmSrc(cpu, unit, S);
    for (let i = 0; i < 4; i++) T.i32[i] = D.i32[i]!;
    const lanes = scalar ? 1 : dbl ? 2 : 4;
    for (let i = 0; i < lanes; i++) {
      if (op === 0x51) {
        if (dbl) doubleSqrt(T, S, i);
        else singleUnary(1, T, S, i);
      } else if (op === 0x52 || op === 0x53) {
        if (dbl) return false; // RSQRT/RCP have no double forms
        singleUnary(op - 0x50, T, S, i);
      } else if (dbl) double(op - 0x58, T, D, S, i);
      else single(op - 0x58, T, D, S, i);
    }
    commitFlags(cpu, unit);
    setXmm(unit, r, T);
    return true;
  };
}

function sse2(unit: FloatingPointUnit): boolean {
  return (unit.cpuidEdx & (1 << 26)) !== 0;
}

/** 0F 54-57: ANDPS/ANDNPS/ORPS/XORPS and the PD forms. */
function floatLogic(kind: number): SimdHandler {
  const op = kind === 0 ? I.pand : kind === 1 ? I.pandn : kind === 2 ? I.por : I.pxor;
  return (cpu, unit) => {
    if (cpu.simdPrefix !== NONE && cpu.simdPrefix !== P66) return false;
    const r = regOf(cpu);
    getXmm(unit, r, D);
    xmmSrc(cpu, unit, S);
    op(D, S, 4);
    setXmm(unit, r, D);
    return true;
  };
}

/** Store the XMM destination of a move, or write memory. */
function xmmStore(cpu: Cpu, unit: FloatingPointUnit, l: Lanes, dwords: number, align: number): void {
  if (cpu.modrm >= 0xc0) setXmm(unit, cpu.modrm & 7, l);
  else storeMem(cpu, l, dwords, align);
}

const handlers: Record<number, SimdHandler> = {};

// ---------------------------------------------------------------- moves
handlers[0x10] = (cpu, unit) => {
  const p = cpu.simdPrefix;
  const r = regOf(cpu);
  if (p === NONE || p === P66) {
    xmmSrc(cpu, unit, S, 1);
    setXmm(unit, r, S);
    return true;
  }
  const dw = p === PF2 ? 2 : 1;
  if (cpu.modrm >= 0xc0) {
    // register form merges only the low element
    getXmm(unit, r, D);
    getXmm(unit, cpu.modrm & 7, S);
    for (let i = 0; i < dw; i++) D.i32[i] = S.i32[i]!;
    setXmm(unit, r, D);
  } else {
    S.i32.fill(0);
    loadMem(cpu, S, dw, 1);
    setXmm(unit, r, S);
  }
  return true;
};
handlers[0x11] = (cpu, unit) => {
  const p = cpu.simdPrefix;
  const r = regOf(cpu);
  getXmm(unit, r, S);
  if (p === NONE || p === P66) {
    xmmStore(cpu, unit, S, 4, 1);
    return true;
  }
  const dw = p === PF2 ? 2 : 1;
  if (cpu.modrm >= 0xc0) {
    getXmm(unit, cpu.modrm & 7, D);
    for (let i = 0; i < dw; i++) D.i32[i] = S.i32[i]!;
    setXmm(unit, cpu.modrm & 7, D);
  } else storeMem(cpu, S, dw, 1);
  return true;
};
// MOVLPS/MOVLPD load, MOVHLPS
handlers[0x12] = (cpu, unit) => {
  const p = cpu.simdPrefix;
  if (p !== NONE && p !== P66) return false;
  const r = regOf(cpu);
  getXmm(unit, r, D);
  if (cpu.modrm >= 0xc0) {
    if (p !== NONE) return false;
    getXmm(unit, cpu.modrm & 7, S);
    D.i32[0] = S.i32[2]!;
    D.i32[1] = S.i32[3]!;
  } else {
    loadMem(cpu, S, 2, 1);
    D.i32[0] = S.i32[0]!;
    D.i32[1] = S.i32[1]!;
  }
  setXmm(unit, r, D);
  return true;
};
handlers[0x13] = (cpu, unit) => {
  if ((cpu.simdPrefix !== NONE && cpu.simdPrefix !== P66) || cpu.modrm >= 0xc0) return false;
  getXmm(unit, regOf(cpu), S);
  storeMem(cpu, S, 2, 1);
  return true;
};
// MOVHPS/MOVHPD load, MOVLHPS
handlers[0x16] = (cpu, unit) => {
  const p = cpu.simdPrefix;
  if (p !== NONE && p !== P66) return false;
  const r = regOf(cpu);
  getXmm(unit, r, D);
  if (cpu.modrm >= 0xc0) {
    if (p !== NONE) return false;
    getXmm(unit, cpu.modrm & 7, S);
  } else loadMem(cpu, S, 2, 1);
  D.i32[2] = S.i32[0]!;
  D.i32[3] = S.i32[1]!;
  setXmm(unit, r, D);
  return true;
};
handlers[0x17] = (cpu, unit) => {
  if ((cpu.simdPrefix !== NONE && cpu.simdPrefix !== P66) || cpu.modrm >= 0xc0) return false;
  getXmm(unit, regOf(cpu), S);
  S.i32[0] = S.i32[2]!;
  S.i32[1] = S.i32[3]!;
  storeMem(cpu, S, 2, 1);
  return true;
};
// UNPCKLPS/UNPCKHPS/UNPCKLPD/UNPCKHPD
handlers[0x14] = handlers[0x15] = (cpu, unit) => {
  const p = cpu.simdPrefix;
  if (p !== NONE && p !== P66) return false;
  const r = regOf(cpu);
  getXmm(unit, r, D);
  xmmSrc(cpu, unit, S);
  const high = (cpu.opcode & 0xff) === 0x15;
  if (p === NONE) (high ? I.punpckhdq : I.punpckldq)(D, S, 4);
  else (high ? I.punpckhqdq : I.punpcklqdq)(D, S, 4);
  setXmm(unit, r, D);
  return true;
};
// prefetch hints and hint NOPs: the operand is not even checked
handlers[0x18] = () => true;
// MOVAPS/MOVAPD
handlers[0x28] = (cpu, unit) => {
  if (cpu.simdPrefix !== NONE && cpu.simdPrefix !== P66) return false;
  xmmSrc(cpu, unit, S);
  setXmm(unit, regOf(cpu), S);
  return true;
};
handlers[0x29] = (cpu, unit) => {
  if (cpu.simdPrefix !== NONE && cpu.simdPrefix !== P66) return false;
  getXmm(unit, regOf(cpu), S);
  xmmStore(cpu, unit, S, 4, 16);
  return true;
};
// MOVNTPS/MOVNTPD
handlers[0x2b] = (cpu, unit) => {
  if ((cpu.simdPrefix !== NONE && cpu.simdPrefix !== P66) || cpu.modrm >= 0xc0) return false;
  getXmm(unit, regOf(cpu), S);
  storeMem(cpu, S, 4, 16);
  return true;
};
// MOVMSKPS/MOVMSKPD
handlers[0x50] = (cpu, unit) => {
  if (cpu.modrm < 0xc0) return false;
  getXmm(unit, cpu.modrm & 7, S);
  let m = 0;
  if (cpu.simdPrefix === NONE) for (let i = 0; i < 4; i++) m |= (S.u32[i]! >>> 31) << i;
  else if (cpu.simdPrefix === P66) m = (S.u32[1]! >>> 31) | ((S.u32[3]! >>> 31) << 1);
  else return false;
  cpu.reg32[regOf(cpu)] = m;
  return true;
};
for (let op = 0x51; op <= 0x53; op++) handlers[op] = floatArith(op);
for (let k = 0; k < 4; k++) handlers[0x54 + k] = floatLogic(k);
for (const op of [0x58, 0x59, 0x5c, 0x5d, 0x5e, 0x5f]) handlers[op] = floatArith(op);

// ----------------------------------------------------------- conversions
function rc(unit: FloatingPointUnit): number {
  return (unit.mxcsr >> 13) & 3;
}
/** Source of a conversion: XMM reg or `dw` dwords of memory. */
function convSrc(cpu: Cpu, unit: FloatingPointUnit, dw: number, align: number): void {
  if (cpu.modrm >= 0xc0) getXmm(unit, cpu.modrm & 7, S);
  else loadMem(cpu, S, dw, align);
}
// CVTPI2PS / CVTSI2SS / CVTPI2PD / CVTSI2SD
handlers[0x2a] = (cpu, unit) => {
  const p = cpu.simdPrefix;
  const r = regOf(cpu);
  getXmm(unit, r, D);
  begin(unit.mxcsr);
  if (p === NONE || p === P66) {
    mmxSrc(cpu, unit, S);
    if (cpu.modrm >= 0xc0) unit.fpu.mmxEnter();
    if (p === NONE) {
      D.f32[0] = intToSingle(S.i32[0]!);
      D.f32[1] = intToSingle(S.i32[1]!);
    } else {
      const a = S.i32[0]!;
      const b = S.i32[1]!;
      D.f64[0] = a;
      D.f64[1] = b;
    }
  } else {
    const v = cpu.modrm >= 0xc0 ? cpu.reg32[cpu.modrm & 7]! : cpu.read32(cpu.eaSeg, cpu.eaOff);
    if (p === PF3) D.f32[0] = intToSingle(v);
    else D.f64[0] = v;
  }
  commitFlags(cpu, unit);
  setXmm(unit, r, D);
  return true;
};
// CVTTPS2PI / CVTTSS2SI / CVTTPD2PI / CVTTSD2SI (2C) and the rounding forms (2D)
handlers[0x2c] = handlers[0x2d] = (cpu, unit) => {
  const p = cpu.simdPrefix;
  const trunc = (cpu.opcode & 0xff) === 0x2c;
  const r = regOf(cpu);
  begin(unit.mxcsr);
  if (p === NONE || p === P66) {
    convSrc(cpu, unit, p === NONE ? 2 : 4, p === NONE ? 1 : 16);
    if (p === NONE) {
      D.i32[0] = toInt32(S.f32[0]!, rc(unit), trunc);
      D.i32[1] = toInt32(S.f32[1]!, rc(unit), trunc);
    } else {
      D.i32[0] = toInt32(S.f64[0]!, rc(unit), trunc);
      D.i32[1] = toInt32(S.f64[1]!, rc(unit), trunc);
    }
    commitFlags(cpu, unit);
    setMmx(unit, r, D);
    return true;
  }
  convSrc(cpu, unit, p === PF3 ? 1 : 2, 1);
  const v = toInt32(p === PF3 ? S.f32[0]! : S.f64[0]!, rc(unit), trunc);
  commitFlags(cpu, unit);
  cpu.reg32[r] = v;
  return true;
};
// UCOMISS/COMISS/UCOMISD/COMISD
handlers[0x2e] = handlers[0x2f] = (cpu, unit) => {
  const p = cpu.simdPrefix;
  if (p !== NONE && p !== P66) return false;
  const signalQuiet = (cpu.opcode & 0xff) === 0x2f;
  getXmm(unit, regOf(cpu), D);
  convSrc(cpu, unit, p === NONE ? 1 : 2, 1);
  begin(unit.mxcsr);
  const a = p === NONE ? D.f32[0]! : D.f64[0]!;
  const b = p === NONE ? S.f32[0]! : S.f64[0]!;
  const snan = p === NONE ? snan32(D.i32[0]!) || snan32(S.i32[0]!) : snan64(D.i32[1]!, D.i32[0]!) || snan64(S.i32[1]!, S.i32[0]!);
  let f: number;
  if (a !== a || b !== b) {
    f = 0x45;
    compare(3, a, b, snan || signalQuiet, p === NONE);
  } else {
    compare(0, a, b, false, p === NONE); // DE for a denormal operand
    f = a > b ? 0 : a < b ? 1 : 0x40;
  }
  commitFlags(cpu, unit);
  cpu.setArith(0x8d5, f);
  return true;
};
// CVTPS2PD / CVTPD2PS / CVTSS2SD / CVTSD2SS
handlers[0x5a] = (cpu, unit) => {
  const p = cpu.simdPrefix;
  if (!sse2(unit)) return false;
  const r = regOf(cpu);
  getXmm(unit, r, D);
  begin(unit.mxcsr);
  switch (p) {
    case NONE:
      convSrc(cpu, unit, 2, 1);
      singleToDouble(T, 0, S, 0);
      singleToDouble(T, 1, S, 1);
      break;
    case P66:
      convSrc(cpu, unit, 4, 16);
      doubleToSingle(T, 0, S, 0);
      doubleToSingle(T, 1, S, 1);
      T.i32[2] = T.i32[3] = 0;
      break;
    case PF3:
      convSrc(cpu, unit, 1, 1);
      T.i32.set(D.i32);
      singleToDouble(T, 0, S, 0);
      break;
    default:
      convSrc(cpu, unit, 2, 1);
      T.i32.set(D.i32);
      doubleToSingle(T, 0, S, 0);
  }
  commitFlags(cpu, unit);
  setXmm(unit, r, T);
  return true;
};
// CVTDQ2PS / CVTPS2DQ / CVTTPS2DQ
handlers[0x5b] = (cpu, unit) => {
  const p = cpu.simdPrefix;
  if (!sse2(unit) || p === PF2) return false;
  const r = regOf(cpu);
  xmmSrc(cpu, unit, S);
  begin(unit.mxcsr);
  for (let i = 0; i < 4; i++) {
    if (p === NONE) T.f32[i] = intToSingle(S.i32[i]!);
    else T.i32[i] = toInt32(S.f32[i]!, rc(unit), p === PF3);
  }
  commitFlags(cpu, unit);
  setXmm(unit, r, T);
  return true;
};
// CVTTPD2DQ (66) / CVTPD2DQ (F2) / CVTDQ2PD (F3)
handlers[0xe6] = (cpu, unit) => {
  const p = cpu.simdPrefix;
  if (!sse2(unit) || p === NONE) return false;
  const r = regOf(cpu);
  begin(unit.mxcsr);
  if (p === PF3) {
    convSrc(cpu, unit, 2, 1);
    const a = S.i32[0]!;
    const b = S.i32[1]!;
    T.f64[0] = a;
    T.f64[1] = b;
  } else {
    xmmSrc(cpu, unit, S);
    T.i32[0] = toInt32(S.f64[0]!, rc(unit), p === P66);
    T.i32[1] = toInt32(S.f64[1]!, rc(unit), p === P66);
    T.i32[2] = T.i32[3] = 0;
  }
  commitFlags(cpu, unit);
  setXmm(unit, r, T);
  return true;
};

// ------------------------------------------------- compare, shuffle, misc
handlers[0xc2] = (cpu, unit) => {
  const p = cpu.simdPrefix;
  const dbl = p === P66 || p === PF2;
  const scalar = p === PF3 || p === PF2;
  if (dbl && !sse2(unit)) return false;
  const r = regOf(cpu);
  getXmm(unit, r, D);
  if (scalar) convSrc(cpu, unit, dbl ? 2 : 1, 1);
  else xmmSrc(cpu, unit, S);
  const pred = cpu.fetch8() & 7;
  begin(unit.mxcsr);
  T.i32.set(D.i32);
  const lanes = scalar ? 1 : dbl ? 2 : 4;
  for (let i = 0; i < lanes; i++) {
    if (dbl) {
      const m = compare(pred, D.f64[i]!, S.f64[i]!, snan64(D.i32[2 * i + 1]!, D.i32[2 * i]!) || snan64(S.i32[2 * i + 1]!, S.i32[2 * i]!), false) ? -1 : 0;
      T.i32[2 * i] = T.i32[2 * i + 1] = m;
    } else T.i32[i] = compare(pred, D.f32[i]!, S.f32[i]!, snan32(D.i32[i]!) || snan32(S.i32[i]!), true) ? -1 : 0;
  }
  commitFlags(cpu, unit);
  setXmm(unit, r, T);
  return true;
};
// SHUFPS / SHUFPD
handlers[0xc6] = (cpu, unit) => {
  const p = cpu.simdPrefix;
  if (p !== NONE && !(p === P66 && sse2(unit))) return false;
  const r = regOf(cpu);
  getXmm(unit, r, D);
  xmmSrc(cpu, unit, S);
  const imm = cpu.fetch8();
  if (p === NONE) {
    T.i32[0] = D.i32[imm & 3]!;
    T.i32[1] = D.i32[(imm >> 2) & 3]!;
    T.i32[2] = S.i32[(imm >> 4) & 3]!;
    T.i32[3] = S.i32[(imm >> 6) & 3]!;
  } else {
    const a = (imm & 1) * 2;
    const b = ((imm >> 1) & 1) * 2;
    T.i32[0] = D.i32[a]!;
    T.i32[1] = D.i32[a + 1]!;
    T.i32[2] = S.i32[b]!;
    T.i32[3] = S.i32[b + 1]!;
  }
  setXmm(unit, r, T);
  return true;
};
// MOVNTI m32, r32 (SSE2)
handlers[0xc3] = (cpu, unit) => {
  if (cpu.modrm >= 0xc0 || cpu.simdPrefix !== NONE || !sse2(unit)) return false;
  cpu.write32(cpu.eaSeg, cpu.eaOff, cpu.reg32[regOf(cpu)]!);
  return true;
};

// ----------------------------------------------------- integer (MMX/SSE2)
const intOps: [number, PackedOp, boolean?][] = [
  [0x60, I.punpcklbw], [0x61, I.punpcklwd], [0x62, I.punpckldq], [0x63, I.packsswb],
  [0x64, I.pcmpgtb], [0x65, I.pcmpgtw], [0x66, I.pcmpgtd], [0x67, I.packuswb],
  [0x68, I.punpckhbw], [0x69, I.punpckhwd], [0x6a, I.punpckhdq], [0x6b, I.packssdw],
  [0x6c, I.punpcklqdq, false], [0x6d, I.punpckhqdq, false],
  [0x74, I.pcmpeqb], [0x75, I.pcmpeqw], [0x76, I.pcmpeqd],
  [0xd1, I.psrlw], [0xd2, I.psrld], [0xd3, I.psrlq], [0xd4, I.paddq], [0xd5, I.pmullw],
  [0xd8, I.psubusb], [0xd9, I.psubusw], [0xda, I.pminub], [0xdb, I.pand],
  [0xdc, I.paddusb], [0xdd, I.paddusw], [0xde, I.pmaxub], [0xdf, I.pandn],
  [0xe0, I.pavgb], [0xe1, I.psraw], [0xe2, I.psrad], [0xe3, I.pavgw], [0xe4, I.pmulhuw], [0xe5, I.pmulhw],
  [0xe8, I.psubsb], [0xe9, I.psubsw], [0xea, I.pminsw], [0xeb, I.por],
  [0xec, I.paddsb], [0xed, I.paddsw], [0xee, I.pmaxsw], [0xef, I.pxor],
  [0xf1, I.psllw], [0xf2, I.pslld], [0xf3, I.psllq], [0xf4, I.pmuludq], [0xf5, I.pmaddwd], [0xf6, I.psadbw],
  [0xf8, I.psubb], [0xf9, I.psubw], [0xfa, I.psubd], [0xfb, I.psubq],
  [0xfc, I.paddb], [0xfd, I.paddw], [0xfe, I.paddd],
];
for (const [op, fn, mmx] of intOps) handlers[op] = packed(fn, mmx ?? true);
handlers[0x71] = shiftImm(16);
handlers[0x72] = shiftImm(32);
handlers[0x73] = shiftImm(64);

// MOVD/MOVQ to and from the MMX/XMM registers
handlers[0x6e] = (cpu, unit) => {
  const v = cpu.modrm >= 0xc0 ? cpu.reg32[cpu.modrm & 7]! : cpu.read32(cpu.eaSeg, cpu.eaOff);
  D.i32.fill(0);
  D.i32[0] = v;
  if (cpu.simdPrefix === NONE) setMmx(unit, regOf(cpu), D);
  else if (cpu.simdPrefix === P66) setXmm(unit, regOf(cpu), D);
  else return false;
  return true;
};
handlers[0x7e] = (cpu, unit) => {
  const p = cpu.simdPrefix;
  if (p === PF3) {
    // MOVQ xmm, xmm/m64 (zero-extends)
    convSrc(cpu, unit, 2, 1);
    D.i32[0] = S.i32[0]!;
    D.i32[1] = S.i32[1]!;
    D.i32[2] = D.i32[3] = 0;
    setXmm(unit, regOf(cpu), D);
    return true;
  }
  let v: number;
  if (p === NONE) {
    v = unit.fpu.mmxLo(regOf(cpu));
    unit.fpu.mmxEnter();
  } else if (p === P66) v = unit.xmm[regOf(cpu) << 2]!;
  else return false;
  if (cpu.modrm >= 0xc0) cpu.reg32[cpu.modrm & 7] = v;
  else cpu.write32(cpu.eaSeg, cpu.eaOff, v);
  return true;
};
handlers[0x6f] = (cpu, unit) => {
  const p = cpu.simdPrefix;
  if (p === NONE) {
    mmxSrc(cpu, unit, S);
    setMmx(unit, regOf(cpu), S);
  } else if (p === P66 || p === PF3) {
    xmmSrc(cpu, unit, S, p === P66 ? 16 : 1);
    setXmm(unit, regOf(cpu), S);
  } else return false;
  return true;
};
handlers[0x7f] = (cpu, unit) => {
  const p = cpu.simdPrefix;
  if (p === NONE) {
    getMmx(unit, regOf(cpu), S);
    if (cpu.modrm >= 0xc0) setMmx(unit, cpu.modrm & 7, S);
    else {
      storeMem(cpu, S, 2, 1);
      unit.fpu.mmxEnter();
    }
  } else if (p === P66 || p === PF3) {
    getXmm(unit, regOf(cpu), S);
    xmmStore(cpu, unit, S, 4, p === P66 ? 16 : 1);
  } else return false;
  return true;
};
// MOVQ xmm/m64, xmm (66) / MOVQ2DQ (F3) / MOVDQ2Q (F2)
handlers[0xd6] = (cpu, unit) => {
  const p = cpu.simdPrefix;
  if (p === P66) {
    getXmm(unit, regOf(cpu), S);
    if (cpu.modrm >= 0xc0) {
      S.i32[2] = S.i32[3] = 0;
      setXmm(unit, cpu.modrm & 7, S);
    } else storeMem(cpu, S, 2, 1);
    return true;
  }
  if (cpu.modrm < 0xc0) return false;
  if (p === PF3) {
    getMmx(unit, cpu.modrm & 7, S);
    S.i32[2] = S.i32[3] = 0;
    setXmm(unit, regOf(cpu), S);
    unit.fpu.mmxEnter();
    return true;
  }
  if (p === PF2) {
    getXmm(unit, cpu.modrm & 7, S);
    setMmx(unit, regOf(cpu), S);
    return true;
  }
  return false;
};
// PSHUFW / PSHUFD / PSHUFHW / PSHUFLW
handlers[0x70] = (cpu, unit) => {
  const p = cpu.simdPrefix;
  const r = regOf(cpu);
  if (p === NONE) mmxSrc(cpu, unit, S);
  else xmmSrc(cpu, unit, S);
  const imm = cpu.fetch8();
  if (p === NONE) {
    for (let i = 0; i < 4; i++) D.u16[i] = S.u16[(imm >> (i * 2)) & 3]!;
    setMmx(unit, r, D);
    return true;
  }
  if (p === P66) for (let i = 0; i < 4; i++) D.i32[i] = S.i32[(imm >> (i * 2)) & 3]!;
  else if (p === PF3) {
    D.i32[0] = S.i32[0]!;
    D.i32[1] = S.i32[1]!;
    for (let i = 0; i < 4; i++) D.u16[4 + i] = S.u16[4 + ((imm >> (i * 2)) & 3)]!;
  } else {
    for (let i = 0; i < 4; i++) D.u16[i] = S.u16[(imm >> (i * 2)) & 3]!;
    D.i32[2] = S.i32[2]!;
    D.i32[3] = S.i32[3]!;
  }
  setXmm(unit, r, D);
  return true;
};
// PINSRW
handlers[0xc4] = (cpu, unit) => {
  const p = cpu.simdPrefix;
  if (p !== NONE && p !== P66) return false;
  const v = cpu.modrm >= 0xc0 ? cpu.reg32[cpu.modrm & 7]! & 0xffff : cpu.read16(cpu.eaSeg, cpu.eaOff);
  const imm = cpu.fetch8();
  const r = regOf(cpu);
  if (p === NONE) {
    getMmx(unit, r, D);
    D.u16[imm & 3] = v;
    setMmx(unit, r, D);
  } else {
    getXmm(unit, r, D);
    D.u16[imm & 7] = v;
    setXmm(unit, r, D);
  }
  return true;
};
// PEXTRW
handlers[0xc5] = (cpu, unit) => {
  const p = cpu.simdPrefix;
  if (cpu.modrm < 0xc0 || (p !== NONE && p !== P66)) return false;
  const imm = cpu.fetch8();
  if (p === NONE) {
    getMmx(unit, cpu.modrm & 7, S);
    unit.fpu.mmxEnter();
    cpu.reg32[regOf(cpu)] = S.u16[imm & 3]!;
  } else {
    getXmm(unit, cpu.modrm & 7, S);
    cpu.reg32[regOf(cpu)] = S.u16[imm & 7]!;
  }
  return true;
};
// PMOVMSKB
handlers[0xd7] = (cpu, unit) => {
  const p = cpu.simdPrefix;
  if (cpu.modrm < 0xc0 || (p !== NONE && p !== P66)) return false;
  const n = p === NONE ? 8 : 16;
  if (p === NONE) {
    getMmx(unit, cpu.modrm & 7, S);
    unit.fpu.mmxEnter();
  } else getXmm(unit, cpu.modrm & 7, S);
  let m = 0;
  for (let i = 0; i < n; i++) m |= (S.u8[i]! >> 7) << i;
  cpu.reg32[regOf(cpu)] = m;
  return true;
};
// MOVNTQ / MOVNTDQ
handlers[0xe7] = (cpu, unit) => {
  if (cpu.modrm >= 0xc0) return false;
  if (cpu.simdPrefix === NONE) {
    getMmx(unit, regOf(cpu), S);
    storeMem(cpu, S, 2, 1);
    unit.fpu.mmxEnter();
  } else if (cpu.simdPrefix === P66) {
    getXmm(unit, regOf(cpu), S);
    storeMem(cpu, S, 4, 16);
  } else return false;
  return true;
};
// MASKMOVQ / MASKMOVDQU: byte stores to DS:(E)DI where the mask's top bit is set
handlers[0xf7] = (cpu, unit) => {
  const p = cpu.simdPrefix;
  if (cpu.modrm < 0xc0 || (p !== NONE && p !== P66)) return false;
  const n = p === NONE ? 8 : 16;
  if (p === NONE) {
    getMmx(unit, regOf(cpu), D);
    getMmx(unit, cpu.modrm & 7, S);
    unit.fpu.mmxEnter();
  } else {
    getXmm(unit, regOf(cpu), D);
    getXmm(unit, cpu.modrm & 7, S);
  }
  const seg = cpu.segOvr >= 0 ? cpu.segOvr : 3;
  const base = cpu.as32 ? cpu.reg32[7]! : cpu.reg32[7]! & 0xffff;
  for (let i = 0; i < n; i++) if (S.u8[i]! & 0x80) cpu.write8(seg, (base + i) | 0, D.u8[i]!);
  return true;
};
// EMMS
handlers[0x77] = (cpu, unit) => {
  if (cpu.simdPrefix !== NONE) return false;
  unit.fpu.emms();
  return true;
};

/** CPUID.1:EDX: MMX (23), SSE (25), SSE2 (26). */
export const SIMD_CPUID_EDX = (1 << 23) | (1 << 25) | (1 << 26);

/** Register the MMX, SSE and SSE2 instructions with `unit` and advertise them in CPUID. */
export function installSimd(unit: FloatingPointUnit): void {
  unit.addSimd(handlers, SIMD_CPUID_EDX);
}
