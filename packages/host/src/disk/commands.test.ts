import { mkdtemp, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDisk } from '@vm/vdisk';
import { NodeFileSystem } from '@vm/vdisk/node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runDiskCommand } from './commands.js';
import type { DiskIo } from './commands.js';
import { parseDiskArgs } from './disk-args.js';

const fs = new NodeFileSystem();
let dir: string;
let out: string;
let err: string;
const io: DiskIo = { out: { write: (t: string) => (out += t) }, err: { write: (t: string) => (err += t), isTTY: false } };

/** Run `vm disk ...` (paths relative to the temp dir) and return the exit status. */
async function vm(...args: string[]): Promise<number> {
  out = '';
  err = '';
  const abs = args.map((a) => (a.startsWith('--') || !a.includes('.') ? a : join(dir, a)));
  return runDiskCommand(fs, parseDiskArgs(abs), io);
}

function pattern(bytes: number, seed: number): Uint8Array {
  const b = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) b[i] = (i * 7 + seed) & 0xff;
  return b;
}

async function readSectors(path: string, sector: number, bytes: number, mode: 'persistent' | 'undoable' = 'persistent'): Promise<Uint8Array> {
  const d = await openDisk(fs, path, { mode, readOnly: mode === 'persistent' });
  try {
    const b = new Uint8Array(bytes);
    await d.read(sector, b);
    return b;
  } finally {
    await d.close();
  }
}

async function writeSectors(path: string, sector: number, data: Uint8Array, mode: 'persistent' | 'undoable' = 'persistent'): Promise<void> {
  const d = await openDisk(fs, path, { mode });
  await d.write(sector, data);
  await d.close();
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vm-disk-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('vm disk create / info', () => {
  it('creates a sparse VMDK and describes it', async () => {
    expect(await vm('create', 'a.vmdk', '--size', '4G', '--adapter', 'buslogic')).toBe(0);
    expect(out).toMatch(/created .*a\.vmdk: vmdk monolithicSparse, 4 GiB/);
    // Sparse: the file is far smaller than the capacity.
    expect((await stat(join(dir, 'a.vmdk'))).size).toBeLessThan(2 ** 20);
    expect(await vm('info', 'a.vmdk')).toBe(0);
    expect(out).toContain('format:     vmdk (monolithicSparse)');
    expect(out).toContain('capacity:   4 GiB (4294967296 bytes, 8388608 sectors)');
    expect(out).toContain('allocated:  0 B');
    expect(out).toContain('adapter:    buslogic');
    expect(out).toContain('redo log:   none');
    expect(out).toMatch(/0: sparse RW .*4 GiB .*grains 0 allocated, 0 zeroed of 65536 bytes/);
    expect(out).toMatch(/CID: {8}[0-9a-f]{8}/);
  });

  it('creates every subformat and raw, with the extents each one has', async () => {
    expect(await vm('create', 'f.vmdk', '--size=3G', '--subformat', 'twoGbMaxExtentFlat')).toBe(0);
    expect(await vm('info', 'f.vmdk', '--json')).toBe(0);
    const info = JSON.parse(out) as { createType: string; extents: { kind: string; file: string; sectors: number }[]; redoLog: null };
    expect(info.createType).toBe('twoGbMaxExtentFlat');
    expect(info.extents.map((e) => [e.kind, e.file])).toEqual([
      ['flat', 'f-f001.vmdk'],
      ['flat', 'f-f002.vmdk'],
    ]);
    expect(info.extents[0]!.sectors + info.extents[1]!.sectors).toBe(6 * 2 ** 20);
    expect(await vm('create', 's.vmdk', '--size', '100M', '--subformat', 'twoGbMaxExtentSparse')).toBe(0);
    expect(await vm('create', 'm.vmdk', '--size', '1M', '--subformat', 'monolithicFlat')).toBe(0);
    expect((await stat(join(dir, 'm-flat.vmdk'))).size).toBe(2 ** 20);
    expect(await vm('create', 'r.img', '--size', '1536K', '--format', 'raw')).toBe(0);
    expect((await stat(join(dir, 'r.img'))).size).toBe(1536 * 1024);
    expect(await vm('info', 'r.img')).toBe(0);
    expect(out).toContain('format:     raw\n');
    expect(out).not.toContain('CID');
  });

  it('refuses to overwrite an existing file (exit 1, names the file)', async () => {
    await writeFile(join(dir, 'x.vmdk'), 'keep me');
    expect(await vm('create', 'x.vmdk', '--size', '1M')).toBe(1);
    expect(err).toMatch(/x\.vmdk.*\(exists\)/);
    expect(await readFile(join(dir, 'x.vmdk'), 'utf8')).toBe('keep me');
  });
});

describe('vm disk convert / check round trips', () => {
  it('raw -> vmdk -> twoGbMaxExtentSparse -> raw keeps the content; check passes', async () => {
    expect(await vm('create', 'src.img', '--size', '8M', '--format', 'raw')).toBe(0);
    const a = pattern(64 * 512, 3);
    const b = pattern(8 * 512, 99);
    await writeSectors(join(dir, 'src.img'), 100, a);
    await writeSectors(join(dir, 'src.img'), 16000, b);
    expect(await vm('convert', 'src.img', 'mid.vmdk')).toBe(0);
    // A raw source is copied in 1 MiB chunks, skipping all-zero ones: two chunks hold data.
    expect(out).toMatch(/converted .* \(vmdk\): 2 MiB of data copied/);
    expect(await vm('info', 'mid.vmdk')).toBe(0);
    expect(out).toMatch(/grains [1-9]\d* allocated/);
    expect(out).toMatch(/allocated: {2}[1-9]/);
    expect(await vm('check', 'mid.vmdk')).toBe(0);
    expect(out).toMatch(/1 sparse extent\(s\) checked, no errors/);
    expect(await vm('convert', 'mid.vmdk', 'split.vmdk', '--subformat', 'twoGbMaxExtentSparse', '--adapter', 'buslogic')).toBe(0);
    expect(await vm('check', 'split.vmdk')).toBe(0);
    expect(await vm('convert', 'split.vmdk', 'back.raw')).toBe(0);
    expect(out).toContain('(raw)');
    const src = await readFile(join(dir, 'src.img'));
    const back = await readFile(join(dir, 'back.raw'));
    expect(back.length).toBe(src.length);
    expect(Buffer.compare(back, src)).toBe(0);
    expect(await vm('check', 'back.raw')).toBe(0);
    expect(out).toContain('no sparse metadata to check');
  });

  it('shows periodic progress lines on a non-terminal and an in-place line on a terminal', async () => {
    expect(await vm('create', 'p.vmdk', '--size', '16M')).toBe(0);
    await writeSectors(join(dir, 'p.vmdk'), 0, pattern(512, 1));
    let t = 0;
    const lines: string[] = [];
    const slow: DiskIo = { out: { write: () => 0 }, err: { write: (s: string) => lines.push(s), isTTY: false }, now: () => (t += 1000) };
    expect(await runDiskCommand(fs, parseDiskArgs(['convert', join(dir, 'p.vmdk'), join(dir, 'p.img')]), slow)).toBe(0);
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.every((l) => /^converting .*p\.vmdk: \d+%\n$/.test(l))).toBe(true);
    expect(lines.at(-1)).toMatch(/100%\n$/);
    const tty: string[] = [];
    const term: DiskIo = { out: { write: () => 0 }, err: { write: (s: string) => tty.push(s), isTTY: true } };
    expect(await runDiskCommand(fs, parseDiskArgs(['convert', join(dir, 'p.vmdk'), join(dir, 'q.img')]), term)).toBe(0);
    expect(tty[0]).toMatch(/^\rconverting .*: \d+%$/);
    expect(tty.at(-1)).toMatch(/^\rconverting .*: 100%\n$/);
    expect(tty.slice(0, -1).every((s) => !s.includes('\n'))).toBe(true);
  });
});

describe('vm disk commit / discard', () => {
  it('commit merges the redo log into the disk and removes it', async () => {
    expect(await vm('create', 'u.vmdk', '--size', '4M')).toBe(0);
    const disk = join(dir, 'u.vmdk');
    await writeSectors(disk, 10, pattern(512, 1));
    await writeSectors(disk, 10, pattern(1024, 2), 'undoable');
    // The base is untouched until commit; the redo log shows up in info.
    expect(await readSectors(disk, 10, 512)).toEqual(pattern(512, 1));
    expect(await vm('info', 'u.vmdk')).toBe(0);
    expect(out).toContain(`redo log:   ${disk}.REDO`);
    expect(await vm('info', 'u.vmdk.REDO')).toBe(0);
    expect(out).toMatch(/parentCID: {2}[0-9a-f]{8} \(parent u\.vmdk\)/);
    expect(await vm('commit', 'u.vmdk')).toBe(0);
    expect(out).toMatch(/committed .*u\.vmdk\.REDO into .*u\.vmdk: 64 KiB merged/);
    expect(await readSectors(disk, 10, 1024)).toEqual(pattern(1024, 2));
    expect(await fs.exists(`${disk}.REDO`)).toBe(false);
    expect(await vm('check', 'u.vmdk')).toBe(0);
  });

  it('discard drops the redo log and keeps the old content', async () => {
    expect(await vm('create', 'd.vmdk', '--size', '4M')).toBe(0);
    const disk = join(dir, 'd.vmdk');
    await writeSectors(disk, 0, pattern(512, 5));
    await writeSectors(disk, 0, pattern(512, 6), 'undoable');
    expect(await readSectors(disk, 0, 512, 'undoable')).toEqual(pattern(512, 6));
    expect(await vm('discard', 'd.vmdk')).toBe(0);
    expect(await fs.exists(`${disk}.REDO`)).toBe(false);
    expect(await readSectors(disk, 0, 512)).toEqual(pattern(512, 5));
  });

  it('commit and discard without a redo log fail with exit 1', async () => {
    expect(await vm('create', 'n.vmdk', '--size', '1M')).toBe(0);
    expect(await vm('commit', 'n.vmdk')).toBe(1);
    expect(err).toMatch(/no redo log .*n\.vmdk\.REDO \(not-found\)/);
    expect(await vm('discard', 'n.vmdk')).toBe(1);
    expect(err).toMatch(/\(not-found\)/);
  });
});

describe('damaged images', () => {
  it('a truncated sparse VMDK is named as truncated', async () => {
    expect(await vm('create', 't.vmdk', '--size', '64M')).toBe(0);
    await truncate(join(dir, 't.vmdk'), 4096);
    for (const sub of ['info', 'check']) {
      expect(await vm(sub, 't.vmdk')).toBe(1);
      expect(err).toMatch(new RegExp(`^vm: disk ${sub} .*t\\.vmdk: .+ \\(truncated\\)\\n$`));
    }
  });

  it('a bad magic, a bad descriptor line, a missing extent and a missing file each say what is wrong', async () => {
    expect(await vm('create', 'b.vmdk', '--size', '1M')).toBe(0);
    const f = await readFile(join(dir, 'b.vmdk'));
    f[0] = 0x4b;
    f[1] = 0x44;
    f[2] = 0x4d;
    f[3] = 0x58;
    // A file that is not a VMDK but named .vmdk: a text descriptor that fails to parse.
    await writeFile(join(dir, 'b.vmdk'), f);
    expect(await vm('info', 'b.vmdk')).toBe(1);
    expect(err).toMatch(/\((bad-magic|descriptor-syntax)\)/);
    await writeFile(join(dir, 'd.vmdk'), '# Disk DescriptorFile\nversion=1\ncreateType="monolithicFlat"\nRW 2048 FLAT "gone-flat.vmdk" 0\nthis is not a line\n');
    expect(await vm('info', 'd.vmdk')).toBe(1);
    expect(err).toMatch(/line 5: .*\(descriptor-syntax\)/);
    await writeFile(join(dir, 'e.vmdk'), '# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\ncreateType="monolithicFlat"\nRW 2048 FLAT "gone-flat.vmdk" 0\n');
    expect(await vm('check', 'e.vmdk')).toBe(1);
    expect(err).toMatch(/gone-flat\.vmdk.*\(missing-extent\)/);
    expect(await vm('info', 'nothing.vmdk')).toBe(1);
    expect(err).toMatch(/nothing\.vmdk.*\(not-found\)/);
  });

  it('check reports a grain table that disagrees with its redundant copy (exit 1)', async () => {
    expect(await vm('create', 'g.vmdk', '--size', '1M')).toBe(0);
    await writeSectors(join(dir, 'g.vmdk'), 0, pattern(512, 1));
    const f = await readFile(join(dir, 'g.vmdk'));
    const dv = new DataView(f.buffer, f.byteOffset, f.byteLength);
    // Sparse header (VMDK spec): rgdOffset at byte 48, gdOffset at byte 56 (u64 LE, in sectors).
    const gd = Number(dv.getBigUint64(56, true));
    const gt = dv.getUint32(gd * 512, true);
    dv.setUint32(gt * 512, dv.getUint32(gt * 512, true) + 1, true);
    await writeFile(join(dir, 'g.vmdk'), f);
    expect(await vm('check', 'g.vmdk')).toBe(1);
    expect(out).toMatch(/^error: /m);
    expect(err).toMatch(/\d+ error\(s\) found/);
  });
});
