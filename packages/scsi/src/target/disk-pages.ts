/**
 * Data-in payloads of a direct-access block device: standard INQUIRY data,
 * the VPD pages and the mode pages Linux's sd driver reads.
 *
 * @module
 */

/** The identity strings and ids a disk reports. */
export interface DiskIdentity {
  /** T10 vendor id, 8 ASCII characters after padding. */
  readonly vendor: string;
  /** Product id, 16 characters after padding. */
  readonly product: string;
  /** Product revision, 4 characters after padding. */
  readonly revision: string;
  /** Unit serial number (VPD page 0x80). */
  readonly serial: string;
  /** 16-byte NAA type 6 identifier (VPD page 0x83). */
  readonly naa: Uint8Array;
}

/** Write `s` padded with spaces (or cut) to `len` ASCII bytes at `off`. */
export function putAscii(dst: Uint8Array, off: number, s: string, len: number): void {
  for (let i = 0; i < len; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 0x20;
    dst[off + i] = c >= 0x20 && c < 0x7f ? c : 0x20;
  }
}

/** Write a big-endian 32-bit value. */
export function putBe32(dst: Uint8Array, off: number, v: number): void {
  dst[off] = (v >>> 24) & 0xff;
  dst[off + 1] = (v >>> 16) & 0xff;
  dst[off + 2] = (v >>> 8) & 0xff;
  dst[off + 3] = v & 0xff;
}

/** Write a big-endian 16-bit value. */
export function putBe16(dst: Uint8Array, off: number, v: number): void {
  dst[off] = (v >>> 8) & 0xff;
  dst[off + 1] = v & 0xff;
}

/** Write an unsigned integer < 2^53 as a big-endian 64-bit value. */
export function putBe64(dst: Uint8Array, off: number, v: number): void {
  putBe32(dst, off, Math.floor(v / 0x100000000) >>> 0);
  putBe32(dst, off + 4, v >>> 0);
}

/**
 * Derive a stable NAA 6 (IEEE registered extended) identifier from a serial:
 * the VMware OUI 00:0C:29 followed by two FNV-1a hashes of the serial.
 */
export function naaFromSerial(serial: string): Uint8Array {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < serial.length; i++) {
    const c = serial.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x0100019d) >>> 0;
  }
  const id = new Uint8Array(16);
  // NAA 6 | OUI 000C29 | 36-bit vendor id | 64-bit extension
  id[0] = 0x60;
  id[1] = 0x00;
  id[2] = 0xc2;
  id[3] = 0x90 | ((h1 >>> 28) & 0xf);
  putBe32(id, 4, (h1 << 4) >>> 0);
  id[7] |= (h2 >>> 28) & 0xf;
  putBe32(id, 8, (h2 << 4) >>> 0 | (h1 & 0xf));
  putBe32(id, 12, Math.imul(h1 ^ h2, 0x9e3779b1) >>> 0);
  return id;
}

/** Length of the standard INQUIRY data returned. */
export const STANDARD_INQUIRY_LENGTH = 36;

/**
 * Standard INQUIRY data (SPC-4 6.4.2): direct-access device, SPC-3 level,
 * tagged queueing. `present` false reports peripheral qualifier 3 (no unit).
 */
export function writeStandardInquiry(dst: Uint8Array, id: DiskIdentity, present: boolean): number {
  dst.fill(0, 0, STANDARD_INQUIRY_LENGTH);
  dst[0] = present ? 0x00 : 0x7f;
  dst[2] = 0x05; // SPC-3
  dst[3] = 0x02; // response data format 2
  dst[4] = STANDARD_INQUIRY_LENGTH - 5;
  dst[7] = 0x02; // CmdQue; no Sync/WBus16, so SPI domain validation stays minimal
  putAscii(dst, 8, id.vendor, 8);
  putAscii(dst, 16, id.product, 16);
  putAscii(dst, 32, id.revision, 4);
  return STANDARD_INQUIRY_LENGTH;
}

/** VPD pages this disk supports, in ascending order. */
export const VPD_PAGES = [0x00, 0x80, 0x83, 0xb0] as const;

/**
 * Write VPD page `page` (SPC-4 7.8). Returns its length, or -1 for an
 * unsupported page. `dst` must hold 96 bytes.
 * @param maxTransferBlocks advertised in the block limits page
 */
export function writeVpdPage(dst: Uint8Array, page: number, id: DiskIdentity, maxTransferBlocks: number): number {
  dst.fill(0, 0, 96);
  dst[1] = page;
  switch (page) {
    case 0x00:
      dst[3] = VPD_PAGES.length;
      for (let i = 0; i < VPD_PAGES.length; i++) dst[4 + i] = VPD_PAGES[i]!;
      return 4 + VPD_PAGES.length;
    case 0x80: {
      const n = Math.min(id.serial.length, 32);
      dst[3] = n;
      putAscii(dst, 4, id.serial, n);
      return 4 + n;
    }
    case 0x83: {
      // NAA designator: binary code set, LU association, type 3
      let o = 4;
      dst[o] = 0x01;
      dst[o + 1] = 0x03;
      dst[o + 3] = 16;
      dst.set(id.naa.subarray(0, 16), o + 4);
      o += 20;
      // T10 vendor id designator: ASCII, type 1: vendor + product serial
      const sn = id.serial.slice(0, 24);
      dst[o] = 0x02;
      dst[o + 1] = 0x01;
      dst[o + 3] = 8 + sn.length;
      putAscii(dst, o + 4, id.vendor, 8);
      putAscii(dst, o + 12, sn, sn.length);
      o += 4 + 8 + sn.length;
      putBe16(dst, 2, o - 4);
      return o;
    }
    case 0xb0:
      // Block limits (SBC-3 6.5.3): maximum transfer length
      putBe16(dst, 2, 0x3c);
      putBe32(dst, 8, maxTransferBlocks);
      putBe32(dst, 12, 0);
      return 0x40;
    default:
      return -1;
  }
}

/** Mode page control field values. */
export const PageControl = { Current: 0, Changeable: 1, Default: 2, Saved: 3 } as const;

/** Cylinders/heads/sectors the rigid disk geometry page reports. */
const HEADS = 255;
const SECTORS = 63;

/**
 * Append mode page `page` at `dst[off]`; returns the new offset, or -1 for an
 * unsupported page. Pages: 0x01 read-write error recovery, 0x04 rigid disk
 * geometry, 0x08 caching (WCE), 0x0A control.
 */
export function writeModePage(
  dst: Uint8Array,
  off: number,
  page: number,
  pc: number,
  wce: boolean,
  blocks: number,
): number {
  switch (page) {
    case 0x01:
      dst.fill(0, off, off + 12);
      dst[off] = 0x01;
      dst[off + 1] = 0x0a;
      if (pc !== PageControl.Changeable) dst[off + 2] = 0x80; // AWRE
      return off + 12;
    case 0x04: {
      dst.fill(0, off, off + 24);
      dst[off] = 0x04;
      dst[off + 1] = 0x16;
      if (pc !== PageControl.Changeable) {
        const cyl = Math.min(Math.floor(blocks / (HEADS * SECTORS)), 0xffffff);
        dst[off + 2] = (cyl >>> 16) & 0xff;
        dst[off + 3] = (cyl >>> 8) & 0xff;
        dst[off + 4] = cyl & 0xff;
        dst[off + 5] = HEADS;
        putBe16(dst, off + 20, 5400); // medium rotation rate
      }
      return off + 24;
    }
    case 0x08:
      dst.fill(0, off, off + 20);
      dst[off] = 0x08;
      dst[off + 1] = 0x12;
      if (pc === PageControl.Changeable) dst[off + 2] = 0x04;
      else if (pc === PageControl.Default || wce) dst[off + 2] = 0x04;
      return off + 20;
    case 0x0a:
      dst.fill(0, off, off + 12);
      dst[off] = 0x0a;
      dst[off + 1] = 0x0a;
      if (pc !== PageControl.Changeable) dst[off + 3] = 0x10; // unrestricted reordering
      return off + 12;
    default:
      return -1;
  }
}

/** Mode pages returned for page code 0x3F, in order. */
export const ALL_MODE_PAGES = [0x01, 0x04, 0x08, 0x0a] as const;
