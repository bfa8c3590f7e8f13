import { describe, expect, it } from 'vitest';
import { RecordingIrqLine } from '@vm/bus/test';
import { PM_TIMER_HZ, pmTimerNsAt, pmTimerTicksAt } from './acpi-pm-timer.js';
import { PciBus } from './pci-bus.js';
import { PIIX4_PM_DEFAULTS, Piix4Pm } from './piix4-pm.js';
import { RecordingPlatform, testContext } from './test-support.js';

const PM = PIIX4_PM_DEFAULTS.pmBase;

function setup(options: { timer32Bit?: boolean; smmEnabled?: boolean } = {}) {
  const sci = new RecordingIrqLine();
  const platform = new RecordingPlatform();
  const pm = new Piix4Pm({ sci, platform, ...options });
  const bus = new PciBus({ pirqs: [0, 1, 2, 3].map(() => new RecordingIrqLine()) });
  bus.plug(pm, 1, 3);
  const ctx = testContext();
  expect(bus.realize(ctx).ok).toBe(true);
  expect(pm.realize(ctx).ok).toBe(true);
  // What SeaBIOS's piix4_pm_setup does.
  bus.configWrite(1, 3, 0x3c, 1, 9);
  bus.configWrite(1, 3, 0x40, 4, PM | 1);
  bus.configWrite(1, 3, 0x80, 1, 1);
  return { pm, bus, ctx, io: ctx.ports, clock: ctx.clock, sci, platform };
}

describe('ACPI PM timer arithmetic', () => {
  it('is exact at whole seconds and far from zero', () => {
    expect(pmTimerTicksAt(1e9)).toBe(PM_TIMER_HZ);
    expect(pmTimerTicksAt(86400e9 * 30)).toBe(PM_TIMER_HZ * 86400 * 30);
    expect(pmTimerTicksAt(279)).toBe(0);
    expect(pmTimerTicksAt(280)).toBe(1);
    for (const t of [1, 12345, 2 ** 23, 2 ** 40 + 7]) {
      const ns = pmTimerNsAt(t);
      expect(pmTimerTicksAt(ns)).toBe(t);
      expect(pmTimerTicksAt(ns - 1)).toBe(t - 1);
    }
  });
});

describe('Piix4Pm', () => {
  it('identifies as 8086:7113 and marks SMM as set up unless modelled', () => {
    const { bus } = setup();
    expect(bus.configRead(1, 3, 0, 4)).toBe(0x71138086);
    expect(bus.configRead(1, 3, 0x0a, 2)).toBe(0x0680);
    expect(bus.configRead(1, 3, 0x58, 4) & 0x02000000).toBe(0x02000000);
    expect(setup({ smmEnabled: true }).bus.configRead(1, 3, 0x58, 4)).toBe(0);
  });

  it('decodes the PM block only at PMBASE with PMREGMISC set', () => {
    const { bus, pm, io } = setup();
    expect(pm.pmIoBase()).toBe(PM);
    expect(bus.configRead(1, 3, 0x40, 4)).toBe(PM | 1);
    bus.configWrite(1, 3, 0x80, 1, 0);
    expect(pm.pmIoBase()).toBe(-1);
    expect(io.in16(PM + 4)).toBe(0xffff);
    bus.configWrite(1, 3, 0x40, 4, 0x6000 | 1);
    bus.configWrite(1, 3, 0x80, 1, 1);
    expect(pm.pmIoBase()).toBe(0x6000);
    expect(io.in16(0x6004)).toBe(0);
  });

  it('counts at 3.579545 MHz, wrapping at 24 bits', () => {
    const { io, clock } = setup();
    const t0 = io.in32(PM + 8);
    clock.advance(1_000_000_000);
    const t1 = io.in32(PM + 8);
    expect((t1 - t0) & 0xffffff).toBe(PM_TIMER_HZ % 0x1000000);
    expect(t1).toBeLessThan(0x1000000);
    clock.advance(2_000_000_000);
    expect(io.in32(PM + 8)).toBe((3 * PM_TIMER_HZ) % 0x1000000);
    expect(io.in8(PM + 9)).toBe(((3 * PM_TIMER_HZ) >>> 8) & 0xff);
  });

  it('counts 32 bits when configured', () => {
    const { io, clock } = setup({ timer32Bit: true });
    clock.advance(5_000_000_000);
    expect(io.in32(PM + 8)).toBe(5 * PM_TIMER_HZ);
  });

  it('powers off on SLP_TYP=S5 with SLP_EN', () => {
    const { io, platform } = setup();
    io.out16(PM + 4, PIIX4_PM_DEFAULTS.s5SleepType << 10); // no SLP_EN: nothing happens
    expect(platform.events).toEqual([]);
    io.out16(PM + 4, (PIIX4_PM_DEFAULTS.s5SleepType << 10) | 0x2000);
    expect(platform.events).toEqual(['off:ACPI S5 soft-off:0']);
    expect(io.in16(PM + 4) & 0x2000).toBe(0);
  });

  it('wakes at once from unsupported sleep types', () => {
    const { io, platform } = setup();
    io.out16(PM + 4, (1 << 10) | 0x2000);
    expect(platform.events).toEqual([]);
    expect(io.in16(PM) & 0x8000).toBe(0x8000);
    io.out16(PM, 0x8000);
    expect(io.in16(PM) & 0x8000).toBe(0);
  });

  it('takes ACPI_ENABLE on SMI_CMD and raises SCI for an enabled power button', () => {
    const { io, pm, sci, platform } = setup();
    pm.pressPowerButton(); // legacy mode: the board turns off
    expect(platform.events).toEqual(['off:power button:']);
    io.out8(PIIX4_PM_DEFAULTS.smiCommandPort, PIIX4_PM_DEFAULTS.acpiEnable);
    expect(io.in16(PM + 4) & 1).toBe(1);
    pm.pressPowerButton();
    expect(io.in16(PM) & 0x0100).toBe(0x0100);
    expect(sci.level).toBe(false);
    io.out16(PM + 2, 0x0100);
    expect(sci.level).toBe(true);
    io.out16(PM, 0x0100); // write one to clear
    expect(sci.level).toBe(false);
    expect(io.in8(0xb2)).toBe(0xf1);
    io.out8(0xb3, 0x5a);
    expect(io.in8(0xb3)).toBe(0x5a);
    io.out8(0xb2, PIIX4_PM_DEFAULTS.acpiDisable);
    expect(io.in16(PM + 4) & 1).toBe(0);
  });

  it('sets TMR_STS when the counter MSB toggles and interrupts if enabled', () => {
    const { io, clock, sci } = setup();
    io.out8(0xb2, 0xf1);
    io.out16(PM + 2, 0x0001); // TMR_EN
    expect(sci.level).toBe(false);
    const flip = pmTimerNsAt(2 ** 23);
    clock.advanceTo(flip - 1);
    expect(sci.level).toBe(false);
    expect(io.in16(PM) & 1).toBe(0);
    clock.advanceTo(flip);
    expect(sci.level).toBe(true);
    expect(io.in16(PM) & 1).toBe(1);
    io.out16(PM, 1);
    expect(sci.level).toBe(false);
    clock.advanceTo(pmTimerNsAt(2 ** 24));
    expect(sci.level).toBe(true);
  });

  it('drives GPE0 status/enable', () => {
    const { io, pm, sci } = setup();
    io.out8(0xb2, 0xf1);
    pm.raiseGpe(1);
    expect(io.in16(PIIX4_PM_DEFAULTS.gpe0Block)).toBe(2);
    io.out16(PIIX4_PM_DEFAULTS.gpe0Block + 2, 2);
    expect(sci.level).toBe(true);
    io.out8(PIIX4_PM_DEFAULTS.gpe0Block, 2);
    expect(sci.level).toBe(false);
  });

  it('can start decoded and in ACPI mode for boots without firmware', () => {
    const sci = new RecordingIrqLine();
    const pm = new Piix4Pm({ sci, platform: new RecordingPlatform(), initialPmBase: 0x600, acpiModeAtReset: true });
    const ctx = testContext();
    expect(pm.realize(ctx).ok).toBe(true);
    expect(pm.pmIoBase()).toBe(0x600);
    expect(ctx.ports.in16(0x604) & 1).toBe(1);
    ctx.ports.out16(0x602, 0x0100);
    pm.pressPowerButton();
    expect(sci.level).toBe(true);
    pm.reset();
    expect(sci.level).toBe(false);
    expect(pm.pmIoBase()).toBe(0x600);
    expect(() => new Piix4Pm({ sci, platform: new RecordingPlatform(), initialPmBase: 0x610 })).toThrow(RangeError);
  });

  it('snapshots and restores registers', () => {
    const a = setup();
    a.io.out8(0xb2, 0xf1);
    a.io.out16(PM + 2, 0x0100);
    const b = setup();
    b.pm.restore(structuredClone(a.pm.snapshot()));
    expect(b.io.in16(PM + 2)).toBe(0x0100);
    expect(b.io.in16(PM + 4) & 1).toBe(1);
    a.pm.pressPowerButton();
    const c = setup();
    c.pm.restore(a.pm.snapshot());
    expect(c.sci.level).toBe(false);
    c.pm.syncOutputs();
    expect(c.sci.level).toBe(true);
    expect(() => b.pm.restore({ name: 'x', version: 1, fields: {} })).toThrow();
  });
});
