import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'vm-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Run the real `vm` entry point (TypeScript sources through tsx) and return its status and output. */
function vm(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', join(here, 'main.ts'), ...args], {
    cwd: join(here, '..', '..'),
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('vm disk (the command line)', () => {
  it('exits 0 on success, 2 on a usage error, 1 on a damaged image', () => {
    const ok = vm('disk', 'create', join(dir, 'a.vmdk'), '--size', '64M');
    expect(ok.stderr).toBe('');
    expect(ok).toMatchObject({ status: 0 });
    expect(ok.stdout).toContain('vmdk monolithicSparse, 64 MiB');
    expect(vm('disk', 'info', join(dir, 'a.vmdk')).stdout).toContain('capacity:   64 MiB');
    const usage = vm('disk', 'create', join(dir, 'b.vmdk'), '--size', '12X');
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/^vm: size "12X": expected a number/);
    writeFileSync(join(dir, 'c.vmdk'), Buffer.concat([Buffer.from('KDMV'), Buffer.alloc(60)]));
    const bad = vm('disk', 'check', join(dir, 'c.vmdk'));
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^vm: disk check .*c\.vmdk: .+ \((bad-header|truncated|bad-magic)\)\n$/);
    expect(vm('disk', '--help').stdout).toContain('disk convert SRC DST');
  });
});
