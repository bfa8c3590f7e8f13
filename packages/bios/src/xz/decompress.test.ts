import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { decompressXz, XzError } from './index.js';
import { buildXz, randomBytes, storedLzma2, textLike, x86Like } from './test-data.js';

/** Compress with the system xz tool, or null where it is not installed. */
function xz(data: Uint8Array, args: string[]): Uint8Array {
  const r = spawnSync('xz', ['-c', '-q', ...args], { input: data, maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`xz ${args.join(' ')} failed: ${r.stderr.toString()}`);
  return new Uint8Array(r.stdout.buffer, r.stdout.byteOffset, r.stdout.length);
}

const haveXz = spawnSync('xz', ['--version']).status === 0;
if (!haveXz) console.warn('xz tool not found: skipping round-trip tests against it');

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function expectSame(actual: Uint8Array, expected: Uint8Array): void {
  expect(actual.length).toBe(expected.length);
  // Byte-wise compare without building giant diff messages.
  const mismatch = actual.findIndex((b, i) => b !== expected[i]);
  expect(mismatch).toBe(-1);
}

const samples: [string, Uint8Array][] = [
  ['empty', new Uint8Array(0)],
  ['one byte', Uint8Array.of(0x42)],
  ['random 300 KiB', randomBytes(300 * 1024, 1)],
  ['text 1 MiB', textLike(1 << 20, 2)],
  ['x86-like 512 KiB', x86Like(512 * 1024, 3)],
  ['mixed', concat(textLike(100_000, 4), randomBytes(70_000, 5), x86Like(200_000, 6), textLike(50_000, 7))],
];

describe.skipIf(!haveXz)('decompressXz round-trips data compressed by the xz tool', () => {
  const configs: string[][] = [
    ['--check=crc32', '--x86', '--lzma2=preset=6'],
    ['-9e', '--check=crc64'],
    ['-1', '--check=sha256'],
    ['-0', '--check=none'],
    ['--check=crc32', '--x86=start=4096', '--lzma2=preset=2,lc=0,lp=2,pb=0'],
    ['--check=crc64', '--lzma2=preset=3,lc=4,lp=0,pb=4'],
    ['--check=crc32', '--lzma2=preset=6,dict=4KiB'],
    ['--check=crc32', '--delta=dist=4', '--lzma2=preset=1'],
    ['--check=crc32', '--delta=dist=3', '--x86', '--lzma2=preset=1'],
    ['--check=crc64', '--block-size=100000', '-T1', '-3'],
    ['--check=crc32', '--block-size=65536', '-T2', '-1'],
  ];
  for (const args of configs) {
    it(`xz ${args.join(' ')}`, () => {
      for (const [name, data] of samples) {
        const packed = xz(data, args);
        const out = decompressXz(packed);
        expect(out.length, name).toBe(data.length);
        expectSame(out, data);
      }
    });
  }

  it('decodes large chunks of highly repetitive data (5 MiB)', () => {
    const data = new Uint8Array(5 << 20);
    const unit = textLike(1000, 9);
    for (let i = 0; i < data.length; i++) data[i] = unit[i % 1000]!;
    expectSame(decompressXz(xz(data, ['-6', '--check=crc32'])), data);
  });

  it('decodes concatenated streams with stream padding between them', () => {
    const a = textLike(50_000, 10);
    const b = randomBytes(10_000, 11);
    const c = x86Like(30_000, 12);
    const packed = concat(xz(a, ['--check=crc32']), new Uint8Array(8), xz(b, ['--check=crc64']), xz(c, ['--x86', '--lzma2=preset=6']), new Uint8Array(4));
    expectSame(decompressXz(packed), concat(a, b, c));
  });

  it('singleStream ignores data after the first stream (as a bzImage payload has)', () => {
    const a = textLike(20_000, 13);
    const packed = concat(xz(a, ['--check=crc32']), Uint8Array.of(0x20, 0x4e, 0x00, 0x00));
    expect(() => decompressXz(packed)).toThrow(/singleStream/);
    expectSame(decompressXz(packed, { singleStream: true }), a);
  });

  it('refuses other BCJ filters with an "unsupported filter" error', () => {
    const packed = xz(x86Like(10_000, 14), ['--arm', '--lzma2=preset=1']);
    let err: unknown;
    try {
      decompressXz(packed);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(XzError);
    expect((err as XzError).kind).toBe('unsupported');
    expect((err as XzError).message).toMatch(/unsupported filter: ARM BCJ/);
  });

  it('enforces maxOutput', () => {
    const data = textLike(200_000, 15);
    const packed = xz(data, ['-1']);
    expect(() => decompressXz(packed, { maxOutput: 199_999 })).toThrow(expect.objectContaining({ kind: 'too-large' }));
    expectSame(decompressXz(packed, { maxOutput: 200_000 }), data);
  });
});

describe('decompressXz on hand-built streams', () => {
  it('decodes stored LZMA2 chunks, with and without sizes in the block header', () => {
    const data = textLike(150_000, 20);
    expectSame(decompressXz(buildXz([{ lzma2: storedLzma2(data), uncompressed: data }])), data);
    expectSame(decompressXz(buildXz([{ lzma2: storedLzma2(data), uncompressed: data, withSizes: true }])), data);
  });

  it('decodes several blocks and an empty block', () => {
    const a = randomBytes(1000, 21);
    const b = textLike(3000, 22);
    const packed = buildXz([
      { lzma2: storedLzma2(a), uncompressed: a },
      { lzma2: Uint8Array.of(0), uncompressed: new Uint8Array(0) },
      { lzma2: storedLzma2(b), uncompressed: b, withSizes: true },
    ]);
    expectSame(decompressXz(packed), concat(a, b));
  });

  it('applies the x86 filter to stored data (E8 operands become relative again)', () => {
    // CALL with absolute target 0x105 at offset 0: relative = 0x105 - 5 = 0x100.
    const encoded = Uint8Array.of(0xe8, 0x05, 0x01, 0x00, 0x00, 0x90, 0x90, 0x90, 0x90);
    const out = decompressXz(buildXz([{ lzma2: storedLzma2(encoded), uncompressed: Uint8Array.of(0xe8, 0x00, 0x01, 0x00, 0x00, 0x90, 0x90, 0x90, 0x90), preFilters: [0x04, 0x00] }]));
    expect([...out]).toEqual([0xe8, 0x00, 0x01, 0x00, 0x00, 0x90, 0x90, 0x90, 0x90]);
  });

  it('rejects a declared size that does not match the data', () => {
    const data = textLike(1000, 23);
    const packed = buildXz([{ lzma2: storedLzma2(data), uncompressed: data, withSizes: true }]);
    // The header (and Index) claim 999 bytes; the chunks hold 1000.
    const lying = buildXz([{ lzma2: storedLzma2(data), uncompressed: data.subarray(0, 999), withSizes: true }]);
    expect(decompressXz(packed).length).toBe(1000);
    expect(() => decompressXz(lying)).toThrow(expect.objectContaining({ kind: 'corrupt' }));
  });

  it('rejects LZMA2 streams that do not start with a dictionary reset or use bad control bytes', () => {
    const data = Uint8Array.of(1, 2, 3);
    const noReset = Uint8Array.of(0x02, 0x00, 0x02, 1, 2, 3, 0x00);
    expect(() => decompressXz(buildXz([{ lzma2: noReset, uncompressed: data }]))).toThrow(/does not reset the dictionary/);
    const badControl = Uint8Array.of(0x01, 0x00, 0x02, 1, 2, 3, 0x03, 0x00);
    expect(() => decompressXz(buildXz([{ lzma2: badControl, uncompressed: data }]))).toThrow(/invalid LZMA2 control byte 0x3/);
    const lzmaWithoutProps = Uint8Array.of(0x01, 0x00, 0x02, 1, 2, 3, 0x80, 0x00, 0x00, 0x00, 0x04, 0, 0, 0, 0, 0, 0x00);
    expect(() => decompressXz(buildXz([{ lzma2: lzmaWithoutProps, uncompressed: data }]))).toThrow(/lacks the properties/);
  });

  it('rejects an invalid dictionary size and unknown filters', () => {
    const data = Uint8Array.of(7);
    expect(() => decompressXz(buildXz([{ lzma2: storedLzma2(data), uncompressed: data, dictProp: 41 }]))).toThrow(/dictionary size/);
    expect(() => decompressXz(buildXz([{ lzma2: storedLzma2(data), uncompressed: data, preFilters: [0x05, 0x00] }]))).toThrow(
      expect.objectContaining({ kind: 'unsupported', message: expect.stringMatching(/PowerPC/) }),
    );
    expect(() => decompressXz(buildXz([{ lzma2: storedLzma2(data), uncompressed: data, preFilters: [0x30, 0x00] }]))).toThrow(
      /unsupported filter: filter 0x30/,
    );
  });

  it('reports bad magic and odd stream padding', () => {
    expect(() => decompressXz(Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0))).toThrow(expect.objectContaining({ kind: 'bad-magic' }));
    const data = Uint8Array.of(1);
    const one = buildXz([{ lzma2: storedLzma2(data), uncompressed: data }]);
    expect([...decompressXz(concat(one, new Uint8Array(4)))]).toEqual([1]);
    expect(() => decompressXz(concat(one, new Uint8Array(3)))).toThrow(/multiple of 4/);
  });
});
