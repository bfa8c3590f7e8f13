import { createSocket, type Socket } from 'node:dgram';
import { ManualClock } from '@vm/bus/test';
import { afterEach, describe, expect, it } from 'vitest';
import { UPLINK_PORT_POLICY } from '../port-policy.js';
import { BROADCAST_MAC, ScriptedNic, ethernetFrame, framePayloadText } from '../test/index.js';
import { Vmnet } from '../vmnet.js';
import { UdpUplink } from './udp-uplink.js';

const VM = '00:50:56:00:00:01';
const PEER = '52:54:00:12:34:56'; // a QEMU guest's MAC on the far side

/** A bound UDP socket playing QEMU's `-netdev dgram` end. */
async function peerSocket(): Promise<Socket> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  return s;
}

function nextDatagram(s: Socket): Promise<Buffer> {
  return new Promise((resolve) => s.once('message', (msg) => resolve(msg)));
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe('UdpUplink', () => {
  it('exchanges raw Ethernet frames, one per datagram, with a UDP peer on loopback', async () => {
    const clock = new ManualClock();
    const net = new Vmnet('vmnet0', { clock, timers: clock });
    const vm = new ScriptedNic(net.createPort({ mac: VM }));
    const peer = await peerSocket();
    cleanups.push(() => new Promise<void>((r) => peer.close(() => r())));
    const uplinkPort = net.createPort({ name: 'uplink', policy: UPLINK_PORT_POLICY });
    const uplink = await UdpUplink.open(uplinkPort, { remoteAddress: '127.0.0.1', remotePort: peer.address().port });
    cleanups.push(() => uplink.close());

    // VM -> peer: the datagram is exactly the frame.
    const out = ethernetFrame({ dst: BROADCAST_MAC, src: VM, payload: 'dhcp discover, say' });
    const got = nextDatagram(peer);
    vm.send(out);
    expect(new Uint8Array(await got)).toEqual(out);

    // peer -> VM: learned on the uplink port, then unicast back.
    const back = ethernetFrame({ dst: VM, src: PEER, payload: 'offer' });
    peer.send(back, uplink.localPort, '127.0.0.1');
    await expect.poll(() => vm.received.map(framePayloadText)).toEqual(['offer']);
    expect(net.macTable().find((e) => e.mac === PEER)?.port).toBe('uplink');

    const reply = nextDatagram(peer);
    vm.send(ethernetFrame({ dst: PEER, src: VM, payload: 'request' }));
    expect(framePayloadText(new Uint8Array(await reply))).toBe('request');
    expect(uplink.stats).toMatchObject({ framesIn: 1, framesOut: 2, dropsIn: 0 });
  });

  it('drops datagrams from other senders and runts', async () => {
    const clock = new ManualClock();
    const net = new Vmnet('vmnet0', { clock, timers: clock });
    const vm = new ScriptedNic(net.createPort({ mac: VM }));
    const peer = await peerSocket();
    const stranger = await peerSocket();
    cleanups.push(() => new Promise<void>((r) => peer.close(() => r())));
    cleanups.push(() => new Promise<void>((r) => stranger.close(() => r())));
    const uplink = await UdpUplink.open(net.createPort({ policy: UPLINK_PORT_POLICY }), {
      remoteAddress: '127.0.0.1',
      remotePort: peer.address().port,
    });
    cleanups.push(() => uplink.close());
    stranger.send(ethernetFrame({ dst: VM, src: PEER, payload: 'spoof' }), uplink.localPort, '127.0.0.1');
    peer.send(new Uint8Array(10), uplink.localPort, '127.0.0.1');
    peer.send(ethernetFrame({ dst: VM, src: PEER, payload: 'real' }), uplink.localPort, '127.0.0.1');
    await expect.poll(() => vm.received.map(framePayloadText)).toEqual(['real']);
    await expect.poll(() => uplink.stats.dropsIn).toBe(2);
  });

  it('rejects a remote that is not an IP address', async () => {
    const clock = new ManualClock();
    const net = new Vmnet('vmnet0', { clock, timers: clock });
    await expect(UdpUplink.open(net.createPort(), { remoteAddress: 'localhost', remotePort: 1 })).rejects.toThrow(/not an IP/);
  });
});
