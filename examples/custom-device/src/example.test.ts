import { describe, expect, it } from 'vitest';
import { buildExampleMachine } from './build-machine.js';
import { DONE_FLAG_ADDR, RESULT_ADDR } from './guest-program.js';

describe('the custom-device example machine', () => {
  it('boots the hand-written guest, which gets the CRC-32 from the device through IRQ 5', () => {
    const { machine, crc } = buildExampleMachine();
    const r = machine.runUntil({ maxSlices: 1000 });
    expect(r.stop).toBe('idle'); // cli; hlt with no timer left
    expect(machine.memory.read8(DONE_FLAG_ADDR)).toBe(1);
    expect(machine.memory.read32(RESULT_ADDR)).toBe(0x414fa339);
    // The handler acknowledged the device: status clear, IRQ line low.
    expect(machine.ports.in8(crc.base + 8)).toBe(0);
    expect(machine.irq.level(5)).toBe(false);
    machine.destroy();
  });

  it('is deterministic: the same instructions and virtual time on every run', () => {
    const run = () => {
      const { machine } = buildExampleMachine();
      const r = machine.runUntil({ maxSlices: 1000 });
      const out = [r.retired, machine.clock.now()];
      machine.destroy();
      return out;
    };
    const first = run();
    expect(run()).toEqual(first);
    // At least the device's 2 us + 43 * 4 ns passed while the guest slept.
    expect(first[1]!).toBeGreaterThan(2_000 + 43 * 4);
  });

  it('runs the guest again from the reset vector after a machine reset', () => {
    const { machine, crc } = buildExampleMachine();
    machine.runUntil({ maxSlices: 1000 });
    machine.memory.write8(DONE_FLAG_ADDR, 0);
    machine.memory.write32(RESULT_ADDR, 0);
    machine.reset('test');
    expect(crc.snapshot().fields.result).toBe(0); // the device's reset cleared it
    expect(machine.runUntil({ maxSlices: 1000 }).stop).toBe('idle');
    expect(machine.memory.read32(RESULT_ADDR)).toBe(0x414fa339);
    machine.destroy();
  });
});
