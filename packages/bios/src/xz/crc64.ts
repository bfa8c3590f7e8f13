/**
 * CRC-64 as used by xz (the ECMA-182 polynomial, bit-reflected, initial value
 * and final XOR of all ones). The 64-bit register is kept as two unsigned
 * 32-bit halves so no BigInt is needed.
 *
 * @module
 */

/** Reflected ECMA-182 polynomial 0xC96C5795D7870F42, split into halves. */
const POLY_HI = 0xc96c5795;
const POLY_LO = 0xd7870f42;

const TABLE_LO = new Int32Array(256);
const TABLE_HI = new Int32Array(256);
for (let n = 0; n < 256; n++) {
  let lo = n;
  let hi = 0;
  for (let k = 0; k < 8; k++) {
    const carry = lo & 1;
    lo = (lo >>> 1) | (hi << 31);
    hi = hi >>> 1;
    if (carry) {
      lo ^= POLY_LO;
      hi ^= POLY_HI;
    }
  }
  TABLE_LO[n] = lo;
  TABLE_HI[n] = hi;
}

/**
 * CRC-64 of `data[start, end)`.
 * @returns `[low 32 bits, high 32 bits]`, both unsigned
 */
export function crc64(data: Uint8Array, start = 0, end = data.length): [number, number] {
  const tl = TABLE_LO;
  const th = TABLE_HI;
  let lo = -1;
  let hi = -1;
  for (let i = start; i < end; i++) {
    const idx = (lo ^ data[i]!) & 0xff;
    lo = ((lo >>> 8) | (hi << 24)) ^ tl[idx]!;
    hi = (hi >>> 8) ^ th[idx]!;
  }
  return [~lo >>> 0, ~hi >>> 0];
}
