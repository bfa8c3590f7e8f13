import { RecordingIrqLine } from '@vm/bus/test';
import { describe, expect, it } from 'vitest';
import { ForwardingLine } from './forwarding-line.js';
import { IrqRouter } from './irq-router.js';

describe('IrqRouter', () => {
  it('forwards a source level to the attached controller input', () => {
    const r = new IrqRouter(16);
    const pic = new RecordingIrqLine();
    r.attach(4, pic);
    const uart = r.line(4, 'uart0');
    uart.raise();
    uart.raise();
    expect(pic.level).toBe(true);
    expect(pic.edges).toBe(1);
    uart.lower();
    expect(pic.level).toBe(false);
    expect(r.level(4)).toBe(false);
  });

  it('wire-ORs several sources on one input', () => {
    const r = new IrqRouter(16);
    const pic = new RecordingIrqLine();
    r.attach(11, pic);
    const a = r.line(11, 'nic0');
    const b = r.line(11, 'scsi0');
    a.raise();
    b.raise();
    a.lower();
    expect(pic.level).toBe(true); // b still holds it
    b.lower();
    expect(pic.level).toBe(false);
    expect(pic.history).toEqual([false, true, false]); // attach, then only OR changes
    // A pulse while another source holds the line is invisible, as on real wires.
    b.raise();
    pic.clearHistory();
    a.pulse();
    expect(pic.history).toEqual([]);
  });

  it('feeds several targets and drives a late target with the current level', () => {
    const r = new IrqRouter(24);
    const src = r.line(8, 'rtc');
    src.raise();
    const pic = new RecordingIrqLine();
    const ioapic = new RecordingIrqLine();
    r.attach(8, pic);
    r.attach(8, ioapic);
    expect(pic.level && ioapic.level).toBe(true);
    src.lower();
    expect(pic.level || ioapic.level).toBe(false);
  });

  it('rejects inputs that do not exist', () => {
    const r = new IrqRouter(16);
    expect(() => r.line(16)).toThrow(RangeError);
    expect(() => r.attach(-1, new RecordingIrqLine())).toThrow(/0\.\.15/);
    expect(() => new IrqRouter(0)).toThrow(RangeError);
  });

  it('restores source levels and re-drives targets on refresh', () => {
    const r = new IrqRouter(4);
    const pic = new RecordingIrqLine();
    r.attach(1, pic);
    const a = r.line(1);
    const b = r.line(1);
    a.raise();
    const saved = r.snapshot();
    expect(saved.levels).toEqual([true, false]);
    a.lower();
    b.raise();
    b.lower();
    r.restore(saved);
    expect(r.level(1)).toBe(true);
    expect(pic.level).toBe(false); // not told until refresh
    r.refresh();
    expect(pic.level).toBe(true);
    a.lower(); // counts stay consistent after a restore
    expect(pic.level).toBe(false);
    expect(() => r.restore({ levels: [true] })).toThrow(RangeError);
  });
});

describe('ForwardingLine', () => {
  it('remembers the level until a target is connected', () => {
    const f = new ForwardingLine();
    f.raise();
    const cpu = new RecordingIrqLine();
    f.connect(cpu);
    expect(cpu.level).toBe(true);
    f.lower();
    f.pulse();
    expect(cpu.edges).toBe(2);
    expect(cpu.level).toBe(false);
    f.connect(null);
    f.raise();
    expect(cpu.level).toBe(false);
  });
});
