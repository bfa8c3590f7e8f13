import { ManualClock } from '@vm/bus/test';
import { describe, expect, it } from 'vitest';
import { RemotePortClient, RemotePortHost, createRemotePortChannel } from './remote-port.js';
import { BROADCAST_MAC, ScriptedNic, ethernetFrame, framePayloadText } from './test/index.js';
import { Vmnet } from './vmnet.js';

const LOCAL = '00:50:56:00:00:01';
const REMOTE = '00:50:56:00:00:02';

function setup(slots = 8) {
  const clock = new ManualClock();
  const net = new Vmnet('vmnet0', { clock, timers: clock });
  const local = new ScriptedNic(net.createPort({ mac: LOCAL }));
  const port = net.createPort({ mac: REMOTE, name: 'remote' });
  const channel = createRemotePortChannel({ slots, slotBytes: 1518 });
  const host = new RemotePortHost(port, channel);
  const client = new RemotePortClient(structuredClone(channel)); // as if posted to a worker
  const nic = new ScriptedNic(client);
  return { net, local, port, host, client, nic };
}

describe('RemotePortHost / RemotePortClient', () => {
  it('carries frames both ways through the rings when pumped', () => {
    const { local, host, client, nic } = setup();
    local.send(ethernetFrame({ dst: BROADCAST_MAC, src: LOCAL, payload: 'to remote' }));
    expect(nic.received).toHaveLength(0); // still in the ring
    expect(client.pump()).toBe(1);
    expect(nic.received.map(framePayloadText)).toEqual(['to remote']);
    nic.send(ethernetFrame({ dst: LOCAL, src: REMOTE, payload: 'to local' }));
    expect(local.received).toHaveLength(0);
    expect(host.pump()).toBe(1);
    expect(local.received.map(framePayloadText)).toEqual(['to local']);
    expect(client.linkUp).toBe(true);
  });

  it('a full toNic ring shows up as receiverBusy drops on the switch port', () => {
    const { local, port, client, nic } = setup(2);
    for (let i = 0; i < 5; i++) local.send(ethernetFrame({ dst: REMOTE, src: LOCAL, payload: `${i}` }));
    expect(port.stats.framesOut).toBe(2);
    expect(port.stats.drops('receiverBusy')).toBe(3);
    client.pump();
    expect(nic.received.map(framePayloadText)).toEqual(['0', '1']);
  });

  it('a full toSwitch ring drops and counts frames from the NIC', () => {
    const { local, host, client, nic } = setup(4);
    for (let i = 0; i < 6; i++) nic.send(ethernetFrame({ dst: LOCAL, src: REMOTE, payload: `${i}` }));
    expect(client.toSwitch.dropsFull).toBe(2);
    host.pump();
    expect(local.received.map(framePayloadText)).toEqual(['0', '1', '2', '3']);
  });

  it('pumps automatically with Atomics.waitAsync', async () => {
    const { local, host, client, nic } = setup();
    expect(host.start()).toBe(true);
    expect(client.start()).toBe(true);
    nic.send(ethernetFrame({ dst: BROADCAST_MAC, src: REMOTE, payload: 'ping' }));
    nic.onFrame = (f, self) => self.send(ethernetFrame({ dst: LOCAL, src: REMOTE, payload: `echo ${framePayloadText(f)}` }));
    local.send(ethernetFrame({ dst: REMOTE, src: LOCAL, payload: 'hi' }));
    await expect.poll(() => local.received.map(framePayloadText)).toEqual(['ping', 'echo hi']);
    host.close();
    expect(client.linkUp).toBe(false);
    client.stop();
  });

  it('a throwing receiver stops automatic delivery and is reported, not left unhandled', async () => {
    const { local, client, nic } = setup();
    nic.onFrame = () => {
      throw new Error('broken NIC');
    };
    client.start();
    local.send(ethernetFrame({ dst: BROADCAST_MAC, src: LOCAL }));
    await expect.poll(() => (client.failure as Error | null)?.message).toBe('broken NIC');
    nic.onFrame = null;
    local.send(ethernetFrame({ dst: BROADCAST_MAC, src: LOCAL }));
    expect(client.pump()).toBe(1); // explicit pumping still works
    expect(nic.received).toHaveLength(2);
  });

  it('closing detaches the host from the port', () => {
    const { local, port, host } = setup();
    host.close();
    local.send(ethernetFrame({ dst: BROADCAST_MAC, src: LOCAL }));
    expect(port.stats.drops('linkDown')).toBe(1);
  });

  it("carries the NIC's promiscuous mode and programmed MAC to the port, where the policy applies", async () => {
    const { local, port, host, client } = setup();
    port.setPolicy({ allowPromiscuous: true, allowMacChanges: false });
    client.setPromiscuous(true);
    expect(port.promiscuous).toBe(false); // not yet pumped
    host.pump();
    expect(port.promiscuous).toBe(true);
    client.setEffectiveMac(Uint8Array.of(0x02, 0, 0, 0, 0, 0x77));
    expect(host.applyFilter()).toBe(true);
    expect(host.applyFilter()).toBe(false); // nothing new
    expect(port.effectiveMac).toBe('02:00:00:00:00:77');
    // MAC changes are forbidden: the port now drops what the switch sends it
    local.send(ethernetFrame({ dst: BROADCAST_MAC, src: LOCAL }));
    expect(port.stats.drops('macChange')).toBe(1);
    // automatic pumping applies changes without any frame moving
    host.start();
    client.setEffectiveMac(Uint8Array.of(0x00, 0x50, 0x56, 0x00, 0x00, 0x02));
    client.setPromiscuous(false);
    await expect.poll(() => [port.effectiveMac, port.promiscuous]).toEqual([REMOTE, false]);
    host.stop();
  });

  it('a channel without a filter block ignores filter reports', () => {
    const { port } = setup();
    const { filter: _, ...bare } = createRemotePortChannel({ slots: 8, slotBytes: 1518 });
    const host = new RemotePortHost(port, bare);
    const client = new RemotePortClient(bare);
    client.setPromiscuous(true);
    expect(host.applyFilter()).toBe(false);
    expect(port.promiscuous).toBe(false);
  });
});
