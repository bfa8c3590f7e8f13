import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bootOnce } from './boot-once.js';
import { VmRunner } from './runners/vm.js';

const scratch = mkdtempSync(join(tmpdir(), 'boot-bench-once-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const input = { kernel: 'k', initrd: 'i', append: 'console=ttyS0 quiet vmtest=workload', memoryMiB: 128 };

/** A stand-in `vm` command that checks its arguments and prints a guest's console. */
function fakeVm(name: string, body: string): VmRunner {
  const cli = join(scratch, name);
  writeFileSync(
    cli,
    `const a = process.argv.slice(2);
if (a.join(' ') !== 'run --kernel k --initrd i --append console=ttyS0 quiet vmtest=workload --memory 128') { console.error('bad args ' + a.join(' ')); process.exit(2); }
const say = (t) => process.stdout.write(t + '\\r\\n');
${body}`,
  );
  return new VmRunner(cli);
}

describe('bootOnce', () => {
  it('follows a whole boot through the vm command and its serial output', async () => {
    const vm = fakeVm(
      'good.js',
      `say('VM-GUEST-READY uptime=1.25');
setTimeout(() => {
  say('2daeb1f36095b44b318410b3f4e8b5d989dcc7bb023d1426c492dab0a3053e74  -');
  setTimeout(() => {
    say('2129143');
    say('VM-WORKLOAD loop_i=200000 sha256_cs=20 loop_cs=10 gzip_cs=10 total_cs=40');
    say('VM-TEST-DONE name=workload status=0 uptime=1.70');
  }, 200);
}, 200);`,
    );
    const r = await bootOnce(vm, input, 20);
    if (!r.ok) throw new Error(r.error);
    expect(r.measurement.guest).toMatchObject({ toShellSeconds: 1.25, workloadSeconds: 0.4, perPart: { sha256: 0.2, loop: 0.1, gzip: 0.1 } });
    expect(r.measurement.host.perPart.sha256!).toBeGreaterThan(0.15);
    expect(r.measurement.host.loopGzipSeconds).toBeGreaterThan(0.15);
    expect(r.measurement.outputs.gzip).toBe('2129143');
  });

  it('reports a guest that hangs, with the console tail, and kills it', async () => {
    const vm = fakeVm('hang.js', `say('Linux version 6.1'); say('Kernel panic - not syncing'); setInterval(() => {}, 1000);`);
    const r = await bootOnce(vm, input, 1);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toMatch(/timed out after 1 s; no VM-GUEST-READY/);
    expect(r.tail).toContain('Kernel panic - not syncing');
  });

  it('reports a command that fails, with its standard error', async () => {
    const vm = fakeVm('fail.js', `console.error('vm: cannot open k'); process.exit(1);`);
    const r = await bootOnce(vm, input, 20);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/exited \(code 1.*cannot open k/);
  });
});

describe('bootOnce on a panic', () => {
  it('ends the run at the panic instead of waiting for the timeout', async () => {
    const vm = fakeVm('panic.js', `say('[    0.04] Kernel panic - not syncing: VFS: Unable to mount root fs'); setInterval(() => {}, 1000);`);
    const r = await bootOnce(vm, input, 60);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toBe('the guest kernel panicked: VFS: Unable to mount root fs');
      expect(r.wallSeconds).toBeLessThan(30);
    }
  });
});
