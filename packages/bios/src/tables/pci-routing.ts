/**
 * PCI INTx routing on a PIIX board: each slot's INTA#..INTD# rotate onto
 * PIRQA#..PIRQD# (PIRQ = (slot - 1 + pin - 1) mod 4, the rotation SeaBIOS
 * and QEMU use), and the PIIX3 steers each PIRQ to an ISA IRQ (PIRQRC
 * registers 0x60-0x63). The same routes must appear in the ACPI `_PRT`, the
 * MP table and the PIRQRC values the firmware (or a direct-booting machine)
 * programs.
 *
 * @module
 */

import { FirmwareError } from '../errors.js';
import type { AcpiPciRoute } from './acpi/acpi-tables.js';
import type { MpPciInterrupt } from './mptable.js';

/** The ISA IRQs SeaBIOS steers PIRQA#..PIRQD# to. */
export const SEABIOS_PIRQ_IRQS: readonly number[] = [10, 10, 11, 11];

/** Routes for a set of PCI slots, in the forms each table wants. */
export interface PiixInterruptRoutes {
  /** For `AcpiConfig.pciRoutes` (the DSDT `_PRT`). */
  readonly acpi: readonly AcpiPciRoute[];
  /** For `MpConfig.pciInterrupts`. */
  readonly mp: readonly MpPciInterrupt[];
  /** The distinct ISA IRQs in use: declare them level (ELCR, `AcpiConfig.levelIrqs`). */
  readonly irqs: readonly number[];
}

/** The PIRQ (0 = PIRQA#) that `pin` (1 = INTA#) of bus-0 slot `device` reaches. */
export function piixPirq(device: number, pin: number): number {
  return (device + pin - 2) & 3;
}

/**
 * The four INTx routes of each slot in `devices`, given the ISA IRQ each
 * PIRQ is steered to.
 * @throws FirmwareError for a slot outside 1..31 or a PIRQ IRQ that is not a
 * steerable ISA IRQ (PIIX3: 3-7, 9-12, 14, 15)
 */
export function piixInterruptRoutes(devices: readonly number[], pirqIrqs: readonly number[] = SEABIOS_PIRQ_IRQS): PiixInterruptRoutes {
  if (pirqIrqs.length !== 4) throw new FirmwareError('bad-option', `pirqIrqs needs 4 IRQs, got ${pirqIrqs.length}`);
  for (const irq of pirqIrqs) {
    if (![3, 4, 5, 6, 7, 9, 10, 11, 12, 14, 15].includes(irq)) {
      throw new FirmwareError('bad-option', `IRQ ${irq} cannot take a PIRQ (PIIX3 steers to 3-7, 9-12, 14, 15)`);
    }
  }
  const acpi: AcpiPciRoute[] = [];
  const mp: MpPciInterrupt[] = [];
  for (const device of devices) {
    if (!Number.isInteger(device) || device < 1 || device > 31) throw new FirmwareError('bad-option', `PCI slot ${device} is not in 1..31`);
    for (const pin of [1, 2, 3, 4] as const) {
      const irq = pirqIrqs[piixPirq(device, pin)]!;
      acpi.push({ device, pin, gsi: irq });
      mp.push({ device, pin, ioApicPin: irq });
    }
  }
  return { acpi, mp, irqs: [...new Set(pirqIrqs)].sort((a, b) => a - b) };
}
