/**
 * Linux-scale acceptance runs of the host (issue #7): several Debian Linux
 * guests booted in one host (each in its worker, one shared page pool),
 * then
 *
 * - sharing: pool memory used by the idle guests against their total
 *   memsize (content-based page sharing);
 * - balloon: `modprobe vmw_balloon` in the first guest, whose
 *   `sched.mem.max` is half its memsize, and the balloon's size;
 * - shares: all guests CPU-bound on ONE physical CPU with shares 4:2:1:1
 *   (first four guests), progress measured from each guest's own output;
 * - limit: the first guest limited to 25%, the others unlimited;
 * - reservation: the last guest at low shares with a 30% reservation.
 *
 * Run (from the repository root, after `pnpm guests`):
 *
 *   node --conditions=source --import tsx bench/host/linux-host.ts [--vms 4] [--mem 128] [--measure 60] [--idle 120]
 *
 * It prints one line per result and a JSON summary at the end. A Linux
 * boot takes minutes of one core with the interpreter; four guests on two
 * cores take about twice as long as one.
 */

import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { VmHost } from '@vm/host';
import { numberOption } from './linux-guests.js';

const opt = numberOption;
const VMS = opt('vms', 4);
const MEM = opt('mem', 128);
const MEASURE_S = opt('measure', 60);
const IDLE_S = opt('idle', 120);
const POOL = opt('pool', Math.min(2047, VMS * MEM + 96));

const guestDir = join(homedir(), '.cache', 'vm-guests', 'current');
if (!existsSync(join(guestDir, 'vmlinuz'))) {
  console.error('no guest kernel: run `pnpm guests` first');
  process.exit(2);
}
const dir = mkdtempSync(join(tmpdir(), 'vm-bench-host-'));
const log = (s: string): void => console.log(`[${((performance.now() - t0) / 1000).toFixed(0).padStart(5)} s] ${s}`);
const t0 = performance.now();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
// busybox's prompt, followed by its cursor-position query (ESC [ 6 n).
const PROMPT = new RegExp('vmguest# ' + String.fromCharCode(27) + '\\[6n', 'g');

const host = new VmHost({ poolMB: POOL, pcpus: 1, swapDir: dir, shareScanVm: 4096, shareScanHost: 16384 });
const names: string[] = [];
const text = new Map<string, string>();
for (let i = 0; i < VMS; i++) {
  const p = join(dir, `linux${i}.vmx`);
  const lines = [
    `displayName = "linux${i}"`,
    `memsize = "${MEM}"`,
    `kernel.fileName = "${join(guestDir, 'vmlinuz')}"`,
    `initrd.fileName = "${join(guestDir, 'initramfs.cpio.gz')}"`,
    `kernel.cmdline = "console=ttyS0 quiet"`,
    `ethernet0.present = "TRUE"`,
    `ethernet0.virtualDev = "e1000"`,
    `ethernet0.networkName = "bench-net"`,
    `ethernet0.addressType = "static"`,
    `ethernet0.address = "00:50:56:00:10:${(i + 1).toString(16).padStart(2, '0')}"`,
    ...(i === 0 ? [`sched.mem.max = "${MEM / 2}"`] : []),
  ];
  writeFileSync(p, lines.join('\n') + '\n');
  const n = host.addVmx(p);
  names.push(n);
  text.set(n, '');
}

function attach(n: string): void {
  host.consoleAttach(n, (bytes) => {
    const s = Buffer.from(bytes).toString('latin1');
    text.set(n, text.get(n)! + s);
    // busybox's line editor asks where the cursor is at every prompt; answer as a terminal would.
    if (s.includes('\x1b[6n')) host.consoleIn(n, Buffer.from('\x1b[1;1R'));
  });
}

const prompts = (n: string): number => (text.get(n)!.match(PROMPT) ?? []).length;

async function untilTrue(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) throw new Error(`timed out: ${what}`);
    await sleep(500);
  }
}

/** Type a command at a fresh prompt and wait for the next one; returns the output. */
async function sh(n: string, cmd: string, ms = 600_000): Promise<string> {
  const before = prompts(n);
  const from = text.get(n)!.length;
  host.consoleIn(n, Buffer.from(cmd + '\n'));
  await untilTrue(() => prompts(n) > before, ms, `${n}: ${cmd}`);
  return text.get(n)!.slice(from);
}

const summary: Record<string, unknown> = { vms: VMS, memMB: MEM, poolMB: POOL };

try {
  for (const n of names) {
    attach(n);
    await host.start(n);
  }
  log(`${VMS} x ${MEM} MiB Linux guests powered on in a ${POOL} MiB pool, 1 CPU`);
  await untilTrue(() => names.every((n) => prompts(n) > 0), 60 * 60_000, 'boot');
  const bootS = (performance.now() - t0) / 1000;
  log(`all at the shell prompt after ${bootS.toFixed(0)} s`);
  summary['bootS'] = Math.round(bootS);

  // --- page sharing at idle
  await sleep(IDLE_S * 1000);
  const hs = host.hostStats().at(-1)!;
  const ratio = hs.usedMB / (VMS * MEM);
  log(`sharing: pool used ${hs.usedMB.toFixed(1)} MiB for ${VMS * MEM} MiB of guests (${(ratio * 100).toFixed(1)}%); guest pages on shared copies ${hs.sharedGuestMB.toFixed(1)} MiB backed by ${hs.sharedMachineMB.toFixed(1)} MiB`);
  for (const n of names) {
    const m = host.memory(n)!;
    log(`  ${n}: resident ${(m.residentPages / 256).toFixed(1)} MiB, shared ${(m.sharedPages / 256).toFixed(1)} MiB, zero pages given back ${m.zeroPages}`);
  }
  summary['sharing'] = { usedMB: hs.usedMB, guestMB: VMS * MEM, ratio: Math.round(ratio * 1000) / 1000, sharedGuestMB: hs.sharedGuestMB, sharedMachineMB: hs.sharedMachineMB };

  // --- ballooning: linux0 has sched.mem.max = memsize / 2
  const b0 = names[0]!;
  log(`balloon: ${(await sh(b0, 'modprobe vmw_balloon; echo modprobe=$?')).match(/modprobe=\d+/)?.[0]}`);
  await sleep(30_000);
  const bm = host.memory(b0)!;
  log(`balloon: ${b0} target ${(bm.balloonTarget / 256).toFixed(1)} MiB, ballooned ${(bm.balloonPages / 256).toFixed(1)} MiB, driver ${bm.balloonDriver ? 'active' : 'absent'}`);
  const free = await sh(b0, 'free -m | head -2');
  log(`balloon: guest sees:\n${free.split('\n').slice(1, 3).join('\n')}`);
  summary['balloon'] = { targetMB: bm.balloonTarget / 256, balloonedMB: bm.balloonPages / 256, driver: bm.balloonDriver };

  // --- network: e1000 NICs on one VMnet, the frames crossing worker threads
  if (names.length >= 2) {
    for (const [i, n] of names.slice(0, 2).entries()) {
      const out = await sh(n, `modprobe e1000; ip link set eth0 up; ip addr add 10.9.0.${i + 1}/24 dev eth0; echo up=$?`);
      log(`net: ${n}: ${out.match(/up=\d+/)?.[0]}`);
    }
    await sleep(3000);
    const ping = await sh(names[1]!, 'ping -c 3 -W 5 10.9.0.1; echo ping=$?');
    log(`net: ping ${names[1]} -> ${names[0]}: ${ping.split(/\r?\n/).filter((l) => /bytes from|packet loss|ping=/.test(l)).join(' | ')}`);
    const ports = host.networks.get('bench-net')!.ports().map((p) => ({ name: p.name, stats: p.stats.snapshot() }));
    log(`net: VMnet ports ${JSON.stringify(ports)}`);
    summary['net'] = { pingOk: /ping=0/.test(ping), ports };
  }

  // --- CPU: every guest CPU-bound on one physical CPU
  const loop = 'i=0; while :; do i=$((i+1)); if [ $((i % 500)) -eq 0 ]; then echo P; fi; done';
  for (const n of names) host.consoleIn(n, Buffer.from(loop + '\n'));
  const progress = (n: string): number => (text.get(n)!.match(/(?<=\n)P(?=\r?\n)/g) ?? []).length;
  async function measure(label: string): Promise<Record<string, { progressPct: number; instrPct: number; usedPct: number }>> {
    await sleep(10_000); // settle
    const p0 = names.map(progress);
    const r0 = names.map((n) => host.retired(n));
    const u0 = names.map((n) => host.cpuTimes(n)!.usedMs);
    const w0 = performance.now();
    await sleep(MEASURE_S * 1000);
    const dp = names.map((n, i) => progress(n) - p0[i]!);
    const dr = names.map((n, i) => host.retired(n) - r0[i]!);
    const du = names.map((n, i) => host.cpuTimes(n)!.usedMs - u0[i]!);
    const wall = performance.now() - w0;
    const total = dp.reduce((s, x) => s + x, 0);
    const totalR = dr.reduce((s, x) => s + x, 0);
    const out: Record<string, { progressPct: number; instrPct: number; usedPct: number }> = {};
    names.forEach((n, i) => {
      out[n] = {
        progressPct: Math.round((1000 * dp[i]!) / Math.max(1, total)) / 10,
        instrPct: Math.round((1000 * dr[i]!) / Math.max(1, totalR)) / 10,
        usedPct: Math.round((1000 * du[i]!) / wall) / 10,
      };
    });
    log(`${label}: ${names.map((n) => `${n} ${out[n]!.progressPct}% of loop lines, ${out[n]!.instrPct}% of instructions, ${out[n]!.usedPct}% CPU`).join('; ')}`);
    return out;
  }
  host.setPcpus(1);
  const shares = [4000, 2000, 1000, 1000];
  names.forEach((n, i) => host.setCpu(n, { shares: shares[i] ?? 1000 }));
  summary['shares'] = await measure('shares 4:2:1:1 on 1 CPU');

  names.forEach((n) => host.setCpu(n, { shares: 1000 }));
  host.setCpu(b0, { maxPct: 25 });
  summary['limit25'] = await measure(`${b0} limited to 25%`);
  host.setCpu(b0, { maxPct: null });

  const last = names[names.length - 1]!;
  names.forEach((n) => host.setCpu(n, { shares: 2000 }));
  host.setCpu(last, { shares: 500, minPct: 30 });
  summary['reservation30'] = await measure(`${last} low shares, 30% reserved`);

  // --- isolation: kill the first guest's worker; the others must go on
  const w = (host as unknown as { vms: Map<string, { worker: { terminate(): Promise<number> } | null }> }).vms.get(b0)!.worker!;
  await w.terminate();
  await untilTrue(() => host.get(b0)?.state === 'crashed', 10_000, 'crash noticed');
  const others = names.slice(1);
  const before = others.map(progress);
  await sleep(10_000);
  const moved = others.map((n, i) => progress(n) - before[i]!);
  log(`isolation: ${b0} killed (${host.get(b0)?.lastEvent}); the others' progress in 10 s: ${moved.join(', ')} lines`);
  summary['isolation'] = { othersProgress: moved };
} catch (e) {
  log(`failed: ${(e as Error).message}`);
  for (const n of names) log(`${n} tail: ${JSON.stringify(text.get(n)!.slice(-300))}`);
  summary['error'] = (e as Error).message;
} finally {
  console.log(JSON.stringify(summary, null, 2));
  await host.close();
}
