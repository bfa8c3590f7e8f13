import { describe, expect, it } from 'vitest';
import type { PlatformControl } from '@vm/bus';
import { CharRecorder, ManualClock, RecordingIrqLine, TestPortBus } from '@vm/bus/test';
import { A20Gate } from './a20-gate.js';
import { DebugConsolePort } from './debug-console-port.js';
import { PostCodePort } from './post-code-port.js';
import { ResetControlRegister } from './reset-control-register.js';
import { SystemControlPortA } from './system-control-port-a.js';

class RecordingPlatform implements PlatformControl {
  readonly resets: string[] = [];
  requestReset(reason: string): void {
    this.resets.push(reason);
  }
  requestPowerOff(): void {}
}

function ctx() {
  const bus = new TestPortBus();
  const clock = new ManualClock();
  return { bus, ctx: { ports: bus, mmio: null as never, memory: null as never, clock, timers: clock } };
}

describe('SystemControlPortA (0x92)', () => {
  it('gates A20 with bit 1 and fast-resets on a 0->1 edge of bit 0', () => {
    const { bus, ctx: c } = ctx();
    const a20 = new RecordingIrqLine();
    const platform = new RecordingPlatform();
    const p = new SystemControlPortA({ a20, platform });
    expect(p.realize(c).ok).toBe(true);
    p.reset();
    // Linux's a20 enable: set bit 1, keep bit 0 clear.
    bus.out8(0x92, (bus.in8(0x92) | 0x02) & ~0x01);
    expect(a20.level).toBe(true);
    expect(bus.in8(0x92)).toBe(0x02);
    expect(platform.resets).toEqual([]);
    bus.out8(0x92, 0x03);
    expect(platform.resets.length).toBe(1);
    bus.out8(0x92, 0x03); // no new edge
    expect(platform.resets.length).toBe(1);
    bus.out8(0x92, 0x00);
    expect(a20.level).toBe(false);
    const snap = p.snapshot();
    bus.out8(0x92, 0x02);
    p.restore(snap);
    expect(bus.in8(0x92)).toBe(0);
  });
});

describe('A20Gate', () => {
  it('enables A20 while any source enables it', () => {
    const out = new RecordingIrqLine();
    const gate = new A20Gate(out);
    gate.inputs[0]!.raise();
    expect(out.level).toBe(true);
    gate.inputs[1]!.raise();
    gate.inputs[0]!.lower();
    expect(out.level).toBe(true);
    gate.inputs[1]!.lower();
    expect(out.level).toBe(false);
    expect(gate.enabled).toBe(false);
    expect(out.history).toEqual([true, false]);
  });
});

describe('ResetControlRegister (0xCF9)', () => {
  it('resets on RCPU with the hard/soft choice of SRST, as Linux reboot=pci writes it', () => {
    const { bus, ctx: c } = ctx();
    const platform = new RecordingPlatform();
    const r = new ResetControlRegister({ platform });
    expect(r.realize(c).ok).toBe(true);
    bus.out8(0xcf9, 0x02);
    expect(bus.in8(0xcf9)).toBe(0x02);
    expect(platform.resets).toEqual([]);
    bus.out8(0xcf9, 0x06);
    expect(platform.resets).toEqual(['port 0xcf9: hard reset']);
    bus.out8(0xcf9, 0x04);
    expect(platform.resets[1]).toBe('port 0xcf9: soft reset');
  });

  it('can leave the port to a PCI host bridge that forwards byte accesses', () => {
    const { bus, ctx: c } = ctx();
    const platform = new RecordingPlatform();
    const r = new ResetControlRegister({ platform, registerPort: false });
    expect(r.realize(c).ok).toBe(true);
    expect(bus.in8(0xcf9)).toBe(0xff);
    r.write8(0, 0x06);
    expect(platform.resets.length).toBe(1);
  });
});

describe('PostCodePort (0x80)', () => {
  it('delivers every byte to the sink and reads as an empty ISA port', () => {
    const { bus, ctx: c } = ctx();
    const codes: number[] = [];
    const p = new PostCodePort({ sink: (v) => codes.push(v) });
    expect(p.realize(c).ok).toBe(true);
    bus.out8(0x80, 0x11);
    bus.out8(0x80, 0xaa);
    expect(codes).toEqual([0x11, 0xaa]);
    expect(p.lastCode).toBe(0xaa);
    expect(bus.in8(0x80)).toBe(0xff);
    const q = new PostCodePort();
    q.restore(p.snapshot());
    expect(q.lastCode).toBe(0xaa);
  });
});

describe('DebugConsolePort', () => {
  it('logs SeaBIOS output at 0x402 and reads back 0xE9', () => {
    const { bus, ctx: c } = ctx();
    const log = new CharRecorder();
    const d = new DebugConsolePort({ backend: log });
    expect(d.realize(c).ok).toBe(true);
    expect(bus.in8(0x402)).toBe(0xe9);
    for (const ch of 'SeaBIOS\n') bus.out8(0x402, ch.charCodeAt(0));
    expect(log.text).toBe('SeaBIOS\n');
    const e9 = new DebugConsolePort({ backend: log, port: 0xe9, name: 'e9' });
    expect(e9.realize(c).ok).toBe(true);
    bus.out8(0xe9, 0x21);
    expect(log.text).toBe('SeaBIOS\n!');
    // Two devices claiming one port is a wiring error reported by realize.
    const clash = new DebugConsolePort({ backend: log, port: 0xe9 });
    const r = clash.realize(c);
    expect(r.ok).toBe(false);
    // destroy() hands the port back.
    e9.destroy();
    expect(bus.in8(0xe9)).toBe(0xff);
    expect(clash.realize(c).ok).toBe(true);
  });
});
