/**
 * The interface between the integer core and an x87/MMX/SSE unit.
 *
 * The integer core decodes prefixes, the opcode and the ModRM/SIB/displacement
 * of every instruction, then hands FPU and SIMD opcodes to the unit attached
 * through {@link CpuOptions.fpu}. Without a unit the core behaves like a CPU
 * without those units whose firmware set CR0.EM: `D8`-`DF` and `9B` (WAIT) raise
 * #NM when CR0.EM or CR0.TS demand it and #UD otherwise for SIMD, and CPUID
 * advertises none of the FPU/MMX/SSE feature bits.
 *
 * Rules the core applies before calling the unit (SDM vol. 3, 2.5 and 12.1):
 * - x87 escape (`D8`-`DF`): CR0.EM=1 or CR0.TS=1 -> #NM.
 * - `WAIT`/`FWAIT` (`9B`): CR0.TS=1 and CR0.MP=1 -> #NM.
 * - MMX (`0F 60-7F`, `0F D0-FF`, `0F 77` without a mandatory prefix): CR0.EM=1 -> #UD, CR0.TS=1 -> #NM.
 * - SSE (other `0F` SIMD opcodes, `0F AE` FXSAVE group): CR0.EM=1 or CR4.OSFXSR=0 -> #UD
 *   (FXSAVE/FXRSTOR only need CR0.EM=0), CR0.TS=1 -> #NM.
 *
 * When the unit is called, the instruction has been decoded:
 * `cpu.opcode` (0x0D8..0x0DF for escapes, 0x100 | second byte for `0F xx`),
 * `cpu.modrm`, and for a memory operand (`cpu.modrm < 0xc0`) `cpu.eaSeg` /
 * `cpu.eaOff`; the mandatory prefix is in `cpu.simdPrefix` (0, 0x66, 0xF2 or
 * 0xF3). The unit reads and writes guest memory only with the checked accessors
 * (`cpu.read8/16/32(seg, off)`, `cpu.write8/16/32(seg, off, v)`), raises
 * exceptions with `cpu.raise(vector)` (which does not return), may read the
 * general registers through `cpu.reg32` and fetch immediates with `cpu.fetch8()`.
 *
 * @module
 */

import type { Cpu } from './cpu.js';

/** An x87/MMX/SSE execution unit attached to a {@link Cpu}. */
export interface FpuUnit {
  /** CPUID.1:EDX bits this unit implements (FPU=bit 0, MMX=23, FXSR=24, SSE=25, SSE2=26). */
  readonly cpuidEdx: number;
  /** CPUID.1:ECX bits this unit implements (SSE3=bit 0, ...). */
  readonly cpuidEcx: number;
  /** Execute an x87 escape (`cpu.opcode` is 0xD8..0xDF). */
  x87(cpu: Cpu): void;
  /** `WAIT`/`FWAIT`: report a pending unmasked x87 exception (#MF or FERR#). */
  wait(cpu: Cpu): void;
  /**
   * Execute a `0F`-map MMX/SSE opcode (`cpu.opcode` = 0x100 | byte). Return
   * false if the unit does not implement it (the core raises #UD).
   */
  simd(cpu: Cpu): boolean;
  /** Power-on reset (FNINIT state, MXCSR = 0x1F80). */
  reset(): void;
}

/** CPUID.1:EDX bits that belong to an {@link FpuUnit}: FPU, MMX, FXSR, SSE, SSE2. */
export const FPU_CPUID_EDX_MASK = (1 << 0) | (1 << 23) | (1 << 24) | (1 << 25) | (1 << 26);
