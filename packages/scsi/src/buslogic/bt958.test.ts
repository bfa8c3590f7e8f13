import { describe, expect, it } from 'vitest';
import { ManualClock, RamBlockBackend, TestPortBus } from '@vm/bus/test';
import type { DeviceContext, MmioRegistry } from '@vm/bus';
import { RamDmaSpace } from '@vm/bus/test';
import { ScsiDisk } from '../target/scsi-disk.js';
import { Bt958 } from './bt958.js';
import { FakePciSlot } from '../test/fake-pci-slot.js';
import { BusLogicTestDriver } from '../test/buslogic-test-driver.js';

function setup(): { hba: Bt958; slot: FakePciSlot; drv: BusLogicTestDriver; backend: RamBlockBackend; clock: ManualClock } {
  const backend = new RamBlockBackend(4096);
  const hba = new Bt958({ targets: [{ id: 0, target: new ScsiDisk({ backend, name: 'bl-d0' }) }] });
  const clock = new ManualClock();
  const ctx: DeviceContext = {
    ports: new TestPortBus(),
    mmio: {} as MmioRegistry,
    memory: new RamDmaSpace(16),
    clock,
    timers: clock,
  };
  expect(hba.realize(ctx)).toEqual({ ok: true });
  const slot = new FakePciSlot(hba);
  hba.reset();
  return { hba, slot, drv: new BusLogicTestDriver(slot), backend, clock };
}

describe('Bt958', () => {
  it('has the BT-958 PCI identity and looks like a MultiMaster to the probe', () => {
    const { hba, drv } = setup();
    expect(hba.identity.vendorId).toBe(0x104b);
    expect(hba.identity.deviceId).toBe(0x1040);
    expect(hba.bars[0]).toMatchObject({ kind: 'io', size: 4 });
    expect(drv.inb(0)).toBe(0x30);
    expect(drv.inb(2)).toBe(0);
    expect(drv.inb(3)).not.toBe(0xff);
  });

  it('hard resets with a timed self test and reports its configuration', () => {
    const { drv, clock } = setup();
    drv.outb(0, 0x80);
    expect(drv.inb(0) & 0x80).toBe(0x80);
    expect(drv.inb(0) & 0x80).toBe(0x80); // still running until time passes
    clock.advance(100_000);
    expect(drv.inb(0)).toBe(0x30);
    const id = drv.init();
    expect(String.fromCharCode(...id)).toBe('AA50');
    expect(String.fromCharCode(...drv.command(0x84, [], 1)!)).toBe('7');
    expect(String.fromCharCode(...drv.command(0x85, [], 1)!)).toBe('B');
    expect(String.fromCharCode(...drv.command(0x8b, [5], 5)!).slice(0, 3)).toBe('958');
    const ext = drv.command(0x8d, [14], 14)!;
    expect(ext[4]).toBe(8); // mailbox count
    expect(ext[13]! & 1).toBe(1); // wide
    expect(Array.from(drv.command(0x24, [], 2)!)).toEqual([1, 0]);
    expect(Array.from(drv.command(0x0a, [], 8)!)).toEqual([1, 0, 0, 0, 0, 0, 0, 0]);
    expect(drv.command(0x0b, [], 3)![2]).toBe(7);
    const ram = drv.command(0x91, [64, 64], 64)!;
    expect(ram[15]! & 0x20).toBe(0x20); // reset enabled
    expect(drv.inb(0) & 0x20).toBe(0); // initialized
    // Invalid opcode and bad parameter set Command Invalid.
    expect(drv.command(0xfe)).toBeNull();
    expect(drv.command(0x81, [0, 0, 0, 0, 0])).toBeNull();
  });

  it('reads and writes through mailboxes with plain and scatter/gather CCBs', async () => {
    const { drv, backend, slot, clock } = setup();
    expect(drv.hardReset(() => clock.advance(10_000))).toBe(true);
    drv.init();
    const ua = await drv.ccb(0, 0, [0, 0, 0, 0, 0, 0]);
    expect(ua.completion).toBe(4);
    expect(ua.targetStatus).toBe(2);
    expect([ua.sense[2]! & 0xf, ua.sense[12]]).toEqual([6, 0x29]);
    const data = new Uint8Array(3072).map((_, i) => (i * 31) & 0xff);
    const w = await drv.ccb(0, 0, [0x2a, 0, 0, 0, 0, 4, 0, 0, 6, 0], { dataOut: data, segments: 3 });
    expect(w.completion).toBe(1);
    expect(w.residual).toBe(0);
    expect(Array.from(backend.bytes.subarray(4 * 512, 4 * 512 + 3072))).toEqual(Array.from(data));
    const r = await drv.ccb(0, 0, [0x28, 0, 0, 0, 0, 4, 0, 0, 6, 0], { dataIn: 3072 });
    expect(r.completion).toBe(1);
    expect(Array.from(r.data)).toEqual(Array.from(data));
    expect(slot.irq.level).toBe(false);
    const inq = await drv.ccb(0, 0, [0x12, 0, 0, 0, 96, 0], { dataIn: 96 });
    expect(inq.completion).toBe(1);
    expect(inq.residual).toBe(60);
  });

  it('reports selection timeouts, overruns, bad CCBs and aborts', async () => {
    const { drv, clock } = setup();
    expect(drv.hardReset(() => clock.advance(10_000))).toBe(true);
    drv.init();
    expect((await drv.ccb(3, 0, [0, 0, 0, 0, 0, 0])).adapterStatus).toBe(0x11);
    await drv.ccb(0, 0, [0, 0, 0, 0, 0, 0]);
    expect((await drv.ccb(0, 0, [0x28, 0, 0, 0, 0, 0, 0, 0, 2, 0], { dataIn: 512 })).adapterStatus).toBe(0x12);
    expect((await drv.ccb(0, 0, [0, 0, 0, 0, 0, 0], { opcode: 0x01 })).adapterStatus).toBe(0x16);
    const oor = await drv.ccb(0, 0, [0x28, 0, 0, 0, 0xff, 0, 0, 0, 1, 0], { dataIn: 512 });
    expect([oor.completion, oor.targetStatus, oor.sense[12]]).toEqual([4, 2, 0x21]);
    // A bus device reset CCB queues a unit attention.
    expect((await drv.ccb(0, 0, [0, 0, 0, 0, 0, 0], { opcode: 0x81 })).completion).toBe(1);
    expect((await drv.ccb(0, 0, [0, 0, 0, 0, 0, 0])).targetStatus).toBe(2);
  });

  it('ends the self test at the next status read when no timer queue was given', () => {
    const hba = new Bt958({ targets: [{ id: 2, target: new ScsiDisk({ backend: new RamBlockBackend(64) }) }] });
    const drv = new BusLogicTestDriver(new FakePciSlot(hba));
    expect(drv.hardReset()).toBe(true);
    drv.init();
    expect(Array.from(drv.command(0x24, [], 2)!)).toEqual([4, 0]);
  });

  it('runs 24-bit (ISA-compatible) mailboxes and CCBs with sense after the CDB', async () => {
    const { drv, slot, backend, clock } = setup();
    expect(drv.hardReset(() => clock.advance(10_000))).toBe(true);
    const mem = slot.dma.bytes;
    const base = 0x4000;
    mem.fill(0, base, base + 16);
    expect(drv.command(0x01, [2, 0x00, 0x40, 0x00])).not.toBeNull(); // 2 mailboxes at 0x004000
    backend.bytes.fill(0x42, 0, 512);
    const run = async (box: number, ccb: number, fill: (c: number) => void): Promise<number> => {
      mem.fill(0, ccb, ccb + 64);
      fill(ccb);
      mem[base + box * 4] = 1; // START
      mem.set([ccb >>> 16, (ccb >>> 8) & 0xff, ccb & 0xff], base + box * 4 + 1);
      drv.outb(1, 0x02);
      for (let i = 0; i < 20 && mem[base + 8 + box * 4] === 0; i++) await new Promise((r) => setTimeout(r, 0));
      const code = mem[base + 8 + box * 4]!;
      expect(Array.from(mem.subarray(base + 9 + box * 4, base + 12 + box * 4))).toEqual([ccb >>> 16, (ccb >>> 8) & 0xff, ccb & 0xff]);
      mem[base + 8 + box * 4] = 0;
      drv.outb(0, 0x20);
      return code;
    };
    // TEST UNIT READY to target 0: unit attention, sense lands after the 6-byte CDB.
    const c1 = 0x5000;
    expect(
      await run(0, c1, (c) => {
        mem[c + 1] = (0 << 5) | 0x18; // no transfer
        mem[c + 2] = 6;
        mem[c + 3] = 14;
      }),
    ).toBe(4);
    expect(mem[c1 + 15]).toBe(2);
    expect([mem[c1 + 18 + 6 + 2]! & 0xf, mem[c1 + 18 + 6 + 12]]).toEqual([6, 0x29]);
    // READ(6) of LBA 0 through a 24-bit S/G list with residual.
    const c2 = 0x5100;
    const code = await run(1, c2, (c) => {
      mem[c] = 0x04;
      mem[c + 1] = 0x08; // data in, target 0
      mem[c + 2] = 6;
      mem[c + 3] = 14;
      mem.set([0, 0, 12], c + 4); // two 6-byte S/G entries
      mem.set([0x00, 0x52, 0x00], c + 7);
      mem.set([0x08, 0, 0, 0, 1, 0], c + 18);
      mem.set([0, 0x01, 0x00, 0x06, 0x00, 0x00, 0, 0x01, 0x00, 0x06, 0x01, 0x00], 0x5200);
    });
    expect(code).toBe(1);
    expect(mem[0x60000]).toBe(0x42);
    expect(mem[0x600ff]).toBe(0x42);
    expect(mem[0x60100]).toBe(0x42);
    expect(Array.from(mem.subarray(c2 + 4, c2 + 7))).toEqual([0, 0, 0]); // residual
  });

  it('raises INTx for command complete and incoming mailboxes; interrupt reset lowers it', () => {
    const { drv, slot } = setup();
    drv.outb(1, 0x00); // test command complete interrupt
    expect(drv.inb(2)).toBe(0x84);
    expect(slot.irq.level).toBe(true);
    drv.outb(0, 0x20);
    expect(slot.irq.level).toBe(false);
    drv.command(0x25, [0]); // disable interrupts
    drv.outb(1, 0x00);
    expect(slot.irq.level).toBe(false);
  });

  it('snapshots and restores the register state', () => {
    const { hba, drv, clock } = setup();
    expect(drv.hardReset(() => clock.advance(10_000))).toBe(true);
    drv.init();
    const s = hba.snapshot();
    const other = new Bt958();
    other.restore(s);
    expect(other.core.read(0)).toBe(0x10);
    expect(() => other.restore({ name: 'bt958', version: 9, fields: {} })).toThrow();
  });
});
