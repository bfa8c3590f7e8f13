import type { StateRecord } from '@vm/bus';
import { ByteFifo } from './byte-fifo.js';
import type { StateReader } from './state-reader.js';

const ACK = 0xfa;
const RESEND = 0xfe;

/**
 * A PS/2 mouse on the 8042's auxiliary port, with the IntelliMouse (ID 3,
 * wheel) and IntelliMouse Explorer (ID 4, wheel + buttons 4/5) extensions
 * unlocked by the usual sample-rate sequences (200,100,80 and 200,200,80).
 * Stream and remote modes, wrap (echo) mode, status request, resolution,
 * scaling and sample rate follow the PS/2 mouse protocol.
 */
export class Ps2Mouse {
  /** Bytes waiting for the controller. */
  readonly queue = new ByteFifo(64);
  /** Data reporting enabled (F4). */
  reporting = false;
  /** Remote mode (F0) rather than stream mode. */
  remote = false;
  /** Wrap mode: every byte is echoed back. */
  wrap = false;
  /** 2:1 scaling. */
  scaling21 = false;
  /** Resolution code 0..3. */
  resolution = 2;
  /** Samples per second. */
  sampleRate = 100;
  /** Device ID: 0 standard, 3 IntelliMouse, 4 Explorer. */
  id = 0;
  /** Last three sample rates set, packed (oldest in bits 16-23). */
  rateHistory = 0;
  /** A command waiting for its parameter (0xE8, 0xF3), or 0. */
  pendingCommand = 0;
  /** Buttons held (bit 0 left, 1 right, 2 middle, 3 button 4, 4 button 5). */
  buttons = 0;
  /** Movement not yet reported (remote mode, or a full queue). */
  dx = 0;
  /** Movement not yet reported, PS/2 sense (positive = up). */
  dy = 0;
  /** Wheel movement not yet reported. */
  dz = 0;
  /** The last byte sent, for resend. */
  lastSent = 0;

  /** Power-on defaults. */
  reset(): void {
    this.queue.clear();
    this.defaults();
    this.wrap = false;
    this.id = 0;
    this.rateHistory = 0;
    this.pendingCommand = 0;
    this.dx = 0;
    this.dy = 0;
    this.dz = 0;
    this.lastSent = 0;
  }

  private defaults(): void {
    this.reporting = false;
    this.remote = false;
    this.scaling21 = false;
    this.resolution = 2;
    this.sampleRate = 100;
  }

  private send(b: number): void {
    this.lastSent = b;
    this.queue.push(b);
  }

  /** A byte from the controller (0xD4 "write to auxiliary device"). */
  receive(b: number): void {
    if (this.wrap && b !== 0xec && b !== 0xff) {
      this.send(b);
      return;
    }
    const pending = this.pendingCommand;
    if (pending !== 0) {
      this.pendingCommand = 0;
      if (pending === 0xe8) {
        this.resolution = b & 3;
        this.send(ACK);
        return;
      }
      this.setSampleRate(b);
      this.send(ACK);
      return;
    }
    switch (b) {
      case 0xe6:
        this.scaling21 = false;
        this.send(ACK);
        return;
      case 0xe7:
        this.scaling21 = true;
        this.send(ACK);
        return;
      case 0xe8:
      case 0xf3:
        this.pendingCommand = b;
        this.send(ACK);
        return;
      case 0xe9: // status request
        this.send(ACK);
        this.send((this.remote ? 0x40 : 0) | (this.reporting ? 0x20 : 0) | (this.scaling21 ? 0x10 : 0) | ((this.buttons & 1) << 2) | ((this.buttons & 4) >> 1) | ((this.buttons & 2) >> 1));
        this.send(this.resolution);
        this.send(this.sampleRate);
        return;
      case 0xea:
        this.remote = false;
        this.send(ACK);
        return;
      case 0xeb: // read data (remote mode)
        this.send(ACK);
        this.packet();
        return;
      case 0xec:
        this.wrap = false;
        this.send(ACK);
        return;
      case 0xee:
        this.wrap = true;
        this.send(ACK);
        return;
      case 0xf0:
        this.remote = true;
        this.send(ACK);
        return;
      case 0xf2:
        this.send(ACK);
        this.send(this.id);
        return;
      case 0xf4:
        this.reporting = true;
        this.send(ACK);
        return;
      case 0xf5:
        this.reporting = false;
        this.send(ACK);
        return;
      case 0xf6:
        this.defaults();
        this.send(ACK);
        return;
      case 0xfe:
        this.queue.push(this.lastSent);
        return;
      case 0xff:
        this.reset();
        this.send(ACK);
        this.send(0xaa);
        this.send(0x00);
        return;
      default:
        this.send(RESEND);
        return;
    }
  }

  private setSampleRate(rate: number): void {
    this.sampleRate = rate;
    this.rateHistory = ((this.rateHistory << 8) | rate) & 0xffffff;
    if (this.rateHistory === 0xc86450 && this.id === 0) this.id = 3; // 200, 100, 80
    else if (this.rateHistory === 0xc8c850 && this.id === 3) this.id = 4; // 200, 200, 80
  }

  private packetSize(): number {
    return this.id === 0 ? 3 : 4;
  }

  /** Emit one movement packet from the accumulated motion (clamped, with overflow bits). */
  private packet(): void {
    if (this.queue.capacity - this.queue.count < this.packetSize()) return;
    const dx = Math.max(-256, Math.min(255, this.dx));
    const dy = Math.max(-256, Math.min(255, this.dy));
    let b0 = 0x08 | (this.buttons & 7);
    if (dx < 0) b0 |= 0x10;
    if (dy < 0) b0 |= 0x20;
    if (dx !== this.dx) b0 |= 0x40;
    if (dy !== this.dy) b0 |= 0x80;
    this.queue.push(b0);
    this.queue.push(dx & 0xff);
    this.queue.push(dy & 0xff);
    if (this.id === 3) this.queue.push(Math.max(-128, Math.min(127, this.dz)) & 0xff);
    else if (this.id === 4) this.queue.push((Math.max(-8, Math.min(7, this.dz)) & 0x0f) | ((this.buttons & 0x18) << 1));
    this.dx = 0;
    this.dy = 0;
    this.dz = 0;
  }

  /**
   * Host mouse input: relative motion (`dy` positive = down the screen, as
   * browsers report it; the PS/2 packet counts up), wheel steps and the
   * buttons held (bit 0 left, 1 right, 2 middle, 3/4 extra).
   */
  move(dx: number, dy: number, dz: number, buttons: number): void {
    this.dx = clampMotion(this.dx + (dx | 0));
    this.dy = clampMotion(this.dy - (dy | 0));
    this.dz = clampMotion(this.dz + (dz | 0));
    this.buttons = buttons & 0x1f;
    if (this.reporting && !this.remote && !this.wrap) this.packet();
  }

  /** Capture the mouse. */
  save(): StateRecord {
    return {
      queue: this.queue.toArray(),
      reporting: this.reporting,
      remote: this.remote,
      wrap: this.wrap,
      scaling21: this.scaling21,
      resolution: this.resolution,
      sampleRate: this.sampleRate,
      id: this.id,
      rateHistory: this.rateHistory,
      pendingCommand: this.pendingCommand,
      buttons: this.buttons,
      dx: this.dx,
      dy: this.dy,
      dz: this.dz,
      lastSent: this.lastSent,
    };
  }

  /** Validate a saved mouse into a record {@link loadState} accepts. */
  static check(r: StateReader): StateRecord {
    const big = MAX_MOTION;
    return {
      queue: r.bytes('queue', -1, 64),
      reporting: r.bool('reporting'),
      remote: r.bool('remote'),
      wrap: r.bool('wrap'),
      scaling21: r.bool('scaling21'),
      resolution: r.int('resolution', 0, 3),
      sampleRate: r.int('sampleRate', 0, 255),
      id: r.int('id', 0, 4),
      rateHistory: r.int('rateHistory', 0, 0xffffff),
      pendingCommand: r.int('pendingCommand', 0, 255),
      buttons: r.int('buttons', 0, 0x1f),
      dx: r.int('dx', -big, big),
      dy: r.int('dy', -big, big),
      dz: r.int('dz', -big, big),
      lastSent: r.int('lastSent', 0, 255),
    };
  }

  /** Load a record produced by {@link check}. */
  loadState(s: StateRecord): void {
    this.queue.load(s.queue as Uint8Array);
    this.reporting = s.reporting as boolean;
    this.remote = s.remote as boolean;
    this.wrap = s.wrap as boolean;
    this.scaling21 = s.scaling21 as boolean;
    this.resolution = s.resolution as number;
    this.sampleRate = s.sampleRate as number;
    this.id = s.id as number;
    this.rateHistory = s.rateHistory as number;
    this.pendingCommand = s.pendingCommand as number;
    this.buttons = s.buttons as number;
    this.dx = s.dx as number;
    this.dy = s.dy as number;
    this.dz = s.dz as number;
    this.lastSent = s.lastSent as number;
  }
}

/** Unreported motion saturates here (remote mode with nobody reading). */
const MAX_MOTION = 0xffff;
function clampMotion(v: number): number {
  return v > MAX_MOTION ? MAX_MOTION : v < -MAX_MOTION ? -MAX_MOTION : v;
}
