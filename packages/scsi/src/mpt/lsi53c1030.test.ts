import { describe, expect, it } from 'vitest';
import { RamBlockBackend } from '@vm/bus/test';
import { ScsiDisk } from '../target/scsi-disk.js';
import { Lsi53c1030 } from './lsi53c1030.js';
import { FakePciSlot } from '../test/fake-pci-slot.js';
import { MptTestDriver } from '../test/mpt-test-driver.js';

function setup(bar = 0): { hba: Lsi53c1030; slot: FakePciSlot; drv: MptTestDriver; backend: RamBlockBackend } {
  const backend = new RamBlockBackend(4096);
  const hba = new Lsi53c1030({ targets: [{ id: 0, target: new ScsiDisk({ backend, name: 'lsi-d0' }) }] });
  const slot = new FakePciSlot(hba);
  hba.reset();
  return { hba, slot, drv: new MptTestDriver(slot, bar), backend };
}

const TUR = [0, 0, 0, 0, 0, 0];

describe('Lsi53c1030', () => {
  it('has the 53C1030 PCI identity and BARs', () => {
    const hba = new Lsi53c1030();
    expect(hba.identity.vendorId).toBe(0x1000);
    expect(hba.identity.deviceId).toBe(0x0030);
    expect(hba.identity.classCode).toBe(0x010000);
    expect(hba.bars[0]).toMatchObject({ kind: 'io', size: 256 });
    expect(hba.bars[1]).toMatchObject({ kind: 'mem32', size: 16384 });
    expect(hba.bars[2]?.kind).toBe('mem32');
    expect(hba.interruptPin).toBe(1);
  });

  it('comes up READY, answers IOC FACTS and PORT FACTS by handshake and becomes OPERATIONAL', () => {
    const { drv } = setup();
    expect(drv.iocState).toBe(1);
    const facts = drv.handshake([0x03 << 24, 0, 0xabcd]);
    expect(facts[1]! & 0xff).toBe(20); // MsgLength
    expect(facts[1]! >>> 8).toBe(0x03);
    expect(MptTestDriver.dword(facts, 2)).toBe(0xabcd);
    expect(facts[0]).toBe(0x0102); // MsgVersion
    expect(facts[13]).toBe(32); // RequestFrameSize
    expect(facts[18]).toBe(128); // GlobalCredits
    const pf = drv.handshake([0x05 << 24, 0, 1]);
    expect(pf[10]! >>> 8).toBe(1); // PortType SCSI
    expect(pf[12]).toBe(7); // PortSCSIID
    expect(pf[13]! & 0x08).toBe(0x08); // initiator
    drv.init();
    expect(drv.iocState).toBe(2);
  });

  it('does a READ and a WRITE through the request and reply FIFOs with turbo replies', async () => {
    const { drv, backend, slot } = setup();
    drv.init();
    const ua = await drv.scsiIo(0, 0, TUR);
    expect(ua.turbo).toBe(false);
    expect(ua.scsiStatus).toBe(2);
    expect(ua.scsiState & 1).toBe(1);
    expect(ua.senseCount).toBe(18);
    expect([ua.sense[2]! & 0xf, ua.sense[12]]).toEqual([6, 0x29]);
    const data = new Uint8Array(4096).map((_, i) => (i ^ (i >>> 8)) & 0xff);
    const w = await drv.scsiIo(0, 0, [0x2a, 0, 0, 0, 0, 8, 0, 0, 8, 0], { dataOut: data });
    expect(w.turbo).toBe(true);
    expect(Array.from(backend.bytes.subarray(8 * 512, 8 * 512 + 4096))).toEqual(Array.from(data));
    expect(slot.irq.level).toBe(false);
    const r = await drv.scsiIo(0, 0, [0x28, 0, 0, 0, 0, 8, 0, 0, 8, 0], { dataIn: 4096 });
    expect(r.turbo).toBe(true);
    expect(Array.from(r.data)).toEqual(Array.from(data));
  });

  it('raises INTx for replies when unmasked and lowers it once the FIFO is drained', async () => {
    const { drv, slot } = setup();
    drv.init();
    slot.irq.clearHistory();
    drv.postFrame(frame(0, 0x77, TUR), 0);
    await new Promise((r) => setTimeout(r, 0));
    expect(slot.irq.level).toBe(true);
    expect(drv.reg(0x30) & 8).toBe(8);
    drv.drain();
    expect(slot.irq.level).toBe(false);
  });

  it('follows chain elements and 64-bit SGEs; works through the memory BAR too', async () => {
    const { drv } = setup(1);
    drv.init();
    await drv.scsiIo(0, 0, TUR);
    const data = new Uint8Array(8192).map((_, i) => (i * 13) & 0xff);
    const w = await drv.scsiIo(0, 0, [0x2a, 0, 0, 0, 0, 0, 0, 0, 16, 0], { dataOut: data, segment: 512, sge64: true });
    expect(w.turbo).toBe(true);
    const r = await drv.scsiIo(0, 0, [0x28, 0, 0, 0, 0, 0, 0, 0, 16, 0], { dataIn: 8192, segment: 256 });
    expect(r.turbo).toBe(true);
    expect(Array.from(r.data)).toEqual(Array.from(data));
  });

  it('reports missing targets, bad buses, underruns and bad SGLs as IOCStatus', async () => {
    const { drv, slot } = setup();
    drv.init();
    expect((await drv.scsiIo(3, 0, TUR)).iocStatus).toBe(0x43);
    expect((await drv.scsiIo(7, 0, TUR)).iocStatus).toBe(0x42);
    await drv.scsiIo(0, 0, TUR);
    const inq = await drv.scsiIo(0, 0, [0x12, 0, 0, 0, 96, 0], { dataIn: 96 });
    expect(inq.iocStatus).toBe(0x45);
    expect(inq.transferCount).toBe(36);
    expect(inq.data[8]).toBe(0x56); // 'V'
    // A chain pointing at itself forever is cut off as INVALID_SGL.
    const f = frame(0, 0x99, [0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0]);
    const v = new DataView(f.buffer);
    v.setUint32(20, 0x02000000, true);
    v.setUint32(40, 512, true);
    v.setUint32(48, (0x30 << 24) | 8, true);
    v.setUint32(52, 0x30000, true);
    slot.dma.bytes.set([8, 0, 0, 0x30, 0, 0, 3, 0], 0x30000);
    drv.postFrame(f, 5);
    drv.drain();
    const p = drv.pending.pop()!;
    const reply = drv.replyFrame(p);
    expect(reply[14]).toBe(0x03);
    // A data buffer outside guest RAM is an I/O data error, never a host exception.
    const g = frame(0, 0x9a, [0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0]);
    const gv = new DataView(g.buffer);
    gv.setUint32(20, 0x02000000, true);
    gv.setUint32(40, 512, true);
    gv.setUint32(48, 0xd1000000 | 512, true);
    gv.setUint32(52, 0xf0000000, true);
    drv.postFrame(g, 6);
    await new Promise((r) => setTimeout(r, 0));
    drv.drain();
    const gr = drv.replyFrame(drv.pending.pop()!);
    expect(gr[14]).toBe(0x46);
    expect(slot.dma.faults).toBeGreaterThan(0);
  });

  it('answers CONFIG page requests the way mptspi reads them', () => {
    const { drv, slot } = setup();
    drv.init();
    const readPage = (type: number, num: number, addr: number): { status: number; len: number; bytes: Uint8Array } => {
      // PAGE_HEADER then READ_CURRENT into 0x40000
      const hdr = configFrame(0, type, num, addr, 0, 0);
      drv.postFrame(hdr, 1);
      drv.drain();
      const r1 = drv.replyFrame(drv.pending.pop()!);
      const status = r1[14]! | (r1[15]! << 8);
      if (status !== 0) return { status, len: 0, bytes: new Uint8Array(0) };
      const len = r1[21]!;
      drv.postFrame(configFrame(1, type, num, addr, len, 0x40000), 2);
      drv.drain();
      const r2 = drv.replyFrame(drv.pending.pop()!);
      expect(r2[14]).toBe(0);
      return { status, len, bytes: slot.dma.bytes.slice(0x40000, 0x40000 + len * 4) };
    };
    const m0 = readPage(9, 0, 0);
    expect(new TextDecoder().decode(m0.bytes.subarray(4, 11))).toBe('53C1030');
    for (const n of [0, 1, 2, 3, 4]) expect(readPage(1, n, 0).status).toBe(0);
    const p0 = readPage(3, 0, 0);
    expect(p0.bytes[8]! & 3).toBe(3);
    expect(readPage(3, 2, 0).len).toBe(19);
    expect(readPage(4, 0, 5).len).toBe(3);
    expect(readPage(4, 1, 5).len).toBe(4);
    expect(readPage(4, 0, 0x105).status).toBe(0x22);
    expect(readPage(2, 7, 0).status).toBe(0x22);
    // Writing device page 1 shows up in device page 0.
    slot.dma.bytes.set([0, 4, 1, 4, 0x00, 0x0a, 0x10, 0x20, 0, 0, 0, 0, 0, 0, 0, 0], 0x41000);
    drv.postFrame(configFrame(2, 4, 1, 2, 4, 0x41000), 3);
    drv.drain();
    expect(drv.replyFrame(drv.pending.pop()!)[14]).toBe(0);
    const d0 = readPage(4, 0, 2);
    expect(d0.bytes[5]).toBe(0x0a);
    expect(d0.bytes[7]).toBe(0x20);
  });

  it('aborts outstanding I/O with task management and resets on MUR and diagnostic reset', async () => {
    const { drv, hba } = setup();
    drv.init();
    await drv.scsiIo(0, 0, TUR);
    // Target reset through the doorbell: reply arrives in the reply FIFO.
    const tm = [(0x01 << 24) | 0, 3 << 8, 0xbeef, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    drv.setReg(0x30, 0);
    drv.setReg(0x00, ((0x42 << 24) | (tm.length << 16)) >>> 0);
    drv.setReg(0x30, 0);
    for (const w of tm) drv.setReg(0x00, w);
    expect(drv.reg(0x30) & 1).toBe(1);
    drv.setReg(0x30, 0);
    drv.drain();
    const r = drv.replyFrame(drv.pending.pop()!);
    expect(r[3]).toBe(0x01);
    expect(r[8]! | (r[9]! << 8)).toBe(0xbeef);
    // The target reset queued a unit attention.
    expect((await drv.scsiIo(0, 0, TUR)).scsiStatus).toBe(2);
    // A bus reset through the request FIFO: an IOC_BUS_RESET event (continuation
    // of the event notification, context 0x5555) precedes the TM reply.
    const bus = new Uint8Array(128);
    bus[3] = 0x01;
    bus[5] = 4;
    new DataView(bus.buffer).setUint32(8, 0xb05, true);
    drv.postFrame(bus, 30);
    drv.drain();
    const ev = drv.replyFrame(drv.pending.shift()!);
    expect([ev[3], ev[7], ev[8], ev[9], ev[20]]).toEqual([0x07, 0x80, 0x55, 0x55, 0x04]);
    const busReply = drv.replyFrame(drv.pending.shift()!);
    expect([busReply[3], busReply[5], busReply[8], busReply[9]]).toEqual([0x01, 4, 0x05, 0x0b]);
    drv.messageUnitReset();
    expect(drv.iocState).toBe(1);
    drv.init();
    drv.diagReset();
    expect(drv.iocState).toBe(1);
    expect(drv.reg(0x08) & 0x20).toBe(0x20);
    drv.init();
    expect((await drv.scsiIo(0, 0, TUR)).scsiStatus).toBe(2);
    const snap = hba.snapshot();
    const other = new Lsi53c1030();
    other.restore(snap);
    expect(other.ioc.readRegister(0) >>> 28).toBe(2);
  });

  it('restores FIFOs and interrupt state into a fresh adapter and re-drives INTx on syncOutputs', async () => {
    const { hba, drv, slot } = setup();
    drv.init();
    drv.postFrame(frame(0, 0x42, TUR), 0);
    await new Promise((r) => setTimeout(r, 0));
    expect(slot.irq.level).toBe(true);
    const snap = hba.snapshot();
    const copy = new Lsi53c1030();
    const copySlot = new FakePciSlot(copy);
    copy.restore(snap);
    expect(copySlot.irq.level).toBe(false); // restore touches no wires...
    copy.syncOutputs();
    expect(copySlot.irq.level).toBe(true); // ...the machine re-drives them
    const v = copySlot.read32(0, 0x44);
    expect(v).toBe(slot.read32(0, 0x44));
    expect(copySlot.irq.level).toBe(false);
    expect(() => copy.restore({ name: 'lsi53c1030', version: 2, fields: {} })).toThrow();
    expect(() => copy.restore({ name: 'lsi53c1030', version: 1, fields: { ioc: { name: 'x', version: 1, fields: {} } } })).toThrow();
  });

  it('keeps 128 requests in flight and answers the 129th with INSUFFICIENT_RESOURCES', async () => {
    let waiting: (() => void)[] = [];
    const backend = new RamBlockBackend(64);
    const slow = {
      sectorSize: 512,
      sectorCount: 64,
      readOnly: false,
      read: (s: number, d: Uint8Array) => new Promise<void>((r) => waiting.push(() => void backend.read(s, d).then(r))),
      write: (s: number, d: Uint8Array) => backend.write(s, d),
      flush: () => Promise.resolve(),
    };
    const disk = new ScsiDisk({ backend: slow });
    const hba = new Lsi53c1030({ targets: [{ id: 0, target: disk }] });
    const slot = new FakePciSlot(hba, 1 << 21);
    hba.reset();
    disk.reset();
    const drv = new MptTestDriver(slot);
    drv.init();
    await drv.scsiIo(0, 0, TUR);
    for (let i = 0; i < 129; i++) {
      const f = frame(0, 0x1000 + i, [0x28, 0, 0, 0, 0, i & 63, 0, 0, 1, 0]);
      const v = new DataView(f.buffer);
      v.setUint32(20, 0x02000000, true);
      v.setUint32(40, 512, true);
      v.setUint32(48, 0xd1000000 | 512, true);
      v.setUint32(52, 0x100000 + i * 512, true);
      // Each request gets its own frame address.
      slot.dma.bytes.set(f, 0x80000 + i * 128);
      drv.setReg(0x40, 0x80000 + i * 128);
    }
    expect(hba.ioc.busySlots).toBe(128);
    drv.drain();
    expect(drv.pending).toHaveLength(1);
    expect(drv.replyFrame(drv.pending.pop()!)[14]).toBe(0x06);
    const all = waiting;
    waiting = [];
    for (const w of all) w();
    await new Promise((r) => setTimeout(r, 0));
    drv.drain();
    expect(drv.pending.filter((p) => p >= 0x1000 && p < 0x1080)).toHaveLength(128);
    expect(hba.ioc.busySlots).toBe(0);
  });

  it('keeps a handshake reply intact while an I/O completes in the middle of reading it', async () => {
    const { drv, backend } = setup();
    drv.init();
    await drv.scsiIo(0, 0, TUR);
    backend.failNext = 'io';
    const f = frame(0, 0x321, [0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0]);
    const v = new DataView(f.buffer);
    v.setUint32(20, 0x02000000, true);
    v.setUint32(40, 512, true);
    v.setUint32(48, 0xd1000000 | 512, true);
    v.setUint32(52, 0x30000, true);
    drv.postFrame(f, 9);
    // IOC FACTS by handshake; the failing READ completes (an address reply) halfway.
    drv.setReg(0x30, 0);
    drv.setReg(0x00, (0x42 << 24) | (3 << 16));
    drv.setReg(0x30, 0);
    for (const w of [0x03 << 24, 0, 0xfeed]) drv.setReg(0x00, w);
    const words: number[] = [];
    for (let i = 0; i < 40; i++) {
      if (i === 6) await new Promise((r) => setTimeout(r, 0));
      words.push(drv.reg(0x00) & 0xffff);
      drv.setReg(0x30, 0);
    }
    expect(words[4]).toBe(0xfeed);
    expect(words[13]).toBe(32);
    expect(words[18]).toBe(128);
    drv.drain();
    const err = drv.replyFrame(drv.pending.pop()!);
    expect([err[12], err[13] & 1]).toEqual([2, 1]); // CHECK CONDITION with autosense
  });

  it('ignores register traffic before it is plugged into a slot', () => {
    const hba = new Lsi53c1030({ targets: [{ id: 0, target: new ScsiDisk({ backend: new RamBlockBackend(8) }) }] });
    const regs = hba.bars[0]!.handler;
    expect(() => {
      regs.write32!(0x00, (0x42 << 24) | (6 << 16));
      for (const w of [(0x02 << 24) | 4, 0, 0, 64, 0, 0]) regs.write32!(0x00, w);
      regs.write32!(0x44, 0x1000);
      regs.write32!(0x40, 0x2000);
      regs.read32!(0x44);
    }).not.toThrow();
  });

  it('faults when a reply needs a frame and none was posted, and recovers by reset', async () => {
    const backend = new RamBlockBackend(64);
    const hba = new Lsi53c1030({ targets: [{ id: 1, target: new ScsiDisk({ backend }) }] });
    const slot = new FakePciSlot(hba);
    const drv = new MptTestDriver(slot);
    drv.handshake([(0x02 << 24) | 4, (1 << 16) | (16 << 8), 1, 64, 0, 0]);
    drv.postFrame(frame(1, 5, TUR), 0);
    await new Promise((r) => setTimeout(r, 0));
    expect(drv.iocState).toBe(4);
    drv.messageUnitReset();
    expect(drv.iocState).toBe(1);
  });
});

function frame(target: number, ctx: number, cdb: number[]): Uint8Array {
  const f = new Uint8Array(128);
  const v = new DataView(f.buffer);
  f[0] = target;
  f[4] = cdb.length;
  f[5] = 18;
  v.setUint32(8, ctx, true);
  f.set(cdb, 24);
  v.setUint32(44, 0x18000, true);
  v.setUint32(48, 0xd1000000, true);
  return f;
}

function configFrame(action: number, type: number, num: number, addr: number, len: number, buf: number): Uint8Array {
  const f = new Uint8Array(128);
  const v = new DataView(f.buffer);
  f[0] = action;
  f[3] = 0x04;
  v.setUint32(8, 0xc0f1, true);
  f[21] = len;
  f[22] = num;
  f[23] = type;
  v.setUint32(24, addr, true);
  v.setUint32(28, ((0xd1 | (action === 2 ? 0x04 : 0)) << 24) | (len * 4), true);
  v.setUint32(32, buf, true);
  return f;
}
