/**
 * Ethernet MAC address helpers. Inside the switch a MAC is two small
 * integers (the high 16 bits and the low 32 bits) so that lookups never
 * allocate; strings and byte arrays are for configuration only.
 *
 * @module
 */

/** A MAC address as given in configuration: `"00:50:56:12:34:56"` or 6 bytes. */
export type MacInput = string | Uint8Array;

const MAC_TEXT = /^[0-9a-f]{2}([:-])[0-9a-f]{2}(\1[0-9a-f]{2}){4}$/i;

/**
 * Parse `"aa:bb:cc:dd:ee:ff"` (or with `-`) or copy 6 bytes.
 * @throws RangeError for anything that is not a MAC address
 */
export function parseMac(mac: MacInput): Uint8Array {
  if (typeof mac !== 'string') {
    if (mac.length !== 6) throw new RangeError(`a MAC address has 6 bytes, got ${mac.length}`);
    return new Uint8Array(mac); // a plain copy, also of a Node Buffer
  }
  if (!MAC_TEXT.test(mac)) throw new RangeError(`not a MAC address: ${JSON.stringify(mac)}`);
  const out = new Uint8Array(6);
  for (let i = 0; i < 6; i++) out[i] = parseInt(mac.slice(i * 3, i * 3 + 2), 16);
  return out;
}

/** Format 6 bytes at `offset` as lower-case `aa:bb:cc:dd:ee:ff`. */
export function formatMac(bytes: Uint8Array, offset = 0): string {
  const parts: string[] = [];
  for (let i = 0; i < 6; i++) parts.push((bytes[offset + i] ?? 0).toString(16).padStart(2, '0'));
  return parts.join(':');
}

/** High 16 bits of the MAC at `offset` (bytes 0-1). */
export function macHigh(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset]! << 8) | bytes[offset + 1]!) & 0xffff;
}

/** Low 32 bits of the MAC at `offset` (bytes 2-5), as an unsigned number. */
export function macLow(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset + 2]! << 24) | (bytes[offset + 3]! << 16) | (bytes[offset + 4]! << 8) | bytes[offset + 5]!) >>> 0;
}

/**
 * True when the MAC at `offset` is a group address (broadcast or multicast):
 * the I/G bit, the least significant bit of the first octet (IEEE 802-2014 §8.2).
 */
export function isGroupMac(bytes: Uint8Array, offset: number): boolean {
  return (bytes[offset]! & 1) !== 0;
}
