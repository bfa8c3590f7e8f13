import { RamBlockBackend } from '@vm/bus/test';
import { describe, expect, it } from 'vitest';
import { MemoryFileSystem } from '../storage/memory-file.js';
import { firstDifference, memoryDisk, sectorPattern } from '../test/index.js';
import { createDisk } from './create.js';
import { convertDisk } from './convert.js';
import { diskInfo } from './info.js';
import { openDisk } from './modes.js';
import { openVirtualDisk } from './open.js';

describe('diskInfo', () => {
  it('reports layout, extents and allocated grains of a sparse disk', async () => {
    const { disk, fs } = await memoryDisk(8 << 20, { zeroedGrains: true });
    await disk.write(0, sectorPattern(1, 1));
    await disk.write(129, sectorPattern(200, 2)); // grains 1 and 2
    await disk.close();
    const info = await diskInfo(fs, 'disk.vmdk');
    expect(info).toMatchObject({
      format: 'vmdk',
      createType: 'monolithicSparse',
      sectors: 16384,
      capacityBytes: 8 << 20,
      parentCid: null,
      parentFileNameHint: null,
      allocatedBytes: 3 * 128 * 512,
    });
    expect(info.ddb.adapterType).toBe('lsilogic');
    expect(info.extents).toEqual([
      { kind: 'sparse', file: 'disk.vmdk', access: 'RW', sectors: 16384, offset: 0, grainSectors: 128, allocatedGrains: 3, zeroedGrains: 0, allocatedBytes: 3 * 65536, uncleanShutdown: false },
    ]);
  });

  it('reports each extent of a split flat disk and a redo log\'s parent', async () => {
    const fs = new MemoryFileSystem();
    await (await createDisk(fs, 'f.vmdk', { size: 3 << 20, subformat: 'twoGbMaxExtentFlat', splitSectors: 4096 })).close();
    const info = await diskInfo(fs, 'f.vmdk');
    expect(info.extents.map((e) => [e.kind, e.file, e.sectors])).toEqual([
      ['flat', 'f-f001.vmdk', 4096],
      ['flat', 'f-f002.vmdk', 2048],
    ]);
    const u = await openDisk(fs, 'f.vmdk', { mode: 'undoable' });
    await u.write(0, new Uint8Array(512).fill(1));
    await u.close();
    const r = await diskInfo(fs, 'f.vmdk.REDO');
    expect(r.parentFileNameHint).toBe('f.vmdk');
    expect(r.parentCid).toBe(info.cid);
    expect(r.extents[0]!.allocatedGrains).toBe(1);
  });

  it('reports raw images', async () => {
    const fs = new MemoryFileSystem();
    await (await createDisk(fs, 'r.img', { size: 1 << 20, format: 'raw' })).close();
    expect(await diskInfo(fs, 'r.img')).toMatchObject({ format: 'raw', createType: 'raw', sectors: 2048, cid: null });
  });
});

describe('convertDisk', () => {
  it('copies content between every layout, keeping sparse destinations sparse', async () => {
    const { disk, fs } = await memoryDisk(6 << 20, { subformat: 'twoGbMaxExtentSparse', splitSectors: 5000 });
    const a = sectorPattern(100, 1);
    const b = sectorPattern(7, 2);
    await disk.write(4950, a);
    await disk.write(12000, b);
    await disk.close();
    const expected = new Uint8Array(6 << 20);
    expected.set(a, 4950 * 512);
    expected.set(b, 12000 * 512);
    for (const [dst, opts] of [
      ['m.vmdk', { subformat: 'monolithicSparse' }],
      ['mf.vmdk', { subformat: 'monolithicFlat' }],
      ['tf.vmdk', { subformat: 'twoGbMaxExtentFlat', splitSectors: 3000 }],
      ['r.img', { format: 'raw' }],
    ] as const) {
      const progress: number[] = [];
      await convertDisk(fs, 'disk.vmdk', dst, { ...opts, onProgress: (done, total) => {
        expect(total).toBe(12288);
        progress.push(done);
      } });
      expect(progress.at(-1)).toBe(12288);
      expect(progress).toEqual([...progress].sort((x, y) => x - y));
      const d = await openVirtualDisk(fs, dst, { readOnly: true });
      const got = new Uint8Array(6 << 20);
      await d.read(0, got);
      expect(firstDifference(got, expected)).toBe(-1);
      await d.close();
    }
    // Only the grains holding data were allocated in the sparse copy.
    expect((await diskInfo(fs, 'm.vmdk')).extents[0]!.allocatedGrains).toBe(3);
  });

  it('converts any BlockBackend, including a redo log over its base', async () => {
    const ram = new RamBlockBackend(4096);
    ram.bytes.set(sectorPattern(3, 5), 1000 * 512);
    const fs = new MemoryFileSystem();
    await convertDisk(fs, ram, 'from-ram.vmdk');
    const u = await openDisk(fs, 'from-ram.vmdk', { mode: 'nonpersistent' });
    await u.write(1001, sectorPattern(1, 6));
    await convertDisk(fs, u, 'merged.img', { format: 'raw' });
    await u.close();
    const want = ram.bytes.slice();
    want.set(sectorPattern(1, 6), 1001 * 512);
    expect(firstDifference(fs.file('merged.img').toBytes(), want)).toBe(-1);
  });
});
