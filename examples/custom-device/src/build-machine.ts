import { Pic8259 } from '@vm/chipset';
import { Cpu } from '@vm/cpu-x86';
import { Machine } from '@vm/machine';
import { Crc32Accelerator } from './crc32-accelerator.js';
import { buildBootRom, ROM_HIGH_BASE, ROM_LOW_BASE } from './guest-program.js';

/** The assembled example machine and the parts a host or test looks at. */
export interface ExampleMachine {
  /** The machine. */
  readonly machine: Machine;
  /** The x86 CPU. */
  readonly cpu: Cpu;
  /** The device this example is about. */
  readonly crc: Crc32Accelerator;
}

/**
 * Assemble a tiny PC: 1 MiB of RAM, the hand-written boot ROM, an 8259
 * interrupt controller, the CRC-32 accelerator on ports 0x120..0x12F and
 * IRQ 5, and an i686 CPU. Deterministic virtual time: 1 ns per instruction.
 */
export function buildExampleMachine(): ExampleMachine {
  const machine = new Machine({ name: 'custom-device', memoryMB: 1 });

  // Boot ROM at the top of the address space (the reset vector) and below 1 MiB.
  machine.addRom(ROM_HIGH_BASE, buildBootRom(0x120, 5), 'boot-rom');
  machine.memory.addAlias(ROM_LOW_BASE, 0x10000, ROM_HIGH_BASE, 'boot-rom.low', 1);

  // The interrupt controller: its inputs on platform IRQs 0..15, its output on the CPU's INTR.
  const pic = machine.addDevice(new Pic8259({ intr: machine.cpuIntr }));
  for (let n = 0; n < 16; n++) machine.irq.attach(n, pic.inputs[n]!);
  machine.setInterruptController(pic);

  // Our device, wired to IRQ 5.
  const crc = machine.addDevice(new Crc32Accelerator({ base: 0x120, irq: machine.irq.line(5, 'crc0') }));

  const cpu = machine.attachCpu((platform) => new Cpu(platform));
  return { machine, cpu, crc };
}
