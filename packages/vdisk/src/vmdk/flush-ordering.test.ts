import { describe, expect, it } from 'vitest';
import { createDisk } from '../disk/create.js';
import { openVirtualDisk } from '../disk/open.js';
import { MemoryFileSystem } from '../storage/memory-file.js';
import type { MemoryFile } from '../storage/memory-file.js';
import { JournalingFileSystem, firstDifference, sectorPattern } from '../test/index.js';
import type { JournalEntry } from '../test/index.js';
import { parseSparseHeader } from './header.js';

interface Written {
  sector: number;
  data: Uint8Array;
}

async function setup(): Promise<{ jfs: JournalingFileSystem; overHead: number }> {
  const jfs = new JournalingFileSystem();
  await (await createDisk(jfs.inner, 's.vmdk', { size: 64 << 20 })).close();
  const overHead = parseSparseHeader(jfs.inner.file('s.vmdk').toBytes().subarray(0, 512)).overHead;
  await jfs.track('s.vmdk');
  return { jfs, overHead };
}

/**
 * Open a crash image and check every sector a write touched reads as the
 * data of some write to it, or as zeros; writes with index < `mustHave` are
 * durable: the sector holds their data or a later write's.
 */
async function checkCrashImage(image: MemoryFile, writes: Written[], mustHave: number): Promise<void> {
  const fs = new MemoryFileSystem();
  fs.files.set('s.vmdk', image);
  const d = await openVirtualDisk(fs, 's.vmdk', { readOnly: true });
  const sec = new Uint8Array(512);
  for (let i = 0; i < writes.length; i++) {
    const w = writes[i]!;
    for (let s = 0; s < w.data.length / 512; s++) {
      const sector = w.sector + s;
      await d.read(sector, sec);
      let from = -1;
      for (let k = 0; k < writes.length; k++) {
        const o = writes[k]!;
        const at = sector - o.sector;
        if (at >= 0 && at < o.data.length / 512 && firstDifference(sec, o.data.subarray(at * 512, at * 512 + 512)) === -1) from = k;
      }
      if (i < mustHave) expect(from, `durable write ${i}, sector ${sector}`).toBeGreaterThanOrEqual(i);
      else expect(from >= 0 || sec.every((x) => x === 0), `write ${i}, sector ${sector} is garbage`).toBe(true);
    }
  }
  await d.close();
}

describe('flush ordering and crash consistency', () => {
  it('grain tables are written only after a flush that follows the data they point to', async () => {
    const { jfs, overHead } = await setup();
    const d = await openVirtualDisk(jfs, 's.vmdk');
    await d.write(5, sectorPattern(3, 1));
    await d.write(1000, sectorPattern(300, 2));
    await d.flush();
    await d.write(70000, sectorPattern(1, 3));
    await d.flush();
    const j = jfs.journaled.get('s.vmdk')!.journal;
    const isMeta = (e: JournalEntry): boolean => e.op === 'write' && e.position < overHead * 512 && e.position >= 21 * 512;
    const isData = (e: JournalEntry): boolean => e.op === 'write' && e.position >= overHead * 512;
    let metaSeen = 0;
    for (let i = 0; i < j.length; i++) {
      if (!isMeta(j[i]!)) continue;
      metaSeen++;
      let lastData = -1;
      for (let k = 0; k < i; k++) if (isData(j[k]!)) lastData = k;
      const flushBetween = j.slice(lastData + 1, i).some((e) => e.op === 'flush');
      expect(flushBetween, `metadata write #${i} has no flush after data write #${lastData}`).toBe(true);
    }
    expect(metaSeen).toBeGreaterThanOrEqual(4); // primary + redundant tables, two epochs
    // The flush that resolved last came after the last metadata write.
    expect(j.at(-1)!.op).toBe('flush');
    await d.close();
  });

  it('a crash at any point leaves only old or new data, and everything before a resolved flush', async () => {
    const { jfs } = await setup();
    const jf = jfs.journaled.get('s.vmdk')!;
    const d = await openVirtualDisk(jfs, 's.vmdk');
    const writes: Written[] = [
      { sector: 5, data: sectorPattern(3, 1) },
      { sector: 127, data: sectorPattern(130, 2) },
      { sector: 4096, data: sectorPattern(128, 3) },
    ];
    for (const w of writes) await d.write(w.sector, w.data);
    await d.flush();
    const durableEpochs = jf.flushCount;
    const later: Written[] = [
      { sector: 6, data: sectorPattern(1, 4) }, // overwrite in place
      { sector: 20000, data: sectorPattern(64, 5) }, // new grain
    ];
    for (const w of later) await d.write(w.sector, w.data);
    await d.flush();
    await d.close();
    const all = [...writes, ...later];
    const keeps: [string, (e: JournalEntry) => boolean][] = [
      ['nothing unflushed', () => false],
      ['everything', () => true],
      ['only metadata', (e) => e.op === 'write' && e.position < 128 * 512],
      ['only data', (e) => e.op === 'write' && e.position >= 128 * 512],
    ];
    for (let epoch = 0; epoch <= jf.flushCount; epoch++) {
      for (const [, keep] of keeps) {
        // Writes before a resolved disk flush survive once that flush's file flushes are durable.
        const must = epoch >= jf.flushCount ? all.length : epoch >= durableEpochs ? writes.length : 0;
        await checkCrashImage(jf.crashImage(epoch, keep), all, must);
      }
    }
  });

  it('a read that loads a grain table while a write fills it does not lose the write', async () => {
    const fs = new MemoryFileSystem();
    await (await createDisk(fs, 'r.vmdk', { size: 64 << 20 })).close();
    const d = await openVirtualDisk(fs, 'r.vmdk');
    const data = sectorPattern(1, 11);
    await Promise.all([d.read(70000, new Uint8Array(512)), d.write(70001, data), d.read(70002, new Uint8Array(512))]);
    await d.close();
    const r = await openVirtualDisk(fs, 'r.vmdk', { readOnly: true });
    const got = new Uint8Array(512);
    await r.read(70001, got);
    expect(firstDifference(got, data)).toBe(-1);
    await r.close();
  });
});
