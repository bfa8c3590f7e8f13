/**
 * The configuration pages of a 53C1030 port that Linux's mptbase/mptspi read
 * (mpi_cnfg.h layouts): Manufacturing 0, IO Unit 0-2, IOC 0-4, SCSI Port
 * 0-2 and SCSI Device 0-1 per target.
 *
 * @module
 */

import { PageType } from './mpi.js';

/** Per-adapter values the pages report, and the writable ones they keep. */
export class MptConfigState {
  /** IOC page 1 Flags (reply coalescing). */
  ioc1Flags = 0;
  /** IOC page 1 CoalescingTimeout. */
  ioc1Timeout = 0;
  /** IOC page 1 CoalescingDepth. */
  ioc1Depth = 0;
  /** SCSI device page 1 RequestedParameters, per target. */
  readonly requested = new Uint32Array(16);
  /** SCSI device page 1 Configuration, per target. */
  readonly devConfig = new Uint32Array(16);

  /** Back to power-on values. */
  reset(): void {
    this.ioc1Flags = 0;
    this.ioc1Timeout = 0;
    this.ioc1Depth = 0;
    this.requested.fill(0);
    this.devConfig.fill(0);
  }
}

/** Adapter facts the pages need. */
export interface MptPageFacts {
  /** PCI vendor id (IOC page 0). */
  readonly vendorId: number;
  /** PCI device id (IOC page 0). */
  readonly deviceId: number;
  /** PCI revision (IOC page 0). */
  readonly revisionId: number;
  /** PCI class code (IOC page 0). */
  readonly classCode: number;
  /** PCI subsystem vendor id (IOC page 0). */
  readonly subsystemVendorId: number;
  /** PCI subsystem id (IOC page 0). */
  readonly subsystemId: number;
  /** The adapter's SCSI id (SCSI port pages 1 and 2). */
  readonly initiatorId: number;
}

/** Supported-parameter mask for SCSI device pages: period/offset/wide/DT/QAS. */
const SPI_PARAMS_MASK = 0x20ffff07;
/** Port page 0 capabilities: min period 0x08 (Ultra320), max offset 0x7f, wide, DT, QAS. */
const PORT0_CAPS = 0x20000000 | (0x7f << 16) | (0x08 << 8) | 0x04 | 0x02;

function put32(d: Uint8Array, o: number, v: number): void {
  d[o] = v & 0xff;
  d[o + 1] = (v >>> 8) & 0xff;
  d[o + 2] = (v >>> 16) & 0xff;
  d[o + 3] = (v >>> 24) & 0xff;
}
function put16(d: Uint8Array, o: number, v: number): void {
  d[o] = v & 0xff;
  d[o + 1] = (v >>> 8) & 0xff;
}
function putStr(d: Uint8Array, o: number, s: string, n: number): void {
  for (let i = 0; i < n; i++) d[o + i] = i < s.length ? s.charCodeAt(i) & 0x7f : 0;
}

/**
 * Write page (`type`, `num`) for `address` into `d` (header included), and
 * return its length in dwords, or -1 when the page does not exist.
 * `d` must hold 128 bytes.
 */
export function buildConfigPage(
  d: Uint8Array,
  type: number,
  num: number,
  address: number,
  facts: MptPageFacts,
  st: MptConfigState,
): number {
  d.fill(0, 0, 128);
  let version = 0;
  let len = -1;
  switch (type) {
    case PageType.Manufacturing:
      if (num === 0) {
        putStr(d, 4, '53C1030', 16);
        putStr(d, 20, 'B2', 8);
        putStr(d, 28, 'LSI53C1030 VM', 16);
        putStr(d, 44, 'vm', 16);
        putStr(d, 60, '0000000000', 16);
        len = 19;
      }
      break;
    case PageType.IoUnit:
      if (num === 0) {
        put32(d, 4, 0x1030);
        put32(d, 8, 0);
        len = 3;
      } else if (num === 1) {
        put32(d, 4, 0); // single function, multi-pathing off
        len = 2;
        version = 1;
      } else if (num === 2) {
        put32(d, 8, 0x01000000); // BIOS version
        len = 8;
        version = 2;
      }
      break;
    case PageType.Ioc:
      if (num === 0) {
        put16(d, 12, facts.vendorId);
        put16(d, 14, facts.deviceId);
        d[16] = facts.revisionId;
        put32(d, 20, facts.classCode);
        put16(d, 24, facts.subsystemVendorId);
        put16(d, 26, facts.subsystemId);
        len = 7;
        version = 1;
      } else if (num === 1) {
        put32(d, 4, st.ioc1Flags);
        put32(d, 8, st.ioc1Timeout);
        d[12] = st.ioc1Depth;
        d[13] = 0xff; // PCI slot number unknown
        len = 4;
        version = 1;
      } else if (num === 2) {
        len = 5; // no RAID: capabilities 0, no volumes
        version = 2;
      } else if (num === 3) {
        len = 3;
      } else if (num === 4) {
        d[5] = 1; // MaxSEP
        len = 3;
      }
      break;
    case PageType.ScsiPort:
      if (address !== 0) break;
      if (num === 0) {
        put32(d, 4, PORT0_CAPS);
        put32(d, 8, 0x3); // LVD
        len = 3;
        version = 1;
      } else if (num === 1) {
        put32(d, 4, ((1 << (16 + facts.initiatorId)) | facts.initiatorId) >>> 0);
        len = 3;
        version = 3;
      } else if (num === 2) {
        put32(d, 8, facts.initiatorId & 0xf);
        for (let t = 0; t < 16; t++) d[12 + 4 * t + 1] = 0x08; // sync factor
        len = 19;
        version = 1;
      }
      break;
    case PageType.ScsiDevice: {
      const target = address & 0xff;
      if ((address >>> 8) !== 0 || target >= 16) break;
      if (num === 0) {
        put32(d, 4, st.requested[target]! & SPI_PARAMS_MASK);
        put32(d, 8, 0x1); // parameters negotiated
        len = 3;
        version = 3;
      } else if (num === 1) {
        put32(d, 4, st.requested[target]!);
        put32(d, 12, st.devConfig[target]!);
        len = 4;
        version = 3;
      }
      break;
    }
    default:
      break;
  }
  if (len < 0) return -1;
  d[0] = version;
  d[1] = len;
  d[2] = num;
  d[3] = type;
  return len;
}

/** Apply a WRITE_CURRENT/WRITE_NVRAM of page (`type`, `num`) from `d`. */
export function applyConfigWrite(d: Uint8Array, type: number, num: number, address: number, st: MptConfigState): void {
  const get32 = (o: number): number => (d[o]! | (d[o + 1]! << 8) | (d[o + 2]! << 16) | (d[o + 3]! << 24)) >>> 0;
  if (type === PageType.Ioc && num === 1) {
    st.ioc1Flags = get32(4) & 0x1;
    st.ioc1Timeout = get32(8);
    st.ioc1Depth = d[12]!;
  } else if (type === PageType.ScsiDevice && num === 1) {
    const target = address & 0xff;
    if ((address >>> 8) === 0 && target < 16) {
      st.requested[target] = get32(4);
      st.devConfig[target] = get32(12);
    }
  }
}
