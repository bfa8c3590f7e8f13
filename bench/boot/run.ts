// The boot bench: the same kernel and initramfs booted by vm, QEMU's TCG and v86,
// interleaved round by round, timed to the shell prompt and through a fixed in-guest
// workload, and reported as medians and ratios (ours / peer). See README.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, hostname, loadavg, release } from 'node:os';
import { dirname, join } from 'node:path';
import { parseBenchArgs, USAGE, type BenchOptions } from './args.js';
import { bootOnce } from './boot-once.js';
import { killAllChildren } from './child-watch.js';
import { expectedOutputs, findGuest, snapshotGuest, workloadAppend, type GuestDir, type GuestSnapshot } from './guest.js';
import { checkOutputs, formatTable, medians, ratiosToPeers, type SystemResult } from './report.js';
import { QemuRunner } from './runners/qemu.js';
import type { BootInput, SystemId, SystemRunner } from './runners/types.js';
import { V86Runner } from './runners/v86.js';
import { VmRunner } from './runners/vm.js';
import type { Timing } from './stats.js';

function makeRunner(id: SystemId, o: BenchOptions, guest: GuestSnapshot): SystemRunner {
  // v86 gets Debian's SeaBIOS: the guest's copy unless --seabios-dir names another.
  const biosDir = o.seabiosDir ?? (guest.bios === null ? '/usr/share/seabios' : null);
  const bios = biosDir === null ? guest.bios! : join(biosDir, 'bios.bin');
  const vgaBios = biosDir === null ? guest.vgaBios : join(biosDir, 'vgabios-stdvga.bin');
  switch (id) {
    case 'vm':
      return o.vmCli === null ? new VmRunner() : new VmRunner(o.vmCli);
    case 'vm-interp':
      return new VmRunner(o.vmCli ?? undefined, 'interpreter');
    case 'qemu':
      return new QemuRunner(o.qemu);
    case 'v86':
      return new V86Runner({ bios, vgaBios, noJit: false });
    case 'v86-nojit':
      return new V86Runner({ bios, vgaBios, noJit: true });
  }
}

function summary(t: Timing): string {
  const p = t.perPart;
  const f = (v: number | null) => (v === null ? '-' : v.toFixed(2));
  return `shell ${f(t.toShellSeconds)} s, workload ${f(t.workloadSeconds)} s (sha256 ${f(p.sha256)}, loop ${f(p.loop)}, gzip ${f(p.gzip)}, loop+gzip ${f(t.loopGzipSeconds)})`;
}

async function main(): Promise<number> {
  let o: BenchOptions;
  try {
    o = parseBenchArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const found = findGuest(o.guestDir);
  if (typeof found === 'string') {
    console.error(`boot bench: ${found}`);
    return 2;
  }
  if (found.tests.length > 0 && !found.tests.includes('workload')) {
    console.error(`boot bench: the guest in ${found.dir} has no workload script (tests: ${found.tests.join(', ')}); rebuild it`);
    return 2;
  }
  const guest = snapshotGuest(found);
  // Also on Ctrl-C, which ends the process without unwinding.
  process.once('exit', guest.dispose);
  try {
    return await runBench(o, found, guest);
  } finally {
    guest.dispose();
  }
}

async function runBench(o: BenchOptions, found: GuestDir, guest: GuestSnapshot): Promise<number> {
  const input: BootInput = { kernel: guest.kernel, initrd: guest.initrd, append: workloadAppend(found, o.appendExtra), memoryMiB: o.memoryMiB };
  console.error(`boot bench: guest ${found.dir}, append "${input.append}", ${o.memoryMiB} MiB, ${o.rounds} round(s)`);
  const loadStart = loadavg();

  const results: SystemResult[] = [];
  const runners: SystemRunner[] = [];
  for (const id of o.systems) {
    const r = makeRunner(id, o, guest);
    const why = r.unavailable();
    if (why !== null) console.error(`  ${r.label}: skipped: ${why}`);
    else runners.push(r);
    results.push({ id, label: r.label, version: why === null ? r.version() : null, skipped: why, runs: [], median: null, checkFailures: [] });
  }
  if (runners.length === 0) {
    console.error('boot bench: no system can run here');
    return 1;
  }

  for (let round = 0; round < o.rounds; round++) {
    // Rotate the order each round so that slow drift on the machine spreads over all systems.
    for (let k = 0; k < runners.length; k++) {
      const runner = runners[(round + k) % runners.length]!;
      const res = results.find((s) => s.id === runner.id)!;
      const load = loadavg()[0]!;
      const outcome = await bootOnce(runner, input, o.timeoutSeconds);
      res.runs[round] = outcome;
      const head = `  round ${round + 1}/${o.rounds} ${runner.label} (load ${load.toFixed(1)}):`;
      if (outcome.ok) {
        console.error(`${head} host ${summary(outcome.measurement.host)}`);
        console.error(`${' '.repeat(head.length)} guest ${summary(outcome.measurement.guest)}`);
        if (outcome.measurement.cpu) console.error(`${' '.repeat(head.length)}   cpu ${summary(outcome.measurement.cpu)}`);
      } else {
        console.error(`${head} FAILED after ${outcome.wallSeconds.toFixed(1)} s: ${outcome.error}`);
        for (const l of outcome.tail.slice(-8)) console.error(`      | ${l}`);
      }
    }
  }

  for (const s of results) s.median = medians(s.runs);
  checkOutputs(results, expectedOutputs());

  console.log(`\nboot bench, ${o.rounds} interleaved round(s); ratio = vm / peer, lower is better\n`);
  console.log(formatTable(results));
  const loadEnd = loadavg();
  const busiest = Math.max(loadStart[0]!, loadStart[1]!, loadEnd[1]!);
  if (busiest > cpus().length * 0.75) {
    console.log(
      `\nnote: the machine was busy (load averages ${loadStart.map((l) => l.toFixed(1)).join(' ')} at the start, ` +
        `${loadEnd.map((l) => l.toFixed(1)).join(' ')} at the end, on ${cpus().length} CPUs): wall-clock and guest figures ` +
        'are inflated by waiting for a CPU; the CPU-time rows are steadier.',
    );
  }
  for (const s of results) {
    if (s.skipped !== null) console.log(`${s.label}: skipped: ${s.skipped}`);
    else if (s.median === null) console.log(`${s.label}: every round failed`);
    s.runs.forEach((r, i) => {
      if (!r.ok) console.log(`${s.label}: round ${i + 1} failed (left out of the medians): ${r.error}`);
    });
    for (const f of s.checkFailures) console.log(`${s.label}: CHECK FAILED ${f}`);
  }

  const doc = {
    bench: 'boot',
    date: new Date().toISOString(),
    machine: {
      hostname: hostname(),
      kernel: release(),
      cpu: cpus()[0]?.model ?? 'unknown',
      cpus: cpus().length,
      node: process.version,
      loadAverage: { start: loadStart, end: loadEnd },
    },
    guest: {
      dir: found.dir,
      packages: found.packages,
      kernelSha256: guest.kernelSha256,
      initrdSha256: guest.initrdSha256,
      append: input.append,
      memoryMiB: input.memoryMiB,
    },
    rounds: o.rounds,
    systems: results.map((s) => ({
      ...s,
      runs: s.runs.map((r) => (r.ok ? r : { ok: false, error: r.error, wallSeconds: r.wallSeconds, tail: r.tail.slice(-20) })),
    })),
    ratios: ratiosToPeers(results),
  };
  mkdirSync(dirname(o.out), { recursive: true });
  writeFileSync(o.out, JSON.stringify(doc, null, 2) + '\n');
  console.log(`\nresult: ${o.out}`);

  const failed = results.some((s) => s.skipped === null && (s.runs.some((r) => !r.ok) || s.checkFailures.length > 0));
  return failed ? 1 : 0;
}

main().then(
  (code) => {
    killAllChildren();
    process.exitCode = code;
  },
  (e: unknown) => {
    killAllChildren();
    console.error(e);
    process.exitCode = 1;
  },
);
