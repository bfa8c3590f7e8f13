import { BlockError } from '@vm/bus';

/**
 * What is wrong with an image or a request to the vdisk library.
 * - `bad-magic`: the file is not the format it claims (no `KDMV` magic)
 * - `bad-header`: a sparse extent header field is impossible (grain size, GT size, capacity)
 * - `descriptor-syntax`: a descriptor line does not parse (see {@link VdiskError.line})
 * - `grain-directory-out-of-range`: a grain directory entry points outside the file
 * - `grain-table-out-of-range`: a grain table entry points into metadata or past the end of the file
 * - `truncated`: the file ends before its metadata does
 * - `unsupported`: a valid feature this library does not implement (compressed grains, COWD, ...)
 * - `missing-extent`: an extent file named by a descriptor does not exist
 * - `parent-mismatch`: a redo log's parentCID differs from its parent's CID
 * - `not-found` / `exists`: a file is missing / already there
 * - `invalid-argument`: a caller passed an impossible option
 * - `io`: the host file system failed
 */
export type VdiskErrorKind =
  | 'bad-magic'
  | 'bad-header'
  | 'descriptor-syntax'
  | 'grain-directory-out-of-range'
  | 'grain-table-out-of-range'
  | 'truncated'
  | 'unsupported'
  | 'missing-extent'
  | 'parent-mismatch'
  | 'not-found'
  | 'exists'
  | 'invalid-argument'
  | 'io';

/** The error the vdisk library throws for corrupt images and bad requests. */
export class VdiskError extends Error {
  /** Machine-readable reason. */
  readonly kind: VdiskErrorKind;
  /** 1-based descriptor line number for `descriptor-syntax`, else 0. */
  readonly line: number;
  /**
   * @param kind machine-readable reason
   * @param message human-readable detail
   * @param line descriptor line number (descriptor-syntax errors)
   */
  constructor(kind: VdiskErrorKind, message: string, line = 0) {
    super(line > 0 ? `line ${line}: ${message}` : message);
    this.name = 'VdiskError';
    this.kind = kind;
    this.line = line;
  }
}

/**
 * Turn any failure below a disk into the `BlockError` a guest sees:
 * metadata problems become `corrupt`, everything else `io`.
 */
export function toBlockError(e: unknown): BlockError {
  if (e instanceof BlockError) return e;
  if (e instanceof VdiskError) {
    return new BlockError(e.kind === 'io' ? 'io' : 'corrupt', e.message);
  }
  return new BlockError('io', e instanceof Error ? e.message : String(e));
}
