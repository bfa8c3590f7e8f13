/**
 * Memory acceptance of issue #7 with Debian Linux guests, on ONE physical
 * CPU (the guests boot in turn):
 *
 * - B (default): `--vms 8 --pool 1120`: eight identical 128 MiB guests
 *   booted to the idle shell; after `--idle` seconds, machine memory used
 *   against 8 x 128 MiB and the page-sharing ratio.
 * - C: `--vms 10 --pool 512 --data 32`: ten 128 MiB guests in a 512 MiB
 *   pool. Each loads vmw_balloon and writes `--data` MiB of random data
 *   (which sharing cannot merge) into its tmpfs and prints its SHA-256;
 *   when all are up, every guest must still answer on its console and
 *   re-hash its data to the same digest (no page lost or mixed up by
 *   sharing, ballooning or swapping). Balloon and swap figures are
 *   printed as they go.
 *
 *   node --conditions=source --import tsx bench/host/linux-memory.ts [--vms 8] [--pool 1120] [--idle 60] [--data 0]
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

needGuests();
const dir = mkdtempSync(join(tmpdir(), 'vm-bench-mem-'));
const host = new VmHost({ poolMB: POOL, pcpus: 1, swapDir: dir });
const cons = new Consoles(host);
const names: string[] = [];
const summary: Record<string, unknown> = { vms: VMS, memMB: MEM, poolMB: POOL, dataMB: DATA_MB, loadavgStart: loadavg().map(r1) };
const expected: string[] = [];

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
      const out = await cons.sh(n, `modprobe vmw_balloon; dd if=/dev/urandom of=/tmp/data bs=1048576 count=${DATA_MB} 2>/dev/null; wc -c < /tmp/data; sha256sum /tmp/data`);
      const got = out.match(/[0-9a-f]{64}/)?.[0];
      if (got === undefined || !out.includes(String(DATA_MB * 1048576))) throw new Error(`${n}: data not written: ${JSON.stringify(out.slice(-300))}`);
      expected[i] = got;
      log(`${n} wrote ${DATA_MB} MiB of random data (sha256 ${got.slice(0, 16)}...); ${memLine()}`);
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
    log(`${n}: ${answers[n]}${DATA_MB > 0 && got !== expected[i] ? ` digest ${got}` : ''}`);
  }
  summary['answers'] = answers;
  summary['after'] = memLine();
  log(memLine());
} catch (e) {
  log(`failed: ${(e as Error).message}`);
  for (const n of names) log(`${n} (${host.get(n)?.state}, ${host.get(n)?.lastEvent}) tail: ${JSON.stringify(cons.textOf(n).slice(-200))}`);
  summary['error'] = (e as Error).message;
} finally {
  summary['loadavgEnd'] = loadavg().map(r1);
  console.log(JSON.stringify(summary, null, 2));
  await host.close();
}
