import type { FakePciSlot } from './fake-pci-slot.js';
import { settle } from './fake-pci-slot.js';

/** The outcome of a SCSI IO request issued by {@link MptTestDriver}. */
export interface MptIoResult {
  /** True for a context ("turbo") reply: success, nothing else to report. */
  readonly turbo: boolean;
  /** IOCStatus (0 for a turbo reply). */
  readonly iocStatus: number;
  /** SCSI status byte. */
  readonly scsiStatus: number;
  /** SCSIState flags. */
  readonly scsiState: number;
  /** Bytes transferred (DataLength for a turbo reply). */
  readonly transferCount: number;
  /** Sense bytes written. */
  readonly senseCount: number;
  /** The data-in buffer after completion. */
  readonly data: Uint8Array;
  /** The sense buffer after completion. */
  readonly sense: Uint8Array;
}

const REQ_BASE = 0x1000;
const REQ_SIZE = 128;
const REPLY_BASE = 0x8000;
const REPLY_SIZE = 64;
const REPLY_FRAMES = 32;
const DATA_BASE = 0x20000;
const SENSE_BASE = 0x18000;
const CHAIN_BASE = 0x10000;

/**
 * Drives a Fusion-MPT function at the register level the way Linux's
 * mptbase does: doorbell handshakes for IOC FACTS, PORT FACTS, IOC INIT,
 * PORT ENABLE and EVENT NOTIFICATION; reply frames through the reply free
 * FIFO; SCSI IO requests through the request FIFO. Guest memory layout:
 * request frames at 0x1000, reply frames at 0x8000, chain buffers at
 * 0x10000, sense at 0x18000, data at 0x20000.
 */
export class MptTestDriver {
  private nextContext = 1;
  /** Replies read from the reply FIFO, not yet consumed: context or address reply values. */
  readonly pending: number[] = [];

  /**
   * @param slot the fake slot the function is plugged into
   * @param bar 0 (I/O) or 1 (memory)
   */
  constructor(
    readonly slot: FakePciSlot,
    readonly bar = 0,
  ) {}

  /** Read a register. */
  reg(offset: number): number {
    return this.slot.read32(this.bar, offset);
  }
  /** Write a register. */
  setReg(offset: number, value: number): void {
    this.slot.write32(this.bar, offset, value);
  }
  /** IOC state from the doorbell (1 READY, 2 OPERATIONAL, 4 FAULT). */
  get iocState(): number {
    return this.reg(0) >>> 28;
  }

  /** IOC message unit reset through the doorbell. */
  messageUnitReset(): void {
    this.setReg(0, 0x40 << 24);
  }

  /** Diagnostic reset: write sequence keys, then RESET_ADAPTER. */
  diagReset(): void {
    for (const k of [0xff, 0x4, 0xb, 0x2, 0x7, 0xd]) this.setReg(0x04, k);
    this.setReg(0x08, this.reg(0x08) | 0x04);
  }

  /**
   * A doorbell handshake: send `request` dwords, read the reply 16 bits at a
   * time (waiting for the doorbell interrupt and clearing it per word).
   * Returns the reply words.
   */
  handshake(request: readonly number[]): Uint16Array {
    this.setReg(0x30, 0);
    this.setReg(0x00, ((0x42 << 24) | (request.length << 16)) >>> 0);
    if ((this.reg(0x30) & 1) === 0) throw new Error('no doorbell interrupt after handshake start');
    if ((this.reg(0x00) & 0x08000000) === 0) throw new Error('doorbell not active');
    this.setReg(0x30, 0);
    for (const w of request) {
      this.setReg(0x00, w >>> 0);
      if ((this.reg(0x30) & 0x80000000) !== 0) throw new Error('doorbell write not acknowledged');
    }
    const words: number[] = [];
    for (let i = 0; i < 2 || i < 2 * ((words[1] ?? 0) & 0xff); i++) {
      if ((this.reg(0x30) & 1) === 0) throw new Error(`no doorbell interrupt for reply word ${i}`);
      words.push(this.reg(0x00) & 0xffff);
      this.setReg(0x30, 0);
    }
    if ((this.reg(0x30) & 1) === 0) throw new Error('no final doorbell interrupt');
    this.setReg(0x30, 0);
    return Uint16Array.from(words);
  }

  /** Dword `i` of a handshake reply. */
  static dword(reply: Uint16Array, i: number): number {
    return ((reply[2 * i] ?? 0) | ((reply[2 * i + 1] ?? 0) << 16)) >>> 0;
  }

  /**
   * The mptbase bring-up: (optional reset,) IOC FACTS, PORT FACTS, IOC INIT,
   * reply frames, PORT ENABLE, EVENT NOTIFICATION. Returns the IOC FACTS reply.
   */
  init(): Uint16Array {
    const facts = this.handshake([0x03 << 24, 0, 0x1111]);
    this.handshake([0x05 << 24, 0, 0x2222]);
    // IOC INIT: WhoInit host driver (4), MaxDevices 16, MaxBuses 1, reply frame size
    this.handshake([(0x02 << 24) | 4, (1 << 16) | (16 << 8), 0x3333, REPLY_SIZE, 0, 0]);
    if (this.iocState !== 2) throw new Error(`IOC not operational after IOC INIT: ${this.iocState}`);
    for (let i = 0; i < REPLY_FRAMES; i++) this.setReg(0x44, REPLY_BASE + i * REPLY_SIZE);
    this.handshake([0x06 << 24, 0, 0x4444]);
    this.handshake([(0x07 << 24) | 1, 0, 0x5555]);
    this.setReg(0x34, ~0x8 >>> 0); // unmask reply interrupts only
    return facts;
  }

  /** Write a request frame to guest memory and post it; returns its address. */
  postFrame(bytes: Uint8Array, index: number): number {
    const addr = REQ_BASE + (index % 64) * REQ_SIZE;
    this.slot.dma.bytes.fill(0, addr, addr + REQ_SIZE);
    this.slot.dma.bytes.set(bytes.subarray(0, REQ_SIZE), addr);
    this.setReg(0x40, addr);
    return addr;
  }

  /** Read everything in the reply post FIFO into {@link pending}. */
  drain(): void {
    for (;;) {
      const v = this.reg(0x44);
      if (v === 0xffffffff) return;
      this.pending.push(v);
    }
  }

  /** Bytes of the reply frame an address reply points at (and give the frame back). */
  replyFrame(v: number): Uint8Array {
    const addr = (v << 1) >>> 0;
    const out = this.slot.dma.bytes.slice(addr, addr + REPLY_SIZE);
    this.setReg(0x44, addr);
    return out;
  }

  /**
   * Issue a SCSI IO to `target`/`lun` and wait for its reply.
   * @param opts `dataIn` bytes to read, or `dataOut` bytes to write;
   * `segment` splits the buffer into simple elements of that size (using a
   * chain buffer when they do not fit in the frame); `sge64` uses 64-bit SGEs.
   */
  async scsiIo(
    target: number,
    lun: number,
    cdb: readonly number[],
    opts: { dataIn?: number; dataOut?: Uint8Array; segment?: number; sge64?: boolean; senseLength?: number } = {},
  ): Promise<MptIoResult> {
    const ctx = this.nextContext++;
    const f = new Uint8Array(REQ_SIZE);
    const v = new DataView(f.buffer);
    const len = opts.dataOut?.length ?? opts.dataIn ?? 0;
    const senseLen = opts.senseLength ?? 18;
    f[0] = target;
    f[3] = 0x00;
    f[4] = cdb.length;
    f[5] = senseLen;
    v.setUint32(8, ctx, true);
    f[13] = lun;
    v.setUint32(20, len === 0 ? 0 : opts.dataOut ? 0x01000000 : 0x02000000, true);
    f.set(cdb, 24);
    v.setUint32(40, len, true);
    v.setUint32(44, SENSE_BASE, true);
    const mem = this.slot.dma.bytes;
    mem.fill(0xcc, DATA_BASE, DATA_BASE + Math.max(len, 512));
    mem.fill(0, SENSE_BASE, SENSE_BASE + 256);
    if (opts.dataOut) mem.set(opts.dataOut, DATA_BASE);
    // SGL
    const seg = opts.segment ?? (len || 1);
    const is64 = opts.sge64 === true;
    const esz = is64 ? 12 : 8;
    const dirFlag = opts.dataOut ? 0x04 : 0;
    const elems: [number, number][] = [];
    for (let o = 0; o < len; o += seg) elems.push([DATA_BASE + o, Math.min(seg, len - o)]);
    if (elems.length === 0) elems.push([0, 0]);
    const writeSge = (buf: DataView, off: number, i: number): void => {
      const last = i === elems.length - 1;
      const flags = 0x10 | dirFlag | (is64 ? 0x02 : 0) | (last ? 0xc1 : 0);
      buf.setUint32(off, ((flags << 24) | elems[i]![1]) >>> 0, true);
      buf.setUint32(off + 4, elems[i]![0], true);
      if (is64) buf.setUint32(off + 8, 0, true);
    };
    const inFrame = Math.floor((REQ_SIZE - 48) / esz);
    if (elems.length <= inFrame) {
      for (let i = 0; i < elems.length; i++) writeSge(v, 48 + i * esz, i);
    } else {
      const first = inFrame - 1; // room for the chain element
      for (let i = 0; i < first; i++) writeSge(v, 48 + i * esz, i);
      const chainOff = 48 + first * esz;
      const rest = elems.length - first;
      const cv = new DataView(mem.buffer, mem.byteOffset + CHAIN_BASE, rest * esz);
      for (let i = 0; i < rest; i++) writeSge(cv, i * esz, first + i);
      f[2] = chainOff / 4;
      v.setUint32(chainOff, ((0x30 | (is64 ? 0x02 : 0)) << 24) | (rest * esz), true);
      v.setUint32(chainOff + 4, CHAIN_BASE, true);
      if (is64) v.setUint32(chainOff + 8, 0, true);
    }
    this.postFrame(f, ctx);
    for (let tries = 0; tries < 100; tries++) {
      this.drain();
      const i = this.pending.findIndex((p) => p === ctx || ((p & 0x80000000) !== 0 && this.peekContext(p) === ctx));
      if (i >= 0) {
        const p = this.pending.splice(i, 1)[0]!;
        const data = mem.slice(DATA_BASE, DATA_BASE + len);
        const sense = mem.slice(SENSE_BASE, SENSE_BASE + senseLen);
        if (p === ctx) return { turbo: true, iocStatus: 0, scsiStatus: 0, scsiState: 0, transferCount: len, senseCount: 0, data, sense };
        const r = this.replyFrame(p);
        const rv = new DataView(r.buffer);
        return {
          turbo: false,
          iocStatus: rv.getUint16(14, true),
          scsiStatus: r[12]!,
          scsiState: r[13]!,
          transferCount: rv.getUint32(20, true),
          senseCount: rv.getUint32(24, true),
          data,
          sense,
        };
      }
      await settle();
    }
    throw new Error(`no reply for context ${ctx}`);
  }

  private peekContext(v: number): number {
    const addr = (v << 1) >>> 0;
    const m = this.slot.dma.bytes;
    return (m[addr + 8]! | (m[addr + 9]! << 8) | (m[addr + 10]! << 16) | (m[addr + 11]! << 24)) >>> 0;
  }
}
