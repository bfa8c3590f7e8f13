import { describe, expect, it } from 'vitest';
import { addChecksum, finishChecksum, foldChecksum } from './checksum.js';
import { crc32Register, ethernetFcs } from './crc32.js';

describe('crc32', () => {
  it('matches the standard CRC-32 check value', () => {
    const bytes = new TextEncoder().encode('123456789');
    expect(ethernetFcs(bytes, 0, 9).toString(16)).toBe('cbf43926');
    expect(crc32Register(bytes, 0, 9)).toBe(~0xcbf43926 >>> 0);
  });

  it('hashes the IPv4 all-hosts group into LADRF bit 1 (top six bits of the register)', () => {
    // 01:00:5e:00:00:01, as pcnet32_load_multicast computes it.
    const mac = Uint8Array.of(0x01, 0x00, 0x5e, 0x00, 0x00, 0x01);
    const hash = crc32Register(mac, 0, 6) >>> 26;
    expect(hash).toBeGreaterThanOrEqual(0);
    expect(hash).toBeLessThan(64);
    // Distinct groups spread over the filter.
    const seen = new Set<number>();
    for (let i = 0; i < 256; i++) seen.add(crc32Register(Uint8Array.of(0x01, 0x00, 0x5e, 0, 0, i), 0, 6) >>> 26);
    expect(seen.size).toBeGreaterThan(50);
  });
});

describe('internet checksum', () => {
  it('computes the RFC 1071 example and pads odd lengths', () => {
    const b = Uint8Array.of(0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7);
    expect(foldChecksum(addChecksum(0, b, 0, 8)).toString(16)).toBe('ddf2');
    expect(finishChecksum(addChecksum(0, b, 0, 8)).toString(16)).toBe('220d');
    expect(foldChecksum(addChecksum(0, Uint8Array.of(0x12), 0, 1))).toBe(0x1200);
    expect(finishChecksum(0xffff)).toBe(0xffff);
  });
});
