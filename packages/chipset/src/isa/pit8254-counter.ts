import type { StateRecord } from '@vm/bus';
import type { StateReader } from './state-reader.js';
import { nsToTicks, ticksToNs } from './virtual-ticks.js';

/** The 8254's input clock on a PC: 14.31818 MHz / 12. */
export const PIT_HZ = 1_193_182;

// Read/write byte sequencing states (8254 datasheet "Read/Write Operations").
const RW_LSB = 1;
const RW_MSB = 2;
const RW_WORD0 = 3; // next byte is the LSB of a word
const RW_WORD1 = 4; // next byte is the MSB of a word

function bcdToBin(v: number): number {
  return ((v >> 12) & 15) * 1000 + ((v >> 8) & 15) * 100 + ((v >> 4) & 15) * 10 + (v & 15);
}
function binToBcd(v: number): number {
  return (Math.floor(v / 1000) % 10 << 12) | (Math.floor(v / 100) % 10 << 8) | (Math.floor(v / 10) % 10 << 4) | v % 10;
}

/**
 * One 8254 counter, computed from virtual time rather than ticked: the
 * counter remembers when its count was loaded (`refNs`) and how many input
 * clocks had elapsed before that segment (`baseTicks`, for a gate that paused
 * counting), and derives the count and OUT level for any instant. Modes per
 * the Intel 8254 datasheet "Mode Definitions"; a new count takes effect at
 * once in every mode (the datasheet's end-of-period reload in modes 2 and 3 is
 * not modelled; BIOSes and Linux write the control word first anyway).
 */
export class Pit8254Counter {
  /** Mode 0..5 (6 and 7 alias 2 and 3). */
  mode = 0;
  /** BCD counting. */
  bcd = false;
  /** Access: 1 LSB only, 2 MSB only, 3 LSB then MSB. */
  access = 3;
  /** Where the next read of the count continues. */
  readState = RW_WORD0;
  /** Where the next write of the count continues. */
  writeState = RW_WORD0;
  /** The LSB of a word write in progress. */
  writeLatch = 0;
  /** The count register as written (binary or BCD, 0 means the maximum). */
  initial = 0;
  /** The GATE input. */
  gate = true;
  /** A count was written since the last control word (status "null count" is clear). */
  loaded = false;
  /** The counting element holds a count and runs (modes 1 and 5: after a trigger). */
  counting = false;
  /** Counting advances now (gate permits). */
  running = false;
  /** Virtual ns where the current counting segment began. */
  refNs = 0;
  /** Input clocks elapsed before the current segment. */
  baseTicks = 0;
  /** Count shown while not counting. */
  holdCount = 0;
  /** Latched count state: 0 none, else the read sequence state for the latch. */
  latchState = 0;
  /** The latched count. */
  latched = 0;
  /** A status byte is latched (read-back command). */
  statusLatched = false;
  /** The latched status byte. */
  status = 0;

  /** @param gateDefault the GATE input's level at reset */
  constructor(readonly gateDefault: boolean) {
    this.gate = gateDefault;
  }

  /** Unprogrammed state: no count, OUT at its mode-3 idle level (high). */
  reset(): void {
    this.mode = 3;
    this.bcd = false;
    this.access = 3;
    this.readState = RW_WORD0;
    this.writeState = RW_WORD0;
    this.writeLatch = 0;
    this.initial = 0;
    this.gate = this.gateDefault;
    this.loaded = false;
    this.counting = false;
    this.running = false;
    this.refNs = 0;
    this.baseTicks = 0;
    this.holdCount = 0;
    this.latchState = 0;
    this.latched = 0;
    this.statusLatched = false;
    this.status = 0;
  }

  /** The period in input clocks: the count register decoded, 0 meaning 65536 (10000 in BCD). */
  get period(): number {
    const n = this.bcd ? bcdToBin(this.initial) : this.initial;
    return n === 0 ? (this.bcd ? 10000 : 65536) : n;
  }

  /** Input clocks counted since the count was loaded. */
  ticks(now: number): number {
    return this.running ? this.baseTicks + nsToTicks(now - this.refNs, PIT_HZ) : this.baseTicks;
  }

  /** The OUT pin at `now`. */
  out(now: number): boolean {
    if (!this.counting) return this.mode !== 0; // mode 0 idles low, the others high
    const n = this.period;
    const d = this.ticks(now);
    switch (this.mode) {
      case 0: // interrupt on terminal count: low until the count reaches zero
      case 1: // hardware one-shot: low from the trigger to terminal count
        return d >= n;
      case 2: // rate generator: low for one clock when the count reaches 1
        return !this.running || n < 2 || d % n !== n - 1;
      case 3: // square wave: high for ceil(N/2), low for floor(N/2)
        return !this.running || n < 2 || d % n < (n + 1) >> 1;
      default: // 4, 5 strobes: low for one clock when the count reaches zero
        return d !== n;
    }
  }

  /** The counting element's value at `now`, encoded (binary or BCD). */
  count(now: number): number {
    if (!this.counting) return this.holdCount;
    const n = this.period;
    const m = this.bcd ? 10000 : 65536;
    const d = this.ticks(now);
    let v: number;
    switch (this.mode) {
      case 2:
        v = n - (d % n);
        break;
      case 3:
        v = n - ((2 * d) % n);
        break;
      default:
        v = (((n - d) % m) + m) % m;
        break;
    }
    v %= m;
    return this.bcd ? binToBcd(v) : v;
  }

  /** Virtual ns of the next OUT transition after `now`, or -1 if OUT will not change by itself. */
  nextEdge(now: number): number {
    if (!this.counting || !this.running) return -1;
    const n = this.period;
    const d = this.ticks(now);
    let k: number;
    switch (this.mode) {
      case 0:
      case 1:
        k = d < n ? n : -1;
        break;
      case 2: {
        if (n < 2) return -1;
        const p = d % n;
        k = p < n - 1 ? d - p + n - 1 : d - p + n;
        break;
      }
      case 3: {
        if (n < 2) return -1;
        const p = d % n;
        const half = (n + 1) >> 1;
        k = p < half ? d - p + half : d - p + n;
        break;
      }
      default:
        k = d < n ? n : d === n ? n + 1 : -1;
        break;
    }
    if (k < 0) return -1;
    const t = this.refNs + ticksToNs(k - this.baseTicks, PIT_HZ);
    return t > now ? t : now + 1;
  }

  /** A control word for this counter (not a latch command). */
  writeControl(control: number, now: number): void {
    this.holdCount = this.count(now);
    const mode = (control >> 1) & 7;
    this.mode = mode > 5 ? mode & 3 : mode;
    this.bcd = (control & 1) !== 0;
    this.access = (control >> 4) & 3;
    this.readState = this.access;
    this.writeState = this.access;
    this.latchState = 0;
    this.loaded = false;
    this.counting = false;
    this.running = false;
  }

  /** Counter latch command: freeze the current count for reading (a second latch is ignored). */
  latchCount(now: number): void {
    if (this.latchState !== 0) return;
    this.latched = this.count(now);
    this.latchState = this.access;
  }

  /** Read-back status latch: OUT, null count, access, mode, BCD. */
  latchStatus(now: number): void {
    if (this.statusLatched) return;
    this.status = (this.out(now) ? 0x80 : 0) | (this.loaded ? 0 : 0x40) | (this.access << 4) | (this.mode << 1) | (this.bcd ? 1 : 0);
    this.statusLatched = true;
  }

  /** A read of the counter's port. */
  read(now: number): number {
    if (this.statusLatched) {
      this.statusLatched = false;
      return this.status;
    }
    if (this.latchState !== 0) {
      const v = this.latched;
      switch (this.latchState) {
        case RW_LSB:
          this.latchState = 0;
          return v & 0xff;
        case RW_MSB:
          this.latchState = 0;
          return (v >> 8) & 0xff;
        case RW_WORD0:
          this.latchState = RW_WORD1;
          return v & 0xff;
        default:
          this.latchState = 0;
          return (v >> 8) & 0xff;
      }
    }
    const v = this.count(now);
    switch (this.readState) {
      case RW_LSB:
        return v & 0xff;
      case RW_MSB:
        return (v >> 8) & 0xff;
      case RW_WORD0:
        this.readState = RW_WORD1;
        return v & 0xff;
      default:
        this.readState = RW_WORD0;
        return (v >> 8) & 0xff;
    }
  }

  /** A write of the counter's port (count bytes). */
  write(value: number, now: number): void {
    switch (this.writeState) {
      case RW_LSB:
        this.loadCount(value & 0xff, now);
        break;
      case RW_MSB:
        this.loadCount((value & 0xff) << 8, now);
        break;
      case RW_WORD0:
        this.writeLatch = value & 0xff;
        this.writeState = RW_WORD1;
        // Mode 0: writing the first byte stops the count and drives OUT low.
        if (this.mode === 0 && this.counting) {
          this.holdCount = this.count(now);
          this.counting = false;
          this.running = false;
        }
        break;
      default:
        this.loadCount(this.writeLatch | ((value & 0xff) << 8), now);
        this.writeState = RW_WORD0;
        break;
    }
  }

  /** A complete count was written. */
  private loadCount(value: number, now: number): void {
    this.initial = value;
    this.loaded = true;
    if (this.mode === 1 || this.mode === 5) return; // waits for a gate trigger
    this.start(now, this.gate);
  }

  private start(now: number, run: boolean): void {
    this.counting = true;
    this.baseTicks = 0;
    this.refNs = now;
    this.running = run;
  }

  /** Drive the GATE input. */
  setGate(level: boolean, now: number): void {
    if (level === this.gate) return;
    this.gate = level;
    const m = this.mode;
    if (!level) {
      // Modes 0, 2, 3, 4 stop counting while GATE is low (modes 2/3 force OUT high).
      if (m !== 1 && m !== 5 && this.running) {
        this.baseTicks = this.ticks(now);
        this.running = false;
      }
      return;
    }
    if (m === 0 || m === 4) {
      if (this.counting) {
        this.refNs = now;
        this.running = true;
      }
    } else if (this.loaded) {
      // Modes 1/5 trigger, modes 2/3 restart from the initial count.
      this.start(now, true);
    }
  }

  /** Capture the counter. */
  save(): StateRecord {
    return {
      mode: this.mode,
      bcd: this.bcd,
      access: this.access,
      readState: this.readState,
      writeState: this.writeState,
      writeLatch: this.writeLatch,
      initial: this.initial,
      gate: this.gate,
      loaded: this.loaded,
      counting: this.counting,
      running: this.running,
      refNs: this.refNs,
      baseTicks: this.baseTicks,
      holdCount: this.holdCount,
      latchState: this.latchState,
      latched: this.latched,
      statusLatched: this.statusLatched,
      status: this.status,
    };
  }

  /** Read and validate a saved counter (does not change this one). */
  static check(r: StateReader): StateRecord {
    return {
      mode: r.int('mode', 0, 5),
      bcd: r.bool('bcd'),
      access: r.int('access', 1, 3),
      readState: r.int('readState', 1, 4),
      writeState: r.int('writeState', 1, 4),
      writeLatch: r.int('writeLatch', 0, 255),
      initial: r.int('initial', 0, 0xffff),
      gate: r.bool('gate'),
      loaded: r.bool('loaded'),
      counting: r.bool('counting'),
      running: r.bool('running'),
      refNs: r.int('refNs', 0, Number.MAX_SAFE_INTEGER),
      baseTicks: r.int('baseTicks', 0, Number.MAX_SAFE_INTEGER),
      holdCount: r.int('holdCount', 0, 0xffff),
      latchState: r.int('latchState', 0, 4),
      latched: r.int('latched', 0, 0xffff),
      statusLatched: r.bool('statusLatched'),
      status: r.int('status', 0, 255),
    };
  }

  /** Load a record produced by {@link check}. */
  loadState(s: StateRecord): void {
    this.mode = s.mode as number;
    this.bcd = s.bcd as boolean;
    this.access = s.access as number;
    this.readState = s.readState as number;
    this.writeState = s.writeState as number;
    this.writeLatch = s.writeLatch as number;
    this.initial = s.initial as number;
    this.gate = s.gate as boolean;
    this.loaded = s.loaded as boolean;
    this.counting = s.counting as boolean;
    this.running = s.running as boolean;
    this.refNs = s.refNs as number;
    this.baseTicks = s.baseTicks as number;
    this.holdCount = s.holdCount as number;
    this.latchState = s.latchState as number;
    this.latched = s.latched as number;
    this.statusLatched = s.statusLatched as boolean;
    this.status = s.status as number;
  }
}
