import { describe, expect, it } from 'vitest';
import { MemoryFileSystem } from '../storage/memory-file.js';
import { parseDescriptor } from '../vmdk/descriptor.js';
import { firstDifference, memoryDisk, sectorPattern } from '../test/index.js';
import { createDisk } from './create.js';
import { commitRedo, discardRedo, openDisk } from './modes.js';
import { openVirtualDisk } from './open.js';

async function baseWithData(format: 'vmdk' | 'raw' = 'vmdk'): Promise<{ fs: MemoryFileSystem; path: string; data: Uint8Array }> {
  const path = format === 'raw' ? 'base.img' : 'base.vmdk';
  const { disk, fs } = await memoryDisk(4 << 20, { format }, path);
  const data = sectorPattern(256, 1);
  await disk.write(0, data);
  await disk.close();
  return { fs, path, data };
}

async function readAll(fs: MemoryFileSystem, path: string, sectors: number): Promise<Uint8Array> {
  const d = await openVirtualDisk(fs, path, { readOnly: true });
  const b = new Uint8Array(sectors * 512);
  await d.read(0, b);
  await d.close();
  return b;
}

describe('ESX disk modes', () => {
  it('nonpersistent: writes are visible while open and gone after close; the base is untouched', async () => {
    const { fs, path, data } = await baseWithData();
    const before = fs.file(path).toBytes();
    const d = await openDisk(fs, path, { mode: 'nonpersistent' });
    expect(d.mode).toBe('nonpersistent');
    expect(d.readOnly).toBe(false);
    const w = sectorPattern(10, 2);
    await d.write(60, w); // inside base data: copy-on-write of a grain
    await d.write(5000, w); // past base data
    await d.flush();
    const got = new Uint8Array(256 * 512);
    await d.read(0, got);
    expect(firstDifference(got.subarray(60 * 512, 70 * 512), w)).toBe(-1);
    expect(firstDifference(got.subarray(0, 60 * 512), data.subarray(0, 60 * 512))).toBe(-1);
    expect(firstDifference(got.subarray(70 * 512), data.subarray(70 * 512))).toBe(-1);
    await d.close();
    expect(firstDifference(fs.file(path).toBytes(), before)).toBe(-1);
    expect([...fs.files.keys()]).toEqual([path]);
  });

  it('nonpersistent with a temp redo file deletes it at close', async () => {
    const { fs, path } = await baseWithData('raw');
    const d = await openDisk(fs, path, { mode: 'nonpersistent', redoPath: 'tmp.redo.vmdk' });
    await d.write(1, sectorPattern(1, 3));
    expect(await fs.exists('tmp.redo.vmdk')).toBe(true);
    await d.close();
    expect(await fs.exists('tmp.redo.vmdk')).toBe(false);
  });

  it('undoable: the redo log persists across opens, then commit merges it into the base', async () => {
    const { fs, path, data } = await baseWithData();
    const d = await openDisk(fs, path, { mode: 'undoable' });
    const w1 = sectorPattern(3, 4);
    await d.write(127, w1); // spans two grains
    await d.close();
    const redo = parseDescriptor(new TextDecoder().decode(fs.file('base.vmdk.REDO').toBytes().subarray(512, 21 * 512)));
    expect(redo.parentFileNameHint).toBe('base.vmdk');
    expect(redo.parentCid).toBe(parseDescriptor(new TextDecoder().decode(fs.file(path).toBytes().subarray(512, 21 * 512))).cid);

    const again = await openDisk(fs, path, { mode: 'undoable' });
    const w2 = sectorPattern(1, 5);
    await again.write(3000, w2);
    const got = new Uint8Array(3 * 512);
    await again.read(127, got);
    expect(firstDifference(got, w1)).toBe(-1);
    await again.close();
    // Base unchanged until commit.
    expect(firstDifference((await readAll(fs, path, 256)).subarray(127 * 512, 130 * 512), data.subarray(127 * 512, 130 * 512))).toBe(-1);

    const progress: [number, number][] = [];
    const merged = await commitRedo(fs, path, { onProgress: (a, b) => progress.push([a, b]) });
    expect(merged).toBe(128 * 3); // three grains copied
    expect(progress.at(-1)).toEqual([384, 384]);
    expect(await fs.exists('base.vmdk.REDO')).toBe(false);
    const all = await readAll(fs, path, 3001);
    const expected = new Uint8Array(3001 * 512);
    expected.set(data);
    expected.set(w1, 127 * 512);
    expected.set(w2, 3000 * 512);
    expect(firstDifference(all, expected)).toBe(-1);
  });

  it('undoable: discard drops the redo log and the base reads as before', async () => {
    const { fs, path, data } = await baseWithData('raw');
    const d = await openDisk(fs, path, { mode: 'undoable' });
    await d.write(0, sectorPattern(256, 9));
    await d.close();
    expect(await fs.exists('base.img.REDO')).toBe(true);
    await discardRedo(fs, path);
    expect(await fs.exists('base.img.REDO')).toBe(false);
    expect(firstDifference((await readAll(fs, path, 256)), data)).toBe(-1);
    await expect(discardRedo(fs, path)).rejects.toMatchObject({ kind: 'not-found' });
    await expect(commitRedo(fs, path)).rejects.toMatchObject({ kind: 'not-found' });
  });

  it('undoable: writing zeros over base data in the redo log reads back as zeros (zeroed-grain marker)', async () => {
    const { fs, path } = await baseWithData();
    const d = await openDisk(fs, path, { mode: 'undoable' });
    const size = fs.file('base.vmdk.REDO').byteLength;
    await d.write(0, new Uint8Array(128 * 512));
    await d.close();
    expect(fs.file('base.vmdk.REDO').byteLength).toBe(size); // no grain allocated
    const r = await openDisk(fs, path, { mode: 'undoable' });
    const got = new Uint8Array(129 * 512);
    await r.read(0, got);
    expect(got.subarray(0, 128 * 512).every((x) => x === 0)).toBe(true);
    expect(got.subarray(128 * 512).some((x) => x !== 0)).toBe(true);
    await r.close();
    await commitRedo(fs, path);
    expect((await readAll(fs, path, 128)).every((x) => x === 0)).toBe(true);
  });

  it('a redo log whose base changed since is refused (parent CID mismatch)', async () => {
    const { fs, path } = await baseWithData();
    const d = await openDisk(fs, path, { mode: 'undoable' });
    await d.write(0, sectorPattern(1, 1));
    await d.close();
    const p = await openDisk(fs, path, { mode: 'persistent' });
    await p.write(9, sectorPattern(1, 2)); // changes the base's CID
    await p.close();
    await expect(openDisk(fs, path, { mode: 'undoable' })).rejects.toMatchObject({ kind: 'parent-mismatch' });
    await expect(openVirtualDisk(fs, 'base.vmdk.REDO')).rejects.toMatchObject({ kind: 'parent-mismatch' });
  });

  it('a redo log opened on its own finds its parent through parentFileNameHint', async () => {
    const fs = new MemoryFileSystem();
    const base = await createDisk(fs, 'dir/b.vmdk', { size: 1 << 20 });
    await base.write(0, sectorPattern(1, 7));
    await base.close();
    const u = await openDisk(fs, 'dir/b.vmdk', { mode: 'undoable' });
    await u.write(1, sectorPattern(1, 8));
    await u.close();
    const r = await openVirtualDisk(fs, 'dir/b.vmdk.REDO', { readOnly: true });
    expect(r.parent?.path).toBe('dir/b.vmdk');
    const got = new Uint8Array(1024);
    await r.read(0, got);
    expect(firstDifference(got, new Uint8Array([...sectorPattern(1, 7), ...sectorPattern(1, 8)]))).toBe(-1);
    await r.close();
    expect(r.parent?.closed).toBe(true);
  });

  it('undoable with a redo log in another directory names its parent relatively', async () => {
    const fs = new MemoryFileSystem();
    await (await createDisk(fs, 'd/base.vmdk', { size: 1 << 20 })).close();
    const u = await openDisk(fs, 'd/base.vmdk', { mode: 'undoable', redoPath: 'r/base.REDO' });
    await u.write(3, sectorPattern(1, 3));
    await u.close();
    const r = await openVirtualDisk(fs, 'r/base.REDO', { readOnly: true });
    expect(r.descriptor!.parentFileNameHint).toBe('../d/base.vmdk');
    expect(r.parent!.path).toBe('d/base.vmdk');
    await r.close();
    expect(await commitRedo(fs, 'd/base.vmdk', { redoPath: 'r/base.REDO' })).toBe(128);
    expect(firstDifference((await readAll(fs, 'd/base.vmdk', 4)).subarray(1536), sectorPattern(1, 3))).toBe(-1);
  });

  it('persistent read-only mode refuses writes', async () => {
    const { fs, path } = await baseWithData();
    const d = await openDisk(fs, path, { readOnly: true });
    await expect(d.write(0, new Uint8Array(512))).rejects.toMatchObject({ kind: 'read-only' });
    await d.close();
  });
});
