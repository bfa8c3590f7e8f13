import { expect, it } from 'vitest';
import { CharRecorder, ManualClock, RamDmaSpace, RecordingIrqLine, TestPortBus } from '@vm/bus/test';
import { COM_PORTS, Pic8259, Pit8254, Rtc146818, Uart16550 } from '../index.js';

// The README's ISA snippet, kept runnable.
it('runs the README example', () => {
  const ports = new TestPortBus();
  const clock = new ManualClock();
  const ctx = {
    ports,
    clock,
    timers: clock,
    memory: new RamDmaSpace(1 << 20),
    mmio: { mapMmio: (base: number, size: number) => ({ base, size, move() {}, unmap() {} }) },
  };
  const intr = new RecordingIrqLine(); // the CPU's INTR pin
  const pic = new Pic8259({ intr });
  const pit = new Pit8254({ irq0: pic.inputs[0]! });
  const serial = new CharRecorder();
  const com1 = new Uart16550({ base: COM_PORTS[0]!.base, irq: pic.inputs[COM_PORTS[0]!.irq]!, backend: serial });
  const rtc = new Rtc146818({ irq: pic.inputs[8]!, startTime: Date.UTC(2024, 0, 1) / 1000 });
  rtc.setMemorySize(256 << 20);
  for (const d of [pic, pit, com1, rtc]) {
    d.realize(ctx);
    d.reset();
  }

  // The PIC as Linux initializes it (vectors 0x30/0x38), IRQ0 unmasked; the PIT at 100 Hz.
  for (const [p, v] of [[0x20, 0x11], [0x21, 0x30], [0x21, 0x04], [0x21, 0x01], [0xa0, 0x11], [0xa1, 0x38], [0xa1, 0x02], [0xa1, 0x01], [0x21, 0xfa]])
    ports.out8(p!, v!);
  ports.out8(0x43, 0x34);
  ports.out8(0x40, 11931 & 0xff);
  ports.out8(0x40, 11931 >> 8);
  let ticks = 0;
  for (let i = 0; i < 100; i++) {
    clock.advance(10_000_000);
    if (intr.level && pic.acknowledge() === 0x30) ticks++;
    ports.out8(0x20, 0x20); // EOI
  }
  expect(ticks).toBe(100);

  for (const c of 'hi\n') ports.out8(0x3f8, c.charCodeAt(0));
  expect(serial.text).toBe('hi\n');

  ports.out8(0x70, 0x09);
  expect(ports.in8(0x71)).toBe(0x24); // year, BCD
  const cmos = (i: number) => (ports.out8(0x70, i), ports.in8(0x71));
  expect(cmos(0x34) | (cmos(0x35) << 8)).toBe((256 - 16) * 16); // 64 KiB units above 16 MiB
});
