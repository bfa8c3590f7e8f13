import { describe, expect, it } from 'vitest';
import { MemoryFile, MemoryFileSystem } from './memory-file.js';
import { baseName, dirName, relativePath, resolvePath } from './file-like.js';

describe('MemoryFile', () => {
  it('reads zeros past the end and reports how much was inside', async () => {
    const f = new MemoryFile(new Uint8Array([1, 2, 3]));
    const b = new Uint8Array(5).fill(9);
    expect(await f.read(1, b)).toBe(2);
    expect([...b]).toEqual([2, 3, 0, 0, 0]);
  });

  it('writes across chunk boundaries and far offsets without allocating the gap', async () => {
    const f = new MemoryFile();
    const data = new Uint8Array(70000).map((_, i) => i & 0xff);
    await f.write(65536 - 100, data);
    await f.write(2 ** 40, new Uint8Array([7]));
    expect(await f.size()).toBe(2 ** 40 + 1);
    expect(f.allocatedBytes).toBeLessThanOrEqual(4 * 65536);
    const back = new Uint8Array(70000);
    await f.read(65536 - 100, back);
    expect(back.every((x, i) => x === (i & 0xff))).toBe(true);
  });

  it('truncate drops and zeroes data beyond the new end', async () => {
    const f = new MemoryFile(new Uint8Array(100).fill(5));
    await f.truncate(10);
    await f.truncate(50);
    const b = new Uint8Array(50);
    await f.read(0, b);
    expect(b.subarray(0, 10).every((x) => x === 5)).toBe(true);
    expect(b.subarray(10).every((x) => x === 0)).toBe(true);
  });

  it('counts flushes and refuses use after close', async () => {
    const f = new MemoryFile();
    await f.flush();
    expect(f.flushes).toBe(1);
    await f.close();
    await expect(f.read(0, new Uint8Array(1))).rejects.toMatchObject({ kind: 'io' });
  });
});

describe('MemoryFileSystem', () => {
  it('creates exclusively, opens shared content, removes', async () => {
    const fs = new MemoryFileSystem();
    const a = await fs.create('x');
    await a.write(0, new Uint8Array([1]));
    await expect(fs.create('x')).rejects.toMatchObject({ kind: 'exists' });
    const b = await fs.open('x', 'r');
    const got = new Uint8Array(1);
    await b.read(0, got);
    expect(got[0]).toBe(1);
    await b.close();
    await expect(b.read(0, got)).rejects.toMatchObject({ kind: 'io' });
    await a.read(0, got); // other handles stay usable
    await fs.remove('x');
    expect(await fs.exists('x')).toBe(false);
    await expect(fs.open('x', 'r')).rejects.toMatchObject({ kind: 'not-found' });
  });
});

describe('paths', () => {
  it('resolves extent names relative to the descriptor', () => {
    expect(dirName('a/b/c.vmdk')).toBe('a/b/');
    expect(dirName('c.vmdk')).toBe('');
    expect(baseName('a/b/c.vmdk')).toBe('c.vmdk');
    expect(resolvePath('a/b/c.vmdk', 'c-flat.vmdk')).toBe('a/b/c-flat.vmdk');
    expect(resolvePath('a/b/c.vmdk', '/abs/x.vmdk')).toBe('/abs/x.vmdk');
    expect(resolvePath('a/b/c.vmdk', '../x/./y.vmdk')).toBe('a/x/y.vmdk');
    expect(resolvePath('c.vmdk', '../y.vmdk')).toBe('../y.vmdk');
    expect(resolvePath('/v/c.vmdk', '../../y.vmdk')).toBe('/y.vmdk');
  });

  it('names a parent relative to its redo log', () => {
    expect(relativePath('a/b/x.REDO', 'a/b/x.vmdk')).toBe('x.vmdk');
    expect(relativePath('a/redo/x.REDO', 'a/b/x.vmdk')).toBe('../b/x.vmdk');
    expect(relativePath('/t/x.REDO', '/v/d/x.vmdk')).toBe('../v/d/x.vmdk');
    expect(relativePath('x.REDO', 'd/x.vmdk')).toBe('d/x.vmdk');
    expect(relativePath('/t/x.REDO', 'd/x.vmdk')).toBe('d/x.vmdk');
    for (const [from, to] of [['a/redo/x.REDO', 'a/b/x.vmdk'], ['/t/u/x', '/v/x.vmdk'], ['p/q.vmdk', 'r.vmdk']]) {
      expect(resolvePath(from!, relativePath(from!, to!))).toBe(to);
    }
  });
});
