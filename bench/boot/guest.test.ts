import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectedOutputs, findGuest, snapshotGuest, workloadAppend } from './guest.js';

const root = mkdtempSync(join(tmpdir(), 'boot-bench-guests-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function makeGuest(dir: string, manifest: object | null): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'vmlinuz'), 'kernel');
  writeFileSync(join(dir, 'initramfs.cpio.gz'), 'initrd');
  writeFileSync(join(dir, 'bios.bin'), 'bios');
  if (manifest) writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
}

describe('findGuest', () => {
  it('takes <VM_GUESTS_DIR>/current and reads its manifest', () => {
    makeGuest(join(root, '6.1.0-50-686'), {
      cmdline: 'console=ttyS0 quiet',
      tests: ['hello', 'workload'],
      packages: { 'busybox-static': { version: '1:1.35.0' } },
    });
    symlinkSync('6.1.0-50-686', join(root, 'current'));
    const g = findGuest(null, { VM_GUESTS_DIR: root });
    expect(g).toEqual({
      dir: join(root, 'current'),
      cmdline: 'console=ttyS0 quiet',
      tests: ['hello', 'workload'],
      packages: { 'busybox-static': '1:1.35.0' },
    });
  });
  it('takes an explicit folder without a manifest, and says how to build a guest when there is none', () => {
    makeGuest(join(root, 'bare'), null);
    expect(findGuest(join(root, 'bare'))).toMatchObject({ cmdline: 'console=ttyS0 quiet', tests: [] });
    expect(findGuest(join(root, 'nothing'))).toMatch(/build-guests/);
  });
});

describe('workloadAppend', () => {
  it('adds the workload selector and any extra words to the guest command line', () => {
    const g = { dir: 'd', cmdline: 'console=ttyS0 quiet', tests: [], packages: {} };
    expect(workloadAppend(g)).toBe('console=ttyS0 quiet vmtest=workload');
    expect(workloadAppend(g, 'loglevel=3')).toBe('console=ttyS0 quiet vmtest=workload loglevel=3');
  });
});

describe('snapshotGuest', () => {
  it('copies the files aside, hashes them, and deletes the copies on dispose', () => {
    makeGuest(join(root, 'snap'), null);
    const s = snapshotGuest({ dir: join(root, 'snap'), cmdline: '', tests: [], packages: {} });
    expect(readFileSync(s.kernel, 'utf8')).toBe('kernel');
    expect(s.bios).not.toBeNull();
    expect(s.vgaBios).toBeNull();
    expect(s.initrdSha256).toMatch(/^[0-9a-f]{64}$/);
    s.dispose();
    expect(existsSync(s.kernel)).toBe(false);
  });
});

describe('expectedOutputs', () => {
  it('knows the digest of 8 MiB of zeros (as busybox sha256sum prints it) and the loop count', () => {
    expect(expectedOutputs()).toEqual({
      sha256: '2daeb1f36095b44b318410b3f4e8b5d989dcc7bb023d1426c492dab0a3053e74  -',
      loop: 'loop_i=200000',
    });
  });
});
