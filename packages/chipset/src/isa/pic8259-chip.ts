import type { StateRecord } from '@vm/bus';
import type { StateReader } from './state-reader.js';

/** Which register a read of the command port returns (OCW3 RR/RIS). */
const READ_IRR = 0;
const READ_ISR = 1;

/**
 * One 8259A's register state machine (Intel 8259A datasheet): IRR, ISR, IMR,
 * the ICW1-4 initialization sequence, OCW1-3, priority rotation, special mask,
 * poll mode, plus the PIIX3 Edge/Level Control Register for its eight inputs.
 * It knows nothing about ports or the cascade; {@link Pic8259} wires two of
 * them together.
 */
export class Pic8259Chip {
  /** Interrupt request register. */
  irr = 0;
  /** In-service register. */
  isr = 0;
  /** Interrupt mask register (OCW1). */
  imr = 0;
  /** Current input line levels (for edge detection and level mode). */
  lines = 0;
  /** Edge/level control: 1 = level-sensitive input (PIIX3 ELCR). */
  elcr = 0;
  /** Lowest-priority rotation: IR `priorityAdd` has the highest priority. */
  priorityAdd = 0;
  /** Vector base from ICW2 (T7..T3). */
  vectorBase = 0;
  /** 0: operational; 1..3: waiting for ICW2..ICW4. */
  initStep = 0;
  /** ICW1 IC4: an ICW4 follows. */
  needIcw4 = false;
  /** ICW1 SNGL: no ICW3. */
  single = false;
  /** ICW4 AEOI. */
  autoEoi = false;
  /** OCW2 rotate in automatic EOI mode. */
  rotateOnAutoEoi = false;
  /** ICW4 SFNM (special fully nested mode). */
  specialFullyNested = false;
  /** OCW3 special mask mode. */
  specialMask = false;
  /** OCW3 poll command pending: the next read is the poll byte. */
  poll = false;
  /** OCW3 read register select. */
  readSelect = READ_IRR;

  /** @param elcrMask inputs that may be switched to level mode (PIIX3: 0xf8 master, 0xde slave) */
  constructor(readonly elcrMask: number) {}

  /** Power-on state: everything cleared, ELCR edge. */
  reset(): void {
    this.irr = 0;
    this.isr = 0;
    this.imr = 0;
    this.elcr = 0;
    this.priorityAdd = 0;
    this.vectorBase = 0;
    this.initStep = 0;
    this.needIcw4 = false;
    this.single = false;
    this.autoEoi = false;
    this.rotateOnAutoEoi = false;
    this.specialFullyNested = false;
    this.specialMask = false;
    this.poll = false;
    this.readSelect = READ_IRR;
  }

  /** Drive input `irq` (0..7) to `level`. Edge inputs latch IRR on a rising edge; level inputs follow the line. */
  setInput(irq: number, level: boolean): void {
    const bit = 1 << irq;
    if (level) {
      if (this.elcr & bit || (this.lines & bit) === 0) this.irr |= bit;
      this.lines |= bit;
    } else {
      // A level input withdraws its request; an edge request stays latched.
      if (this.elcr & bit) this.irr &= ~bit;
      this.lines &= ~bit;
    }
  }

  /** Priority rank (0 = highest) of the best bit in `mask`, or 8 for none. */
  private rank(mask: number): number {
    if (mask === 0) return 8;
    let p = 0;
    while ((mask & (1 << ((p + this.priorityAdd) & 7))) === 0) p++;
    return p;
  }

  /**
   * The IR input that would be delivered now, or -1. A request must beat every
   * in-service level (fully nested mode); in special mask mode masked ISR bits
   * do not block; in special fully nested mode (master) a cascade input in
   * service does not block further requests from the same slave.
   */
  pending(isMaster: boolean): number {
    const req = this.rank(this.irr & ~this.imr);
    if (req === 8) return -1;
    let inService = this.isr;
    if (this.specialMask) inService &= ~this.imr;
    if (isMaster && this.specialFullyNested) inService &= ~(1 << 2);
    return req < this.rank(inService) ? (req + this.priorityAdd) & 7 : -1;
  }

  /** INTA (or poll) for `irq`: move it from IRR to ISR (unless AEOI). */
  acknowledge(irq: number): void {
    const bit = 1 << irq;
    if (this.autoEoi) {
      if (this.rotateOnAutoEoi) this.priorityAdd = (irq + 1) & 7;
    } else {
      this.isr |= bit;
    }
    // A level request remains while the line is high.
    if ((this.elcr & bit) === 0) this.irr &= ~bit;
  }

  /** A write to the command port (A0 = 0): ICW1, OCW2 or OCW3. */
  writeCommand(v: number): void {
    if (v & 0x10) {
      this.icw1(v);
    } else if (v & 0x08) {
      // OCW3: ESMM/SMM, P, RR/RIS.
      if (v & 0x04) this.poll = true;
      if (v & 0x02) this.readSelect = v & 0x01 ? READ_ISR : READ_IRR;
      if (v & 0x40) this.specialMask = (v & 0x20) !== 0;
    } else {
      this.ocw2(v);
    }
  }

  /**
   * ICW1 (datasheet "Initialization Command Words"): clears IMR, the edge
   * sense latch (an edge input that is already high must fall and rise again),
   * ISR and special mask; IR7 becomes lowest priority; read select IRR. The
   * LTIM bit is ignored: on a PIIX3 the ELCR selects the trigger mode.
   */
  private icw1(v: number): void {
    this.imr = 0;
    this.isr = 0;
    this.irr = this.lines & this.elcr;
    this.priorityAdd = 0;
    this.specialMask = false;
    this.poll = false;
    this.readSelect = READ_IRR;
    this.autoEoi = false;
    this.rotateOnAutoEoi = false;
    this.specialFullyNested = false;
    this.needIcw4 = (v & 0x01) !== 0;
    this.single = (v & 0x02) !== 0;
    this.initStep = 1;
  }

  /** OCW2: EOI (non-specific / specific), rotation and set-priority commands. */
  private ocw2(v: number): void {
    const level = v & 7;
    switch (v >> 5) {
      case 0: // rotate in AEOI mode (clear)
        this.rotateOnAutoEoi = false;
        break;
      case 4: // rotate in AEOI mode (set)
        this.rotateOnAutoEoi = true;
        break;
      case 1: // non-specific EOI
      case 5: {
        // rotate on non-specific EOI
        const p = this.rank(this.isr);
        if (p !== 8) {
          const irq = (p + this.priorityAdd) & 7;
          this.isr &= ~(1 << irq);
          if (v >> 5 === 5) this.priorityAdd = (irq + 1) & 7;
        }
        break;
      }
      case 3: // specific EOI
        this.isr &= ~(1 << level);
        break;
      case 7: // rotate on specific EOI
        this.isr &= ~(1 << level);
        this.priorityAdd = (level + 1) & 7;
        break;
      case 6: // set priority: `level` becomes the lowest
        this.priorityAdd = (level + 1) & 7;
        break;
      default: // 2: no operation
        break;
    }
  }

  /** A write to the data port (A0 = 1): OCW1, or the next ICW. */
  writeData(v: number): void {
    switch (this.initStep) {
      case 1: // ICW2: vector base (8086 mode uses T7..T3)
        this.vectorBase = v & 0xf8;
        this.initStep = this.single ? (this.needIcw4 ? 3 : 0) : 2;
        break;
      case 2: // ICW3: cascade wiring, fixed on a PC
        this.initStep = this.needIcw4 ? 3 : 0;
        break;
      case 3: // ICW4: AEOI, SFNM (uPM and buffered mode do not matter here)
        this.autoEoi = (v & 0x02) !== 0;
        this.specialFullyNested = (v & 0x10) !== 0;
        this.initStep = 0;
        break;
      default: // OCW1
        this.imr = v & 0xff;
        break;
    }
  }

  /** A read of the command port: IRR or ISR per OCW3 (poll is handled by the pair). */
  readCommand(): number {
    return this.readSelect === READ_ISR ? this.isr : this.irr;
  }

  /** Write the ELCR; level inputs that are high request at once. */
  writeElcr(v: number): void {
    this.elcr = v & this.elcrMask;
    this.irr = (this.irr & ~this.elcr) | (this.lines & this.elcr);
  }

  /** Capture the registers. */
  save(): StateRecord {
    return {
      irr: this.irr,
      isr: this.isr,
      imr: this.imr,
      lines: this.lines,
      elcr: this.elcr,
      priorityAdd: this.priorityAdd,
      vectorBase: this.vectorBase,
      initStep: this.initStep,
      needIcw4: this.needIcw4,
      single: this.single,
      autoEoi: this.autoEoi,
      rotateOnAutoEoi: this.rotateOnAutoEoi,
      specialFullyNested: this.specialFullyNested,
      specialMask: this.specialMask,
      poll: this.poll,
      readSelect: this.readSelect,
    };
  }

  /** Validate every field of `r`, then load them. */
  load(r: StateReader): void {
    const irr = r.int('irr', 0, 255);
    const isr = r.int('isr', 0, 255);
    const imr = r.int('imr', 0, 255);
    const lines = r.int('lines', 0, 255);
    const elcr = r.int('elcr', 0, 255);
    const priorityAdd = r.int('priorityAdd', 0, 7);
    const vectorBase = r.int('vectorBase', 0, 255);
    const initStep = r.int('initStep', 0, 3);
    const needIcw4 = r.bool('needIcw4');
    const single = r.bool('single');
    const autoEoi = r.bool('autoEoi');
    const rotateOnAutoEoi = r.bool('rotateOnAutoEoi');
    const specialFullyNested = r.bool('specialFullyNested');
    const specialMask = r.bool('specialMask');
    const poll = r.bool('poll');
    const readSelect = r.int('readSelect', 0, 1);
    this.irr = irr;
    this.isr = isr;
    this.imr = imr;
    this.lines = lines;
    this.elcr = elcr & this.elcrMask;
    this.priorityAdd = priorityAdd;
    this.vectorBase = vectorBase & 0xf8;
    this.initStep = initStep;
    this.needIcw4 = needIcw4;
    this.single = single;
    this.autoEoi = autoEoi;
    this.rotateOnAutoEoi = rotateOnAutoEoi;
    this.specialFullyNested = specialFullyNested;
    this.specialMask = specialMask;
    this.poll = poll;
    this.readSelect = readSelect;
  }
}
