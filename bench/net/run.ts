// VM-to-VM networking: ping round-trip time and TCP throughput between two
// Linux guests on one VMnet, for each NIC model, plus the switch alone.
// `pnpm bench -- net` (one Linux boot: minutes of CPU). The guests' own
// numbers are in virtual time (what the guest sees: a 1 ns/instruction CPU);
// host numbers say how fast the host moved the same bytes.
import { NetLab, labMac, loadLabGuest } from '@vm/example-firewall/lab';
import type { LabVm } from '@vm/example-firewall/lab';
import { switchFramesPerSecond } from './switch.js';

const MIB = 1024 * 1024;
const TRANSFER_MIB = Number(process.env.VM_BENCH_NET_MIB ?? 8);

console.log(`switch alone: ${(switchFramesPerSecond(64) / 1e6).toFixed(2)} M frames/s (64 B), ${(switchFramesPerSecond(1514) / 1e6).toFixed(2)} M frames/s (1514 B)`);

const guest = loadLabGuest();
if (typeof guest === 'string') {
  console.log(`VM-to-VM bench skipped: ${guest}`);
  process.exit(0);
}

// Both VMs have a PCnet on VMnet "pcnet" and an e1000 on VMnet "e1000".
const spec = (name: string, n: number) => ({
  name,
  nics: [
    { virtualDev: 'vlance', net: 'pcnet', mac: labMac(0x40 + n, 0) },
    { virtualDev: 'e1000', net: 'e1000', mac: labMac(0x40 + n, 1) },
  ] as const,
});
const lab = new NetLab(guest);
const w0 = performance.now();
const a = lab.addVm(spec('a', 1));
await lab.boot(a);
const b = lab.clone(a, spec('b', 2));
console.log(`boot + clone: ${((performance.now() - w0) / 1000).toFixed(0)} s host time`);

async function must(vm: LabVm, cmd: string, maxNs = 60e9): Promise<string> {
  const r = await lab.sh(vm, cmd, maxNs);
  if (r.status !== 0) throw new Error(`${vm.name}: ${cmd}: ${r.out}`);
  return r.out;
}
const setup = (i: number): string =>
  `modprobe pcnet32 && modprobe e1000 && ip addr add 10.1.0.${i}/24 dev eth0 && ip addr add 10.2.0.${i}/24 dev eth1 && ` +
  'ip link set eth0 up && ip link set eth1 up && sleep 1';
for (const r of await lab.together([
  [a, setup(1)],
  [b, setup(2)],
]))
  if (r.status !== 0) throw new Error(`network setup failed: ${r.out}`);
await must(b, `dd if=/dev/urandom of=/tmp/blob bs=1048576 count=${TRANSFER_MIB} 2>/dev/null && httpd -p 8080 -h /tmp`);

const rows: string[][] = [['NIC', 'ping RTT min/avg/max (virtual ms)', `HTTP ${TRANSFER_MIB} MiB: guest MB/s`, 'host MB/s']];
for (const [nic, peer] of [
  ['pcnet32', '10.1.0.2'],
  ['e1000', '10.2.0.2'],
] as const) {
  await must(a, `ping -c 2 ${peer} >/dev/null`); // ARP
  const p = await must(a, `ping -c 20 -i 0.05 ${peer}`);
  const rtt = /= ([\d.]+)\/([\d.]+)\/([\d.]+) ms/.exec(p);
  const t0 = lab.now;
  const t = performance.now();
  await must(a, `wget -q -O /dev/null http://${peer}:8080/blob`, 600e9);
  const virtualS = (lab.now - t0) / 1e9;
  const hostS = (performance.now() - t) / 1000;
  const bytes = TRANSFER_MIB * MIB;
  rows.push([nic, rtt ? `${rtt[1]}/${rtt[2]}/${rtt[3]}` : '?', (bytes / 1e6 / virtualS).toFixed(2), (bytes / 1e6 / hostS).toFixed(2)]);
}
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join('  '));
console.log('(virtual time: 1 ns per guest instruction. The lab runs the VMs in turn, 0.5 ms of virtual time each:');
console.log(' a round trip is measured to within about that much, as each VM keeps its own clock within the quantum.)');
lab.destroy();
