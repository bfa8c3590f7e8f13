/** How bad a {@link VmxDiagnostic} is. */
export type VmxSeverity = 'error' | 'warning';

/** One problem found in a `.vmx` file or a machine configuration. */
export interface VmxDiagnostic {
  /** Errors reject the file; warnings are reported and the file is still used. */
  readonly severity: VmxSeverity;
  /** 1-based line number, or null when the problem is not tied to a line (a missing key). */
  readonly line: number | null;
  /** The key concerned (as written in the file), or null for a syntax error. */
  readonly key: string | null;
  /** The value as written, or null. */
  readonly value: string | null;
  /** Why it is a problem, e.g. `not an integer`. */
  readonly message: string;
}

/**
 * One-line human form: `line 7: memsize = "12x": not an integer`, shortened
 * when line, key or value are unknown.
 */
export function formatDiagnostic(d: VmxDiagnostic): string {
  let s = d.line !== null ? `line ${d.line}: ` : '';
  if (d.key !== null) s += d.value !== null ? `${d.key} = "${d.value}": ` : `${d.key}: `;
  return s + d.message;
}

/**
 * Thrown by the convenience loaders when a `.vmx` file has errors; carries
 * every diagnostic (errors and warnings).
 */
export class VmxError extends Error {
  /** Everything found, errors first in line order. */
  readonly diagnostics: readonly VmxDiagnostic[];
  /** @param diagnostics the problems; the message lists the errors */
  constructor(diagnostics: readonly VmxDiagnostic[]) {
    const errors = diagnostics.filter((d) => d.severity === 'error');
    super(errors.length > 0 ? errors.map(formatDiagnostic).join('\n') : 'invalid .vmx file');
    this.name = 'VmxError';
    this.diagnostics = diagnostics;
  }
}

/** Sort diagnostics by line (unlined last), keeping the order within a line. */
export function sortDiagnostics(list: VmxDiagnostic[]): VmxDiagnostic[] {
  return list
    .map((d, i) => ({ d, i }))
    .sort((a, b) => (a.d.line ?? Infinity) - (b.d.line ?? Infinity) || a.i - b.i)
    .map((x) => x.d);
}
