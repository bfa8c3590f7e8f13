/**
 * Parsers for `.vmx` value syntax, shared by the `.vmx` reader and the
 * configuration validator. Each returns the value or a short reason.
 *
 * @module
 */

import type { Shares } from './types.js';

/** A parsed value or why it could not be parsed. */
export type Parsed<T> =
  | {
      /** Parsed. */
      readonly ok: true;
      /** The value. */
      readonly value: T;
    }
  | {
      /** Not parsed. */
      readonly ok: false;
      /** Why, e.g. `not an integer`. */
      readonly reason: string;
    };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = <T>(reason: string): Parsed<T> => ({ ok: false, reason });

/** `TRUE`/`FALSE` (VMware's spelling), also `yes`/`no`/`1`/`0`, any case. */
export function parseBool(s: string): Parsed<boolean> {
  const v = s.trim().toLowerCase();
  if (v === 'true' || v === 'yes' || v === '1') return ok(true);
  if (v === 'false' || v === 'no' || v === '0') return ok(false);
  return bad('not a boolean (TRUE or FALSE)');
}

/** A decimal integer, optionally within `min..max`. */
export function parseInteger(s: string, min = -Infinity, max = Infinity): Parsed<number> {
  const v = s.trim();
  if (!/^[+-]?\d+$/.test(v)) return bad('not an integer');
  const n = Number(v);
  if (!Number.isSafeInteger(n)) return bad('integer out of range');
  if (n < min || n > max) return bad(`must be between ${min} and ${max}`);
  return ok(n);
}

/** `low`, `normal`, `high` or a share count 1..1,000,000. */
export function parseShares(s: string): Parsed<Shares> {
  const v = s.trim().toLowerCase();
  if (v === 'low' || v === 'normal' || v === 'high') return ok(v);
  const n = parseInteger(v, 1, 1_000_000);
  return n.ok ? n : bad('not low, normal, high or a share count 1..1000000');
}

/** True when `shares` is a valid {@link Shares} value. */
export function isShares(shares: unknown): shares is Shares {
  return shares === 'low' || shares === 'normal' || shares === 'high' || (Number.isSafeInteger(shares) && (shares as number) >= 1 && (shares as number) <= 1_000_000);
}

/**
 * The number of shares a setting stands for, as ESX 2 counts them: per
 * virtual CPU for CPU shares (high 2000, normal 1000, low 500) and per MB of
 * configured memory for memory shares (high 20, normal 10, low 5).
 * @param units virtual CPUs (cpu) or megabytes (mem)
 */
export function sharesValue(shares: Shares, kind: 'cpu' | 'mem', units: number): number {
  if (typeof shares === 'number') return shares;
  const per = kind === 'cpu' ? { low: 500, normal: 1000, high: 2000 } : { low: 5, normal: 10, high: 20 };
  return per[shares] * units;
}

/** One of `allowed` (compared case-insensitively, returned in the allowed spelling). */
export function parseEnum<T extends string>(s: string, allowed: readonly T[]): Parsed<T> {
  const v = s.trim().toLowerCase();
  const hit = allowed.find((a) => a.toLowerCase() === v);
  return hit !== undefined ? ok(hit) : bad(`not one of ${allowed.join(', ')}`);
}

/** A MAC address `xx:xx:xx:xx:xx:xx` (hex, any case), returned lower-case. */
export function parseMac(s: string): Parsed<string> {
  const v = s.trim().toLowerCase();
  if (!/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(v)) return bad('not a MAC address (xx:xx:xx:xx:xx:xx)');
  return ok(v);
}

function macNumber(mac: string): number {
  return parseInt(mac.replace(/:/g, ''), 16);
}

/**
 * The MAC ranges VMware reserves: `static` addresses set by hand must lie in
 * 00:50:56:00:00:00..00:50:56:3F:FF:FF, addresses VirtualCenter assigns
 * (`vpx`) in 00:50:56:80:00:00..00:50:56:BF:FF:FF, and `generated` ones use
 * the 00:0C:29 OUI.
 */
export const VMWARE_MAC_RANGES: Readonly<Record<'static' | 'vpx' | 'generated', MacRange>> = {
  static: { first: '00:50:56:00:00:00', last: '00:50:56:3f:ff:ff' },
  vpx: { first: '00:50:56:80:00:00', last: '00:50:56:bf:ff:ff' },
  generated: { first: '00:0c:29:00:00:00', last: '00:0c:29:ff:ff:ff' },
};

/** An inclusive range of MAC addresses. */
export interface MacRange {
  /** Lowest address, lower-case colon form. */
  readonly first: string;
  /** Highest address. */
  readonly last: string;
}

/** True when `mac` (lower-case, colon form) lies in VMware's range for `type`. */
export function macInVmwareRange(mac: string, type: keyof typeof VMWARE_MAC_RANGES): boolean {
  const r = VMWARE_MAC_RANGES[type];
  const n = macNumber(mac);
  return n >= macNumber(r.first) && n <= macNumber(r.last);
}

/**
 * A 128-bit UUID, either in VMware's form (16 hex bytes separated by spaces,
 * with a `-` between the 8th and 9th: `56 4d 12 ... ab-cd ...`) or the usual
 * 8-4-4-4-12 form. Returned in VMware's form, lower-case.
 */
export function parseUuid(s: string): Parsed<string> {
  const v = s.trim().toLowerCase();
  let hex: string | null = null;
  if (/^([0-9a-f]{2} ){7}[0-9a-f]{2}-([0-9a-f]{2} ){7}[0-9a-f]{2}$/.test(v)) hex = v.replace(/[ -]/g, '');
  else if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(v)) hex = v.replace(/-/g, '');
  if (hex === null) return bad('not a UUID ("56 4d ... 9a bc-de f0 ... 9a bc" or 8-4-4-4-12 form)');
  const bytes = hex.match(/../g)!;
  return ok(`${bytes.slice(0, 8).join(' ')}-${bytes.slice(8).join(' ')}`);
}

/** `all`, or a comma-separated list of distinct physical CPU numbers 0..63. */
export function parseAffinity(s: string): Parsed<'all' | number[]> {
  const v = s.trim().toLowerCase();
  if (v === 'all' || v === '') return ok('all');
  const out: number[] = [];
  for (const part of v.split(',')) {
    const n = parseInteger(part, 0, 63);
    if (!n.ok) return bad(`"${part.trim()}" is not a CPU number 0..63`);
    if (out.includes(n.value)) return bad(`CPU ${n.value} listed twice`);
    out.push(n.value);
  }
  return ok(out);
}
