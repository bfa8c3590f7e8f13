import { BlockError } from '@vm/bus';
import { describe, expect, it } from 'vitest';
import { createDisk } from '../disk/create.js';
import { openVirtualDisk } from '../disk/open.js';
import { VdiskError } from '../errors.js';
import { MemoryFile, MemoryFileSystem } from '../storage/memory-file.js';
import { sectorPattern } from '../test/index.js';

/** A small seeded generator (xorshift32) so failures reproduce. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

async function exercise(fs: MemoryFileSystem, path: string, rand: () => number): Promise<void> {
  let d;
  try {
    d = await openVirtualDisk(fs, path);
  } catch (e) {
    expect(e, String(e)).toBeInstanceOf(VdiskError);
    return;
  }
  for (let i = 0; i < 8; i++) {
    const sector = Math.floor(rand() * (d.sectorCount + 4)) - 2;
    const n = 1 + Math.floor(rand() * 200);
    const buf = new Uint8Array(n * 512);
    const op = rand() < 0.5 ? d.read(sector, buf) : d.write(sector, buf.fill(0x33));
    await op.catch((e: unknown) => expect(e, String(e)).toBeInstanceOf(BlockError));
  }
  await d.close().catch((e: unknown) => expect(e, String(e)).toBeInstanceOf(BlockError));
}

describe('corrupted images never throw anything but typed errors', () => {
  it('random byte damage to sparse extent metadata', async () => {
    const fs0 = new MemoryFileSystem();
    const d = await createDisk(fs0, 'f.vmdk', { size: 8 << 20, zeroedGrains: true });
    await d.write(0, sectorPattern(400, 1));
    await d.write(9000, sectorPattern(3, 2));
    await d.close();
    const pristine = fs0.file('f.vmdk').toBytes();
    const rand = rng(1234);
    for (let iter = 0; iter < 300; iter++) {
      const img = pristine.slice();
      const hits = 1 + Math.floor(rand() * 6);
      for (let h = 0; h < hits; h++) {
        // Mostly the header and directories/tables; sometimes anywhere.
        const at = rand() < 0.8 ? Math.floor(rand() * 128 * 512) : Math.floor(rand() * img.length);
        img[at] = Math.floor(rand() * 256);
      }
      const fs = new MemoryFileSystem();
      fs.files.set('f.vmdk', new MemoryFile(img));
      await exercise(fs, 'f.vmdk', rand);
    }
  });

  it('random damage to descriptor text and truncation of extent files', async () => {
    const fs0 = new MemoryFileSystem();
    await (await createDisk(fs0, 't.vmdk', { size: 4 << 20, subformat: 'twoGbMaxExtentSparse', splitSectors: 3000 })).close();
    const rand = rng(99);
    const text = fs0.file('t.vmdk').toBytes();
    for (let iter = 0; iter < 200; iter++) {
      const fs = new MemoryFileSystem();
      for (const [k, v] of fs0.files) fs.files.set(k, new MemoryFile(v.toBytes()));
      const t = text.slice();
      for (let h = 0; h < 3; h++) t[Math.floor(rand() * t.length)] = 32 + Math.floor(rand() * 95);
      fs.files.set('t.vmdk', new MemoryFile(t));
      if (rand() < 0.3) fs.file('t-s002.vmdk').truncateSync(Math.floor(rand() * 70000));
      await exercise(fs, 't.vmdk', rand);
    }
  });
});
