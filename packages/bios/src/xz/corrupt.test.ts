import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { decompressXz, XzError } from './index.js';
import { buildXz, storedLzma2, textLike, x86Like } from './test-data.js';

const haveXz = spawnSync('xz', ['--version']).status === 0;

function xz(data: Uint8Array, args: string[]): Uint8Array {
  const r = spawnSync('xz', ['-c', '-q', ...args], { input: data });
  if (r.status !== 0) throw new Error(`xz failed: ${r.stderr.toString()}`);
  return new Uint8Array(r.stdout.buffer, r.stdout.byteOffset, r.stdout.length);
}

/** Run the decoder; return the XzError it threw, or null if it succeeded. Any other exception fails the test. */
function outcome(input: Uint8Array, options?: { singleStream?: boolean }): XzError | null {
  try {
    decompressXz(input, options);
    return null;
  } catch (e) {
    if (!(e instanceof XzError)) throw e;
    return e;
  }
}

/** A small fixture: compressed by xz where present, hand-built (stored chunks) otherwise. */
function fixture(check: 'crc32' | 'none'): Uint8Array {
  const data = new Uint8Array([...textLike(3000, 31), ...x86Like(2000, 32)]);
  if (haveXz) return xz(data, [`--check=${check}`, '--x86', '--lzma2=preset=6']);
  return buildXz([{ lzma2: storedLzma2(data), uncompressed: data }], check === 'crc32' ? 1 : 0);
}

describe('corrupt and truncated input', () => {
  it('every single-byte change of a CRC32-checked stream is reported as an XzError', () => {
    const good = fixture('crc32');
    expect(outcome(good)).toBeNull();
    for (let i = 0; i < good.length; i++) {
      for (const flip of [0x01, 0x80, 0xff]) {
        const bad = good.slice();
        bad[i]! ^= flip;
        const err = outcome(bad);
        expect(err, `flip 0x${flip.toString(16)} at ${i}`).not.toBeNull();
        expect(['corrupt', 'bad-magic', 'unsupported', 'truncated']).toContain(err!.kind);
      }
    }
  });

  it('every truncation is reported as truncated', () => {
    const good = fixture('crc32');
    for (let n = 0; n < good.length; n++) {
      const err = outcome(good.subarray(0, n));
      expect(err?.kind, `prefix of ${n} bytes`).toBe('truncated');
      expect(outcome(good.subarray(0, n), { singleStream: true })?.kind).toBe('truncated');
    }
  });

  it('random damage to an unchecked stream never escapes as anything but an XzError', () => {
    const good = fixture('none');
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    let errors = 0;
    for (let trial = 0; trial < 400; trial++) {
      const bad = good.slice();
      const hits = 1 + rnd(8);
      // Keep the headers intact half the time so the damage reaches the LZMA decoder.
      const from = trial % 2 ? 24 : 0;
      for (let k = 0; k < hits; k++) bad[from + rnd(bad.length - from - 40)] = rnd(256);
      if (outcome(bad) !== null) errors++;
    }
    expect(errors).toBeGreaterThan(0);
  });

  it('a lying LZMA2 chunk size or a chunk cut short is corrupt, not a hang', () => {
    const data = Uint8Array.of(1, 2, 3, 4);
    // Uncompressed chunk that claims 256 bytes but the stream ends first.
    const short = Uint8Array.of(0x01, 0x00, 0xff, 1, 2, 3, 4, 0x00);
    expect(outcome(buildXz([{ lzma2: short, uncompressed: data }]))?.kind).toBe('truncated');
    // LZMA chunk whose range coder does not start with 0.
    const badRc = Uint8Array.of(0xe0, 0x00, 0x03, 0x00, 0x04, 0x5d, 0x01, 0, 0, 0, 0, 0x00);
    expect(outcome(buildXz([{ lzma2: badRc, uncompressed: data }]))?.message).toMatch(/range coder must start with a zero/);
    // LZMA chunk with an impossible properties byte.
    const badProps = Uint8Array.of(0xe0, 0x00, 0x03, 0x00, 0x04, 0xe1, 0x00, 0, 0, 0, 0, 0x00);
    expect(outcome(buildXz([{ lzma2: badProps, uncompressed: data }]))?.message).toMatch(/invalid LZMA properties byte/);
  });
});
