import type {
  Device,
  DeviceContext,
  DeviceState,
  PciFunction,
  PciIdentity,
  PciSlotContext,
  RealizeResult,
  ShadowMemoryControl,
} from '@vm/bus';
import { ConfigBytes } from './config-bytes.js';
import { checkState, readUint8Array } from './state-helpers.js';

/**
 * Where the host bridge reports its SMRAM window state (82441FX SMRAM
 * register, offset 0x72): while open, non-SMM accesses to 0xA0000..0xBFFFF
 * reach RAM instead of the VGA range.
 */
export interface SmramControl {
  /** @param open RAM (true) or the PCI/VGA range (false) at 0xA0000..0xBFFFF */
  setSmramOpen(open: boolean): void;
}

/** Configuration of an {@link I440fxHostBridge}. */
export interface I440fxHostBridgeConfig {
  /** Instance name (default `"i440fx"`). */
  readonly name?: string;
  /** Receives the PAM (shadow RAM) attributes of 0xC0000..0xFFFFF. */
  readonly shadow: ShadowMemoryControl;
  /** Receives the SMRAM window state (optional). */
  readonly smram?: SmramControl;
  /**
   * Subsystem vendor/device. Default 0x1af4/0x1100, the values SeaBIOS
   * checks to recognise a QEMU-compatible board and use fw_cfg.
   */
  readonly subsystemVendorId?: number;
  /** See {@link subsystemVendorId}. */
  readonly subsystemId?: number;
}

/** 82441FX PAM0 register offset (0x59); PAM1..PAM6 follow. */
export const I440FX_PAM0 = 0x59;
/** 82441FX SMRAM register offset. */
export const I440FX_SMRAM = 0x72;

const SMRAM_D_OPEN = 0x40;
const SMRAM_D_CLS = 0x20;
const SMRAM_D_LCK = 0x10;
const SMRAM_G_SMRAME = 0x08;
/** C_BASE_SEG is hardwired to 010b: SMRAM at 0xA0000. */
const SMRAM_C_BASE_SEG = 0x02;

/**
 * The i440FX PCI and memory controller (82441FX, 8086:1237), function 0.0:
 * its identity plus the registers firmware uses: the seven PAM registers
 * (0x59..0x5f) that give each 16 KiB range of 0xC0000..0xFFFFF (64 KiB for
 * PAM0's 0xF0000) read-enable and write-enable attributes (82441FX
 * datasheet section 3.2.17), passed to a {@link ShadowMemoryControl}, and the
 * SMRAM register with its lock. DRAM row boundaries and timing registers are
 * plain storage.
 */
export class I440fxHostBridge implements PciFunction, Device {
  /** @inheritDoc */
  readonly name: string;
  /** @inheritDoc */
  readonly stateName = 'i440fx-host-bridge';
  /** @inheritDoc */
  readonly stateVersion = 1;
  /** @inheritDoc */
  readonly identity: PciIdentity;
  /** @inheritDoc */
  readonly bars = [];
  /** @inheritDoc */
  readonly interruptPin = 0;
  private readonly config = new ConfigBytes();
  private readonly shadow: ShadowMemoryControl;
  private readonly smram: SmramControl | null;

  /** @param config wires and identity overrides */
  constructor(config: I440fxHostBridgeConfig) {
    this.name = config.name ?? 'i440fx';
    this.shadow = config.shadow;
    this.smram = config.smram ?? null;
    this.identity = {
      vendorId: 0x8086,
      deviceId: 0x1237,
      revisionId: 0x02,
      classCode: 0x060000,
      subsystemVendorId: config.subsystemVendorId ?? 0x1af4,
      subsystemId: config.subsystemId ?? 0x1100,
    };
    const c = this.config;
    c.define(0x50, 2, 0x0000, 0xffff); // PMCCFG, DETURBO
    c.define(0x53, 1, 0x80, 0xff); // DBC
    c.define(0x55, 2, 0x0000, 0xffff); // DRT
    c.define(0x57, 1, 0x01, 0xff); // DRAMC
    c.define(0x58, 1, 0x10, 0xff); // DRAMT
    c.define(I440FX_PAM0, 1, 0x00, 0x70); // PAM0: only the 0xF0000 nibble exists
    for (let i = 1; i <= 6; i++) c.define(I440FX_PAM0 + i, 1, 0x00, 0x77);
    c.define(0x60, 8, 0x01010101, 0xffffffff); // DRB0..3
    c.define(0x64, 4, 0x01010101, 0xffffffff); // DRB4..7
    c.define(0x68, 1, 0x00, 0xc0); // FDHC
    c.define(0x70, 2, 0x0010, 0xfff8); // MTT, CLT
    c.define(I440FX_SMRAM, 1, SMRAM_C_BASE_SEG, 0); // written through writeSmram
    c.define(0x90, 1, 0x00, 0xff); // ERRCMD
    c.define(0x91, 1, 0x00, 0x00); // ERRSTS
    c.define(0x93, 1, 0x00, 0x06); // TRC
    c.reset();
  }

  /** @inheritDoc */
  realize(_ctx: DeviceContext): RealizeResult {
    this.applyAllPam();
    return { ok: true };
  }

  /** @inheritDoc */
  reset(): void {
    this.config.reset();
    this.applyAllPam();
    this.smram?.setSmramOpen(false);
  }

  /** @inheritDoc */
  destroy(): void {}

  /** @inheritDoc */
  plugged(_slot: PciSlotContext): void {}

  /** @inheritDoc */
  commandChanged(_command: number): void {}

  /** @inheritDoc */
  readConfig(offset: number, width: 1 | 2 | 4): number {
    return this.config.read(offset, width);
  }

  /** @inheritDoc */
  writeConfig(offset: number, width: 1 | 2 | 4, value: number): void {
    const c = this.config;
    let pamTouched = false;
    const before0 = c.read(0x58, 4);
    const before1 = c.read(0x5c, 4);
    c.write(offset, width, value);
    if (ConfigBytes.touches(offset, width, I440FX_SMRAM)) this.writeSmram((value >>> (8 * (I440FX_SMRAM - offset))) & 0xff);
    for (let i = 0; i < 7; i++) if (ConfigBytes.touches(offset, width, I440FX_PAM0 + i)) pamTouched = true;
    if (!pamTouched) return;
    const after0 = c.read(0x58, 4);
    const after1 = c.read(0x5c, 4);
    for (let i = 0; i < 7; i++) {
      const reg = I440FX_PAM0 + i;
      const shift = 8 * (reg & 3);
      const before = ((reg < 0x5c ? before0 : before1) >>> shift) & 0xff;
      const after = ((reg < 0x5c ? after0 : after1) >>> shift) & 0xff;
      if (before !== after) this.applyPam(i, after);
    }
  }

  /** The PAM register values 0x59..0x5f (diagnostics, tests). */
  pamRegisters(): Uint8Array {
    return this.config.bytes.slice(I440FX_PAM0, I440FX_PAM0 + 7);
  }

  /** @inheritDoc */
  snapshot(): DeviceState {
    return { name: this.stateName, version: this.stateVersion, fields: { config: this.config.bytes.slice() } };
  }

  /** @inheritDoc */
  restore(state: DeviceState): void {
    checkState(state, this.stateName, this.stateVersion);
    this.config.bytes.set(readUint8Array(state.fields, 'config', 256));
  }

  /**
   * Re-apply the PAM attributes and the SMRAM window to the memory map (after
   * a whole-machine restore; `restore` itself touches nothing outside the device).
   */
  syncOutputs(): void {
    this.applyAllPam();
    this.smram?.setSmramOpen(this.smramOpen());
  }

  /**
   * SMRAM register (82441FX section 3.2.24): D_LCK sticks until reset and
   * then freezes D_OPEN at 0 and G_SMRAME; C_BASE_SEG is fixed.
   */
  private writeSmram(v: number): void {
    const c = this.config.bytes;
    const old = c[I440FX_SMRAM]!;
    let next: number;
    if ((old & SMRAM_D_LCK) !== 0) {
      next = (old & ~SMRAM_D_CLS & ~SMRAM_D_OPEN) | (v & SMRAM_D_CLS);
    } else {
      next = (v & (SMRAM_D_OPEN | SMRAM_D_CLS | SMRAM_D_LCK | SMRAM_G_SMRAME)) | SMRAM_C_BASE_SEG;
      if ((next & SMRAM_D_LCK) !== 0) next &= ~SMRAM_D_OPEN;
    }
    c[I440FX_SMRAM] = next;
    const wasOpen = (old & (SMRAM_D_OPEN | SMRAM_G_SMRAME)) === (SMRAM_D_OPEN | SMRAM_G_SMRAME);
    if (wasOpen !== this.smramOpen()) this.smram?.setSmramOpen(this.smramOpen());
  }

  private smramOpen(): boolean {
    const v = this.config.bytes[I440FX_SMRAM]!;
    return (v & (SMRAM_D_OPEN | SMRAM_G_SMRAME)) === (SMRAM_D_OPEN | SMRAM_G_SMRAME);
  }

  private applyAllPam(): void {
    for (let i = 0; i < 7; i++) this.applyPam(i, this.config.bytes[I440FX_PAM0 + i]!);
  }

  /**
   * PAMn: bit 0 read enable (RE, reads from DRAM), bit 1 write enable (WE,
   * writes to DRAM), per nibble. PAM0's high nibble covers 0xF0000..0xFFFFF;
   * PAM1..6 cover 0xC0000.. in 16 KiB halves, low nibble first.
   */
  private applyPam(index: number, value: number): void {
    if (index === 0) {
      this.shadow.setShadow(0xf0000, 0x10000, (value & 0x10) !== 0, (value & 0x20) !== 0);
      return;
    }
    const base = 0xc0000 + (index - 1) * 0x8000;
    this.shadow.setShadow(base, 0x4000, (value & 0x01) !== 0, (value & 0x02) !== 0);
    this.shadow.setShadow(base + 0x4000, 0x4000, (value & 0x10) !== 0, (value & 0x20) !== 0);
  }
}
