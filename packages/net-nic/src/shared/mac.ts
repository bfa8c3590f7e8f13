/**
 * MAC addresses for virtual NICs: derived ones (stable, locally
 * administered, from the VM's identity) and static ones from a `.vmx`
 * `ethernetN.address` key.
 *
 * @module
 */

/** Most NICs a VM may have (ESX Server 2.x allows four). */
export const MAX_NICS_PER_VM = 4;

/** The result of parsing a MAC address: the six bytes, or why not. */
export type MacParseResult =
  | {
      /** Parsed. */
      readonly ok: true;
      /** The six bytes, first transmitted first. */
      readonly mac: Uint8Array;
    }
  | {
      /** Rejected. */
      readonly ok: false;
      /** Why, for the user. */
      readonly error: string;
    };

/** Format six bytes as `xx:xx:xx:xx:xx:xx` (lower case). */
export function formatMac(mac: Uint8Array): string {
  let s = '';
  for (let i = 0; i < 6; i++) s += (i ? ':' : '') + (mac[i]! & 0xff).toString(16).padStart(2, '0');
  return s;
}

/**
 * Parse `xx:xx:xx:xx:xx:xx` (or with `-` separators), two hex digits per
 * byte. Only the syntax is checked; see {@link parseStaticMac} for the rules
 * a NIC's own address must follow.
 */
export function parseMac(text: string): MacParseResult {
  const m = /^([0-9a-fA-F]{2})([:-])([0-9a-fA-F]{2})\2([0-9a-fA-F]{2})\2([0-9a-fA-F]{2})\2([0-9a-fA-F]{2})\2([0-9a-fA-F]{2})$/.exec(text.trim());
  if (m === null) return { ok: false, error: `"${text}" is not a MAC address (expected six hex bytes like 00:50:56:01:02:03)` };
  const mac = new Uint8Array(6);
  for (let i = 0; i < 6; i++) mac[i] = parseInt(m[i === 0 ? 1 : i + 2]!, 16);
  return { ok: true, mac };
}

/** Options for {@link parseStaticMac}. */
export interface StaticMacOptions {
  /**
   * Require VMware's range for manually assigned addresses,
   * 00:50:56:00:00:00 to 00:50:56:3F:FF:FF (the rest of the 00:50:56 OUI is
   * reserved for generated addresses). Default true.
   */
  readonly vmwareRange?: boolean;
}

/**
 * Parse and validate a static NIC address (`ethernetN.address` with
 * `ethernetN.addressType = "static"`): well formed, a unicast address (the
 * group bit of the first byte clear), not all zeros, and by default inside
 * VMware's static range.
 */
export function parseStaticMac(text: string, options: StaticMacOptions = {}): MacParseResult {
  const r = parseMac(text);
  if (!r.ok) return r;
  const mac = r.mac;
  if ((mac[0]! & 1) !== 0) return { ok: false, error: `${formatMac(mac)} is a multicast address; a NIC needs a unicast address` };
  if (mac.every((b) => b === 0)) return { ok: false, error: 'the all-zero MAC address is not valid' };
  if ((options.vmwareRange ?? true) && !(mac[0] === 0x00 && mac[1] === 0x50 && mac[2] === 0x56 && mac[3]! <= 0x3f))
    return { ok: false, error: `${formatMac(mac)} is outside the static range 00:50:56:00:00:00 - 00:50:56:3f:ff:ff` };
  return r;
}

/** FNV-1a over the UTF-16 code units of `text`, continuing from `h`. */
function fnv1a(h: number, text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h = Math.imul(h ^ (c & 0xff), 0x01000193);
    h = Math.imul(h ^ (c >>> 8), 0x01000193);
  }
  return h >>> 0;
}

/**
 * A stable MAC for NIC `index` (0..3) of the VM named by `vmIdentity` (its
 * configuration path or UUID): `02:` (locally administered, unicast)
 * followed by bytes of two FNV-1a hashes of the identity. The low two bits of
 * the last byte are the index, so a VM's NICs never collide with each other;
 * no randomness is involved, so the same VM gets the same addresses on every
 * run.
 * @throws RangeError for an index outside 0..3 or an empty identity
 */
export function deriveMac(vmIdentity: string, index: number): Uint8Array {
  if (!Number.isInteger(index) || index < 0 || index >= MAX_NICS_PER_VM)
    throw new RangeError(`NIC index ${index} is outside 0..${MAX_NICS_PER_VM - 1}`);
  if (vmIdentity.length === 0) throw new RangeError('deriveMac needs a non-empty VM identity');
  const a = fnv1a(0x811c9dc5, vmIdentity);
  const b = fnv1a(a ^ 0x5bd1e995, vmIdentity);
  return Uint8Array.of(0x02, a >>> 24, (a >>> 16) & 0xff, (a >>> 8) & 0xff, (a ^ b) & 0xff, (b & 0xfc) | index);
}
