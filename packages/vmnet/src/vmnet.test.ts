import { ManualClock } from '@vm/bus/test';
import { describe, expect, it } from 'vitest';
import { BROADCAST_MAC, ScriptedNic, TapRecorder, ethernetFrame, framePayloadText } from './test/index.js';
import { Vmnet } from './vmnet.js';

const A = '00:50:56:00:00:0a';
const B = '00:50:56:00:00:0b';
const C = '00:50:56:00:00:0c';

function threeNics(options: { agingNs?: number } = {}) {
  const clock = new ManualClock();
  const net = new Vmnet('vmnet0', { clock, timers: clock, ...options });
  const a = new ScriptedNic(net.createPort({ name: 'a', mac: A }));
  const b = new ScriptedNic(net.createPort({ name: 'b', mac: B }));
  const c = new ScriptedNic(net.createPort({ name: 'c', mac: C }));
  return { clock, net, a, b, c };
}

describe('Vmnet learning and flooding', () => {
  it('floods unknown unicast, then forwards only to the learned port', () => {
    const { net, a, b, c } = threeNics();
    a.send(ethernetFrame({ dst: B, src: A, payload: 'first' }));
    expect(b.received.map(framePayloadText)).toEqual(['first']);
    expect(c.received.map(framePayloadText)).toEqual(['first']);
    expect(a.received).toHaveLength(0);
    expect(net.stats.unknownUnicast).toBe(1);

    b.send(ethernetFrame({ dst: A, src: B, payload: 'reply' }));
    expect(a.received.map(framePayloadText)).toEqual(['reply']);
    expect(c.received).toHaveLength(1); // A was learned: no flood

    a.send(ethernetFrame({ dst: B, src: A, payload: 'second' }));
    expect(b.received.map(framePayloadText)).toEqual(['first', 'second']);
    expect(c.received).toHaveLength(1);
    expect(net.macTable().map((e) => [e.mac, e.port]).sort()).toEqual([
      [A, 'a'],
      [B, 'b'],
    ]);
  });

  it('floods broadcast and multicast to every other port', () => {
    const { a, b, c } = threeNics();
    b.send(ethernetFrame({ dst: A, src: B })); // B is learned
    a.clear();
    c.clear();
    a.send(ethernetFrame({ dst: BROADCAST_MAC, src: A, payload: 'bcast' }));
    a.send(ethernetFrame({ dst: '01:00:5e:00:00:fb', src: A, payload: 'mcast' }));
    expect(b.received.map(framePayloadText)).toEqual(['bcast', 'mcast']);
    expect(c.received.map(framePayloadText)).toEqual(['bcast', 'mcast']);
    expect(a.received).toHaveLength(0);
  });

  it('moves a MAC to the port it was last seen on', () => {
    const { a, b, c } = threeNics();
    const roaming = '02:00:00:00:00:99';
    b.send(ethernetFrame({ dst: BROADCAST_MAC, src: roaming }));
    c.send(ethernetFrame({ dst: BROADCAST_MAC, src: roaming }));
    a.clear();
    b.clear();
    c.clear();
    a.send(ethernetFrame({ dst: roaming, src: A, payload: 'to roaming' }));
    expect(c.received.map(framePayloadText)).toEqual(['to roaming']);
    expect(b.received).toHaveLength(0);
  });

  it('does not forward a frame back to the port its destination lives on', () => {
    const { a, b, c } = threeNics();
    a.send(ethernetFrame({ dst: BROADCAST_MAC, src: A }));
    b.clear();
    c.clear();
    a.send(ethernetFrame({ dst: A, src: A }));
    expect([a.received.length, b.received.length, c.received.length]).toEqual([0, 0, 0]);
  });

  it('never learns a group source address', () => {
    const { net, a } = threeNics();
    a.send(ethernetFrame({ dst: B, src: '01:00:00:00:00:01' }));
    expect(net.macTable()).toEqual([]);
  });
});

describe('Vmnet MAC aging', () => {
  it('forgets a MAC after agingNs without traffic from it, and floods again', () => {
    const { clock, net, a, b, c } = threeNics({ agingNs: 1e9 });
    b.send(ethernetFrame({ dst: BROADCAST_MAC, src: B }));
    c.clear();
    clock.advance(0.5e9);
    a.send(ethernetFrame({ dst: B, src: A }));
    expect(c.received).toHaveLength(0);
    clock.advance(0.5e9); // B last seen 1 s ago: aged out
    expect(net.macTable().map((e) => e.mac)).toEqual([A]);
    a.send(ethernetFrame({ dst: B, src: A }));
    expect(c.received).toHaveLength(1);
    expect(b.received).toHaveLength(2); // forwarded once while learned, flooded once after aging
  });

  it('keeps a MAC alive while it keeps sending, and the timer empties the table', () => {
    const { clock, net, a, b, c } = threeNics({ agingNs: 1e9 });
    for (let i = 0; i < 5; i++) {
      b.send(ethernetFrame({ dst: BROADCAST_MAC, src: B }));
      clock.advance(0.6e9);
    }
    c.clear();
    a.send(ethernetFrame({ dst: B, src: A }));
    expect(c.received).toHaveLength(0);
    expect(clock.nextDeadline()).toBeLessThan(Infinity);
    clock.advance(5e9);
    expect(net.macTable()).toEqual([]);
    expect(clock.nextDeadline()).toBe(Infinity); // nothing left to age
  });
});

describe('Vmnet port policy', () => {
  it('drops forged transmits only when the policy forbids them', () => {
    const { net, a, b } = threeNics();
    const port = net.port('a')!;
    a.send(ethernetFrame({ dst: B, src: '02:de:ad:be:ef:00' }));
    expect(b.received).toHaveLength(1); // ESX default accepts forged transmits
    port.setPolicy({ allowForgedTransmits: false });
    a.send(ethernetFrame({ dst: B, src: '02:de:ad:be:ef:00' }));
    a.send(ethernetFrame({ dst: B, src: A }));
    expect(b.received).toHaveLength(2);
    expect(port.stats.drops('forgedTransmit')).toBe(1);
    // A guest-programmed MAC becomes the one forged transmits compare with.
    port.setEffectiveMac('02:00:00:00:00:01');
    a.send(ethernetFrame({ dst: B, src: '02:00:00:00:00:01' }));
    a.send(ethernetFrame({ dst: B, src: A }));
    expect(b.received).toHaveLength(3);
    expect(port.stats.drops('forgedTransmit')).toBe(2);
  });

  it('blocks inbound frames after a forbidden MAC change', () => {
    const { net, a, b } = threeNics();
    const port = net.port('b')!;
    port.setPolicy({ allowMacChanges: false });
    port.setEffectiveMac('02:00:00:00:00:0b');
    a.send(ethernetFrame({ dst: BROADCAST_MAC, src: A }));
    expect(b.received).toHaveLength(0);
    expect(port.stats.drops('macChange')).toBe(1);
    port.setEffectiveMac(B);
    a.send(ethernetFrame({ dst: BROADCAST_MAC, src: A }));
    expect(b.received).toHaveLength(1);
  });

  it('shows a promiscuous port every frame only when allowed', () => {
    const { net, a, b, c } = threeNics();
    a.send(ethernetFrame({ dst: BROADCAST_MAC, src: A }));
    b.send(ethernetFrame({ dst: BROADCAST_MAC, src: B }));
    c.clear();
    const spy = net.port('c')!;
    expect(spy.setPromiscuous(true)).toBe(false); // default policy rejects it
    a.send(ethernetFrame({ dst: B, src: A, payload: 'private' }));
    expect(c.received).toHaveLength(0);
    spy.setPolicy({ allowPromiscuous: true });
    expect(spy.promiscuous).toBe(true);
    a.send(ethernetFrame({ dst: B, src: A, payload: 'seen' }));
    expect(c.received.map(framePayloadText)).toEqual(['seen']);
    expect(b.received.map(framePayloadText)).toEqual(['', 'private', 'seen']); // '' is a's broadcast
    spy.setPromiscuous(false);
    a.send(ethernetFrame({ dst: B, src: A, payload: 'again private' }));
    expect(c.received).toHaveLength(1);
  });
});

describe('Vmnet ports and statistics', () => {
  it('counts frames and bytes both ways, and drops by reason', () => {
    const { net, a, b, c } = threeNics();
    const pa = net.port('a')!;
    const pb = net.port('b')!;
    a.send(ethernetFrame({ dst: BROADCAST_MAC, src: A, payload: 'x'.repeat(46) })); // 60 bytes
    expect(pa.stats.framesIn).toBe(1);
    expect(pa.stats.bytesIn).toBe(60);
    expect(pb.stats.framesOut).toBe(1);
    expect(pb.stats.bytesOut).toBe(60);
    b.accept = false;
    a.send(ethernetFrame({ dst: BROADCAST_MAC, src: A }));
    expect(pb.stats.drops('receiverBusy')).toBe(1);
    a.send(new Uint8Array(13));
    expect(pa.stats.drops('runt')).toBe(1);
    a.send(new Uint8Array(net.maxFrameBytes + 1));
    expect(pa.stats.drops('oversize')).toBe(1);
    c.unplug();
    a.send(ethernetFrame({ dst: BROADCAST_MAC, src: A }));
    expect(net.port('c')!.stats.drops('linkDown')).toBe(1);
    expect(pa.stats.snapshot()).toMatchObject({ framesIn: 3, drops: { runt: 1, oversize: 1 } });
  });

  it('taps see accepted frames with their virtual time, not dropped ones', () => {
    const { clock, net, a } = threeNics();
    const all = new TapRecorder();
    const portA = new TapRecorder();
    net.addCapture(all);
    net.port('a')!.addCapture(portA);
    net.port('a')!.setPolicy({ allowForgedTransmits: false });
    clock.advance(777);
    a.send(ethernetFrame({ dst: BROADCAST_MAC, src: A, payload: 'ok' }));
    a.send(ethernetFrame({ dst: BROADCAST_MAC, src: C, payload: 'forged' }));
    expect(all.frames.map((f) => [framePayloadText(f.frame), f.timeNs])).toEqual([['ok', 777]]);
    expect(portA.frames).toHaveLength(1);
    net.removeCapture(all);
    a.send(ethernetFrame({ dst: BROADCAST_MAC, src: A }));
    expect(all.frames).toHaveLength(1);
    expect(portA.frames).toHaveLength(2);
  });

  it('link down on a port drops its traffic both ways', () => {
    const { net, a, b } = threeNics();
    const pb = net.port('b')!;
    pb.setLinkUp(false);
    expect(pb.linkUp).toBe(false);
    a.send(ethernetFrame({ dst: BROADCAST_MAC, src: A }));
    b.send(ethernetFrame({ dst: BROADCAST_MAC, src: B }));
    expect(b.received).toHaveLength(0);
    expect(a.received).toHaveLength(0);
    expect(pb.stats.drops('linkDown')).toBe(2);
  });

  it('removing a port forgets its MACs and reuses its slot', () => {
    const { net, a, b } = threeNics();
    b.send(ethernetFrame({ dst: BROADCAST_MAC, src: B }));
    const pb = net.port('b')!;
    pb.disconnect();
    expect(pb.linkUp).toBe(false);
    expect(net.macTable()).toEqual([]);
    b.send(ethernetFrame({ dst: BROADCAST_MAC, src: B }));
    expect(a.received).toHaveLength(1);
    const again = net.createPort({ name: 'b2' });
    expect(again.index).toBe(pb.index);
  });

  it('bounds re-entrant forwarding between two echoing NICs', () => {
    const { net, a, b } = threeNics();
    const echo = (frame: Uint8Array, nic: ScriptedNic): void => nic.send(frame);
    a.onFrame = echo;
    b.onFrame = echo;
    net.port('c')!.disconnect();
    a.send(ethernetFrame({ dst: BROADCAST_MAC, src: A }));
    const dropped = net.port('a')!.stats.drops('reentrancy') + net.port('b')!.stats.drops('reentrancy');
    expect(dropped).toBe(1);
    expect(a.received.length + b.received.length).toBe(8);
  });

  it('refuses bad names and a full port table', () => {
    const clock = new ManualClock();
    expect(() => new Vmnet('0bad', { clock, timers: clock })).toThrow(RangeError);
    const net = new Vmnet('private1', { clock, timers: clock, maxPorts: 1 });
    net.createPort();
    expect(() => net.createPort()).toThrow(/ports are in use/);
    expect(() => net.createPort({ mac: 'zz:00:00:00:00:00' })).toThrow(RangeError);
  });

  it('floods when the MAC table is full and counts it', () => {
    const clock = new ManualClock();
    const net = new Vmnet('vmnet1', { clock, timers: clock, macTableSize: 1 });
    const a = new ScriptedNic(net.createPort());
    const b = new ScriptedNic(net.createPort());
    const c = new ScriptedNic(net.createPort());
    a.send(ethernetFrame({ dst: BROADCAST_MAC, src: A }));
    b.send(ethernetFrame({ dst: BROADCAST_MAC, src: B }));
    expect(net.stats.learnTableFull).toBe(1);
    c.clear();
    a.send(ethernetFrame({ dst: B, src: A }));
    expect(c.received).toHaveLength(1);
  });
});
