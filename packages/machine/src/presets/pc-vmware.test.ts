import { describe, expect, it } from 'vitest';
import { MachinePagePool, PmapState } from '@vm/mmu';
import { createPc, loadFirmware } from './pc.js';

function rom(code: number[]): Uint8Array {
  const r = new Uint8Array(0x10000);
  r.set(code, 0);
  r.set([0xea, 0x00, 0x00, 0x00, 0xf0], 0xfff0);
  return r;
}

const le = (x: number): number[] => [x & 0xff, (x >>> 8) & 0xff, (x >>> 16) & 0xff, (x >>> 24) & 0xff];

describe('pc preset as a VMware VM', () => {
  it('shows the hypervisor leaf, and the backdoor and balloon answer through the CPU registers', () => {
    const code = [
      0x66, 0xb8, ...le(0x40000000), 0x0f, 0xa2, // cpuid 0x40000000
      0x66, 0x89, 0x1e, 0x00, 0x05, 0x66, 0x89, 0x0e, 0x04, 0x05, 0x66, 0x89, 0x16, 0x08, 0x05, // vendor -> 0x500
      0x66, 0xb8, ...le(0x564d5868), 0x66, 0xb9, ...le(10), 0xba, 0x58, 0x56, 0x66, 0xed, // backdoor GETVERSION
      0x66, 0xa3, 0x0c, 0x05, 0x66, 0x89, 0x1e, 0x10, 0x05,
      0x66, 0xb8, ...le(0x456c6d6f), 0x66, 0x31, 0xc9, 0x66, 0xbb, ...le(6), 0xba, 0x70, 0x56, 0x66, 0xed, // balloon START
      0x66, 0xa3, 0x14, 0x05, 0x66, 0x89, 0x0e, 0x18, 0x05,
      0x66, 0xb8, ...le(0x456c6d6f), 0x66, 0xb9, ...le(2), 0x66, 0xbb, ...le(0x40), 0xba, 0x70, 0x56, 0x66, 0xed, // balloon LOCK page 0x40
      0x66, 0xa3, 0x1c, 0x05,
      0xfa, 0xf4, 0xeb, 0xfd,
    ];
    const pool = new MachinePagePool({ bytes: 16 << 20 });
    const pc = createPc({ memoryMB: 4, firmwareBoot: true, vmware: true, pool });
    expect(pc.machine.pool).toBe(pool);
    loadFirmware(pc, rom(code));
    pc.machine.memory.write32(0x40000, 0x1234); // guest page 0x40 has contents the balloon frees
    expect(pc.machine.pmap.stateOf(0x40)).toBe(PmapState.Private);
    pc.balloon!.setTarget(10);
    pc.machine.runUntil({ instructions: 500 });
    const m = pc.machine.memory;
    const vendor = Buffer.alloc(12);
    for (let i = 0; i < 3; i++) vendor.writeUInt32LE(m.read32(0x500 + i * 4), i * 4);
    expect(vendor.toString('latin1')).toBe('VMwareVMware');
    expect(m.read32(0x50c)).toBe(6);
    expect(m.read32(0x510)).toBe(0x564d5868);
    expect(m.read32(0x514)).toBe(0x03000000);
    expect(m.read32(0x518)).toBe(6);
    expect(m.read32(0x51c)).toBe(0);
    expect(pc.balloon!.size).toBe(1);
    expect(pc.machine.pmap.stateOf(0x40)).toBe(PmapState.Untouched);
  });

  it('has neither device nor the leaf by default', () => {
    const pc = createPc({ memoryMB: 4 });
    expect(pc.balloon).toBeNull();
    expect(pc.machine.ports.in32(0x5658) >>> 0).toBe(0xffffffff);
  });
});
