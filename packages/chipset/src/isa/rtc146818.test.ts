import { describe, expect, it } from 'vitest';
import { StateError } from '@vm/bus';
import { ManualClock, RecordingIrqLine, TestPortBus } from '@vm/bus/test';
import { CivilTime, daysFromCivil } from './civil-time.js';
import { Rtc146818 } from './rtc146818.js';

const MS = 1_000_000;
const S = 1_000_000_000;
/** 2024-02-29 23:59:58 UTC, a Thursday. */
const START = Date.UTC(2024, 1, 29, 23, 59, 58) / 1000;

function setup(startTime = START) {
  const irq = new RecordingIrqLine();
  const nmiDisable = new RecordingIrqLine();
  const rtc = new Rtc146818({ irq, startTime, nmiDisable });
  const bus = new TestPortBus();
  const clock = new ManualClock();
  expect(rtc.realize({ ports: bus, mmio: null as never, memory: null as never, clock, timers: clock }).ok).toBe(true);
  rtc.reset();
  irq.clearHistory();
  const rd = (i: number) => (bus.out8(0x70, i), bus.in8(0x71));
  const wr = (i: number, v: number) => (bus.out8(0x70, i), bus.out8(0x71, v));
  return { rtc, bus, clock, irq, rd, wr, nmiDisable };
}

function readTime(rd: (i: number) => number): number[] {
  return [0x32, 0x09, 0x08, 0x07, 0x06, 0x04, 0x02, 0x00].map(rd);
}

describe('civil time', () => {
  it('converts both ways across leap years and centuries', () => {
    const t = new CivilTime();
    for (const ms of [0, Date.UTC(2000, 1, 29, 12, 0, 1), Date.UTC(2100, 2, 1), Date.UTC(1969, 11, 31, 23, 59, 59), Date.UTC(2038, 0, 19, 3, 14, 8)]) {
      const d = new Date(ms);
      t.setEpochSeconds(ms / 1000);
      expect([t.year, t.month, t.day, t.hour, t.minute, t.second, t.weekday]).toEqual([
        d.getUTCFullYear(),
        d.getUTCMonth() + 1,
        d.getUTCDate(),
        d.getUTCHours(),
        d.getUTCMinutes(),
        d.getUTCSeconds(),
        d.getUTCDay() + 1,
      ]);
      expect(t.toEpochSeconds()).toBe(ms / 1000);
    }
    expect(daysFromCivil(1970, 1, 1)).toBe(0);
  });
});

describe('Rtc146818', () => {
  it('reads the configured start time in BCD, 24 h, and rolls over a leap day', () => {
    const { rd, clock } = setup();
    expect(readTime(rd)).toEqual([0x20, 0x24, 0x02, 0x29, 0x05, 0x23, 0x59, 0x58]);
    clock.advance(2 * S);
    expect(readTime(rd)).toEqual([0x20, 0x24, 0x03, 0x01, 0x06, 0x00, 0x00, 0x00]);
    expect(rd(0x0d)).toBe(0x80);
  });

  it('honours binary mode and the 12-hour format with the PM bit', () => {
    const { rd, wr } = setup(Date.UTC(2023, 6, 4, 23, 5, 9) / 1000);
    wr(0x0b, 0x04); // binary, 12 h
    expect([rd(0x04), rd(0x02), rd(0x00), rd(0x09), rd(0x32)]).toEqual([0x80 | 11, 5, 9, 23, 20]);
    wr(0x0b, 0x00); // BCD, 12 h
    expect(rd(0x04)).toBe(0x91);
  });

  it('SET freezes the clock and clears UIE; the written time runs on from its release', () => {
    const { rd, wr, clock, rtc } = setup();
    wr(0x0b, 0x12); // UIE
    wr(0x0b, 0x82 | 0x10); // SET (with UIE, which SET clears)
    expect(rd(0x0b)).toBe(0x82);
    clock.advance(5 * S);
    expect(rd(0x00)).toBe(0x58); // frozen
    wr(0x09, 0x99);
    wr(0x32, 0x19);
    wr(0x08, 0x12);
    wr(0x07, 0x31);
    wr(0x04, 0x23);
    wr(0x02, 0x59);
    wr(0x00, 0x59);
    wr(0x0b, 0x02);
    expect(rtc.epochSeconds()).toBe(Date.UTC(1999, 11, 31, 23, 59, 59) / 1000);
    clock.advance(1 * S);
    expect(readTime(rd)).toEqual([0x20, 0x00, 0x01, 0x01, 0x07, 0x00, 0x00, 0x00]);
  });

  it('writing a time register while running takes effect at once', () => {
    const { rd, wr, clock } = setup();
    clock.advance(300 * MS);
    wr(0x02, 0x30);
    expect(rd(0x02)).toBe(0x30);
    expect(rd(0x04)).toBe(0x23);
    clock.advance(700 * MS);
    expect(rd(0x00)).toBe(0x59);
    expect(rd(0x02)).toBe(0x30);
  });

  it('shows UIP in the 244 us before each update', () => {
    const { rd, clock } = setup();
    expect(rd(0x0a)).toBe(0x26);
    clock.advanceTo(S - 300_000);
    expect(rd(0x0a) & 0x80).toBe(0);
    clock.advanceTo(S - 200_000);
    expect(rd(0x0a) & 0x80).toBe(0x80);
    expect(rd(0x00)).toBe(0x58); // still the old second
    clock.advanceTo(S);
    expect(rd(0x0a) & 0x80).toBe(0);
    expect(rd(0x00)).toBe(0x59);
  });

  it('raises periodic interrupts at the rate select frequency until register C is read', () => {
    const { rd, wr, clock, irq } = setup();
    wr(0x0a, 0x26); // 1024 Hz
    wr(0x0b, 0x42); // PIE
    clock.advanceTo(976_562);
    expect(irq.level).toBe(false);
    clock.advanceTo(976_563);
    expect(irq.level).toBe(true);
    expect(rd(0x0c)).toBe(0xc0);
    expect(irq.level).toBe(false);
    expect(rd(0x0c)).toBe(0);
    let ticks = 1;
    for (let i = 0; i < 2000; i++) {
      clock.advance(10_000);
      if (irq.level) {
        ticks++;
        expect(rd(0x0c) & 0xc0).toBe(0xc0);
      }
    }
    expect(ticks).toBe(Math.floor((976_563 + 20 * MS) / 976_562.5));
    // Rate 15 is 2 Hz.
    wr(0x0a, 0x2f);
    rd(0x0c);
    let slow = 0;
    for (let i = 0; i < 2000; i++) {
      clock.advance(MS);
      if (irq.level) {
        slow++;
        rd(0x0c);
      }
    }
    expect(slow).toBe(4);
  });

  it('sets PF and UF in register C without an IRQ when their enables are off', () => {
    const { rd, clock, irq } = setup();
    clock.advance(1500 * MS);
    expect(rd(0x0c)).toBe(0x50);
    expect(irq.edges).toBe(0);
    expect(rd(0x0c)).toBe(0);
  });

  it('raises the update-ended interrupt once a second', () => {
    const { rd, wr, clock, irq } = setup();
    wr(0x0a, 0x20); // no periodic rate
    wr(0x0b, 0x12); // UIE
    clock.advanceTo(S - 1);
    expect(irq.level).toBe(false);
    clock.advanceTo(S);
    expect(irq.level).toBe(true);
    expect(rd(0x0c)).toBe(0x90);
    clock.advanceTo(2 * S);
    expect(irq.edges).toBe(2);
  });

  it('raises the alarm interrupt when the time matches, with "don\'t care" bytes', () => {
    const { rd, wr, clock, irq } = setup();
    wr(0x0a, 0x20);
    wr(0x05, 0x00); // alarm 00:00:03 (the next day)
    wr(0x03, 0x00);
    wr(0x01, 0x03);
    wr(0x0b, 0x22); // AIE
    clock.advanceTo(5 * S - 1);
    expect(irq.level).toBe(false);
    clock.advanceTo(5 * S);
    expect(irq.level).toBe(true);
    expect(rd(0x0c)).toBe(0xb0); // IRQF | AF | UF
    // Every second: all three bytes "don't care".
    wr(0x05, 0xc0);
    wr(0x03, 0xc0);
    wr(0x01, 0xc0);
    clock.advanceTo(6 * S);
    expect(rd(0x0c) & 0xa0).toBe(0xa0);
  });

  it('holds the clock in divider reset and makes the first update 500 ms after release', () => {
    const { rd, wr, clock } = setup();
    wr(0x0a, 0x70);
    clock.advance(10 * S);
    expect(rd(0x00)).toBe(0x58);
    wr(0x0a, 0x26);
    clock.advance(499 * MS);
    expect(rd(0x00)).toBe(0x58);
    clock.advance(1 * MS);
    expect(rd(0x00)).toBe(0x59);
  });

  it('stores NVRAM and the BIOS memory size fields SeaBIOS reads', () => {
    const { rtc, rd, wr, bus, nmiDisable } = setup();
    rtc.setMemorySize(0xe000_0000, 0x1_4000_0000);
    rtc.setEquipment(1, true);
    expect([rd(0x15), rd(0x16)]).toEqual([0x80, 0x02]); // 640 KiB
    expect([rd(0x17), rd(0x18), rd(0x30), rd(0x31)]).toEqual([0xff, 0xff, 0xff, 0xff]);
    // SeaBIOS: ((0x35 << 24) | (0x34 << 16)) + 16 MiB
    expect((((rd(0x35) << 24) | (rd(0x34) << 16)) >>> 0) + 16 * 1024 * 1024).toBe(0xe000_0000);
    expect((rd(0x5b) | (rd(0x5c) << 8) | (rd(0x5d) << 16)) * 65536).toBe(0x1_4000_0000);
    expect(rd(0x14)).toBe(0x03);
    let sum = 0;
    for (let i = 0x10; i <= 0x2d; i++) sum += rd(i);
    expect((rd(0x2e) << 8) | rd(0x2f)).toBe(sum);
    rtc.setMemorySize(32 * 1024 * 1024);
    expect(rd(0x17) | (rd(0x18) << 8)).toBe(31 * 1024);
    wr(0x7f, 0xa5);
    expect(rd(0x7f)).toBe(0xa5);
    bus.out8(0x70, 0x80 | 0x7f); // NMI disable bit is not part of the index
    expect(rtc.nmiDisabled).toBe(true);
    expect(nmiDisable.level).toBe(true);
    expect(bus.in8(0x71)).toBe(0xa5);
  });

  it('accepts garbage in the time registers without failing', () => {
    const { rd, wr, clock, rtc } = setup();
    wr(0x0b, 0x82);
    for (const i of [0x00, 0x02, 0x04, 0x07, 0x08, 0x09, 0x32]) wr(i, 0xff);
    wr(0x0b, 0x02);
    expect(Number.isFinite(rtc.epochSeconds())).toBe(true);
    clock.advance(3 * S);
    expect(typeof rd(0x00)).toBe('number');
    wr(0x01, 0x7f); // an alarm second that can never match
    wr(0x0b, 0x22);
    clock.advance(3 * S);
    expect(rd(0x0c) & 0x20).toBe(0);
  });

  it('round-trips a snapshot and rejects damaged ones', () => {
    const a = setup();
    a.wr(0x0b, 0x42);
    a.wr(0x40, 0x77);
    a.clock.advanceTo(3 * S + 100);
    const snap = a.rtc.snapshot();
    const b = setup(0);
    b.clock.advanceTo(3 * S + 100);
    b.rtc.restore(snap);
    expect(readTime(b.rd)).toEqual(readTime(a.rd));
    expect(b.rd(0x40)).toBe(0x77);
    expect(b.rd(0x0b)).toBe(0x42);
    expect(() => b.rtc.restore({ ...snap, fields: { ...snap.fields, cmos: new Uint8Array(3) } })).toThrow(StateError);
  });
});
