import { FrameRecorder } from '@vm/bus/test';
import { describe, expect, it } from 'vitest';
import { crc32Register } from '../shared/crc32.js';
import { BROADCAST, ethernetFrame, NicTestHarness, PcnetTestDriver } from '../test/index.js';
import { Am79c970a } from './am79c970a.js';

const MAC = Uint8Array.of(0x00, 0x50, 0x56, 0x01, 0x02, 0x03);
const PEER = Uint8Array.of(0x00, 0x50, 0x56, 0x0a, 0x0b, 0x0c);

function setup(rx = 16, tx = 16) {
  const net = new FrameRecorder();
  const h = new NicTestHarness(new Am79c970a({ mac: MAC, backend: net }));
  const d = new PcnetTestDriver(h, rx, tx);
  return { net, h, d };
}

function payload(n: number, seed = 1): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff);
}

/** The LADRF words that accept multicast address `mac` (pcnet32_load_multicast). */
function ladrfFor(mac: Uint8Array): number[] {
  const crc = crc32Register(mac, 0, 6) >>> 26;
  const t = [0, 0, 0, 0];
  t[crc >>> 4]! |= 1 << (crc & 15);
  return t;
}

describe('Am79c970a probe (pcnet32_probe1)', () => {
  it('identifies as a PCnet-PCI II on the PCI bus', () => {
    const nic = new Am79c970a({ mac: MAC, backend: null });
    expect(nic.identity).toMatchObject({ vendorId: 0x1022, deviceId: 0x2000, classCode: 0x020000 });
    expect(nic.bars.map((b) => b && [b.kind, b.size])).toEqual([
      ['io', 32],
      ['mem32', 32],
    ]);
    expect(nic.interruptPin).toBe(1);
  });

  it('resets to STOP in word I/O, passes the WIO check, reports chip 0x2621 and its MAC twice', () => {
    const { h, d } = setup();
    d.reset();
    expect(d.csr(0)).toBe(0x0004);
    h.ports.out16(h.ioBase + 0x12, 88);
    expect(h.ports.in16(h.ioBase + 0x12)).toBe(88);
    const id = d.csr(88) | (d.csr(89) << 16);
    expect(id & 0xfff).toBe(0x003);
    expect((id >>> 12) & 0xffff).toBe(0x2621);
    expect([...d.readAprom()]).toEqual([...MAC]);
    expect([...d.readPadr()]).toEqual([...MAC]);
    // APROM signature bytes.
    expect(h.ports.in8(h.ioBase + 14)).toBe(0x57);
    // Link is reported through the LED0 register (pcnet32_check_media: BCR4 != 0xc0).
    expect(d.bcr(4)).not.toBe(0xc0);
  });

  it('switches to DWIO on a dword write to RDP and then answers dword accesses only', () => {
    const { h, d } = setup();
    h.ports.out32(h.ioBase + 0x10, 0);
    expect(h.ports.in16(h.ioBase + 0x12)).toBe(0xffff);
    h.ports.out32(h.ioBase + 0x14, 88);
    expect(h.ports.in32(h.ioBase + 0x14) & 0xffff).toBe(88);
    expect(h.ports.in32(h.ioBase + 0x10) & 0xffff).toBe(0x1003);
    h.ports.out32(h.ioBase + 0x14, 20);
    h.ports.out32(h.ioBase + 0x1c, 2);
    expect(h.ports.in32(h.ioBase + 0x1c)).toBe(0x0302);
    expect(h.ports.in32(h.ioBase)).toBe(0x01565000);
    // S_RESET keeps DWIO (only H_RESET leaves it).
    h.ports.in32(h.ioBase + 0x18);
    expect(h.ports.in32(h.ioBase + 0x10) & 0xffff).toBe(0x0004);
    h.nic.reset();
    expect(d.csr(0)).toBe(0x0004);
  });

  it('reaches the same registers through the memory BAR', () => {
    const { h } = setup();
    const mem = h.bar(1);
    mem.write16!(0x12, 89);
    expect(mem.read16!(0x10)).toBe(0x0262);
    expect(mem.read8(3)).toBe(0x01);
  });
});

describe('Am79c970a open, transmit and receive (pcnet32_open, start_xmit, rx)', () => {
  it('initializes from a 32-bit init block and raises IDON on INTA', () => {
    const { h, d } = setup();
    d.open();
    expect(d.bcr(20)).toBe(0x0302);
    const csr0 = d.csr(0);
    expect(csr0 & 0x0137).toBe(0x0133); // IDON, RXON, TXON, STRT, INIT
    expect(csr0 & 0x0080).toBe(0x0080);
    expect(h.irq.level).toBe(true);
    expect(d.csr(76)).toBe(-16 & 0xffff);
    expect(d.csr(15)).toBe(0);
    d.acknowledge();
    expect(h.irq.level).toBe(false);
  });

  it('transmits a frame on TDMD with TINT and hands the descriptor back', () => {
    const { net, h, d } = setup();
    d.open();
    d.acknowledge();
    const frame = ethernetFrame(PEER, MAC, 0x0800, payload(100));
    const i = d.transmit(frame);
    expect(net.sent).toHaveLength(1);
    expect([...net.sent[0]!]).toEqual([...frame]);
    expect(d.txStatus(i) & 0x8000).toBe(0);
    expect(d.txStatus(i) & 0x4000).toBe(0);
    expect(d.csr(0) & 0x0200).toBe(0x0200);
    expect(h.irq.level).toBe(true);
  });

  it('pads short frames with APAD_XMT and finds frames by the poll timer without TDMD', () => {
    const { net, h, d } = setup();
    d.open();
    d.transmit(ethernetFrame(PEER, MAC, 0x0806, payload(28)), false);
    expect(net.sent).toHaveLength(0);
    h.clock.advance(2_000_000);
    expect(net.sent).toHaveLength(1);
    expect(net.sent[0]!.length).toBe(60);
  });

  it('gathers a frame chained over three descriptors', () => {
    const { net, h, d } = setup();
    d.open();
    const frame = ethernetFrame(PEER, MAC, 0x0800, payload(1000));
    const parts = [frame.subarray(0, 14), frame.subarray(14, 600), frame.subarray(600)];
    const bits = [0x8200, 0x8000, 0x8100];
    const ram = h.ram;
    parts.forEach((p, i) => {
      const buf = 0x50000 + 0x1000 * i;
      ram.bytes.set(p, buf);
      const desc = d.layout.txRing + 16 * i;
      ram.write32(desc, buf);
      ram.write16(desc + 4, -p.length & 0xffff);
    });
    for (let i = 2; i >= 0; i--) ram.write16(d.layout.txRing + 16 * i + 6, bits[i]!);
    d.setCsr(0, 0x48);
    expect(net.sent).toHaveLength(1);
    expect([...net.sent[0]!]).toEqual([...frame]);
  });

  it('receives a frame into the ring with RINT, STP|ENP, PAM and the FCS counted in MCNT', () => {
    const { net, h, d } = setup();
    d.open();
    d.acknowledge();
    const frame = ethernetFrame(MAC, PEER, 0x0800, payload(200));
    expect(net.inject(frame)).toBe(true);
    expect(d.csr(0) & 0x0400).toBe(0x0400);
    expect(h.irq.level).toBe(true);
    const got = d.takeReceived();
    expect(got).toHaveLength(1);
    expect(got[0]!.status >>> 8).toBe(0x03);
    expect(got[0]!.status & 0x0040).toBe(0x0040);
    expect([...got[0]!.frame]).toEqual([...frame]);
  });

  it('pads short received frames to 60 bytes (pcnet32 drops runts)', () => {
    const { net, d } = setup();
    d.open();
    net.inject(ethernetFrame(BROADCAST, PEER, 0x0806, payload(28)));
    const got = d.takeReceived();
    expect(got[0]!.frame.length).toBe(60);
    expect(got[0]!.status & 0x0010).toBe(0x0010); // BAM
  });

  it('chains a long frame over small receive buffers', () => {
    const { net, h, d } = setup(4);
    d.open();
    for (let i = 0; i < 4; i++) h.ram.write16(d.layout.rxRing + 16 * i + 4, -512 & 0xffff);
    const frame = ethernetFrame(MAC, PEER, 0x0800, payload(1200));
    expect(net.inject(frame)).toBe(true);
    const st = [0, 1, 2].map((i) => h.ram.read16(d.layout.rxRing + 16 * i + 6) >>> 8);
    expect(st).toEqual([0x02, 0x00, 0x01]);
    expect(h.ram.read32(d.layout.rxRing + 32 + 8) & 0xfff).toBe(frame.length + 4);
  });
});

describe('Am79c970a address filter', () => {
  it('takes its own address and broadcast, drops other unicast', () => {
    const { net, d } = setup();
    d.open();
    expect(net.inject(ethernetFrame(PEER, MAC, 0x0800, payload(50)))).toBe(false);
    expect(net.inject(ethernetFrame(BROADCAST, PEER, 0x0800, payload(50)))).toBe(true);
    expect(net.inject(ethernetFrame(MAC, PEER, 0x0800, payload(50)))).toBe(true);
    expect(d.takeReceived()).toHaveLength(2);
  });

  it('takes multicast only when its CRC hash bit is set in LADRF', () => {
    const group = Uint8Array.of(0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb);
    const other = Uint8Array.of(0x01, 0x00, 0x5e, 0x7f, 0x12, 0x34);
    const { net, d } = setup();
    d.open(0, ladrfFor(group));
    expect(crc32Register(group, 0, 6) >>> 26).not.toBe(crc32Register(other, 0, 6) >>> 26);
    expect(net.inject(ethernetFrame(other, PEER, 0x0800, payload(50)))).toBe(false);
    expect(net.inject(ethernetFrame(group, PEER, 0x0800, payload(50)))).toBe(true);
    expect(d.takeReceived()[0]!.status & 0x0020).toBe(0x0020); // LAFM
  });

  it('takes everything in promiscuous mode, and honours DRCVBC', () => {
    const { net, d } = setup();
    d.open(0x8000);
    expect(net.inject(ethernetFrame(PEER, MAC, 0x0800, payload(50)))).toBe(true);
    d.open(0x4000);
    expect(net.inject(ethernetFrame(BROADCAST, PEER, 0x0800, payload(50)))).toBe(false);
  });

  it('changes mode while suspended, as pcnet32_set_multicast_list does', () => {
    const { net, d } = setup();
    d.open();
    d.setCsr(5, d.csr(5) | 1);
    expect(d.csr(5) & 1).toBe(1);
    d.setCsr(15, 0x8000);
    d.setCsr(5, d.csr(5) & ~1);
    expect(net.inject(ethernetFrame(PEER, MAC, 0x0800, payload(50)))).toBe(true);
  });
});

describe('Am79c970a ring full, loopback, errors', () => {
  it('sets MISS and counts in CSR112 when no receive descriptor is owned; memory stays put', () => {
    const { net, h, d } = setup(4);
    d.open();
    d.acknowledge();
    const frame = ethernetFrame(MAC, PEER, 0x0800, payload(100));
    for (let i = 0; i < 4; i++) expect(net.inject(frame)).toBe(true);
    for (let i = 0; i < 1000; i++) expect(net.inject(frame)).toBe(false);
    expect(d.csr(0) & 0x9000).toBe(0x9000); // ERR | MISS
    expect(d.csr(112)).toBe(1000);
    expect(h.irq.level).toBe(true);
    expect(d.takeReceived()).toHaveLength(4);
    expect(net.inject(frame)).toBe(true);
  });

  it('follows the NAPI handshake: acknowledge and CSR3 masks keep INTA low, unmasking with INEA brings it back', () => {
    const { net, h, d } = setup();
    d.open();
    d.acknowledge();
    net.inject(ethernetFrame(MAC, PEER, 0x0800, payload(100)));
    const csr0 = d.csr(0);
    expect(csr0 & 0x8f00).toBe(0x0400);
    d.setCsr(0, csr0 & ~0x004f); // pcnet32_interrupt's acknowledge (which also clears INEA)
    d.setCsr(3, d.csr(3) | 0x5f00); // masks while polling
    expect(h.irq.level).toBe(false);
    net.inject(ethernetFrame(MAC, PEER, 0x0800, payload(100)));
    expect(h.irq.level).toBe(false);
    expect(d.takeReceived()).toHaveLength(2);
    d.setCsr(3, d.csr(3) & 0x00ff);
    d.setCsr(0, 0x0040);
    expect(h.irq.level).toBe(true); // RINT is still latched until acknowledged
  });

  it('stops and returns to 16-bit mode on close (pcnet32_close)', () => {
    const { d } = setup();
    d.open();
    d.setCsr(0, 0x0004);
    d.setBcr(20, 4);
    expect(d.bcr(20)).toBe(0x0200);
    expect(d.csr(0)).toBe(0x0004);
  });

  it('masks MISS with CSR3 MISSM', () => {
    const { net, h, d } = setup(1);
    d.open();
    d.acknowledge();
    d.setCsr(3, 0x1000);
    const frame = ethernetFrame(MAC, PEER, 0x0800, payload(100));
    net.inject(frame);
    d.acknowledge();
    net.inject(frame);
    expect(d.csr(0) & 0x1000).toBe(0x1000);
    expect(h.irq.level).toBe(false);
  });

  it('loops frames back in internal loopback without touching the network', () => {
    const { net, d } = setup();
    d.open(0x0044); // LOOP | INTL
    const frame = ethernetFrame(MAC, MAC, 0x0800, payload(80));
    d.transmit(frame);
    expect(net.sent).toHaveLength(0);
    const got = d.takeReceived();
    expect([...got[0]!.frame]).toEqual([...frame]);
  });

  it('reports a buffer outside RAM as MERR and a descriptor error, never a host error', () => {
    const { net, h, d } = setup();
    d.open();
    const desc = d.layout.txRing;
    h.ram.write32(desc, 0xfff00000);
    h.ram.write16(desc + 4, -100 & 0xffff);
    h.ram.write16(desc + 6, 0x8300);
    d.setCsr(0, 0x48);
    expect(net.sent).toHaveLength(0);
    expect(d.csr(0) & 0x8800).toBe(0x8800);
    expect(h.ram.read16(desc + 6) & 0xc000).toBe(0x4000);
  });

  it('loses frames with LCAR while the cable is out, and reports link down in BCR4', () => {
    const { net, d } = setup();
    d.open();
    net.linkUp = false;
    expect(d.bcr(4)).toBe(0x00c0);
    const i = d.transmit(ethernetFrame(PEER, MAC, 0x0800, payload(64)));
    expect(net.sent).toHaveLength(0);
    expect(d.txStatus(i) & 0xc000).toBe(0x4000);
    expect(d.h.ram.read32(d.layout.txRing + 16 * i + 8) & 0x08000000).toBe(0x08000000);
  });

  it('refuses ring and address registers while running', () => {
    const { d } = setup();
    d.open();
    d.setCsr(76, -4 & 0xffff);
    d.setCsr(12, 0x1234);
    expect(d.csr(76)).toBe(-16 & 0xffff);
    expect(d.csr(12)).toBe(0x5000);
  });
});

describe('Am79c970a 16-bit software style', () => {
  it('initializes from a 16-bit block and moves frames with 8-byte descriptors', () => {
    const { net, h, d } = setup();
    const ram = h.ram;
    d.reset();
    const ib = 0x1000;
    ram.write16(ib, 0);
    MAC.forEach((b, i) => ram.write8(ib + 2 + i, b));
    ram.write32(ib + 16, 0x2000 | (2 << 29)); // 4 receive descriptors
    ram.write32(ib + 20, 0x3000 | (2 << 29)); // 4 transmit descriptors
    for (let i = 0; i < 4; i++) {
      const r = 0x2000 + 8 * i;
      ram.write16(r, 0x8000 + 0x800 * i);
      ram.write8(r + 2, 0x01);
      ram.write8(r + 3, 0x80);
      ram.write16(r + 4, -1536 & 0xffff);
    }
    d.setCsr(1, ib);
    d.setCsr(2, 0);
    d.setCsr(0, 0x41);
    d.setCsr(0, 0x42);
    const frame = ethernetFrame(MAC, PEER, 0x0800, payload(64));
    expect(net.inject(frame)).toBe(true);
    expect(ram.read8(0x2003)).toBe(0x03);
    expect(ram.read16(0x2006)).toBe(frame.length + 4);
    expect([...ram.bytes.subarray(0x18000, 0x18000 + frame.length)]).toEqual([...frame]);
    ram.bytes.set(frame, 0x30000);
    ram.write16(0x3000, 0);
    ram.write8(0x3002, 0x03);
    ram.write16(0x3004, -frame.length & 0xffff);
    ram.write8(0x3003, 0x83);
    d.setCsr(0, 0x48);
    expect(net.sent).toHaveLength(1);
    expect(ram.read8(0x3003)).toBe(0x03);
  });
});

describe('Am79c970a software style 3', () => {
  it('reads descriptors with the buffer address in the third dword', () => {
    const { net, h, d } = setup(4);
    d.open();
    d.setCsr(0, 0x0004);
    d.setBcr(20, 3);
    expect(d.csr(58)).toBe(0x0303);
    const ram = h.ram;
    for (let i = 0; i < 4; i++) {
      const r = d.layout.rxRing + 16 * i;
      ram.write32(r, 0);
      ram.write32(r + 8, 0x70000 + 0x800 * i);
      ram.write16(r + 4, -1536 & 0xffff);
      ram.write16(r + 6, 0x8000);
    }
    d.setCsr(0, 0x0001);
    d.setCsr(0, 0x0042);
    const frame = ethernetFrame(MAC, PEER, 0x0800, payload(90));
    expect(net.inject(frame)).toBe(true);
    expect(ram.read16(d.layout.rxRing + 6) >>> 8).toBe(0x03);
    expect(ram.read32(d.layout.rxRing) & 0xfff).toBe(frame.length + 4);
    expect([...ram.bytes.subarray(0x70000, 0x70000 + frame.length)]).toEqual([...frame]);
  });
});

describe('Am79c970a snapshot', () => {
  it('restores registers, rings and a pending interrupt into a fresh NIC', () => {
    const { net, d, h } = setup();
    d.open();
    net.inject(ethernetFrame(MAC, PEER, 0x0800, payload(64)));
    const state = h.nic.snapshot();
    expect(state.name).toBe('am79c970a');
    const net2 = new FrameRecorder();
    const h2 = new NicTestHarness(new Am79c970a({ mac: MAC, backend: net2 }));
    h2.ram.bytes.set(h.ram.bytes);
    h2.nic.restore(state);
    const d2 = new PcnetTestDriver(h2);
    d2.rxNext = d.rxNext;
    d2.txNext = d.txNext;
    expect(d2.csr(0)).toBe(d.csr(0));
    net2.inject(ethernetFrame(MAC, PEER, 0x0800, payload(64, 9)));
    expect(d2.takeReceived()).toHaveLength(2);
    d2.transmit(ethernetFrame(PEER, MAC, 0x0800, payload(64)));
    expect(net2.sent).toHaveLength(1);
    expect(() => h2.nic.restore({ ...state, version: 99 })).toThrow(/version/);
  });
});
