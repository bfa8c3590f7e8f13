import { describe, expect, it } from 'vitest';
import { NetLab } from '@vm/example-firewall/lab';
import { RECORDS } from './tiers.js';
import { ADDR, BACK, FRONT, SETUP, TIER_SPECS } from './topology.js';

// No guest is booted here (system/src/net-vms.test.ts runs the tiers in real Linux guests):
// these checks are about the network the example builds.
const noGuest = { kernel: new Uint8Array(0), initrd: new Uint8Array(0) };

describe('the multitier example network', () => {
  it('puts the database on the back VMnet only, the client on the front only, the web server on both', () => {
    const lab = new NetLab(noGuest, { memoryMB: 16 });
    for (const spec of Object.values(TIER_SPECS)) lab.addVm(spec);
    const on = (net: string): string[] => lab.net(net).ports().map((p) => p.name).sort();
    expect(on(BACK)).toEqual(['db.ethernet1', 'web.ethernet0']);
    expect(on(FRONT)).toEqual(['client.ethernet1', 'web.ethernet1']);
    expect(lab.nets.names().sort()).toEqual([BACK, FRONT]);
    lab.destroy();
  });

  it('keeps the web VM from forwarding and gives the database no way out of the back network', () => {
    expect(SETUP.web).toContain('echo 0 > /proc/sys/net/ipv4/ip_forward');
    expect(SETUP.db).not.toMatch(/route/);
    expect(SETUP.client).toContain(`via ${ADDR.webFront}`);
  });

  it('has distinct MACs and one NIC layout for every VM (the clones fit the booted web VM)', () => {
    const macs = Object.values(TIER_SPECS).flatMap((s) => s.nics.map((n) => n.mac));
    expect(new Set(macs).size).toBe(macs.length);
    expect(new Set(Object.values(TIER_SPECS).map((s) => s.nics.map((n) => n.virtualDev).join()))).toEqual(new Set(['vlance,e1000']));
  });

  it('stores records as key=value lines the lookup script can split', () => {
    for (const r of RECORDS) expect(r).toMatch(/^[a-z]+=[^=']+$/);
  });
});
