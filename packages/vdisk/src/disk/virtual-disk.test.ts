import { BlockError } from '@vm/bus';
import { firstDifference } from '../test/index.js';
import { describe, expect, it } from 'vitest';
import { MemoryFileSystem } from '../storage/memory-file.js';
import { parseDescriptor } from '../vmdk/descriptor.js';
import { createDisk } from './create.js';
import type { VmdkSubformat } from './create.js';
import { openVirtualDisk } from './open.js';

function pattern(sectors: number, seed: number): Uint8Array {
  const b = new Uint8Array(sectors * 512);
  for (let i = 0; i < b.length; i++) b[i] = (i * 31 + seed * 7 + (i >> 9)) & 0xff || 1;
  return b;
}

const SUBFORMATS: VmdkSubformat[] = ['monolithicSparse', 'monolithicFlat', 'twoGbMaxExtentSparse', 'twoGbMaxExtentFlat'];

describe('VirtualDisk round trips', () => {
  for (const sub of SUBFORMATS) {
    it(`${sub}: writes survive close and reopen, across grain and extent boundaries`, async () => {
      const fs = new MemoryFileSystem();
      const d = await createDisk(fs, 'd/disk.vmdk', { size: 4 << 20, subformat: sub, splitSectors: 3000 });
      expect(d.sectorCount).toBe(8192);
      const a = pattern(300, 1);
      await d.write(2900, a); // crosses extents (3000) and grains (128)
      const b = pattern(1, 2);
      await d.write(8191, b);
      await d.close();
      const r = await openVirtualDisk(fs, 'd/disk.vmdk', { readOnly: true });
      expect(r.descriptor!.createType).toBe(sub);
      const got = new Uint8Array(300 * 512);
      await r.read(2900, got);
      expect(firstDifference(got, a)).toBe(-1);
      const last = new Uint8Array(512);
      await r.read(8191, last);
      expect(firstDifference(last, b)).toBe(-1);
      const zeros = new Uint8Array(10 * 512);
      await r.read(100, zeros);
      expect(zeros.every((x) => x === 0)).toBe(true);
      if (sub.startsWith('twoGb')) expect(r.extents.length).toBe(3);
      await r.close();
    });
  }

  it('raw images read, write and reject out-of-range requests', async () => {
    const fs = new MemoryFileSystem();
    const d = await createDisk(fs, 'a.img', { size: 1 << 20, format: 'raw' });
    expect(d.format).toBe('raw');
    const a = pattern(4, 3);
    await d.write(10, a);
    expect(firstDifference(fs.file('a.img').toBytes().subarray(10 * 512, 14 * 512), a)).toBe(-1);
    await expect(d.read(2047, new Uint8Array(1024))).rejects.toMatchObject({ kind: 'out-of-range' });
    await expect(d.write(-1, new Uint8Array(512))).rejects.toBeInstanceOf(BlockError);
    await expect(d.read(0, new Uint8Array(100))).rejects.toMatchObject({ kind: 'out-of-range' });
    await expect(d.read(0.5, new Uint8Array(512))).rejects.toMatchObject({ kind: 'out-of-range' });
    await d.close();
  });

  it('read-only disks refuse writes with a BlockError', async () => {
    const fs = new MemoryFileSystem();
    await (await createDisk(fs, 'x.vmdk', { size: 1 << 20 })).close();
    const r = await openVirtualDisk(fs, 'x.vmdk', { readOnly: true });
    await expect(r.write(0, new Uint8Array(512))).rejects.toMatchObject({ kind: 'read-only' });
    await r.close();
  });

  it('the first write changes the CID, written back to the descriptor at flush', async () => {
    const fs = new MemoryFileSystem();
    for (const sub of ['monolithicSparse', 'monolithicFlat'] as const) {
      const path = `${sub}.vmdk`;
      const d = await createDisk(fs, path, { size: 1 << 20, subformat: sub });
      const before = d.descriptor!.cid;
      await d.write(0, pattern(1, 1));
      await d.close();
      const r = await openVirtualDisk(fs, path, { readOnly: true });
      expect(r.descriptor!.cid).not.toBe(before);
      expect(r.descriptor!.createType).toBe(sub);
      await r.close();
    }
  });

  it('writes then a flush run in order; concurrent writes to one grain both land', async () => {
    const fs = new MemoryFileSystem();
    const d = await createDisk(fs, 'c.vmdk', { size: 1 << 20 });
    const a = pattern(1, 5);
    const b = pattern(1, 6);
    await Promise.all([d.write(0, a), d.write(1, b), d.flush()]);
    const got = new Uint8Array(1024);
    await d.read(0, got);
    expect(firstDifference(got.subarray(0, 512), a)).toBe(-1);
    expect(firstDifference(got.subarray(512), b)).toBe(-1);
    await d.close();
  });

  it('descriptor of a created monolithicFlat disk names its flat file', async () => {
    const fs = new MemoryFileSystem();
    await (await createDisk(fs, 'dir/m.vmdk', { size: 1 << 20, subformat: 'monolithicFlat' })).close();
    const d = parseDescriptor(new TextDecoder().decode(fs.file('dir/m.vmdk').toBytes()));
    expect(d.extents).toEqual([{ access: 'RW', sectors: 2048, type: 'FLAT', file: 'm-flat.vmdk', offset: 0 }]);
    expect(fs.file('dir/m-flat.vmdk').byteLength).toBe(1 << 20);
  });
});

describe('failures a guest sees', () => {
  it('host I/O errors become BlockError io; short flat extents are reported as truncated', async () => {
    const fs = new MemoryFileSystem();
    await (await createDisk(fs, 'm.vmdk', { size: 1 << 20, subformat: 'monolithicFlat' })).close();
    const d = await openVirtualDisk(fs, 'm.vmdk');
    const flat = d.extents[0] as unknown as { file: { read: unknown; write: unknown } };
    flat.file.read = () => Promise.reject(new Error('EIO: disk on fire'));
    await expect(d.read(0, new Uint8Array(512))).rejects.toMatchObject({ name: 'BlockError', kind: 'io', message: 'EIO: disk on fire' });
    await d.close();
    fs.file('m-flat.vmdk').truncateSync(1000);
    await expect(openVirtualDisk(fs, 'm.vmdk')).rejects.toMatchObject({ kind: 'truncated' });
    fs.files.delete('m-flat.vmdk');
    await expect(openVirtualDisk(fs, 'm.vmdk')).rejects.toMatchObject({ kind: 'missing-extent' });
  });

  it('a closed disk rejects requests instead of throwing', async () => {
    const fs = new MemoryFileSystem();
    const d = await createDisk(fs, 'c.vmdk', { size: 1 << 20 });
    await d.close();
    await expect(d.read(0, new Uint8Array(512))).rejects.toMatchObject({ kind: 'io' });
    await expect(d.write(0, new Uint8Array(512))).rejects.toMatchObject({ kind: 'io' });
    await expect(d.flush()).rejects.toMatchObject({ kind: 'io' });
  });

  it('createDisk refuses bad sizes and existing files', async () => {
    const fs = new MemoryFileSystem();
    await expect(createDisk(fs, 'a.vmdk', { size: 1000 })).rejects.toMatchObject({ kind: 'invalid-argument' });
    await expect(createDisk(fs, 'a.vmdk', { size: 0 })).rejects.toMatchObject({ kind: 'invalid-argument' });
    await (await createDisk(fs, 'a.vmdk', { size: 512 })).close();
    await expect(createDisk(fs, 'a.vmdk', { size: 512 })).rejects.toMatchObject({ kind: 'exists' });
    await expect(createDisk(fs, 'b.vmdk', { size: 512, subformat: 'bogus' as never })).rejects.toMatchObject({ kind: 'invalid-argument' });
  });
});
