/**
 * `@vm/bios/test`: builders of synthetic boot images (bzImage headers,
 * ELF32 and a.out-kludge Multiboot kernels) and table readers, for tests of
 * loaders and of machines that use them.
 *
 * @packageDocumentation
 */
export { buildSyntheticBzImage, patternBytes } from './synthetic-bzimage.js';
export type { SyntheticBzImageOptions } from './synthetic-bzimage.js';
export { readAcpiTables } from './acpi-reader.js';
export type { FoundAcpiTable } from './acpi-reader.js';
export { buildMultibootAout, buildMultibootElf } from './synthetic-multiboot.js';
export type { SyntheticSegment } from './synthetic-multiboot.js';
