import { describe, expect, it } from 'vitest';
import { DmaStatus } from '@vm/bus';
import type { DmaSpace } from '@vm/bus';
import { RamBlockBackend, RamDmaSpace, RecordingIrqLine } from '@vm/bus/test';
import { ScsiDisk } from './target/scsi-disk.js';
import { Lsi53c1030 } from './mpt/lsi53c1030.js';
import { Bt958 } from './buslogic/bt958.js';
import type { PciFunction } from '@vm/bus';
import { FakePciSlot } from './test/fake-pci-slot.js';
import { SeededRandom } from './test/seeded-random.js';
import { MptTestDriver } from './test/mpt-test-driver.js';
import { BusLogicTestDriver } from './test/buslogic-test-driver.js';

const RAM = 256 * 1024;

/** A disk that counts the commands that reached it (so the fuzz provably gets deep). */
class CountingDisk extends ScsiDisk {
  commands = 0;
  override execute(task: Parameters<ScsiDisk['execute']>[0]): void {
    this.commands++;
    super.execute(task);
  }
}
const OPS = 100_000;
const CDB_OPS = [0x00, 0x03, 0x12, 0x1a, 0x5a, 0x15, 0x55, 0x25, 0x9e, 0x28, 0x2a, 0x88, 0x8a, 0x08, 0x0a, 0x35, 0x91, 0x2f, 0xa0, 0x1b];

/** RAM DMA that checks every call the device makes is well-formed. */
class CheckedDma implements DmaSpace {
  readonly ram = new RamDmaSpace(RAM);
  bad = 0;
  private check(addr: number, len: number): void {
    if (!Number.isInteger(addr) || addr < 0 || addr > 0xffffffff || len > 16 * 1024 * 1024) this.bad++;
  }
  read(addr: number, dst: Uint8Array): DmaStatus {
    this.check(addr, dst.length);
    return this.ram.read(addr, dst);
  }
  write(addr: number, src: Uint8Array): DmaStatus {
    this.check(addr, src.length);
    return this.ram.write(addr, src);
  }
  read8(a: number): number {
    this.check(a, 1);
    return this.ram.read8(a);
  }
  read16(a: number): number {
    this.check(a, 2);
    return this.ram.read16(a);
  }
  read32(a: number): number {
    this.check(a, 4);
    return this.ram.read32(a);
  }
  write8(a: number, v: number): void {
    this.check(a, 1);
    this.ram.write8(a, v);
  }
  write16(a: number, v: number): void {
    this.check(a, 2);
    this.ram.write16(a, v);
  }
  write32(a: number, v: number): void {
    this.check(a, 4);
    this.ram.write32(a, v);
  }
}

function plug(fn: PciFunction): { dma: CheckedDma; irq: RecordingIrqLine } {
  const dma = new CheckedDma();
  const irq = new RecordingIrqLine();
  fn.plugged({ intx: irq, dma, address: { bus: 0, device: 4, fn: 0 } });
  return { dma, irq };
}

const microtasks = async (): Promise<void> => {
  for (let i = 0; i < 8; i++) await Promise.resolve();
};

/** An address that is usually inside guest RAM and sometimes anywhere. */
function addr(r: SeededRandom): number {
  return r.below(8) === 0 ? r.u32() : r.below(RAM) & ~3;
}

describe('fuzz', () => {
  it(`survives ${OPS} random operations on the LSI 53C1030 and still works after a reset`, async () => {
    const r = new SeededRandom(0x53c1030);
    const backend = new RamBlockBackend(256);
    const disk = new CountingDisk({ backend });
    const hba = new Lsi53c1030({
      targets: [
        { id: 0, target: disk },
        { id: 3, target: new ScsiDisk({ backend: new RamBlockBackend(64, true) }) },
      ],
    });
    const { dma } = plug(hba);
    hba.reset();
    const regs = hba.bars[0]!.handler;
    const mem = dma.ram.bytes;
    const fns = [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x42];
    for (let op = 0; op < OPS; op++) {
      const k = r.below(16);
      if (k < 4) {
        // A random request frame at a random place, posted.
        const a = r.below(RAM - 256) & ~3;
        for (let i = 0; i < 128; i++) mem[a + i] = r.u32() & 0xff;
        mem[a + 3] = r.pick(fns);
        if (r.below(4) !== 0) mem[a + 0] = r.pick([0, 0, 0, 3, r.below(16)]);
        if (r.below(4) !== 0) mem[a + 24] = r.pick(CDB_OPS);
        const dv = new DataView(mem.buffer);
        if (r.below(4) !== 0) mem[a + 12] = 0;
        if (r.below(8) !== 0) mem[a + 1] = 0;
        if (r.below(4) !== 0) mem[a + 4] = 6 + r.below(11);
        if (r.below(4) !== 0) dv.setUint32(a + 40, r.below(1 << 16), true);
        if (r.below(4) !== 0) dv.setUint32(a + 48, (r.pick([0x10, 0x12, 0x30, 0x32, 0xd1, 0xd1, 0xd3, 0xd5]) << 24) | r.below(8192), true);
        if (r.below(4) !== 0) dv.setUint32(a + 52, addr(r), true);
        if (r.below(4) !== 0) dv.setUint32(a + 56, 0, true);
        regs.write32!(0x40, r.below(10) === 0 ? r.u32() : a);
        if (r.below(4) === 0) while (regs.read32!(0x44) !== 0xffffffff) regs.write32!(0x44, addr(r));
      } else if (k < 6) {
        regs.write32!(0x44, addr(r)); // reply frames
      } else if (k < 8) {
        // What a driver does: reset a faulted IOC, IOC INIT by handshake
        // (sometimes garbled), then hand out reply frames.
        if (regs.read32!(0x00) >>> 28 !== 2 || r.below(8) === 0) regs.write32!(0x00, 0x40 << 24);
        const n = r.below(4) === 0 ? 1 + r.below(12) : 6;
        regs.write32!(0x00, ((0x42 << 24) | (n << 16)) >>> 0);
        const garble = r.below(4) === 0;
        for (let i = 0; i < n; i++) {
          let w = garble ? r.u32() : 0;
          if (i === 0) w = garble ? w : (0x02 << 24) | 4;
          if (i === 3 && !garble) w = 16 + r.below(128);
          regs.write32!(0x00, w);
        }
        for (let i = 0; i < r.below(50); i++) regs.read32!(0x00);
        regs.write32!(0x30, 0);
        for (let i = r.below(32); i > 0; i--) regs.write32!(0x44, addr(r));
      } else if (k < 12) {
        regs.write32!(r.below(64) * 4, r.below(4) === 0 ? r.u32() : r.pick([0, 0x40000000, 0x41000000, 0xffffffff, 4, 0xb, 2, 7, 0xd]));
      } else if (k < 15) {
        regs.read32!(r.below(64) * 4);
      } else {
        regs.write8(r.below(256), r.u32() & 0xff);
        regs.read8(r.below(256));
      }
      if (op % 256 === 0) await microtasks();
    }
    await microtasks();
    expect(dma.bad).toBe(0);
    expect(disk.commands).toBeGreaterThan(1000);
    // Back to a working adapter after a message unit reset.
    regs.write32!(0x00, 0x40 << 24);
    mem.fill(0);
    const slot = new FakePciSlot(hba, 1 << 20);
    const drv = new MptTestDriver(slot);
    drv.messageUnitReset();
    drv.init();
    await drv.scsiIo(0, 0, [0, 0, 0, 0, 0, 0]);
    const data = new Uint8Array(1024).fill(0xa5);
    expect((await drv.scsiIo(0, 0, [0x2a, 0, 0, 0, 0, 2, 0, 0, 2, 0], { dataOut: data })).turbo).toBe(true);
    const back = await drv.scsiIo(0, 0, [0x28, 0, 0, 0, 0, 2, 0, 0, 2, 0], { dataIn: 1024 });
    expect(Array.from(back.data)).toEqual(Array.from(data));
  }, 60_000);

  it(`survives ${OPS} random operations on the BT-958 and still works after a reset`, async () => {
    const r = new SeededRandom(0xb7958);
    const disk = new CountingDisk({ backend: new RamBlockBackend(256) });
    const hba = new Bt958({
      targets: [
        { id: 0, target: disk },
        { id: 9, target: new ScsiDisk({ backend: new RamBlockBackend(64) }) },
      ],
    });
    const { dma } = plug(hba);
    hba.reset();
    const ports = hba.bars[0]!.handler;
    const mem = dma.ram.bytes;
    const ops = [0x00, 0x01, 0x02, 0x02, 0x02, 0x04, 0x05, 0x0a, 0x0b, 0x0d, 0x1f, 0x21, 0x24, 0x25, 0x81, 0x81, 0x84, 0x86, 0x8b, 0x8d, 0x8f, 0x91, 0x95, 0x96];
    let base = 0;
    let count = 0;
    for (let op = 0; op < OPS; op++) {
      const k = r.below(16);
      if (k < 3) {
        // A command with random (sometimes plausible) parameters.
        const c = r.below(8) === 0 ? r.u32() & 0xff : r.pick(ops);
        ports.write8(1, c);
        if (c === 0x81) {
          base = r.below(RAM - 4096) & ~7;
          count = 1 + r.below(16);
          for (const b of [count, base & 0xff, (base >>> 8) & 0xff, (base >>> 16) & 0xff, 0]) ports.write8(1, b);
        } else {
          // (a 24-bit INIT MAILBOX switches mailbox layout: make the CCB branch re-initialize)
          if (c === 0x01) count = 0;
          for (let i = r.below(6); i > 0; i--) ports.write8(1, r.u32() & 0xff);
        }
        for (let i = r.below(40); i > 0; i--) ports.read8(1);
      } else if (k < 10) {
        // Like the driver: finish any half-done command, (re)initialize the
        // mailboxes if the adapter asks for it, then a random CCB in a
        // random outgoing mailbox and Execute Mailbox.
        ports.read8(0);
        for (let i = 0; i < 64 && (ports.read8(0) & 0x04) !== 0; i++) ports.read8(1);
        for (let i = 0; i < 260 && (ports.read8(0) & 0x10) === 0; i++) ports.write8(1, 0);
        if ((ports.read8(0) & 0x20) !== 0 || count === 0) {
          base = r.below(RAM - 4096) & ~7;
          count = 1 + r.below(16);
          for (const b of [0x81, count, base & 0xff, (base >>> 8) & 0xff, (base >>> 16) & 0xff, 0]) ports.write8(1, b);
          if (r.below(2) === 0) for (const b of [0x8f, 1]) ports.write8(1, b);
          ports.write8(0, 0x20);
        }
        const ccb = r.below(RAM - 64) & ~3;
        for (let i = 0; i < 40; i++) mem[ccb + i] = r.u32() & 0xff;
        mem[ccb] = r.pick([0x00, 0x02, 0x03, 0x04, 0x81, r.u32() & 0xff]);
        mem[ccb + 2] = r.below(3) === 0 ? r.u32() & 0xff : 6 + r.below(7);
        mem[ccb + 16] = r.below(3) === 0 ? r.u32() & 0xff : r.pick([0, 9, 3]);
        mem[ccb + 18] = r.pick(CDB_OPS);
        const dv = new DataView(mem.buffer);
        dv.setUint32(ccb + 4, r.below(3) === 0 ? r.u32() : r.below(16384), true);
        dv.setUint32(ccb + 8, addr(r), true);
        dv.setUint32(ccb + 36, addr(r), true);
        const slot = base + r.below(count) * 8;
        dv.setUint32(slot, r.below(10) === 0 ? r.u32() : ccb, true);
        mem[slot + 7] = r.pick([1, 1, 1, 2, 0, r.u32() & 0xff]);
        if (r.below(2) === 0) mem.fill(0, base + count * 8, base + count * 16); // host frees incoming
        ports.write8(1, 0x02);
      } else if (k < 11) {
        ports.write8(0, r.pick([0x20, 0x20, 0x10, 0x40, 0x80, r.u32() & 0xff]));
      } else if (k < 14) {
        ports.read8(r.below(4));
      } else {
        ports.write8(r.below(4), r.u32() & 0xff);
      }
      if (op % 256 === 0) await microtasks();
    }
    await microtasks();
    expect(dma.bad).toBe(0);
    expect(disk.commands).toBeGreaterThan(1000);
    const slot = new FakePciSlot(hba, 1 << 20);
    const drv = new BusLogicTestDriver(slot);
    expect(drv.hardReset()).toBe(true);
    drv.init();
    await drv.ccb(0, 0, [0, 0, 0, 0, 0, 0]);
    const data = new Uint8Array(512).fill(0x3c);
    expect((await drv.ccb(0, 0, [0x2a, 0, 0, 0, 0, 1, 0, 0, 1, 0], { dataOut: data })).completion).toBe(1);
    const back = await drv.ccb(0, 0, [0x28, 0, 0, 0, 0, 1, 0, 0, 1, 0], { dataIn: 512 });
    expect(Array.from(back.data)).toEqual(Array.from(data));
  }, 60_000);
});
