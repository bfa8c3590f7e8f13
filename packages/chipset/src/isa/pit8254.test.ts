import { describe, expect, it } from 'vitest';
import { StateError } from '@vm/bus';
import { ManualClock, RecordingIrqLine, TestPortBus } from '@vm/bus/test';
import { Pit8254 } from './pit8254.js';
import { PIT_HZ } from './pit8254-counter.js';
import { SystemControlPortB } from './system-control-port-b.js';
import { ticksToNs } from './virtual-ticks.js';

function setup(start = 0) {
  const irq0 = new RecordingIrqLine();
  const pit = new Pit8254({ irq0 });
  const port61 = new SystemControlPortB({ pit });
  const bus = new TestPortBus();
  const clock = new ManualClock(start);
  const ctx = { ports: bus, mmio: null as never, memory: null as never, clock, timers: clock };
  expect(pit.realize(ctx).ok).toBe(true);
  expect(port61.realize(ctx).ok).toBe(true);
  pit.reset();
  port61.reset();
  irq0.clearHistory();
  return { pit, port61, bus, clock, irq0 };
}

const tick = (k: number) => ticksToNs(k, PIT_HZ);

function program(bus: TestPortBus, counter: number, control: number, count: number) {
  bus.out8(0x43, (counter << 6) | control);
  bus.out8(0x40 + counter, count & 0xff);
  bus.out8(0x40 + counter, count >> 8);
}

function latch0(bus: TestPortBus): number {
  bus.out8(0x43, 0x00);
  return bus.in8(0x40) | (bus.in8(0x40) << 8);
}

describe('Pit8254', () => {
  it('mode 2 raises IRQ0 once per period, as Linux programs it for HZ', () => {
    const { bus, clock, irq0 } = setup();
    const latch = Math.round(PIT_HZ / 1000);
    program(bus, 0, 0x34, latch); // counter 0, lo/hi, mode 2, binary
    expect(irq0.level).toBe(true);
    clock.advanceTo(tick(latch) - 1);
    expect(irq0.edges).toBe(0);
    clock.advanceTo(tick(latch));
    expect(irq0.edges).toBe(1);
    clock.advance(10_000_000 - tick(latch) + 1);
    expect(irq0.edges).toBe(10);
    expect(irq0.level).toBe(true);
  });

  it('mode 2 with count 0 is the BIOS 18.2 Hz tick', () => {
    const { bus, clock, irq0 } = setup();
    program(bus, 0, 0x34, 0);
    clock.advance(1_000_000_000);
    expect(irq0.edges).toBe(Math.floor(PIT_HZ / 65536));
  });

  it('mode 3 is a square wave with the OUT level high for the first half', () => {
    const { bus, clock, irq0 } = setup();
    program(bus, 0, 0x36, 1000);
    expect(irq0.level).toBe(true);
    clock.advanceTo(tick(499));
    expect(irq0.level).toBe(true);
    clock.advanceTo(tick(500));
    expect(irq0.level).toBe(false);
    clock.advanceTo(tick(1000));
    expect(irq0.level).toBe(true);
    expect(irq0.edges).toBe(1);
    clock.advanceTo(tick(100_000));
    expect(irq0.edges).toBe(100);
    // The count decrements by two through each half period.
    clock.advanceTo(tick(100_100));
    expect(latch0(bus)).toBe(800);
  });

  it('latches the count and keeps the latched value while time passes between the two reads', () => {
    const { bus, clock } = setup();
    program(bus, 0, 0x34, 5000);
    clock.advanceTo(tick(1234));
    bus.out8(0x43, 0x00);
    clock.advanceTo(tick(3000));
    expect(bus.in8(0x40) | (bus.in8(0x40) << 8)).toBe(5000 - 1234);
    expect(latch0(bus)).toBe(2000);
  });

  it('reads LSB-only and MSB-only counters', () => {
    const { bus, clock } = setup();
    bus.out8(0x43, 0x54); // counter 1, LSB only, mode 2
    bus.out8(0x41, 18); // the PC's DRAM refresh count
    clock.advanceTo(tick(5));
    expect(bus.in8(0x41)).toBe(13);
    bus.out8(0x43, 0x60); // counter 1, MSB only, mode 0
    bus.out8(0x41, 0x02);
    clock.advance(tick(256) + 1);
    expect(bus.in8(0x41)).toBe(0x01);
  });

  it('read-back command latches status (OUT, null count, access, mode) and count', () => {
    const { bus, clock } = setup();
    bus.out8(0x43, 0x30); // counter 0, lo/hi, mode 0
    bus.out8(0x43, 0xe2); // read-back status of counter 0
    expect(bus.in8(0x40)).toBe(0x70); // OUT low, null count, access 3, mode 0
    bus.out8(0x40, 100);
    bus.out8(0x40, 0);
    clock.advanceTo(tick(150));
    bus.out8(0x43, 0xc2); // count and status
    expect(bus.in8(0x40)).toBe(0xb0); // OUT high (terminal count), count loaded
    const v = bus.in8(0x40) | (bus.in8(0x40) << 8);
    expect(v).toBe(0x10000 - 50);
  });

  it('mode 0 interrupts once on terminal count and the counter wraps', () => {
    const { bus, clock, irq0 } = setup();
    program(bus, 0, 0x30, 1000);
    expect(irq0.level).toBe(false);
    clock.advance(tick(5000));
    expect(irq0.edges).toBe(1);
    expect(irq0.level).toBe(true);
    expect(latch0(bus)).toBe((1000 - 5000 + 65536) % 65536);
    // Writing a new count drives OUT low again.
    program(bus, 0, 0x30, 10);
    expect(irq0.level).toBe(false);
    clock.advance(tick(11));
    expect(irq0.edges).toBe(2);
  });

  it('mode 4 strobes OUT low for one clock at terminal count (Linux one-shot clockevent)', () => {
    const { bus, clock, irq0 } = setup();
    program(bus, 0, 0x38, 200);
    expect(irq0.level).toBe(true);
    clock.advanceTo(tick(200));
    expect(irq0.level).toBe(false);
    clock.advanceTo(tick(201));
    expect(irq0.level).toBe(true);
    expect(irq0.edges).toBe(1);
    clock.advance(tick(100_000));
    expect(irq0.edges).toBe(1);
  });

  it('counts in BCD', () => {
    const { bus, clock } = setup();
    program(bus, 0, 0x35, 0x1000); // mode 2, BCD 1000
    clock.advanceTo(tick(1));
    expect(latch0(bus)).toBe(0x0999);
    clock.advanceTo(tick(1000 + 37));
    expect(latch0(bus)).toBe(0x0963);
  });

  it('counter 2 through port 0x61: gate, OUT bit 5, as TSC calibration uses it', () => {
    const { bus, clock, port61 } = setup();
    expect(bus.in8(0x61) & 0x20).toBe(0x20); // unprogrammed OUT idles high
    bus.out8(0x61, (bus.in8(0x61) & ~0x02) | 0x01); // gate on, speaker off
    expect(port61.speakerOn).toBe(false);
    program(bus, 2, 0x30, 11932); // mode 0, 10 ms
    expect(bus.in8(0x61) & 0x20).toBe(0);
    clock.advanceTo(tick(11931));
    expect(bus.in8(0x61) & 0x20).toBe(0);
    clock.advanceTo(tick(11932));
    expect(bus.in8(0x61) & 0x20).toBe(0x20);
    expect(bus.in8(0x61) & 0x0f).toBe(0x01);
  });

  it('a low GATE pauses counter 2 in mode 0 and resumes where it stopped', () => {
    const { bus, clock } = setup();
    bus.out8(0x61, 0x01);
    program(bus, 2, 0x30, 1000);
    clock.advanceTo(tick(300));
    bus.out8(0x61, 0x00);
    clock.advanceTo(tick(5000));
    bus.out8(0x43, 0x80);
    expect(bus.in8(0x42) | (bus.in8(0x42) << 8)).toBe(700);
    bus.out8(0x61, 0x01);
    clock.advance(tick(700) + 1);
    expect(bus.in8(0x61) & 0x20).toBe(0x20);
  });

  it('mode 1 and mode 5 wait for a GATE trigger and retrigger on the next rising edge', () => {
    const { bus, clock, pit } = setup();
    program(bus, 2, 0x32, 100); // mode 1, gate low
    expect(pit.outLevel(2)).toBe(true);
    clock.advanceTo(tick(500));
    expect(pit.outLevel(2)).toBe(true); // not triggered
    bus.out8(0x61, 0x01); // trigger
    expect(pit.outLevel(2)).toBe(false);
    clock.advanceTo(tick(599));
    expect(pit.outLevel(2)).toBe(false);
    clock.advanceTo(tick(600));
    expect(pit.outLevel(2)).toBe(true);
    bus.out8(0x61, 0x00);
    bus.out8(0x61, 0x01); // retrigger
    expect(pit.outLevel(2)).toBe(false);
    program(bus, 2, 0x3a, 10); // mode 5
    bus.out8(0x61, 0x00);
    clock.advance(tick(50));
    expect(pit.outLevel(2)).toBe(true);
    bus.out8(0x61, 0x01);
    const t0 = clock.now();
    clock.advanceTo(t0 + tick(10));
    expect(pit.outLevel(2)).toBe(false); // the one-clock strobe
    clock.advanceTo(t0 + tick(11) + 1);
    expect(pit.outLevel(2)).toBe(true);
  });

  it('survives degenerate counts a guest may program (1 in modes 2 and 3)', () => {
    const { bus, clock, irq0 } = setup();
    program(bus, 0, 0x34, 1);
    clock.advance(1_000_000);
    program(bus, 0, 0x36, 1);
    clock.advance(1_000_000);
    program(bus, 0, 0x36, 3); // odd square wave: high 2 clocks, low 1
    irq0.clearHistory();
    clock.advanceTo(clock.now() + tick(3000));
    expect(irq0.edges).toBeGreaterThanOrEqual(999);
    expect(irq0.edges).toBeLessThanOrEqual(1001);
  });

  it('port 0x61 bit 4 toggles with the 15 us refresh cycle', () => {
    const { bus, clock } = setup();
    const seen = new Set<number>();
    for (let i = 0; i < 8; i++) {
      seen.add(bus.in8(0x61) & 0x10);
      clock.advance(7_600);
    }
    expect(seen).toEqual(new Set([0, 0x10]));
    clock.advanceTo(15_085 * 5);
    expect(bus.in8(0x61) & 0x10).toBe(0x10);
    clock.advanceTo(15_085 * 6);
    expect(bus.in8(0x61) & 0x10).toBe(0);
  });

  it('computes counts correctly far into virtual time', () => {
    const start = 40 * 24 * 3600 * 1e9; // 40 days
    const { bus, clock } = setup(start);
    program(bus, 0, 0x34, 60000);
    clock.advanceTo(start + tick(59999));
    expect(latch0(bus)).toBe(1);
    clock.advanceTo(start + tick(60000 * 1000 + 10));
    expect(latch0(bus)).toBe(60000 - 10);
  });

  it('round-trips a snapshot mid-period', () => {
    const a = setup();
    program(a.bus, 0, 0x34, 1000);
    a.clock.advanceTo(tick(1500));
    const snap = a.pit.snapshot();
    const b = setup();
    b.clock.advanceTo(tick(1500));
    b.pit.restore(snap);
    expect(latch0(b.bus)).toBe(500);
    b.clock.advanceTo(tick(2000));
    expect(b.irq0.edges).toBe(1);
    expect(() => b.pit.restore({ ...snap, version: 9 })).toThrow(StateError);
  });
});
