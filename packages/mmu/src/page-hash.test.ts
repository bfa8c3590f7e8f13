import { describe, expect, it } from 'vitest';
import { hashPage, PageHasher } from './page-hash.js';

describe('PageHasher', () => {
  const bytes = new Uint8Array(4 * 4096);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7 + (i >>> 12) * 3) & 0xff;
  bytes.copyWithin(2 * 4096, 0, 4096); // page 2 = page 0

  it('gives equal pages equal hashes and different pages different ones', () => {
    const h = new PageHasher(bytes);
    expect(h.hash32(0)).toBe(h.hash32(2 * 4096));
    expect(h.hash32(0)).not.toBe(h.hash32(4096));
    expect(hashPage(bytes, 0)).toBe(h.hash32(0));
    expect(h.hash32(0)).toBeGreaterThanOrEqual(0);
  });

  it('changes when one bit changes, in both 64-bit lanes', () => {
    const h = new PageHasher(bytes);
    const a = new Uint32Array(2);
    const b = new Uint32Array(2);
    h.hash64(0, a, 0);
    h.hash64(2 * 4096, b, 0);
    expect(Array.from(a)).toEqual(Array.from(b));
    bytes[2 * 4096 + 4000] ^= 1;
    h.hash64(2 * 4096, b, 0);
    expect(b[0]).not.toBe(a[0]);
    expect(b[1]).not.toBe(a[1]);
    expect(h.hash32(2 * 4096)).not.toBe(h.hash32(0));
  });

  it('distinguishes the zero page from a page with one byte set', () => {
    const z = new Uint8Array(8192);
    z[4096 + 4095] = 1;
    const h = new PageHasher(z);
    expect(h.hash32(0)).not.toBe(h.hash32(4096));
  });
});
