import type { StateRecord } from '@vm/bus';
import { ByteFifo } from './byte-fifo.js';
import { keyScanCodes } from './ps2-scancodes.js';
import type { StateReader } from './state-reader.js';

const ACK = 0xfa;
const RESEND = 0xfe;
const BAT_OK = 0xaa;
const ECHO = 0xee;

/**
 * A PS/2 (MF2) keyboard: the device behind the 8042's keyboard port. It
 * speaks the keyboard command protocol (reset, set LEDs, echo, identify,
 * scan code set, typematic, enable/disable, defaults, resend) and turns host
 * key events into scan codes of its current set (1 or 2; set 3 is refused as
 * by keyboards that lack it). Output waits in a 16-byte buffer until the
 * controller takes it.
 */
export class Ps2Keyboard {
  /** Bytes waiting for the controller. */
  readonly queue = new ByteFifo(16);
  /** Scan code set in use (1 or 2). */
  scanSet = 2;
  /** Scanning enabled (F4/F5). */
  scanning = true;
  /** LED state from the last "set LEDs" (bit 0 scroll, 1 num, 2 caps). */
  leds = 0;
  /** Typematic rate/delay byte. */
  typematic = 0x2b;
  /** A command waiting for its parameter byte (0xED, 0xF0, 0xF3), or 0. */
  pendingCommand = 0;
  /** The last byte sent, for the resend command. */
  lastSent = 0;

  /** Power-on state (after the BAT the controller sees 0xAA only on a reset command). */
  reset(): void {
    this.queue.clear();
    this.defaults();
    this.scanning = true;
    this.leds = 0;
    this.pendingCommand = 0;
    this.lastSent = 0;
  }

  private defaults(): void {
    this.scanSet = 2;
    this.typematic = 0x2b;
  }

  private send(b: number): void {
    this.lastSent = b;
    this.queue.push(b);
  }

  /** A byte from the controller (a command or a command's parameter). */
  receive(b: number): void {
    const pending = this.pendingCommand;
    if (pending !== 0 && b < 0xed) {
      this.pendingCommand = 0;
      this.parameter(pending, b);
      return;
    }
    this.pendingCommand = 0;
    switch (b) {
      case 0xed: // set LEDs
      case 0xf3: // set typematic rate/delay
      case 0xf0: // select scan code set
        this.send(ACK);
        this.pendingCommand = b;
        return;
      case 0xee:
        this.send(ECHO);
        return;
      case 0xf2: // identify: MF2 keyboard (the controller translates 0x83 to 0x41)
        this.send(ACK);
        this.send(0xab);
        this.send(0x83);
        return;
      case 0xf4:
        this.send(ACK);
        this.scanning = true;
        return;
      case 0xf5: // disable and restore defaults
        this.send(ACK);
        this.defaults();
        this.scanning = false;
        return;
      case 0xf6: // restore defaults, keep scanning
        this.send(ACK);
        this.defaults();
        this.scanning = true;
        return;
      case 0xf7:
      case 0xf8:
      case 0xf9:
      case 0xfa:
      case 0xfb:
      case 0xfc:
      case 0xfd: // set-3 key type commands: accepted, nothing to change in sets 1/2
        this.send(ACK);
        return;
      case 0xfe:
        this.queue.push(this.lastSent);
        return;
      case 0xff: // reset and basic assurance test
        this.reset();
        this.send(ACK);
        this.send(BAT_OK);
        return;
      default:
        this.send(RESEND);
        return;
    }
  }

  private parameter(command: number, b: number): void {
    switch (command) {
      case 0xed:
        this.leds = b & 7;
        this.send(ACK);
        return;
      case 0xf3:
        this.typematic = b & 0x7f;
        this.send(ACK);
        return;
      default: // 0xf0
        if (b === 0) {
          this.send(ACK);
          this.send(this.scanSet);
        } else if (b === 1 || b === 2) {
          this.scanSet = b;
          this.send(ACK);
        } else {
          this.send(RESEND);
        }
        return;
    }
  }

  /**
   * A host key event for the key with `KeyboardEvent.code` `code`. Returns
   * false if the keyboard does not know the key, is not scanning, or its
   * buffer cannot take the whole sequence.
   */
  keyEvent(code: string, down: boolean): boolean {
    if (!this.scanning) return false;
    if (code === 'Pause') return down ? this.pushAll(this.scanSet === 1 ? PAUSE_SET1 : PAUSE_SET2) : true;
    if (code === 'PrintScreen') {
      const seq = this.scanSet === 1 ? (down ? PRTSC_SET1_MAKE : PRTSC_SET1_BREAK) : down ? PRTSC_SET2_MAKE : PRTSC_SET2_BREAK;
      return this.pushAll(seq);
    }
    const k = keyScanCodes(code);
    if (k === undefined) return false;
    const make = this.scanSet === 1 ? k.set1 : k.set2;
    const prefixed = make > 0xff;
    const need = (prefixed ? 1 : 0) + (down || this.scanSet === 1 ? 1 : 2);
    if (this.queue.capacity - this.queue.count < need) return false;
    if (prefixed) this.queue.push(0xe0);
    if (down) this.queue.push(make & 0xff);
    else if (this.scanSet === 1) this.queue.push((make & 0xff) | 0x80);
    else {
      this.queue.push(0xf0);
      this.queue.push(make & 0xff);
    }
    return true;
  }

  /** Queue raw bytes as if the keyboard had sent them (all or nothing). */
  pushAll(bytes: readonly number[]): boolean {
    if (this.queue.capacity - this.queue.count < bytes.length) return false;
    for (const b of bytes) this.queue.push(b & 0xff);
    return true;
  }

  /** Capture the keyboard. */
  save(): StateRecord {
    return {
      queue: this.queue.toArray(),
      scanSet: this.scanSet,
      scanning: this.scanning,
      leds: this.leds,
      typematic: this.typematic,
      pendingCommand: this.pendingCommand,
      lastSent: this.lastSent,
    };
  }

  /** Validate a saved keyboard into a record {@link loadState} accepts. */
  static check(r: StateReader): StateRecord {
    return {
      queue: r.bytes('queue', -1, 16),
      scanSet: r.int('scanSet', 1, 2),
      scanning: r.bool('scanning'),
      leds: r.int('leds', 0, 7),
      typematic: r.int('typematic', 0, 0x7f),
      pendingCommand: r.int('pendingCommand', 0, 255),
      lastSent: r.int('lastSent', 0, 255),
    };
  }

  /** Load a record produced by {@link check}. */
  loadState(s: StateRecord): void {
    this.queue.load(s.queue as Uint8Array);
    this.scanSet = s.scanSet as number;
    this.scanning = s.scanning as boolean;
    this.leds = s.leds as number;
    this.typematic = s.typematic as number;
    this.pendingCommand = s.pendingCommand as number;
    this.lastSent = s.lastSent as number;
  }
}

const PAUSE_SET1 = [0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5];
const PAUSE_SET2 = [0xe1, 0x14, 0x77, 0xe1, 0xf0, 0x14, 0xf0, 0x77];
const PRTSC_SET1_MAKE = [0xe0, 0x2a, 0xe0, 0x37];
const PRTSC_SET1_BREAK = [0xe0, 0xb7, 0xe0, 0xaa];
const PRTSC_SET2_MAKE = [0xe0, 0x12, 0xe0, 0x7c];
const PRTSC_SET2_BREAK = [0xe0, 0xf0, 0x7c, 0xe0, 0xf0, 0x12];
