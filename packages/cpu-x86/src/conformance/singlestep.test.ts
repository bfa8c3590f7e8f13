import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runFolder, unexpectedFailures, type KnownDifferences } from './cli.js';

// The shared data folder sits next to the repository: <repo>/../shared/data/...
const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..', '..', '..');
const folder = join(repoRoot, '..', 'shared', 'data', 'cpu', 'singlestep-286-real');
const known = JSON.parse(readFileSync(join(here, '..', '..', 'conformance', 'known-differences.json'), 'utf8')) as KnownDifferences;

describe('SingleStepTests 80286 real mode', () => {
  // Both engines; the translator compiles each instruction as a one-instruction block at once.
  for (const engine of ['interpreter', 'translator'] as const) it.skipIf(!existsSync(folder))(`passes every vector except the listed 286/i686 differences (${engine})`, () => {
    const r = runFolder(folder, undefined, { engine, translator: { threshold: 0, maxInstructions: 1 } });
    const bad = unexpectedFailures(r, known);
    const report = bad.slice(0, 20).map((b) => `${b.key} #${b.failure.idx} ${b.failure.name} [${b.failure.reason}]: ${b.failure.diffs.slice(0, 4).join('; ')}`);
    expect(report).toEqual([]);
    // the run covered the whole folder
    expect(r.passed + r.failed).toBeGreaterThan(90_000);
  }, 600_000);
  if (!existsSync(folder)) it('is skipped: ../shared/data/cpu/singlestep-286-real is not present', () => {});
});
