import type { BootOutcome } from './boot-once.js';
import type { SystemId } from './runners/types.js';
import { medianTiming, PARTS, ratio, ROW_NAMES, timingRows, type PartName, type Timing } from './stats.js';

/** Every round of one system, and its medians. */
export interface SystemResult {
  readonly id: SystemId;
  readonly label: string;
  readonly version: string | null;
  /** Why the system was not run, or null. */
  readonly skipped: string | null;
  /** One entry per round, in order. */
  readonly runs: BootOutcome[];
  /** Medians over the successful runs, or null when none succeeded (cpu: null where CPU time was unknown). */
  median: { readonly host: Timing; readonly cpu: Timing | null; readonly guest: Timing } | null;
  /** Problems with what the guest computed (a wrong digest, a different gzip size). */
  readonly checkFailures: string[];
}

/** The medians of a system's successful runs, or null. */
export function medians(runs: readonly BootOutcome[]): SystemResult['median'] {
  const ok = runs.flatMap((r) => (r.ok ? [r.measurement] : []));
  if (ok.length === 0) return null;
  const cpu = ok.flatMap((m) => (m.cpu ? [m.cpu] : []));
  return {
    host: medianTiming(ok.map((m) => m.host)),
    cpu: cpu.length > 0 ? medianTiming(cpu) : null,
    guest: medianTiming(ok.map((m) => m.guest)),
  };
}

/**
 * Check what each run's workload printed against `expected` (known answers), and
 * every part without a known answer against the first successful peer run: all
 * systems run the same busybox on the same input, so they must print the same.
 */
export function checkOutputs(results: SystemResult[], expected: Partial<Record<PartName, string>>): void {
  let reference: Record<PartName, string> | null = null;
  for (const s of results) {
    const first = s.id === 'vm' ? undefined : s.runs.find((r) => r.ok);
    if (first?.ok) {
      reference = first.measurement.outputs;
      break;
    }
  }
  for (const s of results) {
    s.runs.forEach((r, i) => {
      if (!r.ok) return;
      for (const p of PARTS) {
        const got = r.measurement.outputs[p];
        const want = expected[p] ?? reference?.[p];
        if (want !== undefined && got !== want) {
          s.checkFailures.push(`round ${i + 1}: ${p} printed ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
        }
      }
    });
  }
}

function cell(v: number | null): string {
  return v === null || !Number.isFinite(v) ? '-' : v.toFixed(2);
}

/** The side-by-side table: each system's medians, then our ratio to each peer. */
export function formatTable(results: readonly SystemResult[]): string {
  const ours = results.find((s) => s.id === 'vm') ?? null;
  const peers = results.filter((s) => s.id !== 'vm');
  const headers = ['seconds, median', ...results.map((s) => s.label), ...(ours ? peers.map((p) => `vm/${p.label}`) : [])];
  const rows: string[][] = [];
  const titles = {
    host: 'measured by the host (wall clock)',
    guest: 'reported by the guest (/proc/uptime)',
    cpu: "the emulator process's CPU time (user + system, all threads)",
  };
  for (const side of ['host', 'guest', 'cpu'] as const) {
    rows.push([titles[side]]);
    const of = (s: SystemResult | null) => timingRows(s?.median?.[side] ?? null);
    const oursRows = of(ours);
    const perSystem = results.map(of);
    const perPeer = peers.map(of);
    ROW_NAMES.forEach((name, i) => {
      const row = [`  ${i >= 2 ? '  ' : ''}${name}`];
      for (const sys of perSystem) row.push(cell(sys[i]!));
      if (ours) for (const p of perPeer) row.push(cell(ratio(oursRows[i]!, p[i]!)));
      rows.push(row);
    });
  }
  const widths = headers.map((h, c) => Math.max(h.length, ...rows.filter((r) => r.length > 1).map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) =>
    r.length === 1 ? r[0]! : r.map((v, c) => (c === 0 ? v.padEnd(widths[c]!) : v.padStart(widths[c]!))).join('  ');
  return [line(headers), ...rows.map(line)].join('\n');
}

/** Our ratio to one peer for every figure of one view; null where either side is missing. */
export type RatioSet = Record<'toShellSeconds' | 'workloadSeconds' | PartName | 'loopGzipSeconds', number | null>;

/** For each peer (`vm/<peer id>`), our ratios in each view (host, guest, cpu), for the result file. */
export function ratiosToPeers(results: readonly SystemResult[]): Record<string, Record<'host' | 'guest' | 'cpu', RatioSet>> {
  const ours = results.find((s) => s.id === 'vm');
  const out: Record<string, Record<'host' | 'guest' | 'cpu', RatioSet>> = {};
  for (const p of results.filter((s) => s.id !== 'vm')) {
    const one = (side: 'host' | 'guest' | 'cpu'): RatioSet => {
      const a = timingRows(ours?.median?.[side] ?? null);
      const b = timingRows(p.median?.[side] ?? null);
      const r = (i: number) => ratio(a[i]!, b[i]!);
      return { toShellSeconds: r(0), workloadSeconds: r(1), sha256: r(2), loop: r(3), gzip: r(4), loopGzipSeconds: r(5) };
    };
    out[`vm/${p.id}`] = { host: one('host'), guest: one('guest'), cpu: one('cpu') };
  }
  return out;
}
