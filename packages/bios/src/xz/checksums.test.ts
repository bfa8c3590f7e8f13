import { describe, expect, it } from 'vitest';
import { crc32, crc64, sha256 } from './index.js';

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

describe('checksums', () => {
  it('CRC32 matches the standard check value', () => {
    expect(crc32(ascii('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
    // The slicing-by-8 path and the byte path agree on unaligned ranges.
    const data = Uint8Array.from({ length: 1000 }, (_, i) => (i * 37 + 11) & 0xff);
    let c = -1;
    for (let i = 3; i < 990; i++) {
      c ^= data[i]!;
      for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
    }
    expect(crc32(data, 3, 990)).toBe(~c >>> 0);
  });

  it('CRC64 (ECMA-182, xz flavour) matches the standard check value', () => {
    const [lo, hi] = crc64(ascii('123456789'));
    expect(hi.toString(16)).toBe('995dc9bb');
    expect(lo.toString(16)).toBe('df1939fa');
  });

  it('SHA-256 matches FIPS 180-4 examples', () => {
    expect(hex(sha256(ascii('abc')))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(hex(sha256(new Uint8Array(0)))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(hex(sha256(ascii('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')))).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    );
  });
});
