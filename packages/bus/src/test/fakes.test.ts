import { describe, expect, it } from 'vitest';
import { DmaStatus } from '../index.js';
import { FrameRecorder, ManualClock, RamBlockBackend, RamDmaSpace, RecordingIrqLine, TestPortBus } from './index.js';

describe('RecordingIrqLine', () => {
  it('records levels and counts rising edges only', () => {
    const irq = new RecordingIrqLine();
    irq.raise();
    irq.raise();
    irq.lower();
    irq.pulse();
    expect(irq.level).toBe(false);
    expect(irq.edges).toBe(2);
    expect(irq.history).toEqual([true, true, false, true, false]);
  });
});

describe('ManualClock', () => {
  it('fires timers in deadline order with now() at each deadline', () => {
    const clock = new ManualClock();
    const fired: [string, number][] = [];
    const a = clock.createTimer('a', (t) => fired.push(['a', t]));
    const b = clock.createTimer('b', (t) => {
      fired.push(['b', t]);
      if (t === 100) b.arm(250); // re-arming from a callback works
    });
    a.arm(300);
    b.arm(100);
    expect(clock.nextDeadline()).toBe(100);
    clock.advance(1000);
    expect(fired).toEqual([
      ['b', 100],
      ['b', 250],
      ['a', 300],
    ]);
    expect(clock.now()).toBe(1000);
    expect(clock.nextDeadline()).toBe(Infinity);
  });
  it('disarm cancels and time never goes back', () => {
    const clock = new ManualClock(50);
    const t = clock.createTimer('t', () => {
      throw new Error('must not fire');
    });
    t.arm(60);
    t.disarm();
    clock.advance(100);
    expect(t.deadline).toBe(-1);
    expect(() => clock.advanceTo(10)).toThrow(RangeError);
  });
});

describe('RamDmaSpace', () => {
  it('reads and writes little-endian and reports unassigned ranges', () => {
    const m = new RamDmaSpace(16);
    m.write32(0, 0xdeadbeef);
    expect(m.read8(0)).toBe(0xef);
    expect(m.read16(2)).toBe(0xdead);
    expect(m.read32(0)).toBe(0xdeadbeef);
    const buf = new Uint8Array(4);
    expect(m.read(14, buf)).toBe(DmaStatus.Unassigned);
    expect([...buf]).toEqual([0, 0, 0xff, 0xff]);
    expect(m.write(0xfffffffe, new Uint8Array(4))).toBe(DmaStatus.Unassigned);
    expect(m.faults).toBe(2);
  });
});

describe('TestPortBus', () => {
  it('splits wide accesses for byte-only handlers and rejects overlaps', () => {
    const bus = new TestPortBus();
    const regs = new Uint8Array(4);
    bus.register(0x100, 4, { read8: (o) => regs[o]!, write8: (o, v) => (regs[o] = v) }, 'dev');
    bus.out32(0x100, 0x11223344);
    expect([...regs]).toEqual([0x44, 0x33, 0x22, 0x11]);
    expect(bus.in16(0x102)).toBe(0x1122);
    expect(bus.in8(0x200)).toBe(0xff);
    expect(() => bus.register(0x103, 2, { read8: () => 0, write8: () => {} }, 'other')).toThrow(/owned by dev/);
  });
});

describe('RamBlockBackend', () => {
  it('round-trips sectors and rejects out-of-range and injected failures', async () => {
    const disk = new RamBlockBackend(8);
    await disk.write(7, new Uint8Array(512).fill(7));
    const out = new Uint8Array(512);
    await disk.read(7, out);
    expect(out[511]).toBe(7);
    await expect(disk.read(8, out)).rejects.toMatchObject({ kind: 'out-of-range' });
    disk.failNext = 'io';
    await expect(disk.read(0, out)).rejects.toMatchObject({ kind: 'io' });
  });
});

describe('FrameRecorder', () => {
  it('copies sent frames and injects into the attached receiver', () => {
    const net = new FrameRecorder();
    const frame = new Uint8Array([1, 2, 3]);
    net.sendFrame(frame);
    frame[0] = 9;
    expect(net.sent[0]![0]).toBe(1);
    expect(net.inject(frame)).toBe(false);
    const got: number[] = [];
    net.attach({ receiveFrame: (f) => (got.push(f.length), true) });
    expect(net.inject(frame)).toBe(true);
    expect(got).toEqual([3]);
  });
});

describe('RamGuestMemory', () => {
  it('translates RAM pages, refuses ROM and watched pages for writes, tells listeners', async () => {
    const { RamGuestMemory } = await import('./index.js');
    const m = new RamGuestMemory(0x4000);
    const changed: number[] = [];
    m.addMappingListener({ mappingChanged: (p) => changed.push(p) });
    expect(m.translateRead(0x1234)).toBe(0x1000);
    expect(m.translateWrite(0x1234)).toBe(0x1000);
    expect(m.translateRead(0x4000)).toBe(-1);
    m.protectPage(1);
    expect(m.translateWrite(0x1234)).toBe(-1);
    m.write8(0x1234, 5);
    expect(m.read8(0x1234)).toBe(0);
    const writes: number[] = [];
    m.setWriteWatcher({ watchedWrite: (a) => writes.push(a) });
    m.watchWrites(2, true);
    expect(m.translateWrite(0x2000)).toBe(-1);
    m.write32(0x2000, 1);
    expect(writes).toEqual([0x2000, 0x2001, 0x2002, 0x2003]);
    expect(changed).toEqual([1, 2]);
  });
});

describe('CharRecorder', () => {
  it('holds input back while the receiver is full', async () => {
    const { CharRecorder } = await import('./index.js');
    const c = new CharRecorder();
    let room = 1;
    const got: number[] = [];
    c.attach({ receiveByte: (b) => (room > 0 ? (room--, got.push(b), true) : false) });
    c.type('ab');
    expect(got).toEqual([97]);
    expect(c.backlog).toBe(1);
    room = 5;
    c.receiverReady();
    expect(got).toEqual([97, 98]);
    c.writeByte(0x41);
    expect(c.text).toBe('A');
  });
});
