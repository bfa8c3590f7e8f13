/**
 * x87 FPU and the SSE state; MMX/SSE instruction modules register with
 * {@link FloatingPointUnit.addSimd}.
 *
 * @module
 */
export { X87, Sw } from './x87.js';
export { FloatingPointUnit, MXCSR_MASK, simdExceptionVector } from './floating-point-unit.js';
export type { FloatingPointUnitOptions, SimdHandler } from './floating-point-unit.js';
export { doubleTo80, float80ToDouble, roundRc } from './float80.js';
export type { Raw80 } from './float80.js';
