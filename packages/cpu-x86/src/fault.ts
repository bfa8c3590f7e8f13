/**
 * The one preallocated object thrown to unwind an instruction that raised an
 * exception. The vector and error code live on the CPU (`pendingVector`,
 * `pendingError`); the run loop catches this at the instruction boundary.
 *
 * @module
 */

/** Thrown (never allocated per fault) when an instruction raises an exception. */
export class CpuFault {
  /** A constant tag so a `catch` can tell it from host errors cheaply. */
  readonly isCpuFault = true;
}

/** The single instance every fault throws. */
export const FAULT = new CpuFault();
