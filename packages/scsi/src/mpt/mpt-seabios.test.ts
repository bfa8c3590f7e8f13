import { describe, expect, it } from 'vitest';
import type { BlockBackend } from '@vm/bus';
import { RamBlockBackend } from '@vm/bus/test';
import { ScsiDisk } from '../target/scsi-disk.js';
import { Lsi53c1030 } from './lsi53c1030.js';
import { FakePciSlot, settle } from '../test/fake-pci-slot.js';
import { MptTestDriver } from '../test/mpt-test-driver.js';

/** The register sequence SeaBIOS's mpt-scsi.c uses (no handshake acks, 4-byte reply frame). */
describe('Lsi53c1030 driven like SeaBIOS', () => {
  it('initializes through an unacknowledged handshake and reads with polled turbo replies', async () => {
    const backend = new RamBlockBackend(256);
    backend.bytes.fill(0x77, 512, 1024);
    const hba = new Lsi53c1030({ targets: [{ id: 1, target: new ScsiDisk({ backend }) }] });
    const slot = new FakePciSlot(hba);
    hba.reset();
    const io = hba.bars[0]!.handler;
    io.write32!(0x00, 0x40 << 24); // message unit reset
    io.write32!(0x34, 0x09); // mask doorbell + reply interrupts
    io.write32!(0x30, 0);
    const init = [(0x02 << 24) | 2, (1 << 16) | (8 << 8), 0, 4, 0, 0];
    io.write32!(0x00, (0x42 << 24) | (init.length << 16));
    for (const w of init) io.write32!(0x00, w); // outsl: no waiting
    const words: number[] = [];
    for (let i = 0; i < 10; i++) words.push(io.read32!(0x00) & 0xffff);
    io.write32!(0x30, 0);
    expect(words[1]! & 0xff).toBe(5); // MsgLength of the IOC INIT reply
    expect(words[1]! >>> 8).toBe(0x02);
    expect(words[7]).toBe(0); // IOCStatus
    expect(io.read32!(0x00) >>> 28).toBe(2);
    io.write32!(0x44, 0x9000); // the single 4-byte reply frame
    // READ(10) of LBA 1 into 0x20000 with a single 32-bit SGE (0xD1 flags).
    const req = 0x1000;
    const m = slot.dma.bytes;
    const v = new DataView(m.buffer);
    m.fill(0, req, req + 64);
    m[req] = 1;
    m[req + 4] = 16;
    m[req + 5] = 18;
    v.setUint32(req + 8, 0x1234567, true);
    v.setUint32(req + 20, 2 << 24, true);
    m.set([0x28, 0, 0, 0, 0, 1, 0, 0, 1, 0], req + 24);
    v.setUint32(req + 40, 512, true);
    v.setUint32(req + 44, 0x8000, true);
    v.setUint32(req + 48, 0xd1000000 | 512, true);
    v.setUint32(req + 52, 0x20000, true);
    const poll = async (): Promise<number> => {
      for (let i = 0; i < 50; i++) {
        if ((io.read32!(0x30) & 8) !== 0) {
          const r = io.read32!(0x44);
          io.read32!(0x44);
          return r;
        }
        await settle();
      }
      throw new Error('no reply');
    };
    io.write32!(0x40, req);
    const first = await poll();
    expect(first >>> 31).toBe(1); // unit attention: an address reply
    expect(m[0x9000 + 3]).toBe(0x00); // only 4 bytes of reply frame written...
    expect(m[0x9000 + 4]).toBe(0); // ...never beyond it
    io.write32!(0x44, 0x9000);
    io.write32!(0x40, req);
    expect(await poll()).toBe(0x1234567);
    expect(m[0x20000]).toBe(0x77);
    expect(slot.irq.level).toBe(false);
  });

  it('terminates an in-flight request on ABORT TASK and never DMAs its data afterwards', async () => {
    let release: () => void = () => {};
    const slowRead: BlockBackend = {
      sectorSize: 512,
      sectorCount: 64,
      readOnly: false,
      read: (_s, dst) =>
        new Promise<void>((r) => {
          release = () => {
            dst.fill(0x55);
            r();
          };
        }),
      write: () => Promise.resolve(),
      flush: () => Promise.resolve(),
    };
    const disk = new ScsiDisk({ backend: slowRead });
    const hba = new Lsi53c1030({ targets: [{ id: 0, target: disk }] });
    const slot = new FakePciSlot(hba);
    hba.reset();
    disk.reset();
    const drv = new MptTestDriver(slot);
    drv.init();
    await drv.scsiIo(0, 0, [0, 0, 0, 0, 0, 0]);
    const pending = drv.scsiIo(0, 0, [0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0], { dataIn: 512 });
    await settle();
    expect(hba.ioc.busySlots).toBe(1);
    // ABORT TASK for context 2 (the READ) through the request FIFO.
    const tm = new Uint8Array(128);
    const tv = new DataView(tm.buffer);
    tm[0] = 0;
    tm[3] = 0x01;
    tm[5] = 1;
    tv.setUint32(8, 0x7777, true);
    tv.setUint32(48, 2, true);
    drv.postFrame(tm, 40);
    const read = await pending;
    expect(read.iocStatus).toBe(0x48);
    drv.drain();
    const tmReply = drv.replyFrame(drv.pending.find((p) => p >>> 31 === 1)!);
    expect(tmReply[3]).toBe(0x01);
    expect(new DataView(tmReply.buffer).getUint32(20, true)).toBe(1); // TerminationCount
    release();
    await settle();
    expect(hba.ioc.busySlots).toBe(0);
    expect(slot.dma.bytes[0x20000]).toBe(0xcc); // the aborted data never arrived
  });
});
