import { describe, expect, it } from 'vitest';
import { BlockError } from '@vm/bus';
import type { BlockBackend } from '@vm/bus';
import { RamBlockBackend } from '@vm/bus/test';
import { ScsiDisk } from './scsi-disk.js';
import { ScsiTask } from './scsi-task.js';
import type { ScsiTaskOwner } from './scsi-task.js';
import { settle } from '../test/fake-pci-slot.js';

class Owner implements ScsiTaskOwner {
  done: ScsiTask[] = [];
  scsiTaskDone(task: ScsiTask): void {
    this.done.push(task);
  }
}

async function run(
  disk: ScsiDisk,
  cdb: number[],
  opts: { limit?: number; out?: Uint8Array; lun?: number } = {},
): Promise<ScsiTask> {
  const owner = new Owner();
  const t = new ScsiTask(owner, 0);
  t.prepare(opts.lun ?? 0, Uint8Array.from(cdb), cdb.length);
  t.dataInLimit = opts.limit ?? 4096;
  if (opts.out) {
    t.ensureCapacity(opts.out.length);
    t.data.set(opts.out);
    t.dataOutLength = opts.out.length;
  }
  disk.execute(t);
  await settle();
  expect(owner.done).toHaveLength(1);
  return t;
}

function senseOf(t: ScsiTask): [number, number, number] {
  return [t.sense[2]! & 0xf, t.sense[12]!, t.sense[13]!];
}

async function ready(blocks = 2048, ro = false): Promise<{ disk: ScsiDisk; backend: RamBlockBackend }> {
  const backend = new RamBlockBackend(blocks, ro);
  const disk = new ScsiDisk({ backend, name: 'd0' });
  await run(disk, [0x00, 0, 0, 0, 0, 0]); // consume the power-on unit attention
  return { disk, backend };
}

describe('ScsiDisk', () => {
  it('reports UNIT ATTENTION POWER ON RESET once after power on and after reset', async () => {
    const disk = new ScsiDisk({ backend: new RamBlockBackend(64) });
    const inq = await run(disk, [0x12, 0, 0, 0, 36, 0]);
    expect(inq.status).toBe(0); // INQUIRY is not blocked by the UA
    const t1 = await run(disk, [0x00, 0, 0, 0, 0, 0]);
    expect(t1.status).toBe(2);
    expect(senseOf(t1)).toEqual([0x6, 0x29, 0x00]);
    expect(t1.sense[0]).toBe(0x70);
    expect((await run(disk, [0x00, 0, 0, 0, 0, 0])).status).toBe(0);
    disk.reset();
    const rs = await run(disk, [0x03, 0, 0, 0, 18, 0]);
    expect(rs.status).toBe(0);
    expect([rs.data[2]! & 0xf, rs.data[12], rs.data[13]]).toEqual([6, 0x29, 0]);
    expect((await run(disk, [0x00, 0, 0, 0, 0, 0])).status).toBe(0);
  });

  it('answers standard INQUIRY and VPD pages 0x00, 0x80, 0x83 with a stable NAA id', async () => {
    const { disk } = await ready();
    const std = await run(disk, [0x12, 0, 0, 0, 96, 0]);
    expect(std.dataInLength).toBe(36);
    expect(std.data[0]).toBe(0);
    expect(std.data[2]).toBe(5);
    expect(new TextDecoder().decode(std.data.subarray(8, 32))).toBe('VMware  Virtual disk    ');
    const p0 = await run(disk, [0x12, 1, 0x00, 0, 255, 0]);
    expect(Array.from(p0.data.subarray(0, p0.dataInLength))).toEqual([0, 0, 0, 4, 0x00, 0x80, 0x83, 0xb0]);
    const p80 = await run(disk, [0x12, 1, 0x80, 0, 255, 0]);
    expect(new TextDecoder().decode(p80.data.subarray(4, 4 + p80.data[3]!))).toBe(disk.identity.serial);
    const p83 = await run(disk, [0x12, 1, 0x83, 0, 255, 0]);
    expect(p83.data[4 + 1]! & 0xf).toBe(3); // NAA designator
    expect(p83.data[8]! >>> 4).toBe(6);
    const again = new ScsiDisk({ backend: new RamBlockBackend(8), name: 'd0' });
    expect(Array.from(again.identity.naa)).toEqual(Array.from(disk.identity.naa));
    const other = new ScsiDisk({ backend: new RamBlockBackend(8), name: 'd1' });
    expect(Array.from(other.identity.naa)).not.toEqual(Array.from(disk.identity.naa));
    const bad = await run(disk, [0x12, 1, 0x42, 0, 255, 0]);
    expect(senseOf(bad)).toEqual([5, 0x24, 0]);
    const alloc = await run(disk, [0x12, 0, 0, 0, 5, 0]);
    expect(alloc.dataInLength).toBe(5);
  });

  it('reports no unit on other LUNs and a single LUN in REPORT LUNS', async () => {
    const { disk } = await ready();
    const inq = await run(disk, [0x12, 0, 0, 0, 36, 0], { lun: 3 });
    expect(inq.data[0]).toBe(0x7f);
    const tur = await run(disk, [0x00, 0, 0, 0, 0, 0], { lun: 3 });
    expect(senseOf(tur)).toEqual([5, 0x25, 0]);
    const rl = await run(disk, [0xa0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0]);
    expect(Array.from(rl.data.subarray(0, 16))).toEqual([0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('reports capacity with READ CAPACITY (10) and (16)', async () => {
    const { disk } = await ready(5000);
    const rc = await run(disk, [0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(rc.data.subarray(0, 8))).toEqual([0, 0, 0x13, 0x87, 0, 0, 2, 0]);
    const rc16 = await run(disk, [0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0]);
    expect(rc16.dataInLength).toBe(32);
    expect(Array.from(rc16.data.subarray(0, 12))).toEqual([0, 0, 0, 0, 0, 0, 0x13, 0x87, 0, 0, 2, 0]);
    const badSa = await run(disk, [0x9e, 0x11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0]);
    expect(senseOf(badSa)).toEqual([5, 0x24, 0]);
  });

  it('reads and writes with (6), (10), (12) and (16) CDBs', async () => {
    const { disk, backend } = await ready();
    const pattern = new Uint8Array(1024).map((_, i) => (i * 7 + 3) & 0xff);
    expect((await run(disk, [0x2a, 0, 0, 0, 0, 10, 0, 0, 2, 0], { out: pattern })).status).toBe(0);
    expect(Array.from(backend.bytes.subarray(10 * 512, 10 * 512 + 1024))).toEqual(Array.from(pattern));
    for (const cdb of [
      [0x08, 0, 0, 10, 2, 0],
      [0x28, 0, 0, 0, 0, 10, 0, 0, 2, 0],
      [0xa8, 0, 0, 0, 0, 10, 0, 0, 0, 2, 0, 0],
      [0x88, 0, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 0, 2, 0, 0],
    ]) {
      const t = await run(disk, cdb);
      expect(t.status).toBe(0);
      expect(t.dataInLength).toBe(1024);
      expect(Array.from(t.data.subarray(0, 1024))).toEqual(Array.from(pattern));
    }
    const w6 = await run(disk, [0x0a, 0, 0, 20, 1, 0], { out: pattern.subarray(0, 512) });
    expect(w6.status).toBe(0);
    const w16 = await run(disk, [0x8a, 0, 0, 0, 0, 0, 0, 0, 0, 30, 0, 0, 0, 1, 0, 0], { out: pattern.subarray(0, 512) });
    expect(w16.status).toBe(0);
    expect(backend.bytes[30 * 512 + 1]).toBe(pattern[1]);
  });

  it('fails out-of-range LBAs with LBA OUT OF RANGE and bad opcodes with INVALID COMMAND OPERATION CODE', async () => {
    const { disk } = await ready(100);
    expect(senseOf(await run(disk, [0x28, 0, 0, 0, 0, 99, 0, 0, 2, 0]))).toEqual([5, 0x21, 0]);
    expect(senseOf(await run(disk, [0x88, 0, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0]))).toEqual([5, 0x21, 0]);
    expect(senseOf(await run(disk, [0xee, 0, 0, 0, 0, 0]))).toEqual([5, 0x20, 0]);
    // REQUEST SENSE returns the last error, then nothing.
    const rs = await run(disk, [0x03, 0, 0, 0, 18, 0]);
    expect([rs.data[2]! & 0xf, rs.data[12]]).toEqual([5, 0x20]);
    const rs2 = await run(disk, [0x03, 0, 0, 0, 18, 0]);
    expect([rs2.data[2]! & 0xf, rs2.data[12]]).toEqual([0, 0]);
  });

  it('turns backend failures into MEDIUM ERROR and a read-only backend into DATA PROTECT', async () => {
    const { disk, backend } = await ready();
    backend.failNext = 'io';
    expect(senseOf(await run(disk, [0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0]))).toEqual([3, 0x11, 0]);
    backend.failNext = 'io';
    expect(senseOf(await run(disk, [0x2a, 0, 0, 0, 0, 0, 0, 0, 1, 0], { out: new Uint8Array(512) }))).toEqual([3, 0x0c, 0]);
    const ro = await ready(64, true);
    expect(senseOf(await run(ro.disk, [0x2a, 0, 0, 0, 0, 0, 0, 0, 1, 0], { out: new Uint8Array(512) }))).toEqual([7, 0x27, 0]);
    const ms = await run(ro.disk, [0x1a, 0x08, 0x3f, 0, 255, 0]);
    expect(ms.data[2]! & 0x80).toBe(0x80);
  });

  it('does not complete before the backend resolves', async () => {
    let release: () => void = () => {};
    const backend: BlockBackend = {
      sectorSize: 512,
      sectorCount: 16,
      readOnly: false,
      read: () => new Promise<void>((r) => (release = r)),
      write: () => Promise.reject(new BlockError('io', 'x')),
      flush: () => Promise.resolve(),
    };
    const disk = new ScsiDisk({ backend });
    disk.reset();
    const owner = new Owner();
    const t = new ScsiTask(owner, 0);
    t.prepare(0, Uint8Array.from([0x00, 0, 0, 0, 0, 0]), 6);
    disk.execute(t);
    t.prepare(0, Uint8Array.from([0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0]), 10);
    t.dataInLimit = 512;
    owner.done.length = 0;
    disk.execute(t);
    await settle();
    expect(owner.done).toHaveLength(0);
    release();
    await settle();
    expect(owner.done).toHaveLength(1);
    expect(t.status).toBe(0);
  });

  it('flushes on SYNCHRONIZE CACHE (10)/(16) and honours WCE through MODE SELECT', async () => {
    const { disk, backend } = await ready();
    await run(disk, [0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    await run(disk, [0x91, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(backend.flushes).toBe(2);
    const cache = await run(disk, [0x1a, 0x08, 0x08, 0, 255, 0]);
    expect(cache.data[4]).toBe(0x08);
    expect(cache.data[6]! & 0x04).toBe(0x04);
    // Turn the write cache off: writes now flush before completing.
    const param = new Uint8Array(4 + 20);
    param[4] = 0x08;
    param[5] = 0x12;
    expect((await run(disk, [0x15, 0x10, 0, 0, 24, 0], { out: param })).status).toBe(0);
    const off = await run(disk, [0x5a, 0x08, 0x08, 0, 0, 0, 0, 0, 255, 0]);
    expect(off.data[8 + 2]! & 0x04).toBe(0);
    await run(disk, [0x2a, 0, 0, 0, 0, 1, 0, 0, 1, 0], { out: new Uint8Array(512) });
    expect(backend.flushes).toBe(3);
    // Saved pages are not supported; a bad page fails.
    expect(senseOf(await run(disk, [0x1a, 0, 0xc8, 0, 255, 0]))).toEqual([5, 0x39, 0]);
    expect(senseOf(await run(disk, [0x1a, 0, 0x22, 0, 255, 0]))).toEqual([5, 0x24, 0]);
    const badSel = new Uint8Array(8);
    badSel[4] = 0x22;
    badSel[5] = 2;
    expect(senseOf(await run(disk, [0x15, 0x10, 0, 0, 8, 0], { out: badSel }))).toEqual([5, 0x26, 0]);
  });

  it('returns block descriptors and all pages in MODE SENSE (6) and (10)', async () => {
    const { disk } = await ready(3000);
    const all = await run(disk, [0x1a, 0, 0x3f, 0, 255, 0]);
    expect(all.data[3]).toBe(8);
    expect(Array.from(all.data.subarray(4, 12))).toEqual([0, 0, 0x0b, 0xb8, 0, 0, 2, 0]);
    expect(all.data[0]).toBe(all.dataInLength - 1);
    const ten = await run(disk, [0x5a, 0x10, 0x0a, 0, 0, 0, 0, 0, 255, 0]);
    expect(ten.data[4]).toBe(1);
    expect(ten.data[7]).toBe(16);
    expect(ten.data[8 + 16]).toBe(0x0a);
  });

  it('verifies ranges and compares bytes with VERIFY BYTCHK', async () => {
    const { disk, backend } = await ready();
    backend.bytes.fill(0x5a, 0, 512);
    const same = new Uint8Array(512).fill(0x5a);
    expect((await run(disk, [0x2f, 0x02, 0, 0, 0, 0, 0, 0, 1, 0], { out: same })).status).toBe(0);
    same[100] = 0;
    expect(senseOf(await run(disk, [0x2f, 0x02, 0, 0, 0, 0, 0, 0, 1, 0], { out: same }))).toEqual([0xe, 0x1d, 0]);
    expect((await run(disk, [0x8f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0])).status).toBe(0);
    expect(senseOf(await run(disk, [0x2f, 0, 0, 0, 0xff, 0, 0, 0, 1, 0]))).toEqual([5, 0x21, 0]);
  });

  it('stops and starts with START STOP UNIT', async () => {
    const { disk, backend } = await ready();
    await run(disk, [0x1b, 0, 0, 0, 0, 0]);
    expect(backend.flushes).toBe(1);
    expect(senseOf(await run(disk, [0x00, 0, 0, 0, 0, 0]))).toEqual([2, 0x04, 0x02]);
    expect(senseOf(await run(disk, [0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0]))).toEqual([2, 0x04, 0x02]);
    await run(disk, [0x1b, 0, 0, 0, 1, 0]);
    expect((await run(disk, [0x00, 0, 0, 0, 0, 0])).status).toBe(0);
  });

  it('snapshots and restores its state', async () => {
    const { disk } = await ready();
    await run(disk, [0x1b, 0, 0, 0, 0, 0]);
    const s = disk.snapshot();
    const copy = new ScsiDisk({ backend: new RamBlockBackend(2048), name: 'd0' });
    copy.restore(s);
    expect(senseOf(await run(copy, [0x00, 0, 0, 0, 0, 0]))).toEqual([2, 0x04, 0x02]);
    expect(() => copy.restore({ ...s, name: 'x' })).toThrow();
  });
});
