import type { CharBackend, CharReceiver, Clock, Device, DeviceContext, DeviceState, IrqLine, PortIoHandler, RealizeResult, Timer } from '@vm/bus';
import { ByteFifo } from './byte-fifo.js';
import { IDLE_CLOCK, IDLE_TIMER } from './idle-time.js';
import { PortClaims } from './realize-ports.js';
import { StateReader } from './state-reader.js';

/** The standard PC serial ports: base address and ISA IRQ of COM1..COM4. */
export const COM_PORTS: readonly { readonly base: number; readonly irq: number }[] = [
  { base: 0x3f8, irq: 4 },
  { base: 0x2f8, irq: 3 },
  { base: 0x3e8, irq: 4 },
  { base: 0x2e8, irq: 3 },
];

/** How transmitted bytes reach the backend. */
export type UartPacing = 'immediate' | 'baud';

/** Modem status inputs (the MSR's upper nibble) driven by the outside. */
export interface UartModemInputs {
  /** Clear To Send. */
  readonly cts: boolean;
  /** Data Set Ready. */
  readonly dsr: boolean;
  /** Ring Indicator. */
  readonly ri: boolean;
  /** Data Carrier Detect. */
  readonly dcd: boolean;
}

/** Configuration of a {@link Uart16550}. */
export interface Uart16550Config {
  /** Instance name (default `"uart0"`). */
  readonly name?: string;
  /** I/O base (default 0x3F8, COM1); see {@link COM_PORTS}. */
  readonly base?: number;
  /** The interrupt output (IRQ4 for COM1/COM3, IRQ3 for COM2/COM4). */
  readonly irq: IrqLine;
  /** The outside end of the line; `null` leaves the port unconnected (output is dropped). */
  readonly backend?: CharBackend | null;
  /**
   * `immediate` (default): a byte written to THR goes to the backend at once
   * and the transmitter is always empty again. `baud`: bytes leave one per
   * character time at the programmed baud rate, through the 16-byte FIFO.
   */
  readonly pacing?: UartPacing;
  /** Modem inputs at power-on (default CTS, DSR, DCD asserted, as a connected null-modem). */
  readonly modem?: UartModemInputs;
}

const IER_RDA = 0x01;
const IER_THRE = 0x02;
const IER_RLS = 0x04;
const IER_MSI = 0x08;
const LCR_DLAB = 0x80;
const MCR_OUT2 = 0x08;
const MCR_LOOP = 0x10;
const LSR_DR = 0x01;
const LSR_OE = 0x02;
const LSR_ERRORS = 0x1e; // OE | PE | FE | BI
const LSR_THRE = 0x20;
const LSR_TEMT = 0x40;
const IIR_NONE = 0x01;
const IIR_MSI = 0x00;
const IIR_THRE = 0x02;
const IIR_RDA = 0x04;
const IIR_RLS = 0x06;
const IIR_TIMEOUT = 0x0c;
const TRIGGER_LEVELS = [1, 4, 8, 14] as const;
const UART_CLOCK_HZ = 1_843_200 / 16; // divisor 1 = 115200 baud

/** Ports base+0..7. */
class UartPorts implements PortIoHandler {
  constructor(private readonly uart: Uart16550) {}
  read8(offset: number): number {
    return this.uart.readRegister(offset & 7);
  }
  write8(offset: number, value: number): void {
    this.uart.writeRegister(offset & 7, value & 0xff);
  }
}

/**
 * A National/TI 16550A UART: divisor latch, IER/IIR/FCR/LCR/MCR/LSR/MSR/SCR,
 * 16-byte receive and transmit FIFOs with trigger levels and the character
 * timeout, loopback, modem lines, and the PC's OUT2-gated interrupt output.
 * THRE interrupt semantics follow the datasheet as Linux's 8250 driver
 * probes them: the THRE source is cleared by reading IIR or writing THR and
 * re-armed when THR empties or ETBEI is switched on while THR is empty.
 * Input arrives through {@link CharReceiver} with backpressure: a full
 * receive FIFO refuses the byte and asks the backend again once there is room.
 */
export class Uart16550 implements Device, CharReceiver {
  /** @inheritDoc */
  readonly name: string;
  /** @inheritDoc */
  readonly stateName = 'uart16550';
  /** @inheritDoc */
  readonly stateVersion = 1;
  private readonly claims = new PortClaims();
  /** The I/O base address. */
  readonly base: number;
  private readonly irq: IrqLine;
  private readonly backend: CharBackend | null;
  private readonly paced: boolean;
  private readonly ports: UartPorts;
  private clock: Clock = IDLE_CLOCK;
  private txTimer: Timer = IDLE_TIMER;
  private timeoutTimer: Timer = IDLE_TIMER;

  private readonly rx = new ByteFifo(16);
  private readonly tx = new ByteFifo(16);
  private ier = 0;
  private lcr = 0;
  private mcr = 0;
  private lsrErrors = 0;
  private msr = 0;
  private scr = 0;
  private dll = 12;
  private dlm = 0;
  private fifoEnabled = false;
  private fcrBits = 0;
  private triggerLevel = 1;
  private thrIpending = false;
  private timeoutPending = false;
  private shifting = false;
  private shiftByte = 0;
  private lastRbr = 0;
  private rxRefused = false;
  private irqLevel = false;
  private externalModem: number;

  /** @param config port, IRQ wire, backend and pacing */
  constructor(config: Uart16550Config) {
    this.name = config.name ?? 'uart0';
    this.base = config.base ?? 0x3f8;
    this.irq = config.irq;
    this.backend = config.backend ?? null;
    this.paced = (config.pacing ?? 'immediate') === 'baud';
    const m = config.modem ?? { cts: true, dsr: true, ri: false, dcd: true };
    this.externalModem = modemBits(m);
    this.msr = this.externalModem;
    this.ports = new UartPorts(this);
  }

  /** @inheritDoc */
  realize(ctx: DeviceContext): RealizeResult {
    if (!Number.isInteger(this.base) || this.base < 0 || this.base > 0xfff8) return { ok: false, error: `${this.name}: bad I/O base ${this.base}` };
    const r = this.claims.claim(ctx.ports, this.base, 8, this.ports, this.name);
    if (!r.ok) return r;
    this.clock = ctx.clock;
    this.txTimer = ctx.timers.createTimer(`${this.name}.tx`, (now) => this.onTxTimer(now));
    this.timeoutTimer = ctx.timers.createTimer(`${this.name}.rx-timeout`, () => this.onTimeout());
    this.backend?.attach(this);
    return { ok: true };
  }

  /** Master reset (datasheet "Reset" table); the divisor returns to 12 (9600 baud) as after power-on. */
  reset(): void {
    this.rx.clear();
    this.tx.clear();
    this.ier = 0;
    this.lcr = 0;
    this.mcr = 0;
    this.lsrErrors = 0;
    this.msr = this.externalModem;
    this.dll = 12;
    this.dlm = 0;
    this.fifoEnabled = false;
    this.fcrBits = 0;
    this.triggerLevel = 1;
    this.thrIpending = false;
    this.timeoutPending = false;
    this.shifting = false;
    this.shiftByte = 0;
    this.txTimer.disarm();
    this.timeoutTimer.disarm();
    this.irqLevel = false;
    this.irq.lower();
    this.wakeBackend();
  }

  /** @inheritDoc */
  destroy(): void {
    this.claims.release();
    this.txTimer.disarm();
    this.timeoutTimer.disarm();
    this.backend?.attach(null);
  }

  /** Re-drive the IRQ output from the current state (after a restore). */
  syncOutputs(): void {
    this.irq.set(this.irqLevel);
  }

  /** Change the modem status inputs (a terminal hanging up, a ring). */
  setModemInputs(inputs: UartModemInputs): void {
    this.externalModem = modemBits(inputs);
    if ((this.mcr & MCR_LOOP) === 0) this.setModemStatus(this.externalModem);
  }

  /** The programmed baud rate (115200 / divisor; divisor 0 counts as 65536). */
  get baudRate(): number {
    return UART_CLOCK_HZ / this.divisor();
  }

  // ---- receive side ----

  /** @inheritDoc */
  receiveByte(byte: number): boolean {
    if (this.mcr & MCR_LOOP || this.rx.count >= this.rxCapacity()) {
      this.rxRefused = true;
      return false;
    }
    this.acceptByte(byte & 0xff);
    return true;
  }

  private rxCapacity(): number {
    return this.fifoEnabled ? 16 : 1;
  }

  private acceptByte(b: number): void {
    if (this.rx.count >= this.rxCapacity()) {
      this.lsrErrors |= LSR_OE; // overrun: the new character is lost
    } else {
      this.rx.push(b);
      this.timeoutPending = false;
      this.armTimeout();
    }
    this.update();
  }

  private armTimeout(): void {
    if (this.fifoEnabled && this.rx.count > 0) this.timeoutTimer.arm(this.clock.now() + 4 * this.charTimeNs());
    else this.timeoutTimer.disarm();
  }

  private onTimeout(): void {
    if (this.fifoEnabled && this.rx.count > 0) {
      this.timeoutPending = true;
      this.update();
    }
  }

  private readRbr(): number {
    if (this.rx.count > 0) {
      this.lastRbr = this.rx.shift();
      this.timeoutPending = false;
      this.armTimeout();
      this.update();
      this.wakeBackend();
    }
    return this.lastRbr;
  }

  /** Ask the backend for held-back input if we refused some and have room now. */
  private wakeBackend(): void {
    if (this.rxRefused && (this.mcr & MCR_LOOP) === 0 && this.rx.count < this.rxCapacity()) {
      this.rxRefused = false;
      this.backend?.receiverReady();
    }
  }

  // ---- transmit side ----

  private divisor(): number {
    const d = (this.dlm << 8) | this.dll;
    return d === 0 ? 65536 : d;
  }

  /** Nanoseconds per character: start + data + parity + stop bits at the current baud rate. */
  private charTimeNs(): number {
    const data = 5 + (this.lcr & 3);
    const parity = this.lcr & 0x08 ? 1 : 0;
    const stop = this.lcr & 0x04 ? (data === 5 ? 1.5 : 2) : 1;
    return Math.ceil(((1 + data + parity + stop) * this.divisor() * 1e9) / UART_CLOCK_HZ);
  }

  private writeThr(v: number): void {
    this.thrIpending = false;
    if (!this.paced) {
      this.emit(v);
      this.thrIpending = true; // THR is empty again at once
      this.update();
      return;
    }
    if (this.tx.count < (this.fifoEnabled ? 16 : 1)) this.tx.push(v);
    if (!this.shifting) this.startShift(this.clock.now());
    this.update();
  }

  private startShift(now: number): void {
    this.shiftByte = this.tx.shift();
    this.shifting = true;
    if (this.tx.count === 0) this.thrIpending = true;
    this.txTimer.arm(now + this.charTimeNs());
  }

  private onTxTimer(now: number): void {
    if (!this.shifting) return;
    this.shifting = false;
    this.emit(this.shiftByte);
    if (this.tx.count > 0) this.startShift(now);
    this.update();
  }

  /** A character leaves the transmitter: into our own receiver in loopback, else to the line. */
  private emit(b: number): void {
    if (this.mcr & MCR_LOOP) this.acceptByte(b);
    else this.backend?.writeByte(b);
  }

  private thrEmpty(): boolean {
    return !this.paced || this.tx.count === 0;
  }

  // ---- registers ----

  private writeIer(v: number): void {
    const changed = (this.ier ^ v) & 0x0f;
    this.ier = v & 0x0f;
    // Switching ETBEI on while THR is empty raises THRE (what Linux's THRE tests look for).
    if (changed & IER_THRE) this.thrIpending = (this.ier & IER_THRE) !== 0 && this.thrEmpty();
    this.update();
  }

  private writeFcr(v: number): void {
    const enable = (v & 1) !== 0;
    const hadTx = this.tx.count > 0;
    if (enable !== this.fifoEnabled) {
      // Changing FCR0 empties both FIFOs.
      this.rx.clear();
      this.tx.clear();
      this.timeoutPending = false;
    }
    this.fifoEnabled = enable;
    if (enable) {
      if (v & 0x02) {
        this.rx.clear();
        this.timeoutPending = false;
      }
      if (v & 0x04) this.tx.clear();
      this.triggerLevel = TRIGGER_LEVELS[v >> 6]!;
      this.fcrBits = v & 0xc9;
    } else {
      this.fcrBits = 0;
      this.triggerLevel = 1;
    }
    if (hadTx && this.tx.count === 0) this.thrIpending = true; // THR emptied
    this.armTimeout();
    this.update();
    this.wakeBackend();
  }

  private writeMcr(v: number): void {
    const was = this.mcr;
    this.mcr = v & 0x1f;
    if (this.mcr & MCR_LOOP) this.setModemStatus(loopbackModem(this.mcr));
    else if (was & MCR_LOOP) this.setModemStatus(this.externalModem);
    this.update();
    this.wakeBackend();
  }

  /** New modem inputs (MSR bits 4-7): record deltas in bits 0-3 (TERI on RI's trailing edge). */
  private setModemStatus(inputs: number): void {
    const old = this.msr;
    const changed = (old ^ inputs) & 0xf0;
    let delta = old & 0x0f;
    if (changed & 0x10) delta |= 0x01;
    if (changed & 0x20) delta |= 0x02;
    if (old & 0x40 && (inputs & 0x40) === 0) delta |= 0x04;
    if (changed & 0x80) delta |= 0x08;
    this.msr = inputs | delta;
    this.update();
  }

  private lsr(): number {
    let v = this.lsrErrors;
    if (this.rx.count > 0) v |= LSR_DR;
    if (this.thrEmpty()) {
      v |= LSR_THRE;
      if (!this.shifting) v |= LSR_TEMT;
    }
    return v;
  }

  /** The highest-priority pending interrupt's IIR code (datasheet "Interrupt Control Functions"). */
  private interruptId(): number {
    const ier = this.ier;
    if (ier & IER_RLS && this.lsrErrors & LSR_ERRORS) return IIR_RLS;
    if (ier & IER_RDA) {
      if (this.rx.count > 0 && this.rx.count >= (this.fifoEnabled ? this.triggerLevel : 1)) return IIR_RDA;
      if (this.timeoutPending) return IIR_TIMEOUT;
    }
    if (ier & IER_THRE && this.thrIpending && this.thrEmpty()) return IIR_THRE;
    if (ier & IER_MSI && this.msr & 0x0f) return IIR_MSI;
    return IIR_NONE;
  }

  /** Drive the IRQ: a pending interrupt reaches the ISA bus only through the PC's OUT2 gate, never in loopback. */
  private update(): void {
    const level = this.interruptId() !== IIR_NONE && (this.mcr & (MCR_OUT2 | MCR_LOOP)) === MCR_OUT2;
    if (level !== this.irqLevel) {
      this.irqLevel = level;
      this.irq.set(level);
    }
  }

  /** Read register `offset` (0..7) as the guest does. */
  readRegister(offset: number): number {
    switch (offset) {
      case 0:
        return this.lcr & LCR_DLAB ? this.dll : this.readRbr();
      case 1:
        return this.lcr & LCR_DLAB ? this.dlm : this.ier;
      case 2: {
        const id = this.interruptId();
        if (id === IIR_THRE) {
          this.thrIpending = false;
          this.update();
        }
        return id | (this.fifoEnabled ? 0xc0 : 0);
      }
      case 3:
        return this.lcr;
      case 4:
        return this.mcr;
      case 5: {
        const v = this.lsr();
        if (this.lsrErrors) {
          this.lsrErrors = 0;
          this.update();
        }
        return v;
      }
      case 6: {
        const v = this.msr;
        if (v & 0x0f) {
          this.msr = v & 0xf0;
          this.update();
        }
        return v;
      }
      default:
        return this.scr;
    }
  }

  /** Write register `offset` (0..7) as the guest does. */
  writeRegister(offset: number, v: number): void {
    switch (offset) {
      case 0:
        if (this.lcr & LCR_DLAB) this.dll = v;
        else this.writeThr(v);
        return;
      case 1:
        if (this.lcr & LCR_DLAB) this.dlm = v;
        else this.writeIer(v);
        return;
      case 2:
        this.writeFcr(v);
        return;
      case 3:
        this.lcr = v;
        return;
      case 4:
        this.writeMcr(v);
        return;
      case 7:
        this.scr = v;
        return;
      default:
        return; // LSR and MSR writes are factory test modes
    }
  }

  // ---- snapshot ----

  /** @inheritDoc */
  snapshot(): DeviceState {
    return {
      name: this.stateName,
      version: this.stateVersion,
      fields: {
        rx: this.rx.toArray(),
        tx: this.tx.toArray(),
        ier: this.ier,
        lcr: this.lcr,
        mcr: this.mcr,
        lsrErrors: this.lsrErrors,
        msr: this.msr,
        scr: this.scr,
        dll: this.dll,
        dlm: this.dlm,
        fcr: this.fifoEnabled ? this.fcrBits | 1 : 0,
        thrIpending: this.thrIpending,
        timeoutPending: this.timeoutPending,
        shifting: this.shifting,
        shiftByte: this.shiftByte,
        lastRbr: this.lastRbr,
        externalModem: this.externalModem,
        txDeadline: this.txTimer.deadline,
        timeoutDeadline: this.timeoutTimer.deadline,
        irq: this.irqLevel,
      },
    };
  }

  /** @inheritDoc */
  restore(state: DeviceState): void {
    const r = StateReader.open(state, this.stateName, this.stateVersion);
    const big = Number.MAX_SAFE_INTEGER;
    const rx = r.bytes('rx', -1, 16);
    const tx = r.bytes('tx', -1, 16);
    const ier = r.int('ier', 0, 0x0f);
    const lcr = r.int('lcr', 0, 255);
    const mcr = r.int('mcr', 0, 0x1f);
    const lsrErrors = r.int('lsrErrors', 0, 0x1e);
    const msr = r.int('msr', 0, 255);
    const scr = r.int('scr', 0, 255);
    const dll = r.int('dll', 0, 255);
    const dlm = r.int('dlm', 0, 255);
    const fcr = r.int('fcr', 0, 255);
    const thrIpending = r.bool('thrIpending');
    const timeoutPending = r.bool('timeoutPending');
    const shifting = r.bool('shifting');
    const shiftByte = r.int('shiftByte', 0, 255);
    const lastRbr = r.int('lastRbr', 0, 255);
    const externalModem = r.int('externalModem', 0, 0xf0);
    const txDeadline = r.int('txDeadline', -1, big);
    const timeoutDeadline = r.int('timeoutDeadline', -1, big);
    const irq = r.bool('irq');
    this.rx.load(rx);
    this.tx.load(tx);
    this.ier = ier;
    this.lcr = lcr;
    this.mcr = mcr;
    this.lsrErrors = lsrErrors;
    this.msr = msr;
    this.scr = scr;
    this.dll = dll;
    this.dlm = dlm;
    this.fifoEnabled = (fcr & 1) !== 0;
    this.fcrBits = fcr & 0xc9;
    this.triggerLevel = this.fifoEnabled ? TRIGGER_LEVELS[fcr >> 6]! : 1;
    this.thrIpending = thrIpending;
    this.timeoutPending = timeoutPending;
    this.shifting = shifting;
    this.shiftByte = shiftByte;
    this.lastRbr = lastRbr;
    this.externalModem = externalModem;
    this.irqLevel = irq;
    if (txDeadline >= 0) this.txTimer.arm(txDeadline);
    else this.txTimer.disarm();
    if (timeoutDeadline >= 0) this.timeoutTimer.arm(timeoutDeadline);
    else this.timeoutTimer.disarm();
  }
}

function modemBits(m: UartModemInputs): number {
  return (m.cts ? 0x10 : 0) | (m.dsr ? 0x20 : 0) | (m.ri ? 0x40 : 0) | (m.dcd ? 0x80 : 0);
}

/** Loopback wiring (datasheet "Loopback"): RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD. */
function loopbackModem(mcr: number): number {
  return (mcr & 0x02 ? 0x10 : 0) | (mcr & 0x01 ? 0x20 : 0) | (mcr & 0x04 ? 0x40 : 0) | (mcr & 0x08 ? 0x80 : 0);
}
