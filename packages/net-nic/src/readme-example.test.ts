// The README's snippet, run as a test so it stays true.
import type { NetBackend, NetReceiver } from '@vm/bus';
import { expect, it } from 'vitest';
import { Am79c970a, deriveMac, I82540em } from './index.js';
import { E1000TestDriver, ethernetFrame, NicTestHarness, PcnetTestDriver } from './test/index.js';

it('README snippet: pcnet32 sends to e1000 over a crossover cable', () => {
  class CableEnd implements NetBackend {
    readonly linkUp = true;
    peer: CableEnd | null = null;
    receiver: NetReceiver | null = null;
    sendFrame(frame: Uint8Array): void {
      this.peer?.receiver?.receiveFrame(frame);
    }
    attach(receiver: NetReceiver | null): void {
      this.receiver = receiver;
    }
  }
  const a = new CableEnd();
  const b = new CableEnd();
  a.peer = b;
  b.peer = a;
  const vlance = new NicTestHarness(new Am79c970a({ mac: deriveMac('web01.vmx', 0), backend: a }));
  const e1000 = new NicTestHarness(new I82540em({ mac: deriveMac('web01.vmx', 1), backend: b }));
  const pcnet32 = new PcnetTestDriver(vlance);
  pcnet32.open();
  const intel = new E1000TestDriver(e1000);
  expect(intel.open()).toBe(true);
  const frame = ethernetFrame(deriveMac('web01.vmx', 1), deriveMac('web01.vmx', 0), 0x88b5, new Uint8Array(100).fill(7));
  pcnet32.transmit(frame);
  expect(e1000.irq.level).toBe(true);
  expect(intel.takeReceived()[0]!.frame.length).toBe(114);
  // And back: the e1000 answers, pcnet32 receives it.
  intel.transmit(ethernetFrame(deriveMac('web01.vmx', 0), deriveMac('web01.vmx', 1), 0x88b5, new Uint8Array(50)));
  expect(pcnet32.takeReceived()[0]!.frame.length).toBe(64);
});
