import { describe, expect, it } from 'vitest';
import { parseBenchArgs } from './args.js';

describe('parseBenchArgs', () => {
  it('has defaults for everything', () => {
    const o = parseBenchArgs([], new Date('2026-11-24T07:00:00Z'));
    expect(o).toMatchObject({ rounds: 3, systems: ['vm', 'qemu', 'v86'], timeoutSeconds: 600, memoryMiB: 128, guestDir: null });
    expect(o.out).toMatch(/vm-bench-boot-2026-11-24T07-00-00-000Z\.json$/);
  });
  it('takes rounds, systems (in column order) and paths', () => {
    const o = parseBenchArgs(['--rounds', '5', '--systems', 'v86,qemu', '--out=/x.json', '--guest-dir', 'g', '--timeout', '30']);
    expect(o).toMatchObject({ rounds: 5, systems: ['qemu', 'v86'], out: '/x.json', guestDir: 'g', timeoutSeconds: 30 });
  });
  it('names the bad option', () => {
    expect(() => parseBenchArgs(['--rounds', '0'])).toThrow(/--rounds 0/);
    expect(() => parseBenchArgs(['--rounds', '2.5'])).toThrow(/--rounds/);
    expect(() => parseBenchArgs(['--systems', 'bochs'])).toThrow(/bochs/);
    expect(() => parseBenchArgs(['--frob'])).toThrow(/frob/);
  });
});
