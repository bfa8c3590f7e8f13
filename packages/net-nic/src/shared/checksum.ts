/**
 * Internet (ones' complement) checksums over guest frames, for transmit
 * checksum insertion and receive checksum verification.
 *
 * @module
 */

/**
 * Add the 16-bit big-endian words of `bytes[start, end)` to `sum` (an odd
 * trailing byte is padded with zero). The result is unfolded; fold it with
 * {@link foldChecksum}.
 */
export function addChecksum(sum: number, bytes: Uint8Array, start: number, end: number): number {
  let i = start;
  // A frame is at most 64 KiB, so the sum stays far below 2^53 unfolded.
  while (i + 1 < end) {
    sum += (bytes[i]! << 8) | bytes[i + 1]!;
    i += 2;
  }
  if (i < end) sum += bytes[i]! << 8;
  return sum;
}

/** Fold a sum from {@link addChecksum} to 16 bits (not inverted). */
export function foldChecksum(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

/** The checksum to store: the folded sum, inverted; 0 becomes 0xffff (both mean zero). */
export function finishChecksum(sum: number): number {
  const c = ~foldChecksum(sum) & 0xffff;
  return c === 0 ? 0xffff : c;
}
