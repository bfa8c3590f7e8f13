import type { BlockBackend } from '@vm/bus';
import type { SparseExtent } from '../vmdk/sparse-extent.js';
import type { AllocationRun, Extent } from './extent.js';

/**
 * A sparse extent whose descriptor line claims fewer sectors than its
 * header (QEMU rounds some extents up to a whole grain table).
 */
export class ClampedExtent implements Extent {
  /** @inheritDoc */
  readonly kind = 'sparse';
  /** @inheritDoc */
  readonly readOnly: boolean;
  /**
   * @param inner the whole sparse extent
   * @param sectors the size the descriptor gives it
   */
  constructor(
    /** The sparse extent underneath. */
    readonly inner: SparseExtent,
    /** @inheritDoc */
    readonly sectors: number,
  ) {
    this.readOnly = inner.readOnly;
  }
  /** @inheritDoc */
  get parent(): BlockBackend | null {
    return this.inner.parent;
  }
  /** @inheritDoc */
  set parent(p: BlockBackend | null) {
    this.inner.parent = p;
  }
  /** @inheritDoc */
  get base(): number {
    return this.inner.base;
  }
  /** @inheritDoc */
  set base(b: number) {
    this.inner.base = b;
  }
  /** @inheritDoc */
  read(s: number, d: Uint8Array): Promise<void> {
    return this.inner.read(s, d);
  }
  /** @inheritDoc */
  write(s: number, d: Uint8Array): Promise<void> {
    return this.inner.write(s, d);
  }
  /** @inheritDoc */
  flush(): Promise<void> {
    return this.inner.flush();
  }
  /** @inheritDoc */
  status(s: number, max: number): Promise<AllocationRun> {
    return this.inner.status(s, Math.min(max, this.sectors - s));
  }
  /** @inheritDoc */
  close(): Promise<void> {
    return this.inner.close();
  }
}

