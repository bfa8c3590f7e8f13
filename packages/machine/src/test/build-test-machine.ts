import { Machine } from '../machine.js';
import type { MachineOptions } from '../machine.js';
import { DebugExitDevice } from './debug-exit-device.js';
import { LevelInterruptController } from './level-interrupt-controller.js';
import { ScriptedCpu } from './scripted-cpu.js';
import type { ScriptStep } from './scripted-cpu.js';

/** What {@link buildTestMachine} returns. */
export interface TestMachine {
  /** The machine. */
  readonly machine: Machine;
  /** Its scripted CPU. */
  readonly cpu: ScriptedCpu;
  /** The interrupt controller (inputs attached to IRQ inputs 0..15, vectors 0x20..0x2f). */
  readonly pic: LevelInterruptController;
  /** The debug-exit device on port 0xf4. */
  readonly exit: DebugExitDevice;
}

/**
 * A small machine for tests: 1 MB of RAM by default, a deterministic clock,
 * a {@link LevelInterruptController} on IRQ inputs 0..15, a
 * {@link DebugExitDevice} on port 0xf4 and a {@link ScriptedCpu} running
 * `program`. Add your device with `machine.addDevice` and give it
 * `machine.irq.line(n)`.
 */
export function buildTestMachine(program: readonly ScriptStep[], options: MachineOptions = {}): TestMachine {
  const machine = new Machine({ name: 'test', memoryMB: 1, ...options });
  const pic = new LevelInterruptController(machine.cpuIntr, 0x20, 16);
  for (let n = 0; n < 16; n++) machine.irq.attach(n, pic.inputs[n]!);
  machine.setInterruptController(pic);
  const exit = machine.addDevice(new DebugExitDevice(machine.platform));
  const cpu = machine.attachCpu((platform) => new ScriptedCpu(platform, program));
  return { machine, cpu, pic, exit };
}
