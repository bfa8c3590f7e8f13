import { describe, expect, it } from 'vitest';
import type { InterruptAcknowledge } from '@vm/bus';
import { RecordingIrqLine } from '@vm/bus/test';
import { ApicMessageBus } from './apic-bus.js';
import { FwCfg } from './fw-cfg.js';
import { I440fxHostBridge } from './i440fx-host-bridge.js';
import { IoApic82093 } from './io-apic.js';
import { LocalApic } from './local-apic.js';
import { PciBus } from './pci-bus.js';
import { Piix3IsaBridge } from './piix3-isa-bridge.js';
import { Piix4Pm } from './piix4-pm.js';
import { RecordingPlatform, RecordingShadow, testContext } from './test-support.js';

/** xorshift32: a fixed sequence, so a failure reproduces. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>>= 0);
  };
}

describe('a hostile guest', () => {
  it('cannot make any PC platform device throw', () => {
    const ctx = testContext(1 << 16);
    const fabric = new ApicMessageBus();
    const ioapic = new IoApic82093({ bus: fabric });
    fabric.addEoiListener(ioapic);
    const pic: InterruptAcknowledge = { acknowledge: () => 0x20 };
    const lapic = new LocalApic({ apicId: 0, bus: fabric, intr: new RecordingIrqLine(), nmi: new RecordingIrqLine(), extInt: pic });
    fabric.addLocalApic(lapic);
    const piix3 = new Piix3IsaBridge({ isaIrqs: ioapic.inputs.slice(0, 16) });
    const pm = new Piix4Pm({ sci: ioapic.inputs[9]!, platform: new RecordingPlatform() });
    const bus = new PciBus({ pirqs: piix3.pirqInputs });
    bus.plug(new I440fxHostBridge({ shadow: new RecordingShadow() }), 0, 0);
    bus.plug(piix3, 1, 0);
    bus.plug(pm, 1, 3);
    const fw = new FwCfg();
    fw.addFile('etc/x', new Uint8Array(100), { writable: true });
    for (const d of [bus, piix3, pm, ioapic, lapic, fw]) expect(d.realize(ctx).ok).toBe(true);
    const io = ctx.ports;
    const next = rng(0x1234567);
    const ports = [0xcf8, 0xcf9, 0xcfa, 0xcfb, 0xcfc, 0xcfd, 0xcfe, 0xcff, 0xb2, 0xb3, 0x510, 0x511, 0x514, 0x518, 0xb000, 0xb004, 0xb008, 0xb00c];
    expect(() => {
      for (let i = 0; i < 20000; i++) {
        const r = next();
        const v = next();
        switch (r % 9) {
          case 0:
            io.out32(0xcf8, (0x80000000 | (v & 0x0000fffc)) >>> 0);
            break;
          case 1: {
            const p = ports[(r >>> 8) % ports.length]! + ((r >>> 16) & 3);
            const w = (r >>> 20) % 3;
            if (w === 0) io.out8(p, v);
            else if (w === 1) io.out16(p, v);
            else io.out32(p, v);
            break;
          }
          case 2: {
            const p = ports[(r >>> 8) % ports.length]! + ((r >>> 16) & 3);
            io.in8(p);
            io.in16(p);
            io.in32(p);
            break;
          }
          case 3:
            ctx.mmio.write32(0xfec00000 + (r & 0x1c), v);
            break;
          case 4:
            ctx.mmio.write32(0xfee00000 + ((r >>> 4) & 0x3f0), v);
            ctx.mmio.read32(0xfee00000 + ((r >>> 12) & 0x3f0));
            break;
          case 5:
            ioapic.inputs[r % 24]!.set((v & 1) === 1);
            break;
          case 6:
            lapic.acknowledge();
            break;
          case 7:
            ctx.clock.advance(v % 100_000);
            break;
          default:
            // Point the fw_cfg DMA at anything, including descriptors with huge lengths.
            ctx.memory.bytes.set([r >>> 24, r >>> 16, r >>> 8, r, v >>> 24, v >>> 16, 0, 0, 0, 0, 0, 0, 0, 0, v >>> 8, v], 0x100);
            io.out32(0x518, (v & 1) === 1 ? 0x00010000 : v);
            break;
        }
      }
    }).not.toThrow();
  });
});
