import type { PortIoHandler } from '@vm/bus';
import { describe, expect, it } from 'vitest';
import { PortSpace } from './port-space.js';

class Regs implements PortIoHandler {
  readonly bytes = new Uint8Array(16);
  readonly log: string[] = [];
  read8(o: number): number {
    this.log.push(`r8@${o}`);
    return this.bytes[o]!;
  }
  write8(o: number, v: number): void {
    this.log.push(`w8@${o}=${v.toString(16)}`);
    this.bytes[o] = v;
  }
}

class WideRegs extends Regs {
  read16(o: number): number {
    this.log.push(`r16@${o}`);
    return this.bytes[o]! | (this.bytes[o + 1]! << 8);
  }
  write16(o: number, v: number): void {
    this.log.push(`w16@${o}=${v.toString(16)}`);
    this.bytes[o] = v;
    this.bytes[o + 1] = v >>> 8;
  }
}

describe('PortSpace', () => {
  it('reads all ones from unassigned ports and ignores writes', () => {
    const io = new PortSpace();
    expect(io.in8(0x80)).toBe(0xff);
    expect(io.in16(0x80)).toBe(0xffff);
    expect(io.in32(0xfffe)).toBe(0xffffffff);
    io.out32(0x80, 0);
    expect(io.ownerOf(0x80)).toBe('unassigned');
  });

  it('dispatches with offsets from the registration base', () => {
    const io = new PortSpace();
    const r = new Regs();
    io.register(0x3f8, 8, r, 'uart0');
    io.out8(0x3fb, 0x83);
    expect(r.bytes[3]).toBe(0x83);
    expect(io.in8(0x3fb)).toBe(0x83);
    expect(io.ownerOf(0x3ff)).toBe('uart0');
  });

  it('splits 16- and 32-bit accesses a byte handler lacks, lowest port first', () => {
    const io = new PortSpace();
    const r = new Regs();
    io.register(0x100, 8, r, 'dev');
    io.out32(0x100, 0x44332211);
    expect(r.log).toEqual(['w8@0=11', 'w8@1=22', 'w8@2=33', 'w8@3=44']);
    r.log.length = 0;
    expect(io.in32(0x100)).toBe(0x44332211);
    expect(io.in16(0x102)).toBe(0x4433);
    expect(r.log).toEqual(['r8@0', 'r8@1', 'r8@2', 'r8@3', 'r8@2', 'r8@3']);
  });

  it('splits 32 into 16 for a 16-bit handler, and at the end of a registration', () => {
    const io = new PortSpace();
    const r = new WideRegs();
    io.register(0x1f0, 8, r, 'ide');
    io.out32(0x1f0, 0xaabbccdd);
    expect(r.log).toEqual(['w16@0=ccdd', 'w16@2=aabb']);
    r.log.length = 0;
    expect(io.in16(0x1f7)).toBe(0xff00 | r.bytes[7]!); // port 0x1f8 is unassigned
    expect(r.log).toEqual(['r8@7']);
  });

  it('throws a RangeError naming both owners on overlap, and for bad ranges', () => {
    const io = new PortSpace();
    io.register(0x60, 1, new Regs(), 'kbd');
    expect(() => io.register(0x5e, 4, new Regs(), 'intruder')).toThrow(/intruder.*0x60.*kbd/);
    expect(io.ownerOf(0x5e)).toBe('unassigned');
    expect(() => io.register(0xfffe, 4, new Regs(), 'x')).toThrow(RangeError);
    expect(() => io.register(-1, 1, new Regs(), 'x')).toThrow(RangeError);
    expect(() => io.register(0, 0, new Regs(), 'x')).toThrow(RangeError);
  });

  it('unregisters back to the default, allowing re-registration', () => {
    const io = new PortSpace();
    const r = new Regs();
    io.register(0xcf8, 8, r, 'pci');
    io.unregister(0xcf8, 8);
    expect(io.in8(0xcf8)).toBe(0xff);
    io.register(0xcf8, 4, r, 'pci2');
    expect(io.ownerOf(0xcf8)).toBe('pci2');
  });

  it('wraps port numbers at 0x10000', () => {
    const io = new PortSpace();
    const r = new Regs();
    io.register(0, 2, r, 'low');
    io.out8(0x10001, 9);
    expect(r.bytes[1]).toBe(9);
    expect(io.in16(0xffff)).toBe(0xff | (r.bytes[0]! << 8));
  });
});
