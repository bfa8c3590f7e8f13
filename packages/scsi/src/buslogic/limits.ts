/**
 * Sizes of the emulated BT-958.
 *
 * @module
 */

/** Targets on the (wide) bus. */
export const BUSLOGIC_MAX_TARGETS = 16;
/** Scatter/gather segments accepted per CCB (reported in extended setup). */
export const BUSLOGIC_SG_LIMIT = 1024;
