/** One disk's timings: seconds on the guest's clock and on the host's. */
export interface DiskResult {
  readonly adapter: string;
  readonly kind: string;
  /** The guest's device name (sda, ...). */
  readonly dev: string;
  /** MiB moved each way. */
  readonly mib: number;
  readonly write: { readonly guest: number; readonly host: number };
  readonly read: { readonly guest: number; readonly host: number };
}

const rate = (mib: number, s: number): string => (s > 0 ? (mib / s).toFixed(2) : 'inf');

/** A fixed-width table: adapter, disk, then write and read MiB/s on the guest's clock and the host's. */
export function formatDiskTable(results: readonly DiskResult[]): string {
  const head = ['adapter', 'disk', 'dev', 'write MB/s (guest)', 'read MB/s (guest)', 'write MB/s (host)', 'read MB/s (host)'];
  const rows = results.map((r) => [
    r.adapter,
    r.kind,
    r.dev,
    rate(r.mib, r.write.guest),
    rate(r.mib, r.read.guest),
    rate(r.mib, r.write.host),
    rate(r.mib, r.read.host),
  ]);
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i < 3 ? c.padEnd(width[i]!) : c.padStart(width[i]!))).join('  ');
  return [line(head), width.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
