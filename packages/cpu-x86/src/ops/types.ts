/**
 * The shape of an instruction's semantics.
 *
 * @module
 */

import type { Cpu } from '../cpu.js';

/** An instruction's semantics over the CPU state; operands are already decoded into the CPU's decode fields. */
export type Op = (cpu: Cpu) => void;
