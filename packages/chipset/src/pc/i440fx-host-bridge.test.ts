import { describe, expect, it } from 'vitest';
import { RecordingIrqLine } from '@vm/bus/test';
import { I440fxHostBridge } from './i440fx-host-bridge.js';
import { PciBus } from './pci-bus.js';
import { RecordingShadow, testContext } from './test-support.js';

function setup() {
  const shadow = new RecordingShadow();
  const smram: boolean[] = [];
  const nb = new I440fxHostBridge({ shadow, smram: { setSmramOpen: (o) => smram.push(o) } });
  const bus = new PciBus({ pirqs: [0, 1, 2, 3].map(() => new RecordingIrqLine()) });
  bus.plug(nb, 0, 0);
  const ctx = testContext();
  expect(bus.realize(ctx).ok).toBe(true);
  expect(nb.realize(ctx).ok).toBe(true);
  return { nb, bus, shadow, smram };
}

describe('I440fxHostBridge', () => {
  it('identifies as 8086:1237 with the subsystem SeaBIOS looks for', () => {
    const { bus } = setup();
    expect(bus.configRead(0, 0, 0, 4)).toBe(0x12378086);
    expect(bus.configRead(0, 0, 0x0a, 2)).toBe(0x0600);
    expect(bus.configRead(0, 0, 0x2c, 4)).toBe(0x11001af4);
  });

  it('starts with every PAM range reading and writing ROM', () => {
    const { shadow } = setup();
    expect(shadow.last(0xf0000)).toEqual([false, false]);
    expect(shadow.last(0xc0000)).toEqual([false, false]);
    expect(shadow.last(0xec000)).toEqual([false, false]);
    expect(shadow.calls.find((c) => c[0] === 0xf0000)![1]).toBe(0x10000);
  });

  it('applies PAM dword writes the way SeaBIOS makes the BIOS writable', () => {
    const { bus, shadow } = setup();
    // make_bios_writable: PAM0 = 0x30, PAM1..6 = 0x33, written as two dwords at 0x58 and 0x5c.
    const d0 = bus.configRead(0, 0, 0x58, 4);
    bus.configWrite(0, 0, 0x58, 4, ((d0 & 0xff) | 0x33333000) >>> 0);
    bus.configWrite(0, 0, 0x5c, 4, 0x33333333);
    expect(bus.configRead(0, 0, 0x59, 1)).toBe(0x30);
    expect(shadow.last(0xf0000)).toEqual([true, true]);
    for (let a = 0xc0000; a < 0xf0000; a += 0x4000) expect(shadow.last(a)).toEqual([true, true]);
    // make_bios_readonly: reads from RAM, writes discarded.
    bus.configWrite(0, 0, 0x59, 1, 0x10);
    bus.configWrite(0, 0, 0x5a, 1, 0x31);
    expect(shadow.last(0xf0000)).toEqual([true, false]);
    expect(shadow.last(0xc0000)).toEqual([true, false]);
    expect(shadow.last(0xc4000)).toEqual([true, true]);
  });

  it('ignores PAM0 low nibble and reserved bits', () => {
    const { bus } = setup();
    bus.configWrite(0, 0, 0x59, 1, 0xff);
    expect(bus.configRead(0, 0, 0x59, 1)).toBe(0x70);
    bus.configWrite(0, 0, 0x5a, 1, 0xff);
    expect(bus.configRead(0, 0, 0x5a, 1)).toBe(0x77);
  });

  it('locks SMRAM with D_LCK until reset', () => {
    const { nb, bus, smram } = setup();
    expect(bus.configRead(0, 0, 0x72, 1)).toBe(0x02);
    bus.configWrite(0, 0, 0x72, 1, 0x4a); // D_OPEN | G_SMRAME
    expect(bus.configRead(0, 0, 0x72, 1)).toBe(0x4a);
    expect(smram).toEqual([true]);
    bus.configWrite(0, 0, 0x72, 1, 0x1a); // lock, close
    expect(smram).toEqual([true, false]);
    bus.configWrite(0, 0, 0x72, 1, 0x40);
    expect(bus.configRead(0, 0, 0x72, 1)).toBe(0x1a);
    nb.reset();
    expect(bus.configRead(0, 0, 0x72, 1)).toBe(0x02);
  });

  it('snapshots and restores the PAM state', () => {
    const a = setup();
    a.bus.configWrite(0, 0, 0x59, 1, 0x30);
    const b = setup();
    b.nb.restore(a.nb.snapshot());
    expect(b.nb.pamRegisters()[0]).toBe(0x30);
    expect(b.shadow.last(0xf0000)).toEqual([false, false]);
    b.nb.syncOutputs();
    expect(b.shadow.last(0xf0000)).toEqual([true, true]);
  });
});
