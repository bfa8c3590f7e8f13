/**
 * Diagnosis of CPU shares with Linux guests: two (or as many as --shares
 * lists) guests on ONE physical CPU, CPU-bound in a shell loop, shares
 * given by --shares (default 2000,1000), measured after --settle seconds
 * for --measure seconds. With VM_HOST_QUANTUM_LOG=<dir> in the environment
 * each worker writes one JSON line per quantum there (see the host's
 * quantum-log.ts), and the script sums the measured window up per VM and
 * per gap before the quantum (none, one quantum, longer): instructions per
 * ms of CPU over the whole quantum, its first ~5 ms and the rest, and the
 * share of instructions the translator interpreted.
 *
 *   VM_HOST_QUANTUM_LOG=/tmp/q node --conditions=source --import tsx bench/host/quanta.ts [--settle 45] [--measure 20] [--sample 1] [--scan 4096]
 */

import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VmHost } from '@vm/host';
import { Consoles, linuxVmx, log, needGuests, r1, sleep, untilTrue } from './linux-guests.js';

const argv = process.argv.slice(2);
const arg = (name: string, def: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1]! : def;
};
const SHARES = arg('shares', '2000,1000').split(',').map(Number);
const VMS = Number(arg('vms', String(SHARES.length)));
const MEASURE_S = Number(arg('measure', '30'));
const SETTLE_S = Number(arg('settle', '10'));
const LOOP = arg('loop', 'i=0; while :; do i=$((i+1)); if [ $((i % 500)) -eq 0 ]; then echo P; fi; done');

needGuests();
const dir = mkdtempSync(join(tmpdir(), 'vm-bench-quanta-'));
const host = new VmHost({ poolMB: VMS * 128 + 64, pcpus: 1, swapDir: dir, sampleActive: arg('sample', '1') === '1', shareScanVm: Number(arg('scan', '4096')) });
const cons = new Consoles(host);
const names: string[] = [];
for (let i = 0; i < VMS; i++) {
  const n = host.addVmx(linuxVmx(dir, `q${i}`, 128));
  names.push(n);
  cons.attach(n);
}
try {
  for (const n of names) await host.start(n);
  const status = setInterval(() => {
    for (const n of names) log(`${n}: ${host.retired(n)} instructions, ${Math.round(host.cpuTimes(n)?.usedMs ?? 0)} ms CPU, console ${JSON.stringify(cons.textOf(n).slice(-100))}`);
  }, 30_000);
  await untilTrue(() => names.every((n) => cons.prompts(n) > 0), 30 * 60_000, 'boot');
  clearInterval(status);
  log(`booted: ${names.map((n) => `${n} ${host.retired(n)} instructions in ${Math.round(host.cpuTimes(n)!.usedMs)} ms CPU`).join(', ')}`);
  await sleep(5000);
  for (const n of names) host.consoleIn(n, Buffer.from(LOOP + '\n'));
  names.forEach((n, i) => host.setCpu(n, { shares: SHARES[i] ?? 1000 }));
  await sleep(SETTLE_S * 1000);
  const progress = (n: string): number => (cons.textOf(n).match(/(?<=\n)P(?=\r?\n)/g) ?? []).length;
  const p0 = names.map(progress);
  const r0 = names.map((n) => host.retired(n));
  const u0 = names.map((n) => host.cpuTimes(n)!.usedMs);
  const w0 = performance.now();
  log(`measuring ${MEASURE_S} s`);
  await sleep(MEASURE_S * 1000);
  const wall = performance.now() - w0;
  const dp = names.map((n, i) => progress(n) - p0[i]!);
  const dr = names.map((n, i) => host.retired(n) - r0[i]!);
  const du = names.map((n, i) => host.cpuTimes(n)!.usedMs - u0[i]!);
  const sum = (a: number[]): number => a.reduce((s, x) => s + x, 0);
  names.forEach((n, i) => {
    log(`${n} shares ${SHARES[i]}: progress ${r1((100 * dp[i]!) / sum(dp))}% (${dp[i]} lines), instructions ${r1((100 * dr[i]!) / sum(dr))}%, CPU ${r1((100 * du[i]!) / wall)}% of wall, ${Math.round(dr[i]! / du[i]!)} instr/ms`);
  });
  const qdir = process.env['VM_HOST_QUANTUM_LOG'];
  if (qdir) {
    for (const n of names) {
      const f = join(qdir, `${n}.jsonl`);
      if (!existsSync(f)) continue;
      type Q = { t: number; usedMs: number; gapMs: number; retired: number; early: number; earlyMs: number; interpreted: number; compiled: number };
      const rows = readFileSync(f, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Q).filter((q) => q.t >= performance.timeOrigin + w0 && q.t <= performance.timeOrigin + w0 + wall);
      for (const [lo, hi, what] of [[0, 5, 'no gap'], [5, 30, 'gap of one quantum'], [30, Infinity, 'longer gap']] as const) {
        const x = rows.filter((q) => q.gapMs >= lo && q.gapMs < hi);
        if (x.length === 0) continue;
        const R = x.reduce((s, q) => s + q.retired, 0);
        const U = x.reduce((s, q) => s + q.usedMs, 0);
        const E = x.reduce((s, q) => s + q.early, 0);
        const EM = x.reduce((s, q) => s + q.earlyMs, 0);
        const I = x.reduce((s, q) => s + q.interpreted, 0);
        log(`  ${n} after ${what}: ${x.length} quanta, ${Math.round(R / U)} instr/ms (first ${r1(EM / x.length)} ms ${Math.round(E / EM)}, rest ${Math.round((R - E) / (U - EM))}), ${r1((100 * I) / R)}% interpreted, ${x.reduce((s, q) => s + q.compiled, 0)} compiles`);
      }
    }
  }
} catch (e) {
  log(`failed: ${(e as Error).message}`);
} finally {
  await host.close();
}
