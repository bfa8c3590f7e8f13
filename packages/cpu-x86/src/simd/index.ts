/**
 * MMX, SSE and SSE2 instructions for the {@link FloatingPointUnit}.
 *
 * @module
 */
export { installSimd, SIMD_CPUID_EDX } from './install.js';
export { Lanes } from './lanes.js';
