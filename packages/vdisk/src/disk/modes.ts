import { VdiskError } from '../errors.js';
import { relativePath } from '../storage/file-like.js';
import type { FileSystemLike } from '../storage/file-like.js';
import { MemoryFileSystem } from '../storage/memory-file.js';
import { CID_NONE } from '../vmdk/descriptor.js';
import { createDisk } from './create.js';
import { openVirtualDisk } from './open.js';
import type { DiskFormat, DiskMode, VirtualDisk } from './virtual-disk.js';

/** Options for {@link openDisk}. */
export interface DiskModeOptions {
  /** ESX disk mode (default `persistent`). */
  mode?: DiskMode;
  /** Open read-only (persistent mode only). */
  readOnly?: boolean;
  /** Force the base image's format. */
  format?: DiskFormat;
  /**
   * Redo log path. Undoable default: `<disk>.REDO` next to the disk.
   * Nonpersistent default: none (the redo log lives in memory); when given,
   * a temporary file there, deleted at close.
   */
  redoPath?: string;
  /** Sectors per grain of a new redo log (default 128: copy-on-write in 64 KiB grains). */
  redoGrainSize?: number;
}

/** The redo log path ESX uses for an undoable disk: `<disk>.REDO`. */
export function defaultRedoPath(diskPath: string): string {
  return `${diskPath}.REDO`;
}

/**
 * Create a redo log at `redoPath` over `base` (a monolithicSparse delta
 * whose parentCID is the base's CID) and open it with `base` as parent.
 */
export async function createRedoLog(
  fs: FileSystemLike,
  redoPath: string,
  base: VirtualDisk,
  grainSize = 128,
  parentHint = relativePath(redoPath, base.path),
): Promise<VirtualDisk> {
  return createDisk(fs, redoPath, {
    size: base.sectorCount * 512,
    subformat: 'monolithicSparse',
    grainSize,
    zeroedGrains: true,
    parent: { cid: base.descriptor ? base.descriptor.cid : CID_NONE, fileNameHint: parentHint, disk: base },
  });
}

/**
 * Open a disk in an ESX disk mode:
 * - `persistent`: reads and writes go to the disk;
 * - `nonpersistent`: the disk is opened read-only and writes go to a redo
 *   log (in memory, or a temporary file) thrown away at {@link VirtualDisk.close};
 * - `undoable`: writes go to `<disk>.REDO`, kept across opens (ESX "append")
 *   until {@link commitRedo} or {@link discardRedo}.
 * Copy-on-write is per grain: the first write to a grain copies it from the base.
 */
export async function openDisk(fs: FileSystemLike, path: string, opts: DiskModeOptions = {}): Promise<VirtualDisk> {
  const mode = opts.mode ?? 'persistent';
  if (mode === 'persistent') {
    const d = await openVirtualDisk(fs, path, { readOnly: opts.readOnly ?? false, format: opts.format });
    d.mode = 'persistent';
    return d;
  }
  const base = await openVirtualDisk(fs, path, { readOnly: true, format: opts.format });
  try {
    if (mode === 'nonpersistent') {
      const redoFs: FileSystemLike = opts.redoPath !== undefined ? fs : new MemoryFileSystem();
      const redoPath = opts.redoPath ?? 'redo.vmdk';
      const d = await createRedoLog(redoFs, redoPath, base, opts.redoGrainSize, path);
      d.mode = 'nonpersistent';
      d.onClose = () => redoFs.remove(redoPath);
      return d;
    }
    if (mode === 'undoable') {
      const redoPath = opts.redoPath ?? defaultRedoPath(path);
      const d = (await fs.exists(redoPath))
        ? await openVirtualDisk(fs, redoPath, { parent: base })
        : await createRedoLog(fs, redoPath, base, opts.redoGrainSize);
      d.mode = 'undoable';
      return d;
    }
    throw new VdiskError('invalid-argument', `unknown disk mode ${String(mode)}`);
  } catch (e) {
    await base.close();
    throw e;
  }
}

/** Progress report: `done` of `total` units (sectors) processed. */
export type ProgressCallback = (done: number, total: number) => void;

/** Options for {@link commitRedo} and {@link discardRedo}. */
export interface RedoOptions {
  /** Redo log path (default `<disk>.REDO`). */
  redoPath?: string;
  /** Called as sectors are merged. */
  onProgress?: ProgressCallback;
}

/** Sectors copied per request during commit and convert (1 MiB). */
const CHUNK_SECTORS = 2048;

/**
 * Merge an undoable disk's redo log into the disk, make it durable, then
 * delete the redo log. The disk must not be open elsewhere.
 * @returns the number of sectors merged
 */
export async function commitRedo(fs: FileSystemLike, path: string, opts: RedoOptions = {}): Promise<number> {
  const redoPath = opts.redoPath ?? defaultRedoPath(path);
  if (!(await fs.exists(redoPath))) throw new VdiskError('not-found', `no redo log ${redoPath}`);
  const base = await openVirtualDisk(fs, path, {});
  let merged = 0;
  try {
    const redo = await openVirtualDisk(fs, redoPath, { readOnly: true, parent: base });
    // The redo log only borrows the base: closing it leaves the base open.
    redo.ownsParent = false;
    try {
      const runs: [number, number][] = [];
      let total = 0;
      for (let s = 0; s < redo.sectorCount; ) {
        const r = await redo.status(s);
        if (r.kind !== 'unallocated') {
          runs.push([s, r.sectors]);
          total += r.sectors;
        }
        s += r.sectors;
      }
      const buf = new Uint8Array(CHUNK_SECTORS * 512);
      for (const [start, len] of runs) {
        for (let s = start; s < start + len; s += CHUNK_SECTORS) {
          const n = Math.min(CHUNK_SECTORS, start + len - s);
          const part = buf.subarray(0, n * 512);
          await redo.read(s, part);
          await base.write(s, part);
          merged += n;
          opts.onProgress?.(merged, total);
        }
      }
      if (total === 0) opts.onProgress?.(0, 0);
      await base.flush();
    } finally {
      await redo.close();
    }
  } finally {
    await base.close();
  }
  await fs.remove(redoPath);
  return merged;
}

/** Throw away an undoable disk's redo log (the disk keeps its content from before). */
export async function discardRedo(fs: FileSystemLike, path: string, opts: RedoOptions = {}): Promise<void> {
  const redoPath = opts.redoPath ?? defaultRedoPath(path);
  if (!(await fs.exists(redoPath))) throw new VdiskError('not-found', `no redo log ${redoPath}`);
  await fs.remove(redoPath);
  opts.onProgress?.(1, 1);
}
