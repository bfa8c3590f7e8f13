import type { Device, MmioHandler, PciFunction, PortIoHandler } from '@vm/bus';
import { ManualClock, RamDmaSpace, RecordingIrqLine, TestPortBus } from '@vm/bus/test';

/**
 * A PCI slot for NIC unit tests: RAM-backed DMA, a recording INTA# line, a
 * manual clock and a port bus with the function's I/O BAR at {@link ioBase}.
 * The function is plugged and realized by the constructor.
 *
 * @example
 * const h = new NicTestHarness(new Am79c970a({ mac, backend }));
 * h.ports.in16(h.ioBase + 0x14); // pcnet32's word-I/O reset
 */
export class NicTestHarness<T extends PciFunction & Device> {
  /** Guest RAM as the NIC's bus-master DMA sees it. */
  readonly ram: RamDmaSpace;
  /** INTA#. */
  readonly irq = new RecordingIrqLine();
  /** Virtual time and timers. */
  readonly clock = new ManualClock();
  /** The port space with the I/O BAR registered. */
  readonly ports = new TestPortBus();
  /** Where the first I/O BAR is registered. */
  readonly ioBase: number;

  /**
   * @param nic the function under test
   * @param ramBytes guest RAM size (default 1 MiB)
   * @param ioBase port of the first I/O BAR (default 0xC000)
   */
  constructor(
    readonly nic: T,
    ramBytes = 1 << 20,
    ioBase = 0xc000,
  ) {
    this.ram = new RamDmaSpace(ramBytes);
    this.ioBase = ioBase;
    const io = nic.bars.find((b) => b !== null && b.kind === 'io');
    if (io) this.ports.register(ioBase, io.size, io.handler, nic.name);
    nic.plugged({ intx: this.irq, dma: this.ram, address: { bus: 0, device: 3, fn: 0 } });
    const result = nic.realize({
      ports: this.ports,
      mmio: { mapMmio: (base: number, size: number) => ({ base, size, move() {}, unmap() {} }) },
      memory: this.ram,
      clock: this.clock,
      timers: this.clock,
    });
    if (!result.ok) throw new Error(result.error);
    nic.reset();
  }

  /** The handler behind BAR `index` (memory or I/O), for direct register access. */
  bar(index: number): MmioHandler & PortIoHandler {
    const b = this.nic.bars[index];
    if (!b) throw new RangeError(`BAR ${index} is not implemented`);
    return b.handler;
  }

  /** Read a 32-bit register of memory BAR `index` (as a CPU's MOV would). */
  mmioRead32(index: number, offset: number): number {
    const h = this.bar(index);
    return h.read32 ? h.read32(offset) >>> 0 : (h.read8(offset) | (h.read8(offset + 1) << 8) | (h.read8(offset + 2) << 16) | (h.read8(offset + 3) << 24)) >>> 0;
  }

  /** Write a 32-bit register of memory BAR `index`. */
  mmioWrite32(index: number, offset: number, value: number): void {
    const h = this.bar(index);
    if (h.write32) h.write32(offset, value >>> 0);
    else for (let i = 0; i < 4; i++) h.write8(offset + i, (value >>> (8 * i)) & 0xff);
  }
}
