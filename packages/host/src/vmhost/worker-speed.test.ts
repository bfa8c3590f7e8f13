import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseRunArgs } from '../cli/run-args.js';
import { closePrepared, prepareFromOptions } from '../run/run-vm.js';
import { TestGuests } from '../test/test-rom.js';
import { workerScript } from './spawn-worker.js';
import { VmHost } from './vm-host.js';

const dir = mkdtempSync(join(tmpdir(), 'vm-worker-speed-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Instructions per ms of the checksum guest run in this thread, after a warm-up. */
async function inThreadRate(romPath: string): Promise<number> {
  const o = parseRunArgs(['--bios', romPath, '--memory', '4', '--serial', 'none']);
  const p = await prepareFromOptions(o, () => undefined, {});
  const m = p.pc.machine;
  m.clock.resume();
  const run = (ms: number): { retired: number; ms: number } => {
    const t0 = performance.now();
    let retired = 0;
    while (performance.now() - t0 < ms) retired += m.runSlice(100_000).retired;
    return { retired, ms: performance.now() - t0 };
  };
  run(400);
  const r = run(1000);
  await closePrepared(p);
  return r.retired / r.ms;
}

describe('VM workers', () => {
  // Loaded through tsx's CommonJS hook (sloppy mode, exports behind getters) the emulator ran a
  // Linux boot about four times slower than as ES modules, and the host charged its quanta for it.
  it('start from an ES module bundle of the sources when the host runs from TypeScript', () => {
    const s = workerScript();
    expect(s.kind).toBe('bundle');
    const text = readFileSync(s.file, 'utf8');
    expect(text).toMatch(/^import /m);
    expect(text).not.toContain('tsx/cjs');
    expect(workerScript().file).toBe(s.file); // bundled once per process
  });

  // Nothing in a worker (the quantum loop, relays, memory work) may make a guest slower than in this thread.
  it('run a guest about as fast as the host thread does (instructions per ms of CPU)', async () => {
    const romPath = join(dir, 'ck.rom');
    writeFileSync(romPath, TestGuests.checksum(0x1234567));
    const local = await inThreadRate(romPath);
    const host = new VmHost({ poolMB: 16, pcpus: 1, swapDir: dir, quantumMs: 20, shareScanVm: 0 });
    try {
      const n = host.addVmx(
        ((): string => {
          const p = join(dir, 'ck.vmx');
          writeFileSync(p, `config.version = "8"\ndisplayName = "ck"\nmemsize = "4"\nbios440.filename = "${romPath}"\n`);
          return p;
        })(),
      );
      await host.start(n);
      await sleep(600); // warm up
      const r0 = host.retired(n);
      const u0 = host.cpuTimes(n)!.usedMs;
      await sleep(1500);
      const rate = (host.retired(n) - r0) / (host.cpuTimes(n)!.usedMs - u0);
      expect(host.consoleText(n)).not.toContain('BAD');
      expect(rate).toBeGreaterThan(local * 0.6);
    } finally {
      await host.close();
    }
  }, 30_000);
});
