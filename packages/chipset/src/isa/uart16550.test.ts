import { describe, expect, it } from 'vitest';
import { StateError } from '@vm/bus';
import { CharRecorder, ManualClock, RecordingIrqLine, TestPortBus } from '@vm/bus/test';
import { COM_PORTS, Uart16550 } from './uart16550.js';
import type { UartPacing } from './uart16550.js';

const COM1 = 0x3f8;
const RBR = COM1,
  IER = COM1 + 1,
  IIR = COM1 + 2,
  FCR = COM1 + 2,
  LCR = COM1 + 3,
  MCR = COM1 + 4,
  LSR = COM1 + 5,
  MSR = COM1 + 6,
  SCR = COM1 + 7;

function setup(pacing: UartPacing = 'immediate') {
  const irq = new RecordingIrqLine();
  const line = new CharRecorder();
  const uart = new Uart16550({ irq, backend: line, pacing, base: COM_PORTS[0]!.base });
  const bus = new TestPortBus();
  const clock = new ManualClock();
  expect(uart.realize({ ports: bus, mmio: null as never, memory: null as never, clock, timers: clock }).ok).toBe(true);
  uart.reset();
  irq.clearHistory();
  return { uart, bus, clock, irq, line };
}

describe('Uart16550', () => {
  it('passes the probes of Linux 8250 autoconfig and is identified as a 16550A', () => {
    const { bus } = setup();
    // IER scratch test
    bus.out8(IER, 0);
    expect(bus.in8(IER) & 0x0f).toBe(0);
    bus.out8(IER, 0x0f);
    expect(bus.in8(IER) & 0x0f).toBe(0x0f);
    bus.out8(IER, 0);
    // Loopback with RTS|OUT2: MSR reads CTS|DCD
    bus.out8(MCR, 0x10 | 0x0a);
    expect(bus.in8(MSR) & 0xf0).toBe(0x90);
    bus.out8(MCR, 0);
    // FIFO present: IIR bits 7:6 = 11
    bus.out8(FCR, 0x01);
    expect(bus.in8(IIR) >> 6).toBe(3);
    // no EFR behind LCR=0xBF, no 64-byte FIFO (16750), no IER UUE bit (XScale)
    bus.out8(LCR, 0xbf);
    expect(bus.in8(IIR)).not.toBe(0);
    bus.out8(LCR, 0x80);
    bus.out8(FCR, 0x21);
    expect(bus.in8(IIR) >> 5).toBe(6);
    bus.out8(LCR, 0);
    bus.out8(IER, 0x40);
    expect(bus.in8(IER)).toBe(0);
    // scratch register
    bus.out8(SCR, 0xa5);
    expect(bus.in8(SCR)).toBe(0xa5);
    expect(bus.in8(LSR)).toBe(0x60);
  });

  it('latches the divisor behind DLAB', () => {
    const { bus, uart } = setup();
    bus.out8(LCR, 0x83);
    bus.out8(COM1, 0x01);
    bus.out8(COM1 + 1, 0x00);
    expect([bus.in8(COM1), bus.in8(COM1 + 1)]).toEqual([1, 0]);
    bus.out8(LCR, 0x03);
    expect(uart.baudRate).toBe(115200);
    bus.out8(IER, 0x05);
    expect(bus.in8(IER)).toBe(0x05);
    bus.out8(LCR, 0x83);
    expect(bus.in8(COM1 + 1)).toBe(0); // DLM, not IER
  });

  it('THRE interrupt: raised when ETBEI is enabled, cleared by reading IIR, re-armed by IER and THR writes', () => {
    const { bus, irq, line } = setup();
    bus.out8(MCR, 0x0b); // DTR, RTS, OUT2
    bus.out8(IER, 0x02);
    expect(irq.level).toBe(true);
    expect(bus.in8(IIR)).toBe(0x02);
    expect(irq.level).toBe(false);
    expect(bus.in8(IIR)).toBe(0x01);
    // Linux's UART_BUG_THRE test: IER off and on again must re-assert THRE.
    bus.out8(IER, 0);
    bus.out8(IER, 0x02);
    expect(bus.in8(IIR) & 0x0f).toBe(0x02);
    bus.out8(RBR, 0x41);
    expect(irq.level).toBe(true);
    expect(line.text).toBe('A');
    expect(bus.in8(LSR) & 0x60).toBe(0x60);
  });

  it('keeps the IRQ off the bus without OUT2 and in loopback', () => {
    const { bus, irq } = setup();
    bus.out8(IER, 0x02);
    expect(bus.in8(IIR)).toBe(0x02); // pending ...
    bus.out8(IER, 0);
    bus.out8(IER, 0x02);
    expect(irq.level).toBe(false); // ... but gated
    bus.out8(MCR, 0x08);
    expect(irq.level).toBe(true);
    bus.out8(MCR, 0x18);
    expect(irq.level).toBe(false);
  });

  it('loops transmitted bytes back to the receiver in loopback mode', () => {
    const { bus, line } = setup();
    bus.out8(MCR, 0x10);
    bus.out8(RBR, 0x5a);
    expect(bus.in8(LSR) & 0x01).toBe(1);
    expect(bus.in8(RBR)).toBe(0x5a);
    expect(bus.in8(LSR) & 0x01).toBe(0);
    expect(line.output).toEqual([]);
    // A second byte without FIFO overruns the single holding register.
    bus.out8(RBR, 1);
    bus.out8(RBR, 2);
    expect(bus.in8(LSR) & 0x03).toBe(0x03);
    expect(bus.in8(LSR) & 0x02).toBe(0); // OE cleared by reading LSR
    expect(bus.in8(RBR)).toBe(1);
  });

  it('reports received data at the FIFO trigger level and by character timeout below it', () => {
    const { bus, irq, line, clock } = setup();
    bus.out8(LCR, 0x03);
    bus.out8(FCR, 0x87); // FIFO on, clear both, trigger 8
    bus.out8(MCR, 0x08);
    bus.out8(IER, 0x01);
    line.type('1234567');
    expect(irq.level).toBe(false);
    line.type('8');
    expect(irq.level).toBe(true);
    expect(bus.in8(IIR)).toBe(0xc4);
    expect(bus.in8(RBR)).toBe(0x31);
    expect(irq.level).toBe(false);
    // 7 left, below the trigger: after 4 character times (8N1 at 9600 baud) the timeout fires.
    clock.advance(4 * 1_041_667 - 1000);
    expect(irq.level).toBe(false);
    clock.advance(2000);
    expect(irq.level).toBe(true);
    expect(bus.in8(IIR)).toBe(0xcc);
    let s = '';
    while (bus.in8(LSR) & 1) s += String.fromCharCode(bus.in8(RBR));
    expect(s).toBe('2345678');
    expect(bus.in8(IIR)).toBe(0xc1);
    expect(irq.level).toBe(false);
  });

  it('holds input back while the FIFO is full and asks for it again as the guest reads', () => {
    const { bus, line } = setup();
    bus.out8(FCR, 0x01);
    line.type('abcdefghijklmnopqrst');
    expect(line.backlog).toBe(4);
    let s = '';
    while (bus.in8(LSR) & 1) s += String.fromCharCode(bus.in8(RBR));
    expect(s).toBe('abcdefghijklmnopqrst');
    expect(line.backlog).toBe(0);
    // Without the FIFO only one byte is held.
    bus.out8(FCR, 0x00);
    line.type('xy');
    expect(line.backlog).toBe(1);
    expect(bus.in8(RBR)).toBe(0x78);
    expect(bus.in8(RBR)).toBe(0x79);
  });

  it('raises a line status interrupt on overrun when ELSI is set', () => {
    const { bus, irq } = setup();
    bus.out8(FCR, 0x01);
    bus.out8(MCR, 0x18);
    for (let i = 0; i < 17; i++) bus.out8(RBR, i);
    bus.out8(MCR, 0x08);
    bus.out8(IER, 0x04);
    expect(irq.level).toBe(true);
    expect(bus.in8(IIR)).toBe(0xc6);
    expect(bus.in8(LSR) & 0x03).toBe(0x03);
    expect(irq.level).toBe(false);
  });

  it('reports modem line changes with delta bits and the modem status interrupt', () => {
    const { bus, irq, uart } = setup();
    expect(bus.in8(MSR)).toBe(0xb0);
    bus.out8(MCR, 0x08);
    bus.out8(IER, 0x08);
    uart.setModemInputs({ cts: true, dsr: true, ri: true, dcd: false });
    expect(irq.level).toBe(true);
    expect(bus.in8(IIR)).toBe(0x00);
    expect(bus.in8(MSR)).toBe(0x70 | 0x08);
    expect(irq.level).toBe(false);
    uart.setModemInputs({ cts: true, dsr: true, ri: false, dcd: false });
    expect(bus.in8(MSR)).toBe(0x30 | 0x04); // TERI on RI's trailing edge
  });

  it('paces transmission at the baud rate when configured', () => {
    const { bus, clock, line, irq } = setup('baud');
    bus.out8(LCR, 0x83);
    bus.out8(COM1, 1); // 115200 baud: 10 bits = 86.806 us
    bus.out8(LCR, 0x03);
    bus.out8(FCR, 0x01);
    bus.out8(MCR, 0x08);
    for (const c of 'hey') bus.out8(RBR, c.charCodeAt(0));
    expect(line.output).toEqual([]);
    expect(bus.in8(LSR) & 0x60).toBe(0);
    clock.advance(86_806);
    expect(line.text).toBe('h');
    clock.advance(86_806);
    expect(line.text).toBe('he');
    expect(bus.in8(LSR) & 0x60).toBe(0x20); // THR empty, shifter busy
    bus.out8(IER, 0x02);
    expect(irq.level).toBe(true);
    clock.advance(86_806);
    expect(line.text).toBe('hey');
    expect(bus.in8(LSR) & 0x60).toBe(0x60);
  });

  it('treats divisor 0 as the slowest rate rather than dividing by zero', () => {
    const { bus, uart, clock, line } = setup('baud');
    bus.out8(LCR, 0x83);
    bus.out8(COM1, 0);
    bus.out8(COM1 + 1, 0);
    bus.out8(LCR, 0x03);
    expect(uart.baudRate).toBeCloseTo(115200 / 65536);
    bus.out8(RBR, 0x41);
    clock.advance(5_000_000_000);
    expect(line.text).toBe(''); // 10 bits at 1.76 baud take 5.7 s
    clock.advance(1_000_000_000);
    expect(line.text).toBe('A');
  });

  it('round-trips a snapshot with queued input', () => {
    const a = setup();
    a.bus.out8(FCR, 0x41);
    a.bus.out8(MCR, 0x0b);
    a.bus.out8(IER, 0x01);
    a.bus.out8(SCR, 0x33);
    a.line.type('hello');
    const snap = a.uart.snapshot();
    const b = setup();
    b.uart.restore(snap);
    b.uart.syncOutputs();
    expect(b.irq.level).toBe(true);
    expect(b.bus.in8(IIR)).toBe(0xc4);
    let s = '';
    while (b.bus.in8(LSR) & 1) s += String.fromCharCode(b.bus.in8(RBR));
    expect(s).toBe('hello');
    expect(b.bus.in8(SCR)).toBe(0x33);
    expect(() => b.uart.restore({ ...snap, fields: { ...snap.fields, rx: new Uint8Array(40) } })).toThrow(StateError);
  });
});
