import { describe, expect, it } from 'vitest';
import { RecordingIrqLine } from '@vm/bus/test';
import { Piix3IsaBridge } from './piix3-isa-bridge.js';
import { PciBus } from './pci-bus.js';
import { testContext } from './test-support.js';

function setup() {
  const irqs = Array.from({ length: 16 }, () => new RecordingIrqLine());
  const piix3 = new Piix3IsaBridge({ isaIrqs: irqs });
  const bus = new PciBus({ pirqs: piix3.pirqInputs });
  bus.plug(piix3, 1, 0);
  expect(bus.realize(testContext()).ok).toBe(true);
  return { piix3, bus, irqs };
}

describe('Piix3IsaBridge', () => {
  it('identifies as a multi-function 8086:7000 ISA bridge', () => {
    const { bus } = setup();
    expect(bus.configRead(1, 0, 0, 4)).toBe(0x70008086);
    expect(bus.configRead(1, 0, 0x0a, 2)).toBe(0x0601);
    expect(bus.configRead(1, 0, 0x0e, 1)).toBe(0x80);
    expect(bus.configRead(1, 0, 0x60, 4)).toBe(0x80808080);
  });

  it('routes PIRQs to ISA IRQs as SeaBIOS programs them (10, 10, 11, 11)', () => {
    const { bus, piix3, irqs } = setup();
    bus.configWrite(1, 0, 0x60, 4, 0x0b0b0a0a);
    piix3.pirqInputs[1]!.raise();
    expect(irqs[10]!.level).toBe(true);
    piix3.pirqInputs[0]!.raise();
    piix3.pirqInputs[1]!.lower();
    expect(irqs[10]!.level).toBe(true);
    piix3.pirqInputs[0]!.lower();
    expect(irqs[10]!.level).toBe(false);
    piix3.pirqInputs[3]!.raise();
    expect(irqs[11]!.level).toBe(true);
    expect(irqs[10]!.level).toBe(false);
  });

  it('honours the disable bit and reserved IRQs, and moves a live level on re-route', () => {
    const { bus, piix3, irqs } = setup();
    piix3.pirqInputs[2]!.raise();
    expect(irqs.some((l) => l.level)).toBe(false); // reset: all disabled
    bus.configWrite(1, 0, 0x62, 1, 0x05);
    expect(irqs[5]!.level).toBe(true);
    bus.configWrite(1, 0, 0x62, 1, 0x09);
    expect(irqs[5]!.level).toBe(false);
    expect(irqs[9]!.level).toBe(true);
    bus.configWrite(1, 0, 0x62, 1, 0x89);
    expect(irqs[9]!.level).toBe(false);
    bus.configWrite(1, 0, 0x62, 1, 0x02); // IRQ2 is reserved
    expect(irqs.some((l) => l.level)).toBe(false);
    expect(piix3.pirqRoute(2)).toBe(-1);
    expect(bus.configRead(1, 0, 0x62, 1)).toBe(0x02);
  });

  it('receives PCI INTx through the bus swizzle', () => {
    const { bus, irqs } = setup();
    bus.configWrite(1, 0, 0x60, 4, 0x0b0b0a0a);
    let intx: import('@vm/bus').IrqLine | null = null;
    bus.plug(
      {
        identity: { vendorId: 1, deviceId: 2, revisionId: 0, classCode: 0, subsystemVendorId: 0, subsystemId: 0 },
        bars: [],
        interruptPin: 1,
        plugged: (s) => (intx = s.intx),
        readConfig: () => 0,
        writeConfig: () => {},
        commandChanged: () => {},
      },
      3,
      0,
    );
    intx!.raise(); // slot 3 INTA# -> PIRQC -> IRQ 11
    expect(irqs[11]!.level).toBe(true);
  });

  it('snapshots routes and levels', () => {
    const a = setup();
    a.bus.configWrite(1, 0, 0x61, 1, 0x0a);
    a.piix3.pirqInputs[1]!.raise();
    const b = setup();
    b.piix3.restore(structuredClone(a.piix3.snapshot()));
    expect(b.piix3.pirqRoute(1)).toBe(10);
    b.piix3.syncOutputs();
    expect(b.irqs[10]!.level).toBe(true);
    b.piix3.pirqInputs[1]!.lower();
    expect(b.irqs[10]!.level).toBe(false);
  });
});
