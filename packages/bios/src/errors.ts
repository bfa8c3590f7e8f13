/**
 * The one error type this package throws: a boot image or a table request
 * the firmware cannot use, with a message that says what is wrong and where.
 *
 * @module
 */

/** Why a firmware, kernel, module or table request was refused. */
export type FirmwareErrorKind =
  /** The image is not what it claims (wrong magic, truncated, malformed). */
  | 'bad-image'
  /** A valid image of a version or flavour this loader does not handle. */
  | 'unsupported'
  /** The guest has too little RAM (or the wrong layout) for what must be loaded. */
  | 'no-room'
  /** A caller-supplied option is out of range. */
  | 'bad-option';

/**
 * Thrown by the ROM, kernel and table builders for input they cannot use.
 * These are host-side configuration mistakes (a wrong file name, too little
 * memory), reported before the guest runs; nothing here runs on a guest's
 * behalf.
 */
export class FirmwareError extends Error {
  /** Machine-readable reason. */
  readonly kind: FirmwareErrorKind;
  /**
   * @param kind machine-readable reason
   * @param message human-readable detail
   */
  constructor(kind: FirmwareErrorKind, message: string) {
    super(message);
    this.name = 'FirmwareError';
    this.kind = kind;
  }
}
