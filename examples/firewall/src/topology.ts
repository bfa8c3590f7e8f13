import { labMac, type LabVm, type LabVmSpec, type NetLab } from './lab/index.js';

/** The VMnet the world is on. */
export const OUTSIDE = 'outside';
/** The private VMnet behind the firewall. */
export const PRIVATE = 'private';

/** Addresses of the example network. */
export const ADDR = {
  /** The firewall's outside address (its e1000, eth1). */
  gatewayOutside: '192.168.50.1',
  /** The firewall's private address (its PCnet, eth0). */
  gatewayPrivate: '10.10.0.1',
  /** The inner VM (private VMnet only). */
  inner: '10.10.0.2',
  /** A host on the outside VMnet. */
  outer: '192.168.50.2',
} as const;

/**
 * Every VM has the same hardware (a PCnet and an e1000, in that order), so
 * the inner and outer VMs can be clones of the firewall's booted guest;
 * NICs a VM does not use are unplugged.
 */
export const FIREWALL_SPECS = {
  /** Dual-homed: PCnet (eth0) on the private VMnet, e1000 (eth1) outside. */
  gateway: {
    name: 'gateway',
    nics: [
      { virtualDev: 'vlance', net: PRIVATE, mac: labMac(1, 0) },
      { virtualDev: 'e1000', net: OUTSIDE, mac: labMac(1, 1) },
    ],
  },
  /** On the private VMnet only (its e1000 is eth0: pcnet32 is never loaded). */
  inner: {
    name: 'inner',
    nics: [
      { virtualDev: 'vlance', net: null, mac: labMac(2, 0) },
      { virtualDev: 'e1000', net: PRIVATE, mac: labMac(2, 1) },
    ],
  },
  /** On the outside VMnet only. */
  outer: {
    name: 'outer',
    nics: [
      { virtualDev: 'vlance', net: null, mac: labMac(3, 0) },
      { virtualDev: 'e1000', net: OUTSIDE, mac: labMac(3, 1) },
    ],
  },
} as const satisfies Record<string, LabVmSpec>;

/** The three VMs of the firewall network. */
export interface FirewallVms {
  readonly gateway: LabVm;
  readonly inner: LabVm;
  readonly outer: LabVm;
}

/** Boot the firewall VM and clone the inner and outer VMs from it (one Linux boot for three VMs). */
export async function startFirewallVms(lab: NetLab): Promise<FirewallVms> {
  const gateway = lab.addVm(FIREWALL_SPECS.gateway);
  await lab.boot(gateway);
  const snap = lab.snapshotAtPrompt(gateway);
  const inner = lab.clone(gateway, FIREWALL_SPECS.inner, snap);
  const outer = lab.clone(gateway, FIREWALL_SPECS.outer, snap);
  return { gateway, inner, outer };
}

/** Shell commands that load the drivers and address each VM. */
export const SETUP = {
  gateway:
    'modprobe pcnet32 && modprobe e1000 && ' +
    `ip addr add ${ADDR.gatewayPrivate}/24 dev eth0 && ip link set eth0 up && ` +
    `ip addr add ${ADDR.gatewayOutside}/24 dev eth1 && ip link set eth1 up && ip link set lo up`,
  inner: `modprobe e1000 && ip addr add ${ADDR.inner}/24 dev eth0 && ip link set eth0 up && ip route add default via ${ADDR.gatewayPrivate}`,
  // The outside host knows the private network is behind the firewall (a route, as an upstream router would have).
  outer: `modprobe e1000 && ip addr add ${ADDR.outer}/24 dev eth0 && ip link set eth0 up && ip route add 10.10.0.0/24 via ${ADDR.gatewayOutside}`,
} as const;

/** Load drivers and configure addresses and routes in all three VMs. */
export async function configureFirewallNetwork(lab: NetLab, vms: FirewallVms): Promise<void> {
  const r = await lab.together([
    [vms.gateway, SETUP.gateway],
    [vms.inner, SETUP.inner],
    [vms.outer, SETUP.outer],
  ]);
  for (const [i, x] of r.entries()) if (x.status !== 0) throw new Error(`network setup failed in ${['gateway', 'inner', 'outer'][i]}: ${x.out}`);
  // Give links (e1000 autonegotiation) a moment.
  await lab.sh(vms.gateway, 'sleep 1');
}

/** Turn the firewall's IPv4 forwarding on or off (the firewall rule of this example). */
export async function setForwarding(lab: NetLab, gateway: LabVm, on: boolean): Promise<void> {
  const r = await lab.sh(gateway, `echo ${on ? 1 : 0} > /proc/sys/net/ipv4/ip_forward && cat /proc/sys/net/ipv4/ip_forward`);
  if (r.status !== 0 || r.out.trim() !== (on ? '1' : '0')) throw new Error(`could not set ip_forward: ${r.out}`);
}

/** Ping from `vm` to `address`; returns the packets received (0 when unreachable). */
export async function ping(lab: NetLab, vm: LabVm, address: string, count = 3): Promise<{ received: number; out: string }> {
  const r = await lab.sh(vm, `ping -c ${count} -W 2 ${address}`, 30e9);
  const m = /(\d+) packets received/.exec(r.out);
  return { received: m === null ? 0 : Number(m[1]), out: r.out };
}
