import type { BlockBackend } from '@vm/bus';
import { BlockError } from '@vm/bus';
import type { FileLike } from '../storage/file-like.js';
import type { AllocationRun, Extent } from './extent.js';

/** A FLAT (or VMFS) extent: sectors stored contiguously in a file from a sector offset; also a raw image. */
export class FlatExtent implements Extent {
  /** @inheritDoc */
  readonly kind = 'flat';
  /** @inheritDoc */
  parent: BlockBackend | null = null;
  /** @inheritDoc */
  base = 0;
  private dirty = false;
  /**
   * @param file the backing file
   * @param sectors extent size in sectors
   * @param offset first sector inside the file
   * @param readOnly refuse writes
   */
  constructor(
    readonly file: FileLike,
    readonly sectors: number,
    readonly offset: number,
    readonly readOnly: boolean,
  ) {}
  /** @inheritDoc */
  async read(sector: number, dst: Uint8Array): Promise<void> {
    await this.file.read((this.offset + sector) * 512, dst);
  }
  /** @inheritDoc */
  async write(sector: number, src: Uint8Array): Promise<void> {
    if (this.readOnly) throw new BlockError('read-only', 'extent is read-only');
    this.dirty = true;
    await this.file.write((this.offset + sector) * 512, src);
  }
  /** @inheritDoc */
  async flush(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    await this.file.flush();
  }
  /** @inheritDoc */
  async status(sector: number, max: number): Promise<AllocationRun> {
    return { kind: 'data', sectors: Math.min(max, this.sectors - sector) };
  }
  /** @inheritDoc */
  async close(): Promise<void> {
    await this.file.close();
  }
}

/** A ZERO extent: reads as zeros, stores nothing, refuses writes. */
export class ZeroExtent implements Extent {
  /** @inheritDoc */
  readonly kind = 'zero';
  /** @inheritDoc */
  readonly readOnly = true;
  /** @inheritDoc */
  parent: BlockBackend | null = null;
  /** @inheritDoc */
  base = 0;
  /** @param sectors extent size in sectors */
  constructor(readonly sectors: number) {}
  /** @inheritDoc */
  async read(_sector: number, dst: Uint8Array): Promise<void> {
    dst.fill(0);
  }
  /** @inheritDoc */
  async write(): Promise<void> {
    throw new BlockError('read-only', 'ZERO extent is read-only');
  }
  /** @inheritDoc */
  async flush(): Promise<void> {}
  /** @inheritDoc */
  async status(sector: number, max: number): Promise<AllocationRun> {
    return { kind: 'zero', sectors: Math.min(max, this.sectors - sector) };
  }
  /** @inheritDoc */
  async close(): Promise<void> {}
}
