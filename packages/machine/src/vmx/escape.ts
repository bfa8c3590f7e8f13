/**
 * VMware's value escaping: inside a `.vmx` value, `|` followed by two hex
 * digits stands for that byte (`|22` is `"`, `|7C` is `|`, `|0A` a newline).
 * The format has no backslash escapes: Windows paths are written as is.
 */

const HEX = /^[0-9A-Fa-f]{2}$/;

/** Result of {@link unescapeVmxValue}. */
export interface UnescapeResult {
  /** The decoded value. */
  readonly value: string;
  /** Number of `|` characters not followed by two hex digits (kept literally). */
  readonly strayPipes: number;
}

/**
 * Decode `|XX` escapes. A `|` that does not start a valid escape is kept as
 * a literal `|` and counted, so the caller can warn about it.
 */
export function unescapeVmxValue(raw: string): UnescapeResult {
  if (raw.indexOf('|') < 0) return { value: raw, strayPipes: 0 };
  let out = '';
  let stray = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '|') {
      const hex = raw.slice(i + 1, i + 3);
      if (HEX.test(hex)) {
        out += String.fromCharCode(parseInt(hex, 16));
        i += 2;
        continue;
      }
      stray++;
    }
    out += c;
  }
  return { value: out, strayPipes: stray };
}

/**
 * Encode a value for a quoted `.vmx` value: `"`, `|` and control characters
 * become `|XX`; everything else (including non-ASCII text) is kept.
 */
export function escapeVmxValue(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x22 || c === 0x7c || c < 0x20 || c === 0x7f) out += '|' + c.toString(16).toUpperCase().padStart(2, '0');
    else out += value[i]!;
  }
  return out;
}
