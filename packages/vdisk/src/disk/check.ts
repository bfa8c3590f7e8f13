import type { FileSystemLike } from '../storage/file-like.js';
import { SparseExtent } from '../vmdk/sparse-extent.js';
import { ClampedExtent } from './clamped-extent.js';
import { openVirtualDisk } from './open.js';

/** The result of {@link checkDisk}. */
export interface CheckResult {
  /** Problems found, each naming the extent file ('' when there are none). */
  errors: string[];
  /** Sparse extents checked. */
  sparseExtents: number;
}

/**
 * Check a disk's metadata (`vm disk check`): for each sparse extent, the
 * directory against its redundant copy, each grain table against its
 * redundant copy, grain offsets in range, no shared grains.
 * An image too broken to open rejects with its VdiskError instead.
 */
export async function checkDisk(fs: FileSystemLike, path: string): Promise<CheckResult> {
  const disk = await openVirtualDisk(fs, path, { readOnly: true });
  const errors: string[] = [];
  let sparseExtents = 0;
  try {
    for (let i = 0; i < disk.extents.length; i++) {
      const e = disk.extents[i]!;
      const inner = e instanceof SparseExtent ? e : e instanceof ClampedExtent ? e.inner : null;
      if (!inner) continue;
      sparseExtents++;
      const name = disk.descriptor?.extents[i]?.file ?? disk.path;
      for (const issue of await inner.check()) errors.push(`${name}: ${issue}`);
    }
  } finally {
    await disk.close();
  }
  return { errors, sparseExtents };
}
