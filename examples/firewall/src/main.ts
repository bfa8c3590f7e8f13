// Run the example: `pnpm --filter @vm/example-firewall start [-- --pcap]` (one Linux boot: minutes of CPU).
// With --pcap the two VMnets are captured to outside.pcap and private.pcap (tcpdump -r outside.pcap).
import { capturePcapFile } from '@vm/vmnet/node';
import { NetLab, loadLabGuest } from './lab/index.js';
import { ADDR, OUTSIDE, PRIVATE, configureFirewallNetwork, ping, setForwarding, startFirewallVms } from './topology.js';

const guest = loadLabGuest();
if (typeof guest === 'string') {
  console.error(guest);
  process.exit(1);
}
const lab = new NetLab(guest);
const captures = process.argv.includes('--pcap') ? [capturePcapFile(lab.net(OUTSIDE), 'outside.pcap'), capturePcapFile(lab.net(PRIVATE), 'private.pcap')] : [];
const t0 = performance.now();
const elapsed = (): string => `[${((performance.now() - t0) / 1000).toFixed(0).padStart(3)} s]`;

console.log('booting the firewall VM (the inner and outer VMs are clones of it)...');
const vms = await startFirewallVms(lab);
await configureFirewallNetwork(lab, vms);
console.log(`${elapsed()} gateway ${ADDR.gatewayPrivate} (private, pcnet32) + ${ADDR.gatewayOutside} (outside, e1000); inner ${ADDR.inner}; outer ${ADDR.outer}`);
await lab.sh(vms.outer, "mkdir -p /www && echo 'hello from the outside' > /www/index.html && httpd -p 80 -h /www");

for (const on of [true, false]) {
  await setForwarding(lab, vms.gateway, on);
  console.log(`${elapsed()} echo ${on ? 1 : 0} > /proc/sys/net/ipv4/ip_forward on the gateway`);
  const p = await ping(lab, vms.inner, ADDR.outer);
  console.log(`${elapsed()}   inner -> outer ping: ${p.received}/3 replies`);
  const w = await lab.sh(vms.inner, `timeout 5 wget -q -O - http://${ADDR.outer}/`, 30e9);
  console.log(`${elapsed()}   inner -> outer http: ${w.status === 0 ? JSON.stringify(w.out.trim()) : 'failed'}`);
}
console.log(`${elapsed()} outside VMnet learned: ${lab.net(OUTSIDE).macTable().map((e) => `${e.mac} on ${e.port}`).join(', ')}`);
for (const c of captures) c.stop();
lab.destroy();
