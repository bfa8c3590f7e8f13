/**
 * SMBIOS 2.4 tables (DMTF DSP0134): the 31-byte "_SM_"/"_DMI_" entry point
 * and the structure table with BIOS (type 0), system (1), enclosure (3),
 * processor (4), memory array (16), memory device (17), memory array mapped
 * address (19), system boot (32) and end-of-table (127) structures. Guests
 * read the system manufacturer, product and serial from here (Linux's DMI;
 * its VMware detection looks for "VMware" in the system serial).
 *
 * @module
 */

import { fixChecksum, put16, put32, putAscii } from '../bytes.js';
import { FirmwareError } from '../errors.js';
import type { FwCfgFile } from './fw-cfg-file.js';

/** BIOS information (type 0); omit (`false`) when SeaBIOS adds its own. */
export interface SmbiosBios {
  /** Vendor string. */
  readonly vendor: string;
  /** Version string. */
  readonly version: string;
  /** Release date, mm/dd/yyyy. */
  readonly date: string;
}

/** System information (type 1). */
export interface SmbiosSystem {
  /** Manufacturer. */
  readonly manufacturer: string;
  /** Product name. */
  readonly product: string;
  /** Version. */
  readonly version: string;
  /** Serial number. */
  readonly serial: string;
  /** UUID, 16 bytes as stored. */
  readonly uuid: Uint8Array;
  /** Family. */
  readonly family: string;
}

/** What the tables describe. */
export interface SmbiosConfig {
  /** Guest RAM in bytes (memory array, device and mapping; below and above 4 GiB together). */
  readonly ramSize: number;
  /** Number of processors (one type 4 each). */
  readonly cpus: number;
  /** CPUID(1).EAX for the processor ID (default 0x0683). */
  readonly cpuSignature?: number;
  /** CPUID(1).EDX for the processor ID (default 0x00008311). */
  readonly cpuFeatures?: number;
  /** Type 0, or `false` for none (SeaBIOS inserts its own). Default: vendor "vm". */
  readonly bios?: SmbiosBios | false;
  /** Type 1 (default: a neutral identity with an all-zero UUID). */
  readonly system?: SmbiosSystem;
}

/** A built set: structures plus an entry point whose table address is 0 until placed. */
export interface SmbiosTableSet {
  /** The 31-byte entry point (table address 0, checksums unset). */
  readonly entryPoint: Uint8Array;
  /** The structure table. */
  readonly tables: Uint8Array;
  /** Number of structures. */
  readonly count: number;
  /** Size of the largest structure. */
  readonly maxStructureSize: number;
}

/** Size of the SMBIOS 2.1+ entry point. */
export const SMBIOS_ENTRY_POINT_SIZE = 31;

/** fw_cfg names SeaBIOS reads SMBIOS from. */
export const SmbiosFwCfgName = {
  /** The entry point ("anchor"). */
  anchor: 'etc/smbios/smbios-anchor',
  /** The structure table. */
  tables: 'etc/smbios/smbios-tables',
} as const;

/**
 * The identity VMware virtual machines present: manufacturer "VMware, Inc.",
 * product "VMware Virtual Platform", and a serial "VMware-" followed by the
 * UUID bytes in hex ("56 4d … 12-34 … ab").
 */
export function vmwareSystemIdentity(uuid: Uint8Array): SmbiosSystem {
  if (uuid.length !== 16) throw new FirmwareError('bad-option', `UUID has ${uuid.length} bytes, not 16`);
  const hex = Array.from(uuid, (b) => b.toString(16).padStart(2, '0'));
  return {
    manufacturer: 'VMware, Inc.',
    product: 'VMware Virtual Platform',
    version: 'None',
    serial: `VMware-${hex.slice(0, 8).join(' ')}-${hex.slice(8).join(' ')}`,
    uuid,
    family: '',
  };
}

class StructureWriter {
  readonly parts: Uint8Array[] = [];
  count = 0;
  max = 0;
  private handle = 0;

  /** Add a structure: `formatted` (without header) and its strings; returns its handle. */
  add(type: number, formatted: (b: Uint8Array, str: (s: string) => number) => void, length: number): number {
    const strings: string[] = [];
    const str = (s: string): number => {
      if (s === '') return 0;
      for (const c of s) if (c.charCodeAt(0) < 0x20 || c.charCodeAt(0) > 0x7e) throw new FirmwareError('bad-option', `SMBIOS string "${s}" is not printable ASCII`);
      strings.push(s);
      return strings.length;
    };
    const head = new Uint8Array(length);
    head[0] = type;
    head[1] = length;
    const handle = this.handle++;
    put16(head, 2, handle);
    formatted(head, str);
    const tailLen = strings.length === 0 ? 2 : strings.reduce((n, s) => n + s.length + 1, 0) + 1;
    const out = new Uint8Array(length + tailLen);
    out.set(head);
    let at = length;
    for (const s of strings) {
      putAscii(out, at, s, s.length);
      at += s.length + 1;
    }
    this.parts.push(out);
    this.count++;
    this.max = Math.max(this.max, out.length);
    return handle;
  }
}

/**
 * Build the structures and an unplaced entry point.
 * @throws FirmwareError for a bad RAM size, CPU count or string
 */
export function buildSmbiosTables(config: SmbiosConfig): SmbiosTableSet {
  if (!Number.isSafeInteger(config.ramSize) || config.ramSize < 0x100000) throw new FirmwareError('bad-option', `ramSize ${config.ramSize} is too small`);
  if (!Number.isInteger(config.cpus) || config.cpus < 1 || config.cpus > 255) throw new FirmwareError('bad-option', `cpus ${config.cpus} is not in 1..255`);
  const w = new StructureWriter();
  const bios = config.bios ?? { vendor: 'vm', version: '0.1', date: '01/01/2026' };
  if (bios) {
    w.add(0, (b, s) => {
      b[4] = s(bios.vendor);
      b[5] = s(bios.version);
      put16(b, 6, 0xe800); // starting segment
      b[8] = s(bios.date);
      b[9] = 0; // ROM size 64 KiB
      b[10] = 0x08; // characteristics: "not supported" (bit 3)
      b[18] = 0; // extension byte 1
      b[19] = 0x08 | 0x10; // extension byte 2: targeted content distribution, VM (bits 3, 4)
      b[20] = 0; // system BIOS major
      b[21] = 1; // system BIOS minor
      b[22] = 0xff; // no embedded controller
      b[23] = 0xff;
    }, 0x18);
  }
  const sys = config.system ?? { manufacturer: 'vm', product: 'vm virtual machine', version: '1', serial: '0', uuid: new Uint8Array(16), family: '' };
  if (sys.uuid.length !== 16) throw new FirmwareError('bad-option', `UUID has ${sys.uuid.length} bytes, not 16`);
  w.add(1, (b, s) => {
    b[4] = s(sys.manufacturer);
    b[5] = s(sys.product);
    b[6] = s(sys.version);
    b[7] = s(sys.serial);
    b.set(sys.uuid, 8);
    b[24] = 6; // wake-up type: power switch
    b[25] = 0; // SKU
    b[26] = s(sys.family);
  }, 0x1b);
  w.add(3, (b, s) => {
    b[4] = s(sys.manufacturer);
    b[5] = 1; // type: other
    b[9] = 3; // boot-up state: safe
    b[10] = 3; // power supply state: safe
    b[11] = 3; // thermal state: safe
    b[12] = 2; // security status: unknown
  }, 0x15);
  for (let i = 0; i < config.cpus; i++) {
    w.add(4, (b, s) => {
      b[4] = s(`CPU ${i}`); // socket designation
      b[5] = 3; // central processor
      b[6] = 1; // family: other
      b[7] = s('GenuineIntel');
      put32(b, 8, config.cpuSignature ?? 0x0683);
      put32(b, 12, config.cpuFeatures ?? 0x00008311);
      b[17] = 0; // voltage: unknown
      put16(b, 20, 2000); // max speed, MHz
      put16(b, 22, 2000); // current speed
      b[24] = 0x41; // socket populated, CPU enabled
      b[25] = 1; // upgrade: other
      put16(b, 26, 0xffff); // no L1/L2/L3 cache information
      put16(b, 28, 0xffff);
      put16(b, 30, 0xffff);
    }, 0x23);
  }
  const kib = Math.ceil(config.ramSize / 1024);
  const array = w.add(16, (b) => {
    b[4] = 3; // location: system board
    b[5] = 3; // use: system memory
    b[6] = 3; // error correction: none
    put32(b, 7, Math.min(kib, 0x7fffffff)); // maximum capacity, KiB
    put16(b, 11, 0xfffe); // no error information
    put16(b, 13, 1); // one device
  }, 0x0f);
  w.add(17, (b, s) => {
    put16(b, 4, array);
    put16(b, 6, 0xfffe);
    put16(b, 8, 0xffff); // total width unknown
    put16(b, 10, 0xffff); // data width unknown
    const mib = Math.ceil(config.ramSize / 0x100000);
    put16(b, 12, mib < 0x8000 ? mib : 0x7fff); // size in MiB
    b[14] = 9; // form factor: DIMM
    b[16] = s('DIMM 0');
    b[18] = 7; // type: RAM
    put16(b, 19, 2); // type detail: other
  }, 0x1b);
  w.add(19, (b) => {
    put32(b, 4, 0); // starting address, KiB
    put32(b, 8, Math.min(kib, 0xffffffff) - 1); // ending address, KiB
    put16(b, 12, array);
    b[14] = 1; // partition width
  }, 0x0f);
  w.add(32, () => {}, 0x0b); // boot status 0: no errors
  w.add(127, () => {}, 4);

  let total = 0;
  for (const p of w.parts) total += p.length;
  if (total > 0xffff) throw new FirmwareError('bad-option', `SMBIOS structures of ${total} bytes exceed 64 KiB`);
  const tables = new Uint8Array(total);
  let at = 0;
  for (const p of w.parts) {
    tables.set(p, at);
    at += p.length;
  }
  const ep = new Uint8Array(SMBIOS_ENTRY_POINT_SIZE);
  putAscii(ep, 0, '_SM_', 4);
  ep[5] = SMBIOS_ENTRY_POINT_SIZE;
  ep[6] = 2;
  ep[7] = 4;
  put16(ep, 8, w.max);
  putAscii(ep, 0x10, '_DMI_', 5);
  put16(ep, 0x16, total);
  put16(ep, 0x1c, w.count);
  ep[0x1e] = 0x24; // BCD revision 2.4
  return { entryPoint: ep, tables, count: w.count, maxStructureSize: w.max };
}

/**
 * Fix the entry point for tables at `tablesAddress` (below 4 GiB) and fill
 * both checksums. The entry point belongs 16-byte aligned in 0xF0000..0xFFFFF.
 */
export function placeSmbiosEntryPoint(set: SmbiosTableSet, tablesAddress: number): Uint8Array {
  const ep = set.entryPoint.slice();
  put32(ep, 0x18, tablesAddress);
  fixChecksum(ep, 0x15, 0x10, SMBIOS_ENTRY_POINT_SIZE - 0x10);
  fixChecksum(ep, 0x04, 0, SMBIOS_ENTRY_POINT_SIZE);
  return ep;
}

/**
 * The fw_cfg files SeaBIOS builds SMBIOS from: the anchor (entry point whose
 * table length, count and maximum size SeaBIOS updates when it adds its own
 * type 0) and the structures. Build with `bios: false` to let SeaBIOS name
 * itself in type 0.
 */
export function smbiosFwCfgFiles(set: SmbiosTableSet): FwCfgFile[] {
  return [
    { name: SmbiosFwCfgName.anchor, data: set.entryPoint.slice() },
    { name: SmbiosFwCfgName.tables, data: set.tables.slice() },
  ];
}
