import { describe, expect, it } from 'vitest';
import { FrameRing } from './frame-ring.js';
import { ScriptedNic } from './test/index.js';
import type { NetBackend } from '@vm/bus';

/** A NetBackend-free recorder: ScriptedNic needs a backend to attach to. */
function recorder(): ScriptedNic {
  const nowhere: NetBackend = { sendFrame: () => {}, attach: () => {}, linkUp: true };
  return new ScriptedNic(nowhere);
}

function frameOf(n: number, length: number): Uint8Array {
  const f = new Uint8Array(length);
  for (let i = 0; i < length; i++) f[i] = (n * 7 + i) & 0xff;
  return f;
}

describe('FrameRing', () => {
  it('delivers frames in order with their exact lengths', () => {
    const ring = FrameRing.create({ slots: 4, slotBytes: 64 });
    const other = new FrameRing(ring.buffer); // the consumer's view, as on another thread
    expect(ring.push(frameOf(1, 14))).toBe(true);
    expect(ring.push(frameOf(2, 63))).toBe(true);
    expect(ring.push(frameOf(3, 64))).toBe(true);
    expect(other.size).toBe(3);
    const nic = recorder();
    expect(other.drain(nic)).toBe(3);
    expect(nic.received).toEqual([frameOf(1, 14), frameOf(2, 63), frameOf(3, 64)]);
    expect(ring.size).toBe(0);
  });

  it('drops and counts when full, never grows, and recovers', () => {
    const ring = FrameRing.create({ slots: 4, slotBytes: 32 });
    const before = ring.buffer.byteLength;
    for (let i = 0; i < 4; i++) expect(ring.push(frameOf(i, 20))).toBe(true);
    expect(ring.push(frameOf(9, 20))).toBe(false);
    expect(ring.push(frameOf(9, 20))).toBe(false);
    expect(ring.dropsFull).toBe(2);
    expect(ring.buffer.byteLength).toBe(before);
    const nic = recorder();
    expect(ring.drain(nic, 1)).toBe(1);
    expect(ring.push(frameOf(4, 20))).toBe(true);
    ring.drain(nic);
    expect(nic.received).toEqual([0, 1, 2, 3, 4].map((i) => frameOf(i, 20)));
  });

  it('drops oversize frames', () => {
    const ring = FrameRing.create({ slots: 2, slotBytes: 32 });
    expect(ring.push(new Uint8Array(33))).toBe(false);
    expect(ring.dropsOversize).toBe(1);
    expect(ring.size).toBe(0);
  });

  it('wraps around its slots many times', () => {
    const ring = FrameRing.create({ slots: 8, slotBytes: 100 });
    const nic = recorder();
    let sent = 0;
    for (let round = 0; round < 50; round++) {
      const burst = (round % 8) + 1;
      for (let i = 0; i < burst; i++) expect(ring.push(frameOf(sent + i, 14 + ((sent + i) % 87)))).toBe(true);
      sent += burst;
      ring.drain(nic);
    }
    expect(nic.received).toHaveLength(sent);
    nic.received.forEach((f, i) => expect(f).toEqual(frameOf(i, 14 + (i % 87))));
  });

  it('survives its 32-bit counters wrapping', () => {
    const ring = FrameRing.create({ slots: 4, slotBytes: 16 });
    const words = new Int32Array(ring.buffer);
    words[0] = -2; // head and tail near 2^32 (documented layout: head at 0, tail at 4)
    words[1] = -2;
    const nic = recorder();
    for (let i = 0; i < 4; i++) ring.push(frameOf(i, 16));
    expect(ring.push(frameOf(99, 16))).toBe(false);
    expect(ring.size).toBe(4);
    ring.drain(nic);
    expect(words[0]).toBe(2);
    expect(nic.received).toEqual([0, 1, 2, 3].map((i) => frameOf(i, 16)));
  });

  it('rejects bad sizes and foreign buffers', () => {
    expect(() => FrameRing.create({ slots: 3 })).toThrow(RangeError);
    expect(() => FrameRing.create({ slotBytes: 10 })).toThrow(RangeError);
    expect(() => new FrameRing(new SharedArrayBuffer(128))).toThrow(TypeError);
  });

  it('a closed ring refuses frames and wakes its waiter', async () => {
    const ring = FrameRing.create({ slots: 2, slotBytes: 16 });
    const waiting = ring.waitForFrames();
    ring.close();
    await waiting;
    expect(ring.closed).toBe(true);
    expect(ring.push(frameOf(1, 16))).toBe(false);
  });

  it('waitForFrames resolves when a frame is pushed', async () => {
    const ring = FrameRing.create({ slots: 2, slotBytes: 16 });
    const waiting = ring.waitForFrames();
    queueMicrotask(() => ring.push(frameOf(1, 16)));
    await waiting;
    expect(ring.size).toBe(1);
  });
});
