import { BlockError } from '../block.js';
import type { BlockBackend } from '../block.js';

/**
 * A {@link BlockBackend} held in memory, for SCSI target and adapter tests.
 * `failNext` makes the next request reject with an I/O error, to test how
 * host failures reach the guest.
 */
export class RamBlockBackend implements BlockBackend {
  /** @inheritDoc */
  readonly sectorSize = 512;
  /** The disk's bytes. */
  readonly bytes: Uint8Array;
  /** Number of completed flushes. */
  flushes = 0;
  /** When set, the next request rejects with this kind of error. */
  failNext: 'io' | null = null;

  /**
   * @param sectorCount capacity in sectors
   * @param readOnly refuse writes
   */
  constructor(
    readonly sectorCount: number,
    readonly readOnly = false,
  ) {
    this.bytes = new Uint8Array(sectorCount * 512);
  }
  private check(sector: number, buf: Uint8Array): void {
    if (this.failNext) {
      this.failNext = null;
      throw new BlockError('io', 'injected I/O error');
    }
    if (buf.length % 512 !== 0) throw new RangeError(`buffer length ${buf.length} is not a whole number of sectors`);
    if (!Number.isInteger(sector) || sector < 0 || sector + buf.length / 512 > this.sectorCount)
      throw new BlockError('out-of-range', `sectors ${sector}+${buf.length / 512} beyond ${this.sectorCount}`);
  }
  /** @inheritDoc */
  async read(sector: number, dst: Uint8Array): Promise<void> {
    this.check(sector, dst);
    dst.set(this.bytes.subarray(sector * 512, sector * 512 + dst.length));
  }
  /** @inheritDoc */
  async write(sector: number, src: Uint8Array): Promise<void> {
    this.check(sector, src);
    if (this.readOnly) throw new BlockError('read-only', 'backend is read-only');
    this.bytes.set(src, sector * 512);
  }
  /** @inheritDoc */
  async flush(): Promise<void> {
    this.flushes++;
  }
}
