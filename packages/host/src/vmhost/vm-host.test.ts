import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { TestGuests } from '../test/test-rom.js';
import { VmHost } from './vm-host.js';

const dir = mkdtempSync(join(tmpdir(), 'vm-host-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function rom(name: string, bytes: Uint8Array): string {
  const p = join(dir, `${name}.rom`);
  writeFileSync(p, bytes);
  return p;
}

function vmx(name: string, romPath: string, extra: Record<string, string> = {}): string {
  const lines = { 'config.version': '8', displayName: name, memsize: '4', 'bios440.filename': romPath, ...extra };
  const p = join(dir, `${name}.vmx`);
  writeFileSync(p, Object.entries(lines).map(([k, v]) => `${k} = "${v}"`).join('\n') + '\n');
  return p;
}

const until = async (cond: () => boolean, ms = 20_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

let host: VmHost | null = null;
afterEach(async () => {
  await host?.close();
  host = null;
});

describe('VmHost: VMs in worker threads on one pool', () => {
  it('runs several VMs at once; a triple-faulting VM and a killed worker leave the others running', async () => {
    host = new VmHost({ poolMB: 64, pcpus: 2, swapDir: dir, periodMs: 200 });
    const h = host;
    const spin = h.addVmx(vmx('spin', rom('spin', TestGuests.spin())));
    const echo = h.addVmx(vmx('echo', rom('echo', TestGuests.echo())));
    const tf = h.addVmx(vmx('faulty', rom('faulty', TestGuests.tripleFault())));
    await Promise.all([h.start(spin), h.start(echo), h.start(tf)]);
    expect(h.list().map((v) => v.state)).toEqual(['on', 'on', 'on']);
    await until(() => h.consoleText(spin).includes('UP') && h.consoleText(echo).includes('READY'));
    h.consoleIn(echo, Buffer.from('ping'));
    await until(() => h.consoleText(echo).includes('READY\nping'));
    // The faulty guest resets again and again.
    await until(() => (h.get(tf)?.resets ?? 0) >= 3);
    await until(() => /^TTT/.test(h.consoleText(tf))); // output is flushed at the end of each quantum
    const before = h.retired(spin);
    await until(() => h.retired(spin) > before + 1_000_000);
    // Kill the spinning VM's worker from outside: it is marked crashed; the others go on.
    const w = (h as unknown as { vms: Map<string, { worker: { terminate(): Promise<number> } | null }> }).vms.get(spin)!.worker!;
    const used = h.pool.usedPages;
    await w.terminate();
    await until(() => h.get(spin)?.state === 'crashed');
    expect(h.pool.usedPages).toBeLessThanOrEqual(used);
    h.consoleIn(echo, Buffer.from('!'));
    await until(() => h.consoleText(echo).endsWith('ping!'));
    const resets = h.get(tf)!.resets;
    await until(() => h.get(tf)!.resets > resets);
    // Power operations: hard stop, start again, reset.
    await h.stop(echo);
    expect(h.get(echo)?.state).toBe('off');
    await h.start(echo);
    await until(() => h.consoleText(echo).includes('READY'));
    h.reset(echo);
    await until(() => h.get(echo)!.resets === 1);
  }, 60_000);

  it('ends a worker that holds a CPU and stops answering; the others get the CPU back', async () => {
    host = new VmHost({ poolMB: 32, pcpus: 1, swapDir: dir, periodMs: 100, hangMs: 1000, testHooks: true });
    const h = host;
    const a = h.addVmx(vmx('hang-a', rom('h1', TestGuests.spin())));
    const b = h.addVmx(vmx('hang-b', rom('h2', TestGuests.spin())));
    await Promise.all([h.start(a), h.start(b)]);
    (h as unknown as { send(n: string, m: unknown): void }).send(a, { type: 'test-hang' });
    await until(() => h.get(a)?.state === 'crashed');
    expect(h.get(a)?.lastEvent).toMatch(/^hung/);
    const r = h.retired(b);
    await until(() => h.retired(b) > r + 1_000_000);
  }, 30_000);

  it('lets an idle guest\'s halted time pass in full: its timer ticks keep pace with the wall clock', async () => {
    host = new VmHost({ poolMB: 32, pcpus: 1, swapDir: dir, periodMs: 100 });
    const h = host;
    const n = h.addVmx(vmx('ticker', rom('tick', TestGuests.ticker(10))));
    await h.start(n);
    await until(() => h.consoleText(n).includes('T'));
    await new Promise((r) => setTimeout(r, 500));
    const w0 = performance.now();
    const g0 = h.vmStats(n).at(-1)!.guestNs;
    const c0 = (h.consoleText(n).match(/T/g) ?? []).length;
    await new Promise((r) => setTimeout(r, 3000));
    const lines = (h.consoleText(n).match(/T/g) ?? []).length - c0;
    const g1 = h.vmStats(n).at(-1)!.guestNs;
    const wallS = (performance.now() - w0) / 1000;
    // Guest time follows wall time while the guest is idle (samples are up to one period old; a
    // heavily loaded host delays wake-ups, which the guest does not see as time: hence the wide bound).
    expect((g1 - g0) / 1e9 / wallS).toBeGreaterThan(0.5);
    expect((g1 - g0) / 1e9 / wallS).toBeLessThan(1.1);
    // 10 ticks of 54.9 ms make a line every 0.55 s; a loaded host delivers some ticks late and the
    // 8259 merges them (lost ticks, as on any PC), so only a lower bound.
    expect(lines / wallS).toBeGreaterThan(0.5);
    expect(lines / wallS).toBeLessThan(2.0);
    expect(h.cpuTimes(n)!.usedMs).toBeLessThan(1000);
  }, 30_000);

  it('shares one CPU by shares, and a limit holds (guest progress = retired instructions)', async () => {
    host = new VmHost({ poolMB: 64, pcpus: 1, swapDir: dir, periodMs: 200, quantumMs: 10 });
    const h = host;
    const big = h.addVmx(vmx('big', rom('s1', TestGuests.spin()), { 'sched.cpu.shares': '3000' }));
    const small = h.addVmx(vmx('small', rom('s2', TestGuests.spin()), { 'sched.cpu.shares': '1000' }));
    await Promise.all([h.start(big), h.start(small)]);
    await new Promise((r) => setTimeout(r, 500)); // warm up (JIT)
    const t0 = { big: h.cpuTimes(big)!.usedMs, small: h.cpuTimes(small)!.usedMs };
    const g0 = h.vmStats(small).at(-1)!.guestNs;
    await new Promise((r) => setTimeout(r, 3000));
    // Honest guest time: a CPU-bound VM's clock moves with the CPU it got, not with the wall clock while it waited.
    const samples = h.vmStats(small);
    for (let i = 1; i < samples.length; i++) expect(samples[i]!.guestNs).toBeGreaterThanOrEqual(samples[i - 1]!.guestNs);
    const guestMs = (samples.at(-1)!.guestNs - g0) / 1e6;
    // It ran about 25% of the 3 s, and is credited at most one 10 ms quantum per wait of about 30 ms.
    expect(guestMs).toBeLessThan(2000);
    expect(guestMs).toBeGreaterThan(300);
    const used = { big: h.cpuTimes(big)!.usedMs - t0.big, small: h.cpuTimes(small)!.usedMs - t0.small };
    const share = used.big / (used.big + used.small);
    expect(share).toBeGreaterThan(0.7);
    expect(share).toBeLessThan(0.8);
    expect(h.cpuTimes(small)!.readyMs).toBeGreaterThan(1000);
    const s = h.vmStats(big);
    expect(s.length).toBeGreaterThan(5);
    expect(s.at(-1)!.entitlementPct).toBeCloseTo(75, 0);
    // A 25% limit holds even with the CPU otherwise free.
    h.pause(big);
    h.setCpu(small, { maxPct: 25 });
    const u0 = h.cpuTimes(small)!.usedMs;
    const r0 = h.retired(small);
    const w0 = performance.now();
    await new Promise((r) => setTimeout(r, 2000));
    const pct = ((h.cpuTimes(small)!.usedMs - u0) / (performance.now() - w0)) * 100;
    expect(pct).toBeLessThanOrEqual(26.5);
    expect(pct).toBeGreaterThan(15);
    expect(h.retired(small)).toBeGreaterThan(r0);
    expect(() => h.setCpu(small, { minPct: 50 })).toThrow(/above sched.cpu.max/);
  }, 30_000);

  it('refuses to power on a VM whose reservation does not fit', async () => {
    host = new VmHost({ poolMB: 64, pcpus: 1, swapDir: dir });
    const h = host;
    const a = h.addVmx(vmx('res-a', rom('r1', TestGuests.spin()), { 'sched.cpu.min': '70' }));
    const b = h.addVmx(vmx('res-b', rom('r2', TestGuests.spin()), { 'sched.cpu.min': '40' }));
    await h.start(a);
    await expect(h.start(b)).rejects.toThrow(/reservation 40% does not fit/);
    expect(h.get(b)?.state).toBe('off');
  }, 30_000);

  it('shares identical pages across VMs (copy-on-write, by content)', async () => {
    host = new VmHost({ poolMB: 64, pcpus: 2, swapDir: dir, periodMs: 200, shareScanVm: 20000, shareScanHost: 60000 });
    const h = host;
    const names = [0, 1, 2].map((i) => h.addVmx(vmx(`fill${i}`, rom(`fill${i}`, TestGuests.fill()))));
    await Promise.all(names.map((n) => h.start(n)));
    await until(() => names.every((n) => h.consoleText(n).includes('FILLED')));
    // 3 x 128 filled pages collapse onto one machine page (plus whatever else is alike).
    await until(() => names.every((n) => (h.memory(n)?.sharedPages ?? 0) >= 128), 20_000);
    await until(() => (h.hostStats().at(-1)?.sharedGuestMB ?? 0) >= 1.5);
    expect(h.pool.registeredPages).toBeLessThan(40);
  }, 40_000);
});

describe('serial0 on a socket', () => {
  it('serves the console on the Unix socket a .vmx names (fileType network), both ways', async () => {
    host = new VmHost({ poolMB: 32, pcpus: 1, swapDir: dir });
    const h = host;
    const sock = join(dir, 'echo.sock');
    const n = h.addVmx(vmx('sockcon', rom('sc', TestGuests.echo()), { 'serial0.present': 'TRUE', 'serial0.fileType': 'network', 'serial0.fileName': `unix:${sock}` }));
    await h.start(n);
    const { createConnection } = await import('node:net');
    const c = createConnection(sock);
    let got = '';
    c.on('data', (d: Buffer) => (got += d.toString('latin1')));
    await until(() => got.includes('READY'));
    c.write('abc');
    await until(() => got.includes('READY\nabc'));
    c.destroy();
  }, 30_000);
});

describe('serial0.fileName', () => {
  it('writes a VM console to the file its .vmx names', async () => {
    host = new VmHost({ poolMB: 32, pcpus: 1, swapDir: dir });
    const h = host;
    const out = join(dir, 'console.txt');
    const n = h.addVmx(vmx('filecon', rom('fc', TestGuests.spin()), { 'serial0.present': 'TRUE', 'serial0.fileType': 'file', 'serial0.fileName': out }));
    await h.start(n);
    await until(() => {
      try {
        return readFileSync(out, 'latin1').includes('UP');
      } catch {
        return false;
      }
    });
  }, 30_000);
});

describe('suspend to disk', () => {
  it('saves a running VM, frees its memory, and resumes it where it was', async () => {
    host = new VmHost({ poolMB: 32, pcpus: 2, swapDir: dir, periodMs: 100 });
    const h = host;
    const n = h.addVmx(vmx('sleeper', rom('sl', TestGuests.checksum(0x5eed))));
    await h.start(n);
    await until(() => (h.consoleText(n).match(/OK/g) ?? []).length >= 2);
    const used = h.pool.usedPages;
    await h.suspend(n);
    expect(h.get(n)?.state).toBe('suspended');
    expect(h.get(n)?.lastEvent).toMatch(/suspended to .*sleeper\.vmss/);
    expect(h.pool.usedPages).toBeLessThan(used - 100);
    const oks = (h.consoleText(n).match(/OK/g) ?? []).length;
    await h.resume(n);
    expect(h.get(n)?.state).toBe('on');
    await until(() => (h.consoleText(n).match(/OK/g) ?? []).length >= oks + 2);
    expect(h.consoleText(n)).not.toContain('BAD');
    // The VM continued: it did not boot again (no second fill pass means no reset).
    expect(h.get(n)?.resets).toBe(0);
    await h.suspend(n);
    await h.stop(n);
    expect(h.get(n)?.state).toBe('off');
  }, 40_000);
});

describe('ballooning', () => {
  it('sets the balloon target from the memory scheduler (sched.mem.max) and the guest driver fills it', async () => {
    host = new VmHost({ poolMB: 32, pcpus: 1, swapDir: dir, periodMs: 100 });
    const h = host;
    const n = h.addVmx(vmx('balloony', rom('bal', TestGuests.balloon()), { 'sched.mem.max': '2' }));
    await h.start(n);
    // memsize 4 MB, limit 2 MB: the balloon should hold 2 MB = 512 pages.
    await until(() => (h.memory(n)?.balloonPages ?? 0) === 512);
    expect(h.memory(n)!.balloonDriver).toBe(true);
    expect(h.memory(n)!.balloonTarget).toBe(512);
    await until(() => (h.vmStats(n).at(-1)?.mem.balloonedMB ?? 0) === 2);
    expect(h.vmStats(n).at(-1)!.mem.grantedMB).toBe(2);
  }, 30_000);

  it('inflates no balloon beyond the limits while the pool has memory to spare (ESX high state)', async () => {
    // 24 MB pool, three 4 MB VMs: their share-based targets are below memsize, but most of the pool is free.
    host = new VmHost({ poolMB: 24, pcpus: 1, swapDir: dir, periodMs: 100 });
    const h = host;
    const names = [1, 2, 3].map((i) => h.addVmx(vmx(`plenty${i}`, rom(`pl${i}`, TestGuests.balloon()))));
    for (const n of names) await h.start(n);
    await until(() => names.every((n) => h.memory(n)?.balloonDriver === true));
    await new Promise((r) => setTimeout(r, 500));
    expect(h.vmStats(names[0]!).at(-1)!.mem.grantedMB).toBeLessThan(4);
    for (const n of names) {
      expect(h.memory(n)!.balloonTarget).toBe(0);
      expect(h.memory(n)!.balloonPages).toBe(0);
    }
  }, 30_000);
});

describe('memory overcommit', () => {
  it('runs more VMs than fit in the pool by swapping, and their checksums stay right', async () => {
    // Four VMs each touching ~180 distinct pages (their checksum areas, ROMs, low memory) with 560 pages free.
    host = new VmHost({ poolMB: 8, pcpus: 2, swapDir: dir, periodMs: 100, quantumMs: 10 });
    const h = host;
    // Shrink what is free so six guests cannot all stay resident: hold most of the pool.
    const held: number[] = [];
    while (h.pool.freePages > 560) held.push(h.pool.allocate());
    const names = [1, 2, 3, 4].map((i) => h.addVmx(vmx(`ck${i}`, rom(`ck${i}`, TestGuests.checksum(i * 0x1111111)))));
    for (const n of names) await h.start(n);
    await until(() => names.every((n) => (h.consoleText(n).match(/OK/g) ?? []).length >= 3), 40_000);
    for (const n of names) expect(h.consoleText(n)).not.toContain('BAD');
    const swapped = names.reduce((s, n) => s + (h.memory(n)?.swappedPages ?? 0), 0);
    expect(swapped).toBeGreaterThan(0);
    for (const m of held) h.pool.unref(m);
  }, 60_000);
});
