/**
 * `@vm/vdisk/test`: helpers for tests of code that uses disks: in-memory
 * disks, recognisable sector patterns, and a journaling file for flush
 * ordering and crash tests.
 *
 * @packageDocumentation
 */

import { createDisk } from '../disk/create.js';
import type { CreateOptions } from '../disk/create.js';
import type { VirtualDisk } from '../disk/virtual-disk.js';
import { MemoryFileSystem } from '../storage/memory-file.js';

export { JournalingFile, JournalingFileSystem } from './journaling-file.js';
export type { JournalEntry } from './journaling-file.js';

/** A disk in memory plus the file system holding its files. */
export interface MemoryDisk {
  /** The open disk. */
  disk: VirtualDisk;
  /** Its files. */
  fs: MemoryFileSystem;
  /** Its path in {@link fs}. */
  path: string;
}

/**
 * Create a disk in a fresh {@link MemoryFileSystem} (default: a
 * monolithicSparse VMDK at `disk.vmdk`).
 */
export async function memoryDisk(size: number, opts: Omit<CreateOptions, 'size'> = {}, path = 'disk.vmdk'): Promise<MemoryDisk> {
  const fs = new MemoryFileSystem();
  const disk = await createDisk(fs, path, { ...opts, size });
  return { disk, fs, path };
}

/**
 * `sectors` sectors of a pattern unique to `seed` and to each sector
 * (no all-zero sector), for round-trip checks.
 */
export function sectorPattern(sectors: number, seed: number): Uint8Array {
  const b = new Uint8Array(sectors * 512);
  for (let s = 0; s < sectors; s++) {
    for (let i = 0; i < 512; i++) b[s * 512 + i] = ((seed * 131 + s * 7 + i * 13) & 0xff) | 1;
  }
  return b;
}

/**
 * Index of the first byte where `a` and `b` differ, or -1 when they are
 * equal (length differences count at the shorter length). Much faster than
 * a deep-equality assertion on megabyte buffers.
 */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}
