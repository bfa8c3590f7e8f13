/**
 * Sizes of the emulated 53C1030 message unit.
 *
 * @module
 */

/** Request frame size reported in IOC FACTS, in dwords. */
export const MPT_REQUEST_FRAME_DWORDS = 32;
/** Requests the IOC accepts at once (IOC FACTS GlobalCredits). */
export const MPT_CREDITS = 128;
/** Targets per bus (SPI wide). */
export const MPT_MAX_TARGETS = 16;
