/**
 * Helpers for this folder's unit tests: a small MMIO registry and a device
 * context over the @vm/bus fakes. Not exported from the package.
 *
 * @module
 */
import type {
  DeviceContext,
  MmioHandler,
  MmioMapping,
  MmioOptions,
  MmioRegistry,
  PlatformControl,
  PortIo,
  PortIoHandler,
  PortIoRegistry,
  ShadowMemoryControl,
} from '@vm/bus';
import { ManualClock, RamDmaSpace } from '@vm/bus/test';

interface PortEntry {
  readonly base: number;
  readonly handler: PortIoHandler;
  readonly owner: string;
}

/**
 * A port bus with the machine's dispatch rule: a wide access reaches a
 * handler's wide method only when the handler has it and owns every port of
 * the access; otherwise it is split, lowest port first. (Stricter than
 * `TestPortBus`, which dispatches on the first port alone.)
 */
export class StrictPortBus implements PortIoRegistry, PortIo {
  private readonly table: (PortEntry | null)[] = new Array<PortEntry | null>(0x10000).fill(null);
  register(base: number, length: number, handler: PortIoHandler, owner: string): void {
    if (base < 0 || length <= 0 || base + length > 0x10000) throw new RangeError(`${owner}: ports out of range`);
    for (let p = base; p < base + length; p++) {
      const e = this.table[p];
      if (e) throw new RangeError(`${owner}: port 0x${p.toString(16)} already owned by ${e.owner}`);
    }
    const entry = { base, handler, owner };
    for (let p = base; p < base + length; p++) this.table[p] = entry;
  }
  unregister(base: number, length: number): void {
    for (let p = base; p < base + length; p++) this.table[p] = null;
  }
  private spans(port: number, width: number): PortEntry | null {
    const e = this.table[port & 0xffff] ?? null;
    return e !== null && this.table[(port + width - 1) & 0xffff] === e ? e : null;
  }
  in8(port: number): number {
    const e = this.table[port & 0xffff];
    return e ? e.handler.read8((port & 0xffff) - e.base) & 0xff : 0xff;
  }
  in16(port: number): number {
    const e = this.spans(port, 2);
    if (e?.handler.read16) return e.handler.read16((port & 0xffff) - e.base) & 0xffff;
    return this.in8(port) | (this.in8(port + 1) << 8);
  }
  in32(port: number): number {
    const e = this.spans(port, 4);
    if (e?.handler.read32) return e.handler.read32((port & 0xffff) - e.base) >>> 0;
    return (this.in16(port) | (this.in16(port + 2) << 16)) >>> 0;
  }
  out8(port: number, value: number): void {
    const e = this.table[port & 0xffff];
    e?.handler.write8((port & 0xffff) - e.base, value & 0xff);
  }
  out16(port: number, value: number): void {
    const e = this.spans(port, 2);
    if (e?.handler.write16) return e.handler.write16((port & 0xffff) - e.base, value & 0xffff);
    this.out8(port, value & 0xff);
    this.out8(port + 1, (value >>> 8) & 0xff);
  }
  out32(port: number, value: number): void {
    const e = this.spans(port, 4);
    if (e?.handler.write32) return e.handler.write32((port & 0xffff) - e.base, value >>> 0);
    this.out16(port, value & 0xffff);
    this.out16(port + 2, (value >>> 16) & 0xffff);
  }
}

class TestMapping implements MmioMapping {
  constructor(
    private readonly owner: TestMmioBus,
    public base: number,
    readonly size: number,
    readonly handler: MmioHandler,
    readonly name: string,
    readonly priority: number,
  ) {}
  move(base: number): void {
    this.base = base;
  }
  unmap(): void {
    this.base = -1;
    this.owner.remove(this);
  }
}

/**
 * An {@link MmioRegistry} that dispatches 8/16/32-bit accesses by address,
 * highest priority first, splitting accesses the handler lacks into bytes.
 * Unmapped addresses read all ones.
 */
export class TestMmioBus implements MmioRegistry {
  readonly mappings: TestMapping[] = [];
  mapMmio(base: number, size: number, handler: MmioHandler, options: MmioOptions): MmioMapping {
    const m = new TestMapping(this, base, size, handler, options.name, options.priority ?? 1);
    this.mappings.push(m);
    return m;
  }
  remove(m: TestMapping): void {
    const i = this.mappings.indexOf(m);
    if (i >= 0) this.mappings.splice(i, 1);
  }
  find(addr: number): TestMapping | null {
    let best: TestMapping | null = null;
    for (const m of this.mappings) {
      if (m.base < 0 || addr < m.base || addr >= m.base + m.size) continue;
      if (best === null || m.priority > best.priority) best = m;
    }
    return best;
  }
  /** The mapping named `name`, or undefined. */
  byName(name: string): TestMapping | undefined {
    return this.mappings.find((m) => m.name === name);
  }
  read8(addr: number): number {
    const m = this.find(addr);
    return m ? m.handler.read8(addr - m.base) & 0xff : 0xff;
  }
  read32(addr: number): number {
    const m = this.find(addr);
    if (m?.handler.read32) return m.handler.read32(addr - m.base) >>> 0;
    return (this.read8(addr) | (this.read8(addr + 1) << 8) | (this.read8(addr + 2) << 16) | (this.read8(addr + 3) << 24)) >>> 0;
  }
  write8(addr: number, value: number): void {
    const m = this.find(addr);
    m?.handler.write8(addr - m.base, value & 0xff);
  }
  write32(addr: number, value: number): void {
    const m = this.find(addr);
    if (m?.handler.write32) {
      m.handler.write32(addr - m.base, value >>> 0);
      return;
    }
    for (let i = 0; i < 4; i++) this.write8(addr + i, (value >>> (8 * i)) & 0xff);
  }
}

/** A DeviceContext over fakes, with handles to each. */
export interface TestContext extends DeviceContext {
  readonly ports: StrictPortBus;
  readonly mmio: TestMmioBus;
  readonly memory: RamDmaSpace;
  readonly clock: ManualClock;
  readonly timers: ManualClock;
}

/** Build a test context with `ramSize` bytes of RAM. */
export function testContext(ramSize = 1 << 20): TestContext {
  const clock = new ManualClock();
  return { ports: new StrictPortBus(), mmio: new TestMmioBus(), memory: new RamDmaSpace(ramSize), clock, timers: clock };
}

/** Records power-off and reset requests. */
export class RecordingPlatform implements PlatformControl {
  readonly events: string[] = [];
  requestReset(reason: string): void {
    this.events.push(`reset:${reason}`);
  }
  requestPowerOff(reason: string, code?: number): void {
    this.events.push(`off:${reason}:${code ?? ''}`);
  }
}

/** Records setShadow calls. */
export class RecordingShadow implements ShadowMemoryControl {
  readonly calls: [number, number, boolean, boolean][] = [];
  setShadow(base: number, size: number, readFromRam: boolean, writeToRam: boolean): void {
    this.calls.push([base, size, readFromRam, writeToRam]);
  }
  /** The latest attributes set for the range starting at `base`. */
  last(base: number): [boolean, boolean] | undefined {
    for (let i = this.calls.length - 1; i >= 0; i--) if (this.calls[i]![0] === base) return [this.calls[i]![2], this.calls[i]![3]];
    return undefined;
  }
}
