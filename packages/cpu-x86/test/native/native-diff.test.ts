/**
 * The native differential suite: every generated case runs on the host CPU
 * (32-bit process, via gcc -m32) and in @vm/cpu-x86; registers, EFLAGS under
 * the case's defined-flags mask, exceptions and the data area must agree,
 * except for mismatches explained in known-differences.json.
 *
 * Environment: VM_NATIVE_DIFF_SEED (default DEFAULT_SEED), VM_NATIVE_DIFF_SCALE
 * (multiplies the random case counts, default 1), VM_NATIVE_DIFF_REPORT (a
 * path to write every mismatch to as JSON), VM_NATIVE_DIFF_FORCE (CPUID.1:EDX bits
 * to treat as present, to run a unit's cases before CPUID advertises it),
 * VM_NATIVE_DIFF_FILTER (a regex on "class: name" selecting the cases to run),
 * VM_NATIVE_DIFF_PAGING=0 (run the emulator without paging), VM_CPU_NATIVE_CACHE
 * (cache dir).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { caseId, codeHex, compareResults, explain, matchText, parseKnown, relaxationFor } from './compare.js';
import { EmulatorRunner } from './emulator.js';
import { DEFAULT_SEED, generateCases } from './generate.js';
import { runNative } from './native.js';
import { Watchdog } from './watchdog.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const seed = Number(process.env['VM_NATIVE_DIFF_SEED'] ?? DEFAULT_SEED) >>> 0;
const scale = Number(process.env['VM_NATIVE_DIFF_SCALE'] ?? 1);
const cases = generateCases(seed, scale);
const native = runNative(cases);
if (!native.ok) console.warn(`native-diff: SKIPPED (${native.reason})`);

interface ClassStats {
  cases: number;
  run: number;
  skipped: number;
  mismatches: number;
  known: number;
}

describe('native differential suite', () => {
  it('generates at least 20,000 deterministic cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(scale >= 1 ? 20_000 : 1);
    const again = generateCases(seed, Math.min(scale, 0.01));
    const first = generateCases(seed, Math.min(scale, 0.01));
    expect(again.map(caseId)).toEqual(first.map(caseId));
  });

  // Both engines: the interpreter, and the translator compiling every block at its first run.
  for (const engine of ['interpreter', 'translator'] as const) it.skipIf(!native.ok)(`matches the host CPU (${engine})`, { timeout: 300_000 }, () => {
    if (!native.ok) return;
    const known = parseKnown(JSON.parse(readFileSync(join(HERE, 'known-differences.json'), 'utf8')));
    const emu = new EmulatorRunner({ engine, translator: { threshold: 0 } }, process.env['VM_NATIVE_DIFF_PAGING'] !== '0');
    if (engine === 'translator') expect(emu.cpu.jit).not.toBeNull();
    // Developers of a unit not yet advertised in CPUID can force its cases to run.
    const features = (emu.features | Number(process.env['VM_NATIVE_DIFF_FORCE'] ?? 0)) >>> 0;
    const stats = new Map<string, ClassStats>();
    const unexplained: string[] = [];
    const report: unknown[] = [];
    const used = new Set<object>();
    const watchdog = new Watchdog(cases.map((c) => `[${c.cls}] ${c.name}`));
    const t0 = Date.now();
    const filter = process.env['VM_NATIVE_DIFF_FILTER'] ? new RegExp(process.env['VM_NATIVE_DIFF_FILTER']) : null;
    cases.forEach((c, i) => {
      if (filter && !filter.test(`${c.cls}: ${c.name}`)) return;
      let s = stats.get(c.cls);
      if (!s) stats.set(c.cls, (s = { cases: 0, run: 0, skipped: 0, mismatches: 0, known: 0 }));
      s.cases++;
      if ((c.requires & features) !== c.requires) {
        s.skipped++;
        return;
      }
      const skip = explain(c, known);
      if (skip && !skip.run) {
        // A known hang: counted as a known mismatch without running it.
        s.mismatches++;
        s.known++;
        used.add(skip);
        return;
      }
      s.run++;
      watchdog.beat(i);
      const emuResult = emu.run(c);
      let diffs = compareResults(c, native.results[i]!, emuResult);
      if (diffs.length === 0) return;
      s.mismatches++;
      const relaxed = relaxationFor(c, known);
      if (relaxed) {
        for (const e of relaxed.entries) used.add(e);
        diffs = compareResults(c, native.results[i]!, emuResult, relaxed.relax);
        if (diffs.length === 0) {
          // Fully covered by relaxations.
          s.known++;
          return;
        }
      }
      const why = explain(c, known, diffs);
      if (why) {
        s.known++;
        used.add(why);
      }
      const text = `#${i} [${c.cls}] ${matchText(c)}\n    code: ${codeHex(c)}\n    in: ${Array.from(c.regs, (v, r) => (r === 4 ? '' : `${['eax', 'ecx', 'edx', 'ebx', '', 'ebp', 'esi', 'edi'][r]}=${v.toString(16)}`)).filter(Boolean).join(' ')} eflags=${c.eflags.toString(16)}\n    ${diffs.join('\n    ')}`;
      report.push({ index: i, id: caseId(c), class: c.cls, name: c.name, code: codeHex(c), diffs, known: why?.reason ?? null });
      if (!why) unexplained.push(text);
    });
    const ms = Date.now() - t0;
    watchdog.stop();
    let total = 0;
    let totalRun = 0;
    let totalBad = 0;
    for (const [cls, s] of stats) {
      total += s.cases;
      totalRun += s.run;
      totalBad += s.mismatches - s.known;
      console.log(`native-diff: ${cls}: ${s.cases} cases, ${s.mismatches} mismatches${s.known ? ` (${s.known} known)` : ''}${s.skipped ? `, ${s.skipped} skipped (CPUID lacks the feature)` : ''}`);
    }
    if (engine === 'translator') console.log(`native-diff: translator ${JSON.stringify(emu.cpu.jitStats)}`);
    console.log(`native-diff (${engine}): ${total} cases (${totalRun} run, ${total - totalRun} skipped), ${totalBad} unexplained mismatches, emulator ${ms} ms${native.cached ? ', native results cached' : ''}`);
    if (!filter) for (const k of known) if (!used.has(k)) console.log(`native-diff: known difference no longer seen (remove it?): [${k.class}] ${k.name}`);
    const reportPath = process.env['VM_NATIVE_DIFF_REPORT'];
    if (reportPath) writeFileSync(reportPath, JSON.stringify(report, null, 1));
    if (unexplained.length > 0) {
      console.log(`native-diff: first unexplained mismatches:\n${unexplained.slice(0, 40).join('\n')}`);
    }
    expect(unexplained.length, `${unexplained.length} unexplained mismatches (see log)`).toBe(0);
    if (!filter && scale >= 1) expect(totalRun, 'cases run in the emulator').toBeGreaterThanOrEqual(20_000);
  });
});
