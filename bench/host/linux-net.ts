/**
 * Two Debian Linux guests in one host, each in its worker thread, their
 * e1000 NICs on one VMnet (`ethernet0.networkName = "bench-net"`): the
 * frames cross threads through the VMnet's shared-memory rings. One guest
 * pings the other; then the first is killed (its worker terminated) and
 * the second must still answer on its console.
 *
 *   node --conditions=source --import tsx bench/host/linux-net.ts
 */

import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { VmHost } from '@vm/host';

const guestDir = join(homedir(), '.cache', 'vm-guests', 'current');
if (!existsSync(join(guestDir, 'vmlinuz'))) {
  console.error('no guest kernel: run `pnpm guests` first');
  process.exit(2);
}
const dir = mkdtempSync(join(tmpdir(), 'vm-bench-net-'));
const t0 = performance.now();
const log = (s: string): void => console.log(`[${((performance.now() - t0) / 1000).toFixed(0).padStart(5)} s] ${s}`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
// busybox's prompt, followed by its cursor-position query (ESC [ 6 n).
const PROMPT = new RegExp('vmguest# ' + String.fromCharCode(27) + '\\[6n', 'g');

const host = new VmHost({ poolMB: 320, pcpus: 2, swapDir: dir });
const text = new Map<string, string>();
const names = [0, 1].map((i) => {
  const p = join(dir, `net${i}.vmx`);
  writeFileSync(
    p,
    [
      `displayName = "net${i}"`,
      `memsize = "128"`,
      `kernel.fileName = "${join(guestDir, 'vmlinuz')}"`,
      `initrd.fileName = "${join(guestDir, 'initramfs.cpio.gz')}"`,
      `kernel.cmdline = "console=ttyS0 quiet"`,
      `ethernet0.present = "TRUE"`,
      `ethernet0.virtualDev = "e1000"`,
      `ethernet0.networkName = "bench-net"`,
      `ethernet0.addressType = "static"`,
      `ethernet0.address = "00:50:56:00:10:0${i + 1}"`,
    ].join('\n') + '\n',
  );
  const n = host.addVmx(p);
  text.set(n, '');
  host.consoleAttach(n, (bytes) => {
    const s = Buffer.from(bytes).toString('latin1');
    text.set(n, text.get(n)! + s);
    if (s.includes('\x1b[6n')) host.consoleIn(n, Buffer.from('\x1b[1;1R'));
  });
  return n;
});
const prompts = (n: string): number => (text.get(n)!.match(PROMPT) ?? []).length;
async function untilTrue(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) throw new Error(`timed out: ${what}`);
    await sleep(500);
  }
}
async function sh(n: string, cmd: string, ms = 600_000): Promise<string> {
  const before = prompts(n);
  const from = text.get(n)!.length;
  host.consoleIn(n, Buffer.from(cmd + '\n'));
  await untilTrue(() => prompts(n) > before, ms, `${n}: ${cmd}`);
  return text.get(n)!.slice(from);
}

const result: Record<string, unknown> = {};
try {
  for (const n of names) await host.start(n);
  await untilTrue(() => names.every((n) => prompts(n) > 0), 60 * 60_000, 'boot');
  log('both guests at the prompt');
  for (const [i, n] of names.entries()) {
    const out = await sh(n, `modprobe e1000; ip link set eth0 up; ip addr add 10.9.0.${i + 1}/24 dev eth0; echo up=$?`);
    log(`${n}: ${out.match(/up=\d+/)?.[0]}`);
  }
  await sleep(3000);
  const ping = await sh(names[1]!, 'ping -c 3 -W 5 10.9.0.1; echo ping=$?');
  log(`ping from ${names[1]} to ${names[0]}:\n${ping}`);
  result['ping'] = /ping=0/.test(ping);
  const port = host.networks.get('bench-net')!.ports();
  result['vmnetPorts'] = port.map((p) => ({ name: p.name, stats: p.stats.snapshot() }));
  log(`VMnet ports: ${JSON.stringify(result['vmnetPorts'])}`);
  // Kill the first guest's worker; the second must go on.
  const w = (host as unknown as { vms: Map<string, { worker: { terminate(): Promise<number> } | null }> }).vms.get(names[0]!)!.worker!;
  await w.terminate();
  await untilTrue(() => host.get(names[0]!)?.state === 'crashed', 10_000, 'crash noticed');
  const alive = await sh(names[1]!, 'echo still-here', 120_000);
  result['survivorAnswers'] = alive.includes('still-here');
  log(`after killing ${names[0]}: ${names[1]} answers: ${result['survivorAnswers']}`);
} catch (e) {
  result['error'] = (e as Error).message;
  for (const n of names) log(`${n} tail: ${JSON.stringify(text.get(n)!.slice(-400))}`);
} finally {
  console.log(JSON.stringify(result, null, 2));
  await host.close();
}
