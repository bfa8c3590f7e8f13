/**
 * The 82540EM's 64-word Microwire EEPROM (a 93C46): its contents, the
 * bit-banged read protocol driven through EECD, and the EERD shortcut.
 *
 * @module
 */
import { Eecd } from './e1000-regs.js';

/** Words in the EEPROM (EECD.SIZE clear: 64 words, 6 address bits). */
export const EEPROM_WORDS = 64;
/** The sum of all 64 words a valid image has (8254x SDM 5.6.1). */
export const EEPROM_CHECKSUM = 0xbaba;
/** Microwire READ opcode, with its start bit: 1 10. */
const OP_READ = 0b110;

/**
 * Build the image: MAC in words 0..2, the PCI IDs in 0x0B..0x0E, the
 * initialization control words, and word 0x3F making the sum 0xBABA.
 */
export function buildEepromImage(mac: Uint8Array, subsystemId: number, subsystemVendorId: number, deviceId: number): Uint16Array {
  const w = new Uint16Array(EEPROM_WORDS);
  for (let i = 0; i < 3; i++) w[i] = mac[2 * i]! | (mac[2 * i + 1]! << 8);
  // 0x04: LED settings, 0xFFFF = use the power-on defaults (e1000_id_led_init).
  w[0x04] = 0xffff;
  // 0x08-0x09: printed board assembly number.
  w[0x08] = 0x1234;
  w[0x09] = 0x5678;
  // 0x0A: Initialization Control 1: signature 01b in bits 15:14, load subsystem IDs (bit 1),
  // load device IDs (bit 0), full duplex (bit 10).
  w[0x0a] = 0x4000 | 0x0400 | 0x0002 | 0x0001;
  w[0x0b] = subsystemId;
  w[0x0c] = subsystemVendorId;
  w[0x0d] = deviceId;
  w[0x0e] = 0x8086;
  // 0x0F: Initialization Control 2: symmetric and asymmetric PAUSE advertised (bits 13:12).
  w[0x0f] = 0x3000;
  // 0x24: Initialization Control 3 (port A): APM disabled, so no wake-on-LAN is claimed.
  w[0x24] = 0x0000;
  let sum = 0;
  for (let i = 0; i < EEPROM_WORDS - 1; i++) sum += w[i]!;
  w[EEPROM_WORDS - 1] = (EEPROM_CHECKSUM - sum) & 0xffff;
  return w;
}

/**
 * The Microwire serial protocol as the driver bit-bangs it through EECD:
 * with CS high, DI is sampled on each SK rising edge; after the start bit,
 * the 2-bit READ opcode and 6 address bits, DO shifts out the word's bits
 * 15..0, advancing on each SK falling edge, and runs on into the next word.
 * Dropping CS ends the command. DO reads 1 while no read is under way (the
 * part's ready state).
 */
export class MicrowireEeprom {
  /** Last EECD value the driver wrote (the pins it drives). */
  pins = 0;
  private shiftIn = 0;
  private bitsIn = 0;
  private reading = false;
  /** Bit position of the output: word * 16 + (15 - bit). */
  private outPos = 0;

  /** @param words the EEPROM contents (64 words) */
  constructor(readonly words: Uint16Array) {}

  /** Back to idle (reset, or CS dropped). */
  reset(): void {
    this.pins = 0;
    this.idle();
  }

  private idle(): void {
    this.shiftIn = 0;
    this.bitsIn = 0;
    this.reading = false;
    this.outPos = 0;
  }

  /** The driver wrote EECD: track CS, SK and DI. */
  write(value: number): void {
    const old = this.pins;
    this.pins = value & (Eecd.SK | Eecd.CS | Eecd.DI | Eecd.FWE_MASK | Eecd.REQ);
    if ((value & Eecd.CS) === 0) {
      this.idle();
      return;
    }
    if ((old & Eecd.CS) === 0) this.idle(); // CS rising: a new command begins
    const sk = value & Eecd.SK;
    if (sk === (old & Eecd.SK)) return;
    if (sk === 0) {
      if (this.reading) this.outPos++;
      return;
    }
    if (this.reading) return;
    // Wait for the start bit before counting (leading zeros are ignored by the part).
    if (this.bitsIn === 0 && (value & Eecd.DI) === 0) return;
    this.shiftIn = (this.shiftIn << 1) | ((value & Eecd.DI) !== 0 ? 1 : 0);
    this.bitsIn++;
    if (this.bitsIn === 9) {
      if (this.shiftIn >>> 6 === OP_READ) {
        this.reading = true;
        // The dummy zero bit precedes the data: the first falling edge moves to bit 15.
        this.outPos = (this.shiftIn & 0x3f) * 16 - 1;
      } else {
        this.idle(); // write/erase commands are not supported: the image is read-only
      }
    }
  }

  /** EECD as the driver reads it: its own pins, DO, the grant and "present". */
  read(): number {
    let v = this.pins | Eecd.PRES;
    if ((this.pins & Eecd.REQ) !== 0) v |= Eecd.GNT;
    if (this.dataOut()) v |= Eecd.DO;
    return v;
  }

  private dataOut(): boolean {
    if (!this.reading) return true;
    if (this.outPos < 0) return false;
    const word = (this.outPos >>> 4) & (EEPROM_WORDS - 1);
    const bit = 15 - (this.outPos & 15);
    return ((this.words[word]! >>> bit) & 1) !== 0;
  }

  /** EERD: a whole-word read. Returns the register value with DONE and the data. */
  readWord(eerd: number): number {
    const addr = (eerd >>> 8) & 0xff;
    const data = addr < EEPROM_WORDS ? this.words[addr]! : 0xffff;
    return ((data << 16) | (addr << 8) | 0x10) >>> 0;
  }

  /** Capture the protocol state for a snapshot. */
  save(): number[] {
    return [this.pins, this.shiftIn, this.bitsIn, this.reading ? 1 : 0, this.outPos];
  }

  /** Restore what {@link save} captured. */
  load(s: readonly number[]): void {
    this.pins = (s[0] ?? 0) & (Eecd.SK | Eecd.CS | Eecd.DI | Eecd.FWE_MASK | Eecd.REQ);
    this.shiftIn = (s[1] ?? 0) & 0x1ff;
    this.bitsIn = Math.min(Math.max(s[2] ?? 0, 0), 9) | 0;
    this.reading = s[3] === 1;
    this.outPos = Math.max((s[4] ?? 0) | 0, -1) % (EEPROM_WORDS * 16 + 1);
  }
}
