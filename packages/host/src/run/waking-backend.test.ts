import { BlockError } from '@vm/bus';
import { RamBlockBackend } from '@vm/bus/test';
import { describe, expect, it } from 'vitest';
import { WakingBlockBackend } from './waking-backend.js';

const macrotask = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('WakingBlockBackend', () => {
  it('passes I/O through and wakes the run loop after each request settles, after its completion handlers', async () => {
    const ram = new RamBlockBackend(16);
    const b = new WakingBlockBackend(ram);
    expect([b.sectorSize, b.sectorCount, b.readOnly]).toEqual([512, 16, false]);
    const events: string[] = [];
    b.wake = () => events.push('wake');
    await b.write(3, new Uint8Array(512).fill(7)).then(() => events.push('write done'));
    await macrotask();
    expect(ram.bytes[3 * 512]).toBe(7);
    const dst = new Uint8Array(512);
    await b.read(3, dst).then(() => events.push('read done'));
    await macrotask();
    expect(dst[0]).toBe(7);
    await b.flush().then(() => events.push('flush done'));
    await macrotask();
    expect(ram.flushes).toBe(1);
    expect(events).toEqual(['write done', 'wake', 'read done', 'wake', 'flush done', 'wake']);
  });

  it('wakes on failures too and keeps the BlockError', async () => {
    const ram = new RamBlockBackend(4);
    const b = new WakingBlockBackend(ram);
    let wakes = 0;
    b.wake = () => wakes++;
    await expect(b.read(4, new Uint8Array(512))).rejects.toBeInstanceOf(BlockError);
    ram.failNext = 'io';
    await expect(b.write(0, new Uint8Array(512))).rejects.toThrow(/injected/);
    await macrotask();
    expect(wakes).toBe(2);
  });
});
