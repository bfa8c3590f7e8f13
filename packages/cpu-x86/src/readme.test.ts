import { describe, expect, it } from 'vitest';
import { ManualClock, RamGuestMemory, TestPortBus } from '@vm/bus/test';
import { Cpu } from './index.js';

// The README example, kept runnable.
describe('README example', () => {
  it('runs real-mode code on plain RAM until HLT', () => {
    const memory = new RamGuestMemory(1 << 20);
    const shutdowns: string[] = [];
    const cpu = new Cpu({
      memory,
      io: new TestPortBus(),
      clock: new ManualClock(),
      interrupts: { acknowledge: () => 0x08 },
      shutdown: (reason) => shutdowns.push(reason),
    });
    memory.write(0x7c00, Uint8Array.of(0xb8, 0x34, 0x12, 0x01, 0xc0, 0xf4));
    cpu.setRealSegmentCache(1, 0, 0, 0xffff, 0x9b);
    cpu.eip = 0x7c00;
    expect(cpu.run(100)).toBe(3);
    expect(cpu.reg16[0]).toBe(0x2468);
    expect(cpu.runState).toBe(1);
    expect(shutdowns).toEqual([]);
  });
});
