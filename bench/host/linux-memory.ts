/**
 * Memory acceptance of issue #7 with Debian Linux guests, on ONE physical
 * CPU (the guests boot in turn):
 *
 * - B (default): `--vms 8 --pool 1120`: eight identical 128 MiB guests
 *   booted to the idle shell; after `--idle` seconds, machine memory used
 *   against 8 x 128 MiB and the page-sharing ratio.
 * - C: `--vms 10 --pool 512 --data 40 --scratch 16`: ten 128 MiB guests in
 *   a 512 MiB pool. Each loads vmw_balloon and writes `--data` MiB that
 *   sharing cannot merge into its tmpfs (a 1 MiB random seed repeated,
 *   each copy after a line that shifts it, so no two pages are alike: far
 *   quicker than that much /dev/urandom in an emulated guest) and prints
 *   its SHA-256; then `--scratch` MiB more the same way, deleted again, so
 *   the guest has that much memory it used and freed (what a balloon can
 *   take; these guests have no swap). When all are up, every guest must
 *   still answer on its console and re-hash its data to the same digest
 *   (no page lost or mixed up by sharing, ballooning or swapping). Pool,
 *   balloon and swap figures are printed as they go, and the most each VM
 *   had ballooned and swapped at the end; any bad digest, silent guest or
 *   missing mechanism ends the run with status 1.
 *
 *   node --conditions=source --import tsx bench/host/linux-memory.ts [--vms 8] [--pool 1120] [--idle 60] [--data 0] [--scratch 0]
 */

import { mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { VmHost } from '@vm/host';
import { Consoles, linuxVmx, log, needGuests, r1, sleep, untilTrue, numberOption } from './linux-guests.js';

const opt = numberOption;
const VMS = opt('vms', 8);
const MEM = opt('mem', 128);
const POOL = opt('pool', VMS * MEM + 96);
const IDLE_S = opt('idle', 60);
const DATA_MB = opt('data', 0);
const SCRATCH_MB = opt('scratch', 0);

needGuests();
const dir = mkdtempSync(join(tmpdir(), 'vm-bench-mem-'));
const host = new VmHost({ poolMB: POOL, pcpus: 1, swapDir: dir });
const cons = new Consoles(host);
const names: string[] = [];
const summary: Record<string, unknown> = { vms: VMS, memMB: MEM, poolMB: POOL, dataMB: DATA_MB, scratchMB: SCRATCH_MB, loadavgStart: loadavg().map(r1) };
const expected: string[] = [];
const failures: string[] = [];
/** The most each VM had ballooned and swapped (pages), and the most guest memory shared, polled every second. */
const most = new Map<string, { balloon: number; swapped: number }>();
let mostSharedGuestMB = 0;
let minFreeMB = Infinity;
const poll = setInterval(() => {
  for (const n of names) {
    const m = host.memory(n);
    if (!m) continue;
    const x = most.get(n) ?? { balloon: 0, swapped: 0 };
    x.balloon = Math.max(x.balloon, m.balloonPages);
    x.swapped = Math.max(x.swapped, m.swappedPages);
    most.set(n, x);
  }
  const hs = host.hostStats().at(-1);
  if (hs) {
    mostSharedGuestMB = Math.max(mostSharedGuestMB, hs.sharedGuestMB);
    minFreeMB = Math.min(minFreeMB, hs.freeMB);
  }
}, 1000);

/** Shell text that writes `mb` MiB no two pages of which are alike to `file`: a random 1 MiB seed, each copy after a numbered line. */
const uniqueData = (file: string, mb: number): string =>
  `dd if=/dev/urandom of=/tmp/seed bs=65536 count=16 2>/dev/null; i=0; while [ $i -lt ${mb} ]; do echo "copy $i of ${file}"; cat /tmp/seed; i=$((i+1)); done > ${file}; rm /tmp/seed`;

const mb = (pages: number): number => r1(pages / 256);
function memLine(): string {
  const hs = host.hostStats().at(-1);
  const per = names
    .filter((n) => host.get(n)?.state === 'on')
    .map((n) => {
      const m = host.memory(n);
      return m ? `${n} res ${mb(m.residentPages)} sh ${mb(m.sharedPages)} bal ${mb(m.balloonPages)}/${mb(m.balloonTarget)} swp ${mb(m.swappedPages)}` : `${n} -`;
    });
  return `pool used ${hs?.usedMB ?? '?'} MiB free ${hs?.freeMB ?? '?'} MiB; ${per.join('; ')}`;
}

try {
  for (let i = 0; i < VMS; i++) {
    const n = host.addVmx(linuxVmx(dir, `mem${i}`, MEM));
    names.push(n);
    cons.attach(n);
    const t = performance.now();
    await host.start(n);
    await untilTrue(() => cons.prompts(n) > 0 || host.get(n)?.state === 'crashed', 20 * 60_000, `${n} boot`);
    if (host.get(n)?.state !== 'on') throw new Error(`${n}: ${host.get(n)?.lastEvent}`);
    log(`${n} at the shell after ${r1((performance.now() - t) / 1000)} s; ${memLine()}`);
    if (DATA_MB > 0) {
      const t1 = performance.now();
      const out = await cons.sh(n, `modprobe vmw_balloon; ${uniqueData('/tmp/data', DATA_MB)}; wc -c < /tmp/data; sha256sum /tmp/data`);
      const got = out.match(/[0-9a-f]{64}/)?.[0];
      if (got === undefined || !/\n\s*(\d{7,})\s*\r?\n/.test(out) || Number(/\n\s*(\d{7,})\s*\r?\n/.exec(out)![1]) < DATA_MB * 1048576) throw new Error(`${n}: data not written: ${JSON.stringify(out.slice(-300))}`);
      expected[i] = got;
      if (SCRATCH_MB > 0) await cons.sh(n, `${uniqueData('/tmp/scratch', SCRATCH_MB)}; rm /tmp/scratch`);
      log(`${n} wrote ${DATA_MB} MiB of data (sha256 ${got.slice(0, 16)}...)${SCRATCH_MB > 0 ? ` and used and freed ${SCRATCH_MB} MiB more` : ''} in ${r1((performance.now() - t1) / 1000)} s; ${memLine()}`);
    }
  }
  log(`all ${VMS} at the shell; idling ${IDLE_S} s`);
  const timeline: string[] = [];
  for (let s = 0; s < IDLE_S; s += 15) {
    await sleep(15_000);
    const l = memLine();
    timeline.push(l);
    log(l);
  }
  const hs = host.hostStats().at(-1)!;
  const guestMB = VMS * MEM;
  summary['pool'] = { usedMB: hs.usedMB, freeMB: hs.freeMB, guestMB, usedOverGuest: Math.round((1000 * hs.usedMB) / guestMB) / 1000, sharedGuestMB: hs.sharedGuestMB, sharedMachineMB: hs.sharedMachineMB };
  summary['sharingRatio'] = hs.sharedMachineMB > 0 ? r1(hs.sharedGuestMB / hs.sharedMachineMB) : null;
  summary['perVm'] = Object.fromEntries(
    names.map((n) => {
      const m = host.memory(n)!;
      return [n, { residentMB: mb(m.residentPages), sharedMB: mb(m.sharedPages), balloonMB: mb(m.balloonPages), balloonTargetMB: mb(m.balloonTarget), swappedMB: mb(m.swappedPages), zeroPages: m.zeroPages, driver: m.balloonDriver }];
    }),
  );
  log(`sharing: ${hs.usedMB} MiB of machine memory for ${guestMB} MiB of guests (${r1((100 * hs.usedMB) / guestMB)}%); ${hs.sharedGuestMB} MiB of guest pages on ${hs.sharedMachineMB} MiB of shared machine pages`);

  // Every guest answers and (with data) finds its data intact.
  const answers: Record<string, string> = {};
  for (const [i, n] of names.entries()) {
    const t = performance.now();
    const out = await cons.sh(n, DATA_MB > 0 ? 'sha256sum /tmp/data; echo alive=$?' : 'echo alive=$?', 300_000);
    const got = out.match(/[0-9a-f]{64}/)?.[0];
    const ok = /alive=0/.test(out) && (DATA_MB === 0 || got === expected[i]);
    answers[n] = `${ok ? 'ok' : 'BAD'} in ${r1((performance.now() - t) / 1000)} s`;
    if (!ok) failures.push(`${n}: ${/alive=0/.test(out) ? `digest ${got} instead of ${expected[i]}` : 'no answer'}`);
    log(`${n}: ${answers[n]}${DATA_MB > 0 && got !== expected[i] ? ` digest ${got}` : ''}`);
  }
  summary['answers'] = answers;
  summary['after'] = memLine();
  log(memLine());
  // The most each VM had in its balloon and swap file over the run.
  const perVmMost = Object.fromEntries(names.map((n) => [n, { balloonedMB: mb(most.get(n)?.balloon ?? 0), swappedMB: mb(most.get(n)?.swapped ?? 0) }]));
  summary['mostPerVm'] = perVmMost;
  const totalBalloon = r1(names.reduce((s, n) => s + (most.get(n)?.balloon ?? 0), 0) / 256);
  const totalSwap = r1(names.reduce((s, n) => s + (most.get(n)?.swapped ?? 0), 0) / 256);
  summary['reclaim'] = { mostSharedGuestMB, totalMostBalloonedMB: totalBalloon, totalMostSwappedMB: totalSwap, minPoolFreeMB: minFreeMB };
  for (const n of names) log(`${n}: at most ${perVmMost[n]!.balloonedMB} MiB ballooned, ${perVmMost[n]!.swappedMB} MiB swapped`);
  log(`reclaim: up to ${mostSharedGuestMB} MiB of guest pages shared, ${totalBalloon} MiB ballooned and ${totalSwap} MiB swapped (sums of each VM's most); least pool free ${minFreeMB} MiB`);
  if (DATA_MB > 0 && SCRATCH_MB > 0) {
    if (mostSharedGuestMB <= 0) failures.push('no page was shared');
    if (totalBalloon <= 0) failures.push('no balloon inflated');
    if (totalSwap <= 0) failures.push('nothing was swapped');
  }
  for (const n of names) if (host.get(n)?.state !== 'on') failures.push(`${n} is ${host.get(n)?.state} (${host.get(n)?.lastEvent})`);
} catch (e) {
  log(`failed: ${(e as Error).message}`);
  for (const n of names) log(`${n} (${host.get(n)?.state}, ${host.get(n)?.lastEvent}) tail: ${JSON.stringify(cons.textOf(n).slice(-200))}`);
  summary['error'] = (e as Error).message;
  failures.push((e as Error).message);
} finally {
  clearInterval(poll);
  summary['loadavgEnd'] = loadavg().map(r1);
  summary['failures'] = failures;
  console.log(JSON.stringify(summary, null, 2));
  await host.close();
  if (failures.length > 0) {
    console.log(`FAIL: ${failures.join('; ')}`);
    process.exitCode = 1;
  } else console.log('PASS');
}
