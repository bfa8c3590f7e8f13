import { describe, expect, it } from 'vitest';
import { NetLab } from './lab/index.js';
import { FIREWALL_SPECS, OUTSIDE, PRIVATE, SETUP } from './topology.js';

// The guest is never booted here (see system/src/net-vms.test.ts for the guests themselves):
// these checks are about the wiring the example builds.
const noGuest = { kernel: new Uint8Array(0), initrd: new Uint8Array(0) };

describe('the firewall example network', () => {
  it('puts only the gateway on both VMnets', () => {
    const lab = new NetLab(noGuest, { memoryMB: 16 });
    for (const spec of Object.values(FIREWALL_SPECS)) lab.addVm(spec);
    const on = (net: string): string[] => lab.net(net).ports().map((p) => p.name).sort();
    expect(on(PRIVATE)).toEqual(['gateway.ethernet0', 'inner.ethernet1']);
    expect(on(OUTSIDE)).toEqual(['gateway.ethernet1', 'outer.ethernet1']);
    lab.destroy();
  });

  it('gives every NIC a distinct static MAC in VMware range, and every VM the same NIC models (so clones fit)', () => {
    const macs = Object.values(FIREWALL_SPECS).flatMap((s) => s.nics.map((n) => n.mac));
    expect(new Set(macs).size).toBe(macs.length);
    for (const m of macs) expect(m, m).toMatch(/^00:50:56:[0-3][0-9a-f](:[0-9a-f]{2}){2}$/);
    const shapes = Object.values(FIREWALL_SPECS).map((s) => s.nics.map((n) => n.virtualDev).join());
    expect(new Set(shapes)).toEqual(new Set(['vlance,e1000']));
  });

  it('refuses to clone into a VM with other NIC models', () => {
    const lab = new NetLab(noGuest, { memoryMB: 16 });
    const gw = lab.addVm(FIREWALL_SPECS.gateway);
    expect(() => lab.clone(gw, { name: 'odd', nics: [{ virtualDev: 'e1000', net: null, mac: '00:50:56:10:09:00' }] }, {} as never)).toThrow(/differ/);
    lab.destroy();
  });

  it('routes the inner VM through the gateway and loads only the drivers each VM uses', () => {
    expect(SETUP.inner).toContain('ip route add default via 10.10.0.1');
    expect(SETUP.inner).not.toContain('pcnet32');
    expect(SETUP.gateway.indexOf('pcnet32')).toBeLessThan(SETUP.gateway.indexOf('e1000')); // pcnet32 is eth0
  });
});
