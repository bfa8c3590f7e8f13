import { describe, expect, it } from 'vitest';
import { MacTable } from './mac-table.js';

/** xorshift32: a seeded source so the test is reproducible. */
function rng(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

describe('MacTable', () => {
  it('agrees with a Map under random learn / lookup / expire / forget', () => {
    const next = rng(12345);
    const table = new MacTable(64);
    const model = new Map<string, { port: number; seen: number }>();
    const maxAge = 50;
    let now = 0;
    // A small key space forces collisions, moves and deletions inside probe chains.
    const key = (): [number, number] => [next() & 3, next() & 63];
    for (let step = 0; step < 20000; step++) {
      now += next() & 1;
      const op = next() % 10;
      const [high, low] = key();
      const k = `${high}:${low}`;
      if (op < 5) {
        const port = next() & 7;
        const r = table.learn(high, low, port, now);
        const had = model.has(k);
        if (!had && model.size >= 64) {
          expect(r).toBe(-1);
        } else {
          expect(r).toBe(had ? 0 : 1);
          model.set(k, { port, seen: now });
        }
      } else if (op < 8) {
        const m = model.get(k);
        const expected = m === undefined || now - m.seen >= maxAge ? -1 : m.port;
        if (m !== undefined && expected < 0) model.delete(k);
        expect(table.lookup(high, low, now, maxAge)).toBe(expected);
      } else if (op < 9) {
        const oldest = table.expire(now, maxAge);
        let min = -1;
        for (const [kk, m] of model) {
          if (now - m.seen >= maxAge) model.delete(kk);
          else if (min < 0 || m.seen < min) min = m.seen;
        }
        expect(oldest).toBe(min);
      } else {
        const port = next() & 7;
        table.forgetPort(port);
        for (const [kk, m] of model) if (m.port === port) model.delete(kk);
      }
      expect(table.size).toBe(model.size);
    }
    const seen: string[] = [];
    table.forEach((h, l, port) => seen.push(`${h}:${l}=${port}`));
    expect(seen.sort()).toEqual([...model].map(([k, m]) => `${k}=${m.port}`).sort());
  });

  it('rejects impossible capacities', () => {
    expect(() => new MacTable(0)).toThrow(RangeError);
    expect(() => new MacTable(1.5)).toThrow(RangeError);
  });
});
