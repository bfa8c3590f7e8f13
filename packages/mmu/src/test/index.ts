/**
 * `@vm/mmu/test`: helpers for tests that need guest-physical memory: a
 * ready-made small address space, a recording MMIO device, and recorders for
 * mapping changes and watched writes.
 *
 * @packageDocumentation
 */

export { smallAddressSpace, RecordingMmio, MappingRecorder, WriteRecorder } from './helpers.js';
export type { SmallAddressSpaceOptions, MmioAccess } from './helpers.js';
