/**
 * `@vm/host/test`: helpers for testing code that drives machines through the
 * host's consoles.
 *
 * @packageDocumentation
 */
export { RecordingConsole } from './recording-console.js';
export { assemble, printCode, realModeRom, TestGuests } from './test-rom.js';
export type { AsmPart } from './test-rom.js';
