import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PcapBufferSink, PcapWriter } from '@vm/vmnet';
import { ScriptedNic, ethernetFrame, readPcap } from '@vm/vmnet/test';
import { NetLab, loadLabGuest } from '@vm/example-firewall/lab';
import {
  ADDR,
  FIREWALL_SPECS,
  OUTSIDE,
  PRIVATE,
  configureFirewallNetwork,
  ping,
  setForwarding,
  startFirewallVms,
  type FirewallVms,
} from '@vm/example-firewall/topology';
import { databaseAnswers, queryStock, startDatabase, startWeb } from '@vm/example-multitier/tiers';
import { qemuAvailable, QemuGuest } from './net-qemu.js';

const guest = loadLabGuest();
if (typeof guest === 'string') console.warn(`network system test skipped: ${guest}`);

const macsOf = (spec: { nics: readonly { net: string | null; mac: string }[] }, net: string): string[] =>
  spec.nics.filter((n) => n.net === net).map((n) => n.mac);
const srcMac = (f: Uint8Array): string => [...f.subarray(6, 12)].map((b) => b.toString(16).padStart(2, '0')).join(':');
const isBroadcast = (f: Uint8Array): boolean => f.subarray(0, 6).every((b) => b === 0xff);

/**
 * One Linux boot serves every check: the firewall VM ("gateway": PCnet on the
 * private VMnet, e1000 outside) is booted, and the inner (private VMnet only)
 * and outer (outside only) VMs are clones of its snapshot. The same three VMs
 * then play the multitier example (web = gateway, database = inner, client = outer).
 */
describe.skipIf(typeof guest === 'string')('Linux VMs on VMnets (pcnet32, e1000, switch isolation, forwarding)', () => {
  let lab: NetLab;
  let vms: FirewallVms;
  /** Frames delivered to the outer VM's port, and everything on the private VMnet. */
  const toOuter = new PcapBufferSink();
  const onPrivate = new PcapBufferSink();

  beforeAll(async () => {
    if (typeof guest === 'string') return;
    lab = new NetLab(guest);
    const t0 = performance.now();
    vms = await startFirewallVms(lab);
    console.log(`booted the gateway and cloned two VMs in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    vms.outer.port(1).addCapture(new PcapWriter(toOuter));
    lab.net(PRIVATE).addCapture(new PcapWriter(onPrivate));
    await configureFirewallNetwork(lab, vms);
  });

  afterAll(() => {
    // VM_NET_PCAP_DIR=dir keeps the captures for tcpdump/Wireshark
    const dir = process.env.VM_NET_PCAP_DIR;
    if (dir !== undefined && lab !== undefined) {
      writeFileSync(join(dir, 'outer-port.pcap'), toOuter.bytes());
      writeFileSync(join(dir, 'private-vmnet.pcap'), onPrivate.bytes());
    }
    lab?.destroy();
  });

  it('each clone has its own MAC addresses (from its configuration, not the snapshot)', async () => {
    for (const [vm, spec, ifs] of [
      [vms.gateway, FIREWALL_SPECS.gateway, ['eth0', 'eth1']],
      [vms.inner, FIREWALL_SPECS.inner, ['eth0']],
      [vms.outer, FIREWALL_SPECS.outer, ['eth0']],
    ] as const) {
      const r = await lab.sh(vm, ifs.map((i) => `cat /sys/class/net/${i}/address`).join('; '));
      const want = spec.nics.filter((n) => n.net !== null).map((n) => n.mac);
      expect(r.out.trim().split('\n'), vm.name).toEqual(want);
    }
  });

  it('pcnet32 (gateway) and e1000 (inner) ping each other on the private VMnet', async () => {
    expect((await ping(lab, vms.gateway, ADDR.inner)).received).toBe(3);
    expect((await ping(lab, vms.inner, ADDR.gatewayPrivate)).received).toBe(3);
    // the switch learned both NICs on their own ports
    const table = lab.net(PRIVATE).macTable();
    expect(table.map((e) => `${e.mac}@${e.port}`).sort()).toEqual([`${FIREWALL_SPECS.gateway.nics[0].mac}@gateway.ethernet0`, `${FIREWALL_SPECS.inner.nics[1].mac}@inner.ethernet1`].sort());
  });

  it('moves a 4 MiB file from the PCnet VM to the e1000 VM with a matching SHA-256', async () => {
    const put = await lab.sh(vms.gateway, 'mkdir -p /www && dd if=/dev/urandom of=/www/blob bs=65536 count=64 2>/dev/null && sha256sum /www/blob && httpd -p 8080 -h /www');
    expect(put.status, put.out).toBe(0);
    const want = /^([0-9a-f]{64})\s/m.exec(put.out)?.[1];
    expect(want).toMatch(/^[0-9a-f]{64}$/);
    const t0 = lab.now;
    const w0 = performance.now();
    const get = await lab.sh(vms.inner, `wget -q -O /tmp/blob http://${ADDR.gatewayPrivate}:8080/blob && sha256sum /tmp/blob && wc -c < /tmp/blob`, 120e9);
    const virtualS = (lab.now - t0) / 1e9;
    const wallS = (performance.now() - w0) / 1000;
    expect(get.status, get.out).toBe(0);
    expect(get.out).toContain(`${want}  /tmp/blob`);
    expect(get.out).toMatch(/^4194304$/m);
    console.log(`4 MiB over HTTP: ${virtualS.toFixed(2)} s virtual (${(4 / virtualS).toFixed(1)} MiB/s), ${wallS.toFixed(1)} s wall (${(4 / wallS).toFixed(2)} MiB/s)`);
  });

  it("the outside VMnet carries none of the private VMnet's frames, broadcasts included (pcap of the outer VM's port)", async () => {
    await setForwarding(lab, vms.gateway, false);
    const before = readPcap(toOuter.bytes()).records.length;
    const privBefore = readPcap(onPrivate.bytes()).records.length;
    // broadcasts (ARP who-has for an absent address, a broadcast ping) and unicast on the private VMnet
    // (busybox ping sets SO_BROADCAST itself)
    const r = await lab.sh(vms.inner, `arping -c 2 -I eth0 10.10.0.99; ping -c 2 -W 1 10.10.0.255; ping -c 2 ${ADDR.gatewayPrivate}`, 30e9);
    expect(r.out).toContain('packets transmitted');
    const privNew = readPcap(onPrivate.bytes()).records.slice(privBefore).map((x) => x.data);
    // the private VMnet did carry them (so the check below can fail) ...
    expect(privNew.filter(isBroadcast).length).toBeGreaterThanOrEqual(4);
    expect(privNew.some((f) => srcMac(f) === FIREWALL_SPECS.inner.nics[1].mac)).toBe(true);
    // ... and not one frame with a private-VMnet source reached the outer VM's port, ever
    const privateMacs = macsOf(FIREWALL_SPECS.gateway, PRIVATE).concat(macsOf(FIREWALL_SPECS.inner, PRIVATE));
    const outerAll = readPcap(toOuter.bytes()).records.map((x) => x.data);
    expect(outerAll.length).toBeGreaterThan(0); // it did see its own VMnet's traffic
    expect(outerAll.filter((f) => privateMacs.includes(srcMac(f)))).toEqual([]);
    const outerNew = outerAll.slice(before);
    expect(outerNew.filter((f) => isBroadcast(f) && privateMacs.includes(srcMac(f)))).toEqual([]);
    // the outside VMnet never learned a private MAC
    expect(lab.net(OUTSIDE).macTable().filter((e) => privateMacs.includes(e.mac))).toEqual([]);
  });

  it('firewall: the inner VM reaches the outside only through the gateway while it forwards', async () => {
    await setForwarding(lab, vms.gateway, true);
    const p = await ping(lab, vms.inner, ADDR.outer);
    expect(p.received, p.out).toBe(3);
    // routed, not bridged: on the outside the inner VM's packets carry the gateway's outside MAC
    const outerSeen = readPcap(toOuter.bytes()).records.map((x) => x.data);
    expect(outerSeen.some((f) => srcMac(f) === FIREWALL_SPECS.gateway.nics[1].mac)).toBe(true);
    expect(outerSeen.some((f) => srcMac(f) === FIREWALL_SPECS.inner.nics[1].mac)).toBe(false);
  });

  it('firewall: with forwarding off (echo 0 > ip_forward) the inner VM cannot reach the outside', async () => {
    await setForwarding(lab, vms.gateway, false);
    expect((await ping(lab, vms.inner, ADDR.outer)).received).toBe(0);
    expect((await ping(lab, vms.outer, ADDR.inner)).received).toBe(0);
    // the gateway itself still reaches both sides
    expect((await ping(lab, vms.gateway, ADDR.outer, 1)).received).toBe(1);
    expect((await ping(lab, vms.gateway, ADDR.inner, 1)).received).toBe(1);
  });

  it('multitier: the client gets data through the web tier; only the web tier reaches the database', async () => {
    // web = gateway (both VMnets, not forwarding), database = inner (private only), client = outer (outside only)
    await startDatabase(lab, vms.inner);
    await startWeb(lab, vms.gateway, ADDR.inner);
    expect(await queryStock(lab, vms.outer, ADDR.gatewayOutside, 'widget')).toBe('42 in stock');
    expect(await queryStock(lab, vms.outer, ADDR.gatewayOutside, 'nothing')).toBe('missing');
    expect(await databaseAnswers(lab, vms.gateway, ADDR.inner)).toBe(true);
    // the client has a route to the database via the web VM, which does not forward
    expect(await databaseAnswers(lab, vms.outer, ADDR.inner)).toBe(false);
  });

  it("the guest's promiscuous mode and MAC changes reach its switch port, whose policy decides", async () => {
    const port = vms.outer.port(1);
    const peerMac = '00:50:56:10:99:01';
    const peer = new ScriptedNic(lab.net(OUTSIDE).createPort({ name: 'peer', mac: peerMac }));
    const gatewayMac = FIREWALL_SPECS.gateway.nics[1].mac;
    const fromPeer = (tag: string): number =>
      readPcap(toOuter.bytes()).records.filter((x) => srcMac(x.data) === peerMac && new TextDecoder().decode(x.data).includes(tag)).length;
    // unicast for the gateway: the outer VM's port does not get it
    peer.send(ethernetFrame({ dst: gatewayMac, src: peerMac, payload: 'for-gateway-1' }));
    expect(fromPeer('for-gateway-1')).toBe(0);
    // promiscuous mode requested by the guest, refused by the default policy
    expect((await lab.sh(vms.outer, 'ip link set eth0 promisc on')).status).toBe(0);
    expect(port.promiscuous).toBe(false);
    peer.send(ethernetFrame({ dst: gatewayMac, src: peerMac, payload: 'for-gateway-2' }));
    expect(fromPeer('for-gateway-2')).toBe(0);
    // allowed by policy: the port now gets every frame on the VMnet
    port.setPolicy({ allowPromiscuous: true });
    expect(port.promiscuous).toBe(true);
    peer.send(ethernetFrame({ dst: gatewayMac, src: peerMac, payload: 'for-gateway-3' }));
    expect(fromPeer('for-gateway-3')).toBe(1);
    expect((await lab.sh(vms.outer, 'ip link set eth0 promisc off')).status).toBe(0);
    expect(port.promiscuous).toBe(false);
    // a MAC change made in the guest becomes the port's effective MAC
    const changed = '00:50:56:10:03:77';
    expect((await lab.sh(vms.outer, `ip link set eth0 address ${changed}`)).status).toBe(0);
    expect(port.effectiveMac).toBe(changed);
    expect((await lab.sh(vms.outer, `ip link set eth0 address ${FIREWALL_SPECS.outer.nics[1].mac}`)).status).toBe(0);
    expect(port.effectiveMac).toBe(FIREWALL_SPECS.outer.nics[1].mac);
    port.setPolicy({ allowPromiscuous: false });
    lab.net(OUTSIDE).removePort(lab.net(OUTSIDE).port('peer')!);
  });

  it.runIf(qemuAvailable())(`a QEMU guest on the outside VMnet (UDP uplink) pings our VMs${qemuAvailable() ? '' : ' (skipped: qemu-system-i386 is not installed)'}`, async () => {
    if (typeof guest === 'string') return;
    const qemu = await QemuGuest.start(lab, lab.net(OUTSIDE), { guestDir: guest.dir, mac: '52:54:00:50:00:09' });
    try {
      await qemu.ready();
      const up = await qemu.sh('modprobe e1000 && ip addr add 192.168.50.9/24 dev eth0 && ip link set eth0 up && sleep 2');
      expect(up.status, up.out).toBe(0);
      const r = await qemu.sh(`ping -c 3 -W 3 ${ADDR.outer}; ping -c 2 -W 3 ${ADDR.gatewayOutside}`);
      const received = [...r.out.matchAll(/(\d+) packets received/g)].map((m) => Number(m[1]));
      expect(received, r.out).toEqual([3, 2]);
      // and our VM pings the QEMU guest
      expect((await ping(lab, vms.outer, '192.168.50.9')).received).toBe(3);
    } finally {
      await qemu.stop();
    }
  });
});
