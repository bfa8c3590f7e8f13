import type { BlockBackend } from '@vm/bus';
import { VdiskError } from '../errors.js';
import type { FileSystemLike } from '../storage/file-like.js';
import { createDisk } from './create.js';
import type { CreateOptions } from './create.js';
import type { ProgressCallback } from './modes.js';
import { openVirtualDisk } from './open.js';
import { VirtualDisk } from './virtual-disk.js';

/** Options for {@link convertDisk}: the destination's layout plus progress. */
export interface ConvertOptions extends Omit<CreateOptions, 'size' | 'parent'> {
  /** Where the destination goes (default: the source's file system). */
  dstFs?: FileSystemLike;
  /** Called after each chunk with sectors done and total. */
  onProgress?: ProgressCallback;
}

function allZero(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

/**
 * Copy a disk's guest-visible content (its parent chain included) into a new
 * image (`vm disk convert`). Unallocated and all-zero regions are skipped, so
 * sparse destinations stay sparse.
 * @param src a path on `fs`, or any open BlockBackend
 * @returns the number of sectors written
 */
export async function convertDisk(fs: FileSystemLike, src: string | BlockBackend, dst: string, opts: ConvertOptions = {}): Promise<number> {
  const source = typeof src === 'string' ? await openVirtualDisk(fs, src, { readOnly: true }) : src;
  let written = 0;
  try {
    const total = source.sectorCount;
    if (source.sectorSize !== 512) throw new VdiskError('unsupported', `sector size ${source.sectorSize}`);
    const { dstFs, onProgress, ...create } = opts;
    const out = await createDisk(dstFs ?? fs, dst, { ...create, size: total * 512 });
    try {
      const chunk = 2048;
      const buf = new Uint8Array(chunk * 512);
      const vd = source instanceof VirtualDisk ? source : null;
      let s = 0;
      while (s < total) {
        let n = Math.min(chunk, total - s);
        if (vd) {
          const r = await vd.status(s, n);
          if (r.kind === 'zero' || (r.kind === 'unallocated' && vd.parent === null)) {
            s += r.sectors;
            onProgress?.(s, total);
            continue;
          }
          n = r.sectors;
        }
        const part = buf.subarray(0, n * 512);
        await source.read(s, part);
        if (!allZero(part)) {
          await out.write(s, part);
          written += n;
        }
        s += n;
        onProgress?.(s, total);
      }
      await out.flush();
    } finally {
      await out.close();
    }
  } finally {
    if (typeof src === 'string') await (source as VirtualDisk).close();
  }
  return written;
}
