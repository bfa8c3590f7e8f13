import { describe, expect, it } from 'vitest';
import { openVirtualDisk } from '../disk/open.js';
import { createDisk } from '../disk/create.js';
import { VdiskError } from '../errors.js';
import { MemoryFile, MemoryFileSystem } from '../storage/memory-file.js';
import { firstDifference, sectorPattern } from '../test/index.js';
import { FLAG_ZERO_GRAIN, formatSparseHeader, parseSparseHeader } from './header.js';
import { SparseExtent } from './sparse-extent.js';

function u32(f: MemoryFile, at: number): number {
  const b = new Uint8Array(4);
  f.readSync(at, b);
  return new DataView(b.buffer).getUint32(0, true);
}
function setU32(f: MemoryFile, at: number, v: number): void {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v, true);
  f.writeSync(at, b);
}

async function fresh(sectors = 2048, zeroedGrains = false): Promise<{ fs: MemoryFileSystem; f: MemoryFile }> {
  const fs = new MemoryFileSystem();
  await (await createDisk(fs, 's.vmdk', { size: sectors * 512, zeroedGrains })).close();
  return { fs, f: fs.file('s.vmdk') };
}

async function openError(fs: MemoryFileSystem, path = 's.vmdk'): Promise<VdiskError> {
  try {
    const d = await openVirtualDisk(fs, path);
    await d.close();
  } catch (e) {
    expect(e).toBeInstanceOf(VdiskError);
    return e as VdiskError;
  }
  throw new Error('opened');
}

describe('sparse extent layout', () => {
  it('lays out header, descriptor, both directories and tables like QEMU', async () => {
    const { f } = await fresh(20480);
    const h = parseSparseHeader(f.toBytes().subarray(0, 512));
    expect(h).toMatchObject({ capacity: 20480, grainSize: 128, descriptorOffset: 1, descriptorSize: 20, numGTEsPerGT: 512, rgdOffset: 21, gdOffset: 26, overHead: 128 });
    expect(f.byteLength).toBe(128 * 512);
    expect(u32(f, 21 * 512)).toBe(22);
    expect(u32(f, 26 * 512)).toBe(27);
    expect(firstDifference(formatSparseHeader(h), f.toBytes().subarray(0, 512))).toBe(-1);
  });

  it('allocates grains at the end of the file and keeps both directories and tables in sync', async () => {
    const { fs, f } = await fresh(4 * 65536 * 2); // 2 directory entries (grain tables)
    const d = await openVirtualDisk(fs, 's.vmdk');
    await d.write(65536 + 5, sectorPattern(2, 1)); // grain 512 = table 1, entry 0
    await d.write(3, sectorPattern(1, 2)); // grain 0
    await d.flush();
    const h = parseSparseHeader(f.toBytes().subarray(0, 512));
    const gt1 = u32(f, h.gdOffset * 512 + 4);
    const rgt1 = u32(f, h.rgdOffset * 512 + 4);
    expect(gt1).not.toBe(rgt1);
    const first = u32(f, gt1 * 512);
    expect(first).toBe(h.overHead);
    expect(u32(f, rgt1 * 512)).toBe(first);
    const gt0 = u32(f, h.gdOffset * 512);
    expect(u32(f, gt0 * 512)).toBe(h.overHead + 128);
    expect(u32(f, u32(f, h.rgdOffset * 512) * 512)).toBe(h.overHead + 128);
    expect(f.byteLength).toBe((h.overHead + 256) * 512);
    // The partial grain was filled with zeros around the write.
    const g = new Uint8Array(128 * 512);
    f.readSync(first * 512, g);
    expect(g.subarray(0, 5 * 512).every((x) => x === 0)).toBe(true);
    expect(firstDifference(g.subarray(5 * 512, 7 * 512), sectorPattern(2, 1))).toBe(-1);
    await d.close();
  });

  it('allocates grain tables for directory entries that are 0 (in both directories)', async () => {
    const { fs, f } = await fresh(65536 * 2);
    const h = parseSparseHeader(f.toBytes().subarray(0, 512));
    setU32(f, h.gdOffset * 512 + 4, 0);
    setU32(f, h.rgdOffset * 512 + 4, 0);
    const d = await openVirtualDisk(fs, 's.vmdk');
    const data = sectorPattern(1, 9);
    await d.write(65536, data);
    await d.close();
    const gt = u32(f, h.gdOffset * 512 + 4);
    const rgt = u32(f, h.rgdOffset * 512 + 4);
    expect(gt).toBeGreaterThanOrEqual(h.overHead);
    expect(rgt).toBeGreaterThanOrEqual(h.overHead);
    expect(u32(f, gt * 512)).toBe(u32(f, rgt * 512));
    const r = await openVirtualDisk(fs, 's.vmdk', { readOnly: true });
    const got = new Uint8Array(512);
    await r.read(65536, got);
    expect(firstDifference(got, data)).toBe(-1);
    await r.close();
  });

  it('zeroed-grain markers read as zeros and are written for zero grains over a parent', async () => {
    const { fs, f } = await fresh(1024, true);
    const h = parseSparseHeader(f.toBytes().subarray(0, 512));
    expect(h.flags & FLAG_ZERO_GRAIN).not.toBe(0);
    const d = await openVirtualDisk(fs, 's.vmdk');
    await d.write(0, sectorPattern(128, 3));
    await d.flush();
    // Mark grain 0 zeroed by hand: reads must ignore the old data.
    const gt = u32(f, h.gdOffset * 512);
    await d.close();
    setU32(f, gt * 512, 1);
    const r = await openVirtualDisk(fs, 's.vmdk');
    const got = new Uint8Array(512);
    await r.read(0, got);
    expect(got.every((x) => x === 0)).toBe(true);
    // A partial write to a zeroed grain allocates a fresh zero-filled grain.
    await r.write(1, sectorPattern(1, 4));
    const two = new Uint8Array(1024);
    await r.read(0, two);
    expect(two.subarray(0, 512).every((x) => x === 0)).toBe(true);
    expect(firstDifference(two.subarray(512), sectorPattern(1, 4))).toBe(-1);
    await r.close();
  });

  it('does not allocate for all-zero writes to unallocated grains without a parent', async () => {
    const { fs, f } = await fresh(1024);
    const d = await openVirtualDisk(fs, 's.vmdk');
    const before = f.byteLength;
    await d.write(0, new Uint8Array(128 * 512));
    await d.write(200, new Uint8Array(512));
    await d.close();
    expect(f.byteLength).toBe(before);
  });

  it('handles large sparse sizes (> 4 GiB) without allocating their space', async () => {
    const fs = new MemoryFileSystem();
    const size = 16 * 2 ** 30;
    const d = await createDisk(fs, 'big.vmdk', { size });
    const far = size / 512 - 3;
    const data = sectorPattern(3, 7);
    await d.write(far, data);
    await d.write(2 ** 32 / 512 + 1, data.subarray(0, 512)); // just past 4 GiB
    await d.close();
    const f = fs.file('big.vmdk');
    expect(f.byteLength).toBeLessThan(4 << 20);
    const r = await openVirtualDisk(fs, 'big.vmdk', { readOnly: true });
    expect(r.sectorCount).toBe(size / 512);
    const got = new Uint8Array(3 * 512);
    await r.read(far, got);
    expect(firstDifference(got, data)).toBe(-1);
    const one = new Uint8Array(512);
    await r.read(2 ** 32 / 512 + 1, one);
    expect(firstDifference(one, data.subarray(0, 512))).toBe(-1);
    await r.read(2 ** 32 / 512, one);
    expect(one.every((x) => x === 0)).toBe(true);
    await r.close();
  });
});

describe('corrupt and truncated sparse extents', () => {
  it('rejects a bad magic', async () => {
    const { fs, f } = await fresh();
    f.writeSync(0, new Uint8Array([0x4b, 0x44, 0x4d, 0x57]));
    expect((await openError(fs)).kind).toBe('bad-magic');
    await expect(SparseExtent.open(await fs.open('s.vmdk', 'r'), true)).rejects.toMatchObject({ kind: 'bad-magic' });
  });

  it('rejects COWD and compressed extents as unsupported', async () => {
    const { fs, f } = await fresh();
    const h = parseSparseHeader(f.toBytes().subarray(0, 512));
    f.writeSync(0, formatSparseHeader({ ...h, flags: h.flags | (1 << 16), compressAlgorithm: 1 }));
    expect((await openError(fs)).kind).toBe('unsupported');
    const cowd = new MemoryFileSystem();
    cowd.files.set('c.vmdk', new MemoryFile(new Uint8Array([0x43, 0x4f, 0x57, 0x44, ...new Uint8Array(2044)])));
    expect((await openError(cowd, 'c.vmdk')).kind).toBe('unsupported');
  });

  it.each([
    ['grain size 3', { grainSize: 3 }],
    ['grain size 0', { grainSize: 0 }],
    ['0 entries per table', { numGTEsPerGT: 0 }],
    ['100 entries per table', { numGTEsPerGT: 100 }],
    ['capacity 2^50', { capacity: 2 ** 50 }],
    ['gdOffset 0', { gdOffset: 0 }],
  ])('rejects %s as bad-header', async (_name, patch) => {
    const { fs, f } = await fresh();
    const h = parseSparseHeader(f.toBytes().subarray(0, 512));
    f.writeSync(0, formatSparseHeader({ ...h, ...patch }));
    expect((await openError(fs)).kind).toBe('bad-header');
  });

  it('reports a truncated header, directory or metadata area', async () => {
    for (const len of [100, 512 + 100, 26 * 512 + 2, 100 * 512]) {
      const { fs, f } = await fresh(20480);
      f.truncateSync(len);
      const e = await openError(fs);
      expect(e.kind).toBe('truncated');
    }
  });

  it('reports directory entries pointing past the end of the file', async () => {
    const { fs, f } = await fresh();
    const h = parseSparseHeader(f.toBytes().subarray(0, 512));
    setU32(f, h.gdOffset * 512, 0x7fffffff);
    const e = await openError(fs);
    expect(e.kind).toBe('grain-directory-out-of-range');
    expect(e.message).toContain('entry 0');
  });

  it('a grain table entry pointing into metadata or past the file is a corrupt BlockError on access', async () => {
    const { fs, f } = await fresh();
    const h = parseSparseHeader(f.toBytes().subarray(0, 512));
    const gt = u32(f, h.gdOffset * 512);
    setU32(f, gt * 512, 5); // grain 0 -> inside the descriptor
    setU32(f, gt * 512 + 4, 0x10000000); // grain 1 -> far past the end
    const d = await openVirtualDisk(fs, 's.vmdk');
    await expect(d.read(0, new Uint8Array(512))).rejects.toMatchObject({ name: 'BlockError', kind: 'corrupt' });
    await expect(d.read(128, new Uint8Array(512))).rejects.toMatchObject({ kind: 'corrupt', message: expect.stringContaining('grain 1') });
    await expect(d.write(130, new Uint8Array(512))).rejects.toMatchObject({ kind: 'corrupt' });
    // Other grains still work.
    await d.write(256, sectorPattern(1, 1));
    await d.close();
  });

  it('a grain cut off by truncation is reported, not read as garbage', async () => {
    const { fs, f } = await fresh();
    const d = await openVirtualDisk(fs, 's.vmdk');
    await d.write(0, sectorPattern(1, 1));
    await d.write(128, sectorPattern(1, 2));
    await d.close();
    f.truncateSync(f.byteLength - 128 * 512);
    const r = await openVirtualDisk(fs, 's.vmdk', { readOnly: true });
    await r.read(0, new Uint8Array(512));
    await expect(r.read(128, new Uint8Array(512))).rejects.toMatchObject({ kind: 'corrupt' });
    await r.close();
  });
});

describe('checkDisk', () => {
  it('finds nothing wrong in a healthy image and names mismatched redundant copies and shared grains', async () => {
    const { checkDisk } = await import('../disk/check.js');
    const { fs, f } = await fresh(65536 * 2);
    const d = await openVirtualDisk(fs, 's.vmdk');
    await d.write(0, sectorPattern(1, 1));
    await d.write(128, sectorPattern(1, 2));
    await d.close();
    expect(await checkDisk(fs, 's.vmdk')).toEqual({ errors: [], sparseExtents: 1 });
    const h = parseSparseHeader(f.toBytes().subarray(0, 512));
    const rgt = u32(f, h.rgdOffset * 512);
    setU32(f, rgt * 512 + 4, 0); // redundant entry for grain 1 lost
    const gt = u32(f, h.gdOffset * 512);
    setU32(f, gt * 512 + 8, u32(f, gt * 512)); // grain 2 aliases grain 0
    setU32(f, h.rgdOffset * 512 + 4, 0); // redundant directory entry 1 lost
    const r = await checkDisk(fs, 's.vmdk');
    expect(r.errors).toEqual([
      expect.stringMatching(/^s\.vmdk: grain 1: table says \d+, redundant table says 0$/),
      expect.stringMatching(/^s\.vmdk: grain 2: table says \d+, redundant table says 0$/),
      expect.stringMatching(/^s\.vmdk: grains 0 and 2 share sector \d+$/),
      expect.stringMatching(/^s\.vmdk: directory entry 1: primary \d+, redundant 0$/),
    ]);
  });
});

describe('uncleanShutdown', () => {
  it('is set while a writer has the extent open and cleared at close', async () => {
    const { fs, f } = await fresh();
    const d = await openVirtualDisk(fs, 's.vmdk');
    expect(f.toBytes()[72]).toBe(0);
    await d.write(0, sectorPattern(1, 1));
    expect(f.toBytes()[72]).toBe(1);
    const { diskInfo } = await import('../disk/info.js');
    expect((await diskInfo(fs, 's.vmdk')).extents[0]!.uncleanShutdown).toBe(true);
    await d.close();
    expect(f.toBytes()[72]).toBe(0);
    expect((await diskInfo(fs, 's.vmdk')).extents[0]!.uncleanShutdown).toBe(false);
  });
});

describe('grain table cache and coalesced reads', () => {
  it('keeps data right when tables are evicted and reads span contiguous and scattered grains', async () => {
    const saved = SparseExtent.gtCacheLimit;
    SparseExtent.gtCacheLimit = 2;
    try {
      const fs = new MemoryFileSystem();
      const d = await createDisk(fs, 'e.vmdk', { size: 65536 * 512 * 12 }); // 12 grain tables
      const expected = new Map<number, Uint8Array>();
      // Reverse order so grains are not physically in guest order; one run is contiguous.
      for (let t = 11; t >= 0; t--) {
        const sector = t * 65536 + 100 + t;
        const data = sectorPattern(130, t);
        await d.write(sector, data);
        expected.set(sector, data);
      }
      const run = sectorPattern(128 * 5, 99); // five fresh grains in a row
      await d.write(3 * 65536 + 4096, run);
      await d.flush();
      for (const [sector, data] of expected) {
        const got = new Uint8Array(data.length);
        await d.read(sector, got);
        expect(firstDifference(got, data)).toBe(-1);
      }
      const got = new Uint8Array(run.length + 1024);
      await d.read(3 * 65536 + 4096 - 1, got);
      expect(got.subarray(0, 512).every((x) => x === 0)).toBe(true);
      expect(firstDifference(got.subarray(512, 512 + run.length), run)).toBe(-1);
      const mid = new Uint8Array(300 * 512); // starts inside a grain, spans three
      await d.read(3 * 65536 + 4096 + 5, mid);
      expect(firstDifference(mid, run.subarray(5 * 512, 305 * 512))).toBe(-1);
      await d.close();
      const r = await openVirtualDisk(fs, 'e.vmdk', { readOnly: true });
      for (const [sector, data] of expected) {
        const back = new Uint8Array(data.length);
        await r.read(sector, back);
        expect(firstDifference(back, data)).toBe(-1);
      }
      await r.close();
    } finally {
      SparseExtent.gtCacheLimit = saved;
    }
  });
});

describe('allocation after a torn file end', () => {
  it('never places a new grain over the tail of a grain the file ends inside', async () => {
    const { fs, f } = await fresh(4096);
    const d = await openVirtualDisk(fs, 's.vmdk');
    const a = sectorPattern(128, 1);
    await d.write(0, a);
    await d.close();
    f.truncateSync(f.byteLength - 60 * 512); // grain 0 now ends 60 sectors early
    const r = await openVirtualDisk(fs, 's.vmdk');
    await r.write(128, sectorPattern(128, 2));
    const got = new Uint8Array(68 * 512);
    await r.read(0, got);
    expect(firstDifference(got, a.subarray(0, 68 * 512))).toBe(-1);
    const tail = new Uint8Array(60 * 512);
    await r.read(68, tail);
    expect(tail.every((x) => x === 0)).toBe(true); // cut off: zeros, not grain 1's data
    await r.close();
  });
});
