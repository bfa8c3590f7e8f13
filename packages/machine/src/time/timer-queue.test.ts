import { describe, expect, it } from 'vitest';
import { TimerQueue } from './timer-queue.js';
import { VirtualClock } from './virtual-clock.js';

/** A deterministic pseudo-random generator (xorshift32) for the heap fuzz test. */
function xorshift(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

describe('TimerQueue', () => {
  it('fires due timers in deadline order and leaves later ones armed', () => {
    const q = new TimerQueue();
    const fired: string[] = [];
    const a = q.createTimer('a', () => fired.push('a'));
    const b = q.createTimer('b', () => fired.push('b'));
    const c = q.createTimer('c', () => fired.push('c'));
    a.arm(300);
    b.arm(100);
    c.arm(200);
    expect(q.nextDeadline()).toBe(100);
    expect(q.runDue(250)).toBe(2);
    expect(fired).toEqual(['b', 'c']);
    expect(a.deadline).toBe(300);
    expect(b.deadline).toBe(-1);
    expect(q.nextDeadline()).toBe(300);
    expect(q.runDue(299)).toBe(0);
    expect(q.runDue(300)).toBe(1);
    expect(q.nextDeadline()).toBe(Infinity);
  });

  it('breaks ties by creation order, whatever the arming order', () => {
    const q = new TimerQueue();
    const fired: number[] = [];
    const timers = [0, 1, 2, 3, 4].map((i) => q.createTimer(`t${i}`, () => fired.push(i)));
    for (const i of [3, 1, 4, 0, 2]) timers[i]!.arm(50);
    timers[1]!.arm(50); // re-arm at the same deadline keeps its place
    q.runDue(50);
    expect(fired).toEqual([0, 1, 2, 3, 4]);
  });

  it('re-arms and disarms in place', () => {
    const q = new TimerQueue();
    const fired: string[] = [];
    const a = q.createTimer('a', () => fired.push('a'));
    const b = q.createTimer('b', () => fired.push('b'));
    a.arm(10);
    b.arm(20);
    a.arm(30); // later
    expect(q.nextDeadline()).toBe(20);
    b.arm(5); // earlier
    expect(q.nextDeadline()).toBe(5);
    b.disarm();
    b.disarm(); // idempotent
    expect(q.armedCount).toBe(1);
    expect(q.nextDeadline()).toBe(30);
    q.runDue(100);
    expect(fired).toEqual(['a']);
  });

  it('clamps negative deadlines to 0, floors fractions, rejects non-finite ones', () => {
    const q = new TimerQueue();
    const t = q.createTimer('t', () => {});
    t.arm(-5);
    expect(t.deadline).toBe(0);
    t.arm(10.9);
    expect(t.deadline).toBe(10);
    expect(() => t.arm(NaN)).toThrow(RangeError);
    expect(() => t.arm(Infinity)).toThrow(/not finite/);
  });

  it('lets a callback re-arm its own timer; a re-arm already due fires in the same call', () => {
    const q = new TimerQueue();
    const seen: number[] = [];
    const periodic = q.createTimer('periodic', (now) => {
      seen.push(now);
      periodic.arm(now + 100);
    });
    periodic.arm(100);
    q.runDue(350);
    expect(seen).toEqual([100, 200, 300]);
    expect(periodic.deadline).toBe(400);
  });

  it('stops at maxFires when a timer keeps re-arming in the past', () => {
    const q = new TimerQueue();
    let n = 0;
    const bad = q.createTimer('bad', () => {
      n++;
      bad.arm(0);
    });
    bad.arm(0);
    expect(q.runDue(10, 50)).toBe(50);
    expect(n).toBe(50);
    expect(bad.armed).toBe(true);
  });

  it('makes the clock read each deadline during its callback, and never past an unfired deadline', () => {
    const clock = new VirtualClock({ mode: 'deterministic' });
    const q = new TimerQueue(clock);
    const reads: [string, number, number][] = [];
    const a = q.createTimer('a', (now) => reads.push(['a', now, clock.now()]));
    const b = q.createTimer('b', (now) => reads.push(['b', now, clock.now()]));
    a.arm(1000);
    b.arm(400);
    clock.advanceTo(5000);
    // The horizon holds the clock at the earliest armed deadline until it fires.
    expect(clock.now()).toBe(400);
    q.runDue(clock.rawNow());
    expect(reads).toEqual([
      ['b', 400, 400],
      ['a', 1000, 1000],
    ]);
    expect(clock.now()).toBe(5000);
  });

  it('serves a timer armed in the past at the current time, not back in time', () => {
    const clock = new VirtualClock({ mode: 'deterministic', startNs: 1000 });
    const q = new TimerQueue(clock);
    let at = -1;
    const t = q.createTimer('late', (now) => (at = now));
    expect(clock.now()).toBe(1000);
    t.arm(10);
    q.runDue(clock.rawNow());
    expect(at).toBe(1000);
  });

  it('snapshots and restores deadlines by name, rejecting a different timer set', () => {
    const q = new TimerQueue();
    const a = q.createTimer('a', () => {});
    const b = q.createTimer('b', () => {});
    a.arm(70);
    const saved = q.snapshot();
    expect(saved).toEqual([
      { name: 'a', deadline: 70 },
      { name: 'b', deadline: -1 },
    ]);
    a.disarm();
    b.arm(5);
    q.restore(saved);
    expect(a.deadline).toBe(70);
    expect(b.deadline).toBe(-1);
    expect(q.nextDeadline()).toBe(70);
    expect(() => q.restore([{ name: 'a', deadline: 1 }])).toThrow(/1 timers/);
    expect(() => q.restore([{ name: 'x', deadline: 1 }, { name: 'b', deadline: -1 }])).toThrow(/"a"/);
    expect(() => q.restore([{ name: 'a', deadline: 1.5 }, { name: 'b', deadline: -1 }])).toThrow(/bad deadline/);
    expect(a.deadline).toBe(70); // a rejected restore changes nothing
  });

  it('agrees with a sorted reference model under random arm/disarm/run (fuzz)', () => {
    const rnd = xorshift(12345);
    const q = new TimerQueue();
    const fired: number[] = [];
    const N = 40;
    const timers = Array.from({ length: N }, (_, i) => q.createTimer(`t${i}`, () => fired.push(i)));
    const model = new Map<number, number>();
    let now = 0;
    for (let step = 0; step < 5000; step++) {
      const op = rnd() % 10;
      const i = rnd() % N;
      if (op < 6) {
        const d = now + (rnd() % 200);
        timers[i]!.arm(d);
        model.set(i, d);
      } else if (op < 8) {
        timers[i]!.disarm();
        model.delete(i);
      } else {
        now += rnd() % 100;
        fired.length = 0;
        q.runDue(now);
        const expected = [...model.entries()]
          .filter(([, d]) => d <= now)
          .sort((x, y) => x[1] - y[1] || x[0] - y[0])
          .map(([k]) => k);
        for (const k of expected) model.delete(k);
        expect(fired).toEqual(expected);
      }
      const min = model.size ? Math.min(...model.values()) : Infinity;
      expect(q.nextDeadline()).toBe(min);
      expect(q.armedCount).toBe(model.size);
    }
  });

  it('keeps its heap storage at one slot per timer however often timers are re-armed', () => {
    const q = new TimerQueue();
    const timers = Array.from({ length: 8 }, (_, i) => q.createTimer(`t${i}`, () => {}));
    const heap = (q as unknown as { heap: unknown[] }).heap;
    for (let round = 0; round < 1000; round++) {
      const t = timers[round % 8]!;
      if (round % 3 === 0) t.disarm();
      else t.arm((round * 7919) % 1000);
      if (round % 50 === 0) q.runDue(round);
    }
    expect(heap.length).toBe(8);
  });

  it('tells its owner when arming moves the earliest deadline earlier', () => {
    const q = new TimerQueue();
    let calls = 0;
    q.onEarlierDeadline = () => calls++;
    const a = q.createTimer('a', () => {});
    const b = q.createTimer('b', () => {});
    a.arm(100); // first: earlier than Infinity
    b.arm(200); // later: no call
    b.arm(50); // earlier: call
    a.arm(300); // a moves back: no call
    expect(calls).toBe(2);
  });
});
