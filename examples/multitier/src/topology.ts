import { labMac, type LabVm, type LabVmSpec, type NetLab } from '@vm/example-firewall/lab';

/** The VMnet clients and the web tier share. */
export const FRONT = 'front';
/** The VMnet of the web and database tiers. */
export const BACK = 'back';

/** Addresses of the example network. */
export const ADDR = {
  /** The web server's front address (its e1000, eth1). */
  webFront: '172.16.1.10',
  /** The web server's back address (its PCnet, eth0). */
  webBack: '10.20.0.10',
  /** The database (back VMnet only). */
  db: '10.20.0.20',
  /** A client (front VMnet only). */
  client: '172.16.1.100',
} as const;

/** Same hardware in every VM (PCnet, e1000), so the database and client can be clones of the booted web VM. */
export const TIER_SPECS = {
  /** Dual-homed: PCnet (eth0) on the back VMnet, e1000 (eth1) on the front. */
  web: {
    name: 'web',
    nics: [
      { virtualDev: 'vlance', net: BACK, mac: labMac(0x21, 0) },
      { virtualDev: 'e1000', net: FRONT, mac: labMac(0x21, 1) },
    ],
  },
  /** Back VMnet only. */
  db: {
    name: 'db',
    nics: [
      { virtualDev: 'vlance', net: null, mac: labMac(0x22, 0) },
      { virtualDev: 'e1000', net: BACK, mac: labMac(0x22, 1) },
    ],
  },
  /** Front VMnet only. */
  client: {
    name: 'client',
    nics: [
      { virtualDev: 'vlance', net: null, mac: labMac(0x23, 0) },
      { virtualDev: 'e1000', net: FRONT, mac: labMac(0x23, 1) },
    ],
  },
} as const satisfies Record<string, LabVmSpec>;

/** The three VMs. */
export interface TierVms {
  readonly web: LabVm;
  readonly db: LabVm;
  readonly client: LabVm;
}

/**
 * Shell commands that load drivers and address each VM. The web VM does not
 * forward (ip_forward stays 0). The client is given a route to the back
 * network through the web VM, as an attacker would add: it still cannot
 * reach the database.
 */
export const SETUP = {
  web:
    'modprobe pcnet32 && modprobe e1000 && echo 0 > /proc/sys/net/ipv4/ip_forward && ' +
    `ip addr add ${ADDR.webBack}/24 dev eth0 && ip link set eth0 up && ` +
    `ip addr add ${ADDR.webFront}/24 dev eth1 && ip link set eth1 up && ip link set lo up`,
  db: `modprobe e1000 && ip addr add ${ADDR.db}/24 dev eth0 && ip link set eth0 up && ip link set lo up`,
  client: `modprobe e1000 && ip addr add ${ADDR.client}/24 dev eth0 && ip link set eth0 up && ip route add 10.20.0.0/24 via ${ADDR.webFront}`,
} as const;

/** Boot the web VM, clone the others from it, and configure the network (one Linux boot for three VMs). */
export async function startTiers(lab: NetLab): Promise<TierVms> {
  const web = lab.addVm(TIER_SPECS.web);
  await lab.boot(web);
  const snap = lab.snapshotAtPrompt(web);
  const db = lab.clone(web, TIER_SPECS.db, snap);
  const client = lab.clone(web, TIER_SPECS.client, snap);
  const r = await lab.together([
    [web, SETUP.web],
    [db, SETUP.db],
    [client, SETUP.client],
  ]);
  for (const [i, x] of r.entries()) if (x.status !== 0) throw new Error(`network setup failed in ${['web', 'db', 'client'][i]}: ${x.out}`);
  await lab.sh(web, 'sleep 1');
  return { web, db, client };
}
