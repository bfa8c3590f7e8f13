/**
 * The Ethernet CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320).
 *
 * @module
 */

const TABLE = /* @__PURE__ */ buildTable();

function buildTable(): Int32Array {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
    t[n] = c;
  }
  return t;
}

/**
 * The running CRC register after `length` bytes of `bytes` from `start`,
 * starting from all ones and without the final inversion. This is the value
 * the LANCE family hashes multicast addresses with (its top 6 bits index
 * the logical address filter).
 */
export function crc32Register(bytes: Uint8Array, start: number, length: number): number {
  let c = -1;
  const end = start + length;
  for (let i = start; i < end; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return c >>> 0;
}

/** The frame check sequence of `length` bytes from `start` (the register, inverted). */
export function ethernetFcs(bytes: Uint8Array, start: number, length: number): number {
  return ~crc32Register(bytes, start, length) >>> 0;
}
