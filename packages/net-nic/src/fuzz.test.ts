import { DmaStatus } from '@vm/bus';
import type { DmaSpace, NetBackend, NetReceiver } from '@vm/bus';
import { RamDmaSpace } from '@vm/bus/test';
import { describe, expect, it } from 'vitest';
import { I82540em } from './e1000/i82540em.js';
import { Am79c970a } from './pcnet/am79c970a.js';
import { NicTestHarness, PcnetTestDriver, XorShift32 } from './test/index.js';

const RAM = 256 * 1024;
const OPS = 100_000;
const MAC = Uint8Array.of(0x00, 0x50, 0x56, 0x11, 0x22, 0x33);

/**
 * A DmaSpace that checks every request a NIC makes (addresses are unsigned
 * 32-bit integers, lengths bounded) before passing it to the fake RAM,
 * which alone holds memory.
 */
class CheckedDma implements DmaSpace {
  bad: string[] = [];
  outside = 0;
  constructor(readonly ram: RamDmaSpace) {}
  private check(addr: number, len: number): void {
    if (!Number.isInteger(addr) || addr < 0 || addr > 0xffffffff) this.bad.push(`address ${addr}`);
    if (!Number.isInteger(len) || len < 0 || len > 0x10100) this.bad.push(`length ${len}`);
    if (addr + len > RAM) this.outside++;
  }
  read(addr: number, dst: Uint8Array): DmaStatus {
    this.check(addr, dst.length);
    return this.ram.read(addr, dst);
  }
  write(addr: number, src: Uint8Array): DmaStatus {
    this.check(addr, src.length);
    return this.ram.write(addr, src);
  }
  read8(a: number): number {
    this.check(a, 1);
    return this.ram.read8(a);
  }
  read16(a: number): number {
    this.check(a, 2);
    return this.ram.read16(a);
  }
  read32(a: number): number {
    this.check(a, 4);
    return this.ram.read32(a);
  }
  write8(a: number, v: number): void {
    this.check(a, 1);
    this.ram.write8(a, v);
  }
  write16(a: number, v: number): void {
    this.check(a, 2);
    this.ram.write16(a, v);
  }
  write32(a: number, v: number): void {
    this.check(a, 4);
    this.ram.write32(a, v);
  }
}

/** Counts what the NIC sends and checks each frame's size; keeps nothing. */
class CountingBackend implements NetBackend {
  sent = 0;
  badSizes = 0;
  linkUp = true;
  receiver: NetReceiver | null = null;
  sendFrame(frame: Uint8Array): void {
    this.sent++;
    if (frame.length < 14 || frame.length > 0x10100) this.badSizes++;
  }
  attach(r: NetReceiver | null): void {
    this.receiver = r;
  }
}

function randomFrame(rng: XorShift32, buf: Uint8Array): Uint8Array {
  const len = rng.below(4) === 0 ? rng.below(2000) : 14 + rng.below(1500);
  for (let i = 0; i < len; i++) buf[i] = rng.next() & 0xff;
  const pick = rng.below(4);
  if (pick === 0) buf.set(MAC, 0);
  else if (pick === 1) buf.fill(0xff, 0, 6);
  else if (pick === 2) buf[0] = buf[0]! | 1;
  return buf.subarray(0, len);
}

/** A value that is often a plausible guest address, sometimes anything. */
function address(rng: XorShift32): number {
  switch (rng.below(4)) {
    case 0:
      return rng.next() >>> 0;
    case 1:
      return RAM - 1 - rng.below(64);
    default:
      return rng.below(RAM) & ~15;
  }
}

function scribble(rng: XorShift32, ram: RamDmaSpace): void {
  const at = rng.below(RAM - 64);
  const n = 4 + rng.below(60);
  for (let i = 0; i < n; i++) ram.bytes[at + i] = rng.next() & 0xff;
  // Often plant ownership bits so rings have work in them.
  if (rng.below(2) === 0) ram.bytes[at + 7] = ram.bytes[at + 7]! | 0x80;
}

function plug<T extends Am79c970a | I82540em>(nic: T) {
  const h = new NicTestHarness(nic, RAM);
  const dma = new CheckedDma(h.ram);
  nic.plugged({ intx: h.irq, dma, address: { bus: 0, device: 3, fn: 0 } });
  return { h, dma };
}

describe('fuzz: random register programming and rings pointing anywhere', () => {
  it(`Am79c970a survives ${OPS} operations`, () => {
    const rng = new XorShift32(0x1234abcd);
    const net = new CountingBackend();
    const nic = new Am79c970a({ mac: MAC, backend: net });
    const { h, dma } = plug(nic);
    const io = h.ioBase;
    const p = h.ports;
    const frame = new Uint8Array(2048);
    let d: PcnetTestDriver | null = null;
    const csrs = [0, 0, 0, 1, 2, 3, 4, 5, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 30, 31, 58, 72, 74, 76, 78, 112, 124];
    for (let op = 0; op < OPS; op++) {
      const k = rng.below(100);
      if (k < 30) {
        const n = rng.below(3) === 0 ? rng.below(128) : csrs[rng.below(csrs.length)]!;
        let v = rng.next() & 0xffff;
        if (n === 0) v &= rng.below(2) === 0 ? 0x004f : 0xffff;
        if (n === 1 || n === 24 || n === 30) v = address(rng) & 0xffff;
        if (n === 2 || n === 25 || n === 31) v = rng.below(4) === 0 ? v : 0;
        if (nic.core.dwio) {
          p.out32(io + 0x14, n);
          p.out32(io + 0x10, v);
        } else {
          p.out16(io + 0x12, n);
          p.out16(io + 0x10, v);
        }
      } else if (k < 38) {
        const n = [2, 4, 9, 18, 19, 20, 20, rng.below(128)][rng.below(8)]!;
        p.out16(io + 0x12, n);
        p.out16(io + 0x16, n === 20 ? rng.below(5) : rng.next() & 0xffff);
        if (n === 20 && nic.core.dwio) {
          p.out32(io + 0x14, n);
          p.out32(io + 0x1c, rng.below(5));
        }
      } else if (k < 46) {
        const off = rng.below(32);
        const w = rng.below(3);
        if (w === 0) p.in8(io + off);
        else if (w === 1) p.in16(io + (off & ~1));
        else p.in32(io + (off & ~3));
      } else if (k < 48) {
        if (rng.below(2) === 0) p.out32(io + 0x10, rng.next());
        else p.in16(io + 0x14);
      } else if (k < 50) {
        h.bar(1).write16!(rng.below(32) & ~1, rng.next() & 0xffff);
      } else if (k < 62) {
        scribble(rng, h.ram);
      } else if (k < 63) {
        // A driver-shaped open with structures scattered through RAM (it may overlap itself).
        const place = (): number => rng.below(RAM - 0xa000) & ~15;
        d = new PcnetTestDriver(h, 1 << rng.below(5), 1 << rng.below(5), {
          initBlock: place(),
          rxRing: place(),
          txRing: place(),
          rxBuffers: place(),
          txBuffers: place(),
        });
        if (!nic.core.dwio) d.open(rng.below(4) === 0 ? rng.next() & 0xffff : 0);
      } else if (k < 68) {
        if (d !== null && !nic.core.dwio) d.transmit(randomFrame(rng, frame).subarray(0, 2000), rng.below(4) !== 0);
      } else if (k < 70) {
        // Build a plausible 32-bit init block somewhere and point IADR at it.
        const ib = rng.below(RAM - 28) & ~3;
        for (let i = 0; i < 28; i++) h.ram.bytes[ib + i] = rng.next() & 0xff;
        h.ram.write32(ib + 20, address(rng));
        h.ram.write32(ib + 24, address(rng));
        p.out16(io + 0x12, 1);
        p.out16(io + 0x10, ib & 0xffff);
        p.out16(io + 0x12, 2);
        p.out16(io + 0x10, ib >>> 16);
      } else if (k < 90) {
        nic.receiveFrame(randomFrame(rng, frame));
      } else if (k < 97) {
        h.clock.advance(rng.below(4_000_000));
      } else if (k < 98) {
        nic.reset();
      } else if (k < 99) {
        net.linkUp = rng.below(4) !== 0;
      } else {
        const s = nic.snapshot();
        nic.restore(s);
      }
    }
    expect(dma.bad).toEqual([]);
    expect(net.badSizes).toBe(0);
    expect(h.ram.bytes.length).toBe(RAM);
    // The run did real work: frames went out, frames came in, faults were reported to the guest.
    expect(net.sent).toBeGreaterThan(0);
    expect(dma.outside).toBeGreaterThan(0);
    expect(h.irq.edges).toBeGreaterThan(0);
  });

  it(`I82540em survives ${OPS} operations`, () => {
    const rng = new XorShift32(0x0badf00d);
    const net = new CountingBackend();
    const nic = new I82540em({ mac: MAC, backend: net });
    const { h, dma } = plug(nic);
    const regs = [
      0x0000, 0x0010, 0x0014, 0x0020, 0x00c0, 0x00c4, 0x00c8, 0x00d0, 0x00d8, 0x0100, 0x0100, 0x0400, 0x0400, 0x2800, 0x2804,
      0x2808, 0x2810, 0x2818, 0x2818, 0x2820, 0x282c, 0x2c00, 0x3800, 0x3804, 0x3808, 0x3810, 0x3818, 0x3818, 0x3818, 0x3820,
      0x382c, 0x5000, 0x5200, 0x5400, 0x5404, 0x5600,
    ];
    const frame = new Uint8Array(2048);
    let loaded = 0;
    for (let op = 0; op < OPS; op++) {
      const k = rng.below(100);
      if (k < 35) {
        const off = rng.below(4) === 0 ? rng.below(0x20000) & ~3 : regs[rng.below(regs.length)]!;
        let v = rng.next();
        if (off === 0) v &= rng.below(8) === 0 ? 0xffffffff : ~(1 << 26);
        if (off === 0x2800 || off === 0x3800) v = address(rng);
        if (off === 0x2804 || off === 0x3804) v = rng.below(8) === 0 ? v : 0;
        if (off === 0x2808 || off === 0x3808) v = rng.below(4) === 0 ? v : (8 + rng.below(64)) * 16;
        if (off === 0x2810 || off === 0x2818 || off === 0x3810 || off === 0x3818) v = rng.below(8) === 0 ? v : rng.below(72);
        if (off === 0x0100) v = (v & ~0xc0) | 2;
        if (off === 0x0400) v |= 2;
        if (off === 0x0020) v = (v & ~(31 << 21)) | ((rng.below(4) === 0 ? rng.below(32) : 1) << 21);
        h.mmioWrite32(0, off, v);
      } else if (k < 45) {
        h.mmioRead32(0, rng.below(4) === 0 ? rng.below(0x20000) & ~3 : regs[rng.below(regs.length)]!);
      } else if (k < 48) {
        const b = h.bar(0);
        const off = rng.below(0x20000);
        if (rng.below(2) === 0) b.write8(off, rng.next() & 0xff);
        else b.read16!(off & ~1);
      } else if (k < 52) {
        h.ports.out32(h.ioBase + (rng.below(2) * 4), rng.below(2) === 0 ? regs[rng.below(regs.length)]! : rng.next());
        h.ports.in32(h.ioBase + rng.below(16) * 4);
      } else if (k < 70) {
        scribble(rng, h.ram);
        // Descriptor-shaped data: DEXT/TSE/EOP/RS commands and small lengths.
        if (rng.below(2) === 0) {
          const at = rng.below(RAM - 16) & ~15;
          h.ram.write32(at, address(rng));
          h.ram.write32(at + 4, 0);
          h.ram.write32(at + 8, ((rng.next() & 0xff300000) | rng.below(3000)) >>> 0);
          h.ram.write32(at + 12, (rng.below(1500) << 16) | (rng.below(80) << 8) | rng.below(256));
        }
      } else if (k < 90) {
        if (nic.receiveFrame(randomFrame(rng, frame))) loaded++;
      } else if (k < 97) {
        h.clock.advance(rng.below(400_000));
      } else if (k < 98) {
        nic.reset();
      } else if (k < 99) {
        net.linkUp = rng.below(4) !== 0;
        nic.linkChanged();
      } else {
        nic.restore(nic.snapshot());
      }
    }
    expect(dma.bad).toEqual([]);
    expect(net.badSizes).toBe(0);
    expect(h.ram.bytes.length).toBe(RAM);
    expect(net.sent).toBeGreaterThan(0);
    expect(loaded).toBeGreaterThan(0);
    expect(dma.outside).toBeGreaterThan(0);
  });
});
