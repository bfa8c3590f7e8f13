import { describe, expect, it } from 'vitest';
import type { InterruptAcknowledge } from '@vm/bus';
import { RecordingIrqLine } from '@vm/bus/test';
import { ApicMessageBus } from './apic-bus.js';
import { IoApic82093 } from './io-apic.js';
import { LocalApic } from './local-apic.js';
import { testContext } from './test-support.js';

const BASE = 0xfee00000;

class FakePic implements InterruptAcknowledge {
  acks = 0;
  acknowledge(): number {
    this.acks++;
    return 0x08;
  }
}

function setup() {
  const fabric = new ApicMessageBus();
  const ctx = testContext();
  const pic = new FakePic();
  const cpuEvents: string[] = [];
  const mk = (id: number) => {
    const intr = new RecordingIrqLine();
    const nmi = new RecordingIrqLine();
    const apic = new LocalApic({
      apicId: id,
      bus: fabric,
      intr,
      nmi,
      extInt: pic,
      mapMmio: id === 0,
      cpu: { init: () => cpuEvents.push(`init${id}`), startup: (v) => cpuEvents.push(`sipi${id}:${v}`) },
    });
    fabric.addLocalApic(apic);
    expect(apic.realize(ctx).ok).toBe(true);
    return { apic, intr, nmi };
  };
  const a = mk(0);
  const b = mk(1);
  const w = (apic: LocalApic, reg: number, v: number) => apic.writeRegister(reg, v >>> 0);
  const r = (apic: LocalApic, reg: number) => apic.readRegister(reg);
  const enable = (apic: LocalApic) => w(apic, 0xf0, 0x1ff);
  return { fabric, ctx, pic, cpuEvents, a, b, w, r, enable };
}

describe('LocalApic registers', () => {
  it('maps the register page and reports ID, version and reset values', () => {
    const { ctx, b, r } = setup();
    expect(ctx.mmio.read32(BASE + 0x20)).toBe(0);
    expect(ctx.mmio.read32(BASE + 0x30)).toBe(0x00050014);
    expect(ctx.mmio.read32(BASE + 0xe0)).toBe(0xffffffff);
    expect(ctx.mmio.read32(BASE + 0xf0)).toBe(0xff);
    expect(ctx.mmio.read32(BASE + 0x350)).toBe(0x700); // BSP virtual wire
    expect(r(b.apic, 0x20)).toBe(0x01000000);
    expect(r(b.apic, 0x350)).toBe(0x10000);
    expect(ctx.mmio.read8(BASE + 0x30)).toBe(0x14);
  });

  it('keeps LVTs masked while software-disabled', () => {
    const { a, w, r, enable } = setup();
    w(a.apic, 0x320, 0x30);
    expect(r(a.apic, 0x320)).toBe(0x10030);
    enable(a.apic);
    w(a.apic, 0x320, 0x30);
    expect(r(a.apic, 0x320)).toBe(0x30);
    w(a.apic, 0xf0, 0xff);
    expect(r(a.apic, 0x320)).toBe(0x10030);
  });
});

describe('LocalApic interrupts', () => {
  it('delivers fixed IPIs between two APICs and retires them with EOI', () => {
    const { a, b, w, r, enable } = setup();
    enable(a.apic);
    enable(b.apic);
    w(a.apic, 0x310, 0x01000000);
    w(a.apic, 0x300, 0x00000045); // fixed, vector 0x45, physical dest 1
    expect(b.intr.level).toBe(true);
    expect(a.intr.level).toBe(false);
    expect(r(b.apic, 0x200 + 0x20) & (1 << 5)).toBe(1 << 5); // IRR word 2 bit 5
    expect(b.apic.acknowledge()).toBe(0x45);
    expect(b.intr.level).toBe(false);
    expect(r(b.apic, 0x100 + 0x20)).toBe(1 << 5);
    expect(r(b.apic, 0xa0)).toBe(0x40);
    w(b.apic, 0xb0, 0);
    expect(r(b.apic, 0x100 + 0x20)).toBe(0);
  });

  it('prioritises by class against TPR and ISR', () => {
    const { a, w, r, enable, fabric } = setup();
    enable(a.apic);
    w(a.apic, 0x80, 0x50);
    fabric.sendMessage(0, false, 0, 0x51, false, 0, null);
    expect(a.intr.level).toBe(false);
    expect(a.apic.acknowledge()).toBe(0xff); // spurious
    fabric.sendMessage(0, false, 0, 0x61, false, 0, null);
    expect(a.intr.level).toBe(true);
    expect(a.apic.acknowledge()).toBe(0x61);
    w(a.apic, 0x80, 0);
    expect(a.apic.pendingVector()).toBe(-1); // 0x51 is below the in-service 0x61
    w(a.apic, 0xb0, 0);
    expect(a.apic.pendingVector()).toBe(0x51);
    expect(r(a.apic, 0x90)).toBe(0x50);
  });

  it('sends INIT and SIPI with the all-excluding-self shorthand, and NMI', () => {
    const { a, b, w, cpuEvents, enable } = setup();
    enable(a.apic);
    w(a.apic, 0x300, 0x000c4500); // INIT, assert, all excluding self
    w(a.apic, 0x300, 0x000c4610); // SIPI vector 0x10
    expect(cpuEvents).toEqual(['init1', 'sipi1:16']);
    w(a.apic, 0x300, 0x00048400); // NMI to self
    expect(a.nmi.edges).toBe(1);
    expect(b.nmi.edges).toBe(0);
    w(a.apic, 0x300, 0x00008500); // INIT level de-assert: nothing
    expect(cpuEvents.length).toBe(2);
  });

  it('uses logical flat and cluster destinations and lowest priority', () => {
    const { a, b, w, fabric, enable } = setup();
    enable(a.apic);
    enable(b.apic);
    w(a.apic, 0xd0, 0x01000000);
    w(b.apic, 0xd0, 0x02000000);
    fabric.sendMessage(0x02, true, 0, 0x40, false, 0, null);
    expect(b.apic.pendingVector()).toBe(0x40);
    expect(a.apic.pendingVector()).toBe(-1);
    expect(b.apic.acknowledge()).toBe(0x40);
    w(b.apic, 0xb0, 0);
    w(a.apic, 0x80, 0x20);
    fabric.sendMessage(0x03, true, 1, 0x50, false, 0, null); // lowest priority: b has TPR 0
    expect(b.apic.acknowledge()).toBe(0x50);
    expect(a.apic.pendingVector()).toBe(-1);
    w(b.apic, 0xb0, 0);
    w(b.apic, 0x80, 0x30);
    fabric.sendMessage(0x03, true, 1, 0x60, false, 0, null); // now a is the lower priority
    expect(a.apic.pendingVector()).toBe(0x60);
    expect(b.apic.pendingVector()).toBe(-1);
    w(a.apic, 0xe0, 0x0fffffff); // cluster model
    w(a.apic, 0xd0, 0x21000000);
    expect(a.apic.matchesDestination(0x21, true)).toBe(true);
    expect(a.apic.matchesDestination(0x11, true)).toBe(false);
  });

  it('records illegal vectors in ESR after a write', () => {
    const { a, w, r, enable } = setup();
    enable(a.apic);
    w(a.apic, 0x370, 0xfe);
    w(a.apic, 0x300, 0x00040005); // fixed vector 5 to self
    expect(r(a.apic, 0x280)).toBe(0);
    w(a.apic, 0x280, 0);
    expect(r(a.apic, 0x280)).toBe(0x20);
    expect(a.apic.acknowledge()).toBe(0xfe); // error LVT vector
  });

  it('broadcasts EOI of level-triggered vectors to the IOAPIC', () => {
    const { fabric, ctx, a, w, enable } = setup();
    const ioapic = new IoApic82093({ bus: fabric });
    fabric.addEoiListener(ioapic);
    expect(ioapic.realize(ctx).ok).toBe(true);
    enable(a.apic);
    ctx.mmio.write32(0xfec00000, 0x10 + 18);
    ctx.mmio.write32(0xfec00010, 0x00008039); // pin 9 level vector 0x39 to APIC 0
    ioapic.inputs[9]!.raise();
    expect(a.apic.acknowledge()).toBe(0x39);
    expect(a.apic.readRegister(0x180 + 0x10) & (1 << 25)).toBe(1 << 25); // TMR
    ioapic.inputs[9]!.lower();
    w(a.apic, 0xb0, 0);
    expect(ioapic.entry(9)[0] & 0x4000).toBe(0);
    ioapic.inputs[9]!.raise();
    expect(a.apic.pendingVector()).toBe(0x39);
  });

  it('passes the 8259 through LINT0 ExtINT and acknowledges it there', () => {
    const { a, pic } = setup();
    a.apic.lint0.raise();
    expect(a.intr.level).toBe(true);
    expect(a.apic.acknowledge()).toBe(0x08);
    expect(pic.acks).toBe(1);
    a.apic.lint0.lower();
    expect(a.intr.level).toBe(false);
  });

  it('routes LINT1 as NMI and bypasses the APIC when globally disabled', () => {
    const { a, b, w, enable, ctx } = setup();
    enable(a.apic);
    w(a.apic, 0x360, 0x400);
    a.apic.lint1.raise();
    a.apic.lint1.lower();
    expect(a.nmi.edges).toBe(1);
    expect(a.apic.readBaseMsr()).toBe(0xfee00900);
    expect(b.apic.readBaseMsr()).toBe(0xfee00800);
    w(a.apic, 0x350, 0x10000); // mask LINT0
    a.apic.lint0.raise();
    expect(a.intr.level).toBe(false);
    a.apic.writeBaseMsr(0xfee00000);
    expect(a.intr.level).toBe(true);
    expect(ctx.mmio.read32(BASE + 0x30)).toBe(0xffffffff); // page gone
    a.apic.writeBaseMsr(0xfed00800);
    expect(ctx.mmio.read32(0xfed00030)).toBe(0x00050014);
  });
});

describe('LocalApic fabric delivery', () => {
  it('broadcasts physical 0xFF, ignores globally disabled APICs and passes NMI/ExtINT messages', () => {
    const { a, b, fabric, enable, pic } = setup();
    enable(a.apic);
    enable(b.apic);
    fabric.sendMessage(0xff, false, 0, 0x70, false, 0, null);
    expect(a.apic.pendingVector()).toBe(0x70);
    expect(b.apic.pendingVector()).toBe(0x70);
    b.apic.writeBaseMsr(0xfee00000); // globally disabled: deaf to the fabric
    fabric.sendMessage(1, false, 4, 0, false, 0, null);
    expect(b.nmi.edges).toBe(0);
    fabric.sendMessage(0, false, 4, 0, false, 0, null);
    expect(a.nmi.edges).toBe(1);
    b.apic.lint0.raise(); // bypass: LINT0 is INTR, acknowledge goes to the 8259
    expect(b.intr.level).toBe(true);
    expect(b.apic.acknowledge()).toBe(0x08);
    expect(pic.acks).toBe(1);
  });

  it('delivers level-triggered fixed LINT0 once until EOI', () => {
    const { a, w, enable } = setup();
    enable(a.apic);
    w(a.apic, 0x350, 0x8033); // fixed, level, vector 0x33
    a.apic.lint0.raise();
    expect(a.apic.readRegister(0x350) & 0x4000).toBe(0x4000);
    expect(a.apic.acknowledge()).toBe(0x33);
    expect(a.apic.pendingVector()).toBe(-1);
    w(a.apic, 0xb0, 0); // still high: delivered again
    expect(a.apic.pendingVector()).toBe(0x33);
    a.apic.acknowledge();
    a.apic.lint0.lower();
    w(a.apic, 0xb0, 0);
    expect(a.apic.readRegister(0x350) & 0x4000).toBe(0);
    expect(a.apic.pendingVector()).toBe(-1);
  });
});

describe('LocalApic timer', () => {
  it('fires periodically in virtual time and counts down with the divider', () => {
    const { a, w, r, enable, ctx } = setup();
    enable(a.apic);
    w(a.apic, 0x3e0, 0x3); // divide by 16
    w(a.apic, 0x320, 0x20040); // periodic, vector 0x40
    w(a.apic, 0x380, 1000); // 16 us period at 1 ns per clock
    ctx.clock.advance(4000);
    expect(r(a.apic, 0x390)).toBe(750);
    let fired = 0;
    for (let i = 0; i < 5; i++) {
      ctx.clock.advance(16000);
      if (a.apic.pendingVector() === 0x40) {
        fired++;
        expect(a.apic.acknowledge()).toBe(0x40);
        w(a.apic, 0xb0, 0);
      }
    }
    expect(fired).toBe(5);
    expect(r(a.apic, 0x390)).toBe(750);
  });

  it('runs one-shot to zero once, and stops when the initial count is cleared', () => {
    const { a, w, r, enable, ctx } = setup();
    enable(a.apic);
    w(a.apic, 0x3e0, 0xb); // divide by 1
    w(a.apic, 0x320, 0x41);
    w(a.apic, 0x380, 500);
    ctx.clock.advance(499);
    expect(a.apic.pendingVector()).toBe(-1);
    ctx.clock.advance(1);
    expect(a.apic.pendingVector()).toBe(0x41);
    expect(r(a.apic, 0x390)).toBe(0);
    a.apic.acknowledge();
    w(a.apic, 0xb0, 0);
    ctx.clock.advance(10_000);
    expect(a.apic.pendingVector()).toBe(-1);
    w(a.apic, 0x380, 100);
    w(a.apic, 0x380, 0);
    ctx.clock.advance(1000);
    expect(a.apic.pendingVector()).toBe(-1);
  });

  it('restores a running timer', () => {
    const s1 = setup();
    s1.enable(s1.a.apic);
    s1.w(s1.a.apic, 0x320, 0x20042);
    s1.w(s1.a.apic, 0x380, 1000);
    const state = structuredClone(s1.a.apic.snapshot());
    const s2 = setup();
    s2.a.apic.restore(state);
    s2.a.apic.syncOutputs();
    expect(s2.a.intr.level).toBe(false);
    s2.ctx.clock.advance(2000);
    expect(s2.a.apic.pendingVector()).toBe(0x42);
  });
});
