import type { Clock, Device, DeviceContext, DeviceState, IrqLine, PortIoHandler, RealizeResult, Timer } from '@vm/bus';
import { CivilTime } from './civil-time.js';
import { CmosOffset, equipmentByte, writeCmosBootOrder, writeCmosChecksum, writeCmosMemorySize } from './cmos-layout.js';
import type { CmosBootDevice } from './cmos-layout.js';
import { IDLE_CLOCK, IDLE_TIMER } from './idle-time.js';
import { PortClaims } from './realize-ports.js';
import { StateReader } from './state-reader.js';
import { nsToTicks, ticksToNs } from './virtual-ticks.js';

/** Configuration of an {@link Rtc146818}. */
export interface Rtc146818Config {
  /** Instance name (default `"rtc"`). */
  readonly name?: string;
  /** The IRQ output (IRQ8 on a PC), asserted while register C's IRQF is set. */
  readonly irq: IrqLine;
  /** The time of day at virtual time 0, in seconds since 1970-01-01T00:00:00Z (UTC). */
  readonly startTime: number;
  /** Initial NVRAM contents; bytes 0x0e..0x7f are used (the clock registers are the chip's own). */
  readonly nvram?: Uint8Array;
  /** Optional wire for port 0x70 bit 7: raised while the guest has NMIs disabled. */
  readonly nmiDisable?: IrqLine;
}

const NS = 1_000_000_000;
const RTC_HZ = 32_768;
/** UIP rises 244 us (8 cycles of 32.768 kHz) before each update (datasheet "Update Cycle"). */
const UIP_LEAD_NS = 244_141;

const REG_A = 0x0a;
const REG_B = 0x0b;
const REG_C = 0x0c;
const REG_D = 0x0d;
const B_SET = 0x80;
const B_PIE = 0x40;
const B_AIE = 0x20;
const B_UIE = 0x10;
const B_SQWE = 0x08;
const B_BINARY = 0x04;
const B_24H = 0x02;
const C_IRQF = 0x80;
const C_PF = 0x40;
const C_AF = 0x20;
const C_UF = 0x10;

/** Ports 0x70 (index, bit 7 = NMI disable) and 0x71 (data). */
class RtcPorts implements PortIoHandler {
  constructor(private readonly rtc: Rtc146818) {}
  read8(offset: number): number {
    return offset & 1 ? this.rtc.readRegister(this.rtc.index) : 0xff;
  }
  write8(offset: number, value: number): void {
    if (offset & 1) this.rtc.writeRegister(this.rtc.index, value & 0xff);
    else this.rtc.selectIndex(value & 0xff);
  }
}

/**
 * The Motorola MC146818 real-time clock and its 128 bytes of CMOS RAM at
 * ports 0x70/0x71. The time of day is never ticked: it is derived from
 * virtual time and the configured start time, so reading it costs a date
 * conversion and nothing runs while nobody looks. Periodic, alarm and
 * update-ended interrupts are computed the same way; a timer is armed only
 * for an enabled interrupt whose IRQ is not already asserted.
 */
export class Rtc146818 implements Device {
  /** @inheritDoc */
  readonly name: string;
  /** @inheritDoc */
  readonly stateName = 'rtc146818';
  /** @inheritDoc */
  readonly stateVersion = 1;
  private readonly claims = new PortClaims();
  /** Selected register (port 0x70 bits 6:0). */
  index = 0;
  /** Port 0x70 bit 7: NMI disabled. */
  nmiDisabled = false;
  private readonly cmos = new Uint8Array(128);
  private readonly irq: IrqLine;
  private readonly nmiDisable: IrqLine | null;
  private irqLevel = false;
  /** Clock time (epoch seconds) at virtual time `baseNs`; seconds tick at `baseNs + k s`. */
  private baseEpoch: number;
  private baseNs = 0;
  /** Phase reference of the divider chain (periodic interrupts). */
  private divRefNs = 0;
  /** Flags in register C account for all events up to this time. */
  private flagsUpToNs = 0;
  private clock: Clock = IDLE_CLOCK;
  private timer: Timer = IDLE_TIMER;
  private readonly time = new CivilTime();
  private readonly ports: RtcPorts;

  /** @param config the IRQ wire, start time and NVRAM */
  constructor(config: Rtc146818Config) {
    this.name = config.name ?? 'rtc';
    this.irq = config.irq;
    this.nmiDisable = config.nmiDisable ?? null;
    if (!Number.isFinite(config.startTime)) throw new RangeError(`${this.name}: startTime must be a finite number of seconds`);
    this.baseEpoch = Math.floor(config.startTime);
    if (config.nvram) this.cmos.set(config.nvram.subarray(0x0e, 0x80), 0x0e);
    this.cmos[REG_A] = 0x26; // 32.768 kHz time base, 1024 Hz periodic rate
    this.cmos[REG_B] = B_24H;
    this.cmos[REG_D] = 0x80; // valid RAM and time
    this.ports = new RtcPorts(this);
    this.materialize(0);
  }

  /** @inheritDoc */
  realize(ctx: DeviceContext): RealizeResult {
    const r = this.claims.claim(ctx.ports, 0x70, 2, this.ports, this.name);
    if (!r.ok) return r;
    this.clock = ctx.clock;
    this.timer = ctx.timers.createTimer(`${this.name}.irq`, (now) => this.onTimer(now));
    this.flagsUpToNs = ctx.clock.now();
    return { ok: true };
  }

  /** RESET pin (datasheet "RESET"): clears PIE, AIE, UIE, SQWE and the flags; time and RAM are kept. */
  reset(): void {
    this.cmos[REG_B] = this.cmos[REG_B]! & ~(B_PIE | B_AIE | B_UIE | B_SQWE);
    this.cmos[REG_C] = 0;
    this.flagsUpToNs = Math.max(this.flagsUpToNs, this.clock.now());
    this.timer.disarm();
    this.irqLevel = false;
    this.irq.lower();
  }

  /** @inheritDoc */
  destroy(): void {
    this.claims.release();
    this.timer.disarm();
  }

  /** Re-drive the IRQ output from the current state (after a restore). */
  syncOutputs(): void {
    this.irq.set(this.irqLevel);
    if (this.nmiDisable !== null) this.nmiDisable.set(this.nmiDisabled);
  }

  /** The clock's current time in epoch seconds (what the guest would read). */
  epochSeconds(): number {
    const now = this.clock.now();
    if (!this.running()) return this.parseRegisters();
    return this.epochAt(now);
  }

  // ---- NVRAM layout helpers (for the machine, before power-on) ----

  /** Read CMOS byte `offset` (0x0e..0x7f; other offsets read 0). */
  getNvram(offset: number): number {
    return offset >= 0x0e && offset < 0x80 ? this.cmos[offset]! : 0;
  }
  /** Write CMOS byte `offset` (0x0e..0x7f; others are ignored). Does not update the checksum. */
  setNvram(offset: number, value: number): void {
    if (offset >= 0x0e && offset < 0x80) this.cmos[offset] = value & 0xff;
  }
  /** Memory size fields (0x15-0x18, 0x30/0x31, 0x34/0x35, 0x5b-0x5d), then the checksum. */
  setMemorySize(belowFourGiB: number, aboveFourGiB = 0): void {
    writeCmosMemorySize(this.cmos, belowFourGiB, aboveFourGiB);
    writeCmosChecksum(this.cmos);
  }
  /** Equipment byte 0x14, then the checksum. */
  setEquipment(floppyDrives: number, fpu = true): void {
    this.cmos[CmosOffset.equipment] = equipmentByte(floppyDrives, fpu);
    writeCmosChecksum(this.cmos);
  }
  /** CPU count at 0x5f (stored minus one). */
  setCpuCount(count: number): void {
    this.cmos[CmosOffset.cpuCountMinusOne] = (Math.max(count | 0, 1) - 1) & 0xff;
  }
  /** Boot order at 0x3d/0x38. */
  setBootOrder(order: readonly CmosBootDevice[], checkFloppySignature = true): void {
    writeCmosBootOrder(this.cmos, order, checkFloppySignature);
  }

  // ---- register interface ----

  /** @internal port 0x70 write */
  selectIndex(value: number): void {
    this.index = value & 0x7f;
    const nmi = (value & 0x80) !== 0;
    if (nmi !== this.nmiDisabled) {
      this.nmiDisabled = nmi;
      if (this.nmiDisable !== null) this.nmiDisable.set(nmi);
    }
  }

  /** Read register `index` (0..0x7f) as the guest does through port 0x71. */
  readRegister(index: number): number {
    const i = index & 0x7f;
    const now = this.clock.now();
    switch (i) {
      case REG_A:
        return (this.cmos[REG_A]! & 0x7f) | (this.updateInProgress(now) ? 0x80 : 0);
      case REG_C: {
        this.catchUp(now);
        const v = this.cmos[REG_C]!;
        this.cmos[REG_C] = 0;
        this.updateIrq();
        this.rearm(now);
        return v;
      }
      case REG_D:
        return 0x80;
      default:
        if (isClockRegister(i) && this.running()) this.materialize(now);
        return this.cmos[i]!;
    }
  }

  /** Write register `index` (0..0x7f) as the guest does through port 0x71. */
  writeRegister(index: number, value: number): void {
    const i = index & 0x7f;
    const v = value & 0xff;
    const now = this.clock.now();
    switch (i) {
      case REG_A: {
        this.catchUp(now);
        const wasDivider = this.dividerRunning();
        const wasRunning = this.running();
        if (wasRunning) this.materialize(now);
        this.cmos[REG_A] = v & 0x7f;
        if (!wasDivider && this.dividerRunning()) {
          // Leaving divider reset: the first update comes 500 ms later.
          this.baseNs = now - NS / 2;
          this.divRefNs = this.baseNs;
        }
        if (!wasRunning && this.running()) this.setEpoch(this.parseRegisters(), now);
        this.rearm(now);
        return;
      }
      case REG_B: {
        this.catchUp(now);
        const wasRunning = this.running();
        // Setting SET aborts updates and clears UIE (datasheet "Register B").
        const b = v & B_SET ? v & ~B_UIE : v;
        if (wasRunning && b & B_SET) this.materialize(now);
        this.cmos[REG_B] = b;
        if (!wasRunning && this.running()) this.setEpoch(this.parseRegisters(), now);
        this.updateIrq();
        this.rearm(now);
        return;
      }
      case REG_C:
      case REG_D:
        return; // read-only
      default:
        if (isClockRegister(i) && this.running()) {
          this.catchUp(now);
          this.materialize(now);
          this.cmos[i] = v;
          this.setEpoch(this.parseRegisters(), now);
          this.rearm(now);
        } else {
          if (i === 0x01 || i === 0x03 || i === 0x05) this.catchUp(now);
          this.cmos[i] = v;
          if (i === 0x01 || i === 0x03 || i === 0x05) this.rearm(now);
        }
    }
  }

  // ---- time keeping ----

  private dividerRunning(): boolean {
    return ((this.cmos[REG_A]! >> 4) & 7) <= 2;
  }
  private running(): boolean {
    return (this.cmos[REG_B]! & B_SET) === 0 && this.dividerRunning();
  }
  private epochAt(now: number): number {
    return this.baseEpoch + Math.floor((now - this.baseNs) / NS);
  }
  /** Make the clock read `epoch` now, keeping the divider's second phase. */
  private setEpoch(epoch: number, now: number): void {
    this.baseEpoch = epoch - Math.floor((now - this.baseNs) / NS);
  }
  private updateInProgress(now: number): boolean {
    if (!this.running()) return false;
    const phase = (((now - this.baseNs) % NS) + NS) % NS;
    return phase >= NS - UIP_LEAD_NS;
  }

  private encode(v: number): number {
    return this.cmos[REG_B]! & B_BINARY ? v : (Math.floor(v / 10) % 10 << 4) | v % 10;
  }
  private decode(b: number): number {
    return this.cmos[REG_B]! & B_BINARY ? b : ((b >> 4) & 15) * 10 + (b & 15);
  }
  private encodeHour(h: number): number {
    if (this.cmos[REG_B]! & B_24H) return this.encode(h);
    return this.encode(h % 12 === 0 ? 12 : h % 12) | (h >= 12 ? 0x80 : 0);
  }
  private decodeHour(b: number): number {
    if (this.cmos[REG_B]! & B_24H) return this.decode(b);
    return (this.decode(b & 0x7f) % 12) + (b & 0x80 ? 12 : 0);
  }

  /** Write the current time into the clock registers (and the century byte). */
  private materialize(now: number): void {
    const t = this.time;
    t.setEpochSeconds(this.epochAt(now));
    const c = this.cmos;
    c[0x00] = this.encode(t.second);
    c[0x02] = this.encode(t.minute);
    c[0x04] = this.encodeHour(t.hour);
    c[0x06] = this.encode(t.weekday);
    c[0x07] = this.encode(t.day);
    c[0x08] = this.encode(t.month);
    c[0x09] = this.encode(((t.year % 100) + 100) % 100);
    c[CmosOffset.century] = this.encode(Math.floor(t.year / 100) % 100);
  }

  /** The time the clock registers hold, in epoch seconds. */
  private parseRegisters(): number {
    const t = this.time;
    const c = this.cmos;
    t.second = this.decode(c[0x00]!);
    t.minute = this.decode(c[0x02]!);
    t.hour = this.decodeHour(c[0x04]!);
    t.day = this.decode(c[0x07]!);
    t.month = this.decode(c[0x08]!);
    const yy = this.decode(c[0x09]!);
    const century = this.decode(c[CmosOffset.century]!);
    t.year = (century >= 19 && century <= 99 ? century * 100 : yy < 70 ? 2000 : 1900) + yy;
    return t.toEpochSeconds();
  }

  // ---- interrupts ----

  /** Set register C flags for every event in (flagsUpToNs, now]. */
  private catchUp(now: number): void {
    const from = this.flagsUpToNs;
    if (now <= from) return;
    this.flagsUpToNs = now;
    if (!this.dividerRunning()) return;
    let f = 0;
    const rs = this.cmos[REG_A]! & 15;
    if (rs !== 0 && this.nextPeriodic(from, rs) <= now) f |= C_PF;
    if (this.running()) {
      if (this.nextSecond(from) <= now) f |= C_UF;
      const alarm = this.nextAlarm(from);
      if (alarm >= 0 && alarm <= now) f |= C_AF;
    }
    if (f !== 0) {
      this.cmos[REG_C] = this.cmos[REG_C]! | f;
      this.updateIrq();
    }
  }

  /** IRQF = PF.PIE + AF.AIE + UF.UIE (datasheet "Register C"); the IRQ pin follows it. */
  private updateIrq(): void {
    const irqf = (this.cmos[REG_C]! & this.cmos[REG_B]! & 0x70) !== 0;
    this.cmos[REG_C] = irqf ? this.cmos[REG_C]! | C_IRQF : this.cmos[REG_C]! & ~C_IRQF;
    if (irqf !== this.irqLevel) {
      this.irqLevel = irqf;
      this.irq.set(irqf);
    }
  }

  /** Arm the timer for the next enabled event, unless the IRQ is already asserted. */
  private rearm(now: number): void {
    let next = Infinity;
    const b = this.cmos[REG_B]!;
    if (!this.irqLevel && this.dividerRunning()) {
      const rs = this.cmos[REG_A]! & 15;
      if (b & B_PIE && rs !== 0) next = this.nextPeriodic(now, rs);
      if (this.running()) {
        if (b & B_UIE) next = Math.min(next, this.nextSecond(now));
        if (b & B_AIE) {
          const a = this.nextAlarm(now);
          if (a >= 0) next = Math.min(next, a);
        }
      }
    }
    if (next === Infinity) this.timer.disarm();
    else this.timer.arm(next);
  }

  private onTimer(now: number): void {
    this.catchUp(now);
    this.rearm(now);
  }

  /** First periodic-flag time after `t`: rate select 1-2 give 256/128 Hz, 3-15 give 32768 >> (rs - 1) Hz. */
  private nextPeriodic(t: number, rs: number): number {
    const cycles = rs <= 2 ? 1 << (rs + 6) : 1 << (rs - 1);
    const elapsed = Math.max(t - this.divRefNs, 0);
    const k = Math.floor(nsToTicks(elapsed, RTC_HZ) / cycles) + 1;
    return this.divRefNs + ticksToNs(k * cycles, RTC_HZ);
  }

  private nextSecond(t: number): number {
    return this.baseNs + (Math.floor((t - this.baseNs) / NS) + 1) * NS;
  }

  /** An alarm byte: -1 "don't care" (11xxxxxx), -2 never matches, else the value. */
  private alarmField(b: number, max: number, hour: boolean): number {
    if ((b & 0xc0) === 0xc0) return -1;
    const v = hour ? this.decodeHour(b) : this.decode(b);
    return v <= max ? v : -2;
  }

  /** Virtual time of the first update after `t` whose new time matches the alarm, or -1. */
  private nextAlarm(t: number): number {
    const ah = this.alarmField(this.cmos[0x05]!, 23, true);
    const am = this.alarmField(this.cmos[0x03]!, 59, false);
    const as = this.alarmField(this.cmos[0x01]!, 59, false);
    if (ah === -2 || am === -2 || as === -2) return -1;
    const now = this.epochAt(t);
    const sod = ((now % 86400) + 86400) % 86400;
    const H = Math.floor(sod / 3600);
    const M = Math.floor(sod / 60) % 60;
    const S = sod % 60;
    for (let dh = 0; dh <= 24; dh++) {
      const h = (H + dh) % 24;
      if (ah >= 0 && h !== ah) continue;
      for (let m = dh === 0 ? M : 0; m < 60; m++) {
        if (am >= 0 && m !== am) continue;
        for (let s = dh === 0 && m === M ? S + 1 : 0; s < 60; s++) {
          if (as >= 0 && s !== as) continue;
          const delta = dh * 3600 + (m - M) * 60 + (s - S);
          return this.baseNs + (now + delta - this.baseEpoch) * NS;
        }
      }
    }
    return -1;
  }

  // ---- snapshot ----

  /** @inheritDoc */
  snapshot(): DeviceState {
    return {
      name: this.stateName,
      version: this.stateVersion,
      fields: {
        cmos: this.cmos.slice(),
        index: this.index,
        nmiDisabled: this.nmiDisabled,
        baseEpoch: this.baseEpoch,
        baseNs: this.baseNs,
        divRefNs: this.divRefNs,
        flagsUpToNs: this.flagsUpToNs,
        irq: this.irqLevel,
      },
    };
  }

  /** @inheritDoc */
  restore(state: DeviceState): void {
    const r = StateReader.open(state, this.stateName, this.stateVersion);
    const big = Number.MAX_SAFE_INTEGER;
    const cmos = r.bytes('cmos', 128);
    const index = r.int('index', 0, 0x7f);
    const nmiDisabled = r.bool('nmiDisabled');
    const baseEpoch = r.int('baseEpoch', -big, big);
    const baseNs = r.int('baseNs', -big, big);
    const divRefNs = r.int('divRefNs', -big, big);
    const flagsUpToNs = r.int('flagsUpToNs', -big, big);
    const irq = r.bool('irq');
    this.cmos.set(cmos);
    this.index = index;
    this.nmiDisabled = nmiDisabled;
    this.baseEpoch = baseEpoch;
    this.baseNs = baseNs;
    this.divRefNs = divRefNs;
    this.flagsUpToNs = flagsUpToNs;
    this.irqLevel = irq;
    this.rearm(this.clock.now());
  }
}

/** The time and date registers the clock updates (plus the century byte). */
function isClockRegister(i: number): boolean {
  return i === 0x00 || i === 0x02 || i === 0x04 || i === 0x06 || i === 0x07 || i === 0x08 || i === 0x09 || i === CmosOffset.century;
}
