import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { MachinePagePool } from './page-pool.js';
import { PageSharingScanner } from './page-sharing-scanner.js';
import { Pmap, PmapState } from './pmap.js';
import { smallAddressSpace } from './test/index.js';

function fill(s: ReturnType<typeof smallAddressSpace>, page: number, seed: number): void {
  for (let i = 0; i < 4096; i += 4) s.write32(page * 4096 + i, (Math.imul(i + 1, 0x9e3779b1) ^ seed) >>> 0);
}

describe('PageSharingScanner', () => {
  it('shares identical pages of two VMs through hints and the registry, and copy-on-write keeps them apart', () => {
    const pool = new MachinePagePool({ bytes: 0x300000 });
    const a = smallAddressSpace({ pool });
    const b = smallAddressSpace({ pool });
    for (let p = 0; p < 8; p++) {
      fill(a, p, p);
      fill(b, p, p);
    }
    fill(a, 8, 100);
    fill(b, 8, 200); // differs
    const sa = new PageSharingScanner(a.pmap, 1);
    const sb = new PageSharingScanner(b.pmap, 2);
    const used = pool.usedPages;
    sa.scan(256); // hints
    sb.scan(256); // B's pages match A's hints: B's copies become the shared ones
    expect(sb.stats.promoted).toBe(8);
    expect(pool.registeredPages).toBe(8);
    sa.scan(256); // A maps onto them
    expect(sa.stats.merged).toBe(8);
    expect(pool.usedPages).toBe(used - 8);
    for (let p = 0; p < 8; p++) {
      expect(a.pmap.stateOf(p)).toBe(PmapState.Shared);
      expect(a.pmap.machinePage(p)).toBe(b.pmap.machinePage(p));
    }
    expect(a.pmap.stateOf(8)).toBe(PmapState.Private);
    expect(a.pmap.sharedPages).toBe(8);
    // A write breaks the share for the writer only.
    a.write32(0x3000, 0x12345678);
    expect(a.read32(0x3000)).toBe(0x12345678);
    expect(b.read32(0x3000)).toBe((Math.imul(1, 0x9e3779b1) ^ 3) >>> 0);
    expect(a.pmap.sharedPages).toBe(7);
    // B now holds page 3's copy alone; writing it keeps the page and unregisters it.
    const before = pool.registeredPages;
    b.write32(0x3004, 1);
    expect(pool.registeredPages).toBe(before - 1);
    // A third VM finds the remaining shared pages directly.
    const c = smallAddressSpace({ pool });
    fill(c, 0, 0);
    const sc = new PageSharingScanner(c.pmap, 3);
    sc.scan(256);
    expect(sc.stats.merged).toBe(1);
    expect(c.pmap.machinePage(0)).toBe(a.pmap.machinePage(0));
    expect(pool.refCount(a.pmap.machinePage(0))).toBe(3);
  });

  it('gives all-zero pages back and shares identical pages inside one VM', () => {
    const pool = new MachinePagePool({ bytes: 0x200000 });
    const a = smallAddressSpace({ pool });
    a.write32(0x5000, 1);
    a.write32(0x5000, 0); // private, all zero again
    fill(a, 1, 9);
    fill(a, 2, 9);
    const s = new PageSharingScanner(a.pmap, 1);
    s.scan(a.pmap.pages);
    expect(s.stats.zeroReleased).toBe(1);
    expect(a.pmap.stateOf(5)).toBe(PmapState.Untouched);
    expect(s.stats.promoted).toBe(1); // page 2 matched page 1's hint
    expect(s.stats.passes).toBe(1);
    s.scan(a.pmap.pages); // page 1 now finds page 2's copy
    expect(s.stats.merged).toBe(1);
    expect(a.pmap.machinePage(1)).toBe(a.pmap.machinePage(2));
    expect(a.read32(0x1000)).toBe((Math.imul(1, 0x9e3779b1) ^ 9) >>> 0);
  });

  it('unref of a registered page takes it out of the registry', () => {
    const pool = new MachinePagePool({ bytes: 0x10000 });
    const m = pool.allocate();
    pool.ram[m * 4096] = 7;
    const h = pool.hasher.hash32(m * 4096);
    pool.registerShared(m, h);
    expect(pool.registeredPages).toBe(1);
    pool.unref(m);
    expect(pool.registeredPages).toBe(0);
    const n = pool.allocate();
    pool.ram[n * 4096] = 7;
    expect(pool.findShared(h, n * 4096)).toBe(-1);
  });
});

const FIXTURE = fileURLToPath(new URL('./test/pool-churn-worker.fixture.ts', import.meta.url));
const TSX_CJS = createRequire(import.meta.url).resolve('tsx/cjs');

describe('MachinePagePool across threads', () => {
  it('keeps its free list consistent when two workers allocate and free at once', async () => {
    const pool = new MachinePagePool({ bytes: 64 * 4096 });
    const free = pool.freePages;
    const boot = `require(${JSON.stringify(TSX_CJS)}); require(${JSON.stringify(FIXTURE)});`;
    const run = (): Promise<number> =>
      new Promise((resolve, reject) => {
        const w = new Worker(boot, { eval: true, workerData: { handle: pool.shared, rounds: 20000 } });
        w.once('message', (n: number) => {
          void w.terminate();
          resolve(n);
        });
        w.once('error', reject);
      });
    const [x, y] = await Promise.all([run(), run()]);
    expect(x + y).toBe(40000);
    expect(pool.freePages).toBe(free);
    for (let m = 1; m < pool.pageCount; m++) expect(pool.refCount(m)).toBe(0);
  }, 30_000);
});

describe('cleaning up after a dead VM thread', () => {
  it('breaks a lock left by a killed thread and gives its pages back', () => {
    const pool = new MachinePagePool({ bytes: 0x100000 });
    const a = smallAddressSpace({ pool });
    for (let p = 0; p < 10; p++) a.write32(p * 4096, p + 1);
    const free = pool.freePages;
    const dead = MachinePagePool.attach(pool.shared, undefined, 7);
    // Simulate the thread dying inside the lock.
    (dead as unknown as { lock(): void }).lock();
    expect(pool.breakLock(3)).toBe(false);
    expect(pool.breakLock(7)).toBe(true);
    const frames = Pmap.orphanedFrames(a.pmap.sharedTables);
    expect(pool.unrefAll(frames)).toBe(10);
    expect(pool.freePages).toBe(free + 10);
    expect(a.pmap.stateOf(3)).toBe(PmapState.Untouched);
  });
});
