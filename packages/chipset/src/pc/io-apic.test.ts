import { describe, expect, it } from 'vitest';
import type { ApicBus } from './apic-bus.js';
import { IoApic82093 } from './io-apic.js';
import { testContext } from './test-support.js';

interface Sent {
  dest: number;
  logical: boolean;
  mode: number;
  vector: number;
  level: boolean;
}

class RecordingApicBus implements ApicBus {
  readonly sent: Sent[] = [];
  sendMessage(dest: number, logical: boolean, mode: number, vector: number, level: boolean): void {
    this.sent.push({ dest, logical, mode, vector, level });
  }
  broadcastEoi(): void {}
}

const BASE = 0xfec00000;

function setup() {
  const bus = new RecordingApicBus();
  const ioapic = new IoApic82093({ bus, id: 1 });
  const ctx = testContext();
  expect(ioapic.realize(ctx).ok).toBe(true);
  const write = (reg: number, v: number) => {
    ctx.mmio.write32(BASE, reg);
    ctx.mmio.write32(BASE + 0x10, v);
  };
  const read = (reg: number) => {
    ctx.mmio.write32(BASE, reg);
    return ctx.mmio.read32(BASE + 0x10);
  };
  return { bus, ioapic, ctx, write, read };
}

describe('IoApic82093', () => {
  it('reports ID, version 0x11 with 24 entries, and masked entries after reset', () => {
    const { read, write, ctx } = setup();
    expect(read(0)).toBe(0x01000000);
    expect(read(1)).toBe(0x00170011);
    expect(read(0x10)).toBe(0x10000);
    expect(read(0x10 + 47)).toBe(0);
    write(0, 0x0f000000);
    expect(read(2)).toBe(0x0f000000);
    ctx.mmio.write8(BASE, 0x01);
    expect(ctx.mmio.read8(BASE)).toBe(0x01);
    expect(ctx.mmio.read8(BASE + 0x12)).toBe(0x17);
  });

  it('sends edge interrupts on rising edges only while unmasked', () => {
    const { ioapic, write, read, bus } = setup();
    ioapic.inputs[2]!.pulse();
    expect(bus.sent).toEqual([]);
    write(0x10 + 4, 0x00000930 | 0x800); // vector 0x30, lowest priority, logical
    write(0x10 + 5, 0x03000000);
    expect(read(0x15)).toBe(0x03000000);
    ioapic.inputs[2]!.raise();
    ioapic.inputs[2]!.raise();
    ioapic.inputs[2]!.lower();
    ioapic.inputs[2]!.pulse();
    expect(bus.sent).toEqual([
      { dest: 3, logical: true, mode: 1, vector: 0x30, level: false },
      { dest: 3, logical: true, mode: 1, vector: 0x30, level: false },
    ]);
  });

  it('holds remote IRR for level interrupts until the EOI broadcast', () => {
    const { ioapic, write, read, bus } = setup();
    write(0x10 + 20, 0x00008041); // pin 10: vector 0x41, fixed, physical, level
    ioapic.inputs[10]!.raise();
    expect(bus.sent.length).toBe(1);
    expect(bus.sent[0]!.level).toBe(true);
    expect(read(0x10 + 20) & 0x4000).toBe(0x4000);
    ioapic.inputs[10]!.raise();
    expect(bus.sent.length).toBe(1);
    ioapic.eoiBroadcast(0x42); // other vector: no effect
    expect(read(0x10 + 20) & 0x4000).toBe(0x4000);
    ioapic.eoiBroadcast(0x41); // still asserted: sent again
    expect(bus.sent.length).toBe(2);
    ioapic.inputs[10]!.lower();
    ioapic.eoiBroadcast(0x41);
    expect(read(0x10 + 20) & 0x4000).toBe(0);
    expect(bus.sent.length).toBe(2);
  });

  it('delivers an asserted level input when it is unmasked, and ignores writes to read-only bits', () => {
    const { ioapic, write, read, bus } = setup();
    write(0x10 + 22, 0x00018051); // masked, level
    ioapic.inputs[11]!.raise();
    expect(bus.sent.length).toBe(0);
    write(0x10 + 22, 0x00008051 | 0x5000); // unmask; try to set delivery status and remote IRR
    expect(bus.sent.length).toBe(1);
    expect(read(0x10 + 22)).toBe(0x0000c051); // remote IRR set by the delivery itself
    write(0x10 + 22, 0x00000051); // edge mode clears remote IRR
    expect(read(0x10 + 22)).toBe(0x51);
  });

  it('ignores registers beyond the table and survives snapshot/restore', () => {
    const { ioapic, write, read } = setup();
    write(0x10 + 48, 0x1234);
    expect(read(0x10 + 48)).toBe(0);
    write(0x10, 0x8031);
    const b = setup();
    b.ioapic.restore(structuredClone(ioapic.snapshot()));
    expect(b.read(0x10)).toBe(0x8031);
    expect(b.read(0)).toBe(0x01000000);
  });
});
