/**
 * The x87 floating-point unit (SDM vol. 1, ch. 8; instruction pages in vol. 2).
 *
 * Each register has a double view (`st`) and, where the double cannot hold
 * the value, its exact 80-bit pattern (`isRaw`, `rawSe/rawHi/rawLo`). The
 * basic arithmetic, FSQRT, FRNDINT, FSCALE, FXTRACT, FPREM/FPREM1, the
 * compares, FIST, FBSTP/FBLD, FILD m64 and the real stores work on the 80-bit
 * values in software (./ext80.ts) with RC and PC rounding, the exception
 * flags and C1 as the hardware sets them. The transcendentals are still
 * computed with doubles (their NaN operands follow the exact rules). Loads
 * and stores of the 80-bit format are exact, so FSAVE/FXSAVE and MMX aliasing
 * round-trip every bit.
 *
 * @module
 */

import type { Cpu } from '../cpu.js';
import { Cr0, Vec } from '../constants.js';
import {
  doubleBits,
  doubleFromBits,
  doubleTo80,
  float80ToDouble,
  lastLow,
  pow2,
  singleBits,
  singleFromBits,
  type Raw80,
} from './float80.js';
import { add80, classify80, compare80, constant80, div80, ExtClass, fmtHi, fmtLo, fxtract80, int64To80, intHi, intLo, mul80, prem80, premQ, rndint80, roundToFormat, roundToInt, scale80, sqrt80 } from './ext80.js';

/** Status word bits (SDM vol. 1, 8.1.3). */
export const Sw = {
  IE: 0x1, DE: 0x2, ZE: 0x4, OE: 0x8, UE: 0x10, PE: 0x20, SF: 0x40, ES: 0x80,
  C0: 0x100, C1: 0x200, C2: 0x400, TOP: 0x3800, C3: 0x4000, B: 0x8000,
} as const;
const CC = Sw.C0 | Sw.C1 | Sw.C2 | Sw.C3;

/** The constants FLD1..FLDZ load (D9 E8..EE). */
const CONSTANTS = [1, Math.log2(10), Math.LOG2E, Math.PI, Math.log10(2), Math.LN2, 0];

/** Largest magnitude FSIN/FCOS/FPTAN/FSINCOS accept (2^63); beyond it C2 is set and nothing changes. */
const TRIG_LIMIT = 2 ** 63;

const tmp: Raw80 = { se: 0, hi: 0, lo: 0 };
const opA: Raw80 = { se: 0, hi: 0, lo: 0 };
const opB: Raw80 = { se: 0, hi: 0, lo: 0 };
const res80: Raw80 = { se: 0, hi: 0, lo: 0 };

/** x87 register file, control/status/tag words, pointers, and the instructions. */
export class X87 {
  /** Physical registers R0..R7 as doubles. */
  readonly st = new Float64Array(8);
  /** Exact 80-bit pattern of a register when {@link isRaw} is set: sign/exponent. */
  readonly rawSe = new Uint16Array(8);
  /** Exact 80-bit pattern: significand high dword. */
  readonly rawHi = new Int32Array(8);
  /** Exact 80-bit pattern: significand low dword. */
  readonly rawLo = new Int32Array(8);
  /** 1 where the raw pattern is the register's true value (FLD m80, FRSTOR, MMX, NaNs). */
  readonly isRaw = new Uint8Array(8);
  /** Bit i set: physical register i is empty. */
  empty = 0xff;
  /** Top-of-stack pointer. */
  top = 0;
  /** Control word. */
  cw = 0x37f;
  /** Status word without the TOP field. */
  sw = 0;
  /** Last instruction pointer (offset), selector and opcode (11 bits). */
  fip = 0;
  /** Last instruction's CS selector. */
  fcs = 0;
  /** Last opcode: (first byte & 7) << 8 | ModRM. */
  fop = 0;
  /** Last data pointer (offset). */
  fdp = 0;
  /** Last data pointer's segment selector. */
  fds = 0;

  /** Power-on / FNINIT state (FNINIT keeps nothing else). */
  init(): void {
    this.cw = 0x37f;
    this.sw = 0;
    this.top = 0;
    this.empty = 0xff;
    this.fip = this.fcs = this.fop = this.fdp = this.fds = 0;
  }

  /** The full status word, TOP included. */
  status(): number {
    return (this.sw & ~Sw.TOP) | (this.top << 11);
  }

  /** Load the status word (FLDENV, FRSTOR, FXRSTOR). */
  setStatus(v: number): void {
    this.sw = v & 0xffff & ~Sw.TOP;
    this.top = (v >> 11) & 7;
  }

  // ------------------------------------------------------------ registers

  /** Physical register number of ST(i). */
  phys(i: number): number {
    return (this.top + i) & 7;
  }

  /** Value of physical register p (assumed non-empty). */
  private set(p: number, v: number): void {
    this.st[p] = v;
    if (v !== v) {
      // NaNs live in the raw form so their sign and payload are kept.
      doubleTo80(v, tmp);
      this.setRawBits(p, tmp.se, tmp.hi, tmp.lo);
    } else this.isRaw[p] = 0;
    this.empty &= ~(1 << p);
  }

  /** Store an exact 80-bit pattern into physical register p. */
  setRawBits(p: number, se: number, hi: number, lo: number): void {
    this.rawSe[p] = se;
    this.rawHi[p] = hi;
    this.rawLo[p] = lo;
    this.isRaw[p] = 1;
    this.st[p] = float80ToDouble(se, hi, lo);
    this.empty &= ~(1 << p);
  }

  /** The 80-bit pattern of physical register p, into `out`. */
  bits80(p: number, out: Raw80): void {
    if (this.isRaw[p]) {
      out.se = this.rawSe[p]!;
      out.hi = this.rawHi[p]! >>> 0;
      out.lo = this.rawLo[p]! >>> 0;
    } else doubleTo80(this.st[p]!, out);
  }

  /** Store the negative quiet NaN "real indefinite" into physical register p. */
  private setIndefinite(p: number): void {
    this.setRawBits(p, 0xffff, 0xc0000000 | 0, 0);
  }

  /** Tag of physical register p: 0 valid, 1 zero, 2 special, 3 empty (SDM vol. 1, 8.1.7). */
  tag(p: number): number {
    if ((this.empty >> p) & 1) return 3;
    if (this.isRaw[p]) {
      const e = this.rawSe[p]! & 0x7fff;
      const hi = this.rawHi[p]!;
      if (e === 0x7fff) return 2;
      if (e === 0) return (hi | this.rawLo[p]!) === 0 ? 1 : 2;
      return hi < 0 ? 0 : 2; // integer bit clear: unnormal
    }
    const v = this.st[p]!;
    if (v === 0) return 1;
    if (!Number.isFinite(v) || Math.abs(v) < 2 ** -16382) return 2;
    return 0;
  }

  /** The full 16-bit tag word. */
  tagWord(): number {
    let t = 0;
    for (let p = 0; p < 8; p++) t |= this.tag(p) << (p * 2);
    return t;
  }

  /** Load a tag word: only "empty" matters, the rest is recomputed from contents. */
  setTagWord(t: number): void {
    let e = 0;
    for (let p = 0; p < 8; p++) if (((t >> (p * 2)) & 3) === 3) e |= 1 << p;
    this.empty = e;
  }

  // ---------------------------------------------------------------- MMX

  /** Low dword of MMX register i (the significand of physical register i). */
  mmxLo(i: number): number {
    if (this.isRaw[i]) return this.rawLo[i]!;
    this.bits80(i, tmp);
    return tmp.lo | 0;
  }

  /** High dword of MMX register i. */
  mmxHi(i: number): number {
    if (this.isRaw[i]) return this.rawHi[i]!;
    this.bits80(i, tmp);
    return tmp.hi | 0;
  }

  /** Write MMX register i: exponent all ones, TOP = 0, every register valid (SDM vol. 1, 9.5.1). */
  mmxWrite(i: number, lo: number, hi: number): void {
    this.setRawBits(i, 0xffff, hi, lo);
    this.mmxEnter();
  }

  /** The x87 state change every MMX instruction makes: TOP = 0, all tags valid. */
  mmxEnter(): void {
    this.top = 0;
    this.empty = 0;
  }

  /** EMMS: every register empty. */
  emms(): void {
    this.empty = 0xff;
  }

  // ----------------------------------------------------------- exceptions

  /** Record exception flags; returns true when one of them is unmasked (the operation must not complete). */
  private exc(flags: number): boolean {
    this.sw |= flags;
    if ((flags & ~this.cw & 0x3f) !== 0) {
      this.sw |= Sw.ES | Sw.B;
      return (flags & (Sw.IE | Sw.ZE | Sw.DE)) !== 0;
    }
    return false;
  }

  /** Stack overflow/underflow (IE|SF, C1 = overflow). True when unmasked. */
  private stackFault(overflow: boolean): boolean {
    this.sw = (this.sw & ~Sw.C1) | (overflow ? Sw.C1 : 0);
    return this.exc(Sw.IE | Sw.SF);
  }

  /** Check ST(i) is present; on underflow handle it and return false. When masked, `dest` (physical) gets the indefinite. */
  private need(i: number, dest: number): boolean {
    if (((this.empty >> this.phys(i)) & 1) === 0) return true;
    if (!this.stackFault(false) && dest >= 0) this.setIndefinite(dest);
    return false;
  }

  /** Push: returns false on an unmasked overflow. */
  push(v: number): boolean {
    const p = (this.top - 1) & 7;
    if (((this.empty >> p) & 1) === 0) {
      if (this.stackFault(true)) return false;
      this.top = p;
      this.setIndefinite(p);
      return false;
    }
    this.top = p;
    this.set(p, v);
    return true;
  }

  /** Push an exact 80-bit value (see {@link push}). */
  private pushRaw(se: number, hi: number, lo: number): void {
    if (this.push(0)) this.loadRaw(this.top, se, hi, lo);
  }

  /** Pop ST(0) (marks it empty). */
  pop(): void {
    this.empty |= 1 << this.top;
    this.top = (this.top + 1) & 7;
  }

  /** ST(i) as a double. */
  get(i: number): number {
    return this.st[this.phys(i)]!;
  }

  /** Write ST(i) with a computed result (applies precision control, detects invalid results). */
  private result(i: number, v: number, a: number, b: number): void {
    if (v !== v) {
      if (a === a && b === b) {
        // invalid operation: 0/0, inf-inf, 0*inf, sqrt(-x) ...
        if (this.exc(Sw.IE)) return;
        this.setIndefinite(this.phys(i));
        return;
      }
      // NaN operand: propagate it quietly (prefer the first NaN).
      const p = this.phys(i);
      this.set(p, a !== a ? a : b);
      return;
    }
    this.set(this.phys(i), v);
  }

  /** Precision control (PC=single) applies to the basic arithmetic only: add, subtract, multiply, divide, square root (SDM vol. 1, 8.1.5.2). */
  private rounded(v: number): number {
    return (this.cw & 0x300) === 0 ? Math.fround(v) : v;
  }

  /** #MF (CR0.NE=1) or FERR# (CR0.NE=0) for a pending unmasked exception, before a waiting instruction. */
  checkPending(cpu: Cpu, ferr: (() => void) | null): void {
    if ((this.sw & Sw.ES) === 0) return;
    if ((cpu.cr0 & Cr0.NE) !== 0) cpu.raise(Vec.MF);
    if (ferr !== null) ferr();
  }

  // ------------------------------------------------------- memory operands

  /** Set when a load raised an unmasked invalid operation: the instruction must not complete. */
  private aborted = false;
  /** Set when the last m32/m64 real operand was a signaling NaN (quieted on load; the NaN rules still need to know). */
  private memSnan = false;

  /** Read m32real (a signaling NaN raises IE and is quieted). */
  private ldSingle(cpu: Cpu, checkDenormal = true): number {
    const b = cpu.read32(cpu.eaSeg, cpu.eaOff);
    if ((b & 0x7f800000) === 0x7f800000 && (b & 0x7fffff) !== 0 && (b & 0x400000) === 0) {
      if (this.exc(Sw.IE)) this.aborted = true;
      this.memSnan = true;
      return singleFromBits(b | 0x400000);
    }
    // a denormal operand (DE): unmasked, the instruction does not complete (SDM vol. 1, 8.5.2)
    if (checkDenormal && (b & 0x7f800000) === 0 && (b & 0x7fffff) !== 0 && this.exc(Sw.DE)) this.aborted = true;
    return singleFromBits(b);
  }

  /** Read m64real. */
  private ldDouble(cpu: Cpu, checkDenormal = true): number {
    const lo = cpu.read32(cpu.eaSeg, cpu.eaOff);
    const hi = cpu.read32(cpu.eaSeg, (cpu.eaOff + 4) | 0);
    if ((hi & 0x7ff00000) === 0x7ff00000 && ((hi & 0xfffff) | lo) !== 0 && (hi & 0x80000) === 0) {
      if (this.exc(Sw.IE)) this.aborted = true;
      this.memSnan = true;
      return doubleFromBits(hi | 0x80000, lo);
    }
    if (checkDenormal && (hi & 0x7ff00000) === 0 && ((hi & 0xfffff) | lo) !== 0 && this.exc(Sw.DE)) this.aborted = true;
    return doubleFromBits(hi, lo);
  }

  /** Read the memory operand of an arithmetic escape (D8 m32real, DA m32int, DC m64real, DE m16int). */
  private ldArith(cpu: Cpu, esc: number): number {
    this.memSnan = false;
    switch (esc) {
      case 0:
        return this.ldSingle(cpu, false); // DE is decided with the operation (NaN and zero-divide take precedence)
      case 2:
        return cpu.read32(cpu.eaSeg, cpu.eaOff);
      case 4:
        return this.ldDouble(cpu, false);
      default:
        return (cpu.read16(cpu.eaSeg, cpu.eaOff) << 16) >> 16;
    }
  }

  /** Linear address of the memory operand after checking a write of `len` bytes (so multi-part stores never half-complete). */
  private probe(cpu: Cpu, len: number): void {
    cpu.segCheck(cpu.eaSeg, cpu.eaOff, len, true);
    cpu.probeWrite((cpu.segBase[cpu.eaSeg]! + cpu.eaOff) | 0, len);
  }

  /** Store physical register p as m80 at seg:off (probe first). */
  private st80(cpu: Cpu, seg: number, off: number, p: number): void {
    this.bits80(p, tmp);
    cpu.write32(seg, off, tmp.lo);
    cpu.write32(seg, (off + 4) | 0, tmp.hi);
    cpu.write16(seg, (off + 8) | 0, tmp.se);
  }

  /** Load m80 at seg:off into physical register p. */
  private ld80(cpu: Cpu, seg: number, off: number, p: number): void {
    const lo = cpu.read32(seg, off);
    const hi = cpu.read32(seg, (off + 4) | 0);
    const se = cpu.read16(seg, (off + 8) | 0);
    this.loadRaw(p, se, hi, lo);
  }

  /** True when the 80-bit value is exactly a double (so the raw form can be dropped). */
  private exactInDouble(se: number, hi: number, lo: number): boolean {
    const e = se & 0x7fff;
    return (lo & 0x7ff) === 0 && e >= 16383 - 1022 && e <= 16383 + 1023;
  }

  /** Store ST(0) as a double or single with overflow/underflow/precision flags. */
  private stFloat(cpu: Cpu, single: boolean): boolean {
    const p = this.top;
    if ((this.empty >> p) & 1) {
      if (this.stackFault(false)) return false;
      if (single) cpu.write32(cpu.eaSeg, cpu.eaOff, 0xffc00000 | 0);
      else {
        this.probe(cpu, 8);
        cpu.write32(cpu.eaSeg, cpu.eaOff, 0);
        cpu.write32(cpu.eaSeg, (cpu.eaOff + 4) | 0, 0xfff80000 | 0);
      }
      return true;
    }
    const v = this.st[p]!;
    this.bits80(p, tmp);
    if (classify80(tmp.se, tmp.hi, tmp.lo) === ExtClass.UNSUPPORTED) {
      // unsupported formats are invalid operands: the indefinite is stored when IE is masked
      if (this.exc(Sw.IE)) return false;
      if (single) cpu.write32(cpu.eaSeg, cpu.eaOff, 0xffc00000 | 0);
      else {
        this.probe(cpu, 8);
        cpu.write32(cpu.eaSeg, cpu.eaOff, 0);
        cpu.write32(cpu.eaSeg, (cpu.eaOff + 4) | 0, 0xfff80000 | 0);
      }
      return true;
    }
    if (v !== v) {
      // keep sign and payload: take the top significand bits of the 80-bit NaN
      this.bits80(p, tmp);
      const quiet = (tmp.hi & 0x40000000) !== 0;
      if (!quiet && this.exc(Sw.IE)) return false;
      const sign = (tmp.se & 0x8000) << 16;
      if (single) cpu.write32(cpu.eaSeg, cpu.eaOff, sign | 0x7fc00000 | ((tmp.hi >>> 8) & 0x3fffff));
      else {
        this.probe(cpu, 8);
        cpu.write32(cpu.eaSeg, cpu.eaOff, ((tmp.hi << 21) | (tmp.lo >>> 11)) | 0);
        cpu.write32(cpu.eaSeg, (cpu.eaOff + 4) | 0, sign | 0x7ff80000 | ((tmp.hi >>> 11) & 0x7ffff));
      }
      return true;
    }
    if (classify80(tmp.se, tmp.hi, tmp.lo) === ExtClass.FINITE) {
      const f = roundToFormat(tmp, single, this.cw);
      this.sw &= ~Sw.C1;
      // unmasked overflow/underflow: nothing is stored (SDM vol. 1, 4.9.1.4-5)
      if ((f & (Sw.OE | Sw.UE) & ~this.cw) !== 0) {
        this.exc(f & 0x3e);
        return false;
      }
      if ((f & Sw.C1) !== 0) this.sw |= Sw.C1;
      this.exc(f & 0x3e);
      if (single) cpu.write32(cpu.eaSeg, cpu.eaOff, fmtHi);
      else {
        this.probe(cpu, 8);
        cpu.write32(cpu.eaSeg, cpu.eaOff, fmtLo);
        cpu.write32(cpu.eaSeg, (cpu.eaOff + 4) | 0, fmtHi);
      }
      return true;
    }
    if (single) {
      const f = Math.fround(v);
      if (Number.isFinite(v) && !Number.isFinite(f)) {
        if (this.exc(Sw.OE | Sw.PE) && (this.cw & Sw.OE) === 0) return false;
      } else if (f !== v) this.exc(f === 0 ? Sw.UE | Sw.PE : Sw.PE);
      cpu.write32(cpu.eaSeg, cpu.eaOff, singleBits(f));
    } else {
      this.probe(cpu, 8);
      const hi = doubleBits(v);
      cpu.write32(cpu.eaSeg, cpu.eaOff, lastLow());
      cpu.write32(cpu.eaSeg, (cpu.eaOff + 4) | 0, hi);
    }
    return true;
  }

  // ------------------------------------------------------------ execution

  /**
   * Execute escape `esc` (0..7 for D8..DF) with ModRM `modrm` on `cpu`.
   * `noWait` forms (FNINIT, FNSTSW, ...) are recognised here.
   */
  exec(cpu: Cpu, esc: number, modrm: number, ferr: (() => void) | null): void {
    const reg = (modrm >> 3) & 7;
    const mem = modrm < 0xc0;
    if (!this.isControl(esc, modrm)) {
      this.checkPending(cpu, ferr);
      // C1 reports a stack overflow or a round-up; every other outcome leaves it 0 (SDM vol. 2, per instruction)
      this.sw &= ~Sw.C1;
      this.fip = cpu.opStart;
      this.fcs = cpu.segSel[1]!;
      this.fop = ((esc << 8) | modrm) & 0x7ff;
      if (mem) {
        this.fdp = cpu.eaOff;
        this.fds = cpu.segSel[cpu.eaSeg]!;
      }
    }
    if (mem) this.execMem(cpu, esc, reg);
    else this.execReg(cpu, esc, reg, modrm & 7);
  }

  /** The non-waiting control instructions (no #MF check, pointers untouched). */
  private isControl(esc: number, modrm: number): boolean {
    const reg = (modrm >> 3) & 7;
    if (modrm < 0xc0) return (esc === 1 && reg >= 4) || (esc === 5 && reg >= 4);
    return (esc === 3 && modrm >= 0xe0 && modrm <= 0xe4) || (esc === 7 && modrm === 0xe0);
  }

  /**
   * `op` is the ModRM reg field: 0 add, 1 mul, 4 a-b, 5 b-a, 6 a/b, 7 b/a, with a = ST(0). For
   * D8 forms b is the source and dst ST(0); for DC/DE forms b is ST(i) and dst ST(i), which gives
   * those opcodes' swapped FSUB/FSUBR and FDIV/FDIVR meanings.
   */
  private arith(op: number, dst: number, a: number, b: number, bPhys = -1, bDenormal = false): void {
    this.bits80(this.top, opA);
    if (bPhys >= 0) this.bits80(bPhys, opB);
    else doubleTo80(b, opB);
    const ca = classify80(opA.se, opA.hi, opA.lo);
    const cb = bPhys < 0 && this.memSnan ? ExtClass.SNAN : classify80(opB.se, opB.hi, opB.lo);
    if ((ca | cb) === ExtClass.FINITE) {
      this.sw &= ~Sw.C1;
      this.arith80(op, dst, bDenormal);
      return;
    }
    if (ca >= ExtClass.QNAN || cb >= ExtClass.QNAN) {
      this.sw &= ~Sw.C1;
      this.nanResult(this.phys(dst), ca, cb);
      return;
    }
    // an infinity with a denormal: DE is still reported
    const den = bDenormal || ((opA.se & 0x7fff) === 0 && (opA.hi | opA.lo) !== 0) || ((opB.se & 0x7fff) === 0 && (opB.hi | opB.lo) !== 0);
    if (den && this.exc(Sw.DE)) return;
    // here one operand is infinite: only the other's sign and zero-ness matter, which a double of an
    // out-of-range finite 80-bit value (rounded to 0 or infinity) would lose
    if (ca === ExtClass.FINITE) a = finiteStandIn(a, opA);
    if (cb === ExtClass.FINITE) b = finiteStandIn(b, opB);
    let r: number;
    switch (op) {
      case 0:
        r = a + b;
        break;
      case 1:
        r = a * b;
        break;
      case 4:
        r = a - b;
        break;
      case 5:
        r = b - a;
        break;
      case 6:
        if (b === 0 && a === a && a !== 0 && Number.isFinite(a)) {
          if (this.exc(Sw.ZE)) return;
        }
        r = a / b;
        break;
      default:
        if (a === 0 && b === b && b !== 0 && Number.isFinite(b)) {
          if (this.exc(Sw.ZE)) return;
        }
        r = b / a;
        break;
    }
    this.sw &= ~Sw.C1;
    this.result(dst, this.rounded(r), a, b);
  }

  /** {@link arith} on finite operands, exactly in 80-bit extended precision under RC and PC. */
  private arith80(op: number, dst: number, bDenormal: boolean): void {
    let f: number;
    switch (op) {
      case 0:
        f = add80(opA, opB, false, this.cw, res80);
        break;
      case 1:
        f = mul80(opA, opB, this.cw, res80);
        break;
      case 4:
        f = add80(opA, opB, true, this.cw, res80);
        break;
      case 5:
        f = add80(opB, opA, true, this.cw, res80);
        break;
      case 6:
        f = div80(opA, opB, this.cw, res80);
        break;
      default:
        f = div80(opB, opA, this.cw, res80);
        break;
    }
    if (bDenormal && (f & (Sw.ZE | Sw.IE)) === 0) f |= Sw.DE;
    // a denormal operand is reported first; unmasked, nothing else happens (SDM 8.5.2)
    if ((f & Sw.DE) !== 0 && this.exc(Sw.DE)) return;
    if ((f & Sw.IE) !== 0) {
      if (this.exc(Sw.IE)) return;
      this.setIndefinite(this.phys(dst));
      return;
    }
    if (this.exc(f & 0x3e)) return;
    if ((f & Sw.C1) !== 0) this.sw |= Sw.C1;
    this.loadRaw(this.phys(dst), res80.se, res80.hi, res80.lo);
  }

  /**
   * NaN and unsupported operands of a transcendental: the NaN rules of the basic arithmetic
   * (the result goes to ST(0), or to ST(1) followed by a pop for the binary forms). Returns
   * true when it handled the instruction.
   */
  private transNaN(binary: boolean): boolean {
    if (((this.empty >> this.top) & 1) !== 0) return false;
    if (binary && ((this.empty >> this.phys(1)) & 1) !== 0) return false;
    this.bits80(this.top, opA);
    if (binary) this.bits80(this.phys(1), opB);
    else {
      opB.se = opA.se;
      opB.hi = opA.hi;
      opB.lo = opA.lo;
    }
    const ca = classify80(opA.se, opA.hi, opA.lo);
    const cb = binary ? classify80(opB.se, opB.hi, opB.lo) : ca;
    if (ca < ExtClass.QNAN && cb < ExtClass.QNAN) return false;
    this.sw &= ~(Sw.C1 | Sw.C2);
    const before = this.sw & Sw.ES;
    this.nanResult(binary ? this.phys(1) : this.top, ca, cb);
    // an unmasked invalid operation leaves the stack as it was
    if (binary && !(before === 0 && (this.sw & Sw.ES) !== 0 && (this.sw & Sw.IE & ~this.cw) !== 0)) this.pop();
    return true;
  }

  /** Deliver res80 to ST(dst) under the flags `f` of an ext80 operation (IE gives the indefinite; DE/IE/ZE unmasked store nothing). */
  private finish80(f: number, dst: number): void {
    this.sw &= ~Sw.C1;
    if ((f & Sw.DE) !== 0 && this.exc(Sw.DE)) return;
    if ((f & Sw.IE) !== 0) {
      if (!this.exc(Sw.IE)) this.setIndefinite(this.phys(dst));
      return;
    }
    if (this.exc(f & 0x3e)) return;
    if ((f & Sw.C1) !== 0) this.sw |= Sw.C1;
    this.loadRaw(this.phys(dst), res80.se, res80.hi, res80.lo);
  }

  /**
   * Result of an operation on opA/opB when one is a NaN or unsupported (classes `ca`/`cb`):
   * unsupported gives IE and the indefinite; a signaling NaN raises IE; the NaN (of two, the
   * larger significand) is delivered quieted (SDM vol. 1, 4.8.3.5, table 4-7).
   */
  private nanResult(p: number, ca: number, cb: number): void {
    if (ca === ExtClass.UNSUPPORTED || cb === ExtClass.UNSUPPORTED) {
      if (!this.exc(Sw.IE)) this.setIndefinite(p);
      return;
    }
    if ((ca === ExtClass.SNAN || cb === ExtClass.SNAN) && this.exc(Sw.IE)) return;
    let src = opA;
    if (ca !== cb && ca >= ExtClass.QNAN && cb >= ExtClass.QNAN) {
      // a signaling and a quiet NaN: the quiet one wins (SDM vol. 1, table 4-7)
      if (cb === ExtClass.QNAN) src = opB;
    } else if (ca >= ExtClass.QNAN && cb >= ExtClass.QNAN) {
      const ah = (opA.hi | 0x40000000) >>> 0;
      const bh = (opB.hi | 0x40000000) >>> 0;
      if (bh > ah || (bh === ah && opB.lo >>> 0 > opA.lo >>> 0)) src = opB;
    } else if (cb >= ExtClass.QNAN) src = opB;
    this.setRawBits(p, src.se, (src.hi | 0x40000000) >>> 0, src.lo);
  }

  /** Compare and set C3/C2/C0 (FCOM family); `unordered` = FUCOM (QNaN does not raise IE). */
  private compare(b: number, bPhys: number, unordered: boolean, bDenormal = false): void {
    const o = this.order(b, bPhys, unordered, bDenormal);
    this.sw = (this.sw & ~CC) | (o === 0 ? 0 : o === 1 ? Sw.C0 : o === 2 ? Sw.C3 : Sw.C3 | Sw.C2 | Sw.C0);
  }

  /** Compare into EFLAGS (FCOMI/FUCOMI): ZF PF CF; OF SF AF cleared. */
  private compareFlags(cpu: Cpu, b: number, bPhys: number, unordered: boolean): void {
    const o = this.order(b, bPhys, unordered);
    this.sw &= ~Sw.C1;
    cpu.setArith(0x8d5, o === 0 ? 0 : o === 1 ? 0x1 : o === 2 ? 0x40 : 0x45);
  }

  /**
   * ST(0) against ST(bPhys) (physical) or the value `b`, exactly on the 80-bit values: 0 greater,
   * 1 less, 2 equal, 3 unordered. Raises IE for unsupported operands, signaling NaNs, and any NaN
   * unless `unordered` (FUCOM); DE for denormal operands.
   */
  private order(b: number, bPhys: number, unordered: boolean, bDenormal = false): number {
    this.bits80(this.top, opA);
    if (bPhys >= 0) this.bits80(bPhys, opB);
    else doubleTo80(b, opB);
    const ca = classify80(opA.se, opA.hi, opA.lo);
    const cb = classify80(opB.se, opB.hi, opB.lo);
    if (ca >= ExtClass.QNAN || cb >= ExtClass.QNAN) {
      if (!unordered || ca !== ExtClass.QNAN && ca >= ExtClass.QNAN || cb !== ExtClass.QNAN && cb >= ExtClass.QNAN) this.exc(Sw.IE);
      return 3;
    }
    const r = compare80(opA, opB);
    if ((r & 4) !== 0 || bDenormal) this.exc(Sw.DE);
    return r & 3;
  }


  private execMem(cpu: Cpu, esc: number, reg: number): void {
    const seg = cpu.eaSeg;
    const off = cpu.eaOff;
    switch (esc) {
      case 0:
      case 2:
      case 4:
      case 6: {
        const v = this.ldArith(cpu, esc);
        if (this.aborted) {
          this.aborted = false;
          return;
        }
        if (reg === 2 || reg === 3) {
          if (this.need(0, -1)) this.compare(v, -1, false, isMemDenormal(esc, v));
          else this.sw |= Sw.C3 | Sw.C2 | Sw.C0;
          if (reg === 3) this.pop();
        } else if (this.need(0, this.top)) this.arith(reg, 0, this.get(0), v, -1, isMemDenormal(esc, v));
        return;
      }
      case 1:
        switch (reg) {
          case 0: {
            const v = this.ldSingle(cpu);
            if (this.aborted) this.aborted = false;
            else this.push(v);
            return;
          }
          case 2:
          case 3:
            if (this.stFloat(cpu, true) && reg === 3) this.pop();
            return;
          case 4:
            this.ldenv(cpu, seg, off);
            return;
          case 5:
            this.cw = cpu.read16(seg, off) | 0x40;
            this.sw = (this.sw & 0x3f & ~this.cw) !== 0 ? this.sw | Sw.ES | Sw.B : this.sw & ~(Sw.ES | Sw.B);
            return;
          case 6:
            this.stenv(cpu, seg, off);
            return;
          case 7:
            cpu.write16(seg, off, this.cw);
            return;
          default:
            cpu.ud();
        }
        return;
      case 3:
        switch (reg) {
          case 0:
            this.push(cpu.read32(seg, off));
            return;
          case 2:
          case 3: {
            this.fist(cpu, 32, reg === 3);
            return;
          }
          case 5: {
            const p = (this.top - 1) & 7;
            if (((this.empty >> p) & 1) === 0) {
              this.push(0);
              return;
            }
            this.top = p;
            this.ld80(cpu, seg, off, p);
            return;
          }
          case 7:
            if ((this.empty >> this.top) & 1) {
              if (this.stackFault(false)) return;
              this.probe(cpu, 10);
              cpu.write32(seg, off, 0);
              cpu.write32(seg, (off + 4) | 0, 0xc0000000 | 0);
              cpu.write16(seg, (off + 8) | 0, 0xffff);
            } else {
              this.probe(cpu, 10);
              this.st80(cpu, seg, off, this.top);
            }
            this.pop();
            return;
          default:
            cpu.ud();
        }
        return;
      case 5:
        switch (reg) {
          case 0: {
            const v = this.ldDouble(cpu);
            if (this.aborted) this.aborted = false;
            else this.push(v);
            return;
          }
          case 2:
          case 3:
            if (this.stFloat(cpu, false) && reg === 3) this.pop();
            return;
          case 4:
            this.frstor(cpu, seg, off);
            return;
          case 6:
            this.fsave(cpu, seg, off);
            return;
          case 7:
            cpu.write16(seg, off, this.status());
            return;
          default:
            cpu.ud();
        }
        return;
      default: // 7
        switch (reg) {
          case 0:
            this.push((cpu.read16(seg, off) << 16) >> 16);
            return;
          case 2:
          case 3:
            this.fist(cpu, 16, reg === 3);
            return;
          case 4:
            this.fbld(cpu, seg, off);
            return;
          case 5: {
            const lo = cpu.read32(seg, off);
            const hi = cpu.read32(seg, (off + 4) | 0);
            int64To80(hi, lo, tmp);
            this.pushRaw(tmp.se, tmp.hi, tmp.lo);
            return;
          }
          case 6:
            this.fbstp(cpu, seg, off);
            return;
          case 7:
            this.fist(cpu, 64, true);
            return;
          default:
            cpu.ud();
        }
    }
  }

  /** FIST/FISTP m16/m32/m64. */
  /** ST(0) rounded to an integer under RC, exactly from its 80-bit value; NaN (IE raised) when invalid or outside min..max. */
  private toInt80(min: number, max: number): number {
    this.bits80(this.top, opA);
    if (classify80(opA.se, opA.hi, opA.lo) !== ExtClass.FINITE) {
      this.exc(Sw.IE);
      return NaN;
    }
    const f = roundToInt(opA, this.cw >> 10);
    const neg = (opA.se & 0x8000) !== 0;
    const mag = intHi * 4294967296 + intLo;
    if ((f & Sw.IE) !== 0 || intHi >= 0x200000 || (neg ? -mag < min : mag > max)) {
      this.exc(Sw.IE);
      return NaN;
    }
    if ((f & Sw.PE) !== 0) {
      this.sw = (this.sw & ~Sw.C1) | (f & Sw.C1);
      this.exc(Sw.PE);
    }
    return neg ? -mag : mag;
  }

  /** FIST(P) m64int: exact from the 80-bit value (the magnitude may exceed 2^53). */
  private fist64(cpu: Cpu, doPop: boolean): void {
    const seg = cpu.eaSeg;
    const off = cpu.eaOff;
    this.bits80(this.top, opA);
    let ok = classify80(opA.se, opA.hi, opA.lo) === ExtClass.FINITE;
    let f = 0;
    const neg = (opA.se & 0x8000) !== 0;
    if (ok) {
      f = roundToInt(opA, this.cw >> 10);
      // in range: below 2^63, or exactly 2^63 when negative
      if ((f & Sw.IE) !== 0 || (intHi >>> 0) > 0x80000000 || (intHi === 0x80000000 && (!neg || intLo !== 0))) ok = false;
    }
    if (!ok) {
      if (this.exc(Sw.IE)) return; // unmasked invalid: memory untouched
      this.probe(cpu, 8);
      cpu.write32(seg, off, 0);
      cpu.write32(seg, (off + 4) | 0, 0x80000000 | 0);
    } else {
      if ((f & Sw.PE) !== 0) {
        this.sw = (this.sw & ~Sw.C1) | (f & Sw.C1);
        this.exc(Sw.PE);
      }
      let hi = intHi;
      let lo = intLo;
      if (neg) {
        lo = (~lo + 1) >>> 0;
        hi = (~hi + (lo === 0 ? 1 : 0)) >>> 0;
      }
      this.probe(cpu, 8);
      cpu.write32(seg, off, lo | 0);
      cpu.write32(seg, (off + 4) | 0, hi | 0);
    }
    if (doPop) this.pop();
  }

  private fist(cpu: Cpu, bits: number, doPop: boolean): void {
    const seg = cpu.eaSeg;
    const off = cpu.eaOff;
    let r: number;
    if ((this.empty >> this.top) & 1) {
      if (this.stackFault(false)) return;
      r = NaN;
    } else {
      const lim = bits === 16 ? 0x8000 : bits === 32 ? 0x80000000 : 2 ** 63;
      if (bits === 64) return this.fist64(cpu, doPop);
      r = this.toInt80(-lim, lim - 1);
      if (r !== r && (this.cw & Sw.IE) === 0) return; // unmasked invalid: memory untouched
    }
    if (bits === 16) cpu.write16(seg, off, r !== r ? 0x8000 : r & 0xffff);
    else if (bits === 32) cpu.write32(seg, off, r !== r ? 0x80000000 | 0 : r | 0);
    else {
      this.probe(cpu, 8);
      if (r !== r) {
        cpu.write32(seg, off, 0);
        cpu.write32(seg, (off + 4) | 0, 0x80000000 | 0);
      } else {
        const hi = Math.floor(r / 4294967296);
        cpu.write32(seg, off, (r - hi * 4294967296) | 0);
        cpu.write32(seg, (off + 4) | 0, hi | 0);
      }
    }
    if (doPop) this.pop();
  }

  /** FBLD: 18 packed BCD digits and a sign byte. */
  private fbld(cpu: Cpu, seg: number, off: number): void {
    // cold path: the 18 digits exceed a double, so accumulate exactly with BigInt
    let v = BigInt(0);
    const hundred = BigInt(100);
    for (let i = 8; i >= 0; i--) {
      const b = cpu.read8(seg, (off + i) | 0);
      v = v * hundred + BigInt((b >> 4) * 10 + (b & 15));
    }
    const sign = cpu.read8(seg, (off + 9) | 0) & 0x80;
    int64To80(Number(v >> BigInt(32)) | 0, Number(v & BigInt(0xffffffff)) | 0, tmp);
    this.pushRaw(tmp.se | (sign ? 0x8000 : 0), tmp.hi, tmp.lo);
  }

  /** FBSTP: store ST(0) rounded as 18 packed BCD digits, then pop. */
  private fbstp(cpu: Cpu, seg: number, off: number): void {
    // cold path: the magnitude may need 60 bits, so it is handled with BigInt
    let valid = false;
    let mag = BigInt(0);
    let neg = false;
    if ((this.empty >> this.top) & 1) {
      if (this.stackFault(false)) return;
    } else {
      this.bits80(this.top, opA);
      neg = (opA.se & 0x8000) !== 0;
      let f: number = Sw.IE;
      if (classify80(opA.se, opA.hi, opA.lo) === ExtClass.FINITE) f = roundToInt(opA, this.cw >> 10);
      if ((f & Sw.IE) === 0) {
        mag = (BigInt(intHi) << BigInt(32)) | BigInt(intLo);
        valid = mag < BigInt('1000000000000000000');
      }
      if (!valid) {
        if (this.exc(Sw.IE)) return;
      } else if ((f & Sw.PE) !== 0) {
        this.sw = (this.sw & ~Sw.C1) | (f & Sw.C1);
        this.exc(Sw.PE);
      }
    }
    this.probe(cpu, 10);
    if (!valid) {
      // packed BCD indefinite
      for (let i = 0; i < 7; i++) cpu.write8(seg, (off + i) | 0, 0);
      cpu.write8(seg, (off + 7) | 0, 0xc0);
      cpu.write8(seg, (off + 8) | 0, 0xff);
      cpu.write8(seg, (off + 9) | 0, 0xff);
    } else {
      let n = mag;
      const hundred = BigInt(100);
      for (let i = 0; i < 9; i++) {
        const d = Number(n % hundred);
        n /= hundred;
        cpu.write8(seg, (off + i) | 0, ((((d / 10) | 0) << 4) | d % 10) & 0xff);
      }
      cpu.write8(seg, (off + 9) | 0, neg ? 0x80 : 0);
    }
    this.pop();
  }

  // ---------------------------------------------------- environment/state

  /** Layout of FSTENV/FLDENV: 14 bytes (16-bit operand size) or 28 bytes. */
  private envSize(cpu: Cpu): number {
    return cpu.os32 ? 28 : 14;
  }

  private stenv(cpu: Cpu, seg: number, off: number): void {
    this.probe(cpu, this.envSize(cpu));
    this.writeEnv(cpu, seg, off);
    // FNSTENV masks all exceptions afterwards (SDM FSTENV operation)
    this.cw |= 0x3f;
  }

  private writeEnv(cpu: Cpu, seg: number, off: number): void {
    const w = cpu.os32 ? 4 : 2;
    const put = (i: number, v: number): void => {
      if (w === 4) cpu.write32(seg, (off + i * 4) | 0, v);
      else cpu.write16(seg, (off + i * 2) | 0, v & 0xffff);
    };
    put(0, this.cw | (w === 4 ? 0xffff0000 : 0));
    put(1, this.status() | (w === 4 ? 0xffff0000 : 0));
    put(2, this.tagWord() | (w === 4 ? 0xffff0000 : 0));
    if (cpu.isProtected()) {
      put(3, this.fip);
      put(4, w === 4 ? (this.fcs & 0xffff) | (this.fop << 16) : this.fcs);
      put(5, this.fdp);
      put(6, w === 4 ? this.fds | 0xffff0000 : this.fds);
    } else {
      // real/v86 layout: 20-bit linear pointers split (SDM vol. 1, figures 8-11 and 8-12)
      const ip = (this.fcs * 16 + this.fip) >>> 0;
      const dp = (this.fds * 16 + this.fdp) >>> 0;
      put(3, ip & 0xffff | (w === 4 ? 0xffff0000 : 0));
      put(4, w === 4 ? ((ip >>> 16) << 12) | this.fop : (((ip >>> 16) & 0xf) << 12) | this.fop);
      put(5, dp & 0xffff | (w === 4 ? 0xffff0000 : 0));
      put(6, w === 4 ? (dp >>> 16) << 12 : ((dp >>> 16) & 0xf) << 12);
    }
  }

  private ldenv(cpu: Cpu, seg: number, off: number): void {
    const w = cpu.os32 ? 4 : 2;
    const get = (i: number): number => (w === 4 ? cpu.read32(seg, (off + i * 4) | 0) : cpu.read16(seg, (off + i * 2) | 0));
    const cw = get(0) & 0xffff;
    const sw = get(1) & 0xffff;
    const tw = get(2) & 0xffff;
    const a = get(3);
    const b = get(4);
    const c = get(5);
    const d = get(6);
    this.cw = cw | 0x40;
    this.setStatus(sw);
    this.setTagWord(tw);
    if (cpu.isProtected()) {
      this.fip = a;
      this.fcs = b & 0xffff;
      this.fop = w === 4 ? (b >>> 16) & 0x7ff : 0;
      this.fdp = c;
      this.fds = d & 0xffff;
    } else {
      this.fcs = 0;
      this.fds = 0;
      this.fip = ((a & 0xffff) | ((b >>> 12) << 16)) >>> 0;
      this.fop = b & 0x7ff;
      this.fdp = ((c & 0xffff) | ((d >>> 12) << 16)) >>> 0;
    }
    this.syncEs();
  }

  /** ES/B follow the unmasked exception flags after loading a status or control word. */
  private syncEs(): void {
    if ((this.sw & 0x3f & ~this.cw) !== 0) this.sw |= Sw.ES | Sw.B;
    else this.sw &= ~(Sw.ES | Sw.B);
  }

  private fsave(cpu: Cpu, seg: number, off: number): void {
    const env = this.envSize(cpu);
    this.probe(cpu, env + 80);
    this.writeEnv(cpu, seg, off);
    for (let i = 0; i < 8; i++) this.st80(cpu, seg, (off + env + i * 10) | 0, this.phys(i));
    this.init();
  }

  private frstor(cpu: Cpu, seg: number, off: number): void {
    const env = this.envSize(cpu);
    // read every register first so a fault leaves the old state
    const se = new Uint16Array(8);
    const hi = new Int32Array(8);
    const lo = new Int32Array(8);
    for (let i = 0; i < 8; i++) {
      const o = (off + env + i * 10) | 0;
      lo[i] = cpu.read32(seg, o);
      hi[i] = cpu.read32(seg, (o + 4) | 0);
      se[i] = cpu.read16(seg, (o + 8) | 0);
    }
    this.ldenv(cpu, seg, off);
    const emptyBits = this.empty;
    for (let i = 0; i < 8; i++) this.loadRaw(this.phys(i), se[i]!, hi[i]!, lo[i]!);
    this.empty = emptyBits;
  }

  /** Load an 80-bit pattern into physical register p, keeping it raw only when a double can't hold it. */
  loadRaw(p: number, se: number, hi: number, lo: number): void {
    this.setRawBits(p, se, hi, lo);
    const v = this.st[p]!;
    if (v === v && this.tag(p) !== 2 && this.exactInDouble(se, hi, lo)) this.isRaw[p] = 0;
    else if ((se & 0x7fff) === 0 && (hi | lo) === 0) this.isRaw[p] = 0;
  }

  // ------------------------------------------------------- register forms

  private execReg(cpu: Cpu, esc: number, reg: number, rm: number): void {
    switch (esc) {
      case 0: // D8: ST(0) op ST(i)
        if (reg === 2 || reg === 3) {
          if (this.need(0, -1) && this.need(rm, -1)) this.compare(0, this.phys(rm), false);
          else this.sw |= Sw.C3 | Sw.C2 | Sw.C0;
          if (reg === 3) this.pop();
        } else if (this.need(0, this.top) && this.need(rm, this.top)) this.arith(reg, 0, this.get(0), this.get(rm), this.phys(rm));
        return;
      case 1:
        this.d9reg(cpu, reg, rm);
        return;
      case 2:
        if (reg < 4) {
          // FCMOVB/E/BE/U
          const c = reg === 0 ? cpu.cf() : reg === 1 ? cpu.zf() : reg === 2 ? cpu.cf() | cpu.zf() : cpu.pf();
          if (this.need(0, this.top) && this.need(rm, this.top) && c) this.copyReg(this.phys(rm), this.top);
          return;
        }
        if (reg === 5 && rm === 1) {
          // FUCOMPP
          if (this.need(0, -1) && this.need(1, -1)) this.compare(0, this.phys(1), true);
          else this.sw |= Sw.C3 | Sw.C2 | Sw.C0;
          this.pop();
          this.pop();
          return;
        }
        cpu.ud();
        return;
      case 3:
        if (reg < 4) {
          const c = reg === 0 ? cpu.cf() : reg === 1 ? cpu.zf() : reg === 2 ? cpu.cf() | cpu.zf() : cpu.pf();
          if (this.need(0, this.top) && this.need(rm, this.top) && !c) this.copyReg(this.phys(rm), this.top);
          return;
        }
        if (reg === 4) {
          switch (rm) {
            case 0: // FNENI
            case 1: // FNDISI
            case 4: // FNSETPM
              return;
            case 2: // FNCLEX
              this.sw &= ~(0x3f | Sw.SF | Sw.ES | Sw.B);
              return;
            case 3: // FNINIT
              this.init();
              return;
            default:
              cpu.ud();
          }
        }
        if (reg === 5 || reg === 6) {
          if (this.need(0, -1) && this.need(rm, -1)) this.compareFlags(cpu, 0, this.phys(rm), reg === 5);
          else cpu.setArith(0x8d5, 0x45);
          return;
        }
        cpu.ud();
        return;
      case 4: // DC: ST(i) op ST(0), with SUB/SUBR and DIV/DIVR swapped
        if (reg === 2 || reg === 3) {
          if (this.need(0, -1) && this.need(rm, -1)) this.compare(0, this.phys(rm), false);
          else this.sw |= Sw.C3 | Sw.C2 | Sw.C0;
          if (reg === 3) this.pop();
        } else if (this.need(0, this.phys(rm)) && this.need(rm, this.phys(rm))) this.arith(reg, rm, this.get(0), this.get(rm), this.phys(rm));
        return;
      case 5:
        switch (reg) {
          case 0: // FFREE
            this.empty |= 1 << this.phys(rm);
            return;
          case 1: // FXCH4 (alias)
            this.fxch(rm);
            return;
          case 2: // FST ST(i)
          case 3: // FSTP ST(i)
            if (this.need(0, this.phys(rm))) this.copyReg(this.top, this.phys(rm));
            if (reg === 3) this.pop();
            return;
          case 4: // FUCOM
          case 5: // FUCOMP
            if (this.need(0, -1) && this.need(rm, -1)) this.compare(0, this.phys(rm), true);
            else this.sw |= Sw.C3 | Sw.C2 | Sw.C0;
            if (reg === 5) this.pop();
            return;
          default:
            cpu.ud();
        }
        return;
      case 6: // DE: ...P forms
        if (reg === 3) {
          if (rm !== 1) cpu.ud();
          // FCOMPP
          if (this.need(0, -1) && this.need(1, -1)) this.compare(0, this.phys(1), false);
          else this.sw |= Sw.C3 | Sw.C2 | Sw.C0;
          this.pop();
          this.pop();
          return;
        }
        if (reg === 2) {
          // FCOMP5 (alias)
          if (this.need(0, -1) && this.need(rm, -1)) this.compare(0, this.phys(rm), false);
          this.pop();
          return;
        }
        if (this.need(0, this.phys(rm)) && this.need(rm, this.phys(rm))) {
          const before = this.sw & Sw.ES;
          this.arith(reg, rm, this.get(0), this.get(rm), this.phys(rm));
          if ((this.sw & Sw.ES) !== 0 && before === 0 && (this.sw & (Sw.IE | Sw.ZE) & ~this.cw) !== 0) return;
        }
        this.pop();
        return;
      default: // DF
        if (reg === 4 && rm === 0) {
          // FNSTSW AX
          cpu.reg16[0] = this.status();
          return;
        }
        if (reg === 0) {
          // FFREEP
          this.empty |= 1 << this.phys(rm);
          this.pop();
          return;
        }
        if (reg === 1) {
          this.fxch(rm);
          return;
        }
        if (reg === 2 || reg === 3) {
          // FSTP1 aliases
          if (this.need(0, this.phys(rm))) this.copyReg(this.top, this.phys(rm));
          this.pop();
          return;
        }
        if (reg === 5 || reg === 6) {
          if (this.need(0, -1) && this.need(rm, -1)) this.compareFlags(cpu, 0, this.phys(rm), reg === 5);
          else cpu.setArith(0x8d5, 0x45);
          this.pop();
          return;
        }
        cpu.ud();
    }
  }

  private copyReg(from: number, to: number): void {
    this.st[to] = this.st[from]!;
    this.rawSe[to] = this.rawSe[from]!;
    this.rawHi[to] = this.rawHi[from]!;
    this.rawLo[to] = this.rawLo[from]!;
    this.isRaw[to] = this.isRaw[from]!;
    this.empty &= ~(1 << to);
  }

  private fxch(i: number): void {
    const a = this.top;
    const b = this.phys(i);
    const ea = (this.empty >> a) & 1;
    const eb = (this.empty >> b) & 1;
    if (ea || eb) {
      if (this.stackFault(false)) return;
      if (ea) this.setIndefinite(a);
      if (eb) this.setIndefinite(b);
    }
    const v = this.st[a]!;
    const se = this.rawSe[a]!;
    const hi = this.rawHi[a]!;
    const lo = this.rawLo[a]!;
    const r = this.isRaw[a]!;
    this.copyReg(b, a);
    this.st[b] = v;
    this.rawSe[b] = se;
    this.rawHi[b] = hi;
    this.rawLo[b] = lo;
    this.isRaw[b] = r;
    this.sw &= ~Sw.C1;
  }

  private d9reg(cpu: Cpu, reg: number, rm: number): void {
    switch (reg) {
      case 0: {
        // FLD ST(i)
        const p = this.phys(rm);
        if ((this.empty >> p) & 1) {
          if (this.stackFault(false)) return;
          this.push(NaN);
          this.setIndefinite(this.top);
          return;
        }
        const np = (this.top - 1) & 7;
        if (((this.empty >> np) & 1) === 0) {
          this.push(0);
          return;
        }
        this.top = np;
        this.copyReg(p, np);
        return;
      }
      case 1:
        this.fxch(rm);
        return;
      case 2:
        if (rm === 0) return; // FNOP
        cpu.ud();
        return;
      case 3: // FSTP1 (alias)
        if (this.need(0, this.phys(rm))) this.copyReg(this.top, this.phys(rm));
        this.pop();
        return;
      case 4:
        this.d9e0(cpu, rm);
        return;
      case 5:
        if (rm === 7) cpu.ud();
        if (rm >= 1 && rm <= 5) {
          constant80(rm - 1, (this.cw >>> 10) & 3, tmp);
          this.pushRaw(tmp.se, tmp.hi, tmp.lo);
        } else this.push(CONSTANTS[rm]!);
        return;
      case 6:
        this.d9f0(rm);
        return;
      default:
        this.d9f8(rm);
    }
  }

  private d9e0(cpu: Cpu, rm: number): void {
    if (rm === 5) {
      // FXAM works on empty registers too
      const p = this.top;
      const sign = this.signOf(p);
      let c: number;
      if ((this.empty >> p) & 1) c = Sw.C3 | Sw.C0;
      else {
        const t = this.tag(p);
        const v = this.st[p]!;
        this.bits80(p, tmp);
        const k = classify80(tmp.se, tmp.hi, tmp.lo);
        if (k === ExtClass.UNSUPPORTED) c = 0;
        else if (v !== v) c = Sw.C0;
        else if (k === ExtClass.INF) c = Sw.C2 | Sw.C0;
        else if (t === 1) c = Sw.C3;
        else if (t === 2) c = Sw.C3 | Sw.C2;
        else c = Sw.C2;
      }
      this.sw = (this.sw & ~CC) | c | (sign ? Sw.C1 : 0);
      return;
    }
    if (!this.need(0, this.top)) return;
    switch (rm) {
      case 0: // FCHS
        this.setNeg(this.top);
        this.sw &= ~Sw.C1;
        return;
      case 1: // FABS
        if (this.signOf(this.top)) this.setNeg(this.top);
        this.sw &= ~Sw.C1;
        return;
      case 4: // FTST
        this.compare(0, -1, false);
        return;
      default:
        cpu.ud();
    }
  }

  private signOf(p: number): boolean {
    if (this.isRaw[p]) return (this.rawSe[p]! & 0x8000) !== 0;
    const v = this.st[p]!;
    return v < 0 || Object.is(v, -0);
  }

  /** Flip the sign bit of physical register p, exactly. */
  private setNeg(p: number): void {
    if (this.isRaw[p]) {
      this.rawSe[p] = this.rawSe[p]! ^ 0x8000;
      this.st[p] = -this.st[p]!;
    } else this.st[p] = -this.st[p]!;
  }

  private d9f0(rm: number): void {
    // F2XM1 (unary), FYL2X and FPATAN (binary, result in ST(1) then pop)
    if ((rm === 0 || rm === 1 || rm === 3) && this.transNaN(rm !== 0)) return;
    switch (rm) {
      case 0: // F2XM1
        if (this.need(0, this.top)) this.unary(Math.expm1(this.get(0) * Math.LN2));
        return;
      case 1: // FYL2X
        if (this.need(0, this.phys(1)) && this.need(1, this.phys(1))) {
          const x = this.get(0);
          const y = this.get(1);
          if (x === 0 && y === y && y !== 0 && Number.isFinite(y)) {
            if (this.exc(Sw.ZE)) return;
          }
          this.result(1, y * Math.log2(x), x, y);
        }
        this.pop();
        return;
      case 2: {
        // FPTAN
        if (!this.need(0, this.top)) return;
        const x = this.get(0);
        if (Math.abs(x) >= TRIG_LIMIT) {
          this.sw |= Sw.C2;
          return;
        }
        this.sw &= ~(Sw.C2 | Sw.C1);
        this.unary(Math.tan(x));
        this.push(1);
        return;
      }
      case 3: // FPATAN
        if (this.need(0, this.phys(1)) && this.need(1, this.phys(1))) this.result(1, Math.atan2(this.get(1), this.get(0)), this.get(0), this.get(1));
        this.pop();
        return;
      case 4: {
        // FXTRACT
        if (!this.need(0, this.top)) return;
        const x = this.get(0);
        this.bits80(this.top, opA);
        const kind = classify80(opA.se, opA.hi, opA.lo);
        if (kind === ExtClass.FINITE && (opA.hi | opA.lo) === 0) {
          if (this.exc(Sw.ZE)) return;
          this.unary(-Infinity);
          this.push(x);
          return;
        }
        if (kind >= ExtClass.QNAN) {
          // unsupported: both results are the indefinite; a NaN is delivered (quieted) to both
          if (kind !== ExtClass.QNAN && this.exc(Sw.IE)) return;
          if (kind === ExtClass.UNSUPPORTED) {
            this.setIndefinite(this.top);
            this.push(NaN);
            this.setIndefinite(this.top);
          } else {
            this.setRawBits(this.top, opA.se, (opA.hi | 0x40000000) >>> 0, opA.lo);
            this.pushRaw(opA.se, (opA.hi | 0x40000000) >>> 0, opA.lo);
          }
          return;
        }
        if (kind !== ExtClass.FINITE) {
          if (x !== x) {
            this.push(x);
            return;
          }
          this.unary(Infinity);
          this.push(x);
          return;
        }
        if ((opA.se & 0x7fff) === 0 && this.exc(Sw.DE)) return;
        const ex = fxtract80(opA, res80);
        int64To80(ex < 0 ? -1 : 0, ex, tmp);
        this.loadRaw(this.top, tmp.se, tmp.hi, tmp.lo);
        this.pushRaw(res80.se, res80.hi, res80.lo);
        return;
      }
      case 5: // FPREM1
        this.fprem(true);
        return;
      case 6: // FDECSTP
        this.top = (this.top - 1) & 7;
        this.sw &= ~Sw.C1;
        return;
      default: // FINCSTP
        this.top = (this.top + 1) & 7;
        this.sw &= ~Sw.C1;
    }
  }

  private d9f8(rm: number): void {
    // FSIN/FCOS (unary), FYL2XP1 (binary)
    if ((rm === 1 || rm === 6 || rm === 7) && this.transNaN(rm === 1)) return;
    switch (rm) {
      case 0: // FPREM
        this.fprem(false);
        return;
      case 1: // FYL2XP1
        if (this.need(0, this.phys(1)) && this.need(1, this.phys(1))) this.result(1, (this.get(1) * Math.log1p(this.get(0))) / Math.LN2, this.get(0), this.get(1));
        this.pop();
        return;
      case 2: // FSQRT
        if (this.need(0, this.top)) {
          this.bits80(this.top, opA);
          const kind = classify80(opA.se, opA.hi, opA.lo);
          if (kind === ExtClass.FINITE) this.finish80(sqrt80(opA, this.cw, res80), 0);
          else if (kind >= ExtClass.QNAN) {
            opB.se = opA.se;
            opB.hi = opA.hi;
            opB.lo = opA.lo;
            this.nanResult(this.top, kind, kind);
          } else {
            const x = this.get(0);
            this.result(0, Object.is(x, -0) ? -0 : Math.sqrt(x), x, 0);
          }
        }
        return;
      case 3: {
        // FSINCOS
        if (!this.need(0, this.top)) return;
        const x = this.get(0);
        if (Math.abs(x) >= TRIG_LIMIT) {
          this.sw |= Sw.C2;
          return;
        }
        this.sw &= ~(Sw.C2 | Sw.C1);
        const c = Math.cos(x);
        this.unary(Math.sin(x));
        this.push(c);
        return;
      }
      case 4: // FRNDINT
        if (this.need(0, this.top)) {
          this.bits80(this.top, opA);
          if (classify80(opA.se, opA.hi, opA.lo) === ExtClass.FINITE) {
            this.finish80(rndint80(opA, this.cw >> 10, res80), 0);
            return;
          }
          const kind = classify80(opA.se, opA.hi, opA.lo);
          if (kind >= ExtClass.QNAN) {
            opB.se = opA.se;
            opB.hi = opA.hi;
            opB.lo = opA.lo;
            this.nanResult(this.top, kind, kind);
            return;
          }
          const x = this.get(0);
          const r = x;
          if (r !== x && x === x) this.exc(Sw.PE);
          this.result(0, r === 0 && (x < 0 || Object.is(x, -0)) ? -0 : r, x, 0);
        }
        return;
      case 5: // FSCALE
        if (this.need(0, this.top) && this.need(1, this.top)) {
          this.bits80(this.top, opA);
          this.bits80(this.phys(1), opB);
          const ca = classify80(opA.se, opA.hi, opA.lo);
          const cb = classify80(opB.se, opB.hi, opB.lo);
          if ((ca | cb) === ExtClass.FINITE) {
            this.finish80(scale80(opA, opB, this.cw, res80), 0);
            return;
          }
          if (ca >= ExtClass.QNAN || cb >= ExtClass.QNAN) {
            this.sw &= ~Sw.C1;
            this.nanResult(this.top, ca, cb);
            return;
          }
          const x = this.get(0);
          const s = this.get(1);
          let r: number;
          if (s !== s || x !== x) r = NaN;
          else if (!Number.isFinite(s)) r = s > 0 ? (x === 0 ? NaN : x * Infinity) : Number.isFinite(x) ? x * 0 : NaN;
          else if (!Number.isFinite(x) || x === 0) r = x; // an infinity or zero scaled by any finite amount stays itself
          else r = x * pow2(Math.trunc(s));
          this.sw &= ~Sw.C1;
          this.result(0, r, x, s);
        }
        return;
      case 6:
      case 7: {
        // FSIN / FCOS
        if (!this.need(0, this.top)) return;
        const x = this.get(0);
        if (Math.abs(x) >= TRIG_LIMIT) {
          this.sw |= Sw.C2;
          return;
        }
        this.sw &= ~(Sw.C2 | Sw.C1);
        this.unary(rm === 6 ? Math.sin(x) : Math.cos(x));
        return;
      }
    }
  }

  /** Replace ST(0) with a unary result. */
  private unary(v: number): void {
    this.result(0, v, this.get(0), 0);
  }

  /** FPREM (truncating quotient) and FPREM1 (round-to-nearest quotient): C0/C3/C1 = quotient bits 2/1/0. */
  private fprem(ieee: boolean): void {
    if (!this.need(0, this.top) || !this.need(1, this.top)) return;
    this.bits80(this.top, opA);
    this.bits80(this.phys(1), opB);
    const ca = classify80(opA.se, opA.hi, opA.lo);
    const cb = classify80(opB.se, opB.hi, opB.lo);
    if ((ca | cb) === ExtClass.FINITE && (opA.hi | opA.lo) !== 0 && (opB.hi | opB.lo) !== 0) {
      const f = prem80(opA, opB, ieee, res80);
      if ((f & Sw.DE) !== 0 && this.exc(Sw.DE)) return;
      this.exc(f & 0x3c);
      const q = premQ;
      this.loadRaw(this.top, res80.se, res80.hi, res80.lo);
      this.sw = (this.sw & ~CC) | ((q & 8) !== 0 ? Sw.C2 : (q & 4 ? Sw.C0 : 0) | (q & 2 ? Sw.C3 : 0) | (q & 1 ? Sw.C1 : 0));
      return;
    }
    if (ca >= ExtClass.QNAN || cb >= ExtClass.QNAN) {
      this.sw &= ~Sw.C2;
      this.nanResult(this.top, ca, cb);
      return;
    }
    const x = this.get(0);
    const y = this.get(1);
    if (x !== x || y !== y || !Number.isFinite(x) || y === 0) {
      this.sw &= ~Sw.C2;
      if (x === x && y === y && this.exc(Sw.IE)) return;
      this.result(0, NaN, x === x && y === y ? 0 : x, y);
      return;
    }
    if (!Number.isFinite(y) || x === 0) {
      this.sw &= ~(CC);
      return; // result is x itself
    }
    const ex = Math.floor(Math.log2(Math.abs(x)));
    const ey = Math.floor(Math.log2(Math.abs(y)));
    if (ex - ey >= 64) {
      // partial remainder: reduce by a power-of-two multiple of y, report incomplete (C2)
      const n = ex - ey - 32;
      const yy = y * pow2(n);
      const r = x % yy;
      this.set(this.top, r);
      this.sw = (this.sw & ~CC) | Sw.C2;
      return;
    }
    let r = x % y;
    let q = Math.abs((x - r) / y);
    if (ieee) {
      const ay = Math.abs(y);
      const ar = Math.abs(r);
      if (ar * 2 > ay || (ar * 2 === ay && q % 2 === 1)) {
        r -= Math.sign(r) * ay;
        q += 1;
      }
    }
    if (r === 0) r = x < 0 ? -0 : 0;
    const qi = q % 8;
    this.set(this.top, r);
    this.sw = (this.sw & ~CC) | (qi & 4 ? Sw.C0 : 0) | (qi & 2 ? Sw.C3 : 0) | (qi & 1 ? Sw.C1 : 0);
  }
}

/** Whether an m32real/m64real operand (already widened to a double) was a denormal in its own format. */
function isMemDenormal(esc: number, v: number): boolean {
  if (v === 0 || v !== v) return false;
  const m = Math.abs(v);
  return esc === 0 ? m < 2 ** -126 : esc === 4 ? m < 2 ** -1022 : false;
}

/** A double with the sign and zero-ness of the finite 80-bit value `x` whose nearest double is `v`. */
function finiteStandIn(v: number, x: Raw80): number {
  const neg = (x.se & 0x8000) !== 0;
  if ((x.hi | x.lo) === 0) return neg ? -0 : 0;
  if (v === 0) return neg ? -Number.MIN_VALUE : Number.MIN_VALUE;
  if (!Number.isFinite(v)) return neg ? -Number.MAX_VALUE : Number.MAX_VALUE;
  return v;
}
