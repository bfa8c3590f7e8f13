/**
 * `@vm/cpu-x86`: an i686 CPU for vm. The integer unit (8086 to P6), real,
 * protected and virtual-8086 modes, paging with a software TLB, exceptions,
 * task switching, SYSENTER/SYSEXIT, and hooks for an x87/MMX/SSE unit.
 *
 * ```ts
 * const cpu = new Cpu(platform);   // platform: a CpuPlatform from @vm/bus
 * cpu.run(100_000);                // up to 100,000 instructions
 * ```
 *
 * @packageDocumentation
 */
export { Cpu, type CpuOptions } from './cpu.js';
export { Translator, codeGenerationAllowed, type TranslatorOptions, type TranslatorStats } from './jit/translator.js';
export { Flag, Seg, Reg, Cr0, Cr4, Vec, Ar, AR_UNUSABLE, LazyOp, ARITH_FLAGS } from './constants.js';
export { CpuFault, FAULT } from './fault.js';
export { type FpuUnit, FPU_CPUID_EDX_MASK } from './fpu-hook.js';
export { DECODE, OPS, lockAllowed } from './ops/table.js';
export type { Op } from './ops/types.js';
export { INTEGER_CPUID_EDX } from './ops/system.js';
export { loadSegment, loadSegmentRaw } from './protected.js';
export * from './fpu/index.js';
export * from './simd/index.js';
export { CPU_STATE_NAME, CPU_STATE_VERSION } from './snapshot.js';
