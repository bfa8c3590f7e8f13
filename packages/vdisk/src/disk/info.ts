import type { FileSystemLike } from '../storage/file-like.js';
import { SparseExtent } from '../vmdk/sparse-extent.js';
import { ClampedExtent } from './clamped-extent.js';
import { openVirtualDisk } from './open.js';
import type { VirtualDisk } from './virtual-disk.js';

/** One extent as {@link DiskInfo} reports it. */
export interface ExtentInfo {
  /** `sparse`, `flat` or `zero`. */
  kind: 'sparse' | 'flat' | 'zero';
  /** File name from the descriptor (the image itself for a raw or bare sparse image). */
  file: string | null;
  /** Access from the descriptor (`RW`, `RDONLY`). */
  access: string;
  /** Size in sectors. */
  sectors: number;
  /** Sector offset in the file (flat extents). */
  offset: number;
  /** Sectors per grain (sparse extents, else 0). */
  grainSectors: number;
  /** Grains holding data (sparse extents; flat extents count every sector as allocated). */
  allocatedGrains: number;
  /** Grains marked zeroed (sparse extents). */
  zeroedGrains: number;
  /** Guest-visible bytes stored in this extent. */
  allocatedBytes: number;
  /** The sparse header's uncleanShutdown flag: a writer did not close the extent. */
  uncleanShutdown: boolean;
}

/** What `vm disk info` shows. */
export interface DiskInfo {
  /** Path opened. */
  path: string;
  /** `raw` or `vmdk`. */
  format: 'raw' | 'vmdk';
  /** VMDK createType (`raw` for raw images). */
  createType: string;
  /** Capacity in sectors. */
  sectors: number;
  /** Capacity in bytes. */
  capacityBytes: number;
  /** Content ID (VMDK), or null. */
  cid: number | null;
  /** Parent's CID for delta disks / redo logs, or null. */
  parentCid: number | null;
  /** Parent file name for delta disks / redo logs, or null. */
  parentFileNameHint: string | null;
  /** `ddb.*` keys. */
  ddb: Record<string, string>;
  /** Extents in disk order. */
  extents: ExtentInfo[];
  /** Guest-visible bytes stored by this image (not its parent). */
  allocatedBytes: number;
}

/** Describe an open disk: layout, extents, allocated grains and bytes. */
export async function describeDisk(disk: VirtualDisk): Promise<DiskInfo> {
  const d = disk.descriptor;
  const extents: ExtentInfo[] = [];
  let total = 0;
  for (let i = 0; i < disk.extents.length; i++) {
    const e = disk.extents[i]!;
    const line = d?.extents[i];
    const inner = e instanceof SparseExtent ? e : e instanceof ClampedExtent ? e.inner : null;
    let info: ExtentInfo;
    if (inner) {
      const c = await inner.countGrains();
      info = {
        kind: 'sparse',
        file: line?.file ?? disk.path,
        access: line?.access ?? (e.readOnly ? 'RDONLY' : 'RW'),
        sectors: e.sectors,
        offset: 0,
        grainSectors: inner.grainSectors,
        allocatedGrains: c.data,
        zeroedGrains: c.zero,
        allocatedBytes: Math.min(c.data * inner.grainSectors, e.sectors) * 512,
        uncleanShutdown: inner.header.uncleanShutdown,
      };
    } else {
      info = {
        kind: e.kind,
        file: line?.file ?? (e.kind === 'zero' ? null : disk.path),
        access: line?.access ?? (e.readOnly ? 'RDONLY' : 'RW'),
        sectors: e.sectors,
        offset: line?.offset ?? 0,
        grainSectors: 0,
        allocatedGrains: 0,
        zeroedGrains: 0,
        allocatedBytes: e.kind === 'flat' ? e.sectors * 512 : 0,
        uncleanShutdown: false,
      };
    }
    total += info.allocatedBytes;
    extents.push(info);
  }
  return {
    path: disk.path,
    format: disk.format,
    createType: d ? d.createType : disk.format === 'raw' ? 'raw' : 'monolithicSparse',
    sectors: disk.sectorCount,
    capacityBytes: disk.sectorCount * 512,
    cid: d ? d.cid : null,
    parentCid: d && d.parentCid !== 0xffffffff ? d.parentCid : null,
    parentFileNameHint: d ? d.parentFileNameHint : null,
    ddb: d ? Object.fromEntries(d.ddb) : {},
    extents,
    allocatedBytes: total,
  };
}

/** Open `path` read-only and describe it (`vm disk info`). */
export async function diskInfo(fs: FileSystemLike, path: string): Promise<DiskInfo> {
  const disk = await openVirtualDisk(fs, path, { readOnly: true });
  try {
    return await describeDisk(disk);
  } finally {
    await disk.close();
  }
}

