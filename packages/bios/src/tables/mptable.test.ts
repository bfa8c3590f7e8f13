import { describe, expect, it } from 'vitest';
import { byteSum, getAscii, le16, le32 } from '../bytes.js';
import { buildMpTables, MpEntry } from './mptable.js';

function entries(t: Uint8Array): Uint8Array[] {
  const out = [];
  for (let at = 44; at < t.length; at += t[at] === MpEntry.Processor ? 20 : 8) out.push(t.subarray(at, at + (t[at] === 0 ? 20 : 8)));
  return out;
}

describe('MP tables', () => {
  const mp = buildMpTables({ cpus: 2, pciInterrupts: [{ device: 3, pin: 1, ioApicPin: 11 }] }, 0xf0020);

  it('has a valid floating pointer to the configuration table', () => {
    const f = mp.floating;
    expect(getAscii(f, 0, 4)).toBe('_MP_');
    expect(le32(f, 4)).toBe(0xf0020);
    expect([f[8], f[9], f[11]]).toEqual([1, 4, 0]);
    expect(byteSum(f)).toBe(0);
  });

  it('has a valid configuration table header', () => {
    const t = mp.config;
    expect(getAscii(t, 0, 4)).toBe('PCMP');
    expect(le16(t, 4)).toBe(t.length);
    expect(t[6]).toBe(4);
    expect(byteSum(t)).toBe(0);
    expect(le16(t, 34)).toBe(entries(t).length);
    expect(le32(t, 36)).toBe(0xfee00000);
  });

  it('lists processors, buses, the I/O APIC and interrupts in type order', () => {
    const e = entries(mp.config);
    const types = e.map((x) => x[0]!);
    expect(types).toEqual([...types].sort((a, b) => a - b));
    const cpus = e.filter((x) => x[0] === 0);
    expect(cpus.map((c) => [c[1], c[3]])).toEqual([
      [0, 3],
      [1, 1],
    ]);
    const buses = e.filter((x) => x[0] === 1).map((b) => [b[1], getAscii(b, 2, 6).trim()]);
    expect(buses).toEqual([
      [0, 'PCI'],
      [1, 'ISA'],
    ]);
    const io = e.find((x) => x[0] === 2)!;
    expect([io[1], io[2], io[3], le32(io, 4)]).toEqual([2, 0x11, 1, 0xfec00000]);
    const ints = e.filter((x) => x[0] === 3).map((x) => ({ kind: x[1], flags: le16(x, 2), bus: x[4], irq: x[5], pin: x[7] }));
    expect(ints[0]).toEqual({ kind: 0, flags: 0x0d, bus: 0, irq: (3 << 2) | 0, pin: 11 });
    expect(ints.find((i) => i.kind === 3)).toEqual({ kind: 3, flags: 0, bus: 1, irq: 0, pin: 0 });
    const isa = ints.filter((i) => i.bus === 1 && i.kind === 0);
    expect(isa.find((i) => i.irq === 0)!.pin).toBe(2); // IRQ0 -> INTIN2
    expect(isa.some((i) => i.irq === 2)).toBe(false);
    expect(isa.some((i) => i.irq === 11)).toBe(false); // taken by PCI
    expect(isa.find((i) => i.irq === 9)!.flags).toBe(0x0d); // SCI
    expect(isa.find((i) => i.irq === 4)).toEqual({ kind: 0, flags: 0, bus: 1, irq: 4, pin: 4 });
    const local = e.filter((x) => x[0] === 4).map((x) => [x[1], x[6], x[7]]);
    expect(local).toEqual([
      [3, 0xff, 0],
      [1, 0xff, 1],
    ]);
  });

  it('rejects bad options', () => {
    expect(() => buildMpTables({ cpus: 0 }, 0)).toThrow(/cpus 0/);
    expect(() => buildMpTables({ cpus: 1, pciInterrupts: [{ device: 40, pin: 1, ioApicPin: 1 }] }, 0)).toThrow(/out of range/);
    expect(() => buildMpTables({ cpus: 1, pciBus: false, pciInterrupts: [{ device: 1, pin: 1, ioApicPin: 1 }] }, 0)).toThrow(/without a PCI bus/);
  });
});
