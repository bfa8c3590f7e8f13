import { UsageError } from '../cli/run-args.js';

const UNITS: Record<string, number> = { '': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 };

/**
 * Parse a disk size: a byte count or a number with a binary suffix
 * (`K`, `M`, `G`, `T`, optionally followed by `B` or `iB`; `1.5G` works).
 * The result must be a positive multiple of 512 bytes (whole sectors).
 * @throws UsageError naming the bad value
 */
export function parseSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(text);
  if (!m) throw new UsageError(`size "${text}": expected a number with an optional K, M, G or T suffix (e.g. 4G)`);
  const bytes = Number(m[1]) * UNITS[m[2]!.toUpperCase()]!;
  if (!Number.isSafeInteger(bytes) || bytes <= 0) throw new UsageError(`size "${text}": must be a positive whole number of bytes`);
  if (bytes % 512 !== 0) throw new UsageError(`size "${text}" (${bytes} bytes) is not a multiple of 512-byte sectors`);
  return bytes;
}

/** A byte count for people: `4 GiB`, `1.5 MiB`, `512 B` (exact values keep no decimals). */
export function formatSize(bytes: number): string {
  const names = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < names.length - 1) {
    v /= 1024;
    i++;
  }
  const shown = Number.isInteger(v) ? String(v) : v.toFixed(v < 10 ? 2 : 1);
  return `${shown} ${names[i]}`;
}
