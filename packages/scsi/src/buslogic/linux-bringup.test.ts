import { describe, expect, it } from 'vitest';
import { DmaStatus } from '@vm/bus';
import type { DmaSpace } from '@vm/bus';
import { ManualClock, RamBlockBackend, TestPortBus } from '@vm/bus/test';
import type { DeviceContext, MmioRegistry } from '@vm/bus';
import { RamDmaSpace } from '@vm/bus/test';
import { ScsiDisk } from '../target/scsi-disk.js';
import { Bt958 } from './bt958.js';
import { FakePciSlot, settle } from '../test/fake-pci-slot.js';
import { BusLogicTestDriver } from '../test/buslogic-test-driver.js';

/** Guest RAM behind a PCI bus-master enable bit, as the PCI bus hands it to a function. */
class BusMasterGate implements DmaSpace {
  enabled = false;
  constructor(private readonly ram: RamDmaSpace) {}
  read(addr: number, dst: Uint8Array): DmaStatus {
    if (this.enabled) return this.ram.read(addr, dst);
    dst.fill(0xff);
    return DmaStatus.Unassigned;
  }
  write(addr: number, src: Uint8Array): DmaStatus {
    return this.enabled ? this.ram.write(addr, src) : DmaStatus.Unassigned;
  }
  read8(a: number): number {
    return this.enabled ? this.ram.read8(a) : 0xff;
  }
  read16(a: number): number {
    return this.enabled ? this.ram.read16(a) : 0xffff;
  }
  read32(a: number): number {
    return this.enabled ? this.ram.read32(a) : 0xffffffff;
  }
  write8(a: number, v: number): void {
    if (this.enabled) this.ram.write8(a, v);
  }
  write16(a: number, v: number): void {
    if (this.enabled) this.ram.write16(a, v);
  }
  write32(a: number, v: number): void {
    if (this.enabled) this.ram.write32(a, v);
  }
}

/** Linux's BLOGIC_MAX_MAILBOX. */
const MBOXES = 211;
const MBOX_BASE = 0x10000;
const INBOX_BASE = MBOX_BASE + MBOXES * 8;
const CCB = 0x18000;
/** Linux's CCB carries its scatter/gather list after the 40 firmware bytes and the driver's fields. */
const SGLIST = CCB + 0x80;
const INQ_BUF = 0x19000;
const SENSE = 0x1a000;

function setup(): { hba: Bt958; slot: FakePciSlot; drv: BusLogicTestDriver; gate: BusMasterGate; clock: ManualClock } {
  const disk = new ScsiDisk({ backend: new RamBlockBackend(2048), name: 'bl-linux' });
  const hba = new Bt958({ targets: [{ id: 0, target: disk }] });
  const clock = new ManualClock();
  const ctx: DeviceContext = { ports: new TestPortBus(), mmio: {} as MmioRegistry, memory: new RamDmaSpace(16), clock, timers: clock };
  expect(hba.realize(ctx)).toEqual({ ok: true });
  const slot = new FakePciSlot(hba);
  // Re-plug behind a bus-master gate: the function sees RAM only while the bit is set.
  const gate = new BusMasterGate(slot.dma);
  hba.plugged({ intx: slot.irq, dma: gate, address: { bus: 0, device: 16, fn: 0 } });
  hba.reset();
  return { hba, slot, drv: new BusLogicTestDriver(slot), gate, clock };
}

/** What BusLogic.c does from module load to the first SCSI command (blogic_init_mm_probeinfo .. blogic_inquiry). */
function linuxBringUp(drv: BusLogicTestDriver, slot: FakePciSlot, clock: ManualClock): void {
  // blogic_init_mm_probeinfo
  drv.outb(0, 0x20);
  expect(drv.command(0x86, [], 4)![0]).toBe(6); // ISA-compatible port disabled
  expect(drv.command(0x95, [6])).not.toBeNull(); // Modify I/O Address: no command-complete interrupt
  drv.command(0x91, [64 + 45, 1], 1);
  expect(String.fromCharCode(...drv.command(0x04, [], 4)!)).toBe('AA50');
  // blogic_hwreset, then blogic_checkadapter / blogic_rdconfig
  expect(drv.hardReset(() => clock.advance(10_000))).toBe(true);
  drv.command(0x04, [], 4);
  drv.command(0x0b, [], 3);
  drv.command(0x0d, [34], 34);
  drv.command(0x8d, [14], 14);
  drv.command(0x84, [], 1);
  drv.command(0x85, [], 1);
  drv.command(0x8b, [5], 5);
  drv.command(0x91, [64, 64], 64);
  // blogic_initadapter: 211 zeroed 32-bit mailboxes, strict round robin, extended LUN CCBs
  slot.dma.bytes.fill(0, MBOX_BASE, MBOX_BASE + MBOXES * 16);
  expect(drv.command(0x81, [MBOXES, MBOX_BASE & 0xff, (MBOX_BASE >>> 8) & 0xff, (MBOX_BASE >>> 16) & 0xff, 0])).not.toBeNull();
  expect(drv.command(0x8f, [1])).not.toBeNull();
  expect(drv.command(0x96, [1])).not.toBeNull();
  // blogic_inquiry
  expect(Array.from(drv.command(0x24, [], 2)!)).toEqual([1, 0]);
  drv.command(0x0d, [34], 34);
  drv.command(0x8c, [16], 16);
  expect(drv.inb(0)).toBe(0x10); // ready, initialized
}

/** blogic_qcmd for the scan's INQUIRY: an S/G CCB, unchecked direction, 96 sense bytes, outgoing mailbox `box`. */
function queueInquiry(slot: FakePciSlot, drv: BusLogicTestDriver, box: number): void {
  const mem = slot.dma.bytes;
  const v = new DataView(mem.buffer);
  mem.fill(0, CCB, CCB + 0x100);
  mem[CCB] = 0x02;
  mem[CCB + 1] = 0; // BLOGIC_UNCHECKED_TX
  mem[CCB + 2] = 6;
  mem[CCB + 3] = 96;
  v.setUint32(CCB + 4, 8, true); // one S/G segment
  v.setUint32(CCB + 8, SGLIST, true);
  mem.set([0x12, 0, 0, 0, 36, 0], CCB + 18);
  v.setUint32(CCB + 36, SENSE, true);
  v.setUint32(SGLIST, 36, true);
  v.setUint32(SGLIST + 4, INQ_BUF, true);
  // CCB pointer first, action code (byte 7) last
  v.setUint32(MBOX_BASE + box * 8, CCB, true);
  mem[MBOX_BASE + box * 8 + 7] = 1;
  drv.outb(1, 0x02); // blogic_execmbox
}

/** blogic_inthandler + blogic_scan_inbox: the completion codes found, in order. */
function interruptHandler(slot: FakePciSlot, drv: BusLogicTestDriver, from: number): number[] {
  const mem = slot.dma.bytes;
  const ir = drv.inb(2);
  if ((ir & 0x80) === 0) return [];
  drv.outb(0, 0x20);
  const codes: number[] = [];
  for (let i = from; mem[INBOX_BASE + i * 8 + 7] !== 0; i = (i + 1) % MBOXES) {
    codes.push(mem[INBOX_BASE + i * 8 + 7]!);
    expect(new DataView(mem.buffer).getUint32(INBOX_BASE + i * 8, true)).toBe(CCB);
    mem[INBOX_BASE + i * 8 + 7] = 0;
  }
  return codes;
}

describe('BT-958 under the Linux BusLogic driver sequence', () => {
  it('completes the SCSI scan INQUIRY through 211 extended mailboxes in strict round robin', async () => {
    const { slot, drv, gate, clock } = setup();
    gate.enabled = true;
    linuxBringUp(drv, slot, clock);
    queueInquiry(slot, drv, 0);
    await settle();
    expect(slot.irq.level).toBe(true);
    expect(interruptHandler(slot, drv, 0)).toEqual([1]);
    expect(slot.irq.level).toBe(false);
    expect(slot.dma.bytes[MBOX_BASE + 7]).toBe(0); // outgoing mailbox handed back
    const inq = slot.dma.bytes.subarray(INQ_BUF, INQ_BUF + 36);
    expect(inq[0]).toBe(0); // direct access
    expect(String.fromCharCode(...inq.subarray(8, 14))).toBe('VMware');
    // the next command goes to outgoing mailbox 1 and completes in incoming mailbox 1
    queueInquiry(slot, drv, 1);
    await settle();
    expect(interruptHandler(slot, drv, 1)).toEqual([1]);
  });

  it('leaves mailboxes alone while bus mastering is off and serves them once it is on', async () => {
    const { slot, drv, gate, clock } = setup();
    linuxBringUp(drv, slot, clock);
    queueInquiry(slot, drv, 0);
    await settle();
    // No DMA possible: the mailbox is still START, nothing completed, no interrupt.
    expect(slot.dma.bytes[MBOX_BASE + 7]).toBe(1);
    expect(slot.irq.level).toBe(false);
    expect(drv.inb(2)).toBe(0);
    gate.enabled = true;
    drv.outb(1, 0x02);
    await settle();
    expect(interruptHandler(slot, drv, 0)).toEqual([1]);
    expect(String.fromCharCode(...slot.dma.bytes.subarray(INQ_BUF + 8, INQ_BUF + 14))).toBe('VMware');
  });
});
