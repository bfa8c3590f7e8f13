/// <reference types="node" />
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, openSync, writeSync, ftruncateSync, mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDisk } from '../disk/create.js';
import type { VmdkSubformat } from '../disk/create.js';
import { checkDisk } from '../disk/check.js';
import { convertDisk } from '../disk/convert.js';
import { diskInfo } from '../disk/info.js';
import { commitRedo, openDisk } from '../disk/modes.js';
import { openVirtualDisk } from '../disk/open.js';
import { sectorPattern } from '../test/index.js';
import { NodeFileSystem } from './node-file.js';

const hasQemu = spawnSync('qemu-img', ['--version']).status === 0 && spawnSync('qemu-io', ['--version']).status === 0;
if (!hasQemu) console.warn('qemu-img/qemu-io not found: skipping VMDK interop tests (install Debian package qemu-utils)');

const dir = mkdtempSync(join(tmpdir(), 'vdisk-qemu-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fs = new NodeFileSystem();

function run(cmd: string, args: string[]): { status: number; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd: dir });
  return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

/** A sparse raw file holding the expected content. */
function rawFile(name: string, size: number): string {
  const p = join(dir, name);
  const fd = openSync(p, 'w');
  ftruncateSync(fd, size);
  closeSync(fd);
  return p;
}
function rawWrite(p: string, byteOffset: number, data: Uint8Array): void {
  const fd = openSync(p, 'r+');
  writeSync(fd, data, 0, data.length, byteOffset);
  closeSync(fd);
}
function expectSame(raw: string, vmdk: string): void {
  const r = run('qemu-img', ['compare', '-f', 'raw', '-F', 'vmdk', raw, vmdk]);
  expect(r.out).toContain('Images are identical');
  expect(r.status).toBe(0);
}
function expectCheckClean(vmdk: string): void {
  const r = run('qemu-img', ['check', '-f', 'vmdk', vmdk]);
  expect(r.out).toMatch(/No errors were found/);
  expect(r.status).toBe(0);
}

const GiB = 2 ** 30;
const cases: [VmdkSubformat, number][] = [
  ['monolithicSparse', 64 << 20],
  ['monolithicFlat', 64 << 20],
  ['twoGbMaxExtentSparse', 5 * GiB],
  ['twoGbMaxExtentFlat', 5 * GiB],
];

/** Byte offsets (multiples of 512) around grain, extent and end-of-disk boundaries. */
function offsets(size: number): number[] {
  const o = [0, 65536 - 1024, 1 << 20, size - 3 * 512];
  if (size > 2 * GiB) o.push(2 * GiB - 2048, 4192256 * 512 - 1024, 4 * GiB + 512);
  return o;
}

describe.skipIf(!hasQemu)('interop with qemu-img', () => {
  for (const [sub, size] of cases) {
    it(`reads and writes a ${sub} image made by qemu-img`, async () => {
      const name = `q-${sub}.vmdk`;
      const vmdk = join(dir, name);
      execFileSync('qemu-img', ['create', '-q', '-f', 'vmdk', '-o', `subformat=${sub}`, vmdk, String(size)]);
      const raw = rawFile(`q-${sub}.raw`, size);
      // qemu writes 0x5a over 192 KiB at each offset.
      for (const off of offsets(size)) {
        const len = Math.min(192 * 1024, size - off);
        execFileSync('qemu-io', ['-f', 'vmdk', '-c', `write -P 0x5a ${off} ${len}`, vmdk]);
        rawWrite(raw, off, new Uint8Array(len).fill(0x5a));
      }
      const d = await openVirtualDisk(fs, vmdk);
      expect(d.sectorCount).toBe(size / 512);
      for (const off of offsets(size)) {
        const len = Math.min(192 * 1024, size - off);
        const got = new Uint8Array(len + (off + len + 512 <= size ? 512 : 0));
        await d.read(off / 512, got);
        expect(got.subarray(0, len).every((x) => x === 0x5a)).toBe(true);
      }
      // Our writes: overlapping qemu's data, partial grains, fresh grains, extent edges.
      let seed = 1;
      for (const off of offsets(size)) {
        const at = off + 4096;
        const n = Math.min(300, (size - at) / 512);
        if (n <= 0) continue;
        const data = sectorPattern(n, seed++);
        await d.write(at / 512, data);
        rawWrite(raw, at, data);
      }
      await d.close();
      expectCheckClean(vmdk);
      expectSame(raw, vmdk);
      expect((await checkDisk(fs, vmdk)).errors).toEqual([]);
    });

    it(`writes ${sub} images that qemu-img checks and compares clean`, async () => {
      const name = `o-${sub}.vmdk`;
      const vmdk = join(dir, name);
      const d = await createDisk(fs, vmdk, { size, subformat: sub });
      const raw = rawFile(`o-${sub}.raw`, size);
      let seed = 10;
      for (const off of offsets(size)) {
        const n = Math.min(257, (size - off) / 512);
        const data = sectorPattern(n, seed++);
        await d.write(off / 512, data);
        rawWrite(raw, off, data);
      }
      await d.close();
      expectCheckClean(vmdk);
      expectSame(raw, vmdk);
      expect((await checkDisk(fs, vmdk)).errors).toEqual([]);
      const info = JSON.parse(run('qemu-img', ['info', '--output=json', vmdk]).out) as {
        'virtual-size': number;
        'format-specific': { data: { 'create-type': string } };
      };
      expect(info['virtual-size']).toBe(size);
      expect(info['format-specific'].data['create-type']).toBe(sub);
      const ours = await diskInfo(fs, vmdk);
      expect(ours.createType).toBe(sub);
      expect(ours.capacityBytes).toBe(size);
    });
  }

  it('an undoable redo log is a delta disk qemu reads over its base; commit merges it', async () => {
    const size = 32 << 20;
    const base = join(dir, 'u.vmdk');
    const raw = rawFile('u.raw', size);
    const d = await createDisk(fs, base, { size });
    const a = sectorPattern(300, 1);
    await d.write(100, a);
    rawWrite(raw, 100 * 512, a);
    await d.close();
    const baseBefore = rawFile('u-before.raw', size);
    rawWrite(baseBefore, 100 * 512, a);

    const u = await openDisk(fs, base, { mode: 'undoable' });
    const b = sectorPattern(50, 2);
    await u.write(120, b); // partial grain over base data: copy-on-write
    rawWrite(raw, 120 * 512, b);
    await u.write(5000, new Uint8Array(128 * 512)); // zeros over nothing
    await u.write(128, new Uint8Array(128 * 512)); // a whole zero grain over base data
    rawWrite(raw, 128 * 512, new Uint8Array(128 * 512));
    await u.close();
    expect(existsSync(`${base}.REDO`)).toBe(true);
    expectCheckClean(`${base}.REDO`);
    expectSame(raw, `${base}.REDO`);
    expectSame(baseBefore, base);

    let last = 0;
    await commitRedo(fs, base, { onProgress: (done) => (last = done) });
    expect(last).toBeGreaterThan(0);
    expect(existsSync(`${base}.REDO`)).toBe(false);
    expectCheckClean(base);
    expectSame(raw, base);
  });

  it('reads zeroed-grain markers qemu writes (zeroed_grain=on, write -z)', async () => {
    const vmdk = join(dir, 'z.vmdk');
    execFileSync('qemu-img', ['create', '-q', '-f', 'vmdk', '-o', 'zeroed_grain=on', vmdk, String(8 << 20)]);
    execFileSync('qemu-io', ['-f', 'vmdk', '-c', 'write -P 0x77 0 262144', '-c', 'write -z 65536 131072', vmdk]);
    const info = await diskInfo(fs, vmdk);
    expect(info.extents[0]!.zeroedGrains).toBe(2);
    expect(info.extents[0]!.allocatedGrains).toBe(2);
    const d = await openVirtualDisk(fs, vmdk);
    const got = new Uint8Array(262144);
    await d.read(0, got);
    expect(got.subarray(0, 65536).every((x) => x === 0x77)).toBe(true);
    expect(got.subarray(65536, 196608).every((x) => x === 0)).toBe(true);
    expect(got.subarray(196608).every((x) => x === 0x77)).toBe(true);
    await d.write(130, sectorPattern(2, 5)); // inside a zeroed grain
    await d.close();
    const raw = rawFile('z.raw', 8 << 20);
    rawWrite(raw, 0, new Uint8Array(65536).fill(0x77));
    rawWrite(raw, 196608, new Uint8Array(65536).fill(0x77));
    rawWrite(raw, 130 * 512, sectorPattern(2, 5));
    expectCheckClean(vmdk);
    expectSame(raw, vmdk);
  });

  it('converts a qemu image to every subformat and raw without changing content', async () => {
    const size = 3 * GiB;
    const src = join(dir, 'conv.vmdk');
    execFileSync('qemu-img', ['create', '-q', '-f', 'vmdk', src, String(size)]);
    execFileSync('qemu-io', ['-f', 'vmdk', '-c', 'write -P 0x11 1048576 70000', '-c', `write -P 0x22 ${2 * GiB - 4096} 8192`, src]);
    for (const sub of ['twoGbMaxExtentSparse', 'monolithicFlat'] as const) {
      const dst = join(dir, `conv-${sub}.vmdk`);
      await convertDisk(fs, src, dst, { subformat: sub });
      expectCheckClean(dst);
      const r = run('qemu-img', ['compare', '-f', 'vmdk', '-F', 'vmdk', src, dst]);
      expect(r.out).toContain('Images are identical');
    }
    const img = join(dir, 'conv.img');
    await convertDisk(fs, src, img, { format: 'raw' });
    const r = run('qemu-img', ['compare', '-f', 'vmdk', '-F', 'raw', src, img]);
    expect(r.out).toContain('Images are identical');
  });
});
