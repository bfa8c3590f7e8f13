/**
 * SCSI sense keys, additional sense codes and the fixed-format sense data
 * layout (SPC-4 section 4.5.3).
 *
 * @module
 */

/** Sense keys (SPC-4 table 48). */
export const SenseKey = {
  /** No error to report. */
  NoSense: 0x0,
  /** The unit cannot be accessed (stopped). */
  NotReady: 0x2,
  /** A non-recoverable media error (the backend failed). */
  MediumError: 0x3,
  /** A bad CDB or parameter. */
  IllegalRequest: 0x5,
  /** Reset or power-on; reported once. */
  UnitAttention: 0x6,
  /** Write to a write-protected medium. */
  DataProtect: 0x7,
  /** The target aborted the command. */
  AbortedCommand: 0xb,
  /** VERIFY found different data. */
  Miscompare: 0xe,
} as const;

/** Additional sense code and qualifier pairs, as `asc << 8 | ascq`. */
export const Asc = {
  /** 00/00 */
  NoAdditionalSense: 0x0000,
  /** 04/02 LOGICAL UNIT NOT READY, INITIALIZING COMMAND REQUIRED */
  NotReadyInitCommandRequired: 0x0402,
  /** 0C/00 WRITE ERROR */
  WriteError: 0x0c00,
  /** 11/00 UNRECOVERED READ ERROR */
  UnrecoveredReadError: 0x1100,
  /** 1A/00 PARAMETER LIST LENGTH ERROR */
  ParameterListLengthError: 0x1a00,
  /** 1D/00 MISCOMPARE DURING VERIFY OPERATION */
  MiscompareDuringVerify: 0x1d00,
  /** 20/00 INVALID COMMAND OPERATION CODE */
  InvalidCommandOperationCode: 0x2000,
  /** 21/00 LOGICAL BLOCK ADDRESS OUT OF RANGE */
  LbaOutOfRange: 0x2100,
  /** 24/00 INVALID FIELD IN CDB */
  InvalidFieldInCdb: 0x2400,
  /** 25/00 LOGICAL UNIT NOT SUPPORTED */
  LogicalUnitNotSupported: 0x2500,
  /** 26/00 INVALID FIELD IN PARAMETER LIST */
  InvalidFieldInParameterList: 0x2600,
  /** 27/00 WRITE PROTECTED */
  WriteProtected: 0x2700,
  /** 29/00 POWER ON, RESET, OR BUS DEVICE RESET OCCURRED */
  PowerOnReset: 0x2900,
  /** 39/00 SAVING PARAMETERS NOT SUPPORTED */
  SavingParametersNotSupported: 0x3900,
  /** 4B/00 DATA PHASE ERROR */
  DataPhaseError: 0x4b00,
} as const;

/** SCSI status codes (SAM-5 table 33). */
export const ScsiStatus = {
  /** Command completed. */
  Good: 0x00,
  /** Sense data describes an error. */
  CheckCondition: 0x02,
  /** The target is busy. */
  Busy: 0x08,
  /** Task set full. */
  TaskSetFull: 0x28,
} as const;

/** Bytes of fixed-format sense data this package produces. */
export const FIXED_SENSE_LENGTH = 18;

/**
 * Write fixed-format sense data (response code 0x70, current error) into
 * `dst[0..18)`.
 * @param key a {@link SenseKey}
 * @param ascq a value from {@link Asc} (`asc << 8 | ascq`)
 */
export function writeFixedSense(dst: Uint8Array, key: number, ascq: number): void {
  dst.fill(0, 0, FIXED_SENSE_LENGTH);
  dst[0] = 0x70;
  dst[2] = key & 0xf;
  dst[7] = FIXED_SENSE_LENGTH - 8;
  dst[12] = (ascq >>> 8) & 0xff;
  dst[13] = ascq & 0xff;
}
