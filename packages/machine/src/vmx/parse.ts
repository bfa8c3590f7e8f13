import type { VmxDiagnostic } from './diagnostic.js';
import { VmxDocument } from './document.js';
import { unescapeVmxValue } from './escape.js';

/** Result of {@link parseVmx}: the settings plus what was wrong with the text. */
export interface VmxParseResult {
  /** True when there are no errors. */
  readonly ok: boolean;
  /** Every well-formed setting (also when there are errors elsewhere). */
  readonly document: VmxDocument;
  /** Syntax errors and warnings, in line order. */
  readonly diagnostics: readonly VmxDiagnostic[];
}

// Keys are dotted names with colons for SCSI/IDE targets (scsi0:1.fileName)
// and an optional leading dot (.encoding).
const KEY = /^[A-Za-z0-9_.:-]+$/;

/**
 * Parse `.vmx` text: `key = "value"` lines, `#` comment lines and blank
 * lines. Keys are case-insensitive. Quoted values decode VMware's `|XX`
 * escapes; a bare (unquoted) value is accepted with a warning. A line that
 * is not a setting, an unterminated quote or text after the closing quote is
 * an error naming the line; so is a key set twice to different values (the
 * same value twice is a warning).
 */
export function parseVmx(text: string): VmxParseResult {
  const diagnostics: VmxDiagnostic[] = [];
  const document = new VmxDocument();
  const lines = text.split(/\r\n|\n|\r/);
  const err = (line: number, key: string | null, value: string | null, message: string): void => {
    diagnostics.push({ severity: 'error', line, key, value, message });
  };
  const warn = (line: number, key: string | null, value: string | null, message: string): void => {
    diagnostics.push({ severity: 'warning', line, key, value, message });
  };
  for (let n = 0; n < lines.length; n++) {
    const lineNo = n + 1;
    let src = lines[n]!;
    if (n === 0 && src.charCodeAt(0) === 0xfeff) src = src.slice(1); // byte-order mark
    const s = src.trim();
    if (s === '' || s.startsWith('#')) continue;
    const eq = s.indexOf('=');
    if (eq < 0) {
      err(lineNo, null, null, `expected key = "value", found "${s.length > 40 ? s.slice(0, 40) + '...' : s}"`);
      continue;
    }
    const key = s.slice(0, eq).trim();
    if (key === '') {
      err(lineNo, null, null, 'missing key before "="');
      continue;
    }
    if (!KEY.test(key)) {
      err(lineNo, key, null, 'invalid key (letters, digits, ".", ":", "_" and "-" only)');
      continue;
    }
    const rest = s.slice(eq + 1).trim();
    let raw: string;
    if (rest.startsWith('"')) {
      const close = rest.indexOf('"', 1);
      if (close < 0) {
        err(lineNo, key, null, 'unterminated quoted value');
        continue;
      }
      raw = rest.slice(1, close);
      const after = rest.slice(close + 1).trim();
      if (after !== '' && !after.startsWith('#')) {
        err(lineNo, key, raw, `unexpected text after the closing quote: ${after}`);
        continue;
      }
    } else {
      raw = rest;
      warn(lineNo, key, raw, 'value is not quoted');
    }
    const { value, strayPipes } = unescapeVmxValue(raw);
    if (strayPipes > 0) warn(lineNo, key, raw, '"|" not followed by two hex digits was kept as is');
    const prev = document.entry(key);
    if (prev !== undefined) {
      if (prev.value === value) warn(lineNo, key, raw, `duplicate of line ${prev.line}`);
      else err(lineNo, key, raw, `duplicate key, already set on line ${prev.line} to "${prev.value}"`);
      continue;
    }
    document.put({ key, value, line: lineNo });
  }
  return { ok: !diagnostics.some((d) => d.severity === 'error'), document, diagnostics };
}
