/// <reference types="node" />
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDisk } from '../disk/create.js';
import { openDisk } from '../disk/modes.js';
import { firstDifference, sectorPattern } from '../test/index.js';
import { NodeFileSystem } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'vdisk-node-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('NodeFileSystem', () => {
  it('creates exclusively, reads zeros past the end, truncates, syncs, removes', async () => {
    const fs = new NodeFileSystem();
    const p = join(dir, 'f.bin');
    const f = await fs.create(p);
    await expect(fs.create(p)).rejects.toMatchObject({ kind: 'exists' });
    await f.write(10, new Uint8Array([1, 2, 3]));
    expect(await f.size()).toBe(13);
    const b = new Uint8Array(6).fill(9);
    expect(await f.read(11, b)).toBe(2);
    expect([...b]).toEqual([2, 3, 0, 0, 0, 0]);
    await f.truncate(1 << 20);
    await f.flush();
    await f.close();
    expect(statSync(p).size).toBe(1 << 20);
    expect(await fs.exists(p)).toBe(true);
    await fs.remove(p);
    expect(await fs.exists(p)).toBe(false);
    await expect(fs.open(p, 'r')).rejects.toMatchObject({ kind: 'not-found' });
  });

  it('a sparse disk on real files round-trips across reopen and keeps the file sparse', async () => {
    const fs = new NodeFileSystem();
    const p = join(dir, 'd.vmdk');
    const d = await createDisk(fs, p, { size: 8 * 2 ** 30 });
    const data = sectorPattern(9, 3);
    await d.write(8 * 2 ** 21 - 9, data);
    await d.close();
    expect(statSync(p).size).toBeLessThan(2 << 20);
    const r = await openDisk(fs, p, { readOnly: true });
    const got = new Uint8Array(9 * 512);
    await r.read(8 * 2 ** 21 - 9, got);
    expect(firstDifference(got, data)).toBe(-1);
    await r.close();
  });
});
