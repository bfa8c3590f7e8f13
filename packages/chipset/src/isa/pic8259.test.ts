import { describe, expect, it } from 'vitest';
import { StateError } from '@vm/bus';
import { ManualClock, RecordingIrqLine, TestPortBus } from '@vm/bus/test';
import { Pic8259 } from './pic8259.js';

function setup() {
  const intr = new RecordingIrqLine();
  const pic = new Pic8259({ intr });
  const bus = new TestPortBus();
  const clock = new ManualClock();
  const r = pic.realize({ ports: bus, mmio: null as never, memory: null as never, clock, timers: clock });
  expect(r.ok).toBe(true);
  pic.reset();
  return { pic, bus, intr };
}

/** The sequence Linux's init_8259A() writes (vectors 0x30/0x38, no AEOI). */
function linuxInit(bus: TestPortBus, autoEoi = false) {
  bus.out8(0x21, 0xff);
  bus.out8(0xa1, 0xff);
  bus.out8(0x20, 0x11); // ICW1: edge, cascade, ICW4
  bus.out8(0x21, 0x30); // ICW2
  bus.out8(0x21, 0x04); // ICW3: slave on IR2
  bus.out8(0x21, autoEoi ? 0x03 : 0x01); // ICW4: 8086 (+AEOI)
  bus.out8(0xa0, 0x11);
  bus.out8(0xa1, 0x38);
  bus.out8(0xa1, 0x02);
  bus.out8(0xa1, 0x01);
  bus.out8(0x21, 0xfb); // all masked but the cascade
  bus.out8(0xa1, 0xff);
}

describe('Pic8259', () => {
  it('probes like Linux: IMR reads back what was written', () => {
    const { bus } = setup();
    bus.out8(0x21, 0xff);
    expect(bus.in8(0x21)).toBe(0xff);
    bus.out8(0x21, 0x5a);
    expect(bus.in8(0x21)).toBe(0x5a);
  });

  it('delivers an unmasked edge IRQ with the ICW2 vector and holds it in ISR until EOI', () => {
    const { pic, bus, intr } = setup();
    linuxInit(bus);
    pic.inputs[0]!.pulse();
    expect(intr.level).toBe(false); // masked
    bus.out8(0x21, 0xfa); // unmask IRQ0
    expect(intr.level).toBe(true);
    expect(pic.acknowledge()).toBe(0x30);
    expect(intr.level).toBe(false);
    bus.out8(0x20, 0x0b); // OCW3: read ISR
    expect(bus.in8(0x20)).toBe(0x01);
    pic.inputs[0]!.pulse();
    expect(intr.level).toBe(false); // same level in service blocks it
    bus.out8(0x20, 0x0a); // read IRR
    expect(bus.in8(0x20)).toBe(0x01);
    bus.out8(0x20, 0x60); // specific EOI for IR0 (Linux's mask_and_ack)
    expect(intr.level).toBe(true);
    expect(pic.acknowledge()).toBe(0x30);
  });

  it('orders by priority and lets a higher request nest over a lower one in service', () => {
    const { pic, bus, intr } = setup();
    linuxInit(bus);
    bus.out8(0x21, 0x00);
    pic.inputs[4]!.pulse();
    expect(pic.acknowledge()).toBe(0x34);
    pic.inputs[6]!.pulse();
    expect(intr.level).toBe(false); // lower than IR4 in service
    pic.inputs[1]!.pulse();
    expect(intr.level).toBe(true); // higher nests
    expect(pic.acknowledge()).toBe(0x31);
    bus.out8(0x20, 0x20); // non-specific EOI clears IR1 (highest in service)
    bus.out8(0x20, 0x0b);
    expect(bus.in8(0x20)).toBe(0x10);
    bus.out8(0x20, 0x20);
    expect(pic.acknowledge()).toBe(0x36);
  });

  it('routes slave interrupts through the cascade and answers a vanished one as spurious IRQ15', () => {
    const { pic, bus, intr } = setup();
    linuxInit(bus);
    bus.out8(0xa1, 0x00);
    pic.inputs[12]!.pulse();
    expect(intr.level).toBe(true);
    expect(pic.acknowledge()).toBe(0x3c);
    bus.out8(0xa0, 0x20);
    bus.out8(0x20, 0x20);
    // A level-mode slave input that drops before INTA.
    bus.out8(0x4d1, 0x08); // IRQ11 level
    expect(bus.in8(0x4d1)).toBe(0x08);
    pic.inputs[11]!.raise();
    expect(intr.level).toBe(true);
    pic.inputs[11]!.lower();
    // Master IR2 is edge-triggered: its latched request stays, and the slave has nothing left.
    expect(intr.level).toBe(true);
    expect(pic.acknowledge()).toBe(0x3f);
    bus.out8(0xa0, 0x0b);
    expect(bus.in8(0xa0)).toBe(0); // no slave ISR bit for a spurious IRQ15
    bus.out8(0x20, 0x0b);
    expect(bus.in8(0x20)).toBe(0x04); // but the master's cascade level is in service
  });

  it('keeps a level request pending until the line drops and masks ELCR bits the PIIX3 does not have', () => {
    const { pic, bus, intr } = setup();
    linuxInit(bus);
    bus.out8(0x4d0, 0xff);
    expect(bus.in8(0x4d0)).toBe(0xf8);
    bus.out8(0x21, 0x00);
    pic.inputs[5]!.raise();
    expect(pic.acknowledge()).toBe(0x35);
    bus.out8(0x20, 0x65); // EOI while the line is still high: it requests again
    expect(intr.level).toBe(true);
    pic.inputs[5]!.lower();
    expect(intr.level).toBe(false);
  });

  it('returns the spurious IRQ7 vector without setting ISR when nothing is pending', () => {
    const { pic, bus } = setup();
    linuxInit(bus);
    expect(pic.acknowledge()).toBe(0x37);
    bus.out8(0x20, 0x0b);
    expect(bus.in8(0x20)).toBe(0);
  });

  it('auto-EOI leaves ISR clear and rotates priority when asked', () => {
    const { pic, bus } = setup();
    linuxInit(bus, true);
    bus.out8(0x21, 0x00);
    bus.out8(0x20, 0x80); // rotate in AEOI (set)
    pic.inputs[3]!.pulse();
    expect(pic.acknowledge()).toBe(0x33);
    bus.out8(0x20, 0x0b);
    expect(bus.in8(0x20)).toBe(0);
    // IR3 is now lowest: IR3 and IR5 together deliver IR5 first.
    pic.inputs[3]!.pulse();
    pic.inputs[5]!.pulse();
    expect(pic.acknowledge()).toBe(0x35);
    expect(pic.acknowledge()).toBe(0x33);
  });

  it('set-priority and rotate-on-specific-EOI commands move the lowest priority', () => {
    const { pic, bus } = setup();
    linuxInit(bus);
    bus.out8(0x21, 0x00);
    bus.out8(0x20, 0xc4); // IR4 lowest, IR5 highest
    pic.inputs[1]!.pulse();
    pic.inputs[6]!.pulse();
    expect(pic.acknowledge()).toBe(0x36);
    bus.out8(0x20, 0xe6); // rotate on specific EOI 6: IR7 highest
    expect(pic.acknowledge()).toBe(0x31);
  });

  it('special mask mode lets a lower level through while a higher is in service and masked', () => {
    const { pic, bus, intr } = setup();
    linuxInit(bus);
    bus.out8(0x21, 0x00);
    pic.inputs[1]!.pulse();
    expect(pic.acknowledge()).toBe(0x31);
    pic.inputs[5]!.pulse();
    expect(intr.level).toBe(false);
    bus.out8(0x21, 0x02); // mask IR1
    bus.out8(0x20, 0x68); // OCW3: set special mask
    expect(intr.level).toBe(true);
    expect(pic.acknowledge()).toBe(0x35);
    bus.out8(0x20, 0x48); // reset special mask
  });

  it('poll mode returns 0x80|level and acknowledges', () => {
    const { pic, bus, intr } = setup();
    linuxInit(bus);
    bus.out8(0x21, 0x00);
    pic.inputs[6]!.pulse();
    bus.out8(0x20, 0x0c); // OCW3 poll
    expect(bus.in8(0x20)).toBe(0x86);
    expect(intr.level).toBe(false);
    bus.out8(0x20, 0x0c);
    expect(bus.in8(0x20)).toBe(0x00);
    bus.out8(0x20, 0x0b);
    expect(bus.in8(0x20)).toBe(0x40);
  });

  it('ICW1 requires a fresh edge for an input that is already high', () => {
    const { pic, bus, intr } = setup();
    pic.inputs[1]!.raise();
    linuxInit(bus);
    bus.out8(0x21, 0x00);
    expect(intr.level).toBe(false);
    pic.inputs[1]!.lower();
    pic.inputs[1]!.raise();
    expect(pic.acknowledge()).toBe(0x31);
  });

  it('releases nothing it does not own when realize fails half way, and its ports on destroy', () => {
    const bus = new TestPortBus();
    const clock = new ManualClock();
    const ctx = { ports: bus, mmio: null as never, memory: null as never, clock, timers: clock };
    bus.register(0xa0, 1, { read8: () => 0x12, write8: () => {} }, 'squatter');
    const pic = new Pic8259({ intr: new RecordingIrqLine() });
    const r = pic.realize(ctx);
    expect(r).toEqual({ ok: false, error: expect.stringMatching(/squatter/) });
    expect(bus.in8(0x21)).toBe(0xff); // the master's range was given back
    expect(bus.in8(0xa0)).toBe(0x12);
    bus.unregister(0xa0, 1);
    expect(pic.realize(ctx).ok).toBe(true);
    pic.destroy();
    expect(bus.in8(0x21)).toBe(0xff);
  });

  it('ignores out-of-range IRQ numbers and the cascade input', () => {
    const { pic, intr, bus } = setup();
    linuxInit(bus);
    bus.out8(0x21, 0x00);
    pic.setIrq(16, true);
    pic.setIrq(-1, true);
    pic.setIrq(2, true); // the cascade input is not a device input
    expect(intr.level).toBe(false);
  });

  it('round-trips a snapshot and rejects a foreign one', () => {
    const { pic, bus } = setup();
    linuxInit(bus);
    bus.out8(0xa1, 0x00);
    bus.out8(0x4d1, 0x02);
    pic.inputs[9]!.raise();
    const snap = pic.snapshot();
    const b = setup();
    b.pic.restore(snap);
    b.pic.syncOutputs();
    expect(b.intr.level).toBe(true);
    expect(b.pic.acknowledge()).toBe(0x39);
    expect(b.bus.in8(0x4d1)).toBe(0x02);
    expect(() => b.pic.restore({ ...snap, name: 'other' })).toThrow(StateError);
    expect(() => b.pic.restore({ ...snap, fields: { ...snap.fields, master: { irr: 'x' } } })).toThrow(StateError);
  });
});
