import { describe, expect, it } from 'vitest';
import { piixInterruptRoutes, piixPirq } from './pci-routing.js';

describe('PIIX PCI interrupt routing', () => {
  it('rotates pins by slot onto PIRQA-D', () => {
    expect([1, 2, 3, 4].map((pin) => piixPirq(1, pin))).toEqual([0, 1, 2, 3]);
    expect([1, 2, 3, 4].map((pin) => piixPirq(3, pin))).toEqual([2, 3, 0, 1]);
  });

  it("gives SeaBIOS's IRQs to every pin, in ACPI and MP form", () => {
    const r = piixInterruptRoutes([3]);
    expect(r.acpi).toEqual([
      { device: 3, pin: 1, gsi: 11 },
      { device: 3, pin: 2, gsi: 11 },
      { device: 3, pin: 3, gsi: 10 },
      { device: 3, pin: 4, gsi: 10 },
    ]);
    expect(r.mp[0]).toEqual({ device: 3, pin: 1, ioApicPin: 11 });
    expect(r.irqs).toEqual([10, 11]);
  });

  it('rejects bad slots and IRQs', () => {
    expect(() => piixInterruptRoutes([0])).toThrow(/slot 0/);
    expect(() => piixInterruptRoutes([2], [10, 10, 11, 2])).toThrow(/IRQ 2 cannot take a PIRQ/);
    expect(() => piixInterruptRoutes([2], [10])).toThrow(/needs 4 IRQs/);
  });
});
