import { ManualClock } from '@vm/bus/test';
import { describe, expect, it } from 'vitest';
import { PcapBufferSink, PcapWriter } from './pcap-writer.js';
import { BROADCAST_MAC, ScriptedNic, ethernetFrame, frameSrc, readPcap } from './test/index.js';
import { VmnetRegistry } from './vmnet-registry.js';

describe('isolation between VMnets', () => {
  it('keeps broadcasts and unicast inside their VMnet (checked with pcap captures)', () => {
    const clock = new ManualClock(1_000_000_000);
    const registry = new VmnetRegistry({ clock, timers: clock });
    const vmnet0 = registry.create('vmnet0');
    const private1 = registry.create('private1');
    expect(registry.names()).toEqual(['vmnet0', 'private1']);
    expect(() => registry.create('vmnet0')).toThrow(/already exists/);

    const capture0 = new PcapBufferSink();
    const capture1 = new PcapBufferSink();
    vmnet0.addCapture(new PcapWriter(capture0));
    private1.addCapture(new PcapWriter(capture1));

    // Same MACs on both networks: only the switch boundary separates them.
    const a0 = new ScriptedNic(vmnet0.createPort({ mac: '00:50:56:00:00:01' }));
    const b0 = new ScriptedNic(vmnet0.createPort({ mac: '00:50:56:00:00:02' }));
    const a1 = new ScriptedNic(private1.createPort({ mac: '00:50:56:00:00:01' }));
    const b1 = new ScriptedNic(private1.createPort({ mac: '00:50:56:00:00:02' }));

    a0.send(ethernetFrame({ dst: BROADCAST_MAC, src: '00:50:56:00:00:01', payload: 'hello vmnet0' }));
    clock.advance(2500);
    a0.send(ethernetFrame({ dst: '00:50:56:00:00:02', src: '00:50:56:00:00:01', payload: 'unicast' }));
    clock.advance(1_000_000);
    b1.send(ethernetFrame({ dst: BROADCAST_MAC, src: '00:50:56:00:00:02', payload: 'hello private1' }));

    expect(b0.received).toHaveLength(2);
    expect(a1.received).toHaveLength(1);
    expect(b1.received).toHaveLength(0);
    expect(a0.received).toHaveLength(0);

    const on0 = readPcap(capture0.bytes()).records;
    const on1 = readPcap(capture1.bytes()).records;
    expect(on0.map((r) => new TextDecoder().decode(r.data.subarray(14)))).toEqual(['hello vmnet0', 'unicast']);
    expect(on0.map((r) => [r.seconds, r.fraction])).toEqual([
      [1, 0],
      [1, 2],
    ]);
    expect(on1.map((r) => new TextDecoder().decode(r.data.subarray(14)))).toEqual(['hello private1']);
    expect(on1.map((r) => frameSrc(r.data))).toEqual(['00:50:56:00:00:02']);
    expect(on1[0]).toMatchObject({ seconds: 1, fraction: 1002 });

    expect(registry.delete('vmnet0')).toBe(true);
    expect(registry.get('vmnet0')).toBeUndefined();
    a0.send(ethernetFrame({ dst: BROADCAST_MAC, src: '00:50:56:00:00:01' }));
    expect(b0.received).toHaveLength(2);
  });

  it('captures one port in both directions', () => {
    const clock = new ManualClock();
    const registry = new VmnetRegistry({ clock, timers: clock });
    const net = registry.getOrCreate('vmnet2');
    expect(registry.getOrCreate('vmnet2')).toBe(net);
    const pa = net.createPort();
    const a = new ScriptedNic(pa);
    const b = new ScriptedNic(net.createPort());
    const c = new ScriptedNic(net.createPort());
    const sink = new PcapBufferSink();
    pa.addCapture(new PcapWriter(sink));
    a.send(ethernetFrame({ dst: BROADCAST_MAC, src: '02:00:00:00:00:0a' }));
    b.send(ethernetFrame({ dst: '02:00:00:00:00:0a', src: '02:00:00:00:00:0b' }));
    c.send(ethernetFrame({ dst: '02:00:00:00:00:0b', src: '02:00:00:00:00:0c' })); // not a's business
    expect(readPcap(sink.bytes()).records.map((r) => frameSrc(r.data))).toEqual(['02:00:00:00:00:0a', '02:00:00:00:00:0b']);
  });
});
