import { DmaStatus } from '@vm/bus';
import type {
  DmaSpace,
  Device,
  DeviceContext,
  DeviceState,
  PortIoHandler,
  PortIoRegistry,
  RealizeResult,
  StateRecord,
} from '@vm/bus';
import { FwCfgFeature, FwCfgKey, utf8Bytes } from './fw-cfg-items.js';
import { checkState, readNumber, readRecord, readUint8Array } from './state-helpers.js';

/** Configuration of a {@link FwCfg}. */
export interface FwCfgConfig {
  /** Instance name (default `"fw_cfg"`). */
  readonly name?: string;
  /** Selector/data port base (default 0x510: selector 0x510, data 0x511). */
  readonly ioBase?: number;
  /** DMA address register port (default 0x514); `null` leaves the DMA interface out. */
  readonly dmaPort?: number | null;
}

/** Options for {@link FwCfg.addFile}. */
export interface FwCfgFileOptions {
  /** The guest may write it through DMA (QEMU's `allow_write`). */
  readonly writable?: boolean;
  /** Told after a guest DMA write changed the file. */
  readonly onWrite?: (name: string, data: Uint8Array) => void;
}

/** FWCfgDmaAccess control bits (fw_cfg.rst "DMA interface"). */
export const FwCfgDmaControl = {
  /** Set by the device when the transfer failed. */
  Error: 0x01,
  /** Copy item bytes to guest memory. */
  Read: 0x02,
  /** Advance the item offset. */
  Skip: 0x04,
  /** Select the item in bits 31:16 first. */
  Select: 0x08,
  /** Copy guest memory into a writable item. */
  Write: 0x10,
} as const;

/** Selector values beyond the 14-bit key space are masked; 0x4000 (legacy write flag) is ignored. */
const KEY_MASK = 0xbfff;
const MAX_FILES = 0x3fff - FwCfgKey.FileFirst;
/** "QEMU CFG", big-endian, read back from the DMA address register. */
const DMA_SIGNATURE = [0x51, 0x45, 0x4d, 0x55, 0x20, 0x43, 0x46, 0x47] as const;

function bswap32(v: number): number {
  return (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24)) >>> 0;
}

class FwCfgItem {
  constructor(
    public data: Uint8Array,
    readonly name: string,
    readonly writable: boolean,
    readonly onWrite: ((name: string, data: Uint8Array) => void) | null,
  ) {}
}

/** Selector (16-bit write) and data (byte read) ports. */
class FwCfgIoPorts implements PortIoHandler {
  constructor(private readonly dev: FwCfg) {}
  read8(_offset: number): number {
    return this.dev.readDataByte();
  }
  write8(_offset: number, _value: number): void {
    // Byte writes reach the data register, which is read-only.
  }
  write16(_offset: number, value: number): void {
    this.dev.select(value & 0xffff);
  }
}

/** The 64-bit big-endian DMA address register: high half at +0, low half (which starts the transfer) at +4. */
class FwCfgDmaPorts implements PortIoHandler {
  constructor(private readonly dev: FwCfg) {}
  read8(offset: number): number {
    return DMA_SIGNATURE[offset & 7]!;
  }
  read32(offset: number): number {
    const o = offset & 4;
    return (DMA_SIGNATURE[o]! | (DMA_SIGNATURE[o + 1]! << 8) | (DMA_SIGNATURE[o + 2]! << 16) | (DMA_SIGNATURE[o + 3]! << 24)) >>> 0;
  }
  write8(_offset: number, _value: number): void {
    // Only 32-bit accesses to the address register are valid.
  }
  write32(offset: number, value: number): void {
    // The register is big-endian: the byte at the lowest port is the most significant.
    const v = bswap32(value);
    if (offset === 0) this.dev.dmaAddressHigh = v;
    else if (offset === 4) this.dev.startDma(v);
  }
}

/**
 * QEMU's firmware configuration device, so SeaBIOS finds its configuration
 * the way it does on QEMU: a 16-bit selector at 0x510, a byte data port at
 * 0x511 reading the selected item sequentially, and the DMA interface at
 * 0x514 (write the guest-physical address of an FWCfgDmaAccess descriptor,
 * big-endian; the device performs select/read/skip/write and clears the
 * control word, or sets its error bit). Items are the signature, the feature
 * ID, numbered legacy items set with {@link setItem}, and named files with a
 * directory ({@link addFile}).
 *
 * Every guest-supplied descriptor address, buffer address and length goes
 * through the DmaSpace; anything outside RAM ends the transfer with the error
 * bit set.
 *
 * @example
 * const fw = new FwCfg();
 * fw.setItem(FwCfgKey.RamSize, fwCfgUint(128 << 20, 8));
 * fw.setItem(FwCfgKey.NbCpus, fwCfgUint(1, 2));
 * fw.addFile('etc/e820', encodeE820([{ address: 0, length: 128 << 20, type: E820Type.Ram }]));
 * fw.addFile('bootorder', encodeBootOrder(['/pci@i0cf8/scsi@3/disk@0,0']));
 */
export class FwCfg implements Device {
  /** @inheritDoc */
  readonly name: string;
  /** @inheritDoc */
  readonly stateName = 'fw-cfg';
  /** @inheritDoc */
  readonly stateVersion = 1;
  /** @internal high half of the DMA address register. */
  dmaAddressHigh = 0;
  private readonly ioBase: number;
  private readonly dmaPort: number | null;
  private readonly items = new Map<number, FwCfgItem>();
  private readonly files: { key: number; item: FwCfgItem }[] = [];
  private selector = 0;
  private current: FwCfgItem | null = null;
  private offset = 0;
  private memory: DmaSpace | null = null;
  private readonly desc = new Uint8Array(16);
  private readonly descView = new DataView(this.desc.buffer);
  private readonly zeros = new Uint8Array(4096);
  private readonly ioPorts = new FwCfgIoPorts(this);
  private readonly dmaPorts = new FwCfgDmaPorts(this);
  private ports: PortIoRegistry | null = null;

  /** @param config ports */
  constructor(config: FwCfgConfig = {}) {
    this.name = config.name ?? 'fw_cfg';
    this.ioBase = config.ioBase ?? 0x510;
    this.dmaPort = config.dmaPort === undefined ? 0x514 : config.dmaPort;
    this.setItem(FwCfgKey.Signature, new Uint8Array([0x51, 0x45, 0x4d, 0x55]));
    const id = FwCfgFeature.Traditional | (this.dmaPort !== null ? FwCfgFeature.Dma : 0);
    this.setItem(FwCfgKey.Id, new Uint8Array([id, 0, 0, 0]));
    this.rebuildDirectory();
    this.select(0);
  }

  /**
   * Set a numbered item (a {@link FwCfgKey} value, or an arch key 0x8000+).
   * @throws RangeError for keys in the file range or out of range
   */
  setItem(key: number, data: Uint8Array): void {
    if (!Number.isInteger(key) || key < 0 || (key & ~KEY_MASK) !== 0 || (key >= FwCfgKey.FileFirst && key < 0x4000))
      throw new RangeError(`fw_cfg key 0x${key.toString(16)} is not a legacy item key`);
    this.items.set(key, new FwCfgItem(data, '', false, null));
  }

  /**
   * Add a named file (replacing one of the same name) and list it in the
   * directory. Returns its selector key.
   * @throws RangeError for a name over 55 bytes or too many files
   */
  addFile(name: string, data: Uint8Array, options: FwCfgFileOptions = {}): number {
    const nameBytes = utf8Bytes(name);
    if (nameBytes.length === 0 || nameBytes.length > 55) throw new RangeError(`fw_cfg file name "${name}" must be 1..55 bytes`);
    const item = new FwCfgItem(data, name, options.writable === true, options.onWrite ?? null);
    const existing = this.files.find((f) => f.item.name === name);
    let key: number;
    if (existing !== undefined) {
      existing.item = item;
      key = existing.key;
    } else {
      if (this.files.length >= MAX_FILES) throw new RangeError('fw_cfg file table is full');
      key = FwCfgKey.FileFirst + this.files.length;
      this.files.push({ key, item });
    }
    this.items.set(key, item);
    this.rebuildDirectory();
    if (this.selector === key) this.select(key);
    return key;
  }

  /** The contents of file `name`, or null (e.g. to read back what the guest wrote). */
  file(name: string): Uint8Array | null {
    return this.files.find((f) => f.item.name === name)?.item.data ?? null;
  }

  /** @inheritDoc */
  realize(ctx: DeviceContext): RealizeResult {
    try {
      ctx.ports.register(this.ioBase, 2, this.ioPorts, `${this.name}.io`);
      if (this.dmaPort !== null) {
        try {
          ctx.ports.register(this.dmaPort, 8, this.dmaPorts, `${this.name}.dma`);
        } catch (e) {
          ctx.ports.unregister(this.ioBase, 2);
          throw e;
        }
      }
    } catch (e) {
      return { ok: false, error: `${this.name}: ${(e as Error).message}` };
    }
    this.memory = ctx.memory;
    this.ports = ctx.ports;
    return { ok: true };
  }

  /** @inheritDoc */
  reset(): void {
    this.dmaAddressHigh = 0;
    this.select(0);
  }

  /** @inheritDoc */
  destroy(): void {
    if (this.ports !== null) {
      this.ports.unregister(this.ioBase, 2);
      if (this.dmaPort !== null) this.ports.unregister(this.dmaPort, 8);
    }
    this.ports = null;
    this.memory = null;
  }

  /** @internal selector write: pick an item and rewind. */
  select(key: number): void {
    this.selector = key & KEY_MASK;
    this.current = this.items.get(this.selector) ?? null;
    this.offset = 0;
  }

  /** @internal data port read: the next byte of the selected item, 0 past its end. */
  readDataByte(): number {
    const item = this.current;
    if (item === null || this.offset >= item.data.length) return 0;
    return item.data[this.offset++]!;
  }

  /** @internal low half of the DMA address written: run the descriptor at that address. */
  startDma(low: number): void {
    const high = this.dmaAddressHigh;
    this.dmaAddressHigh = 0;
    const mem = this.memory;
    if (mem === null || high !== 0) return; // nowhere to report: memory above 4 GiB is not addressable
    const addr = low >>> 0;
    if (addr > 0xfffffff0 || mem.read(addr, this.desc) !== DmaStatus.Ok) {
      this.writeControl(mem, addr, FwCfgDmaControl.Error);
      return;
    }
    const control = this.descView.getUint32(0, false);
    const length = this.descView.getUint32(4, false);
    const bufHigh = this.descView.getUint32(8, false);
    const bufLow = this.descView.getUint32(12, false);
    if ((control & FwCfgDmaControl.Select) !== 0) this.select(control >>> 16);
    let ok = true;
    if ((control & FwCfgDmaControl.Read) !== 0) ok = bufHigh === 0 && this.dmaRead(mem, bufLow, length);
    else if ((control & FwCfgDmaControl.Write) !== 0) ok = bufHigh === 0 && this.dmaWrite(mem, bufLow, length);
    else if ((control & FwCfgDmaControl.Skip) !== 0) this.offset = Math.min(this.offset + length, 0x100000000);
    this.writeControl(mem, addr, ok ? 0 : FwCfgDmaControl.Error);
  }

  /** @inheritDoc */
  snapshot(): DeviceState {
    const writable: Record<string, Uint8Array> = {};
    for (const f of this.files) if (f.item.writable) writable[f.item.name] = f.item.data.slice();
    return {
      name: this.stateName,
      version: this.stateVersion,
      fields: { selector: this.selector, offset: this.offset, dmaAddressHigh: this.dmaAddressHigh, writable },
    };
  }

  /** @inheritDoc */
  restore(state: DeviceState): void {
    checkState(state, this.stateName, this.stateVersion);
    const f = state.fields;
    const selector = readNumber(f, 'selector');
    const offset = readNumber(f, 'offset');
    const high = readNumber(f, 'dmaAddressHigh');
    const writable: StateRecord = readRecord(f, 'writable');
    const restored: [FwCfgItem, Uint8Array][] = [];
    for (const file of this.files) {
      if (file.item.writable && writable[file.item.name] !== undefined)
        restored.push([file.item, readUint8Array(writable, file.item.name, -1).slice()]);
    }
    for (const [item, data] of restored) item.data = data;
    this.select(selector & 0xffff);
    this.offset = Math.max(0, Math.floor(offset));
    this.dmaAddressHigh = high >>> 0;
  }

  private writeControl(mem: DmaSpace, addr: number, control: number): void {
    // The control word is big-endian in guest memory.
    mem.write32(addr, bswap32(control));
  }

  /** Copy `length` bytes of the item to guest `addr`; past the item's end the guest gets zeros. */
  private dmaRead(mem: DmaSpace, addr: number, length: number): boolean {
    const item = this.current;
    let remaining = length;
    let a = addr;
    if (item !== null && this.offset < item.data.length) {
      const n = Math.min(remaining, item.data.length - this.offset);
      if (a + n > 0x100000000) return false;
      const status = mem.write(a, item.data.subarray(this.offset, this.offset + n));
      this.offset += n;
      if (status !== DmaStatus.Ok) return false;
      a += n;
      remaining -= n;
    }
    while (remaining > 0) {
      const n = Math.min(remaining, this.zeros.length);
      if (a + n > 0x100000000) return false;
      if (mem.write(a, n === this.zeros.length ? this.zeros : this.zeros.subarray(0, n)) !== DmaStatus.Ok) return false;
      a += n;
      remaining -= n;
    }
    return true;
  }

  /** Copy `length` bytes from guest `addr` into a writable item (never growing it). */
  private dmaWrite(mem: DmaSpace, addr: number, length: number): boolean {
    const item = this.current;
    if (item === null || !item.writable) return false;
    if (length === 0) return true;
    if (this.offset >= item.data.length || this.offset + length > item.data.length) return false;
    if (addr + length > 0x100000000) return false;
    const status = mem.read(addr, item.data.subarray(this.offset, this.offset + length));
    this.offset += length;
    if (status !== DmaStatus.Ok) return false;
    item.onWrite?.(item.name, item.data);
    return true;
  }

  /** FILE_DIR: u32 BE count, then per file u32 BE size, u16 BE key, u16 reserved, 56-byte name. */
  private rebuildDirectory(): void {
    const dir = new Uint8Array(4 + 64 * this.files.length);
    const view = new DataView(dir.buffer);
    view.setUint32(0, this.files.length, false);
    this.files.forEach((f, i) => {
      const o = 4 + 64 * i;
      view.setUint32(o, f.item.data.length, false);
      view.setUint16(o + 4, f.key, false);
      dir.set(utf8Bytes(f.item.name), o + 8);
    });
    this.items.set(FwCfgKey.FileDir, new FwCfgItem(dir, '', false, null));
    if (this.selector === FwCfgKey.FileDir) this.current = this.items.get(FwCfgKey.FileDir)!;
  }
}
