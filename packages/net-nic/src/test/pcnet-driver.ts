import type { Am79c970a } from '../pcnet/am79c970a.js';
import type { NicTestHarness } from './harness.js';

/** Where {@link PcnetTestDriver} puts its structures in guest RAM. */
export interface PcnetDriverLayout {
  /** The 28-byte initialization block. */
  readonly initBlock: number;
  /** The receive ring (16 bytes per descriptor). */
  readonly rxRing: number;
  /** The transmit ring. */
  readonly txRing: number;
  /** Receive buffers, {@link PCNET_RX_BUFFER} bytes each. */
  readonly rxBuffers: number;
  /** Transmit buffers, 2 KiB each. */
  readonly txBuffers: number;
}

/** A frame taken from the receive ring. */
export interface PcnetReceived {
  /** The frame without its FCS. */
  readonly frame: Uint8Array;
  /** RMD1 bits 31:16 (STP, ENP, ERR, PAM, LAFM, BAM, ...). */
  readonly status: number;
}

/** Buffer size pcnet32 gives each receive descriptor. */
export const PCNET_RX_BUFFER = 1544;

/**
 * Drives an {@link Am79c970a} in word I/O mode the way Linux's pcnet32
 * probe and open do: reset, APROM, SWSTYLE 2, a 32-bit init block, INIT,
 * STRT|INEA, one descriptor per frame, TDMD to transmit.
 */
export class PcnetTestDriver {
  /** Next receive descriptor the driver will look at. */
  rxNext = 0;
  /** Next transmit descriptor the driver will fill. */
  txNext = 0;

  /**
   * @param h the harness holding the NIC
   * @param rxCount receive ring length (a power of two up to 512)
   * @param txCount transmit ring length (a power of two up to 512)
   * @param layout guest-physical placement of the structures
   */
  constructor(
    readonly h: NicTestHarness<Am79c970a>,
    readonly rxCount = 16,
    readonly txCount = 16,
    readonly layout: PcnetDriverLayout = { initBlock: 0x1000, rxRing: 0x2000, txRing: 0x4000, rxBuffers: 0x10000, txBuffers: 0x40000 },
  ) {}

  private get io(): number {
    return this.h.ioBase;
  }

  /** S_RESET through the word-I/O RESET register. */
  reset(): void {
    this.h.ports.in16(this.io + 0x14);
  }

  /** Read CSR `n` (word I/O). */
  csr(n: number): number {
    this.h.ports.out16(this.io + 0x12, n);
    return this.h.ports.in16(this.io + 0x10);
  }

  /** Write CSR `n` (word I/O). */
  setCsr(n: number, v: number): void {
    this.h.ports.out16(this.io + 0x12, n);
    this.h.ports.out16(this.io + 0x10, v);
  }

  /** Read BCR `n` (word I/O). */
  bcr(n: number): number {
    this.h.ports.out16(this.io + 0x12, n);
    return this.h.ports.in16(this.io + 0x16);
  }

  /** Write BCR `n` (word I/O). */
  setBcr(n: number, v: number): void {
    this.h.ports.out16(this.io + 0x12, n);
    this.h.ports.out16(this.io + 0x16, v);
  }

  /** The six APROM bytes, read with byte INs as pcnet32 does. */
  readAprom(): Uint8Array {
    const mac = new Uint8Array(6);
    for (let i = 0; i < 6; i++) mac[i] = this.h.ports.in8(this.io + i);
    return mac;
  }

  /** The station address from CSR12-14. */
  readPadr(): Uint8Array {
    const mac = new Uint8Array(6);
    for (let i = 0; i < 3; i++) {
      const v = this.csr(12 + i);
      mac[2 * i] = v & 0xff;
      mac[2 * i + 1] = v >>> 8;
    }
    return mac;
  }

  /**
   * pcnet32_open: reset, SWSTYLE 2, ASEL, the init block (with `mode` and
   * the logical address filter `ladrf`), rings owned by the chip, CSR4 auto
   * pad, INIT, wait for IDON, then STRT|INEA.
   */
  open(mode = 0, ladrf: readonly number[] = [0, 0, 0, 0], mac = this.readAprom()): void {
    const ram = this.h.ram;
    const l = this.layout;
    this.reset();
    this.setBcr(20, 2);
    this.setBcr(2, this.bcr(2) | 2);
    const ib = l.initBlock;
    ram.write16(ib, mode);
    ram.write16(ib + 2, (Math.log2(this.txCount) << 12) | (Math.log2(this.rxCount) << 4));
    for (let i = 0; i < 6; i++) ram.write8(ib + 4 + i, mac[i]!);
    for (let i = 0; i < 4; i++) ram.write16(ib + 12 + 2 * i, ladrf[i]!);
    ram.write32(ib + 20, l.rxRing);
    ram.write32(ib + 24, l.txRing);
    for (let i = 0; i < this.rxCount; i++) this.giveRx(i);
    for (let i = 0; i < this.txCount; i++) ram.bytes.fill(0, l.txRing + 16 * i, l.txRing + 16 * i + 16);
    this.rxNext = 0;
    this.txNext = 0;
    this.setCsr(1, ib & 0xffff);
    this.setCsr(2, ib >>> 16);
    this.setCsr(4, 0x0915);
    this.setCsr(0, 0x0001);
    for (let i = 0; i < 100 && (this.csr(0) & 0x0100) === 0; i++);
    this.setCsr(0, 0x0042);
  }

  /** Hand receive descriptor `i` (back) to the chip. */
  giveRx(i: number): void {
    const ram = this.h.ram;
    const d = this.layout.rxRing + 16 * i;
    ram.write32(d, this.layout.rxBuffers + PCNET_RX_BUFFER * i);
    ram.write32(d + 8, 0);
    ram.write16(d + 4, -PCNET_RX_BUFFER & 0xffff);
    ram.write16(d + 6, 0x8000);
  }

  /** Queue `frame` on the next transmit descriptor (OWN|STP|ENP) and write TDMD|INEA. */
  transmit(frame: Uint8Array, kick = true): number {
    const ram = this.h.ram;
    const i = this.txNext;
    this.txNext = (i + 1) % this.txCount;
    const buf = this.layout.txBuffers + 2048 * i;
    ram.bytes.set(frame, buf);
    const d = this.layout.txRing + 16 * i;
    ram.write32(d, buf);
    ram.write16(d + 4, -frame.length & 0xffff);
    ram.write32(d + 8, 0);
    ram.write16(d + 6, 0x8300);
    if (kick) this.setCsr(0, 0x0048);
    return i;
  }

  /** The status word (TMD1 bits 31:16) of transmit descriptor `i`. */
  txStatus(i: number): number {
    return this.h.ram.read16(this.layout.txRing + 16 * i + 6);
  }

  /**
   * Take every completed receive frame (as pcnet32_rx: status, MCNT minus
   * the FCS), returning each descriptor to the chip.
   */
  takeReceived(): PcnetReceived[] {
    const out: PcnetReceived[] = [];
    const ram = this.h.ram;
    for (let n = 0; n < this.rxCount; n++) {
      const d = this.layout.rxRing + 16 * this.rxNext;
      const status = ram.read16(d + 6);
      if ((status & 0x8000) !== 0) break;
      const len = (ram.read32(d + 8) & 0xfff) - 4;
      const buf = ram.read32(d);
      out.push({ frame: ram.bytes.slice(buf, buf + Math.max(len, 0)), status });
      this.giveRx(this.rxNext);
      this.rxNext = (this.rxNext + 1) % this.rxCount;
    }
    return out;
  }

  /** The interrupt handler's acknowledge: read CSR0, write back its flags (keeping INEA). */
  acknowledge(): number {
    const csr0 = this.csr(0);
    this.setCsr(0, csr0 & ~0x004f);
    this.setCsr(0, 0x0040);
    return csr0;
  }
}
