/**
 * The Am79C970A's controller: CSRs, BCRs, the initialization block, the
 * descriptor rings and the frame paths, independent of how the registers are
 * reached (see {@link Am79c970a} for the PCI binding).
 *
 * @module
 */
import { DmaStatus } from '@vm/bus';
import type { Clock, DmaSpace, IrqLine, NetBackend, Timer } from '@vm/bus';
import { FilterReporter } from '../shared/filter-report.js';
import { ethernetFcs } from '../shared/crc32.js';
import { InertTimer, StoppedClock, UnconnectedIrq, UnpluggedDma } from '../shared/wires.js';
import { pcnetAddressMatch } from './pcnet-filter.js';
import { BCR18_DWIO, CHIP_ID, Csr0, Csr3, Csr4, Csr5, Desc, Ether, Mode, Tmd2 } from './pcnet-regs.js';

/** Transmit poll interval when the driver does not set TDMD (datasheet: about 1.6 ms). */
export const PCNET_POLL_NS = 1_600_000;

/**
 * Buffer bytes one poll may move; the rest waits for the next poll (a
 * hostile ring of 65536 descriptors cannot hold the host for long).
 */
const POLL_BUDGET = 1 << 20;

/** TMD1 bit 28: LTINT when CSR5 LTINTEN is set, else MORE. */
const TX_LTINT = 0x10000000;
/** TMD1 MORE, ONE and DEF. */
const TX_RETRY_BITS = 0x1c000000;

/** Largest frame the transmitter assembles across chained buffers. */
const TX_BUFFER = 16384;

/** Writable bits of BCR2, BCR9, BCR18, BCR19 and the LED registers. */
const BCR_WRITABLE: Readonly<Record<number, number>> = {
  2: 0x31ff,
  4: 0xfffd & ~0x8000,
  5: 0xfffd & ~0x8000,
  6: 0xfffd & ~0x8000,
  7: 0xfffd & ~0x8000,
  9: 0x0007,
  18: 0xff7f,
  19: 0x001f,
  22: 0xffff,
};

/**
 * The PCnet-PCI II controller core. Fields are public for the binding and
 * for tests; the guest reaches them only through {@link readCsr},
 * {@link writeCsr}, {@link readBcr} and {@link writeBcr}.
 */
export class PcnetCore {
  /** Control and status registers 0..127. */
  readonly csr = new Uint16Array(128);
  /** Bus configuration registers 0..63. */
  readonly bcr = new Uint16Array(64);
  /** The 16-byte address PROM: MAC at 0..5. */
  readonly aprom = new Uint8Array(16);
  /** Register address pointer. */
  rap = 0;
  /** Receive ring base (guest-physical). */
  rxRingBase = 0;
  /** Transmit ring base (guest-physical). */
  txRingBase = 0;
  /** Receive ring length in descriptors (1..65536). */
  rxRingLength = 1;
  /** Transmit ring length in descriptors (1..65536). */
  txRingLength = 1;
  /** Current receive descriptor index. */
  rxIndex = 0;
  /** Current transmit descriptor index. */
  txIndex = 0;
  /** Bytes of a transmit frame gathered so far (across chained descriptors). */
  txFill = 0;
  /** True while a transmit frame has begun (STP seen) but not ended. */
  txInFrame = false;
  /** Level driven on INTA#. */
  irqLevel = false;
  /** DMA into guest memory (set when plugged). */
  dma: DmaSpace = new UnpluggedDma();
  /** INTA# (set when plugged). */
  irq: IrqLine = new UnconnectedIrq();
  /** Virtual time (set at realize). */
  clock: Clock = new StoppedClock();
  /** The transmit poll timer (set at realize). */
  pollTimer: Timer = new InertTimer();
  /** Where frames go; `null` for an unplugged cable. */
  backend: NetBackend | null;
  /** Tells the backend about promiscuous mode and the station address the guest programmed. */
  readonly filterReport: FilterReporter;
  /** The assembled transmit frame. */
  readonly txBuffer = new Uint8Array(TX_BUFFER);
  /** A received frame, padded, with its FCS appended. */
  private readonly rxBuffer = new Uint8Array(Ether.MAX + Ether.FCS);
  private readonly descBytes = new Uint8Array(16);
  private readonly descBytes8 = this.descBytes.subarray(0, 8);
  private readonly initBytes = new Uint8Array(28);
  private readonly initBytes24 = this.initBytes.subarray(0, 24);
  /** Descriptor fields after {@link readDescriptor}, in the 32-bit layout. */
  private descBase = 0;
  private descStatus = 0;

  /**
   * @param mac the station address written into the APROM
   * @param backend the network side
   */
  constructor(mac: Uint8Array, backend: NetBackend | null) {
    this.backend = backend;
    this.filterReport = new FilterReporter(backend);
    for (let i = 0; i < 6; i++) this.aprom[i] = mac[i]! & 0xff;
    // Bytes 14-15 are the 'W' signature; 12-13 a 16-bit sum of bytes 0-11 and 14-15.
    this.aprom[14] = 0x57;
    this.aprom[15] = 0x57;
    let sum = 0;
    for (let i = 0; i < 16; i++) if (i !== 12 && i !== 13) sum += this.aprom[i]!;
    this.aprom[12] = sum & 0xff;
    this.aprom[13] = (sum >>> 8) & 0xff;
    this.hardReset();
  }

  /** True in double-word I/O mode. */
  get dwio(): boolean {
    return (this.bcr[18]! & BCR18_DWIO) !== 0;
  }

  /** Switch to double-word I/O (a dword write to RDP in word mode). */
  enterDwio(): void {
    this.bcr[18] = this.bcr[18]! | BCR18_DWIO;
  }

  /** H_RESET (power-on, PCI RST#): BCRs to defaults too, back to word I/O. */
  hardReset(): void {
    const b = this.bcr;
    b.fill(0);
    b[0] = 0x0005; // MSRDA, read-only
    b[1] = 0x0005; // MSWRA, read-only
    b[2] = 0x0002; // ASEL: automatic media selection
    b[4] = 0x00c0; // LED0: link status and receive
    b[5] = 0x0084;
    b[6] = 0x0088;
    b[7] = 0x0090;
    b[18] = 0x9001;
    b[19] = 0x8000; // PVALID: the station address came from a valid EEPROM
    b[20] = 0x0200; // SWSTYLE 0 (16-bit), CSRPCNET
    b[22] = 0xff06;
    this.softReset();
  }

  /** S_RESET (read of the RESET register): CSRs to defaults; BCRs and DWIO are kept. */
  softReset(): void {
    const c = this.csr;
    c.fill(0);
    this.rap = 0;
    c[0] = Csr0.STOP;
    c[4] = Csr4.RESET;
    // The station address registers load from the PROM, as after an EEPROM read.
    c[12] = this.aprom[0]! | (this.aprom[1]! << 8);
    c[13] = this.aprom[2]! | (this.aprom[3]! << 8);
    c[14] = this.aprom[4]! | (this.aprom[5]! << 8);
    c[80] = 0x1410;
    c[100] = 0x0200;
    this.rxRingBase = 0;
    this.txRingBase = 0;
    this.rxRingLength = 1;
    this.txRingLength = 1;
    this.rxIndex = 0;
    this.txIndex = 0;
    this.txFill = 0;
    this.txInFrame = false;
    this.pollTimer.disarm();
    this.updateIrq();
    // CSR15 (PROM off) and PADR (from the PROM) were reset.
    this.reportFilter();
  }

  // ---- register access -------------------------------------------------

  /** Read CSR `n` (0..127). */
  readCsr(n: number): number {
    n &= 0x7f;
    switch (n) {
      case 0:
        return this.csr0();
      case 58:
        return this.bcr[20]!;
      case 72:
        return this.rxIndex & 0xffff;
      case 74:
        return this.txIndex & 0xffff;
      case 76:
        return -this.rxRingLength & 0xffff;
      case 78:
        return -this.txRingLength & 0xffff;
      case 24:
        return this.rxRingBase & 0xffff;
      case 25:
        return this.rxRingBase >>> 16;
      case 30:
        return this.txRingBase & 0xffff;
      case 31:
        return this.txRingBase >>> 16;
      case 88:
        return CHIP_ID & 0xffff;
      case 89:
        return CHIP_ID >>> 16;
      default:
        return this.csr[n]!;
    }
  }

  /** Write CSR `n` (0..127); registers the datasheet locks while running ignore the write. */
  writeCsr(n: number, value: number): void {
    n &= 0x7f;
    value &= 0xffff;
    const c = this.csr;
    const stopped = (c[0]! & Csr0.STOP) !== 0;
    const quiet = stopped || (c[5]! & Csr5.SPND) !== 0;
    switch (n) {
      case 0:
        this.writeCsr0(value);
        return;
      case 3:
        c[3] = value & Csr3.WRITABLE;
        break;
      case 4:
        c[4] = (c[4]! & ~Csr4.WRITABLE & ~(value & Csr4.W1C)) | (value & Csr4.WRITABLE);
        if ((value & Csr4.UINTCMD) !== 0) c[4] = c[4]! | Csr4.UINT;
        break;
      case 5:
        c[5] = (c[5]! & ~(Csr5.WRITABLE | Csr5.SPND) & ~(value & Csr5.W1C)) | (value & (Csr5.WRITABLE | Csr5.SPND));
        // Suspend takes effect at once (no frame is ever half-moved here); resuming polls.
        if ((value & Csr5.SPND) === 0) this.schedulePoll();
        break;
      case 1:
      case 2:
      case 8:
      case 9:
      case 10:
      case 11:
      case 12:
      case 13:
      case 14:
      case 15:
        if (quiet) c[n] = value;
        if (n >= 12) this.reportFilter();
        break;
      case 24:
        if (stopped) this.rxRingBase = ((this.rxRingBase & 0xffff0000) | value) >>> 0;
        break;
      case 25:
        if (stopped) this.rxRingBase = ((this.rxRingBase & 0xffff) | (value << 16)) >>> 0;
        break;
      case 30:
        if (stopped) this.txRingBase = ((this.txRingBase & 0xffff0000) | value) >>> 0;
        break;
      case 31:
        if (stopped) this.txRingBase = ((this.txRingBase & 0xffff) | (value << 16)) >>> 0;
        break;
      case 58:
        this.writeBcr(20, value);
        break;
      case 72:
        if (stopped) this.rxIndex = value % this.rxRingLength;
        break;
      case 74:
        if (stopped) this.txIndex = value % this.txRingLength;
        break;
      case 76:
        // The two's complement of the ring length; 0 means 65536.
        if (stopped) {
          this.rxRingLength = -value & 0xffff || 0x10000;
          this.rxIndex %= this.rxRingLength;
        }
        break;
      case 78:
        if (stopped) {
          this.txRingLength = -value & 0xffff || 0x10000;
          this.txIndex %= this.txRingLength;
        }
        break;
      case 88:
      case 89:
        break; // chip ID, read-only
      case 112:
      case 114:
        if (stopped) c[n] = value;
        break;
      default:
        c[n] = value;
        break;
    }
    this.updateIrq();
  }

  /** Read BCR `n`. */
  readBcr(n: number): number {
    n &= 0x7f;
    if (n >= 4 && n <= 7) return this.ledValue(this.bcr[n]!);
    return n < 64 ? this.bcr[n]! : 0;
  }

  /** Write BCR `n`. */
  writeBcr(n: number, value: number): void {
    n &= 0x7f;
    value &= 0xffff;
    if (n === 20) {
      // SWSTYLE may change only while stopped or suspended (the rings' layout).
      if ((this.csr[0]! & Csr0.STOP) === 0 && (this.csr[5]! & Csr5.SPND) === 0) return;
      const style = value & 0xff;
      let v: number;
      if (style === 0) v = 0x0200;
      else if (style === 1) v = 0x0101;
      else if (style === 2 || style === 3) v = 0x0300 | style;
      else v = 0x0200; // reserved styles fall back to 16-bit
      this.bcr[20] = v | (value & 0x0400);
      return;
    }
    const mask = BCR_WRITABLE[n];
    if (mask === undefined) return; // read-only or absent
    this.bcr[n] = (this.bcr[n]! & ~mask) | (value & mask);
  }

  private ledValue(v: number): number {
    // LEDOUT (bit 15) is the OR of the enabled conditions: here link (LNKSTE, bit 6)
    // and full-duplex link (FDLSE, bit 1); activity pulses are too short to see.
    const up = this.backend !== null && this.backend.linkUp;
    const cond = up ? 0x0040 | ((this.bcr[9]! & 1) !== 0 ? 0x0002 : 0) : 0;
    return (v & 0x7fff) | ((v & cond) !== 0 ? 0x8000 : 0);
  }

  private csr0(): number {
    let v = this.csr[0]! & 0x7f7f;
    if ((v & (Csr0.BABL | Csr0.CERR | Csr0.MISS | Csr0.MERR)) !== 0) v |= Csr0.ERR;
    if (this.interruptPending()) v |= Csr0.INTR;
    return v;
  }

  private writeCsr0(value: number): void {
    const c = this.csr;
    // Interrupt flags are write-one-to-clear; INEA follows the written value; TDMD is set by a one.
    let v = c[0]! & ~(value & 0x7f00);
    v = (v & ~Csr0.INEA) | (value & (Csr0.INEA | Csr0.TDMD));
    c[0] = v;
    let cmd = value & (Csr0.INIT | Csr0.STRT | Csr0.STOP);
    // STOP with INIT and STRT: stop only (the datasheet's precedence).
    if ((cmd & Csr0.STOP) !== 0) cmd = Csr0.STOP;
    if (cmd === Csr0.STOP) {
      this.stop();
    } else {
      if ((cmd & Csr0.INIT) !== 0) this.init();
      if ((cmd & Csr0.STRT) !== 0) this.start();
    }
    if ((c[0]! & Csr0.TDMD) !== 0) this.pollTransmit();
    this.updateIrq();
  }

  // ---- state changes ---------------------------------------------------

  private stop(): void {
    // STOP clears every other CSR0 bit, the suspend and the transmit state.
    this.csr[0] = Csr0.STOP;
    this.csr[5] = this.csr[5]! & ~Csr5.SPND;
    this.txFill = 0;
    this.txInFrame = false;
    this.pollTimer.disarm();
  }

  /** Read the initialization block at IADR (CSR1/CSR2). */
  private init(): void {
    const c = this.csr;
    const wide = this.ssize32;
    const addr = wide ? (c[1]! | (c[2]! << 16)) >>> 0 : (c[1]! | ((c[2]! & 0xff) << 16) | this.upperAddress()) >>> 0;
    const b = this.initBytes;
    if (this.dma.read(addr, wide ? b : this.initBytes24) !== DmaStatus.Ok) {
      // A master abort fetching the block: MERR, and initialization never completes.
      c[0] = c[0]! | Csr0.MERR;
      return;
    }
    const u16 = (o: number): number => b[o]! | (b[o + 1]! << 8);
    c[15] = u16(0);
    let rlen: number;
    let tlen: number;
    if (wide) {
      // MODE, RLEN (bits 7:4 of byte 2) / TLEN (bits 7:4 of byte 3), PADR, LADRF, RDRA, TDRA.
      rlen = b[2]! >>> 4;
      tlen = b[3]! >>> 4;
      for (let i = 0; i < 3; i++) c[12 + i] = u16(4 + 2 * i);
      for (let i = 0; i < 4; i++) c[8 + i] = u16(12 + 2 * i);
      this.rxRingBase = (u16(20) | (u16(22) << 16)) >>> 0;
      this.txRingBase = (u16(24) | (u16(26) << 16)) >>> 0;
      this.rxRingLength = 1 << Math.min(rlen, 9);
      this.txRingLength = 1 << Math.min(tlen, 9);
    } else {
      // MODE, PADR, LADRF, RDRA[23:0] with RLEN in bits 15:13, TDRA likewise.
      for (let i = 0; i < 3; i++) c[12 + i] = u16(2 + 2 * i);
      for (let i = 0; i < 4; i++) c[8 + i] = u16(8 + 2 * i);
      const upper = this.upperAddress();
      this.rxRingBase = (u16(16) | (b[18]! << 16) | upper) >>> 0;
      this.txRingBase = (u16(20) | (b[22]! << 16) | upper) >>> 0;
      rlen = b[19]! >>> 5;
      tlen = b[23]! >>> 5;
      this.rxRingLength = 1 << rlen;
      this.txRingLength = 1 << tlen;
    }
    this.rxIndex = 0;
    this.txIndex = 0;
    this.txFill = 0;
    this.txInFrame = false;
    c[0] = (c[0]! | Csr0.IDON | Csr0.INIT) & ~Csr0.STOP;
    this.reportFilter();
  }

  /** Report MODE.PROM and PADR (CSR15, CSR12-14) to the backend (when they changed). */
  reportFilter(): void {
    const c = this.csr;
    const m = this.filterReport.scratch;
    for (let i = 0; i < 3; i++) {
      m[2 * i] = c[12 + i]! & 0xff;
      m[2 * i + 1] = c[12 + i]! >>> 8;
    }
    this.filterReport.report((c[15]! & Mode.PROM) !== 0);
  }

  private start(): void {
    const c = this.csr;
    let v = (c[0]! | Csr0.STRT) & ~Csr0.STOP;
    if ((c[15]! & Mode.DTX) === 0) v |= Csr0.TXON;
    if ((c[15]! & Mode.DRX) === 0) v |= Csr0.RXON;
    c[0] = v;
    this.schedulePoll();
  }

  /** Bits 31:24 of every address in the 16-bit software style (CSR2 bits 15:8). */
  private upperAddress(): number {
    return (this.csr[2]! & 0xff00) << 16;
  }

  /** True when the software style uses 32-bit structures (BCR20 SSIZE32). */
  get ssize32(): boolean {
    return (this.bcr[20]! & 0x0100) !== 0;
  }

  private get style(): number {
    return this.bcr[20]! & 0xff;
  }

  private get running(): boolean {
    return (this.csr[0]! & Csr0.STOP) === 0 && (this.csr[5]! & Csr5.SPND) === 0;
  }

  // ---- interrupts ------------------------------------------------------

  private interruptPending(): boolean {
    const c = this.csr;
    if ((c[0]! & ~c[3]! & Csr3.MASKS) !== 0) return true;
    const c4 = c[4]!;
    if ((c4 & Csr4.UINT) !== 0) return true;
    // CSR4's sources are unmasked when their mask bit (one below) is clear.
    if ((c4 & (Csr4.MFCO | Csr4.RCVCCO | Csr4.TXSTRT | Csr4.JAB) & ~(c4 << 1)) !== 0) return true;
    const c5 = c[5]!;
    // CSR5 sources and enables: SINT/SINTE, SLPINT/SLPINTE, EXDINT/EXDINTE (enable one
    // bit below), MPINT/MPINTE (enable one bit above).
    const enabled = ((c5 & 0x0540) << 1) | ((c5 & 0x0010) >>> 1);
    return (c5 & Csr5.W1C & enabled) !== 0;
  }

  /** Drive INTA# from INTR and INEA. */
  updateIrq(): void {
    const level = (this.csr[0]! & Csr0.INEA) !== 0 && this.interruptPending();
    if (level !== this.irqLevel) {
      this.irqLevel = level;
      this.irq.set(level);
    }
  }

  // ---- descriptors -----------------------------------------------------

  private descriptorSize(): number {
    return this.ssize32 ? 16 : 8;
  }

  /** Read the descriptor at `addr` into descBase/descStatus; false on a DMA fault. */
  private readDescriptor(addr: number): boolean {
    const b = this.descBytes;
    const size = this.descriptorSize();
    const st = this.dma.read(addr, size === 16 ? b : this.descBytes8);
    if (st !== DmaStatus.Ok) return false;
    const style = this.style;
    if (size === 8) {
      // 16-bit style: LADR, HADR | status byte, BCNT, MCNT/TMD3.
      this.descBase = (b[0]! | (b[1]! << 8) | (b[2]! << 16) | this.upperAddress()) >>> 0;
      this.descStatus = ((b[3]! << 24) | b[4]! | (b[5]! << 8)) >>> 0;
    } else if (style === 3) {
      // Style 3 swaps the address and the third dword.
      this.descStatus = (b[4]! | (b[5]! << 8) | (b[6]! << 16) | (b[7]! << 24)) >>> 0;
      this.descBase = (b[8]! | (b[9]! << 8) | (b[10]! << 16) | (b[11]! << 24)) >>> 0;
    } else {
      this.descBase = (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
      this.descStatus = (b[4]! | (b[5]! << 8) | (b[6]! << 16) | (b[7]! << 24)) >>> 0;
    }
    return true;
  }

  /**
   * Write back a descriptor's status (bits 31:16 of `status`) and its third
   * dword `misc` (RX: message byte count; TX: error bits), status last, as
   * the chip hands ownership back only after the rest is visible.
   */
  private writeDescriptor(addr: number, status: number, misc: number): void {
    const d = this.dma;
    if (!this.ssize32) {
      // TMD3 holds the top 16 bits of the 32-bit TMD2 (transmit misc values have
      // nothing below bit 16); RMD3 holds the message count (receive values are below 4096).
      d.write16(addr + 6, misc > 0xffff ? misc >>> 16 : misc & 0xfff);
      d.write8(addr + 3, status >>> 24);
      return;
    }
    d.write32(this.style === 3 ? addr : addr + 8, misc >>> 0);
    d.write16(addr + 6, status >>> 16);
  }

  /** The number of bytes a descriptor's BCNT (two's complement, 12 bits) describes. */
  private static bufferLength(status: number): number {
    return 4096 - (status & 0xfff);
  }

  // ---- transmit --------------------------------------------------------

  /** Arm the transmit poll timer while the transmitter runs and polling is enabled. */
  schedulePoll(): void {
    if (this.running && (this.csr[0]! & Csr0.TXON) !== 0 && (this.csr[4]! & Csr4.DPOLL) === 0)
      this.pollTimer.arm(this.clock.now() + PCNET_POLL_NS);
    else this.pollTimer.disarm();
  }

  /** The poll timer fired: look at the transmit ring, then poll again later. */
  pollTimerFired(): void {
    // Re-arm first: a pass cut short by its budget arms the timer itself.
    this.schedulePoll();
    this.pollTransmit();
    this.updateIrq();
  }

  /** Transmit every frame the guest has handed over (TDMD or a timer poll). */
  pollTransmit(): void {
    const c = this.csr;
    c[0] = c[0]! & ~Csr0.TDMD;
    if (!this.running || (c[0]! & Csr0.TXON) === 0) return;
    const size = this.descriptorSize();
    // At most one pass over the ring per poll and a bounded amount of data.
    let budget = POLL_BUDGET;
    for (let n = 0; n < this.txRingLength; n++) {
      if (budget <= 0) {
        this.pollTimer.arm(this.clock.now() + PCNET_POLL_NS);
        return;
      }
      budget -= 16;
      const addr = (this.txRingBase + this.txIndex * size) >>> 0;
      if (!this.readDescriptor(addr)) {
        c[0] = c[0]! | Csr0.MERR;
        return;
      }
      const status = this.descStatus;
      if ((status & Desc.OWN) === 0) return;
      if ((status & Desc.STP) !== 0) {
        this.txFill = 0;
        this.txInFrame = true;
        if ((c[4]! & Csr4.TXSTRT) === 0) c[4] = c[4]! | Csr4.TXSTRT;
      }
      if (!this.txInFrame) {
        // A middle buffer with no frame begun: hand it back untouched.
        this.writeDescriptor(addr, status & ~Desc.OWN, 0);
        this.advanceTx();
        continue;
      }
      const len = PcnetCore.bufferLength(status);
      budget -= len;
      if (this.txFill + len > TX_BUFFER) {
        this.transmitError(addr, status);
        return;
      }
      if (this.dma.read(this.descBase, this.txBuffer.subarray(this.txFill, this.txFill + len)) !== DmaStatus.Ok) {
        c[0] = c[0]! | Csr0.MERR;
        this.txInFrame = false;
        this.writeDescriptor(addr, (status | Desc.ERR) & ~Desc.OWN, Tmd2.BUFF);
        this.advanceTx();
        continue;
      }
      this.txFill += len;
      if ((status & Desc.ENP) !== 0) {
        // Without LTINTEN, bits 28..26 report MORE/ONE/DEF retries: none on a virtual wire.
        const ltinten = (c[5]! & 0x4000) !== 0;
        let done = status & ~(Desc.OWN | Desc.ERR | (ltinten ? 0 : TX_RETRY_BITS));
        // With the cable out (10BASE-T link fail) the frame is lost with LCAR.
        const carrier = (c[15]! & Mode.LOOP) !== 0 || (this.backend !== null && this.backend.linkUp);
        if (!carrier) done |= Desc.ERR;
        this.writeDescriptor(addr, done, carrier ? 0 : Tmd2.LCAR);
        this.advanceTx();
        this.txInFrame = false;
        this.sendAssembled();
        // LTINTEN: only descriptors with LTINT (bit 28) raise TINT.
        if (!ltinten || (status & TX_LTINT) !== 0) c[0] = c[0]! | Csr0.TINT;
      } else {
        this.writeDescriptor(addr, status & ~Desc.OWN, 0);
        this.advanceTx();
      }
    }
  }

  private advanceTx(): void {
    this.txIndex = this.txIndex + 1 === this.txRingLength ? 0 : this.txIndex + 1;
  }

  /** The frame did not fit: BUFF and UFLO, and the transmitter stops unless DXSUFLO. */
  private transmitError(addr: number, status: number): void {
    const c = this.csr;
    this.writeDescriptor(addr, (status | Desc.ERR) & ~Desc.OWN, Tmd2.BUFF | Tmd2.UFLO);
    this.advanceTx();
    this.txInFrame = false;
    this.txFill = 0;
    c[0] = c[0]! | Csr0.TINT;
    if ((c[3]! & Csr3.DXSUFLO) === 0) c[0] = c[0]! & ~Csr0.TXON;
  }

  private sendAssembled(): void {
    const c = this.csr;
    let len = this.txFill;
    if (len > Ether.MAX) c[0] = c[0]! | Csr0.BABL;
    if (len < Ether.MIN && (c[4]! & Csr4.APAD_XMT) !== 0) {
      this.txBuffer.fill(0, len, Ether.MIN);
      len = Ether.MIN;
    }
    this.txFill = 0;
    if (len < 14) return; // no Ethernet header: nothing reaches the wire
    if ((c[15]! & Mode.LOOP) !== 0) {
      // Loopback (internal or through the transceiver): the frame comes back to our receiver.
      this.receive(this.txBuffer, len);
      return;
    }
    if (this.backend !== null && this.backend.linkUp) this.backend.sendFrame(this.txBuffer.subarray(0, len));
  }

  // ---- receive ---------------------------------------------------------

  /**
   * A frame arrived from the network. Returns false when it was not taken:
   * receiver off, filtered out, or no descriptor owned (MISS).
   */
  receive(frame: Uint8Array, length: number): boolean {
    const c = this.csr;
    if (!this.running || (c[0]! & Csr0.RXON) === 0 || length < 14 || length > Ether.MAX) return false;
    const match = pcnetAddressMatch(this.csr, frame);
    if (match < 0) return false;
    const buf = this.rxBuffer;
    if (length === frame.length) buf.set(frame);
    else for (let i = 0; i < length; i++) buf[i] = frame[i]!;
    // Short frames are padded to the minimum; the FCS follows, as the MAC receives it.
    let total = length;
    if (total < Ether.MIN) {
      buf.fill(0, total, Ether.MIN);
      total = Ether.MIN;
    }
    const fcs = ethernetFcs(buf, 0, total);
    buf[total] = fcs & 0xff;
    buf[total + 1] = (fcs >>> 8) & 0xff;
    buf[total + 2] = (fcs >>> 16) & 0xff;
    buf[total + 3] = fcs >>> 24;
    total += Ether.FCS;
    const ok = this.store(total, match);
    this.updateIrq();
    return ok;
  }

  /** No receive descriptor owned: MISS, and the missed frame counter (CSR112) counts. */
  private storeFailed(): boolean {
    const c = this.csr;
    c[0] = c[0]! | Csr0.MISS;
    const missed = (c[112]! + 1) & 0xffff;
    c[112] = missed;
    if (missed === 0) c[4] = c[4]! | Csr4.MFCO;
    return false;
  }

  /** Move `total` bytes of rxBuffer into the receive ring. */
  private store(total: number, match: number): boolean {
    const c = this.csr;
    const size = this.descriptorSize();
    let idx = this.rxIndex;
    let addr = (this.rxRingBase + idx * size) >>> 0;
    if (!this.readDescriptor(addr)) {
      c[0] = c[0]! | Csr0.MERR;
      return false;
    }
    if ((this.descStatus & Desc.OWN) === 0) return this.storeFailed();
    let pos = 0;
    let used = 0;
    let first = true;
    for (;;) {
      const status = this.descStatus;
      const room = PcnetCore.bufferLength(status);
      const n = Math.min(room, total - pos);
      let flags = first ? Desc.STP : 0;
      if (this.dma.write(this.descBase, this.rxBuffer.subarray(pos, pos + n)) !== DmaStatus.Ok) {
        c[0] = c[0]! | Csr0.MERR;
        flags |= Desc.ERR | Desc.BUFF;
      }
      pos += n;
      used++;
      const base = status & 0xffff; // keep BCNT and the ones
      if (pos === total) {
        this.writeDescriptor(addr, base | flags | Desc.ENP | match, total);
        break;
      }
      // Chain into the next descriptor if the chip owns it; otherwise BUFF and the rest is lost.
      const nextIdx = idx + 1 === this.rxRingLength ? 0 : idx + 1;
      const nextAddr = (this.rxRingBase + nextIdx * size) >>> 0;
      const nextOk = used < this.rxRingLength && this.readDescriptorKeep(nextAddr);
      if (!nextOk) {
        this.writeDescriptor(addr, base | flags | Desc.ERR | Desc.BUFF | Desc.OFLO, 0);
        break;
      }
      this.writeDescriptor(addr, base | flags, 0);
      idx = nextIdx;
      addr = nextAddr;
      first = false;
    }
    this.rxIndex = idx + 1 === this.rxRingLength ? 0 : idx + 1;
    c[0] = c[0]! | Csr0.RINT;
    return true;
  }

  /** Read the next descriptor for chaining; true only when readable and owned. */
  private readDescriptorKeep(addr: number): boolean {
    const saveBase = this.descBase;
    const saveStatus = this.descStatus;
    if (this.readDescriptor(addr) && (this.descStatus & Desc.OWN) !== 0) return true;
    this.descBase = saveBase;
    this.descStatus = saveStatus;
    return false;
  }
}
