import { describe, expect, it } from 'vitest';
import { DmaStatus } from '@vm/bus';
import type { MmioHandler, PciBar, PciFunction, PciIdentity, PciInterruptPin, PciSlotContext, PortIoHandler } from '@vm/bus';
import { RecordingIrqLine } from '@vm/bus/test';
import { PciBus } from './pci-bus.js';
import { testContext } from './test-support.js';

class FakePorts implements PortIoHandler {
  readonly writes: [number, number][] = [];
  read8(offset: number): number {
    return 0x40 + offset;
  }
  write8(offset: number, value: number): void {
    this.writes.push([offset, value]);
  }
}

class FakeMmio implements MmioHandler {
  read8(offset: number): number {
    return offset & 0xff;
  }
  write8(): void {}
}

class FakeFunction implements PciFunction {
  readonly identity: PciIdentity;
  readonly bars: (PciBar | null)[];
  slot: PciSlotContext | null = null;
  readonly commands: number[] = [];
  readonly config = new Uint8Array(256);
  readonly ports = new FakePorts();
  readonly mmio = new FakeMmio();
  constructor(
    readonly interruptPin: PciInterruptPin = 1,
    identity: Partial<PciIdentity> = {},
  ) {
    this.identity = {
      vendorId: 0x1022,
      deviceId: 0x2000,
      revisionId: 0x10,
      classCode: 0x020000,
      subsystemVendorId: 0x1af4,
      subsystemId: 0x1100,
      ...identity,
    };
    this.bars = [
      { kind: 'io', size: 32, handler: this.ports },
      { kind: 'mem32', size: 4096, prefetchable: false, handler: this.mmio },
      null,
      null,
      null,
      null,
    ];
  }
  plugged(slot: PciSlotContext): void {
    this.slot = slot;
  }
  readConfig(offset: number, width: 1 | 2 | 4): number {
    let v = 0;
    for (let i = 0; i < width; i++) v |= this.config[offset + i]! << (8 * i);
    return v >>> 0;
  }
  writeConfig(offset: number, width: 1 | 2 | 4, value: number): void {
    for (let i = 0; i < width; i++) this.config[offset + i] = (value >>> (8 * i)) & 0xff;
  }
  commandChanged(command: number): void {
    this.commands.push(command);
  }
}

function setup() {
  const pirqs = [new RecordingIrqLine(), new RecordingIrqLine(), new RecordingIrqLine(), new RecordingIrqLine()];
  const bus = new PciBus({ pirqs });
  const ctx = testContext();
  const fn = new FakeFunction();
  bus.plug(fn, 3, 0);
  expect(bus.realize(ctx)).toEqual({ ok: true });
  const io = ctx.ports;
  const addr = (dev: number, func: number, reg: number) => (0x80000000 | (dev << 11) | (func << 8) | reg) >>> 0;
  const cfgRead32 = (dev: number, func: number, reg: number) => {
    io.out32(0xcf8, addr(dev, func, reg));
    return io.in32(0xcfc);
  };
  const cfgWrite32 = (dev: number, func: number, reg: number, v: number) => {
    io.out32(0xcf8, addr(dev, func, reg));
    io.out32(0xcfc, v);
  };
  return { bus, ctx, io, fn, pirqs, addr, cfgRead32, cfgWrite32 };
}

describe('PciBus configuration mechanism #1', () => {
  it('reads identity registers at every width and byte lane', () => {
    const { io, addr, cfgRead32 } = setup();
    expect(cfgRead32(3, 0, 0x00)).toBe(0x20001022);
    expect(cfgRead32(3, 0, 0x08)).toBe(0x02000010);
    expect(cfgRead32(3, 0, 0x2c)).toBe(0x11001af4);
    io.out32(0xcf8, addr(3, 0, 0x00));
    expect(io.in16(0xcfc)).toBe(0x1022);
    expect(io.in16(0xcfe)).toBe(0x2000);
    expect(io.in8(0xcfd)).toBe(0x10);
    expect(io.in8(0xcff)).toBe(0x20);
    io.out32(0xcf8, addr(3, 0, 0x3c));
    expect(io.in8(0xcfd)).toBe(1); // interrupt pin INTA#
  });

  it('returns all ones for absent functions, other buses and with the enable bit clear', () => {
    const { io, cfgRead32 } = setup();
    expect(cfgRead32(4, 0, 0)).toBe(0xffffffff);
    expect(cfgRead32(3, 1, 0)).toBe(0xffffffff);
    io.out32(0xcf8, 0x80010000 | (3 << 11));
    expect(io.in32(0xcfc)).toBe(0xffffffff);
    io.out32(0xcf8, 3 << 11);
    expect(io.in32(0xcfc)).toBe(0xffffffff);
  });

  it('latches CONFIG_ADDRESS only on dword accesses', () => {
    const { io, addr } = setup();
    io.out32(0xcf8, addr(3, 0, 0x10) | 3);
    expect(io.in32(0xcf8)).toBe(addr(3, 0, 0x10));
    io.out8(0xcf8, 0);
    io.out8(0xcfb, 1); // Linux's type-1 probe pokes 0xCFB first
    io.out16(0xcf8, 0);
    expect(io.in32(0xcf8)).toBe(addr(3, 0, 0x10));
    expect(io.in8(0xcf9)).toBe(0xff); // no reset control wired
  });

  it('forwards byte accesses at 0xCF9 to the reset control register', () => {
    const pirqs = [0, 1, 2, 3].map(() => new RecordingIrqLine());
    const writes: number[] = [];
    const rcr = { read8: () => 0x02, write8: (_o: number, v: number) => void writes.push(v) };
    const bus = new PciBus({ pirqs, resetControl: rcr });
    const ctx = testContext();
    expect(bus.realize(ctx).ok).toBe(true);
    ctx.ports.out8(0xcf9, 0x06);
    expect(writes).toEqual([0x06]);
    expect(ctx.ports.in8(0xcf9)).toBe(0x02);
    ctx.ports.out32(0xcf8, 0x80000000);
    expect(writes).toEqual([0x06]);
    expect(ctx.ports.in32(0xcf8)).toBe(0x80000000);
  });

  it('sizes BARs by writing all ones', () => {
    const { cfgRead32, cfgWrite32 } = setup();
    expect(cfgRead32(3, 0, 0x10)).toBe(0x1);
    cfgWrite32(3, 0, 0x10, 0xffffffff);
    expect(cfgRead32(3, 0, 0x10)).toBe(0xffffffe1);
    cfgWrite32(3, 0, 0x14, 0xffffffff);
    expect(cfgRead32(3, 0, 0x14)).toBe(0xfffff000);
    cfgWrite32(3, 0, 0x18, 0xffffffff);
    expect(cfgRead32(3, 0, 0x18)).toBe(0);
    cfgWrite32(3, 0, 0x30, 0xfffffffe);
    expect(cfgRead32(3, 0, 0x30)).toBe(0);
  });

  it('decodes I/O and memory BARs only while enabled, and follows moves', () => {
    const { bus, ctx, io, fn, cfgWrite32, cfgRead32 } = setup();
    cfgWrite32(3, 0, 0x10, 0xc001);
    cfgWrite32(3, 0, 0x14, 0xfebf0000);
    expect(io.in8(0xc004)).toBe(0xff);
    cfgWrite32(3, 0, 0x04, 0x0003);
    expect(fn.commands).toEqual([3]);
    expect(io.in8(0xc004)).toBe(0x44);
    const m = ctx.mmio.byName('pci0.3.0.bar1')!;
    expect(m.base).toBe(0xfebf0000);
    expect(ctx.mmio.read8(0xfebf0012)).toBe(0x12);
    cfgWrite32(3, 0, 0x10, 0xd001);
    expect(io.in8(0xc004)).toBe(0xff);
    expect(io.in8(0xd005)).toBe(0x45);
    expect(bus.decodedBarBase(3, 0, 0)).toBe(0xd000);
    // Sizing with decode on leaves the all-ones pattern undecoded.
    cfgWrite32(3, 0, 0x14, 0xffffffff);
    expect(m.base).toBe(-1);
    cfgWrite32(3, 0, 0x14, 0xfe000000);
    expect(m.base).toBe(0xfe000000);
    cfgWrite32(3, 0, 0x04, 0x0000);
    expect(m.base).toBe(-1);
    expect(io.in8(0xd005)).toBe(0xff);
    expect(cfgRead32(3, 0, 0x04) & 0xffff).toBe(0);
  });

  it('leaves a BAR placed over another device\'s ports undecoded instead of throwing', () => {
    const { io, cfgWrite32, bus } = setup();
    io.register(0x3f8, 8, { read8: () => 0x55, write8: () => {} }, 'uart');
    cfgWrite32(3, 0, 0x10, 0x3e1);
    expect(() => cfgWrite32(3, 0, 0x04, 1)).not.toThrow();
    expect(bus.decodedBarBase(3, 0, 0)).toBe(-1);
    expect(io.in8(0x3f8)).toBe(0x55);
    cfgWrite32(3, 0, 0x10, 0xe001);
    expect(bus.decodedBarBase(3, 0, 0)).toBe(0xe000);
  });

  it('handles byte writes to BARs and the command register', () => {
    const { io, addr, cfgRead32 } = setup();
    io.out32(0xcf8, addr(3, 0, 0x10));
    io.out8(0xcfd, 0xc1);
    expect(cfgRead32(3, 0, 0x10)).toBe(0xc101 & ~0x1f | 1);
    io.out32(0xcf8, addr(3, 0, 0x04));
    io.out8(0xcfc, 0x01);
    expect(io.in8(0xc104)).toBe(0x44);
  });

  it('gates DMA on the bus-master bit', () => {
    const { ctx, fn, cfgWrite32 } = setup();
    ctx.memory.bytes[0x100] = 0xab;
    const dma = fn.slot!.dma;
    expect(dma.read8(0x100)).toBe(0xff);
    const buf = new Uint8Array(1);
    expect(dma.read(0x100, buf)).toBe(DmaStatus.Unassigned);
    cfgWrite32(3, 0, 0x04, 0x0004);
    expect(dma.read(0x100, buf)).toBe(DmaStatus.Ok);
    expect(buf[0]).toBe(0xab);
  });

  it('rotates INTx onto PIRQs, honours INTx disable and reports interrupt status', () => {
    const { bus, fn, pirqs, cfgRead32, cfgWrite32 } = setup();
    const other = new FakeFunction(2);
    bus.plug(other, 4, 0); // slot 4 INTB# -> (4 + 2 - 2) & 3 = PIRQA
    const third = new FakeFunction(3);
    bus.plug(third, 2, 0); // slot 2 INTC# -> (2 + 3 - 2) & 3 = PIRQD
    fn.slot!.intx.raise(); // slot 3 INTA# -> PIRQC
    expect(pirqs[2]!.level).toBe(true);
    expect((cfgRead32(3, 0, 0x04) >>> 16) & 0x08).toBe(0x08);
    cfgWrite32(3, 0, 0x04, 0x0400);
    expect(pirqs[2]!.level).toBe(false);
    expect((cfgRead32(3, 0, 0x04) >>> 16) & 0x08).toBe(0x08);
    cfgWrite32(3, 0, 0x04, 0);
    expect(pirqs[2]!.level).toBe(true);
    other.slot!.intx.raise();
    third.slot!.intx.raise();
    expect(pirqs[0]!.level).toBe(true);
    expect(pirqs[3]!.level).toBe(true);
  });

  it('wire-ORs functions sharing a PIRQ', () => {
    const { bus, fn, pirqs } = setup();
    const twin = new FakeFunction(1);
    bus.plug(twin, 7, 0); // slot 7 INTA# -> (7 + 1 - 2) & 3 = PIRQC, same as slot 3
    fn.slot!.intx.raise();
    twin.slot!.intx.raise();
    fn.slot!.intx.lower();
    expect(pirqs[2]!.level).toBe(true);
    twin.slot!.intx.lower();
    expect(pirqs[2]!.level).toBe(false);
  });

  it('forwards 0x40..0xff to the function and keeps header scratch registers', () => {
    const { fn, io, addr, cfgRead32, cfgWrite32 } = setup();
    cfgWrite32(3, 0, 0x40, 0x12345678);
    expect(fn.config[0x41]).toBe(0x56);
    io.out32(0xcf8, addr(3, 0, 0x40));
    expect(io.in16(0xcfe)).toBe(0x1234);
    cfgWrite32(3, 0, 0x3c, 0xffffff0b);
    expect(cfgRead32(3, 0, 0x3c)).toBe(0x010b);
    cfgWrite32(3, 0, 0x0c, 0xffff4010);
    expect(cfgRead32(3, 0, 0x0c)).toBe(0x4010);
  });

  it('reports multi-function devices and rejects double plugging', () => {
    const { bus, cfgRead32 } = setup();
    bus.plug(new FakeFunction(0, { multiFunction: true }), 5, 0);
    expect((cfgRead32(5, 0, 0x0c) >>> 16) & 0x80).toBe(0x80);
    expect(() => bus.plug(new FakeFunction(), 5, 0)).toThrow(RangeError);
    expect(() => bus.plug(new FakeFunction(), 32, 0)).toThrow(RangeError);
  });

  it('resets headers and unmaps BARs', () => {
    const { bus, io, cfgWrite32, cfgRead32 } = setup();
    cfgWrite32(3, 0, 0x10, 0xc001);
    cfgWrite32(3, 0, 0x04, 1);
    bus.reset();
    expect(io.in8(0xc004)).toBe(0xff);
    expect(cfgRead32(3, 0, 0x10)).toBe(1);
  });

  it('snapshots and restores headers, re-decoding BARs', () => {
    const a = setup();
    a.cfgWrite32(3, 0, 0x10, 0xc001);
    a.cfgWrite32(3, 0, 0x04, 0x0005);
    a.cfgWrite32(3, 0, 0x3c, 10);
    const state = a.bus.snapshot();
    const b = setup();
    b.bus.restore(structuredClone(state));
    expect(b.io.in8(0xc001)).toBe(0x41);
    expect(b.cfgRead32(3, 0, 0x3c) & 0xff).toBe(10);
    expect(b.fn.slot!.dma.read8(0)).toBe(0);
    expect(() => b.bus.restore({ ...state, version: 99 })).toThrow();
    a.fn.slot!.intx.raise();
    const c = setup();
    c.bus.restore(a.bus.snapshot());
    expect(c.pirqs[2]!.level).toBe(false); // restore leaves wires alone ...
    c.bus.syncOutputs();
    expect(c.pirqs[2]!.level).toBe(true); // ... until the machine re-drives them
    c.fn.slot!.intx.lower();
    expect(c.pirqs[2]!.level).toBe(false);
  });
});
