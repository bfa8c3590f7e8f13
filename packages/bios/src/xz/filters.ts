/**
 * The non-last filters of an xz filter chain, applied in place to a whole
 * decoded block: the x86 branch converter (BCJ) and the delta filter.
 *
 * @module
 */

/** Is this the high byte of a small (near-zero, positive or negative) 32-bit displacement? */
function isSmallHigh(b: number): boolean {
  return b === 0x00 || b === 0xff;
}

/** For the E8/E9 history mask: may the converter run, given the previous opcode bytes seen? */
const MASK_ALLOWED = [true, true, true, false, true, false, false, false];
/** For the same mask: which operand byte (counting from the top) to test. */
const MASK_BYTE = [0, 1, 2, 2, 3, 3, 3, 3];

/**
 * Undo the x86 BCJ filter on `buf[start, end)`: CALL (E8) and JMP (E9)
 * operands the encoder turned from relative into absolute addresses are made
 * relative again. `startOffset` is the filter's start-offset property; the
 * last four bytes are never converted (an instruction cannot fit there).
 */
export function bcjX86Decode(buf: Uint8Array, start: number, end: number, startOffset: number): void {
  const size = end - start;
  if (size < 5) return;
  // Bit k of `mask` set: an E8/E9 byte was seen k + 1 bytes before the previous one examined.
  let mask = 0;
  let prev = -1;
  const limit = size - 4;
  for (let i = 0; i < limit; i++) {
    const op = buf[start + i]!;
    if ((op & 0xfe) !== 0xe8) continue;
    const gap = i - prev;
    if (gap > 3) {
      mask = 0;
    } else {
      mask = (mask << (gap - 1)) & 7;
      if (mask !== 0 && (!MASK_ALLOWED[mask] || isSmallHigh(buf[start + i + 4 - MASK_BYTE[mask]!]!))) {
        // Probably inside another instruction's operand: remember the byte and move on.
        prev = i;
        mask = (mask << 1) | 1;
        continue;
      }
    }
    prev = i;
    const p = start + i;
    if (!isSmallHigh(buf[p + 4]!)) {
      mask = (mask << 1) | 1;
      continue;
    }
    let src = buf[p + 1]! | (buf[p + 2]! << 8) | (buf[p + 3]! << 16) | (buf[p + 4]! << 24);
    const here = (startOffset + i + 5) | 0;
    let dest: number;
    for (;;) {
      dest = (src - here) | 0;
      if (mask === 0) break;
      const shift = MASK_BYTE[mask]! * 8;
      if (!isSmallHigh((dest >>> (24 - shift)) & 0xff)) break;
      src = dest ^ ((1 << (32 - shift)) - 1);
    }
    // Keep 25 significant bits; the top byte is the sign of bit 24.
    buf[p + 1] = dest;
    buf[p + 2] = dest >>> 8;
    buf[p + 3] = dest >>> 16;
    buf[p + 4] = dest & 0x1000000 ? 0xff : 0x00;
    i += 4;
  }
}

/** Undo the delta filter: each byte was stored as its difference from the byte `distance` earlier. */
export function deltaDecode(buf: Uint8Array, start: number, end: number, distance: number): void {
  for (let i = start + distance; i < end; i++) buf[i] = buf[i]! + buf[i - distance]!;
}
