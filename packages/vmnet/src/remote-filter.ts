/**
 * A NIC's receive-filter state (promiscuous mode, effective MAC) carried from
 * the NIC's thread to its switch port's thread in a small shared block.
 *
 * @module
 */
import type { NetBackend } from '@vm/bus';
import { macHigh, macLow } from './mac.js';

const SEQ = 0;
const PROMISC = 1;
const MAC_HIGH = 2;
const MAC_LOW = 3;
/** Bits of {@link PROMISC} and MAC_HIGH saying the field was ever written. */
const SET = 0x10000;
/** Bytes of a filter block. */
export const FILTER_BLOCK_BYTES = 16;

/** What a port does with filter reports (a `VmnetPort`). */
interface FilterTarget {
  setPromiscuous(on: boolean): unknown;
  setEffectiveMac(mac: Uint8Array): unknown;
}

/**
 * One writer (the NIC's thread) bumps a sequence number after each change;
 * the reader (the switch's thread) applies the fields when the number moved.
 * A reader that races a write sees the sequence move again and re-applies,
 * so it always ends on the latest state.
 */
export class RemoteFilterBlock {
  private readonly words: Int32Array;
  private seenSeq: number;
  private readonly mac = new Uint8Array(6);

  /** @param buffer {@link FILTER_BLOCK_BYTES} bytes of shared memory */
  constructor(buffer: SharedArrayBuffer) {
    if (buffer.byteLength < FILTER_BLOCK_BYTES) throw new RangeError(`a filter block needs ${FILTER_BLOCK_BYTES} bytes`);
    this.words = new Int32Array(buffer, 0, 4);
    this.seenSeq = 0;
  }

  /** Writer: the guest turned promiscuous mode on or off. */
  writePromiscuous(on: boolean): void {
    Atomics.store(this.words, PROMISC, SET | (on ? 1 : 0));
    Atomics.add(this.words, SEQ, 1);
  }

  /** Writer: the guest programmed station address `mac`. */
  writeMac(mac: Uint8Array): void {
    Atomics.store(this.words, MAC_LOW, macLow(mac, 0) | 0);
    Atomics.store(this.words, MAC_HIGH, SET | macHigh(mac, 0));
    Atomics.add(this.words, SEQ, 1);
  }

  /** Reader: apply what changed since the last call to `target`. @returns true when something was applied */
  applyTo(target: FilterTarget): boolean {
    const w = this.words;
    const seq = Atomics.load(w, SEQ);
    if (seq === this.seenSeq) return false;
    this.seenSeq = seq;
    const high = Atomics.load(w, MAC_HIGH);
    if ((high & SET) !== 0) {
      const low = Atomics.load(w, MAC_LOW);
      const m = this.mac;
      m[0] = (high >>> 8) & 0xff;
      m[1] = high & 0xff;
      m[2] = low >>> 24;
      m[3] = (low >>> 16) & 0xff;
      m[4] = (low >>> 8) & 0xff;
      m[5] = low & 0xff;
      target.setEffectiveMac(m);
    }
    const p = Atomics.load(w, PROMISC);
    if ((p & SET) !== 0) target.setPromiscuous((p & 1) !== 0);
    return true;
  }
}

/** `backend` as a filter target, or null. */
export function filterTargetOf(backend: NetBackend): FilterTarget | null {
  const b = backend as NetBackend & Partial<FilterTarget>;
  return typeof b.setPromiscuous === 'function' && typeof b.setEffectiveMac === 'function' ? (b as FilterTarget) : null;
}
