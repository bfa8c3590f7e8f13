import { DmaStatus, StateError } from '@vm/bus';
import type { MmioRegistry } from '@vm/bus';
import { ManualClock, RamDmaSpace, RecordingIrqLine, TestPortBus } from '@vm/bus/test';
import { describe, expect, it } from 'vitest';
import { Crc32 } from './crc32.js';
import { CRC32_MAX_LENGTH, Crc32Accelerator, Crc32Status } from './crc32-accelerator.js';

const noMmio: MmioRegistry = {
  mapMmio: () => {
    throw new Error('the accelerator has no MMIO');
  },
};

function rig() {
  const irq = new RecordingIrqLine();
  const clock = new ManualClock();
  const ports = new TestPortBus();
  const memory = new RamDmaSpace(0x10000);
  const dev = new Crc32Accelerator({ irq, base: 0x120 });
  expect(dev.realize({ ports, mmio: noMmio, memory, clock, timers: clock })).toEqual({ ok: true });
  return { irq, clock, ports, memory, dev };
}

const text = (s: string): Uint8Array => new Uint8Array([...s].map((c) => c.charCodeAt(0)));

describe('Crc32', () => {
  it('gives the standard check values', () => {
    const c = new Crc32();
    c.update(text('123456789'));
    expect(c.digest()).toBe(0xcbf43926);
    c.reset();
    c.update(text('The quick brown fox jumps over the lazy dog'));
    expect(c.digest()).toBe(0x414fa339);
    c.reset();
    expect(c.digest()).toBe(0);
  });
});

describe('Crc32Accelerator', () => {
  it('checksums a buffer by DMA after 2 us + 4 ns per byte, then interrupts until ACK', () => {
    const { irq, clock, ports, memory, dev } = rig();
    memory.bytes.set(text('123456789'), 0x400);
    ports.out32(0x120, 0x400);
    ports.out32(0x124, 9);
    ports.out8(0x128, 0x03); // START | IRQ_ENABLE
    expect(ports.in8(0x128)).toBe(Crc32Status.BUSY);
    clock.advance(2_000 + 9 * 4 - 1);
    expect(irq.level).toBe(false);
    clock.advance(1);
    expect(ports.in8(0x128)).toBe(Crc32Status.DONE);
    expect(ports.in32(0x12c)).toBe(0xcbf43926);
    expect(irq.level).toBe(true);
    ports.out8(0x129, 0);
    expect(irq.level).toBe(false);
    expect(ports.in8(0x128)).toBe(0);
    expect(dev.snapshot().fields.result).toBe(0xcbf43926);
  });

  it('reads registers a byte at a time and keeps the IRQ low when not enabled', () => {
    const { irq, clock, ports } = rig();
    ports.out8(0x120, 0x34);
    ports.out8(0x121, 0x12);
    expect(ports.in32(0x120)).toBe(0x1234);
    ports.out16(0x124, 0);
    ports.out8(0x128, 0x01);
    clock.advance(10_000);
    expect(ports.in8(0x128)).toBe(Crc32Status.DONE);
    expect(ports.in8(0x12c)).toBe(0); // CRC of nothing
    expect(irq.edges).toBe(0);
  });

  it('reports hostile jobs as ERROR instead of failing the host', () => {
    const { clock, ports } = rig();
    // Past the end of RAM.
    ports.out32(0x120, 0xfff0);
    ports.out32(0x124, 0x100);
    ports.out8(0x128, 0x01);
    clock.advance(1_000_000);
    expect(ports.in8(0x128)).toBe(Crc32Status.DONE | Crc32Status.ERROR);
    ports.out8(0x129, 0);
    // Wrapping past 4 GiB.
    ports.out32(0x120, 0xffffff00);
    ports.out32(0x124, 0x1000);
    ports.out8(0x128, 0x01);
    clock.advance(1_000_000);
    expect(ports.in8(0x128)).toBe(Crc32Status.DONE | Crc32Status.ERROR);
    ports.out8(0x129, 0);
    // Too long: refused at once, no 4 GiB read.
    ports.out32(0x120, 0);
    ports.out32(0x124, 0xffffffff);
    ports.out8(0x128, 0x01);
    clock.advance(3_000);
    expect(ports.in8(0x128)).toBe(Crc32Status.DONE | Crc32Status.ERROR);
    expect(CRC32_MAX_LENGTH).toBe(1 << 20);
  });

  it('ignores START while busy and disarms on reset', () => {
    const { clock, ports, dev, irq } = rig();
    ports.out32(0x124, 1000);
    ports.out8(0x128, 0x03);
    ports.out32(0x124, 1);
    ports.out8(0x128, 0x03); // ignored: the first job keeps its timing
    clock.advance(2_004);
    expect(ports.in8(0x128)).toBe(Crc32Status.BUSY);
    dev.reset();
    clock.advance(1_000_000);
    expect(ports.in8(0x128)).toBe(0);
    expect(irq.level).toBe(false);
  });

  it('restores its registers and rejects foreign states', () => {
    const a = rig();
    a.memory.bytes.set(text('abc'), 0);
    a.ports.out32(0x124, 3);
    a.ports.out8(0x128, 0x01);
    a.clock.advance(5_000);
    const b = rig();
    b.dev.restore(structuredClone(a.dev.snapshot()));
    expect(b.ports.in32(0x12c)).toBe(a.ports.in32(0x12c));
    expect(b.ports.in8(0x128)).toBe(Crc32Status.DONE);
    expect(() => b.dev.restore({ name: 'uart', version: 1, fields: {} })).toThrow(StateError);
    expect(() => b.dev.restore({ name: 'crc32-accelerator', version: 1, fields: { addr: -1, len: 0, status: 0, result: 0 } })).toThrow(/addr/);
    expect(DmaStatus.Ok).toBe(0);
  });
});
