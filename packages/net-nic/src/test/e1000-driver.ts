import type { I82540em } from '../e1000/i82540em.js';
import type { NicTestHarness } from './harness.js';

/** Where {@link E1000TestDriver} puts its structures in guest RAM. */
export interface E1000DriverLayout {
  /** The receive ring (16 bytes per descriptor). */
  readonly rxRing: number;
  /** The transmit ring. */
  readonly txRing: number;
  /** Receive buffers, {@link E1000_RX_BUFFER} bytes each. */
  readonly rxBuffers: number;
  /** Transmit buffers, 64 KiB each (four, reused round robin). */
  readonly txBuffers: number;
}

/** A frame taken from the receive ring. */
export interface E1000Received {
  /** The frame (without the CRC when it was counted in the length). */
  readonly frame: Uint8Array;
  /** Descriptor status (DD, EOP, IXSM, VP, TCPCS, IPCS). */
  readonly status: number;
  /** Descriptor errors (TCPE, IPE, RXE). */
  readonly errors: number;
  /** The VLAN tag stripped into the descriptor. */
  readonly special: number;
}

/** Receive buffer size the driver programs (RCTL.BSIZE 2048). */
export const E1000_RX_BUFFER = 2048;

/** Interrupt causes Linux's e1000 enables (IMS_ENABLE_MASK). */
export const E1000_IMS_ENABLE = 0x80 | 0x01 | 0x10 | 0x08 | 0x04;

/** Checksum offload request for {@link E1000TestDriver.transmit}. */
export interface E1000TxOffload {
  /** TCP/UDP checksum start (TUCSS), from the frame start. */
  readonly tucss: number;
  /** The TCP/UDP checksum field (TUCSO), from the frame start. */
  readonly tucso: number;
  /** Also insert the IPv4 header checksum (IPCSS 14, IPCSO 24). */
  readonly ip?: boolean;
  /** TCP segmentation: header length and MSS. */
  readonly tso?: {
    /** Bytes of headers repeated in every segment. */
    readonly hdrLen: number;
    /** Payload bytes per segment. */
    readonly mss: number;
  };
}

/**
 * Drives an {@link I82540em} the way Linux's e1000 does: reset through
 * IOADDR/IODATA, the EEPROM by bit-banging EECD (and EERD), the PHY
 * through MDIC, the rings, IMS, context + data descriptors with checksum
 * offload or TSO, and the receive ring.
 */
export class E1000TestDriver {
  /** Next receive descriptor the driver looks at. */
  rxNext = 0;
  /** Next transmit descriptor the driver fills. */
  txNext = 0;

  /**
   * @param h the harness holding the NIC
   * @param rxCount receive ring length (a multiple of 8)
   * @param txCount transmit ring length (a multiple of 8)
   * @param layout guest-physical placement of the structures
   */
  constructor(
    readonly h: NicTestHarness<I82540em>,
    readonly rxCount = 16,
    readonly txCount = 16,
    readonly layout: E1000DriverLayout = { rxRing: 0x2000, txRing: 0x4000, rxBuffers: 0x10000, txBuffers: 0x60000 },
  ) {}

  /** Read a register (MMIO, BAR0). */
  reg(offset: number): number {
    return this.h.mmioRead32(0, offset);
  }

  /** Write a register (MMIO, BAR0). */
  setReg(offset: number, value: number): void {
    this.h.mmioWrite32(0, offset, value);
  }

  /** e1000_reset_hw: mask everything, stop the rings, CTRL.RST through the I/O window, clear ICR. */
  resetHw(): void {
    this.setReg(0xd8, 0xffffffff);
    this.setReg(0x100, 0);
    this.setReg(0x400, 0x8);
    this.reg(0x8);
    const ctrl = this.reg(0);
    this.h.ports.out32(this.h.ioBase, 0);
    this.h.ports.out32(this.h.ioBase + 4, (ctrl | (1 << 26)) >>> 0);
    this.setReg(0xd8, 0xffffffff);
    this.reg(0xc0);
  }

  /** e1000_read_eeprom for a Microwire part: acquire, READ opcode, 6 address bits, 16 data bits. */
  readEepromBitBang(word: number): number {
    let eecd = this.reg(0x10) | 0x40; // REQ
    this.setReg(0x10, eecd);
    if ((this.reg(0x10) & 0x80) === 0) throw new Error('EEPROM grant not given');
    eecd &= ~(0x04 | 0x01);
    this.setReg(0x10, eecd);
    eecd |= 0x02; // CS
    this.setReg(0x10, eecd);
    const out = (data: number, bits: number): void => {
      for (let m = 1 << (bits - 1); m !== 0; m >>>= 1) {
        eecd = (data & m) !== 0 ? eecd | 0x04 : eecd & ~0x04;
        this.setReg(0x10, eecd);
        this.setReg(0x10, eecd | 0x01);
        this.setReg(0x10, eecd & ~0x01);
      }
      eecd &= ~0x04;
      this.setReg(0x10, eecd);
    };
    out(0b110, 3);
    out(word, 6);
    let data = 0;
    for (let i = 0; i < 16; i++) {
      data <<= 1;
      this.setReg(0x10, eecd | 0x01);
      if ((this.reg(0x10) & 0x08) !== 0) data |= 1;
      this.setReg(0x10, eecd & ~0x01);
    }
    // Release: CS low, grant request dropped.
    this.setReg(0x10, eecd & ~(0x02 | 0x01 | 0x40));
    return data & 0xffff;
  }

  /** Read an EEPROM word through EERD. */
  readEepromEerd(word: number): number {
    this.setReg(0x14, (word << 8) | 1);
    const v = this.reg(0x14);
    if ((v & 0x10) === 0) throw new Error('EERD not done');
    return v >>> 16;
  }

  /** The MAC from EEPROM words 0..2. */
  readMac(): Uint8Array {
    const mac = new Uint8Array(6);
    for (let i = 0; i < 3; i++) {
      const w = this.readEepromBitBang(i);
      mac[2 * i] = w & 0xff;
      mac[2 * i + 1] = w >>> 8;
    }
    return mac;
  }

  /** Read PHY register `reg` through MDIC (PHY address 1); throws on the error bit. */
  phyRead(reg: number, phy = 1): number {
    this.setReg(0x20, (reg << 16) | (phy << 21) | (2 << 26));
    const v = this.reg(0x20);
    if ((v & (1 << 28)) === 0) throw new Error('MDIC not ready');
    if ((v & (1 << 30)) !== 0) throw new Error('MDI error');
    return v & 0xffff;
  }

  /** Write PHY register `reg` through MDIC. */
  phyWrite(reg: number, value: number): void {
    this.setReg(0x20, value | (reg << 16) | (1 << 21) | (1 << 26));
    if ((this.reg(0x20) & (1 << 28)) === 0) throw new Error('MDIC not ready');
  }

  /**
   * e1000_setup_copper_link for the M88 PHY: SLU, PHY ID check, PSCR and
   * EPSCR, PHY reset, advertisement, auto-negotiation restart; returns
   * whether BMSR reports the link.
   */
  setupLink(): boolean {
    this.setReg(0, (this.reg(0) | 0x40) & ~0x1800);
    const id = ((this.phyRead(2) << 16) | this.phyRead(3)) >>> 0;
    if ((id & 0xfffffff0) !== 0x01410c20) throw new Error(`unexpected PHY ID ${id.toString(16)}`);
    this.phyWrite(0x10, this.phyRead(0x10) | 0x0800 | 0x0060);
    this.phyWrite(0x14, this.phyRead(0x14) | 0x0070);
    this.phyWrite(0, this.phyRead(0) | 0x8000);
    this.phyWrite(4, this.phyRead(4) | 0x0de0);
    this.phyWrite(9, this.phyRead(9) | 0x0200);
    this.phyWrite(0, this.phyRead(0) | 0x1000 | 0x0200);
    this.phyRead(1);
    return (this.phyRead(1) & 0x0004) !== 0;
  }

  /** e1000_configure_tx. */
  configureTx(tidv = 8, tadv = 32): void {
    const l = this.layout;
    this.h.ram.bytes.fill(0, l.txRing, l.txRing + 16 * this.txCount);
    this.setReg(0x3800, l.txRing);
    this.setReg(0x3804, 0);
    this.setReg(0x3808, this.txCount * 16);
    this.setReg(0x3810, 0);
    this.setReg(0x3818, 0);
    this.setReg(0x3820, tidv);
    this.setReg(0x382c, tadv);
    this.setReg(0x400, 0x2 | 0x8 | (0x0f << 4) | (0x40 << 12));
    this.txNext = 0;
  }

  /** e1000_configure_rx and the initial buffer allocation; `rctlExtra` adds UPE/MPE/... bits. */
  configureRx(rctlExtra = 0, rdtr = 0, itr = 0): void {
    const l = this.layout;
    const rctl = 0x8000 | rctlExtra; // BAM, BSIZE 2048
    this.setReg(0x100, rctl);
    this.setReg(0x2820, rdtr);
    this.setReg(0x282c, 8);
    this.setReg(0xc4, itr);
    this.setReg(0x2800, l.rxRing);
    this.setReg(0x2804, 0);
    this.setReg(0x2808, this.rxCount * 16);
    this.setReg(0x2810, 0);
    this.setReg(0x2818, 0);
    this.setReg(0x5000, this.reg(0x5000) | 0x200);
    this.setReg(0x100, rctl | 0x2);
    for (let i = 0; i < this.rxCount; i++) this.giveRx(i);
    this.rxNext = 0;
    this.setReg(0x2818, this.rxCount - 1);
  }

  private giveRx(i: number): void {
    const ram = this.h.ram;
    const d = this.layout.rxRing + 16 * i;
    ram.write32(d, this.layout.rxBuffers + E1000_RX_BUFFER * i);
    ram.write32(d + 4, 0);
    ram.write32(d + 8, 0);
    ram.write32(d + 12, 0);
  }

  /** e1000_irq_enable. */
  irqEnable(): void {
    this.setReg(0xd0, E1000_IMS_ENABLE);
  }

  /** The probe and open sequence; returns whether link came up. */
  open(rctlExtra = 0): boolean {
    this.resetHw();
    const up = this.setupLink();
    this.configureTx();
    this.configureRx(rctlExtra);
    this.irqEnable();
    return up;
  }

  private nextTx(): { i: number; d: number } {
    const i = this.txNext;
    this.txNext = (i + 1) % this.txCount;
    return { i, d: this.layout.txRing + 16 * i };
  }

  /**
   * e1000_xmit_frame: a context descriptor when offloading, then one data
   * (or legacy) descriptor with EOP|IFCS|RS|IDE; TDT moves past them.
   * Returns the index of the last descriptor.
   */
  transmit(frame: Uint8Array, offload?: E1000TxOffload): number {
    const ram = this.h.ram;
    if (offload) {
      const { d } = this.nextTx();
      const ipcss = 14;
      const tso = offload.tso;
      ram.write32(d, ipcss | (24 << 8) | ((offload.ip ? offload.tucss - 1 : 0) << 16));
      ram.write32(d + 4, offload.tucss | (offload.tucso << 8));
      const paylen = tso ? frame.length - tso.hdrLen : 0;
      const tucmd = (1 << 29) | (offload.ip ? 1 << 25 : 0) | (tso ? (1 << 26) | (1 << 24) : 0);
      ram.write32(d + 8, (tucmd | paylen) >>> 0);
      ram.write32(d + 12, tso ? (tso.mss << 16) | (tso.hdrLen << 8) : 0);
    }
    const { i, d } = this.nextTx();
    const buf = this.layout.txBuffers + 0x10000 * (i % 4);
    ram.bytes.set(frame, buf);
    ram.write32(d, buf);
    ram.write32(d + 4, 0);
    const cmd = (1 << 24) | (1 << 25) | (1 << 27) | (1 << 31);
    if (offload) {
      const tse = offload.tso ? 1 << 26 : 0;
      ram.write32(d + 8, (cmd | (1 << 29) | (1 << 20) | tse | frame.length) >>> 0);
      ram.write32(d + 12, (0x02 | (offload.ip ? 0x01 : 0)) << 8);
    } else {
      ram.write32(d + 8, (cmd | frame.length) >>> 0);
      ram.write32(d + 12, 0);
    }
    this.setReg(0x3818, this.txNext);
    return i;
  }

  /** True when transmit descriptor `i` has DD. */
  txDone(i: number): boolean {
    return (this.h.ram.read8(this.layout.txRing + 16 * i + 12) & 1) !== 0;
  }

  /** e1000_clean_rx_irq: frames with DD (length minus the CRC), status and errors; buffers go back. */
  takeReceived(withCrc = true): E1000Received[] {
    const out: E1000Received[] = [];
    const ram = this.h.ram;
    let last = -1;
    for (let n = 0; n < this.rxCount; n++) {
      const d = this.layout.rxRing + 16 * this.rxNext;
      const status = ram.read8(d + 12);
      if ((status & 1) === 0) break;
      const len = ram.read16(d + 8) - (withCrc ? 4 : 0);
      const buf = ram.read32(d);
      out.push({ frame: ram.bytes.slice(buf, buf + Math.max(len, 0)), status, errors: ram.read8(d + 13), special: ram.read16(d + 14) });
      this.giveRx(this.rxNext);
      last = this.rxNext;
      this.rxNext = (this.rxNext + 1) % this.rxCount;
    }
    if (last >= 0) this.setReg(0x2818, last);
    return out;
  }
}
