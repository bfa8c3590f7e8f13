import type { PciFunction, PortIoHandler } from '@vm/bus';
import { RamDmaSpace, RecordingIrqLine } from '@vm/bus/test';

/**
 * Plugs a `PciFunction` into a fake slot: RAM-backed DMA starting at
 * guest-physical 0, a recording INTx line, and direct access to its BARs.
 */
export class FakePciSlot {
  /** Guest RAM as the function's DMA sees it. */
  readonly dma: RamDmaSpace;
  /** The function's INTx line. */
  readonly irq = new RecordingIrqLine();

  /**
   * @param fn the function to plug
   * @param ramBytes guest RAM size
   */
  constructor(
    readonly fn: PciFunction,
    ramBytes = 1 << 20,
  ) {
    this.dma = new RamDmaSpace(ramBytes);
    fn.plugged({ intx: this.irq, dma: this.dma, address: { bus: 0, device: 3, fn: 0 } });
  }

  /** BAR `index`'s handler (I/O or MMIO; both have the same shape). */
  bar(index: number): PortIoHandler {
    const b = this.fn.bars[index];
    if (!b) throw new RangeError(`BAR ${index} is not implemented`);
    return b.handler as PortIoHandler;
  }

  /** 32-bit read at `offset` of BAR `index` (split into bytes if the handler lacks read32). */
  read32(index: number, offset: number): number {
    const h = this.bar(index);
    if (h.read32) return h.read32(offset) >>> 0;
    return (h.read8(offset) | (h.read8(offset + 1) << 8) | (h.read8(offset + 2) << 16) | (h.read8(offset + 3) << 24)) >>> 0;
  }

  /** 32-bit write at `offset` of BAR `index`. */
  write32(index: number, offset: number, value: number): void {
    const h = this.bar(index);
    if (h.write32) return h.write32(offset, value >>> 0);
    for (let i = 0; i < 4; i++) h.write8(offset + i, (value >>> (8 * i)) & 0xff);
  }
}

/** The host timer used to yield to the event loop (tests only; never device code). */
const hostTimers = globalThis as unknown as { setTimeout(cb: () => void, ms: number): unknown };

/** Let pending promise chains (backend I/O) run to completion: yields to the event loop a few times. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((r) => hostTimers.setTimeout(r, 0));
}
