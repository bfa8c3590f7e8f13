import { FrameRecorder } from '@vm/bus/test';
import { describe, expect, it } from 'vitest';
import { I82540em } from '../e1000/i82540em.js';
import { Am79c970a } from '../pcnet/am79c970a.js';
import { E1000TestDriver, NicTestHarness, PcnetTestDriver } from '../test/index.js';
import { filterListenerOf } from './filter-report.js';
import { formatMac } from './mac.js';

const MAC = Uint8Array.of(0x00, 0x50, 0x56, 0x01, 0x02, 0x03);
const OTHER = Uint8Array.of(0x02, 0x11, 0x22, 0x33, 0x44, 0x55);

/** A backend that also follows the NIC's filter, as a VMnet port does. */
class FilterRecorder extends FrameRecorder {
  readonly events: string[] = [];
  setPromiscuous(on: boolean): boolean {
    this.events.push(`promisc ${on}`);
    return on;
  }
  setEffectiveMac(mac: Uint8Array): void {
    this.events.push(`mac ${formatMac(mac)}`);
  }
}

describe('receive-filter reports to the backend', () => {
  it('only backends with both methods are told', () => {
    expect(filterListenerOf(new FrameRecorder())).toBeNull();
    expect(filterListenerOf(null)).toBeNull();
    expect(filterListenerOf(new FilterRecorder())).not.toBeNull();
  });

  it('PCnet: the init block and CSR15 report promiscuous mode and PADR, once per change', () => {
    const net = new FilterRecorder();
    const h = new NicTestHarness(new Am79c970a({ mac: MAC, backend: net }));
    const d = new PcnetTestDriver(h);
    net.events.length = 0;
    d.open(0x8000); // MODE.PROM
    expect(net.events).toEqual(['promisc true']);
    d.reset(); // S_RESET: CSR15 back to 0
    expect(net.events).toEqual(['promisc true', 'promisc false']);
    net.events.length = 0;
    d.open(0, [0, 0, 0, 0], OTHER); // a guest-chosen station address
    expect(net.events).toEqual(['mac 02:11:22:33:44:55']);
    d.setCsr(15, 0); // rewriting the same mode: nothing new
    expect(net.events).toEqual(['mac 02:11:22:33:44:55']);
    d.open(); // reset (PADR from the PROM again), then the PROM address in the init block
    expect(net.events).toEqual(['mac 02:11:22:33:44:55', 'mac 00:50:56:01:02:03']);
  });

  it('e1000: RCTL.UPE and receive address 0 are reported; a reset restores the EEPROM address', () => {
    const net = new FilterRecorder();
    const h = new NicTestHarness(new I82540em({ mac: MAC, backend: net }));
    const d = new E1000TestDriver(h);
    net.events.length = 0;
    d.open(1 << 3); // RCTL.UPE
    expect(net.events).toEqual(['promisc true']);
    d.setReg(0x5400, 0x33221102);
    d.setReg(0x5404, 0x80005544);
    expect(net.events.at(-1)).toBe('mac 02:11:22:33:44:55');
    d.setReg(0x0000, 1 << 26); // CTRL.RST
    expect(net.events.slice(-2)).toEqual(['mac 00:50:56:01:02:03', 'promisc false']);
  });

  it('a restore reports the restored filter', () => {
    const net = new FilterRecorder();
    const nic = new I82540em({ mac: MAC, backend: net });
    const h = new NicTestHarness(nic);
    new E1000TestDriver(h).open(1 << 3);
    const state = nic.snapshot();
    const net2 = new FilterRecorder();
    const nic2 = new I82540em({ mac: MAC, backend: net2 });
    new NicTestHarness(nic2);
    net2.events.length = 0;
    nic2.restore(state);
    expect(net2.events).toEqual(['mac 00:50:56:01:02:03', 'promisc true']);
  });
});
