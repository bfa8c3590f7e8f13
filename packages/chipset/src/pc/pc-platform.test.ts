import { describe, expect, it } from 'vitest';
import type { InterruptAcknowledge, PciFunction, PciSlotContext } from '@vm/bus';
import { RecordingIrqLine } from '@vm/bus/test';
import { ApicMessageBus } from './apic-bus.js';
import { IoApic82093 } from './io-apic.js';
import { LocalApic } from './local-apic.js';
import { PciBus } from './pci-bus.js';
import { Piix3IsaBridge } from './piix3-isa-bridge.js';
import { Piix4Pm } from './piix4-pm.js';
import { WiredOrIrq } from './wired-or-irq.js';
import { RecordingPlatform, testContext } from './test-support.js';

class Nic implements PciFunction {
  readonly identity = { vendorId: 0x1022, deviceId: 0x2000, revisionId: 0, classCode: 0x020000, subsystemVendorId: 0, subsystemId: 0 };
  readonly bars = [];
  readonly interruptPin = 1 as const;
  slot: PciSlotContext | null = null;
  plugged(slot: PciSlotContext): void {
    this.slot = slot;
  }
  readConfig(): number {
    return 0;
  }
  writeConfig(): void {}
  commandChanged(): void {}
}

/** The wiring a PC machine does: PIRQs and the SCI onto shared ISA lines, each fanned out to the IOAPIC. */
function board() {
  const ctx = testContext();
  const fabric = new ApicMessageBus();
  const ioapic = new IoApic82093({ bus: fabric });
  fabric.addEoiListener(ioapic);
  const intr = new RecordingIrqLine();
  const pic: InterruptAcknowledge = { acknowledge: () => 0x20 };
  const lapic = new LocalApic({ apicId: 0, bus: fabric, intr, nmi: new RecordingIrqLine(), extInt: pic });
  fabric.addLocalApic(lapic);
  const isaLines = Array.from({ length: 16 }, (_, i) => new WiredOrIrq(ioapic.inputs[i]!));
  const piix3 = new Piix3IsaBridge({ isaIrqs: isaLines.map((l) => l.input()) });
  const pm = new Piix4Pm({ sci: isaLines[9]!.input(), platform: new RecordingPlatform() });
  const bus = new PciBus({ pirqs: piix3.pirqInputs });
  bus.plug(piix3, 1, 0);
  bus.plug(pm, 1, 3);
  const nic = new Nic();
  bus.plug(nic, 3, 0);
  for (const d of [bus, piix3, pm, ioapic, lapic]) expect(d.realize(ctx).ok).toBe(true);
  return { ctx, bus, pm, nic, lapic, intr, ioapic };
}

describe('PC interrupt path', () => {
  it('carries a PCI level interrupt and the SCI on one IRQ through the IOAPIC to the CPU', () => {
    const { ctx, bus, pm, nic, lapic, intr } = board();
    lapic.writeRegister(0xf0, 0x1ff);
    bus.configWrite(1, 0, 0x60, 4, 0x09090909); // every PIRQ to IRQ 9, shared with the SCI
    ctx.mmio.write32(0xfec00000, 0x10 + 18);
    ctx.mmio.write32(0xfec00010, 0x0000a059); // pin 9: vector 0x59, level, active low
    bus.configWrite(1, 3, 0x40, 4, 0xb001);
    bus.configWrite(1, 3, 0x80, 1, 1);
    ctx.ports.out8(0xb2, 0xf1);
    ctx.ports.out16(0xb002, 0x0100);
    pm.pressPowerButton(); // SCI asserted
    nic.slot!.intx.raise(); // slot 3 INTA# -> PIRQC -> IRQ 9
    expect(intr.level).toBe(true);
    expect(lapic.acknowledge()).toBe(0x59);
    ctx.ports.out16(0xb000, 0x0100); // OS clears the SCI source ...
    lapic.writeRegister(0xb0, 0); // ... and EOIs: the NIC still holds the line, so it comes back
    expect(lapic.pendingVector()).toBe(0x59);
    expect(lapic.acknowledge()).toBe(0x59);
    nic.slot!.intx.lower();
    lapic.writeRegister(0xb0, 0);
    expect(lapic.pendingVector()).toBe(-1);
    expect(intr.level).toBe(false);
  });

  it('delivers an IOAPIC ExtINT entry through the 8259 acknowledge', () => {
    const { ctx, ioapic, lapic, intr } = board();
    lapic.writeRegister(0xf0, 0x1ff);
    lapic.writeRegister(0x350, 0x10700); // LINT0 masked: only the IOAPIC path remains
    ctx.mmio.write32(0xfec00000, 0x10);
    ctx.mmio.write32(0xfec00010, 0x00000700); // pin 0 ExtINT
    ioapic.inputs[0]!.raise();
    expect(intr.level).toBe(true);
    expect(lapic.acknowledge()).toBe(0x20);
    expect(intr.level).toBe(false);
  });
});
