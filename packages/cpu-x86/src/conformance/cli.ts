/**
 * Command-line driver for the single-step runner: reads every
 * `<OP>[.<REG>].json.gz` in a folder plus its `metadata.json`, prints the pass
 * rate per opcode and a final `singlestep: P passed, F failed` line.
 *
 * Node-only (reads files); not exported from the package entry.
 *
 * @module
 */

import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { REASONS, SingleStepRunner, flagsMaskFor } from './singlestep.js';
import type { CpuOptions } from '../cpu.js';
import type { OpcodeMeta, SingleStepFailure, SingleStepTest } from './singlestep.js';

/** Results of one folder. */
export interface FolderResult {
  passed: number;
  failed: number;
  /** Failures per file key (e.g. `F6.6`). */
  failures: Map<string, SingleStepFailure[]>;
  /** Tests per file key. */
  counts: Map<string, number>;
}

/** Run every vector file in `dir`; `filter` limits to file keys it accepts. */
export function runFolder(dir: string, filter: (key: string) => boolean = () => true, options: CpuOptions = {}): FolderResult {
  const metaRaw = JSON.parse(readFileSync(join(dir, 'metadata.json'), 'utf8')) as { opcodes: Record<string, OpcodeMeta> };
  const files = readdirSync(dir).filter((f) => f.endsWith('.json.gz')).sort();
  const runner = new SingleStepRunner(options);
  const res: FolderResult = { passed: 0, failed: 0, failures: new Map(), counts: new Map() };
  for (const f of files) {
    const key = f.slice(0, -'.json.gz'.length);
    if (!filter(key)) continue;
    const tests = JSON.parse(gunzipSync(readFileSync(join(dir, f))).toString('utf8')) as SingleStepTest[];
    const mask = flagsMaskFor(metaRaw.opcodes, key);
    const fails: SingleStepFailure[] = [];
    tests.forEach((t, i) => {
      const r = runner.run(t, mask, i);
      if (r) fails.push(r);
    });
    res.counts.set(key, tests.length);
    res.passed += tests.length - fails.length;
    res.failed += fails.length;
    if (fails.length > 0) res.failures.set(key, fails);
  }
  return res;
}

/** The committed list of expected failures: per file key, reason code -> test indices. */
export interface KnownDifferences {
  reasons: Record<string, string>;
  cases: Record<string, Record<string, number[]>>;
}

/** Build the known-differences list from a run (every failure must have a reason). */
export function knownFromResult(r: FolderResult): KnownDifferences {
  const cases: Record<string, Record<string, number[]>> = {};
  for (const [key, fails] of r.failures) {
    const byReason: Record<string, number[]> = {};
    for (const f of fails) (byReason[f.reason ?? 'UNEXPLAINED'] ??= []).push(f.idx);
    for (const v of Object.values(byReason)) v.sort((a, b) => a - b);
    cases[key] = byReason;
  }
  return { reasons: { ...REASONS }, cases };
}

/** Failures of `r` that `known` does not list with the same reason. */
export function unexpectedFailures(r: FolderResult, known: KnownDifferences): { key: string; failure: SingleStepFailure }[] {
  const out: { key: string; failure: SingleStepFailure }[] = [];
  for (const [key, fails] of r.failures) {
    for (const f of fails) {
      const listed = f.reason !== null && (known.cases[key]?.[f.reason]?.includes(f.idx) ?? false);
      if (!listed) out.push({ key, failure: f });
    }
  }
  return out;
}

/** CLI entry: `singlestep <folder> [--verbose] [--only=KEY,...] [--write-known=FILE]`. */
export function main(argv: string[]): number {
  const args = argv.filter((a) => !a.startsWith('--'));
  const dir = args[0];
  if (!dir) {
    console.error('usage: singlestep <folder> [--verbose] [--only=KEY,...]');
    return 2;
  }
  const verbose = argv.includes('--verbose');
  const only = argv.find((a) => a.startsWith('--only='))?.slice(7).split(',');
  const r = runFolder(dir, only ? (k) => only.includes(k) : undefined);
  for (const [key, n] of r.counts) {
    const fails = r.failures.get(key) ?? [];
    const pct = ((100 * (n - fails.length)) / n).toFixed(1);
    console.log(`${key.padEnd(6)} ${String(n - fails.length).padStart(4)}/${n} ${pct}%`);
    if (verbose) for (const f of fails.slice(0, 5)) console.log(`   #${f.idx} ${f.name}: ${f.diffs.slice(0, 4).join('; ')}`);
  }
  const write = argv.find((a) => a.startsWith('--write-known='))?.slice(14);
  if (write) writeFileSync(write, JSON.stringify(knownFromResult(r), null, 1) + '\n');
  const byReason = new Map<string, number>();
  for (const fails of r.failures.values()) for (const f of fails) byReason.set(f.reason ?? 'UNEXPLAINED', (byReason.get(f.reason ?? 'UNEXPLAINED') ?? 0) + 1);
  for (const [k, n] of byReason) console.log(`  ${n} failed: ${k}`);
  console.log(`singlestep: ${r.passed} passed, ${r.failed} failed`);
  return r.failed === 0 ? 0 : 1;
}
