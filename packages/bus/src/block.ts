/**
 * Block storage for disk targets: a file (raw or VMDK), a redo log, memory.
 *
 * @module
 */

/**
 * Why a block request failed; a SCSI target maps it to sense data.
 * - `out-of-range`: the request leaves the device (sector + count > sectorCount)
 * - `read-only`: a write to a read-only backend
 * - `io`: the host storage failed (an I/O error from the file system)
 * - `corrupt`: the image's metadata is inconsistent (a corrupt grain table, say)
 */
export type BlockErrorKind = 'out-of-range' | 'read-only' | 'io' | 'corrupt';

/** The error a {@link BlockBackend} rejects with. */
export class BlockError extends Error {
  /** Machine-readable reason. */
  readonly kind: BlockErrorKind;
  /**
   * @param kind machine-readable reason
   * @param message human-readable detail
   */
  constructor(kind: BlockErrorKind, message: string) {
    super(message);
    this.name = 'BlockError';
    this.kind = kind;
  }
}

/**
 * A virtual disk's contents. Requests are whole sectors; `buffer.length` must
 * be a multiple of {@link sectorSize}. A resolved write is durable only after
 * a later {@link flush} resolves (write-back cache semantics, as SCSI
 * SYNCHRONIZE CACHE expects).
 */
export interface BlockBackend {
  /** Bytes per sector (512). */
  readonly sectorSize: number;
  /** Capacity in sectors. */
  readonly sectorCount: number;
  /** True when writes are refused. */
  readonly readOnly: boolean;
  /** Read `dst.length / sectorSize` sectors starting at `sector`. Rejects with {@link BlockError}. */
  read(sector: number, dst: Uint8Array): Promise<void>;
  /** Write `src.length / sectorSize` sectors starting at `sector`. Rejects with {@link BlockError}. */
  write(sector: number, src: Uint8Array): Promise<void>;
  /** Make every resolved write durable. Rejects with {@link BlockError}. */
  flush(): Promise<void>;
}
