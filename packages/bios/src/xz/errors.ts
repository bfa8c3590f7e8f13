/**
 * The one error type the xz decoder throws.
 *
 * @module
 */

/** Why an xz stream could not be decoded. */
export type XzErrorKind =
  /** The input does not start with the xz Stream Header magic bytes. */
  | 'bad-magic'
  /** A header, CRC, check, size field or compressed payload is inconsistent. */
  | 'corrupt'
  /** The input ends before the stream does. */
  | 'truncated'
  /** A valid stream that uses a feature this decoder does not implement (a filter, a new header field). */
  | 'unsupported'
  /** The decompressed data would exceed the caller's `maxOutput` limit. */
  | 'too-large';

/**
 * Thrown by {@link decompressXz} for input it cannot decode. The message
 * names the structure that is wrong and the input offset where it was found.
 */
export class XzError extends Error {
  /** Machine-readable reason. */
  readonly kind: XzErrorKind;
  /**
   * @param kind machine-readable reason
   * @param message human-readable detail
   */
  constructor(kind: XzErrorKind, message: string) {
    super(message);
    this.name = 'XzError';
    this.kind = kind;
  }
}

/** Format an input offset for error messages. */
export function at(offset: number): string {
  return `at input offset ${offset} (0x${offset.toString(16)})`;
}
