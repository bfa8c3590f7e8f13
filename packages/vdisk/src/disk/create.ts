import { VdiskError } from '../errors.js';
import { baseName } from '../storage/file-like.js';
import type { FileSystemLike } from '../storage/file-like.js';
import { CID_NONE, formatDescriptor, newCid } from '../vmdk/descriptor.js';
import type { Descriptor, ExtentLine } from '../vmdk/descriptor.js';
import { MAX_SECTORS } from '../vmdk/header.js';
import { SparseExtent } from '../vmdk/sparse-extent.js';
import { openVirtualDisk } from './open.js';
import type { VirtualDisk } from './virtual-disk.js';

/** VMDK layouts this library writes. */
export type VmdkSubformat = 'monolithicSparse' | 'monolithicFlat' | 'twoGbMaxExtentSparse' | 'twoGbMaxExtentFlat';

/** How a new delta disk (redo log) refers to its parent. */
export interface ParentLink {
  /** The parent's CID, stored as `parentCID`. */
  cid: number;
  /** The parent's file name relative to the new disk (`parentFileNameHint`). */
  fileNameHint: string;
  /** The parent, already open: the new disk is returned opened over it (else it is opened by name). */
  disk?: VirtualDisk;
}

/** Options for {@link createDisk}. */
export interface CreateOptions {
  /** Capacity in bytes (a multiple of 512). */
  size: number;
  /** `raw` or `vmdk` (default `vmdk`). */
  format?: 'raw' | 'vmdk';
  /** VMDK layout (default `monolithicSparse`). */
  subformat?: VmdkSubformat;
  /** `ddb.adapterType`: `lsilogic` (default), `buslogic` or `ide`. */
  adapterType?: 'lsilogic' | 'buslogic' | 'ide';
  /** Sectors per grain for sparse extents (default 128). */
  grainSize?: number;
  /** Mark all-zero grains with a zeroed-grain entry instead of allocating them. */
  zeroedGrains?: boolean;
  /** Make a delta disk (redo log): the parent's CID and its name relative to the new disk. */
  parent?: ParentLink;
  /** Sectors per extent file for twoGbMaxExtent layouts (default 4192256 = 2047 MiB). */
  splitSectors?: number;
}

/** Sectors per part of a twoGbMaxExtent disk, as VMware splits them (2047 MiB). */
export const TWO_GB_EXTENT_SECTORS = 4192256;

/** Extent file names for a descriptor at `path`: `disk.vmdk` -> `disk-flat.vmdk`, `disk-s001.vmdk`. */
export function extentFileName(path: string, suffix: string): string {
  const b = baseName(path);
  const stem = b.toLowerCase().endsWith('.vmdk') ? b.slice(0, -5) : b;
  return `${stem}-${suffix}.vmdk`;
}

/** The `ddb.*` keys VMware writes for a new disk (CHS geometry as the BIOS sees it). */
export function defaultDdb(sectors: number, adapter: string): Map<string, string> {
  const ide = adapter === 'ide';
  const heads = ide ? 16 : 255;
  const spt = 63;
  const cyl = Math.max(1, Math.min(ide ? 16383 : 65535, Math.floor(sectors / (heads * spt))));
  return new Map([
    ['virtualHWVersion', '4'],
    ['geometry.cylinders', String(cyl)],
    ['geometry.heads', String(heads)],
    ['geometry.sectors', String(spt)],
    ['adapterType', adapter],
  ]);
}

/**
 * Create a new disk at `path` and open it read-write. Fails with VdiskError
 * `exists` when a file it would write is already there.
 */
export async function createDisk(fs: FileSystemLike, path: string, opts: CreateOptions): Promise<VirtualDisk> {
  const size = opts.size;
  if (!Number.isSafeInteger(size) || size <= 0 || size % 512 !== 0)
    throw new VdiskError('invalid-argument', `size ${size} is not a positive multiple of 512`);
  const sectors = size / 512;
  if (sectors > MAX_SECTORS) throw new VdiskError('invalid-argument', `size ${size} is too large`);
  if ((opts.format ?? 'vmdk') === 'raw') {
    const f = await fs.create(path);
    await f.truncate(size);
    await f.flush();
    await f.close();
    return openVirtualDisk(fs, path, { format: 'raw' });
  }
  const sub = opts.subformat ?? 'monolithicSparse';
  const d: Descriptor = {
    version: 1,
    cid: newCid(),
    parentCid: opts.parent ? opts.parent.cid : CID_NONE,
    createType: sub,
    parentFileNameHint: opts.parent ? opts.parent.fileNameHint : null,
    extents: [],
    ddb: opts.parent ? new Map() : defaultDdb(sectors, opts.adapterType ?? 'lsilogic'),
    other: new Map(),
  };
  const sparseOpts = { grainSize: opts.grainSize ?? 128, zeroedGrains: opts.zeroedGrains ?? false };
  if (sub === 'monolithicSparse') {
    d.extents.push({ access: 'RW', sectors, type: 'SPARSE', file: baseName(path), offset: 0 });
    const f = await fs.create(path);
    const x = await SparseExtent.create(f, { ...sparseOpts, capacity: sectors, descriptor: formatDescriptor(d) });
    await x.close();
    return openVirtualDisk(fs, path, opts.parent?.disk ? { parent: opts.parent.disk } : {});
  }
  const dir = path.slice(0, path.length - baseName(path).length);
  const parts: ExtentLine[] = [];
  if (sub === 'monolithicFlat') {
    parts.push({ access: 'RW', sectors, type: 'FLAT', file: extentFileName(path, 'flat'), offset: 0 });
  } else if (sub === 'twoGbMaxExtentSparse' || sub === 'twoGbMaxExtentFlat') {
    const split = opts.splitSectors ?? TWO_GB_EXTENT_SECTORS;
    if (!Number.isSafeInteger(split) || split <= 0) throw new VdiskError('invalid-argument', `split size ${split} sectors`);
    const sparse = sub === 'twoGbMaxExtentSparse';
    for (let at = 0, i = 1; at < sectors; at += split, i++) {
      const n = Math.min(split, sectors - at);
      const suffix = (sparse ? 's' : 'f') + String(i).padStart(3, '0');
      parts.push({ access: 'RW', sectors: n, type: sparse ? 'SPARSE' : 'FLAT', file: extentFileName(path, suffix), offset: 0 });
    }
  } else {
    throw new VdiskError('invalid-argument', `unknown VMDK subformat ${String(sub)}`);
  }
  for (const p of parts) if (await fs.exists(dir + p.file)) throw new VdiskError('exists', `file exists: ${dir + p.file}`);
  const desc = await fs.create(path);
  try {
    for (const p of parts) {
      const f = await fs.create(dir + p.file);
      if (p.type === 'SPARSE') {
        const x = await SparseExtent.create(f, { ...sparseOpts, capacity: p.sectors });
        await x.close();
      } else {
        await f.truncate(p.sectors * 512);
        await f.flush();
        await f.close();
      }
    }
    d.extents = parts;
    await desc.write(0, new TextEncoder().encode(formatDescriptor(d)));
    await desc.flush();
  } finally {
    await desc.close();
  }
  return openVirtualDisk(fs, path, opts.parent?.disk ? { parent: opts.parent.disk } : {});
}
