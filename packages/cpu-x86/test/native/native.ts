/**
 * Runs cases on the host CPU: builds harness.c with `gcc -m32`, feeds it the
 * encoded cases and decodes the results. Binaries and results are cached in
 * a directory outside the repository ($VM_CPU_NATIVE_CACHE, else
 * ~/.cache/vm-cpu-native), keyed by a hash of the harness source and the
 * case bytes, so a rerun with the same generator and seed does no native work.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NativeCase } from './case.js';
import { decodeResults, encodeCases, type CaseResult } from './vectors.js';

const HERE = dirname(fileURLToPath(import.meta.url));

/** Native results, or the reason they are unavailable. */
export type NativeOutcome = { readonly ok: true; readonly results: CaseResult[]; readonly cached: boolean } | { readonly ok: false; readonly reason: string };

function cacheDir(): string {
  const dir = process.env['VM_CPU_NATIVE_CACHE'] ?? join(homedir(), '.cache', 'vm-cpu-native');
  mkdirSync(dir, { recursive: true });
  return dir;
}

function sha(...parts: Uint8Array[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex').slice(0, 24);
}

/** Compile the harness (cached by source hash); returns its path or a reason. */
export function buildHarness(): { path: string } | { reason: string } {
  if (process.arch !== 'x64' && process.arch !== 'ia32') return { reason: `host is ${process.arch}, not x86` };
  if (process.platform !== 'linux') return { reason: `host is ${process.platform}; the harness needs Linux` };
  const src = readFileSync(join(HERE, 'harness.c'));
  const dir = cacheDir();
  const bin = join(dir, `harness-${sha(src)}`);
  if (existsSync(bin)) return { path: bin };
  const tmpSrc = `${bin}.c`;
  writeFileSync(tmpSrc, src);
  try {
    execFileSync('gcc', ['-m32', '-O1', '-fno-pie', '-no-pie', '-o', `${bin}.tmp`, tmpSrc], { stdio: 'pipe' });
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    const text = (err.stderr?.toString() ?? err.message).split('\n').slice(0, 3).join(' ');
    return { reason: `gcc -m32 unavailable (install gcc-multilib): ${text}` };
  }
  renameSync(`${bin}.tmp`, bin);
  prune(dir, 'harness-', 4);
  return { path: bin };
}

/** Run `cases` natively (or load cached results). */
export function runNative(cases: readonly NativeCase[]): NativeOutcome {
  const harness = buildHarness();
  if ('reason' in harness) return { ok: false, reason: harness.reason };
  const input = encodeCases(cases);
  const key = sha(readFileSync(harness.path), input);
  const dir = cacheDir();
  const resultsPath = join(dir, `results-${key}.bin`);
  if (existsSync(resultsPath)) {
    return { ok: true, results: decodeResults(new Uint8Array(readFileSync(resultsPath)), cases.length), cached: true };
  }
  const inputPath = join(dir, `cases-${key}.bin`);
  writeFileSync(inputPath, input);
  try {
    execFileSync(harness.path, [inputPath, `${resultsPath}.tmp`], { stdio: 'pipe', timeout: 120_000 });
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    return { ok: false, reason: `native harness failed: ${(err.stderr?.toString() ?? err.message).trim()}` };
  } finally {
    rmSync(inputPath, { force: true });
  }
  renameSync(`${resultsPath}.tmp`, resultsPath);
  prune(dir, 'results-', 6);
  return { ok: true, results: decodeResults(new Uint8Array(readFileSync(resultsPath)), cases.length), cached: false };
}

/** Keep the `keep` newest files starting with `prefix` in `dir`. */
function prune(dir: string, prefix: string, keep: number): void {
  const files = readdirSync(dir)
    .filter((f) => f.startsWith(prefix))
    .map((f) => ({ f, t: statSync(join(dir, f)).mtimeMs }))
    .sort((x, y) => y.t - x.t);
  for (const { f } of files.slice(keep)) rmSync(join(dir, f), { force: true });
}
