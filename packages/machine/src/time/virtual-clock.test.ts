import { describe, expect, it } from 'vitest';
import { VirtualClock } from './virtual-clock.js';

class Counter {
  retired = 0;
}

describe('VirtualClock (deterministic)', () => {
  it('derives time from the work counter times ns per instruction', () => {
    const clock = new VirtualClock({ mode: 'deterministic', nsPerInstruction: 2.5 });
    const cpu = new Counter();
    clock.attachWorkCounter(cpu);
    expect(clock.now()).toBe(0);
    cpu.retired = 4;
    expect(clock.now()).toBe(10);
    cpu.retired = 5;
    expect(clock.now()).toBe(12); // floor(12.5): integer nanoseconds
  });

  it('only counts work done after the counter was attached', () => {
    const clock = new VirtualClock({ mode: 'deterministic', startNs: 100 });
    const cpu = new Counter();
    cpu.retired = 1_000;
    clock.attachWorkCounter(cpu);
    expect(clock.now()).toBe(100);
    cpu.retired = 1_050;
    expect(clock.now()).toBe(150);
  });

  it('skips forward while halted and adds later work on top', () => {
    const clock = new VirtualClock({ mode: 'deterministic', nsPerInstruction: 1 });
    const cpu = new Counter();
    clock.attachWorkCounter(cpu);
    cpu.retired = 10;
    clock.advanceTo(1_000_000);
    expect(clock.now()).toBe(1_000_000);
    cpu.retired = 30;
    expect(clock.now()).toBe(1_000_020);
    clock.advance(80);
    expect(clock.now()).toBe(1_000_100);
    clock.advanceTo(5); // the past: ignored
    expect(clock.now()).toBe(1_000_100);
  });

  it('never goes back when the counter restarts (CPU reset)', () => {
    const clock = new VirtualClock({ mode: 'deterministic' });
    const cpu = new Counter();
    clock.attachWorkCounter(cpu);
    cpu.retired = 500;
    expect(clock.now()).toBe(500);
    cpu.retired = 0;
    expect(clock.now()).toBe(500);
    cpu.retired = 20;
    expect(clock.now()).toBe(520);
  });

  it('is reproducible: the same work sequence gives the same readings', () => {
    const run = (): number[] => {
      const clock = new VirtualClock({ mode: 'deterministic', nsPerInstruction: 0.75 });
      const cpu = new Counter();
      clock.attachWorkCounter(cpu);
      const out: number[] = [];
      for (let i = 1; i <= 50; i++) {
        cpu.retired += (i * 37) % 11;
        if (i % 7 === 0) clock.advance(i * 3);
        out.push(clock.now());
      }
      return out;
    };
    const a = run();
    expect(run()).toEqual(a);
    for (let i = 1; i < a.length; i++) expect(a[i]!).toBeGreaterThanOrEqual(a[i - 1]!);
  });

  it('holds at the horizon and reads the service time inside beginService/endService', () => {
    const clock = new VirtualClock({ mode: 'deterministic' });
    let horizon = 300;
    clock.setHorizon({ nextDeadline: () => horizon });
    clock.advanceTo(1000);
    expect(clock.now()).toBe(300);
    expect(clock.rawNow()).toBe(1000);
    expect(clock.beginService(300)).toBe(300);
    expect(clock.now()).toBe(300);
    clock.endService();
    horizon = Infinity;
    expect(clock.now()).toBe(1000);
    // A deadline already behind the shown time is served at the shown time.
    expect(clock.beginService(10)).toBe(1000);
    clock.endService();
  });

  it('rejects bad options', () => {
    expect(() => new VirtualClock({ mode: 'deterministic', nsPerInstruction: 0 })).toThrow(RangeError);
    expect(() => new VirtualClock({ mode: 'deterministic', nsPerInstruction: Infinity })).toThrow(RangeError);
    expect(() => new VirtualClock({ mode: 'deterministic', startNs: -1 })).toThrow(RangeError);
    expect(() => new VirtualClock({ mode: 'deterministic', startNs: 1.5 })).toThrow(RangeError);
  });

  it('snapshots and restores the time, even backwards', () => {
    const clock = new VirtualClock({ mode: 'deterministic' });
    clock.advanceTo(777);
    const s = clock.snapshot();
    clock.advanceTo(9999);
    clock.restore(s);
    expect(clock.now()).toBe(777);
    expect(() => clock.restore({ nowNs: -3 })).toThrow(RangeError);
  });
});

describe('VirtualClock (real time)', () => {
  it('follows the injected host clock in ns', () => {
    let host = 1000; // ms
    const clock = new VirtualClock({ mode: 'realtime', hostNowMs: () => host });
    expect(clock.now()).toBe(0);
    host = 1001.5;
    expect(clock.now()).toBe(1_500_000);
  });

  it('never goes backwards when the host clock does', () => {
    let host = 50;
    const clock = new VirtualClock({ mode: 'realtime', hostNowMs: () => host });
    host = 60;
    expect(clock.now()).toBe(10_000_000);
    host = 55;
    expect(clock.now()).toBe(10_000_000);
    host = 61;
    expect(clock.now()).toBe(11_000_000);
  });

  it('stands still while paused and does not see the paused interval', () => {
    let host = 0;
    const clock = new VirtualClock({ mode: 'realtime', hostNowMs: () => host });
    host = 2;
    clock.pause();
    expect(clock.paused).toBe(true);
    host = 500;
    expect(clock.now()).toBe(2_000_000);
    clock.resume();
    expect(clock.now()).toBe(2_000_000);
    host = 501;
    expect(clock.now()).toBe(3_000_000);
  });

  it('can start paused and keeps explicit advances as an offset', () => {
    let host = 10;
    const clock = new VirtualClock({ mode: 'realtime', hostNowMs: () => host, paused: true, startNs: 5 });
    host = 20;
    expect(clock.now()).toBe(5);
    clock.resume();
    clock.advance(1_000);
    host = 21;
    expect(clock.now()).toBe(5 + 1_000 + 1_000_000);
  });

  it('drops the part of a host stall beyond maxStepNs', () => {
    let host = 0;
    const clock = new VirtualClock({ mode: 'realtime', hostNowMs: () => host, maxStepNs: 5_000_000 });
    host = 3;
    expect(clock.now()).toBe(3_000_000); // within the limit: followed
    host = 1003; // a one-second stall
    expect(clock.now()).toBe(8_000_000); // only 5 ms of it is seen
    host = 1004;
    expect(clock.now()).toBe(9_000_000); // and time flows normally again
    clock.advance(50_000_000); // an explicit skip is not a stall
    expect(clock.now()).toBe(59_000_000);
    expect(() => new VirtualClock({ mode: 'realtime', hostNowMs: () => 0, maxStepNs: 0 })).toThrow(RangeError);
  });

  it('takes a wait the host made on purpose in full (a halted guest sleeping until its timer)', () => {
    let host = 0;
    const clock = new VirtualClock({ mode: 'realtime', hostNowMs: () => host, maxStepNs: 5_000_000 });
    expect(clock.now()).toBe(0);
    host = 2000; // the host slept 2 s for the guest's next timer
    clock.acceptWait();
    expect(clock.now()).toBe(2_000_000_000);
    host = 2001;
    expect(clock.now()).toBe(2_001_000_000);
    clock.pause();
    host = 5000;
    clock.acceptWait(); // paused: nothing to accept
    clock.resume();
    expect(clock.now()).toBe(2_001_000_000);
  });

  it('requires a host time source', () => {
    expect(() => new VirtualClock({ mode: 'realtime', hostNowMs: undefined as unknown as () => number })).toThrow(TypeError);
  });
});
