import type {
  Device,
  DeviceContext,
  DeviceState,
  IrqLine,
  PciFunction,
  PciIdentity,
  PciSlotContext,
  PlatformControl,
  PortIoHandler,
  PortIoRegistry,
  RealizeResult,
  Timer,
  Clock,
} from '@vm/bus';
import { pmTimerNsAt, pmTimerTicksAt } from './acpi-pm-timer.js';
import { ConfigBytes } from './config-bytes.js';
import { checkState, readNumber, readUint8Array } from './state-helpers.js';

/**
 * What the ACPI tables (FADT, DSDT `_S5`, MADT SCI override) must say about
 * the {@link Piix4Pm} for the guest to use it, given that firmware (SeaBIOS)
 * programs PMBASE to {@link PIIX4_PM_DEFAULTS.pmBase}.
 */
export const PIIX4_PM_DEFAULTS = {
  /** PCI location of the function on QEMU-style boards: device 1 function 3. */
  pciDevice: 1,
  /** See {@link PIIX4_PM_DEFAULTS.pciDevice}. */
  pciFunction: 3,
  /** PMBASE SeaBIOS programs (its `PORT_ACPI_PM_BASE`); the block is 64 ports. */
  pmBase: 0xb000,
  /** FADT PM1a_EVT_BLK (PM1 status at +0, enable at +2). */
  pm1aEventBlock: 0xb000,
  /** FADT PM1_EVT_LEN. */
  pm1EventLength: 4,
  /** FADT PM1a_CNT_BLK. */
  pm1aControlBlock: 0xb004,
  /** FADT PM1_CNT_LEN. */
  pm1ControlLength: 2,
  /** FADT PM_TMR_BLK. */
  pmTimerBlock: 0xb008,
  /** FADT PM_TMR_LEN. */
  pmTimerLength: 4,
  /** FADT GPE0_BLK (PIIX4 GPSTS/GPEN at PMBASE+0x0c). */
  gpe0Block: 0xb00c,
  /** FADT GPE0_BLK_LEN. */
  gpe0BlockLength: 4,
  /** FADT SCI_INT: ISA IRQ 9, level, active high in the MADT override. */
  sciInterrupt: 9,
  /** FADT SMI_CMD: the APM control port. */
  smiCommandPort: 0xb2,
  /** FADT ACPI_ENABLE: written to SMI_CMD to set SCI_EN. */
  acpiEnable: 0xf1,
  /** FADT ACPI_DISABLE: written to SMI_CMD to clear SCI_EN. */
  acpiDisable: 0xf0,
  /** DSDT `_S5` package value (SLP_TYP for soft-off): `Name (_S5, Package () { 0, 0 })`. */
  s5SleepType: 0,
  /** FADT flags TMR_VAL_EXT: false, the timer is 24 bits wide (config `timer32Bit` changes it). */
  timerValExt: false,
} as const;

/** PM1 status/enable bits (ACPI 6.4 table 4.16/4.17). */
export const Pm1Event = {
  /** PM timer MSB toggled. */
  Timer: 0x0001,
  /** Bus master activity. */
  BusMaster: 0x0010,
  /** Global (BIOS release) event. */
  Global: 0x0020,
  /** Power button pressed. */
  PowerButton: 0x0100,
  /** RTC alarm. */
  Rtc: 0x0400,
  /** Woke from sleep. */
  Wake: 0x8000,
} as const;

const PM1_STS_RW1C = 0x8d31;
const PM1_EN_WRITABLE = 0x0521;
const PM1_CNT_SCI_EN = 0x0001;
const PM1_CNT_WRITABLE = 0x1c03;
const SLP_EN = 0x2000;
/** PMREGMISC (0x80) bit 0: PM I/O space enable. */
const PMIOSE = 0x01;
/** DEVACTB bit 25: APMC (port 0xB2) SMI enable. */
const DEVACTB_APMC_EN = 0x02000000;
const PMBASE_REG = 0x40;
const PMREGMISC_REG = 0x80;
const DEVACTB_REG = 0x58;
const PM_IO_SIZE = 64;

/** Configuration of a {@link Piix4Pm}. */
export interface Piix4PmConfig {
  /** Instance name (default `"piix4-pm"`). */
  readonly name?: string;
  /** The SCI wire (ISA IRQ 9 on the PC; share it through a {@link WiredOrIrq}). */
  readonly sci: IrqLine;
  /** Where S5 soft-off (and a legacy power-button press) goes. */
  readonly platform: PlatformControl;
  /** 32-bit PM timer instead of 24-bit (the FADT's TMR_VAL_EXT must match). Default false. */
  readonly timer32Bit?: boolean;
  /**
   * SMM is not modelled: by default DEVACTB's APMC_EN reads as already set,
   * which tells SeaBIOS SMM setup is done (it would otherwise wait for an SMI
   * that never comes), as QEMU does without SMM.
   */
  readonly smmEnabled?: boolean;
  /**
   * Start (and reset) in ACPI mode with SCI_EN set. Use it when the FADT's
   * SMI_CMD is 0: the OS then takes the hardware as always in ACPI mode and
   * never writes ACPI_ENABLE, so SCIs would otherwise stay gated. Default false
   * (legacy mode until ACPI_ENABLE reaches port 0xB2, as on QEMU).
   */
  readonly acpiModeAtReset?: boolean;
  /**
   * Program PMBASE to this port and set PMREGMISC at reset, for boots that
   * skip the firmware that normally does it (direct kernel boot). Default:
   * none, the hardware reset state (firmware sets 0xB000, see
   * {@link PIIX4_PM_DEFAULTS}).
   */
  readonly initialPmBase?: number;
  /** Subsystem vendor/device (default 0x1af4/0x1100). */
  readonly subsystemVendorId?: number;
  /** See {@link subsystemVendorId}. */
  readonly subsystemId?: number;
}

/** The 64-port PM register block at PMBASE. */
class PmIoPorts implements PortIoHandler {
  constructor(private readonly pm: Piix4Pm) {}
  read8(offset: number): number {
    return (this.pm.readDword(offset & ~3) >>> ((offset & 3) * 8)) & 0xff;
  }
  read16(offset: number): number {
    if ((offset & 3) === 3) return this.read8(offset) | (this.read8(offset + 1) << 8);
    return (this.pm.readDword(offset & ~3) >>> ((offset & 3) * 8)) & 0xffff;
  }
  read32(offset: number): number {
    if ((offset & 3) === 0) return this.pm.readDword(offset);
    return (this.read16(offset) | (this.read16(offset + 2) << 16)) >>> 0;
  }
  write8(offset: number, value: number): void {
    this.pm.writeByte(offset, value & 0xff);
    this.pm.updateSci();
  }
  write16(offset: number, value: number): void {
    this.pm.writeByte(offset, value & 0xff);
    this.pm.writeByte(offset + 1, (value >>> 8) & 0xff);
    this.pm.updateSci();
  }
  write32(offset: number, value: number): void {
    for (let i = 0; i < 4; i++) this.pm.writeByte(offset + i, (value >>> (8 * i)) & 0xff);
    this.pm.updateSci();
  }
}

/** APM control (0xB2) and status (0xB3) ports. */
class ApmPorts implements PortIoHandler {
  constructor(private readonly pm: Piix4Pm) {}
  read8(offset: number): number {
    return offset === 0 ? this.pm.apmControl : this.pm.apmStatus;
  }
  write8(offset: number, value: number): void {
    if (offset === 0) this.pm.apmCommand(value & 0xff);
    else this.pm.apmStatus = value & 0xff;
  }
}

/**
 * The PIIX4 power management function (82371AB function 3, 8086:7113) as
 * QEMU's pc board exposes it next to a PIIX3: PMBASE (config 0x40) and
 * PMREGMISC (0x80) place and enable a 64-port block holding PM1 status,
 * enable and control, the ACPI PM timer (3.579545 MHz, 24 or 32 bits, from
 * virtual time) and GPE0 status/enable; the SCI is raised while an enabled
 * event is pending and SCI_EN is set. Writing SLP_TYP with SLP_EN enters a
 * sleep state: S5 powers the machine off. APM port 0xB2 takes the FADT's
 * ACPI_ENABLE/ACPI_DISABLE commands. SMBus is absent.
 */
export class Piix4Pm implements PciFunction, Device {
  /** @inheritDoc */
  readonly name: string;
  /** @inheritDoc */
  readonly stateName = 'piix4-pm';
  /** @inheritDoc */
  readonly stateVersion = 1;
  /** @inheritDoc */
  readonly identity: PciIdentity;
  /** @inheritDoc */
  readonly bars = [];
  /** @inheritDoc */
  readonly interruptPin = 1;
  /** Last value written to APM control (0xB2). */
  apmControl = 0;
  /** APM status scratch register (0xB3). */
  apmStatus = 0;
  private readonly config = new ConfigBytes();
  private readonly sci: IrqLine;
  private readonly platform: PlatformControl;
  private readonly msbShift: number;
  private readonly resetCnt: number;
  private readonly counterMask: number;
  private pm1Sts = 0;
  private pm1En = 0;
  private pm1Cnt = 0;
  private gpeSts = 0;
  private gpeEn = 0;
  /** Count of timer-MSB toggles already reported (TMR_STS is set while more have happened). */
  private timerFlipsSeen = 0;
  private sciLevel = false;
  private ioBase = -1;
  private ports: PortIoRegistry | null = null;
  private clock: Clock | null = null;
  private overflowTimer: Timer | null = null;
  private readonly pmIo = new PmIoPorts(this);
  private readonly apm = new ApmPorts(this);

  /** @param config SCI wire, platform control, options */
  constructor(config: Piix4PmConfig) {
    this.name = config.name ?? 'piix4-pm';
    this.sci = config.sci;
    this.platform = config.platform;
    this.msbShift = config.timer32Bit === true ? 31 : 23;
    this.counterMask = config.timer32Bit === true ? 0x100000000 : 0x1000000;
    this.resetCnt = config.acpiModeAtReset === true ? PM1_CNT_SCI_EN : 0;
    const pmBase = config.initialPmBase;
    if (pmBase !== undefined && (!Number.isInteger(pmBase) || pmBase <= 0 || pmBase > 0xffc0 || (pmBase & 0x3f) !== 0))
      throw new RangeError(`initialPmBase 0x${pmBase.toString(16)} is not a 64-port aligned I/O address`);
    this.identity = {
      vendorId: 0x8086,
      deviceId: 0x7113,
      revisionId: 0x03,
      classCode: 0x068000,
      subsystemVendorId: config.subsystemVendorId ?? 0x1af4,
      subsystemId: config.subsystemId ?? 0x1100,
    };
    const c = this.config;
    c.define(PMBASE_REG, 4, (pmBase ?? 0) | 0x00000001, 0x0000ffc0);
    c.define(0x44, 4, 0, 0xffffffff); // CNTA
    c.define(0x48, 4, 0, 0xffffffff); // CNTB
    c.define(0x4c, 4, 0, 0xffffffff); // GPICTL
    c.define(0x50, 4, 0, 0xffffffff); // DEVRESD
    c.define(0x54, 4, 0, 0xffffffff); // DEVACTA
    c.define(DEVACTB_REG, 4, config.smmEnabled === true ? 0 : DEVACTB_APMC_EN, 0xffffffff);
    for (let r = 0x5c; r < 0x80; r += 4) c.define(r, 4, 0, 0xffffffff); // DEVRESA..J
    c.define(PMREGMISC_REG, 1, pmBase !== undefined ? PMIOSE : 0, PMIOSE);
    c.reset();
    this.pm1Cnt = this.resetCnt;
  }

  /** @inheritDoc */
  realize(ctx: DeviceContext): RealizeResult {
    try {
      ctx.ports.register(0xb2, 2, this.apm, `${this.name}.apm`);
    } catch (e) {
      return { ok: false, error: `${this.name}: ${(e as Error).message}` };
    }
    this.ports = ctx.ports;
    this.clock = ctx.clock;
    this.overflowTimer = ctx.timers.createTimer(`${this.name}.tmr`, () => this.updateSci());
    this.timerFlipsSeen = this.timerFlips();
    this.updatePmIo();
    return { ok: true };
  }

  /** @inheritDoc */
  reset(): void {
    this.config.reset();
    this.pm1Sts = 0;
    this.pm1En = 0;
    this.pm1Cnt = this.resetCnt;
    this.gpeSts = 0;
    this.gpeEn = 0;
    this.apmControl = 0;
    this.apmStatus = 0;
    this.timerFlipsSeen = this.timerFlips();
    this.updatePmIo();
    this.updateSci();
  }

  /** @inheritDoc */
  destroy(): void {
    this.overflowTimer?.disarm();
    if (this.ports !== null) {
      if (this.ioBase >= 0) this.ports.unregister(this.ioBase, PM_IO_SIZE);
      this.ports.unregister(0xb2, 2);
    }
    this.ioBase = -1;
    this.ports = null;
  }

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
    this.config.write(offset, width, value);
    if ((offset < PMBASE_REG + 2 && offset + width > PMBASE_REG) || ConfigBytes.touches(offset, width, PMREGMISC_REG))
      this.updatePmIo();
  }

  /** The PM timer value now (24 or 32 bits). */
  timerValue(): number {
    return pmTimerTicksAt(this.now()) % this.counterMask >>> 0;
  }

  /** The port base the PM block decodes at, or -1 (diagnostics, tests). */
  pmIoBase(): number {
    return this.ioBase;
  }

  /**
   * Press the power button: with ACPI enabled the OS sees PWRBTN_STS (and an
   * SCI if it enabled the event); without, the board powers off at once.
   */
  pressPowerButton(): void {
    if ((this.pm1Cnt & PM1_CNT_SCI_EN) === 0) {
      this.platform.requestPowerOff('power button');
      return;
    }
    this.pm1Sts |= Pm1Event.PowerButton;
    this.updateSci();
  }

  /** Set general-purpose event status bit `bit` (0..15), e.g. for hot-plug. */
  raiseGpe(bit: number): void {
    this.gpeSts |= (1 << (bit & 15)) & 0xffff;
    this.updateSci();
  }

  /** Re-drive the SCI wire from the device state (after a whole-machine restore). */
  syncOutputs(): void {
    this.sci.set(this.sciLevel);
  }

  /** @internal read the dword at aligned `offset` of the PM block. */
  readDword(offset: number): number {
    switch (offset) {
      case 0x00:
        return (this.pm1Status() | (this.pm1En << 16)) >>> 0;
      case 0x04:
        return this.pm1Cnt;
      case 0x08:
        return this.timerValue();
      case 0x0c:
        return (this.gpeSts | (this.gpeEn << 16)) >>> 0;
      default:
        return 0;
    }
  }

  /** @internal write one byte of the PM block (status bits are write-one-to-clear). */
  writeByte(offset: number, v: number): void {
    switch (offset) {
      case 0x00:
        if ((v & Pm1Event.Timer) !== 0) this.timerFlipsSeen = this.timerFlips();
        this.pm1Sts &= ~(v & PM1_STS_RW1C);
        return;
      case 0x01:
        this.pm1Sts &= ~((v << 8) & PM1_STS_RW1C);
        return;
      case 0x02:
        this.pm1En = (this.pm1En & 0xff00) | (v & PM1_EN_WRITABLE);
        return;
      case 0x03:
        this.pm1En = (this.pm1En & 0x00ff) | ((v << 8) & PM1_EN_WRITABLE);
        return;
      case 0x04:
        this.pm1Cnt = (this.pm1Cnt & 0xff00) | (v & PM1_CNT_WRITABLE);
        return;
      case 0x05:
        this.pm1Cnt = (this.pm1Cnt & 0x00ff) | ((v << 8) & PM1_CNT_WRITABLE);
        if (((v << 8) & SLP_EN) !== 0) this.sleep((this.pm1Cnt >>> 10) & 7);
        return;
      case 0x0c:
        this.gpeSts &= ~v;
        return;
      case 0x0d:
        this.gpeSts &= ~(v << 8);
        return;
      case 0x0e:
        this.gpeEn = (this.gpeEn & 0xff00) | v;
        return;
      case 0x0f:
        this.gpeEn = (this.gpeEn & 0x00ff) | (v << 8);
        return;
      default:
        return;
    }
  }

  /** @internal APM control write: ACPI enable/disable handshake (ACPI 6.4 section 4.8.2.1). */
  apmCommand(value: number): void {
    this.apmControl = value;
    if (value === PIIX4_PM_DEFAULTS.acpiEnable) this.pm1Cnt |= PM1_CNT_SCI_EN;
    else if (value === PIIX4_PM_DEFAULTS.acpiDisable) this.pm1Cnt &= ~PM1_CNT_SCI_EN;
    this.updateSci();
  }

  /** @internal recompute the SCI level and the timer-overflow wake-up. */
  updateSci(): void {
    const sts = this.pm1Status();
    const pending = (sts & this.pm1En) !== 0 || (this.gpeSts & this.gpeEn) !== 0;
    const level = pending && (this.pm1Cnt & PM1_CNT_SCI_EN) !== 0;
    if (level !== this.sciLevel) {
      this.sciLevel = level;
      this.sci.set(level);
    }
    this.armOverflow(sts);
  }

  /** Wake up when the timer MSB next toggles, while TMR_EN waits for it. */
  private armOverflow(sts: number): void {
    const t = this.overflowTimer;
    if (t === null) return;
    if ((this.pm1En & Pm1Event.Timer) !== 0 && (sts & Pm1Event.Timer) === 0) {
      t.arm(pmTimerNsAt((this.timerFlipsSeen + 1) * 2 ** this.msbShift));
    } else {
      t.disarm();
    }
  }

  /** @inheritDoc */
  snapshot(): DeviceState {
    return {
      name: this.stateName,
      version: this.stateVersion,
      fields: {
        config: this.config.bytes.slice(),
        pm1Sts: this.pm1Sts,
        pm1En: this.pm1En,
        pm1Cnt: this.pm1Cnt,
        gpeSts: this.gpeSts,
        gpeEn: this.gpeEn,
        timerFlipsSeen: this.timerFlipsSeen,
        apmControl: this.apmControl,
        apmStatus: this.apmStatus,
        sciLevel: this.sciLevel,
      },
    };
  }

  /** @inheritDoc */
  restore(state: DeviceState): void {
    checkState(state, this.stateName, this.stateVersion);
    const f = state.fields;
    const config = readUint8Array(f, 'config', 256);
    const nums = ['pm1Sts', 'pm1En', 'pm1Cnt', 'gpeSts', 'gpeEn', 'timerFlipsSeen', 'apmControl', 'apmStatus'].map(
      (k) => readNumber(f, k),
    );
    this.config.bytes.set(config);
    this.pm1Sts = nums[0]! & PM1_STS_RW1C;
    this.pm1En = nums[1]! & PM1_EN_WRITABLE;
    this.pm1Cnt = nums[2]! & PM1_CNT_WRITABLE;
    this.gpeSts = nums[3]! & 0xffff;
    this.gpeEn = nums[4]! & 0xffff;
    this.timerFlipsSeen = nums[5]!;
    this.apmControl = nums[6]! & 0xff;
    this.apmStatus = nums[7]! & 0xff;
    this.sciLevel = f['sciLevel'] === true;
    this.updatePmIo();
    // Re-arm the overflow wake-up without touching the SCI wire (see syncOutputs).
    this.armOverflow(this.pm1Status());
  }

  private now(): number {
    return this.clock !== null ? this.clock.now() : 0;
  }

  private timerFlips(): number {
    return Math.floor(pmTimerTicksAt(this.now()) / 2 ** this.msbShift);
  }

  private pm1Status(): number {
    return this.pm1Sts | (this.timerFlips() > this.timerFlipsSeen ? Pm1Event.Timer : 0);
  }

  /** SLP_EN: S5 powers off; other sleep types are not supported and wake at once. */
  private sleep(type: number): void {
    if (type === PIIX4_PM_DEFAULTS.s5SleepType) {
      this.platform.requestPowerOff('ACPI S5 soft-off', 0);
      return;
    }
    this.pm1Sts |= Pm1Event.Wake;
  }

  /** Decode the PM block at PMBASE while PMREGMISC.PMIOSE is set. */
  private updatePmIo(): void {
    if (this.ports === null) return;
    const base = this.config.read(PMBASE_REG, 2) & 0xffc0;
    const want = (this.config.bytes[PMREGMISC_REG]! & PMIOSE) !== 0 && base !== 0 ? base : -1;
    if (want === this.ioBase) return;
    if (this.ioBase >= 0) this.ports.unregister(this.ioBase, PM_IO_SIZE);
    this.ioBase = -1;
    if (want < 0) return;
    try {
      this.ports.register(want, PM_IO_SIZE, this.pmIo, `${this.name}.pmio`);
      this.ioBase = want;
    } catch {
      // PMBASE placed over another device's ports: left undecoded.
    }
  }
}
