/**
 * The 82540EM's integrated copper PHY (register-compatible with the Marvell
 * 88E1011 that Linux's e1000 expects, ID 0x01410C2x), reached through MDIC.
 * Auto-negotiation completes at once against a 1000BASE-T full-duplex
 * partner whenever the cable (the backend) is up.
 *
 * @module
 */

/** MII register numbers used here. */
export const PhyReg = {
  BMCR: 0,
  BMSR: 1,
  ID1: 2,
  ID2: 3,
  ANAR: 4,
  ANLPAR: 5,
  ANER: 6,
  CTRL_1000T: 9,
  STATUS_1000T: 10,
  EXT_STATUS: 15,
  /** M88 PHY specific control. */
  PSCR: 0x10,
  /** M88 PHY specific status. */
  PSSR: 0x11,
  /** M88 extended PHY specific control. */
  EPSCR: 0x14,
  /** M88 receive error counter. */
  RX_ERR: 0x15,
} as const;

const BMCR_RESET = 0x8000;
const BMCR_ANENABLE = 0x1000;
const BMCR_PDOWN = 0x0800;
const BMCR_ANRESTART = 0x0200;
/** BMSR: 100/10 full/half capable, extended status, preamble suppression, AN able, extended caps. */
const BMSR_BASE = 0x7949;
const BMSR_LINK = 0x0004;
const BMSR_ANEGCOMPLETE = 0x0020;

/** The PHY's registers and link state. */
export class E1000Phy {
  /** Registers 0..31. */
  readonly regs = new Uint16Array(32);
  /** Whether the last link computation found the link up. */
  linkUp = false;

  constructor() {
    this.reset();
  }

  /** Power-on values (8254x SDM 13.5 and the 88E1011 defaults). */
  reset(): void {
    const r = this.regs;
    r.fill(0);
    r[PhyReg.BMCR] = 0x1140; // AN enable, full duplex, 1000 Mb/s
    r[PhyReg.BMSR] = BMSR_BASE;
    r[PhyReg.ID1] = 0x0141;
    r[PhyReg.ID2] = 0x0c20;
    r[PhyReg.ANAR] = 0x01e1;
    r[PhyReg.CTRL_1000T] = 0x0300;
    r[PhyReg.EXT_STATUS] = 0x3000;
    r[PhyReg.PSCR] = 0x0068;
    r[PhyReg.EPSCR] = 0x0d60;
    this.linkUp = false;
  }

  /**
   * Recompute the link from the cable: up when connected, powered and (with
   * auto-negotiation) negotiated. Returns true if the state changed.
   */
  updateLink(cable: boolean): boolean {
    const r = this.regs;
    const up = cable && (r[PhyReg.BMCR]! & BMCR_PDOWN) === 0;
    const an = (r[PhyReg.BMCR]! & BMCR_ANENABLE) !== 0;
    if (up) {
      r[PhyReg.BMSR] = BMSR_BASE | BMSR_LINK | (an ? BMSR_ANEGCOMPLETE : 0);
      // Partner: 1000BASE-T full duplex with PAUSE; ACK, 100/10 full and half.
      r[PhyReg.ANLPAR] = an ? 0x45e1 : 0;
      r[PhyReg.ANER] = an ? 0x0001 : 0;
      r[PhyReg.STATUS_1000T] = an ? 0x3c00 : 0;
      // PSSR: 1000 Mb/s, full duplex, resolved, link.
      r[PhyReg.PSSR] = 0x8000 | 0x2000 | 0x0800 | 0x0400;
    } else {
      r[PhyReg.BMSR] = BMSR_BASE;
      r[PhyReg.ANLPAR] = 0;
      r[PhyReg.ANER] = 0;
      r[PhyReg.STATUS_1000T] = 0;
      r[PhyReg.PSSR] = 0;
    }
    const changed = up !== this.linkUp;
    this.linkUp = up;
    return changed;
  }

  /** Read register `reg` (0..31). */
  read(reg: number): number {
    return this.regs[reg & 31]!;
  }

  /** Write register `reg`; returns true when the link must be recomputed. */
  write(reg: number, value: number): boolean {
    reg &= 31;
    value &= 0xffff;
    switch (reg) {
      case PhyReg.BMCR:
        // Reset and restart-negotiation are self-clearing; negotiation finishes at once.
        this.regs[reg] = value & ~(BMCR_RESET | BMCR_ANRESTART);
        return true;
      case PhyReg.BMSR:
      case PhyReg.ID1:
      case PhyReg.ID2:
      case PhyReg.ANLPAR:
      case PhyReg.ANER:
      case PhyReg.STATUS_1000T:
      case PhyReg.EXT_STATUS:
      case PhyReg.PSSR:
      case PhyReg.RX_ERR:
        return false; // read-only
      default:
        this.regs[reg] = value;
        return false;
    }
  }
}
