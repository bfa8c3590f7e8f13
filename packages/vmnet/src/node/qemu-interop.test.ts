import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { ManualClock } from '@vm/bus/test';
import { afterEach, describe, expect, it } from 'vitest';
import { UPLINK_PORT_POLICY } from '../port-policy.js';
import { BROADCAST_MAC, ScriptedNic, ethernetFrame, framePayloadText } from '../test/index.js';
import { Vmnet } from '../vmnet.js';
import { UdpUplink } from './udp-uplink.js';

const QEMU = 'qemu-system-x86_64';
const hasQemu = spawnSync('sh', ['-c', `command -v ${QEMU}`]).status === 0;

/** A UDP port that was free a moment ago (for QEMU's side of the tunnels). */
async function freePort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

let qemu: ChildProcess | null = null;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  qemu?.kill();
  qemu = null;
  for (const c of closers.splice(0)) await c();
});

describe.runIf(hasQemu)(`QEMU interoperability${hasQemu ? '' : ' (skipped: qemu-system-x86_64 is not installed)'}`, () => {
  it('two VMnets talk through a QEMU hub joining -netdev dgram and legacy -netdev socket,udp=', async () => {
    const clock = new ManualClock();
    const net0 = new Vmnet('vmnet0', { clock, timers: clock });
    const net1 = new Vmnet('vmnet1', { clock, timers: clock });
    const a = new ScriptedNic(net0.createPort({ mac: '00:50:56:00:00:0a' }));
    const b = new ScriptedNic(net1.createPort({ mac: '00:50:56:00:00:0b' }));
    const [qemu0, qemu1] = [await freePort(), await freePort()];
    const up0 = await UdpUplink.open(net0.createPort({ policy: UPLINK_PORT_POLICY }), { remoteAddress: '127.0.0.1', remotePort: qemu0 });
    const up1 = await UdpUplink.open(net1.createPort({ policy: UPLINK_PORT_POLICY }), { remoteAddress: '127.0.0.1', remotePort: qemu1 });
    closers.push(() => up0.close(), () => up1.close());

    // QEMU with no machine at all: a hub forwarding between its two UDP netdevs.
    qemu = spawn(
      QEMU,
      [
        '-M', 'none', '-nodefaults', '-display', 'none', '-monitor', 'none',
        '-netdev',
        `dgram,id=n0,local.type=inet,local.host=127.0.0.1,local.port=${qemu0},` +
          `remote.type=inet,remote.host=127.0.0.1,remote.port=${up0.localPort}`,
        '-netdev', `socket,id=n1,udp=127.0.0.1:${up1.localPort},localaddr=127.0.0.1:${qemu1}`,
        '-netdev', 'hubport,id=h0,hubid=0,netdev=n0',
        '-netdev', 'hubport,id=h1,hubid=0,netdev=n1',
      ],
      { stdio: 'ignore' },
    );

    const hello = ethernetFrame({ dst: BROADCAST_MAC, src: '00:50:56:00:00:0a', payload: 'hello across qemu' });
    // Resend until QEMU has bound its sockets.
    await expect
      .poll(
        () => {
          if (b.received.length === 0) a.send(hello);
          return b.received.length > 0;
        },
        { timeout: 10_000, interval: 100 },
      )
      .toBe(true);
    expect(b.received[0]).toEqual(hello);

    b.send(ethernetFrame({ dst: '00:50:56:00:00:0a', src: '00:50:56:00:00:0b', payload: 'and back' }));
    await expect.poll(() => a.received.map(framePayloadText)).toEqual(['and back']);
    expect(net1.macTable().find((e) => e.mac === '00:50:56:00:00:0a')).toBeDefined(); // learned on vmnet1's uplink
  });
});
