/**
 * A tiny AML encoder (ACPI 6.5 section 20, "ACPI Machine Language
 * Specification"): just the terms a minimal DSDT needs (names, integers,
 * strings, packages, scopes and devices), hand-assembled into bytes.
 *
 * @module
 */

import { FirmwareError } from '../../errors.js';

/** AML opcodes used here (ACPI 6.5 section 20.3). */
export const AmlOp = {
  Zero: 0x00,
  One: 0x01,
  Name: 0x08,
  BytePrefix: 0x0a,
  WordPrefix: 0x0b,
  DWordPrefix: 0x0c,
  StringPrefix: 0x0d,
  Scope: 0x10,
  Package: 0x12,
  ExtPrefix: 0x5b,
  Device: 0x82, // after ExtPrefix
  RootChar: 0x5c,
  DualNamePrefix: 0x2e,
  MultiNamePrefix: 0x2f,
  Ones: 0xff,
} as const;

/** Concatenate byte arrays. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * PkgLength (section 20.2.4) for a body of `bodyLength` bytes: the encoded
 * value counts its own bytes too. One byte up to 63, else 2-4 bytes with
 * the count in bits 6-7 of the lead byte.
 */
export function pkgLength(bodyLength: number): Uint8Array {
  for (let n = 1; n <= 4; n++) {
    const total = bodyLength + n;
    if (n === 1 && total <= 0x3f) return Uint8Array.of(total);
    if (n > 1 && total < 1 << (4 + 8 * (n - 1))) {
      const b = new Uint8Array(n);
      b[0] = ((n - 1) << 6) | (total & 0x0f);
      for (let i = 1; i < n; i++) b[i] = (total >>> (4 + 8 * (i - 1))) & 0xff;
      return b;
    }
  }
  throw new FirmwareError('bad-option', `AML package of ${bodyLength} bytes is too large`);
}

/** A 4-character NameSeg, padded with `_` (section 20.2.2). */
export function nameSeg(seg: string): Uint8Array {
  if (!/^[A-Z_][A-Z0-9_]{0,3}$/.test(seg)) throw new FirmwareError('bad-option', `bad AML name segment "${seg}"`);
  const s = seg.padEnd(4, '_');
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

/**
 * A NameString: optional root prefix `\`, then one, two (DualNamePrefix) or
 * more (MultiNamePrefix) segments separated by dots, e.g. `\_SB.PCI0`.
 */
export function nameString(path: string): Uint8Array {
  const root = path.startsWith('\\');
  const segs = (root ? path.slice(1) : path).split('.').filter(Boolean);
  const prefix: number[] = root ? [AmlOp.RootChar] : [];
  if (segs.length === 0) return Uint8Array.of(...prefix, 0x00);
  const body = concatBytes(segs.map(nameSeg));
  if (segs.length === 1) return concatBytes([Uint8Array.from(prefix), body]);
  if (segs.length === 2) return concatBytes([Uint8Array.of(...prefix, AmlOp.DualNamePrefix), body]);
  return concatBytes([Uint8Array.of(...prefix, AmlOp.MultiNamePrefix, segs.length), body]);
}

/** The shortest integer encoding: ZeroOp, OneOp, ByteConst, WordConst or DWordConst. */
export function amlInteger(v: number): Uint8Array {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new FirmwareError('bad-option', `AML integer ${v} out of range`);
  if (v === 0) return Uint8Array.of(AmlOp.Zero);
  if (v === 1) return Uint8Array.of(AmlOp.One);
  if (v <= 0xff) return Uint8Array.of(AmlOp.BytePrefix, v);
  if (v <= 0xffff) return Uint8Array.of(AmlOp.WordPrefix, v & 0xff, v >>> 8);
  return Uint8Array.of(AmlOp.DWordPrefix, v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24);
}

/** A String (StringPrefix, ASCII, NUL). */
export function amlString(s: string): Uint8Array {
  return concatBytes([Uint8Array.of(AmlOp.StringPrefix), Uint8Array.from(s, (c) => c.charCodeAt(0) & 0x7f), Uint8Array.of(0)]);
}

/** `Package(n) { elements }` (DefPackage: PackageOp PkgLength NumElements elements). */
export function amlPackage(elements: readonly Uint8Array[]): Uint8Array {
  if (elements.length > 255) throw new FirmwareError('bad-option', 'AML package with more than 255 elements');
  const body = concatBytes([Uint8Array.of(elements.length), ...elements]);
  return concatBytes([Uint8Array.of(AmlOp.Package), pkgLength(body.length), body]);
}

/** `Name(path, value)`. */
export function amlName(path: string, value: Uint8Array): Uint8Array {
  return concatBytes([Uint8Array.of(AmlOp.Name), nameString(path), value]);
}

/** `Scope(path) { terms }`. */
export function amlScope(path: string, terms: readonly Uint8Array[]): Uint8Array {
  const body = concatBytes([nameString(path), ...terms]);
  return concatBytes([Uint8Array.of(AmlOp.Scope), pkgLength(body.length), body]);
}

/** `Device(path) { terms }` (ExtOpPrefix DeviceOp PkgLength NameString TermList). */
export function amlDevice(path: string, terms: readonly Uint8Array[]): Uint8Array {
  const body = concatBytes([nameString(path), ...terms]);
  return concatBytes([Uint8Array.of(AmlOp.ExtPrefix, AmlOp.Device), pkgLength(body.length), body]);
}

/**
 * Compress a 7-character PNP ID (e.g. `PNP0A03`) into the 32-bit EISA ID
 * form `_HID` uses (section 6.1.5).
 */
export function eisaId(id: string): number {
  if (!/^[A-Z]{3}[0-9A-F]{4}$/.test(id)) throw new FirmwareError('bad-option', `bad EISA ID "${id}"`);
  const c = (i: number): number => id.charCodeAt(i) - 0x40;
  const hi = ((c(0) << 10) | (c(1) << 5) | c(2)) & 0x7fff;
  const n = parseInt(id.slice(3), 16);
  // stored big-endian in the 32-bit value's bytes
  const b = [hi >>> 8, hi & 0xff, n >>> 8, n & 0xff];
  return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
}

/** `Buffer() { bytes }` (DefBuffer: BufferOp PkgLength BufferSize ByteList). */
export function amlBuffer(bytes: Uint8Array): Uint8Array {
  const body = concatBytes([amlInteger(bytes.length), bytes]);
  return concatBytes([Uint8Array.of(0x11), pkgLength(body.length), body]);
}

/** Address-space resource types (ACPI 6.5 section 6.4.3.5). */
export const ResourceType = {
  /** Memory range. */
  Memory: 0,
  /** I/O range. */
  Io: 1,
  /** Bus number range. */
  BusNumber: 2,
} as const;

/**
 * A Word Address Space Descriptor (section 6.4.3.5.3) for a window a bridge
 * produces: fixed min and max, positive decode, granularity 0.
 * @param typeFlags type-specific flags (I/O: 3 = ISA and non-ISA ranges)
 */
export function wordAddressSpace(type: number, typeFlags: number, min: number, max: number): Uint8Array {
  const b = new Uint8Array(16);
  b[0] = 0x88; // large item, Word Address Space Descriptor
  b[1] = 13;
  b[3] = type;
  b[4] = 0x0c; // _MAF | _MIF, positive decode, producer
  b[5] = typeFlags;
  const w = (off: number, v: number): void => {
    b[off] = v & 0xff;
    b[off + 1] = (v >>> 8) & 0xff;
  };
  w(8, min);
  w(10, max);
  w(14, max - min + 1);
  return b;
}

/**
 * A DWord Address Space Descriptor (section 6.4.3.5.2) for a window a
 * bridge produces: fixed min and max, positive decode, granularity 0.
 * @param typeFlags type-specific flags (memory: bit 0 read-write, bits 1-2 cacheability)
 */
export function dwordAddressSpace(type: number, typeFlags: number, min: number, max: number): Uint8Array {
  const b = new Uint8Array(26);
  b[0] = 0x87; // large item, DWord Address Space Descriptor
  b[1] = 23;
  b[3] = type;
  b[4] = 0x0c;
  b[5] = typeFlags;
  const d = (off: number, v: number): void => {
    for (let i = 0; i < 4; i++) b[off + i] = (v >>> (8 * i)) & 0xff;
  };
  d(10, min);
  d(14, max);
  d(22, (max - min + 1) >>> 0);
  return b;
}

/** The End Tag (section 6.4.2.9) closing a resource template, checksum 0 ("ignore"). */
export function endTag(): Uint8Array {
  return Uint8Array.of(0x79, 0x00);
}
