import { byteSum, getAscii, le32 } from '../bytes.js';

/** One table found by {@link readAcpiTables}. */
export interface FoundAcpiTable {
  /** Four-character signature. */
  readonly signature: string;
  /** Guest-physical address. */
  readonly address: number;
  /** The table's bytes (its header's length). */
  readonly bytes: Uint8Array;
  /** True when the bytes sum to zero (always true for the FACS, which has no checksum). */
  readonly checksumOk: boolean;
}

/**
 * Walk ACPI tables as an OS would: RSDP -> RSDT -> each table, and the
 * FADT's FACS and DSDT. `read(addr, len)` returns guest-physical bytes.
 * @throws Error when the RSDP signature is wrong
 */
export function readAcpiTables(read: (addr: number, len: number) => Uint8Array, rsdpAddress: number): Map<string, FoundAcpiTable> {
  const rsdp = read(rsdpAddress, 20);
  if (getAscii(rsdp, 0, 8) !== 'RSD PTR ') throw new Error(`no RSDP at 0x${rsdpAddress.toString(16)}`);
  const out = new Map<string, FoundAcpiTable>();
  out.set('RSD PTR', { signature: 'RSD PTR', address: rsdpAddress, bytes: rsdp, checksumOk: byteSum(rsdp) === 0 });
  const table = (addr: number): FoundAcpiTable => {
    const len = le32(read(addr + 4, 4), 0);
    const bytes = read(addr, len);
    const signature = getAscii(bytes, 0, 4);
    const t = { signature, address: addr, bytes, checksumOk: signature === 'FACS' || byteSum(bytes) === 0 };
    out.set(signature, t);
    return t;
  };
  const rsdt = table(le32(rsdp, 16));
  for (let at = 36; at + 4 <= rsdt.bytes.length; at += 4) {
    const t = table(le32(rsdt.bytes, at));
    if (t.signature === 'FACP') {
      table(le32(t.bytes, 36));
      table(le32(t.bytes, 40));
    }
  }
  return out;
}
