import { FrameRecorder } from '@vm/bus/test';
import { describe, expect, it } from 'vitest';
import { BROADCAST, E1000TestDriver, ethernetFrame, ipv4ChecksumsValid, ipv4Frame, NicTestHarness } from '../test/index.js';
import { I82540em } from './i82540em.js';

const MAC = Uint8Array.of(0x00, 0x50, 0x56, 0x01, 0x02, 0x04);
const PEER = Uint8Array.of(0x00, 0x50, 0x56, 0x0a, 0x0b, 0x0c);
const ICR = 0xc0;

function setup(rx = 16, tx = 16) {
  const net = new FrameRecorder();
  const h = new NicTestHarness(new I82540em({ mac: MAC, backend: net }));
  const d = new E1000TestDriver(h, rx, tx);
  return { net, h, d };
}

function payload(n: number, seed = 1): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 13 + seed) & 0xff);
}

describe('I82540em probe (e1000_probe)', () => {
  it('identifies as an 82540EM with a 128 KiB memory BAR and a 64-byte I/O BAR', () => {
    const nic = new I82540em({ mac: MAC, backend: null });
    expect(nic.identity).toMatchObject({ vendorId: 0x8086, deviceId: 0x100e, classCode: 0x020000 });
    expect(nic.bars.map((b) => b && [b.kind, b.size])).toEqual([
      ['mem32', 0x20000],
      ['io', 64],
    ]);
  });

  it('resets through IOADDR/IODATA and reads a valid EEPROM by bit-banging EECD and through EERD', () => {
    const { d } = setup();
    d.setReg(0x3818, 5);
    d.resetHw();
    expect(d.reg(0x3818)).toBe(0);
    expect(d.reg(0x10) & 0x100).toBe(0x100); // EEPROM present, 64 words (SIZE clear)
    let sum = 0;
    for (let i = 0; i < 64; i++) {
      const w = d.readEepromBitBang(i);
      expect(d.readEepromEerd(i)).toBe(w);
      sum += w;
    }
    expect(sum & 0xffff).toBe(0xbaba);
    expect([...d.readMac()]).toEqual([...MAC]);
    expect(d.readEepromBitBang(0x0e)).toBe(0x8086);
    expect(d.readEepromBitBang(0x0d)).toBe(0x100e);
    // The receive address 0 comes from the EEPROM, valid.
    expect(d.reg(0x5400)).toBe(0x01565000);
    expect(d.reg(0x5404)).toBe(0x80000402);
  });

  it('brings the link up through MDIC with an M88 PHY and reports it in STATUS', () => {
    const { h, d } = setup();
    d.resetHw();
    expect(d.setupLink()).toBe(true);
    expect(d.reg(0x8) & 0x3).toBe(0x3); // LU | FD
    expect((d.reg(0x8) >>> 6) & 3).toBe(2); // 1000 Mb/s
    expect(d.phyRead(0x11) & 0x0400).toBe(0x0400);
    expect(d.phyRead(5)).not.toBe(0);
    expect(() => d.phyRead(1, 2)).toThrow(/MDI error/);
    // Powering the PHY down drops the link with LSC.
    d.irqEnable();
    d.phyWrite(0, d.phyRead(0) | 0x0800);
    expect(d.reg(0x8) & 0x2).toBe(0);
    expect(h.irq.level).toBe(true);
    expect(d.reg(ICR) & 0x4).toBe(0x4);
    expect(h.irq.level).toBe(false);
  });

  it('raises LSC when the cable changes', () => {
    const { net, h, d } = setup();
    d.open();
    d.reg(ICR);
    net.linkUp = false;
    h.nic.linkChanged();
    expect(d.reg(0x8) & 0x2).toBe(0);
    expect(d.reg(ICR) & 0x4).toBe(0x4);
    net.linkUp = true;
    h.nic.linkChanged();
    expect(d.reg(0x8) & 0x2).toBe(2);
  });
});

describe('I82540em interrupts', () => {
  it('asserts INTA for masked-in causes only; ICR clears on read; ICS sets; IMC masks', () => {
    const { h, d } = setup();
    d.resetHw();
    d.setReg(0xc8, 0x10); // ICS RXDMT0
    expect(h.irq.level).toBe(false);
    d.setReg(0xd0, 0x10);
    expect(h.irq.level).toBe(true);
    d.setReg(0xd8, 0x10);
    expect(h.irq.level).toBe(false);
    d.setReg(0xd0, 0x10);
    expect(d.reg(ICR)).toBe(0x10);
    expect(d.reg(ICR)).toBe(0);
    expect(h.irq.level).toBe(false);
  });

  it('throttles assertions to one per ITR interval', () => {
    const { h, d } = setup();
    d.resetHw();
    d.setReg(0xc4, 1000); // 256 us
    d.setReg(0xd0, 0x80);
    d.setReg(0xc8, 0x80);
    expect(h.irq.level).toBe(true);
    d.reg(ICR);
    d.setReg(0xc8, 0x80);
    expect(h.irq.level).toBe(false);
    h.clock.advance(100_000);
    expect(h.irq.level).toBe(false);
    h.clock.advance(200_000);
    expect(h.irq.level).toBe(true);
  });
});

describe('I82540em transmit', () => {
  it('sends a legacy-descriptor frame, writes DD back, and delays TXDW by TIDV/TADV', () => {
    const { net, h, d } = setup();
    expect(d.open()).toBe(true);
    d.reg(ICR);
    const frame = ethernetFrame(PEER, MAC, 0x0800, payload(200));
    const i = d.transmit(frame);
    expect(net.sent).toHaveLength(1);
    expect([...net.sent[0]!]).toEqual([...frame]);
    expect(d.txDone(i)).toBe(true);
    expect(d.reg(0x3810)).toBe(1);
    // IDE with TIDV 8: the write-back interrupt comes 8.192 us later.
    expect(h.irq.level).toBe(false);
    h.clock.advance(9_000);
    expect(h.irq.level).toBe(true);
    expect(d.reg(ICR) & 0x1).toBe(0x1);
    expect(d.reg(0x40d4)).toBe(1); // TPT
    expect(d.reg(0x40d4)).toBe(0); // read-to-clear
  });

  it('pads short frames to 60 bytes with TCTL.PSP', () => {
    const { net, d } = setup();
    d.open();
    d.transmit(ethernetFrame(PEER, MAC, 0x0806, payload(28)));
    expect(net.sent[0]!.length).toBe(60);
    d.setReg(0x400, d.reg(0x400) & ~0x8);
    d.transmit(ethernetFrame(PEER, MAC, 0x0806, payload(28)));
    expect(net.sent[1]!.length).toBe(42);
  });

  it('inserts TCP and IPv4 checksums from a context descriptor', () => {
    const { net, d } = setup();
    d.open();
    const frame = ipv4Frame({ dst: PEER, src: MAC, protocol: 6, payload: payload(300), checksums: 'offload' });
    expect(ipv4ChecksumsValid(frame)).toBe(false);
    d.transmit(frame, { tucss: 34, tucso: 50, ip: true });
    expect(net.sent).toHaveLength(1);
    expect(ipv4ChecksumsValid(net.sent[0]!)).toBe(true);
    expect([...net.sent[0]!.subarray(54)]).toEqual([...frame.subarray(54)]);
  });

  it('inserts a UDP checksum', () => {
    const { net, d } = setup();
    d.open();
    const frame = ipv4Frame({ dst: PEER, src: MAC, protocol: 17, payload: payload(101), checksums: 'offload' });
    const ipSum = ipv4Frame({ dst: PEER, src: MAC, protocol: 17, payload: payload(101) }).subarray(24, 26);
    frame.set(ipSum, 24);
    d.transmit(frame, { tucss: 34, tucso: 40 });
    expect(ipv4ChecksumsValid(net.sent[0]!)).toBe(true);
  });

  it('segments a TSO burst into MSS-sized TCP segments with fixed-up headers', () => {
    const { net, d } = setup();
    d.open();
    const data = payload(4000);
    const frame = ipv4Frame({ dst: PEER, src: MAC, protocol: 6, payload: data, checksums: 'offload', tcpFlags: 0x19 });
    // Linux zeroes the IP length and seeds the TCP checksum without the length for TSO.
    frame[16] = 0;
    frame[17] = 0;
    const seed = ((frame[50]! << 8) | frame[51]!) - (20 + 4000);
    const s = ((seed % 0xffff) + 0xffff) % 0xffff;
    frame[50] = s >>> 8;
    frame[51] = s & 0xff;
    d.transmit(frame, { tucss: 34, tucso: 50, ip: true, tso: { hdrLen: 54, mss: 1448 } });
    expect(net.sent.map((f) => f.length)).toEqual([54 + 1448, 54 + 1448, 54 + 1104]);
    const joined: number[] = [];
    net.sent.forEach((f, k) => {
      expect(ipv4ChecksumsValid(f)).toBe(true);
      expect((f[16]! << 8) | f[17]!).toBe(f.length - 14);
      expect((f[18]! << 8) | f[19]!).toBe(0x1234 + k);
      const seq = ((f[38]! << 24) | (f[39]! << 16) | (f[40]! << 8) | f[41]!) >>> 0;
      expect(seq).toBe(0x01000000 + 1448 * k);
      expect(f[47]).toBe(k === 2 ? 0x19 : 0x10); // FIN|PSH only on the last
      joined.push(...f.subarray(54));
    });
    expect(joined).toEqual([...data]);
    expect(d.reg(0x40f8)).toBe(3); // TSCTC
  });

  it('stalls on a head past the ring and on descriptors outside RAM without host errors', () => {
    const { net, h, d } = setup();
    d.open();
    d.setReg(0x3818, 99);
    expect(net.sent).toHaveLength(0);
    d.setReg(0x3818, 0);
    d.setReg(0x3800, 0xfff00000);
    d.setReg(0x3818, 3);
    expect(net.sent).toHaveLength(0);
    expect(d.reg(0x3810)).toBe(0);
    expect(h.ram.faults).toBeGreaterThan(0);
  });
});

describe('I82540em receive', () => {
  it('receives into the ring with DD|EOP, the CRC counted, RXT0, and verified checksums', () => {
    const { net, h, d } = setup();
    d.open();
    d.reg(ICR);
    const frame = ipv4Frame({ dst: MAC, src: PEER, protocol: 6, payload: payload(500) });
    expect(net.inject(frame)).toBe(true);
    expect(h.irq.level).toBe(true);
    expect(d.reg(ICR) & 0x80).toBe(0x80);
    const got = d.takeReceived();
    expect(got).toHaveLength(1);
    expect([...got[0]!.frame]).toEqual([...frame]);
    expect(got[0]!.status & 0x63).toBe(0x63); // DD EOP TCPCS IPCS
    expect(got[0]!.errors).toBe(0);
    expect(d.reg(0x4074)).toBe(1); // GPRC
    expect(d.reg(0x4088)).toBe(frame.length + 4); // GORCL
  });

  it('flags a bad TCP checksum with TCPE', () => {
    const { net, d } = setup();
    d.open();
    net.inject(ipv4Frame({ dst: MAC, src: PEER, protocol: 6, payload: payload(64), checksums: 'broken' }));
    const got = d.takeReceived();
    expect(got[0]!.errors & 0x20).toBe(0x20);
  });

  it('pads runts to 60 bytes and strips the CRC with SECRC', () => {
    const { net, d } = setup();
    d.open(1 << 26);
    net.inject(ethernetFrame(BROADCAST, PEER, 0x0806, payload(28)));
    const got = d.takeReceived(false);
    expect(got[0]!.frame.length).toBe(60);
  });

  it('filters: own address, broadcast with BAM, multicast by MTA hash, unicast and multicast promiscuous', () => {
    const { net, d } = setup();
    d.open();
    const other = ethernetFrame(PEER, MAC, 0x0800, payload(50));
    const group = Uint8Array.of(0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb);
    const mcast = ethernetFrame(group, PEER, 0x0800, payload(50));
    expect(net.inject(other)).toBe(false);
    expect(net.inject(ethernetFrame(MAC, PEER, 0x0800, payload(50)))).toBe(true);
    expect(net.inject(ethernetFrame(BROADCAST, PEER, 0x0800, payload(50)))).toBe(true);
    expect(net.inject(mcast)).toBe(false);
    // e1000_mta_set with filter type 0: bits 47:36 of the address.
    const hash = ((group[4]! >>> 4) | (group[5]! << 4)) & 0xfff;
    d.setReg(0x5200 + 4 * (hash >>> 5), 1 << (hash & 31));
    expect(net.inject(mcast)).toBe(true);
    // A second station address in RAR 1.
    d.setReg(0x5408, 0x0a565000);
    d.setReg(0x540c, 0x80000c0b);
    expect(net.inject(other)).toBe(true);
    d.setReg(0x540c, 0);
    expect(net.inject(other)).toBe(false);
    d.setReg(0x100, d.reg(0x100) | 0x8); // UPE
    expect(net.inject(other)).toBe(true);
    d.setReg(0x100, (d.reg(0x100) & ~0x8) | 0x10); // MPE
    expect(net.inject(ethernetFrame(Uint8Array.of(0x01, 0, 0x5e, 1, 2, 3), PEER, 0x0800, payload(50)))).toBe(true);
    expect(net.inject(other)).toBe(false);
    d.setReg(0x100, d.reg(0x100) & ~0x8010); // neither BAM nor MPE
    expect(net.inject(ethernetFrame(BROADCAST, PEER, 0x0800, payload(50)))).toBe(false);
  });

  it('drops with RXO and MPC when the ring is full, and RXDMT0 warns before', () => {
    const { net, h, d } = setup(8);
    d.open();
    d.reg(ICR);
    const frame = ethernetFrame(MAC, PEER, 0x0800, payload(100));
    const causes: number[] = [];
    for (let i = 0; i < 7; i++) {
      expect(net.inject(frame)).toBe(true);
      causes.push(d.reg(ICR));
    }
    expect(causes[1]! & 0x10).toBe(0);
    expect(causes[2]! & 0x10).toBe(0x10); // 4 of 8 left: the half threshold
    expect(causes[0]! & 0x80).toBe(0x80);
    for (let i = 0; i < 500; i++) expect(net.inject(frame)).toBe(false);
    expect(d.reg(ICR) & 0x40).toBe(0x40);
    expect(h.irq.level).toBe(false);
    expect(d.reg(0x4010)).toBe(500); // MPC
    expect(d.takeReceived()).toHaveLength(7);
    expect(net.inject(frame)).toBe(true);
  });

  it('delays RXT0 by RDTR, bounded by RADV', () => {
    const { net, h, d } = setup();
    d.open();
    d.setReg(0x2820, 100); // 102.4 us
    d.setReg(0x282c, 150); // 153.6 us
    d.reg(ICR);
    const frame = ethernetFrame(MAC, PEER, 0x0800, payload(100));
    net.inject(frame);
    expect(h.irq.level).toBe(false);
    h.clock.advance(80_000);
    net.inject(frame); // restarts RDTR
    h.clock.advance(60_000);
    expect(h.irq.level).toBe(false);
    h.clock.advance(20_000); // RADV at 153.6 us
    expect(h.irq.level).toBe(true);
  });

  it('chains a long frame over 256-byte buffers with LPE off and drops frames over 1522', () => {
    const { net, h, d } = setup();
    d.open();
    d.setReg(0x100, (d.reg(0x100) & ~(3 << 16)) | (3 << 16));
    const frame = ethernetFrame(MAC, PEER, 0x0800, payload(1000));
    expect(net.inject(frame)).toBe(true);
    const lens = [0, 1, 2, 3].map((i) => h.ram.read16(d.layout.rxRing + 16 * i + 8));
    expect(lens).toEqual([256, 256, 256, frame.length + 4 - 768]);
    expect(h.ram.read8(d.layout.rxRing + 12)).toBe(0x01);
    expect(h.ram.read8(d.layout.rxRing + 48 + 12) & 0x3).toBe(0x3);
    expect(net.inject(ethernetFrame(MAC, PEER, 0x0800, payload(1600)))).toBe(false);
    expect(d.reg(0x40ac)).toBe(1); // ROC
  });

  it('loops frames back in MAC loopback', () => {
    const { net, d } = setup();
    d.open(1 << 6);
    const frame = ethernetFrame(MAC, MAC, 0x0800, payload(80));
    d.transmit(frame);
    expect(net.sent).toHaveLength(0);
    expect([...d.takeReceived()[0]!.frame]).toEqual([...frame]);
  });

  it('strips a VLAN tag with CTRL.VME and filters VLANs with VFE', () => {
    const { net, d } = setup();
    d.open();
    d.setReg(0, d.reg(0) | (1 << 30));
    const inner = ethernetFrame(MAC, PEER, 0x0800, payload(80));
    const tagged = new Uint8Array(inner.length + 4);
    tagged.set(inner.subarray(0, 12));
    tagged.set([0x81, 0x00, 0x00, 0x05], 12);
    tagged.set(inner.subarray(12), 16);
    d.setReg(0x100, d.reg(0x100) | (1 << 18));
    expect(net.inject(tagged)).toBe(false);
    d.setReg(0x5600, 1 << 5);
    expect(net.inject(tagged)).toBe(true);
    const got = d.takeReceived()[0]!;
    expect(got.status & 0x08).toBe(0x08);
    expect(got.special).toBe(5);
    expect([...got.frame]).toEqual([...inner]);
  });
});

describe('I82540em small packets and checksum reporting', () => {
  it('raises SRPD for packets up to RSRPD and reports IXSM with receive offload off', () => {
    const { net, d } = setup();
    d.open();
    d.setReg(0x2c00, 128);
    d.setReg(0x5000, 0);
    d.reg(ICR);
    net.inject(ethernetFrame(MAC, PEER, 0x0800, payload(40)));
    expect(d.reg(ICR) & 0x10000).toBe(0x10000);
    net.inject(ipv4Frame({ dst: MAC, src: PEER, protocol: 17, payload: payload(400) }));
    expect(d.reg(ICR) & 0x10000).toBe(0);
    const got = d.takeReceived();
    expect(got[1]!.status & 0x64).toBe(0x04); // IXSM, no IPCS/TCPCS
  });

  it('keeps TXDCTL, RXDCTL and the VLAN table as written, and counts statistics until read', () => {
    const { net, d } = setup();
    d.open();
    d.setReg(0x3828, 0x01010000);
    d.setReg(0x2828, 0x00010101);
    d.setReg(0x5604, 0xdeadbeef);
    expect([d.reg(0x3828), d.reg(0x2828), d.reg(0x5604)]).toEqual([0x01010000, 0x00010101, 0xdeadbeef]);
    for (let i = 0; i < 3; i++) net.inject(ethernetFrame(BROADCAST, PEER, 0x0806, payload(28)));
    expect(d.reg(0x4078)).toBe(3); // BPRC
    expect(d.reg(0x405c)).toBe(3); // PRC64
    expect(d.reg(0x40d0)).toBe(3); // TPR
    expect(d.reg(0x40d0)).toBe(0);
  });
});

describe('I82540em snapshot', () => {
  it('restores registers, EEPROM protocol, PHY and rings into a fresh NIC', () => {
    const { net, h, d } = setup();
    d.open();
    net.inject(ethernetFrame(MAC, PEER, 0x0800, payload(64)));
    const state = h.nic.snapshot();
    expect(state.name).toBe('i82540em');
    const net2 = new FrameRecorder();
    const h2 = new NicTestHarness(new I82540em({ mac: MAC, backend: net2 }));
    h2.ram.bytes.set(h.ram.bytes);
    h2.nic.restore(state);
    const d2 = new E1000TestDriver(h2);
    expect(d2.reg(0x8) & 2).toBe(2);
    net2.inject(ethernetFrame(MAC, PEER, 0x0800, payload(64, 3)));
    expect(d2.takeReceived()).toHaveLength(2);
    d2.txNext = d.txNext;
    d2.transmit(ethernetFrame(PEER, MAC, 0x0800, payload(64)));
    expect(net2.sent).toHaveLength(1);
    expect(() => h2.nic.restore({ ...state, name: 'x' })).toThrow(/expected state/);
  });
});
