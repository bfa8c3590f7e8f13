import { describe, expect, it } from 'vitest';
import type { PlatformControl } from '@vm/bus';
import { StateError } from '@vm/bus';
import { ManualClock, RecordingIrqLine, TestPortBus } from '@vm/bus/test';
import { I8042 } from './i8042.js';
import { knownKeyCodes, keyScanCodes, translateSet2Byte } from './ps2-scancodes.js';

class RecordingPlatform implements PlatformControl {
  readonly resets: string[] = [];
  requestReset(reason: string): void {
    this.resets.push(reason);
  }
  requestPowerOff(): void {}
}

function setup() {
  const irq1 = new RecordingIrqLine();
  const irq12 = new RecordingIrqLine();
  const a20 = new RecordingIrqLine();
  const platform = new RecordingPlatform();
  const kbc = new I8042({ irq1, irq12, a20, platform });
  const bus = new TestPortBus();
  const clock = new ManualClock();
  expect(kbc.realize({ ports: bus, mmio: null as never, memory: null as never, clock, timers: clock }).ok).toBe(true);
  kbc.reset();
  irq1.clearHistory();
  const cmd = (c: number, data?: number) => {
    bus.out8(0x64, c);
    if (data !== undefined) bus.out8(0x60, data);
  };
  /** Drain the output buffer as a polling driver would. */
  const drain = () => {
    const out: number[] = [];
    while (bus.in8(0x64) & 1) out.push(bus.in8(0x60));
    return out;
  };
  return { kbc, bus, irq1, irq12, a20, platform, cmd, drain };
}

describe('I8042', () => {
  it('passes the controller self-test and interface tests', () => {
    const { bus, cmd, drain } = setup();
    expect(bus.in8(0x64) & 0x04).toBe(0);
    cmd(0xaa);
    expect(bus.in8(0x64) & 0x09).toBe(0x09); // OBF, last write was a command
    expect(drain()).toEqual([0x55]);
    expect(bus.in8(0x64) & 0x04).toBe(0x04); // system flag
    cmd(0xab);
    cmd(0xa9);
    expect(drain()).toEqual([0x00, 0x00]);
  });

  it('reads and writes the command byte; enable/disable commands toggle its bits', () => {
    const { cmd, drain } = setup();
    cmd(0x20);
    expect(drain()).toEqual([0x03]);
    cmd(0x60, 0x61);
    cmd(0x20);
    expect(drain()).toEqual([0x61]);
    cmd(0xa8);
    cmd(0xad);
    cmd(0x20);
    expect(drain()).toEqual([0x51]);
    cmd(0xa7);
    cmd(0xae);
    cmd(0x20);
    expect(drain()).toEqual([0x61]);
  });

  it('gates A20 through the output port and the 0xDD/0xDF commands', () => {
    const { kbc, cmd, drain, a20 } = setup();
    expect(a20.level).toBe(true);
    cmd(0xd1, 0xdd);
    expect(a20.level).toBe(false);
    expect(kbc.a20Enabled).toBe(false);
    cmd(0xd0);
    expect(drain()[0]! & 0x03).toBe(0x01);
    cmd(0xd1, 0xdf);
    cmd(0xff); // the null pulse Linux sends after it
    expect(a20.level).toBe(true);
    cmd(0xdd);
    expect(a20.level).toBe(false);
    cmd(0xdf);
    expect(a20.level).toBe(true);
  });

  it('resets the machine on pulse 0xFE or an output port write with bit 0 clear', () => {
    const { cmd, platform } = setup();
    cmd(0xff);
    cmd(0xf1);
    expect(platform.resets).toEqual([]);
    cmd(0xfe);
    expect(platform.resets.length).toBe(1);
    cmd(0xd1, 0x02);
    expect(platform.resets.length).toBe(2);
  });

  it('answers keyboard reset and identify, translating the ID as a PC does', () => {
    const { bus, cmd, drain } = setup();
    bus.out8(0x60, 0xff);
    expect(drain()).toEqual([0xfa, 0xaa]);
    bus.out8(0x60, 0xf2);
    expect(drain()).toEqual([0xfa, 0xab, 0x83]);
    cmd(0x60, 0x41); // translation on
    bus.out8(0x60, 0xf2);
    expect(drain()).toEqual([0xfa, 0xab, 0x41]);
    bus.out8(0x60, 0xed);
    bus.out8(0x60, 0x07);
    expect(drain()).toEqual([0xfa, 0xfa]);
    bus.out8(0x60, 0x12); // not a command
    expect(drain()).toEqual([0xfe]);
  });

  it('turns key events into set 2 codes, translated to set 1 when the command byte asks', () => {
    const { kbc, cmd, drain } = setup();
    cmd(0x60, 0x01);
    kbc.keyEvent('KeyA', true);
    kbc.keyEvent('KeyA', false);
    kbc.keyEvent('ArrowUp', true);
    kbc.keyEvent('ArrowUp', false);
    expect(drain()).toEqual([0x1c, 0xf0, 0x1c, 0xe0, 0x75, 0xe0, 0xf0, 0x75]);
    cmd(0x60, 0x41);
    kbc.keyEvent('KeyA', true);
    kbc.keyEvent('KeyA', false);
    kbc.keyEvent('ArrowUp', true);
    kbc.keyEvent('ArrowUp', false);
    expect(drain()).toEqual([0x1e, 0x9e, 0xe0, 0x48, 0xe0, 0xc8]);
    expect(kbc.keyEvent('PrintScreen', true)).toBe(true);
    expect(drain()).toEqual([0xe0, 0x2a, 0xe0, 0x37]);
    expect(kbc.keyEvent('Pause', true)).toBe(true);
    expect(drain()).toEqual([0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5]);
    // With the interface disabled the keyboard's 16-byte buffer fills; a sequence that does not fit is refused whole.
    cmd(0xad);
    for (let i = 0; i < 5; i++) expect(kbc.keyEvent('Home', false)).toBe(true); // E0 F0 6C: 3 bytes each
    expect(kbc.keyEvent('Home', false)).toBe(false);
    expect(kbc.keyEvent('KeyA', true)).toBe(true);
    cmd(0xae);
    expect(drain()).toEqual([...Array(5).fill([0xe0, 0xc7]).flat(), 0x1e]);
    expect(kbc.keyEvent('NoSuchKey', true)).toBe(false);
  });

  it('translation of every known key agrees with its set 1 code', () => {
    for (const code of knownKeyCodes()) {
      const k = keyScanCodes(code);
      if (!k) continue;
      expect(translateSet2Byte(k.set2 & 0xff)).toBe(k.set1 & 0xff);
      expect(k.set1 > 0xff).toBe(k.set2 > 0xff);
    }
  });

  it('switches to scan code set 1 and reports the set in use', () => {
    const { kbc, bus, drain } = setup();
    bus.out8(0x60, 0xf0);
    bus.out8(0x60, 0x00);
    expect(drain()).toEqual([0xfa, 0xfa, 0x02]);
    bus.out8(0x60, 0xf0);
    bus.out8(0x60, 0x01);
    kbc.keyEvent('Enter', true);
    kbc.keyEvent('Enter', false);
    expect(drain()).toEqual([0xfa, 0xfa, 0x1c, 0x9c]);
    bus.out8(0x60, 0xf0);
    bus.out8(0x60, 0x03);
    expect(drain()).toEqual([0xfa, 0xfe]); // set 3 is not supported
  });

  it('interrupts on IRQ1 per byte and re-raises for the next one', () => {
    const { kbc, bus, irq1 } = setup();
    kbc.keyEvent('KeyQ', true);
    expect(irq1.level).toBe(true);
    expect(bus.in8(0x60)).toBe(0x15);
    expect(irq1.level).toBe(false);
    kbc.keyEvent('KeyQ', false);
    expect(irq1.edges).toBe(2);
    expect(bus.in8(0x60)).toBe(0xf0);
    expect(irq1.edges).toBe(3);
    expect(bus.in8(0x60)).toBe(0x15);
    expect(irq1.level).toBe(false);
  });

  it('holds keyboard bytes while the keyboard interface is disabled', () => {
    const { kbc, cmd, drain, irq1 } = setup();
    cmd(0xad);
    kbc.keyEvent('KeyZ', true);
    expect(drain()).toEqual([]);
    expect(irq1.level).toBe(false);
    cmd(0xae);
    expect(irq1.level).toBe(true);
    expect(drain()).toEqual([0x1a]);
  });

  it('drives the mouse through 0xD4 and reports on IRQ12 with the AUX status bit', () => {
    const { kbc, bus, cmd, drain, irq12 } = setup();
    cmd(0xd4, 0xff);
    expect(bus.in8(0x64) & 0x21).toBe(0x21);
    expect(irq12.level).toBe(true);
    expect(drain()).toEqual([0xfa, 0xaa, 0x00]);
    cmd(0xd4, 0xf4);
    expect(drain()).toEqual([0xfa]);
    kbc.mouseEvent(5, 3, 0, 1);
    expect(drain()).toEqual([0x29, 5, 0xfd]); // left button, y negative (moved down)
    kbc.mouseEvent(-300, 0, 0, 0);
    expect(drain()).toEqual([0x08 | 0x10 | 0x40, 0x00, 0x00]);
  });

  it('unlocks the IntelliMouse wheel with the 200/100/80 sample-rate knock', () => {
    const { kbc, cmd, drain } = setup();
    for (const rate of [200, 100, 80]) {
      cmd(0xd4, 0xf3);
      cmd(0xd4, rate);
    }
    cmd(0xd4, 0xf2);
    cmd(0xd4, 0xf4);
    expect(drain()).toEqual([0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0x03, 0xfa]);
    kbc.mouseEvent(0, 0, -1, 0);
    expect(drain()).toEqual([0x08, 0, 0, 0xff]);
    cmd(0xd4, 0xe9);
    expect(drain()).toEqual([0xfa, 0x20, 2, 80]);
  });

  it('loops a byte back as auxiliary data (Linux i8042_check_aux) and as keyboard data', () => {
    const { bus, cmd, irq12, irq1 } = setup();
    cmd(0xd3, 0x5a);
    expect(bus.in8(0x64) & 0x21).toBe(0x21);
    expect(irq12.level).toBe(true);
    expect(bus.in8(0x60)).toBe(0x5a);
    cmd(0xd2, 0x33);
    expect(bus.in8(0x64) & 0x21).toBe(0x01);
    expect(irq1.level).toBe(true);
    expect(bus.in8(0x60)).toBe(0x33);
  });

  it('survives the probe sequence of Linux i8042 + atkbd + psmouse', () => {
    const { kbc, bus, cmd, drain, irq1, irq12 } = setup();
    /** i8042_command: write the command (and parameter), collect `n` reply bytes with their AUXDATA flags. */
    const command = (c: number, param: number | undefined, n: number) => {
      cmd(c, param);
      const out: [number, boolean][] = [];
      for (let i = 0; i < n; i++) {
        const st = bus.in8(0x64);
        expect(st & 0x01).toBe(1);
        out.push([bus.in8(0x60), (st & 0x20) !== 0]);
      }
      return out;
    };
    expect(drain()).toEqual([]); // i8042_flush
    expect(bus.in8(0x64) & 0x10).toBe(0x10); // keylock not active
    const ctr = command(0x20, undefined, 1)[0]![0];
    expect(command(0x20, undefined, 1)[0]![0]).toBe(ctr);
    cmd(0x60, (ctr & ~0x03) | 0x30 | 0x40); // interrupts off, both ports disabled, translation kept
    expect(command(0xaa, undefined, 1)).toEqual([[0x55, false]]);
    // i8042_check_aux: loopback, then toggling the AUX disable bit
    expect(command(0xd3, 0x5a, 1)).toEqual([[0x5a, true]]);
    cmd(0xa7);
    expect(command(0x20, undefined, 1)[0]![0] & 0x20).toBe(0x20);
    cmd(0xa8);
    expect(command(0x20, undefined, 1)[0]![0] & 0x20).toBe(0);
    // ... and the AUX IRQ delivery test
    cmd(0x60, 0x40 | 0x10 | 0x02);
    irq12.clearHistory();
    cmd(0xd3, 0xa5);
    expect(irq12.edges).toBe(1);
    expect(bus.in8(0x64) & 0x21).toBe(0x21);
    expect(bus.in8(0x60)).toBe(0xa5);
    // MUX probe: a plain loopback echoes 0xA4, so Linux concludes there is no multiplexer.
    expect(command(0xd3, 0xf0, 1)[0]![0]).toBe(0xf0);
    expect(command(0xd3, 0x56, 1)[0]![0]).toBe(0x56);
    expect(command(0xd3, 0xa4, 1)[0]![0]).toBe(0xa4);
    // Ports on with interrupts, as i8042 leaves them.
    cmd(0x60, 0x40 | 0x04 | 0x03);
    // atkbd: reset-disable, get ID (translated), set LEDs, typematic, enable
    irq1.clearHistory();
    bus.out8(0x60, 0xf5);
    expect(irq1.level).toBe(true);
    expect(drain()).toEqual([0xfa]);
    bus.out8(0x60, 0xf2);
    expect(drain()).toEqual([0xfa, 0xab, 0x41]);
    bus.out8(0x60, 0xed);
    bus.out8(0x60, 0x00);
    bus.out8(0x60, 0xf3);
    bus.out8(0x60, 0x00);
    bus.out8(0x60, 0xf4);
    expect(drain()).toEqual([0xfa, 0xfa, 0xfa, 0xfa, 0xfa]);
    // psmouse: reset, get ID, IntelliMouse and Explorer knocks, enable
    const aux = (b: number) => cmd(0xd4, b);
    aux(0xff);
    aux(0xf2);
    expect(drain()).toEqual([0xfa, 0xaa, 0x00, 0xfa, 0x00]);
    for (const rate of [200, 100, 80, 200, 200, 80]) {
      aux(0xf3);
      aux(rate);
    }
    aux(0xf2);
    expect(drain().slice(-2)).toEqual([0xfa, 0x04]);
    aux(0xf4);
    expect(drain()).toEqual([0xfa]);
    kbc.mouseEvent(1, -1, 1, 0x08);
    expect(drain()).toEqual([0x08, 1, 1, 0x11]); // wheel +1, button 4 in bit 4
  });

  it('round-trips a snapshot with queued keys', () => {
    const a = setup();
    a.cmd(0x60, 0x41);
    a.cmd(0xd1, 0xdd);
    a.kbc.keyEvent('KeyB', true);
    a.kbc.keyEvent('KeyB', false);
    const snap = a.kbc.snapshot();
    const b = setup();
    b.kbc.restore(snap);
    b.kbc.syncOutputs();
    expect(b.a20.level).toBe(false);
    expect(b.irq1.level).toBe(true);
    expect(b.drain()).toEqual([0x30, 0xb0]);
    expect(() => b.kbc.restore({ ...snap, fields: { ...snap.fields, keyboard: { scanSet: 9 } } })).toThrow(StateError);
  });
});
