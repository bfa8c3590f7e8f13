import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { ManualClock } from '@vm/bus/test';
import { afterEach, describe, expect, it } from 'vitest';
import { parseMac } from '../mac.js';
import { UPLINK_PORT_POLICY } from '../port-policy.js';
import { ScriptedNic } from '../test/index.js';
import { Vmnet } from '../vmnet.js';
import { socatTapCommand } from './tap-helper.js';
import { UdpUplink } from './udp-uplink.js';

function onPath(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
}

const canTap = process.getuid?.() === 0 && existsSync('/dev/net/tun') && onPath('socat') && onPath('ip');

describe('socatTapCommand', () => {
  it('builds the socat command line and validates its inputs', () => {
    expect(socatTapCommand({ tapName: 'vmtap0', uplinkPort: 5555, helperPort: 5556 })).toEqual([
      'socat',
      'TUN,tun-type=tap,tun-name=vmtap0,iff-no-pi,iff-up',
      'UDP:127.0.0.1:5555,sourceport=5556',
    ]);
    expect(() => socatTapCommand({ tapName: 'x'.repeat(16), uplinkPort: 1, helperPort: 2 })).toThrow(RangeError);
    expect(() => socatTapCommand({ tapName: 'tap;rm', uplinkPort: 1, helperPort: 2 })).toThrow(RangeError);
    expect(() => socatTapCommand({ tapName: 'tap0', uplinkPort: 0, helperPort: 2 })).toThrow(RangeError);
  });
});

let helper: ChildProcess | null = null;
afterEach(() => {
  helper?.kill();
  helper = null;
});

const NIC_MAC = '02:00:00:00:07:02';
const NIC_IP = [10, 213, 7, 2];
const HOST_IP = '10.213.7.1';

/** Answer ARP requests for NIC_IP (RFC 826), as a guest's stack would. */
function arpResponder(frame: Uint8Array, nic: ScriptedNic): void {
  if (frame[12] !== 0x08 || frame[13] !== 0x06 || frame.length < 42 || frame[21] !== 1) return;
  if (frame[38] !== NIC_IP[0] || frame[39] !== NIC_IP[1] || frame[40] !== NIC_IP[2] || frame[41] !== NIC_IP[3]) return;
  const mac = parseMac(NIC_MAC);
  const reply = new Uint8Array(42);
  reply.set(frame.subarray(6, 12), 0);
  reply.set(mac, 6);
  reply.set([0x08, 0x06, 0, 1, 8, 0, 6, 4, 0, 2], 12);
  reply.set(mac, 22);
  reply.set(NIC_IP, 28);
  reply.set(frame.subarray(22, 32), 32); // sender MAC+IP of the request become the target
  nic.send(reply);
}

describe.runIf(canTap)(`a host TAP device through socat${canTap ? '' : ' (skipped: needs root, /dev/net/tun, socat, ip)'}`, () => {
  it('carries the host kernel ARP and a UDP datagram to a NIC on the VMnet', async () => {
    const clock = new ManualClock();
    const net = new Vmnet('vmnet0', { clock, timers: clock });
    const nic = new ScriptedNic(net.createPort({ mac: NIC_MAC }));
    nic.onFrame = arpResponder;

    const probe = createSocket('udp4');
    await new Promise<void>((r) => probe.bind(0, '127.0.0.1', r));
    const helperPort = probe.address().port;
    await new Promise<void>((r) => probe.close(() => r()));
    const uplink = await UdpUplink.open(net.createPort({ name: 'tap', policy: UPLINK_PORT_POLICY }), {
      remoteAddress: '127.0.0.1',
      remotePort: helperPort,
    });
    const tapName = `vmt${process.pid % 100000}`;
    const [cmd, ...args] = socatTapCommand({ tapName, uplinkPort: uplink.localPort, helperPort });
    helper = spawn(cmd!, args, { stdio: 'ignore' });
    try {
      await expect.poll(() => spawnSync('ip', ['link', 'show', tapName]).status, { timeout: 5000 }).toBe(0);
      expect(spawnSync('ip', ['addr', 'add', `${HOST_IP}/24`, 'dev', tapName]).status).toBe(0);

      const sender = createSocket('udp4');
      const payload = Buffer.from('through the tap');
      const isOurDatagram = (f: Uint8Array): boolean =>
        f.length >= 42 && f[12] === 0x08 && f[13] === 0x00 && f[23] === 17 && Buffer.from(f.subarray(42)).equals(payload);
      await expect
        .poll(
          () => {
            sender.send(payload, 9999, NIC_IP.join('.'));
            return nic.received.some(isOurDatagram);
          },
          { timeout: 8000, interval: 200 },
        )
        .toBe(true);
      sender.close();
      expect(nic.received.some((f) => f[12] === 0x08 && f[13] === 0x06)).toBe(true); // the kernel's ARP request
      expect(uplink.stats.framesIn).toBeGreaterThan(1);
    } finally {
      await uplink.close();
    }
  });
});
