import { DmaStatus, StateError } from '@vm/bus';
import type { Clock, Device, DeviceContext, DeviceState, DmaSpace, IrqLine, PortIoHandler, RealizeResult, Timer } from '@vm/bus';
import { Crc32 } from './crc32.js';

/**
 * Register offsets from the base port. All registers are little-endian and
 * may be accessed a byte, word or dword at a time.
 */
export const Crc32Reg = {
  /** R/W, 32 bits: guest-physical address of the data. */
  ADDR: 0x0,
  /** R/W, 32 bits: length of the data in bytes. */
  LEN: 0x4,
  /** W: control (START, IRQ_ENABLE). R: status (BUSY, DONE, ERROR). */
  CTRL_STATUS: 0x8,
  /** W: acknowledge: clears DONE and ERROR and lowers the interrupt. */
  ACK: 0x9,
  /** R, 32 bits: the CRC-32 of the last job. */
  RESULT: 0xc,
} as const;

/** Bits of the control register. */
export const Crc32Ctrl = { START: 0x01, IRQ_ENABLE: 0x02 } as const;
/** Bits of the status register. */
export const Crc32Status = { BUSY: 0x01, DONE: 0x02, ERROR: 0x04 } as const;

/** The largest job the accelerator takes; longer ones end in ERROR. */
export const CRC32_MAX_LENGTH = 1 << 20;
/** How long a job takes: a fixed setup time plus a time per byte (ns). */
export const CRC32_TIMING = { setupNs: 2_000, perByteNs: 4 } as const;

/** Configuration of a {@link Crc32Accelerator}. */
export interface Crc32AcceleratorConfig {
  /** Instance name (default `"crc0"`). */
  readonly name?: string;
  /** First of the 16 I/O ports (default 0x120). */
  readonly base?: number;
  /** The interrupt output. */
  readonly irq: IrqLine;
}

/**
 * A made-up "hash accelerator" on 16 I/O ports: the guest writes the
 * address and length of a buffer in guest memory, writes START, and some
 * virtual time later (2 us + 4 ns per byte) the device has read the buffer
 * by DMA, put its CRC-32 in RESULT, set DONE and, if enabled, raised its
 * interrupt, which stays up until the guest writes ACK.
 *
 * It follows the house rules for devices: a pure constructor; ports, timer
 * and DMA only through `realize`; every guest value checked (a length over
 * 1 MiB or a buffer outside RAM ends in ERROR, never in a host exception);
 * no allocation per access; a named, versioned snapshot.
 */
export class Crc32Accelerator implements Device, PortIoHandler {
  /** @inheritDoc */
  readonly name: string;
  /** @inheritDoc */
  readonly stateName = 'crc32-accelerator';
  /** @inheritDoc */
  readonly stateVersion = 1;
  /** First I/O port. */
  readonly base: number;
  private readonly irq: IrqLine;
  private readonly crc: Crc32;
  private readonly chunk: Uint8Array;
  private addr: number;
  private len: number;
  private status: number;
  private irqEnabled: boolean;
  private result: number;
  private dma: DmaSpace | null;
  private clock: Clock | null;
  private timer: Timer | null;

  /** @param config ports and interrupt wire */
  constructor(config: Crc32AcceleratorConfig) {
    this.name = config.name ?? 'crc0';
    this.base = config.base ?? 0x120;
    this.irq = config.irq;
    this.crc = new Crc32();
    this.chunk = new Uint8Array(4096);
    this.addr = 0;
    this.len = 0;
    this.status = 0;
    this.irqEnabled = false;
    this.result = 0;
    this.dma = null;
    this.clock = null;
    this.timer = null;
  }

  /** @inheritDoc */
  realize(ctx: DeviceContext): RealizeResult {
    try {
      ctx.ports.register(this.base, 16, this, this.name);
    } catch (e) {
      return { ok: false, error: (e as Error).message };
    }
    this.dma = ctx.memory;
    this.clock = ctx.clock;
    this.timer = ctx.timers.createTimer(`${this.name}.done`, () => this.finish());
    return { ok: true };
  }

  // ---------------------------------------------------------------- ports

  /** @inheritDoc */
  read8(offset: number): number {
    switch (offset) {
      case Crc32Reg.CTRL_STATUS:
        return this.status;
      default:
        if (offset < 4) return (this.addr >>> (offset * 8)) & 0xff;
        if (offset < 8) return (this.len >>> ((offset - 4) * 8)) & 0xff;
        if (offset >= 0xc) return (this.result >>> ((offset - 0xc) * 8)) & 0xff;
        return 0;
    }
  }

  /** @inheritDoc */
  write8(offset: number, value: number): void {
    if (offset < 4) this.addr = replaceByte(this.addr, offset, value);
    else if (offset < 8) this.len = replaceByte(this.len, offset - 4, value);
    else if (offset === Crc32Reg.CTRL_STATUS) this.control(value);
    else if (offset === Crc32Reg.ACK) this.acknowledge();
    // RESULT and the reserved ports ignore writes.
  }

  /** @inheritDoc */
  read32(offset: number): number {
    if (offset === Crc32Reg.ADDR) return this.addr;
    if (offset === Crc32Reg.LEN) return this.len;
    if (offset === Crc32Reg.RESULT) return this.result;
    return (this.read8(offset) | (this.read8(offset + 1) << 8) | (this.read8(offset + 2) << 16) | (this.read8(offset + 3) << 24)) >>> 0;
  }

  /** @inheritDoc */
  write32(offset: number, value: number): void {
    if (offset === Crc32Reg.ADDR) this.addr = value >>> 0;
    else if (offset === Crc32Reg.LEN) this.len = value >>> 0;
    else for (let i = 0; i < 4; i++) this.write8(offset + i, (value >>> (i * 8)) & 0xff);
  }

  // ---------------------------------------------------------------- behaviour

  private control(value: number): void {
    this.irqEnabled = (value & Crc32Ctrl.IRQ_ENABLE) !== 0;
    // START while busy is ignored: the job in flight keeps its parameters.
    if ((value & Crc32Ctrl.START) === 0 || this.status & Crc32Status.BUSY) return;
    this.status = Crc32Status.BUSY;
    const bytes = this.len <= CRC32_MAX_LENGTH ? this.len : 0;
    this.timer!.arm(this.clock!.now() + CRC32_TIMING.setupNs + bytes * CRC32_TIMING.perByteNs);
  }

  /** The job's time is up: read the buffer, publish the result, interrupt. */
  private finish(): void {
    let ok = this.len <= CRC32_MAX_LENGTH;
    if (ok) {
      const dma = this.dma!;
      this.crc.reset();
      for (let done = 0; done < this.len; ) {
        const n = Math.min(this.chunk.length, this.len - done);
        const view = n === this.chunk.length ? this.chunk : this.chunk.subarray(0, n);
        // A buffer running past 4 GiB or outside RAM/ROM is the guest's error, reported in STATUS.
        if (this.addr + done + n > 0x100000000 || dma.read(this.addr + done, view) !== DmaStatus.Ok) {
          ok = false;
          break;
        }
        this.crc.update(view, n);
        done += n;
      }
    }
    this.result = ok ? this.crc.digest() : 0;
    this.status = ok ? Crc32Status.DONE : Crc32Status.DONE | Crc32Status.ERROR;
    if (this.irqEnabled) this.irq.raise();
  }

  private acknowledge(): void {
    this.status &= Crc32Status.BUSY;
    this.irq.lower();
  }

  // ---------------------------------------------------------------- lifecycle

  /** @inheritDoc */
  reset(): void {
    this.addr = 0;
    this.len = 0;
    this.status = 0;
    this.irqEnabled = false;
    this.result = 0;
    this.timer?.disarm();
    this.irq.lower();
  }

  /** @inheritDoc */
  destroy(): void {
    this.timer?.disarm();
  }

  /** @inheritDoc */
  snapshot(): DeviceState {
    return {
      name: this.stateName,
      version: this.stateVersion,
      fields: { addr: this.addr, len: this.len, status: this.status, irqEnabled: this.irqEnabled, result: this.result },
    };
  }

  /** @inheritDoc */
  restore(state: DeviceState): void {
    if (state.name !== this.stateName) throw new StateError(`${this.name}: state "${state.name}" is not a ${this.stateName}`);
    if (state.version !== 1) throw new StateError(`${this.name}: unsupported state version ${state.version}`);
    const f = state.fields;
    for (const k of ['addr', 'len', 'status', 'result'] as const)
      if (typeof f[k] !== 'number' || !Number.isInteger(f[k]) || (f[k] as number) < 0 || (f[k] as number) > 0xffffffff)
        throw new StateError(`${this.name}: field ${k} is not a 32-bit value`);
    this.addr = f.addr as number;
    this.len = f.len as number;
    this.status = (f.status as number) & 7;
    this.result = f.result as number;
    this.irqEnabled = f.irqEnabled === true;
    // The completion timer is re-armed by the machine (saved by name); the IRQ level too.
  }
}

function replaceByte(reg: number, index: number, value: number): number {
  const shift = index * 8;
  return ((reg & ~(0xff << shift)) | ((value & 0xff) << shift)) >>> 0;
}
