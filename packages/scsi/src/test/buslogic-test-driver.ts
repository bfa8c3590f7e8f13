import type { FakePciSlot } from './fake-pci-slot.js';
import { settle } from './fake-pci-slot.js';

/** The outcome of a CCB issued by {@link BusLogicTestDriver}. */
export interface CcbResult {
  /** Incoming mailbox completion code (1 good, 4 error, ...). */
  readonly completion: number;
  /** Host adapter status. */
  readonly adapterStatus: number;
  /** SCSI target status. */
  readonly targetStatus: number;
  /** Data-in buffer contents after completion. */
  readonly data: Uint8Array;
  /** Sense buffer contents. */
  readonly sense: Uint8Array;
  /** CCB data length field after completion (the residual for residual CCBs). */
  readonly residual: number;
}

const MBOX_BASE = 0x2000;
const MBOX_COUNT = 8;
const CCB_BASE = 0x3000;
const DATA_BASE = 0x20000;

/**
 * Drives a BusLogic MultiMaster function through its I/O ports the way
 * Linux's BusLogic driver does: hard reset and wait for the self test, the
 * inquiry commands, extended mailbox initialization, strict round robin, the
 * extended LUN CCB format; then CCBs through the outgoing and incoming
 * mailboxes. Memory: mailboxes at 0x2000, CCBs at 0x3000, data at 0x20000.
 */
export class BusLogicTestDriver {
  private outIndex = 0;
  private inIndex = 0;
  private nextCcb = 0;

  /** @param slot the fake slot the function is plugged into */
  constructor(readonly slot: FakePciSlot) {}

  /** Read port `p`. */
  inb(p: number): number {
    return this.slot.bar(0).read8(p);
  }
  /** Write port `p`. */
  outb(p: number, v: number): void {
    this.slot.bar(0).write8(p, v);
  }

  /**
   * Issue a host adapter command the way blogic_cmd does. Returns the reply
   * bytes, or null when the adapter flagged Command Invalid.
   */
  command(op: number, params: readonly number[] = [], replyLength = 0): Uint8Array | null {
    if ((this.inb(0) & 0x18) !== 0x10) throw new Error(`adapter not ready: status ${this.inb(0).toString(16)}`);
    this.outb(1, op);
    for (const p of params) {
      if ((this.inb(2) & 0x04) !== 0 || (this.inb(0) & 0x04) !== 0) break;
      this.outb(1, p);
    }
    const out: number[] = [];
    for (let guard = 0; guard < 10000; guard++) {
      const ir = this.inb(2);
      const st = this.inb(0);
      if ((ir & 0x04) !== 0) break;
      if ((st & 0x04) !== 0) out.push(this.inb(1));
      else if (op === 0x95) break;
    }
    const invalid = (this.inb(0) & 0x01) !== 0;
    this.outb(0, 0x20); // interrupt reset
    if (invalid) return null;
    if (out.length !== replyLength) throw new Error(`command ${op.toString(16)}: ${out.length} reply bytes, expected ${replyLength}`);
    return Uint8Array.from(out);
  }

  /**
   * Hard reset and wait for the self test (advance `tick` between status
   * polls, e.g. a ManualClock). Returns false if diagnostics never ran.
   */
  hardReset(tick: () => void = () => {}): boolean {
    this.outb(0, 0x80);
    if ((this.inb(0) & 0x80) === 0) return false;
    for (let i = 0; i < 1000; i++) {
      tick();
      const st = this.inb(0);
      if ((st & 0x80) === 0) return (st & 0x10) !== 0 && (st & 0x40) === 0;
    }
    return false;
  }

  /** The Linux bring-up after reset: inquiries, mailbox init, round robin, CCB format. Returns board ID. */
  init(): Uint8Array {
    this.command(0x8d, [14], 14);
    const id = this.command(0x04, [], 4)!;
    this.command(0x0b, [], 3);
    this.command(0x0d, [34], 34);
    this.command(0x84, [], 1);
    this.command(0x8b, [5], 5);
    this.command(0x85, [], 1);
    this.command(0x86, [], 4);
    this.command(0x91, [64, 64], 64);
    const mem = this.slot.dma.bytes;
    mem.fill(0, MBOX_BASE, MBOX_BASE + MBOX_COUNT * 16);
    this.command(0x81, [MBOX_COUNT, MBOX_BASE & 0xff, (MBOX_BASE >>> 8) & 0xff, 0, 0]);
    this.command(0x8f, [1]);
    this.command(0x96, [1]);
    this.command(0x24, [], 2);
    this.outIndex = 0;
    this.inIndex = 0;
    return id;
  }

  /**
   * Send a CCB for `target`/`lun` with `cdb` and wait for its incoming mailbox.
   * @param opts `dataIn` length or `dataOut` bytes; `segments` > 1 uses a S/G CCB;
   * `opcode` overrides the CCB opcode.
   */
  async ccb(
    target: number,
    lun: number,
    cdb: readonly number[],
    opts: { dataIn?: number; dataOut?: Uint8Array; segments?: number; opcode?: number; dir?: number } = {},
  ): Promise<CcbResult> {
    const mem = this.slot.dma.bytes;
    const v = new DataView(mem.buffer);
    const ccb = CCB_BASE + (this.nextCcb++ % 16) * 0x200;
    mem.fill(0, ccb, ccb + 0x200);
    const len = opts.dataOut?.length ?? opts.dataIn ?? 0;
    mem.fill(0xcc, DATA_BASE, DATA_BASE + Math.max(len, 16));
    if (opts.dataOut) mem.set(opts.dataOut, DATA_BASE);
    const segs = opts.segments ?? 1;
    const sg = segs > 1;
    mem[ccb] = opts.opcode ?? (sg ? 0x04 : 0x03);
    mem[ccb + 1] = (opts.dir ?? (len === 0 ? 3 : opts.dataOut ? 2 : 1)) << 3;
    mem[ccb + 2] = cdb.length;
    mem[ccb + 3] = 32;
    if (sg) {
      const sgAddr = ccb + 0x100;
      const per = Math.ceil(len / segs);
      let n = 0;
      for (let o = 0; o < len; o += per, n++) {
        v.setUint32(sgAddr + n * 8, Math.min(per, len - o), true);
        v.setUint32(sgAddr + n * 8 + 4, DATA_BASE + o, true);
      }
      v.setUint32(ccb + 4, n * 8, true);
      v.setUint32(ccb + 8, sgAddr, true);
    } else {
      v.setUint32(ccb + 4, len, true);
      v.setUint32(ccb + 8, DATA_BASE, true);
    }
    mem[ccb + 16] = target;
    mem[ccb + 17] = lun;
    mem.set(cdb, ccb + 18);
    v.setUint32(ccb + 36, ccb + 0x80, true);
    const out = MBOX_BASE + this.outIndex * 8;
    v.setUint32(out, ccb, true);
    mem[out + 7] = 1;
    this.outIndex = (this.outIndex + 1) % MBOX_COUNT;
    this.outb(1, 0x02);
    for (let tries = 0; tries < 100; tries++) {
      const inbox = MBOX_BASE + MBOX_COUNT * 8 + this.inIndex * 8;
      if (mem[inbox + 7] !== 0) {
        if ((this.inb(2) & 0x81) !== 0x81) throw new Error('incoming mailbox loaded without interrupt');
        const result: CcbResult = {
          completion: mem[inbox + 7]!,
          adapterStatus: mem[inbox + 4]!,
          targetStatus: mem[inbox + 5]!,
          data: mem.slice(DATA_BASE, DATA_BASE + len),
          sense: mem.slice(ccb + 0x80, ccb + 0x80 + 32),
          residual: v.getUint32(ccb + 4, true),
        };
        if (v.getUint32(inbox, true) !== ccb) throw new Error('incoming mailbox names another CCB');
        mem[inbox + 7] = 0;
        this.inIndex = (this.inIndex + 1) % MBOX_COUNT;
        this.outb(0, 0x20);
        return result;
      }
      await settle();
    }
    throw new Error('CCB never completed');
  }
}
