/**
 * The 82540EM's MAC: the register file, interrupts and their moderation
 * timers, the transmit and receive descriptor rings, address filtering and
 * statistics, independent of the PCI binding (see {@link I82540em}).
 *
 * @module
 */
import { DmaStatus } from '@vm/bus';
import type { Clock, DmaSpace, IrqLine, NetBackend, Timer } from '@vm/bus';
import { ethernetFcs } from '../shared/crc32.js';
import { FilterReporter } from '../shared/filter-report.js';
import { InertTimer, StoppedClock, UnconnectedIrq, UnpluggedDma } from '../shared/wires.js';
import { buildEepromImage, MicrowireEeprom } from './e1000-eeprom.js';
import { E1000Phy } from './e1000-phy.js';
import {
  Ctrl,
  DELAY_UNIT_NS,
  Eerd,
  Icr,
  ITR_UNIT_NS,
  MAX_LONG_FRAME,
  MAX_STANDARD_FRAME,
  Mdic,
  Rctl,
  Reg,
  RxStatus,
  Rxcsum,
  Stat,
  Status,
  Tctl,
  TxCmd,
  TxDtyp,
} from './e1000-regs.js';
import { KIND, K_NONE, K_RW, K_SPECIAL, K_STAT, REG_DWORDS } from './e1000-register-map.js';
import { acceptFrame, isBroadcast } from './e1000-filter.js';
import { E1000RxChecksum } from './e1000-rx-checksum.js';
import { E1000TxAssembler } from './e1000-tx.js';
import type { E1000FrameSink } from './e1000-tx.js';

/**
 * Descriptor bytes one TDT write may process before the rest is left to a
 * continuation timer (about the wire time of that much data at 1 Gb/s).
 */
const TX_CALL_BUDGET = 1 << 20;
const TX_CONTINUE_NS = 8_000_000;

/** Receive buffer sizes by RCTL.BSIZE, without and with BSEX. */
const BUFFER_SIZES = [2048, 1024, 512, 256] as const;
const BUFFER_SIZES_EXT = [0, 16384, 8192, 4096] as const;

/** The 82540EM MAC core. */
export class E1000Core implements E1000FrameSink {
  /** The register file, one entry per dword of the BAR (storage for plain registers). */
  readonly regs = new Uint32Array(REG_DWORDS);
  /** The serial EEPROM. */
  readonly eeprom: MicrowireEeprom;
  /** The PHY. */
  readonly phy = new E1000Phy();
  /** The transmit assembler (context and partial frame). */
  readonly tx = new E1000TxAssembler();
  /** Interrupt cause register. */
  icr = 0;
  /** Interrupt mask. */
  ims = 0;
  /** Level driven on INTA#. */
  irqLevel = false;
  /** Virtual time of the last interrupt assertion (for ITR). */
  lastInterruptNs = -Infinity;
  /** DMA into guest memory (set when plugged). */
  dma: DmaSpace = new UnpluggedDma();
  /** INTA# (set when plugged). */
  irq: IrqLine = new UnconnectedIrq();
  /** Virtual time (set at realize). */
  clock: Clock = new StoppedClock();
  /** Interrupt throttling timer. */
  itrTimer: Timer = new InertTimer();
  /** Receive delay timer (RDTR, restarted by every packet). */
  rdtrTimer: Timer = new InertTimer();
  /** Receive absolute delay timer (RADV, started by the first packet). */
  radvTimer: Timer = new InertTimer();
  /** Transmit delay timer (TIDV). */
  tidvTimer: Timer = new InertTimer();
  /** Transmit absolute delay timer (TADV). */
  tadvTimer: Timer = new InertTimer();
  /** Continues a transmit ring pass that exceeded its budget. */
  txContinueTimer: Timer = new InertTimer();
  /** The network side. */
  backend: NetBackend | null;
  /** Tells the backend about promiscuous mode and the station address the guest programmed. */
  readonly filterReport: FilterReporter;
  /** The station address from the EEPROM. */
  readonly mac: Uint8Array;
  private readonly rxBuffer = new Uint8Array(MAX_LONG_FRAME + 4);
  private readonly desc = new Uint8Array(16);
  private readonly descMeta = new Uint8Array(8);
  private readonly descView: DataView;
  private transmitting = false;
  private readonly rxCsum = new E1000RxChecksum();

  /**
   * @param mac station address (6 bytes)
   * @param backend the network side
   * @param ids PCI IDs written into the EEPROM
   */
  constructor(mac: Uint8Array, backend: NetBackend | null, ids: { deviceId: number; subsystemId: number; subsystemVendorId: number }) {
    this.mac = mac.slice(0, 6);
    this.backend = backend;
    this.filterReport = new FilterReporter(backend);
    this.eeprom = new MicrowireEeprom(buildEepromImage(this.mac, ids.subsystemId, ids.subsystemVendorId, ids.deviceId));
    this.descView = new DataView(this.desc.buffer);
    this.reset();
  }

  /** Power-on / CTRL.RST reset: registers to defaults, MAC reloaded from the EEPROM. */
  reset(): void {
    const r = this.regs;
    r.fill(0);
    r[Reg.CTRL >>> 2] = Ctrl.FD | Ctrl.SLU | (2 << 8); // full duplex, link up, 1000 Mb/s
    r[Reg.LEDCTL >>> 2] = 0x07068302;
    r[Reg.PBA >>> 2] = 0x00100030; // 48 KiB receive, 16 KiB transmit
    r[Reg.RXCSUM >>> 2] = Rxcsum.IPOFLD | Rxcsum.TUOFLD;
    r[Reg.VET >>> 2] = 0x8100;
    r[Reg.TXDCTL >>> 2] = 0x00010000;
    r[Reg.RXDCTL >>> 2] = 0x00010000;
    const w = this.eeprom.words;
    r[Reg.RA >>> 2] = (w[0]! | (w[1]! << 16)) >>> 0;
    r[(Reg.RA >>> 2) + 1] = (w[2]! | 0x80000000) >>> 0; // AV
    this.icr = 0;
    this.ims = 0;
    this.lastInterruptNs = -Infinity;
    this.eeprom.reset();
    this.phy.reset();
    this.tx.reset();
    this.transmitting = false;
    this.itrTimer.disarm();
    this.rdtrTimer.disarm();
    this.radvTimer.disarm();
    this.tidvTimer.disarm();
    this.tadvTimer.disarm();
    this.txContinueTimer.disarm();
    this.phy.updateLink(this.cable());
    this.updateIrq();
    this.reportFilter();
  }

  /** Report RCTL.UPE and receive address 0 (RAL0/RAH0) to the backend (when they changed). */
  reportFilter(): void {
    const r = this.regs;
    const low = r[Reg.RA >>> 2]!;
    const high = r[(Reg.RA >>> 2) + 1]!;
    const m = this.filterReport.scratch;
    m[0] = low & 0xff;
    m[1] = (low >>> 8) & 0xff;
    m[2] = (low >>> 16) & 0xff;
    m[3] = low >>> 24;
    m[4] = high & 0xff;
    m[5] = (high >>> 8) & 0xff;
    this.filterReport.report((r[Reg.RCTL >>> 2]! & Rctl.UPE) !== 0);
  }

  private cable(): boolean {
    return this.backend !== null && this.backend.linkUp;
  }

  /** The cable was plugged or unplugged: recompute the link and signal LSC. */
  linkChanged(): void {
    if (this.phy.updateLink(this.cable())) this.raise(Icr.LSC);
  }

  // ---- register access -------------------------------------------------

  /** Read the dword register at byte `offset` of the BAR. */
  read(offset: number): number {
    const i = (offset >>> 2) & (REG_DWORDS - 1);
    const kind = KIND[i]!;
    if (kind === K_RW) return this.regs[i]!;
    if (kind === K_NONE) return 0;
    if (kind === K_STAT) {
      const v = this.regs[i]!;
      this.regs[i] = 0;
      return v;
    }
    return this.readSpecial(i << 2);
  }

  /** Write the dword register at byte `offset` of the BAR. */
  write(offset: number, value: number): void {
    const i = (offset >>> 2) & (REG_DWORDS - 1);
    const kind = KIND[i]!;
    value >>>= 0;
    if (kind === K_RW) {
      // Receive address high words keep only AV, AS and the address bits.
      this.regs[i] = i >= Reg.RA >>> 2 && i < (Reg.RA >>> 2) + 32 && (i & 1) === 1 ? value & 0x8003ffff : value;
      if (i === Reg.RA >>> 2 || i === (Reg.RA >>> 2) + 1) this.reportFilter();
    } else if (kind === K_SPECIAL) {
      this.writeSpecial(i << 2, value);
    }
  }

  private readSpecial(off: number): number {
    const r = this.regs;
    switch (off) {
      case Reg.CTRL:
      case Reg.CTRL_ALIAS:
        return r[Reg.CTRL >>> 2]!;
      case Reg.STATUS:
        return this.status();
      case Reg.EECD:
        return this.eeprom.read();
      case Reg.ICR: {
        // Reading ICR clears every cause and deasserts the interrupt.
        const v = this.icr;
        this.icr = 0;
        this.updateIrq();
        return v;
      }
      case Reg.ICS:
        return 0;
      case Reg.IMS:
        return this.ims;
      case Reg.IMC:
        return 0;
      default:
        return r[off >>> 2]!;
    }
  }

  private writeSpecial(off: number, v: number): void {
    const r = this.regs;
    switch (off) {
      case Reg.CTRL:
      case Reg.CTRL_ALIAS:
        if ((v & Ctrl.RST) !== 0) {
          this.reset();
          return;
        }
        r[Reg.CTRL >>> 2] = v & ~Ctrl.RST;
        return;
      case Reg.STATUS:
        return;
      case Reg.EECD:
        this.eeprom.write(v);
        return;
      case Reg.EERD:
        r[off >>> 2] = (v & Eerd.START) !== 0 ? this.eeprom.readWord(v) : v & ~Eerd.DONE;
        return;
      case Reg.MDIC:
        this.mdic(v);
        return;
      case Reg.ICR:
        this.icr &= ~v;
        this.updateIrq();
        return;
      case Reg.ICS:
        this.raise(v & Icr.ALL);
        return;
      case Reg.IMS:
        this.ims = (this.ims | v) & Icr.ALL;
        this.updateIrq();
        return;
      case Reg.IMC:
        this.ims &= ~v;
        this.updateIrq();
        return;
      case Reg.ITR:
        r[off >>> 2] = v & 0xffff;
        return;
      case Reg.RCTL:
        r[off >>> 2] = v;
        this.reportFilter();
        return;
      case Reg.TCTL:
        r[off >>> 2] = v;
        this.transmit();
        return;
      case Reg.RDBAL:
      case Reg.TDBAL:
        r[off >>> 2] = v & ~0xf;
        return;
      case Reg.RDLEN:
      case Reg.TDLEN:
        r[off >>> 2] = v & 0xfff80;
        return;
      case Reg.RDH:
      case Reg.RDT:
        r[off >>> 2] = v & 0xffff;
        return;
      case Reg.TDH:
        r[off >>> 2] = v & 0xffff;
        return;
      case Reg.TDT:
        r[off >>> 2] = v & 0xffff;
        this.transmit();
        return;
      case Reg.RDTR:
        r[off >>> 2] = v & 0xffff;
        // FPD: flush the pending receive interrupt now.
        if ((v & 0x80000000) !== 0) this.rxDelayExpired();
        return;
      case Reg.TIDV:
        r[off >>> 2] = v & 0xffff;
        if ((v & 0x80000000) !== 0) this.txDelayExpired();
        return;
      case Reg.RADV:
      case Reg.TADV:
        r[off >>> 2] = v & 0xffff;
        return;
      default:
        return;
    }
  }

  private status(): number {
    let v = Status.FD | Status.SPEED_1000 | Status.ASDV_1000;
    if (this.phy.linkUp) v |= Status.LU;
    return v;
  }

  /** MDI access: completes at once; PHY address 1 only (others report an error). */
  private mdic(v: number): void {
    const phyAddr = (v >>> 21) & 31;
    const reg = (v >>> 16) & 31;
    const op = v & (3 << 26);
    let result = v & 0x3ffffff & ~0xffff;
    if (phyAddr !== 1 || (op !== Mdic.OP_READ && op !== Mdic.OP_WRITE)) {
      result |= Mdic.ERROR;
    } else if (op === Mdic.OP_READ) {
      result |= this.phy.read(reg);
    } else {
      result |= v & 0xffff;
      if (this.phy.write(reg, v & 0xffff) && this.phy.updateLink(this.cable())) this.raise(Icr.LSC);
    }
    this.regs[Reg.MDIC >>> 2] = (result | op | Mdic.READY | (v & Mdic.INT)) >>> 0;
    if ((v & Mdic.INT) !== 0) this.raise(Icr.MDAC);
  }

  // ---- interrupts ------------------------------------------------------

  /** Set interrupt causes and update INTA#. */
  raise(causes: number): void {
    this.icr = (this.icr | causes) & Icr.ALL;
    this.updateIrq();
  }

  /**
   * Drive INTA# from ICR & IMS, holding a new assertion back until ITR
   * intervals (256 ns units) have passed since the previous one.
   */
  updateIrq(): void {
    const pending = (this.icr & this.ims) !== 0;
    if (!pending) {
      if (this.irqLevel) {
        this.irqLevel = false;
        this.irq.lower();
      }
      return;
    }
    if (this.irqLevel) return;
    const itr = this.regs[Reg.ITR >>> 2]! & 0xffff;
    const now = this.clock.now();
    if (itr !== 0) {
      const allowed = this.lastInterruptNs + itr * ITR_UNIT_NS;
      if (now < allowed) {
        if (this.itrTimer.deadline < 0) this.itrTimer.arm(allowed);
        return;
      }
    }
    this.lastInterruptNs = now;
    this.irqLevel = true;
    this.irq.raise();
  }

  /** RDTR or RADV expired (or FPD): report the received packets. */
  rxDelayExpired(): void {
    this.rdtrTimer.disarm();
    this.radvTimer.disarm();
    this.raise(Icr.RXT0);
  }

  /** TIDV or TADV expired (or FPD): report the written-back descriptors. */
  txDelayExpired(): void {
    this.tidvTimer.disarm();
    this.tadvTimer.disarm();
    this.raise(Icr.TXDW);
  }

  // ---- transmit --------------------------------------------------------

  /** Process the transmit ring from TDH up to TDT (TDT or TCTL written). */
  transmit(): void {
    const r = this.regs;
    if ((r[Reg.TCTL >>> 2]! & Tctl.EN) === 0 || this.transmitting) return;
    const count = r[Reg.TDLEN >>> 2]! >>> 4;
    if (count === 0) return;
    const base = r[Reg.TDBAL >>> 2]!;
    const high = r[Reg.TDBAH >>> 2]!;
    let head = r[Reg.TDH >>> 2]!;
    const tail = r[Reg.TDT >>> 2]!;
    // A head or tail past the ring: the hardware stalls until the driver resets it.
    if (head >= count || tail >= count) return;
    this.transmitting = true;
    let wroteBack = false;
    let delayed = false;
    const d = this.desc;
    const view = this.descView;
    let budget = TX_CALL_BUDGET;
    for (let n = 0; head !== tail && n < count; n++) {
      if (budget <= 0) {
        this.txContinueTimer.arm(this.clock.now() + TX_CONTINUE_NS);
        break;
      }
      const addr = (base + head * 16) >>> 0;
      if (high !== 0 || this.dma.read(addr, d) !== DmaStatus.Ok) break; // master abort: stall
      const d2 = view.getUint32(8, true);
      const d3 = view.getUint32(12, true);
      const dext = (d2 & TxCmd.DEXT) !== 0;
      const dtyp = (d2 >>> 20) & 0xf;
      if (dext && dtyp === TxDtyp.CONTEXT) {
        this.tx.context(view.getUint32(0, true), view.getUint32(4, true), d2, d3);
      } else {
        const bufHigh = view.getUint32(4, true);
        const bufAddr = view.getUint32(0, true);
        const eop = (d2 & TxCmd.EOP) !== 0;
        const vle = (d2 & TxCmd.VLE) !== 0 && (r[Reg.CTRL >>> 2]! & (1 << 30)) !== 0;
        const vlan = vle ? d3 >>> 16 : -1;
        let length: number;
        if (dext) {
          length = d2 & 0xfffff;
          budget -= 64;
          this.tx.startData((d3 >>> 8) & 0xff, (d2 & TxCmd.TSE) !== 0, vlan);
        } else {
          length = d2 & 0xffff;
          budget -= 64;
          this.tx.startLegacy((d2 & TxCmd.IC) !== 0, (d3 >>> 8) & 0xff, (d2 >>> 16) & 0xff, vlan);
        }
        budget -= length;
        if (bufHigh !== 0) this.tx.data(this.dma, 0xffffffff, length, eop, this);
        else this.tx.data(this.dma, bufAddr, length, eop, this);
      }
      if ((d2 & (TxCmd.RS | TxCmd.RPS)) !== 0) {
        // Descriptor done: DD in the status field.
        this.dma.write8(addr + 12, (d[12]! & 0xf0) | 1);
        wroteBack = true;
        if ((d2 & TxCmd.IDE) !== 0 && (r[Reg.TIDV >>> 2]! & 0xffff) !== 0) delayed = true;
        else delayed = false;
      }
      head = head + 1 === count ? 0 : head + 1;
    }
    r[Reg.TDH >>> 2] = head;
    this.transmitting = false;
    let causes = 0;
    if (head === tail) causes |= Icr.TXQE;
    if (wroteBack) {
      if (delayed) this.armTxDelay();
      else causes |= Icr.TXDW;
    }
    if (causes !== 0) this.raise(causes);
  }

  private armTxDelay(): void {
    const r = this.regs;
    const now = this.clock.now();
    this.tidvTimer.arm(now + (r[Reg.TIDV >>> 2]! & 0xffff) * DELAY_UNIT_NS);
    const tadv = r[Reg.TADV >>> 2]! & 0xffff;
    if (tadv !== 0 && this.tadvTimer.deadline < 0) this.tadvTimer.arm(now + tadv * DELAY_UNIT_NS);
  }

  /** @inheritDoc */
  transmitFrame(frame: Uint8Array, length: number, tso: boolean): void {
    if (length < 14) return;
    const r = this.regs;
    // TCTL.PSP: short frames are padded to the 60-byte minimum (the assembler's buffer has room).
    if (length < 60 && (r[Reg.TCTL >>> 2]! & Tctl.PSP) !== 0 && frame.length >= 60) {
      frame.fill(0, length, 60);
      length = 60;
    }
    this.count(Stat.GPTC, 1);
    this.count(Stat.TPT, 1);
    this.count64(Stat.GOTCL, length + 4);
    this.count64(Stat.TOTL, length + 4);
    this.countSize(Stat.PTC64, length + 4);
    if (tso) this.count(Stat.TSCTC, 1);
    if ((frame[0]! & 1) !== 0) this.count(isBroadcast(frame) ? Stat.BPTC : Stat.MPTC, 1);
    // MAC loopback (RCTL.LBM = 01): the frame returns to the receiver, not the wire.
    if ((r[Reg.RCTL >>> 2]! & Rctl.LBM_MASK) === 1 << 6) {
      this.receive(frame, length);
      return;
    }
    if (this.phy.linkUp && this.backend !== null) this.backend.sendFrame(frame.subarray(0, length));
  }

  // ---- receive ---------------------------------------------------------

  /**
   * A frame arrived. Returns false when it was not taken: receiver off,
   * filtered out, too long, or no free descriptors (RXO, MPC).
   */
  receive(frame: Uint8Array, length: number): boolean {
    const r = this.regs;
    const rctl = r[Reg.RCTL >>> 2]!;
    if ((rctl & Rctl.EN) === 0 || !this.phy.linkUp || length < 14) return false;
    const ctrl = r[Reg.CTRL >>> 2]!;
    const vet = r[Reg.VET >>> 2]! & 0xffff;
    const tagged = ((frame[12]! << 8) | frame[13]!) === vet && length >= 18;
    if (!acceptFrame(this.regs, frame, rctl, tagged)) return false;
    const crcLen = (rctl & Rctl.SECRC) !== 0 ? 0 : 4;
    const limit = (rctl & Rctl.LPE) !== 0 ? MAX_LONG_FRAME : MAX_STANDARD_FRAME;
    if (length + 4 > limit) {
      this.count(Stat.ROC, 1);
      return false;
    }
    const buf = this.rxBuffer;
    let len = length;
    let special = 0;
    let status = 0;
    // With CTRL.VME the tag is stripped into the descriptor (VP and the special field).
    if (tagged && (ctrl & (1 << 30)) !== 0) {
      special = (frame[14]! << 8) | frame[15]!;
      status |= RxStatus.VP;
      for (let i = 0; i < 12; i++) buf[i] = frame[i]!;
      for (let i = 16; i < length; i++) buf[i - 4] = frame[i]!;
      len -= 4;
    } else if (length === frame.length) {
      buf.set(frame);
    } else {
      for (let i = 0; i < length; i++) buf[i] = frame[i]!;
    }
    if (len < 60) {
      buf.fill(0, len, 60);
      len = 60;
    }
    const csum = this.rxCsum.verify(this.regs[Reg.RXCSUM >>> 2]!, buf, len);
    status |= this.rxCsum.status;
    const errors = this.rxCsum.errors;
    if (crcLen !== 0) {
      const fcs = ethernetFcs(buf, 0, len);
      buf[len] = fcs & 0xff;
      buf[len + 1] = (fcs >>> 8) & 0xff;
      buf[len + 2] = (fcs >>> 16) & 0xff;
      buf[len + 3] = fcs >>> 24;
    }
    const total = len + crcLen;
    return this.store(total, status, errors, csum, special, frame);
  }

  /** Move `total` bytes of rxBuffer into the receive ring. */
  private store(total: number, status: number, errors: number, csum: number, special: number, frame: Uint8Array): boolean {
    const r = this.regs;
    const rctl = r[Reg.RCTL >>> 2]!;
    const count = r[Reg.RDLEN >>> 2]! >>> 4;
    const head = r[Reg.RDH >>> 2]!;
    const tail = r[Reg.RDT >>> 2]!;
    const bsize = (rctl & Rctl.BSEX) !== 0 ? BUFFER_SIZES_EXT[(rctl >>> 16) & 3]! : BUFFER_SIZES[(rctl >>> 16) & 3]!;
    const free = count === 0 || head >= count || tail >= count ? 0 : (tail - head + count) % count;
    const needed = bsize === 0 ? Infinity : Math.ceil(total / bsize);
    if (free < needed) {
      // No room: the frame is missed (RXO, MPC; RNBC as the ring has no buffers).
      this.count(Stat.MPC, 1);
      this.count(Stat.RNBC, 1);
      this.raise(Icr.RXO);
      return false;
    }
    const base = r[Reg.RDBAL >>> 2]!;
    const high = r[Reg.RDBAH >>> 2]!;
    const meta = this.descMeta;
    let idx = head;
    let pos = 0;
    while (pos < total) {
      const addr = (base + idx * 16) >>> 0;
      const n = Math.min(bsize, total - pos);
      const last = pos + n === total;
      let err = last ? errors : 0;
      const bufLo = high !== 0 ? 0xffffffff : this.dma.read32(addr);
      const bufHi = high !== 0 ? 0 : this.dma.read32(addr + 4);
      if (bufHi !== 0 || this.dma.write(bufLo, this.rxBuffer.subarray(pos, pos + n)) !== DmaStatus.Ok) err |= 0x80; // RXE
      meta[0] = n & 0xff;
      meta[1] = n >>> 8;
      meta[2] = last ? csum & 0xff : 0;
      meta[3] = last ? csum >>> 8 : 0;
      meta[4] = RxStatus.DD | (last ? RxStatus.EOP | status : status & RxStatus.VP);
      meta[5] = err;
      meta[6] = special & 0xff;
      meta[7] = special >>> 8;
      if (high === 0) this.dma.write((addr + 8) >>> 0, meta);
      pos += n;
      idx = idx + 1 === count ? 0 : idx + 1;
    }
    r[Reg.RDH >>> 2] = idx;
    this.countReceived(frame, total);
    let causes = 0;
    const rdtr = r[Reg.RDTR >>> 2]! & 0xffff;
    if (rdtr === 0) {
      causes |= Icr.RXT0;
    } else {
      const now = this.clock.now();
      this.rdtrTimer.arm(now + rdtr * DELAY_UNIT_NS);
      const radv = r[Reg.RADV >>> 2]! & 0xffff;
      if (radv !== 0 && this.radvTimer.deadline < 0) this.radvTimer.arm(now + radv * DELAY_UNIT_NS);
    }
    // RXDMT0: free descriptors fell to the threshold (1/2, 1/4 or 1/8 of the ring).
    const left = (tail - idx + count) % count;
    if (left <= count >>> (((rctl >>> Rctl.RDMTS_SHIFT) & 3) + 1)) causes |= Icr.RXDMT0;
    // SRPD: a small packet (RSRPD.SIZE) interrupts at once.
    const srpd = r[Reg.RSRPD >>> 2]! & 0xfff;
    if (srpd !== 0 && total <= srpd) causes |= Icr.SRPD;
    if (causes !== 0) this.raise(causes);
    return true;
  }

  // ---- statistics ------------------------------------------------------

  /** Add to a 32-bit statistics counter; counters stick at their maximum. */
  private count(off: number, n: number): void {
    const i = off >>> 2;
    this.regs[i] = Math.min(this.regs[i]! + n, 0xffffffff);
  }

  /** Add to a 64-bit counter held in a low/high register pair. */
  private count64(offLo: number, n: number): void {
    const i = offLo >>> 2;
    const lo = this.regs[i]! + n;
    this.regs[i] = lo >>> 0;
    if (lo > 0xffffffff) this.regs[i + 1] = this.regs[i + 1]! + 1;
  }

  /** The size-bucket counters (64, 65-127, ..., 1024-1522 bytes, with FCS). */
  private countSize(first: number, size: number): void {
    const bucket = size <= 64 ? 0 : size <= 127 ? 1 : size <= 255 ? 2 : size <= 511 ? 3 : size <= 1023 ? 4 : size <= 1522 ? 5 : -1;
    if (bucket >= 0) this.count(first + bucket * 4, 1);
  }

  private countReceived(frame: Uint8Array, total: number): void {
    const size = total + ((this.regs[Reg.RCTL >>> 2]! & Rctl.SECRC) !== 0 ? 4 : 0);
    this.count(Stat.GPRC, 1);
    this.count(Stat.TPR, 1);
    this.count64(Stat.GORCL, size);
    this.count64(Stat.TORL, size);
    this.countSize(Stat.PRC64, size);
    if ((frame[0]! & 1) !== 0) this.count(isBroadcast(frame) ? Stat.BPRC : Stat.MPRC, 1);
  }
}
