/**
 * The 36-byte System Description Table header every ACPI table but the
 * RSDP and FACS starts with (ACPI 6.5 section 5.2.6).
 *
 * @module
 */

import { putAscii, put32 } from '../../bytes.js';

/** Size of the SDT header. */
export const SDT_HEADER_SIZE = 36;

/** Header field offsets. */
export const SdtOffset = {
  /** Signature (4 chars). */
  signature: 0,
  /** Length of the whole table (u32). */
  length: 4,
  /** Revision (u8). */
  revision: 8,
  /** Checksum (u8): the table sums to 0. */
  checksum: 9,
  /** OEM ID (6 chars). */
  oemId: 10,
  /** OEM table ID (8 chars). */
  oemTableId: 16,
  /** OEM revision (u32). */
  oemRevision: 24,
  /** Creator ID (4 chars). */
  creatorId: 28,
  /** Creator revision (u32). */
  creatorRevision: 32,
} as const;

/** Who made the tables (OEM fields of every header and the RSDP). */
export interface AcpiOem {
  /** Six characters (padded with spaces). */
  readonly oemId: string;
  /** Eight characters (padded with spaces). */
  readonly oemTableId: string;
}

/** Write an SDT header at `off` with checksum 0 (filled in when placed). */
export function writeSdtHeader(
  b: Uint8Array,
  off: number,
  signature: string,
  length: number,
  revision: number,
  oem: AcpiOem,
): void {
  putAscii(b, off + SdtOffset.signature, signature, 4);
  put32(b, off + SdtOffset.length, length);
  b[off + SdtOffset.revision] = revision;
  b[off + SdtOffset.checksum] = 0;
  putAscii(b, off + SdtOffset.oemId, oem.oemId, 6);
  putAscii(b, off + SdtOffset.oemTableId, oem.oemTableId, 8);
  put32(b, off + SdtOffset.oemRevision, 1);
  putAscii(b, off + SdtOffset.creatorId, 'VMVM', 4);
  put32(b, off + SdtOffset.creatorRevision, 1);
}
