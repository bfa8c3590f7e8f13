/** The three parts of the fixed in-guest workload, in the order the guest runs them. */
export const PARTS = ['sha256', 'loop', 'gzip'] as const;

/** One part of the workload. */
export type PartName = (typeof PARTS)[number];

/** Seconds for each part of the workload; null where this side cannot tell that part alone. */
export type PerPart = Record<PartName, number | null>;

/** What one boot of one system took, seen from one side (the host's clock or the guest's /proc/uptime). */
export interface Timing {
  /** From the start (host: process spawn; guest: the kernel's clock start) to the shell marker. */
  readonly toShellSeconds: number;
  /** The whole workload. */
  readonly workloadSeconds: number;
  /** Each part alone. */
  readonly perPart: PerPart;
  /** The loop and gzip parts together (the host can always tell this, even when it cannot split them). */
  readonly loopGzipSeconds: number;
}

/** The median of a non-empty list (mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of an empty list');
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The median of the values that are present, or null when none is. */
export function medianOrNull(values: ReadonlyArray<number | null>): number | null {
  const present = values.filter((v): v is number => v !== null);
  return present.length === 0 ? null : median(present);
}

/** The field-by-field median of several timings of the same system. */
export function medianTiming(runs: readonly Timing[]): Timing {
  const perPart = {} as Record<PartName, number | null>;
  for (const p of PARTS) perPart[p] = medianOrNull(runs.map((r) => r.perPart[p]));
  return {
    toShellSeconds: median(runs.map((r) => r.toShellSeconds)),
    workloadSeconds: median(runs.map((r) => r.workloadSeconds)),
    perPart,
    loopGzipSeconds: median(runs.map((r) => r.loopGzipSeconds)),
  };
}

/** ours / peer (lower is better for us); null when either side is missing or the peer took no time. */
export function ratio(ours: number | null, peer: number | null): number | null {
  if (ours === null || peer === null || !(peer > 0)) return null;
  return ours / peer;
}

/** The names of the table's rows, in order. */
export const ROW_NAMES = ['to shell', 'workload', 'sha256', 'loop', 'gzip', 'loop + gzip'] as const;

/** Every timing field in table order (null where missing), matching {@link ROW_NAMES}. */
export function timingRows(t: Timing | null): Array<number | null> {
  if (t === null) return ROW_NAMES.map(() => null);
  return [t.toShellSeconds, t.workloadSeconds, t.perPart.sha256, t.perPart.loop, t.perPart.gzip, t.loopGzipSeconds];
}
