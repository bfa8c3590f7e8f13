import { describe, expect, it } from 'vitest';
import { NetLab, labMac } from './net-lab.js';

// Machines without a guest (nothing loaded at the reset vector): enough to check how the lab runs them.
const noGuest = { kernel: new Uint8Array(0), initrd: new Uint8Array(0) };
const spec = (name: string, n: number) => ({ name, nics: [{ virtualDev: 'e1000' as const, net: 'lan', mac: labMac(n, 0) }] });

describe('NetLab', () => {
  it('runs every VM in lockstep: each clock ends within one quantum of the lab clock', async () => {
    const lab = new NetLab(noGuest, { memoryMB: 16, quantumNs: 50_000 });
    const a = lab.addVm(spec('a', 1));
    const b = lab.addVm(spec('b', 2));
    await lab.idle(200_000);
    expect(lab.now).toBe(200_000);
    for (const vm of [a, b]) {
      expect(vm.pc.machine.clock.now()).toBeGreaterThanOrEqual(lab.now - 50_000);
      expect(vm.pc.machine.clock.now()).toBeLessThanOrEqual(lab.now);
    }
    lab.destroy();
  });

  it('allows one run loop at a time', async () => {
    const lab = new NetLab(noGuest, { memoryMB: 16 });
    lab.addVm(spec('a', 1));
    const first = lab.idle(100_000);
    await expect(lab.idle(100_000)).rejects.toThrow(/already running/);
    await first;
    lab.destroy();
  });

  it('gives up after the virtual time it was allowed', async () => {
    const lab = new NetLab(noGuest, { memoryMB: 16 });
    lab.addVm(spec('a', 1));
    await expect(lab.runUntil(() => false, 100_000, 'never')).rejects.toThrow(/never: not done after 0.0001 s of virtual time/);
    lab.destroy();
  });

  it('names VMs uniquely and cables NICs to the named VMnets', () => {
    const lab = new NetLab(noGuest, { memoryMB: 16 });
    const a = lab.addVm(spec('a', 1));
    expect(() => lab.addVm(spec('a', 3))).toThrow(/already exists/);
    expect(a.port(0).vmnet?.name).toBe('lan');
    expect(a.port(0).assignedMac).toBe('00:50:56:10:01:00');
    lab.destroy();
  });
});
