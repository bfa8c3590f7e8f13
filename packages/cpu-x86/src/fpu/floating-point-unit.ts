/**
 * The FPU/SIMD unit attached to the integer core through {@link FpuUnit}:
 * the x87 ({@link X87}), the SSE register file and MXCSR, FXSAVE/FXRSTOR,
 * and a table of `0F`-map SIMD handlers that the MMX/SSE modules fill in.
 *
 * @module
 */

import type { Cpu } from '../cpu.js';
import type { FpuUnit } from '../fpu-hook.js';
import { Vec } from '../constants.js';
import { X87 } from './x87.js';
import type { Raw80 } from './float80.js';

/** A handler for one `0F xx` SIMD opcode; returns false when the encoding (prefix/ModRM) is not one it implements. */
export type SimdHandler = (cpu: Cpu, unit: FloatingPointUnit) => boolean;

/** Options of a {@link FloatingPointUnit}. */
export interface FloatingPointUnitOptions {
  /** Called for an unmasked x87 exception while CR0.NE = 0 (the PC's FERR# -> IRQ13 path). */
  ferr?: (() => void) | null;
}

/** MXCSR bits this unit implements (no DAZ), reported as MXCSR_MASK. */
export const MXCSR_MASK = 0xffbf;

const raw: Raw80 = { se: 0, hi: 0, lo: 0 };

/**
 * x87 + SSE state and execution. CPUID advertises FPU and FXSR, plus the
 * MMX/SSE/SSE2 bits of the SIMD modules registered with {@link addSimd}.
 */
export class FloatingPointUnit implements FpuUnit {
  /** The x87 unit (its registers double as the MMX registers). */
  readonly fpu = new X87();
  /** XMM0..XMM7 as 32 dwords (XMMn dword k at index n*4+k). */
  readonly xmm = new Int32Array(32);
  /** The same bytes as single-precision lanes. */
  readonly xmmF32 = new Float32Array(this.xmm.buffer);
  /** The same bytes as double-precision lanes. */
  readonly xmmF64 = new Float64Array(this.xmm.buffer);
  /** MXCSR. */
  mxcsr = 0x1f80;
  /** @inheritDoc */
  cpuidEdx = (1 << 0) | (1 << 24);
  /** @inheritDoc */
  cpuidEcx = 0;
  /** SIMD handlers by second opcode byte. */
  readonly simdOps: (SimdHandler | null)[] = new Array<SimdHandler | null>(256).fill(null);
  private readonly ferr: (() => void) | null;

  /** @param options FERR# wiring */
  constructor(options: FloatingPointUnitOptions = {}) {
    this.ferr = options.ferr ?? null;
    this.simdOps[0xae] = fxsaveGroup;
  }

  /**
   * Register SIMD handlers (an MMX or SSE module) and the CPUID bits they
   * complete. Call before the CPU runs.
   */
  addSimd(handlers: Readonly<Record<number, SimdHandler>>, cpuidEdx: number, cpuidEcx = 0): void {
    for (const [op, h] of Object.entries(handlers)) this.simdOps[Number(op) & 0xff] = h;
    this.cpuidEdx |= cpuidEdx;
    this.cpuidEcx |= cpuidEcx;
  }

  /** True when CPUID advertises SSE (bit 25). */
  get hasSse(): boolean {
    return (this.cpuidEdx & (1 << 25)) !== 0;
  }

  /** @inheritDoc */
  x87(cpu: Cpu): void {
    this.fpu.exec(cpu, cpu.opcode & 7, cpu.modrm, this.ferr);
  }

  /** @inheritDoc */
  wait(cpu: Cpu): void {
    this.fpu.checkPending(cpu, this.ferr);
  }

  /** @inheritDoc */
  simd(cpu: Cpu): boolean {
    const h = this.simdOps[cpu.opcode & 0xff];
    return h !== null && h !== undefined && h(cpu, this);
  }

  /** @inheritDoc */
  reset(): void {
    this.fpu.init();
    this.fpu.st.fill(0);
    this.fpu.isRaw.fill(0);
    this.xmm.fill(0);
    this.mxcsr = 0x1f80;
  }

  /** FXSAVE: the 512-byte image (SDM vol. 2, FXSAVE, table 3-53, 32-bit layout). */
  fxsave(cpu: Cpu, seg: number, off: number): void {
    if ((off & 15) !== 0 && ((cpu.segBase[seg]! + off) & 15) !== 0) cpu.gp(0);
    cpu.segCheck(seg, off, 512, true);
    cpu.probeWrite((cpu.segBase[seg]! + off) | 0, 512);
    const x = this.fpu;
    let ftw = 0;
    for (let p = 0; p < 8; p++) if (((x.empty >> p) & 1) === 0) ftw |= 1 << p;
    cpu.write16(seg, off, x.cw);
    cpu.write16(seg, (off + 2) | 0, x.status());
    cpu.write16(seg, (off + 4) | 0, ftw);
    cpu.write16(seg, (off + 6) | 0, x.fop);
    cpu.write32(seg, (off + 8) | 0, x.fip);
    cpu.write32(seg, (off + 12) | 0, x.fcs & 0xffff);
    cpu.write32(seg, (off + 16) | 0, x.fdp);
    cpu.write32(seg, (off + 20) | 0, x.fds & 0xffff);
    cpu.write32(seg, (off + 24) | 0, this.mxcsr);
    cpu.write32(seg, (off + 28) | 0, MXCSR_MASK);
    for (let i = 0; i < 8; i++) {
      const o = (off + 32 + i * 16) | 0;
      x.bits80(x.phys(i), raw);
      cpu.write32(seg, o, raw.lo);
      cpu.write32(seg, (o + 4) | 0, raw.hi);
      cpu.write32(seg, (o + 8) | 0, raw.se);
      cpu.write32(seg, (o + 12) | 0, 0);
    }
    for (let i = 0; i < 32; i++) cpu.write32(seg, (off + 160 + i * 4) | 0, this.xmm[i]!);
  }

  /** FXRSTOR: load the 512-byte image; reserved MXCSR bits raise #GP(0). */
  fxrstor(cpu: Cpu, seg: number, off: number): void {
    if ((off & 15) !== 0 && ((cpu.segBase[seg]! + off) & 15) !== 0) cpu.gp(0);
    cpu.segCheck(seg, off, 512, false);
    const mx = cpu.read32(seg, (off + 24) | 0);
    if ((mx & ~MXCSR_MASK) !== 0) cpu.gp(0);
    // read everything before changing anything, so a fault leaves the state intact
    const img = new Int32Array(128);
    for (let i = 0; i < 128; i++) img[i] = cpu.read32(seg, (off + i * 4) | 0);
    const x = this.fpu;
    x.cw = (img[0]! & 0xffff) | 0x40;
    x.setStatus(img[0]! >>> 16);
    const ftw = img[1]! & 0xff;
    x.fop = (img[1]! >>> 16) & 0x7ff;
    x.fip = img[2]!;
    x.fcs = img[3]! & 0xffff;
    x.fdp = img[4]!;
    x.fds = img[5]! & 0xffff;
    this.mxcsr = mx;
    for (let i = 0; i < 8; i++) x.loadRaw(x.phys(i), img[8 + i * 4 + 2]! & 0xffff, img[8 + i * 4 + 1]!, img[8 + i * 4]!);
    let empty = 0;
    for (let p = 0; p < 8; p++) if (((ftw >> p) & 1) === 0) empty |= 1 << p;
    x.empty = empty;
    if ((x.sw & 0x3f & ~x.cw) !== 0) x.sw |= 0x8080;
    else x.sw &= ~0x8080;
    for (let i = 0; i < 32; i++) this.xmm[i] = img[40 + i]!;
  }
}

/** `0F AE`: FXSAVE, FXRSTOR, LDMXCSR, STMXCSR, and the fences/CLFLUSH. */
function fxsaveGroup(cpu: Cpu, unit: FloatingPointUnit): boolean {
  if (cpu.simdPrefix !== 0) return false;
  const reg = (cpu.modrm >> 3) & 7;
  if (cpu.modrm >= 0xc0) {
    // LFENCE/MFENCE (SSE2), SFENCE (SSE): ordering is already total here
    if (reg >= 5) return reg === 7 ? unit.hasSse : (unit.cpuidEdx & (1 << 26)) !== 0;
    return false;
  }
  switch (reg) {
    case 0:
      unit.fxsave(cpu, cpu.eaSeg, cpu.eaOff);
      return true;
    case 1:
      unit.fxrstor(cpu, cpu.eaSeg, cpu.eaOff);
      return true;
    case 2: {
      if (!unit.hasSse) return false;
      const v = cpu.read32(cpu.eaSeg, cpu.eaOff);
      if ((v & ~MXCSR_MASK) !== 0) cpu.gp(0);
      unit.mxcsr = v;
      return true;
    }
    case 3:
      if (!unit.hasSse) return false;
      cpu.write32(cpu.eaSeg, cpu.eaOff, unit.mxcsr);
      return true;
    case 7:
      // CLFLUSH (only with CPUID.1:EDX.CLFSH): no cache to flush, but the operand is checked
      if ((unit.cpuidEdx & (1 << 19)) === 0) return false;
      cpu.read8(cpu.eaSeg, cpu.eaOff);
      return true;
    default:
      return false;
  }
}

/** The vector a SIMD numeric exception uses: #XM when CR4.OSXMMEXCPT, else #UD (SDM vol. 3, 6.15, #XM). */
export function simdExceptionVector(cpu: Cpu): number {
  return (cpu.cr4 & 0x400) !== 0 ? Vec.XM : Vec.UD;
}
