import type { BlockBackend } from '@vm/bus';
import { BlockError } from '@vm/bus';
import { toBlockError } from '../errors.js';
import { SerialQueue } from '../serial-queue.js';
import type { FileLike } from '../storage/file-like.js';
import { formatDescriptor, newCid } from '../vmdk/descriptor.js';
import type { Descriptor } from '../vmdk/descriptor.js';
import { SparseExtent } from '../vmdk/sparse-extent.js';
import type { AllocationRun, Extent } from './extent.js';

/** Image formats. */
export type DiskFormat = 'raw' | 'vmdk';

/**
 * ESX 2 disk modes: `persistent` writes go to the disk; `nonpersistent`
 * writes go to a redo log thrown away at close; `undoable` writes go to a
 * redo log next to the disk that is kept until committed or discarded.
 */
export type DiskMode = 'persistent' | 'nonpersistent' | 'undoable';

/** Where a disk's descriptor lives, so a new CID can be written back. */
export type DescriptorHome =
  | {
      /** Embedded in a sparse extent (monolithicSparse). */
      kind: 'embedded';
      /** The extent holding it. */
      extent: SparseExtent;
    }
  | {
      /** A text descriptor file. */
      kind: 'file';
      /** The descriptor file. */
      file: FileLike;
    }
  | {
      /** Nowhere (raw images, bare sparse extents). */
      kind: 'none';
    };

/** Construction parameters for {@link VirtualDisk} (built by `openVirtualDisk`). */
export interface VirtualDiskParts {
  /** Path the disk was opened from. */
  path: string;
  /** Image format. */
  format: DiskFormat;
  /** Extents in disk order. */
  extents: Extent[];
  /** The descriptor (null for raw images). */
  descriptor: Descriptor | null;
  /** Where the descriptor is stored. */
  descriptorHome: DescriptorHome;
  /** Refuse writes. */
  readOnly: boolean;
  /** The parent disk (redo logs, delta disks), read where this one is unallocated. */
  parent: VirtualDisk | null;
}

/**
 * A virtual disk: raw or VMDK, a chain of extents, optionally over a parent
 * (a redo log). Implements `@vm/bus` `BlockBackend` with 512-byte sectors;
 * writes and flushes run in order, reads run concurrently.
 */
export class VirtualDisk implements BlockBackend {
  /** @inheritDoc */
  readonly sectorSize = 512;
  /** @inheritDoc */
  readonly sectorCount: number;
  /** @inheritDoc */
  readonly readOnly: boolean;
  /** Path the disk was opened from. */
  readonly path: string;
  /** Image format. */
  readonly format: DiskFormat;
  /** The parsed descriptor (null for raw images); its CID changes on the first write. */
  readonly descriptor: Descriptor | null;
  /** The disk this one overlays (redo logs), or null. */
  readonly parent: VirtualDisk | null;
  /** The extents, in disk order. */
  readonly extents: readonly Extent[];
  /** The ESX disk mode this disk was opened in. */
  mode: DiskMode = 'persistent';
  /** Runs at the end of {@link close} (nonpersistent mode discards its redo log here). */
  onClose: (() => Promise<void>) | null = null;
  /** Close {@link parent} along with this disk (false when the parent is only borrowed). */
  ownsParent = true;
  /** True once {@link close} started. */
  closed = false;
  private readonly starts: Float64Array;
  private readonly queue = new SerialQueue();
  private readonly home: DescriptorHome;
  private written = false;
  private descriptorDirty = false;

  /** @param parts what {@link openVirtualDisk} assembled */
  constructor(parts: VirtualDiskParts) {
    this.path = parts.path;
    this.format = parts.format;
    this.extents = parts.extents;
    this.descriptor = parts.descriptor;
    this.home = parts.descriptorHome;
    this.readOnly = parts.readOnly;
    this.parent = parts.parent;
    this.starts = new Float64Array(parts.extents.length);
    let at = 0;
    for (let i = 0; i < parts.extents.length; i++) {
      const e = parts.extents[i]!;
      this.starts[i] = at;
      e.base = at;
      e.parent = parts.parent;
      at += e.sectors;
    }
    this.sectorCount = at;
  }

  /** Index of the extent holding `sector` (binary search). */
  private extentAt(sector: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.starts[mid]! <= sector) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private check(sector: number, buf: Uint8Array): void {
    if (this.closed) throw new BlockError('io', 'disk is closed');
    if ((buf.length & 511) !== 0) throw new BlockError('out-of-range', `buffer length ${buf.length} is not a whole number of sectors`);
    if (!Number.isSafeInteger(sector) || sector < 0 || sector + buf.length / 512 > this.sectorCount)
      throw new BlockError('out-of-range', `sectors ${sector}+${buf.length / 512} beyond ${this.sectorCount}`);
  }

  /** @inheritDoc */
  async read(sector: number, dst: Uint8Array): Promise<void> {
    this.check(sector, dst);
    try {
      let done = 0;
      let s = sector;
      while (done < dst.length) {
        const i = this.extentAt(s);
        const e = this.extents[i]!;
        const local = s - this.starts[i]!;
        const n = Math.min((dst.length - done) / 512, e.sectors - local);
        await e.read(local, dst.subarray(done, done + n * 512));
        done += n * 512;
        s += n;
      }
    } catch (err) {
      throw toBlockError(err);
    }
  }

  /** @inheritDoc */
  write(sector: number, src: Uint8Array): Promise<void> {
    try {
      this.check(sector, src);
    } catch (err) {
      return Promise.reject(err);
    }
    if (this.readOnly) return Promise.reject(new BlockError('read-only', 'disk is read-only'));
    return this.queue.run(() => this.writeNow(sector, src));
  }

  private async writeNow(sector: number, src: Uint8Array): Promise<void> {
    try {
      if (!this.written) {
        this.written = true;
        // A new content ID tells redo logs made against the old content that their parent changed.
        if (this.descriptor && this.home.kind !== 'none') {
          this.descriptor.cid = newCid();
          this.descriptorDirty = true;
        }
      }
      let done = 0;
      let s = sector;
      while (done < src.length) {
        const i = this.extentAt(s);
        const e = this.extents[i]!;
        const local = s - this.starts[i]!;
        const n = Math.min((src.length - done) / 512, e.sectors - local);
        await e.write(local, src.subarray(done, done + n * 512));
        done += n * 512;
        s += n;
      }
    } catch (err) {
      throw toBlockError(err);
    }
  }

  /** @inheritDoc */
  flush(): Promise<void> {
    if (this.closed) return Promise.reject(new BlockError('io', 'disk is closed'));
    return this.queue.run(() => this.flushNow());
  }

  private async flushNow(): Promise<void> {
    if (this.readOnly) return;
    try {
      if (this.descriptorDirty && this.descriptor) {
        const text = formatDescriptor(this.descriptor);
        if (this.home.kind === 'embedded') await this.home.extent.writeDescriptor(text);
        else if (this.home.kind === 'file') {
          const b = new TextEncoder().encode(text);
          await this.home.file.write(0, b);
          await this.home.file.truncate(b.length);
          await this.home.file.flush();
        }
        this.descriptorDirty = false;
      }
      for (const e of this.extents) await e.flush();
    } catch (err) {
      throw toBlockError(err);
    }
  }

  /**
   * How this disk (not its parent) stores the sectors from `sector` on:
   * `data`, `zero`, or `unallocated` (reads through to the parent, or zeros).
   */
  async status(sector: number, max = this.sectorCount - sector): Promise<AllocationRun> {
    const i = this.extentAt(sector);
    const local = sector - this.starts[i]!;
    return this.extents[i]!.status(local, Math.min(max, this.sectorCount - sector));
  }

  /** Flush, release every file, close the parent this disk owns, then run {@link onClose}. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (!this.readOnly) await this.flush();
    this.closed = true;
    for (const e of this.extents) await e.close();
    if (this.home.kind === 'file') await this.home.file.close();
    if (this.parent && this.ownsParent) await this.parent.close();
    const done = this.onClose;
    this.onClose = null;
    if (done) await done();
  }
}
