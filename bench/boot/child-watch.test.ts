import { describe, expect, it } from 'vitest';
import { watchChild, type StampedLine } from './child-watch.js';

const node = process.execPath;

describe('watchChild', () => {
  it('stamps lines in order and ends when a line completes the run', async () => {
    const seen: StampedLine[] = [];
    const script = `process.stdout.write('a\\r\\nb'); setTimeout(() => { process.stdout.write('c\\nEND\\n'); }, 200); setTimeout(() => {}, 60000);`;
    const r = await watchChild(
      { command: node, args: ['-e', script] },
      { timeoutSeconds: 20, graceSeconds: 0.2, onLine: (l) => (seen.push(l), l.text === 'END') },
    );
    expect(r.outcome).toBe('complete');
    expect(seen.map((l) => l.text)).toEqual(['a', 'bc', 'END']);
    expect(seen[1]!.seconds - seen[0]!.seconds).toBeGreaterThan(0.1);
    expect(seen.every((l) => l.cpuSeconds === null || l.cpuSeconds >= 0)).toBe(true);
    // the child ignored the end and was killed after the grace period
    expect(r.signal).toBe('SIGKILL');
  });

  it('kills a child that never completes at the timeout', async () => {
    const r = await watchChild(
      { command: node, args: ['-e', 'console.log("booting"); setInterval(() => {}, 1000)'] },
      { timeoutSeconds: 0.5, onLine: () => false },
    );
    expect(r.outcome).toBe('timeout');
    expect(r.tail).toEqual(['booting']);
    expect(r.seconds).toBeLessThan(10);
  });

  it('reports a child that exits early, with its stderr', async () => {
    const r = await watchChild(
      { command: node, args: ['-e', 'console.error("no kernel"); process.exit(3)'] },
      { timeoutSeconds: 20, onLine: () => false },
    );
    expect(r).toMatchObject({ outcome: 'exited', exitCode: 3 });
    expect(r.stderrTail).toContain('no kernel');
  });

  it('reports a program that cannot be started', async () => {
    const r = await watchChild({ command: '/nonexistent/emulator', args: [] }, { timeoutSeconds: 5, onLine: () => false });
    expect(r.outcome).toBe('spawn-error');
    expect(r.error).toMatch(/ENOENT/);
  });
});

describe('processCpuSeconds', () => {
  it('reads a live process and is null for a missing one', async () => {
    const { processCpuSeconds } = await import('./child-watch.js');
    if (process.platform === 'linux') {
      // Spin until Node itself counts 0.2 s more CPU: /proc must agree (to its 10 ms ticks).
      const t = processCpuSeconds(process.pid)!;
      const u0 = process.cpuUsage();
      const cpu = () => {
        const u = process.cpuUsage(u0);
        return (u.user + u.system) / 1e6;
      };
      while (cpu() < 0.2) Math.sqrt(Math.random());
      expect(processCpuSeconds(process.pid)!).toBeGreaterThanOrEqual(t + 0.18);
    }
    expect(processCpuSeconds(undefined)).toBeNull();
    expect(processCpuSeconds(2 ** 30)).toBeNull();
  });
});
