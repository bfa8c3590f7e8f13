import { RamGuestMemory, TestPortBus } from '@vm/bus/test';
import { Cpu } from '../cpu.js';
import { installSimd } from '../simd/install.js';
import { FloatingPointUnit } from './floating-point-unit.js';

/** Where test programs are placed. */
export const CODE = 0x1000;
/** Where test data lives. */
export const DATA = 0x2000;

/**
 * A real-mode CPU with an x87/MMX/SSE unit (CS=DS=0, SP=0x8000, CR4.OSFXSR
 * set), running `code` from {@link CODE} until the HLT appended to it. Vector
 * 13 and 16/19 handlers at 0x3000 are HLTs, so a fault shows as EIP 0x3001.
 */
export function fpuMachine(code: number[], setup?: (mem: RamGuestMemory, cpu: Cpu) => void) {
  const mem = new RamGuestMemory(0x10000);
  const unit = new FloatingPointUnit();
  installSimd(unit);
  const cpu = new Cpu(
    { memory: mem, io: new TestPortBus(), interrupts: { acknowledge: () => 0x20 }, clock: { now: () => 0 }, shutdown: () => {} },
    { fpu: unit },
  );
  for (let s = 0; s < 6; s++) cpu.setRealSegmentCache(s, 0, 0, 0xffff, s === 1 ? 0x9b : 0x93);
  cpu.eip = CODE;
  cpu.reg32[4] = 0x8000;
  cpu.cr4 |= 0x200;
  const dv = new DataView(mem.bytes.buffer);
  for (let v = 0; v < 32; v++) dv.setUint32(v * 4, 0x3000, true);
  mem.bytes[0x3000] = 0xf4;
  mem.bytes.set([...code, 0xf4], CODE);
  setup?.(mem, cpu);
  cpu.run(1000);
  return { mem, cpu, unit, x87: unit.fpu, dv };
}
