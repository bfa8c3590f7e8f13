/**
 * The x86 port I/O space: a preallocated table of 65,536 entries, one per
 * port, all of one shape, with an "unassigned" default entry so dispatch
 * never tests for undefined.
 *
 * @module
 */

import type { PortIo, PortIoHandler, PortIoRegistry } from '@vm/bus';

const CAP_R16 = 1;
const CAP_R32 = 2;
const CAP_W16 = 4;
const CAP_W32 = 8;
const PORTS = 0x10000;

/** The handler of unassigned ports: reads float high, writes vanish (an ISA bus). */
class UnassignedPorts implements PortIoHandler {
  read8(): number {
    return 0xff;
  }
  write8(): void {}
  read16(): number {
    return 0xffff;
  }
  write16(): void {}
  read32(): number {
    return 0xffffffff;
  }
  write32(): void {}
}

/** One registration: every port it covers points at the same entry. */
export class PortEntry {
  // `declare` fields: assigned once in the constructor, so V8 keeps them
  // constant and of one representation (no define-as-undefined first).
  /** The device's handler. */
  declare readonly handler: PortIoHandler;
  /** First port of the registration (offsets are relative to it). */
  declare readonly base: number;
  /** Number of ports. */
  declare readonly length: number;
  /** Which optional widths the handler implements (bit mask). */
  declare readonly caps: number;
  /** Diagnostic owner name. */
  declare readonly owner: string;

  /**
   * @param handler the device's handler
   * @param base first port
   * @param length number of ports
   * @param caps optional widths implemented (bit mask)
   * @param owner diagnostic owner name
   */
  constructor(handler: PortIoHandler, base: number, length: number, caps: number, owner: string) {
    this.handler = handler;
    this.base = base;
    this.length = length;
    this.caps = caps;
    this.owner = owner;
  }
}

/** The entry every unassigned port points at. */
const UNASSIGNED = new PortEntry(new UnassignedPorts(), 0, PORTS, CAP_R16 | CAP_R32 | CAP_W16 | CAP_W32, 'unassigned');

/**
 * A machine's port space: implements the device-facing {@link PortIoRegistry}
 * and the CPU-facing {@link PortIo}. A wide access goes to the handler's
 * wide method when it has one and the whole access lies in one registration;
 * otherwise it is split into narrower accesses, lowest port first. Port
 * numbers wrap at 0x10000.
 */
export class PortSpace implements PortIoRegistry, PortIo {
  private declare readonly table: PortEntry[];

  constructor() {
    // Filled by push so V8 keeps the array packed (no hole checks on dispatch).
    const table: PortEntry[] = [];
    for (let p = 0; p < PORTS; p++) table.push(UNASSIGNED);
    this.table = table;
  }

  /** @inheritDoc */
  register(base: number, length: number, handler: PortIoHandler, owner: string): void {
    if (!Number.isInteger(base) || !Number.isInteger(length) || base < 0 || length <= 0 || base + length > PORTS) {
      throw new RangeError(`${owner}: ports 0x${base.toString(16)}+${length} leave 0..0xffff`);
    }
    for (let p = base; p < base + length; p++) {
      const e = this.table[p]!;
      if (e !== UNASSIGNED) {
        throw new RangeError(`${owner}: port 0x${p.toString(16)} is already registered by ${e.owner}`);
      }
    }
    const caps =
      (handler.read16 ? CAP_R16 : 0) |
      (handler.read32 ? CAP_R32 : 0) |
      (handler.write16 ? CAP_W16 : 0) |
      (handler.write32 ? CAP_W32 : 0);
    const entry = new PortEntry(handler, base, length, caps, owner);
    for (let p = base; p < base + length; p++) this.table[p] = entry;
  }

  /** @inheritDoc */
  unregister(base: number, length: number): void {
    const end = Math.min(PORTS, base + length);
    for (let p = Math.max(0, base); p < end; p++) this.table[p] = UNASSIGNED;
  }

  /** Owner name of `port` ("unassigned" if none). */
  ownerOf(port: number): string {
    return this.table[port & 0xffff]!.owner;
  }

  /** @inheritDoc */
  in8(port: number): number {
    port &= 0xffff;
    const e = this.table[port]!;
    return e.handler.read8(port - e.base) & 0xff;
  }

  /** @inheritDoc */
  in16(port: number): number {
    port &= 0xffff;
    const e = this.table[port]!;
    if ((e.caps & CAP_R16) !== 0 && this.table[(port + 1) & 0xffff] === e) {
      return e.handler.read16!(port - e.base) & 0xffff;
    }
    return this.in8(port) | (this.in8(port + 1) << 8);
  }

  /** @inheritDoc */
  in32(port: number): number {
    port &= 0xffff;
    const e = this.table[port]!;
    if ((e.caps & CAP_R32) !== 0 && this.table[(port + 3) & 0xffff] === e) {
      return e.handler.read32!(port - e.base) >>> 0;
    }
    return (this.in16(port) | (this.in16(port + 2) << 16)) >>> 0;
  }

  /** @inheritDoc */
  out8(port: number, value: number): void {
    port &= 0xffff;
    const e = this.table[port]!;
    e.handler.write8(port - e.base, value & 0xff);
  }

  /** @inheritDoc */
  out16(port: number, value: number): void {
    port &= 0xffff;
    const e = this.table[port]!;
    if ((e.caps & CAP_W16) !== 0 && this.table[(port + 1) & 0xffff] === e) {
      e.handler.write16!(port - e.base, value & 0xffff);
      return;
    }
    this.out8(port, value & 0xff);
    this.out8(port + 1, (value >>> 8) & 0xff);
  }

  /** @inheritDoc */
  out32(port: number, value: number): void {
    port &= 0xffff;
    const e = this.table[port]!;
    if ((e.caps & CAP_W32) !== 0 && this.table[(port + 3) & 0xffff] === e) {
      e.handler.write32!(port - e.base, value >>> 0);
      return;
    }
    this.out16(port, value & 0xffff);
    this.out16(port + 2, (value >>> 16) & 0xffff);
  }
}
