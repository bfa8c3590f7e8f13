import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decompressXz, findXzPayload } from './index.js';

const kernelPath = join(homedir(), '.cache', 'vm-guests', 'current', 'vmlinuz');
const haveKernel = existsSync(kernelPath);
if (!haveKernel) console.warn(`no guest kernel at ${kernelPath}: skipping the real-kernel decompression test`);

/** A minimal bzImage header around `payload` (boot protocol 2.15, 1 setup sector). */
function fakeBzImage(payload: Uint8Array, version = 0x020f): Uint8Array {
  const img = new Uint8Array(1024 + 100 + payload.length);
  const dv = new DataView(img.buffer);
  img[0x1f1] = 1;
  dv.setUint16(0x1fe, 0xaa55, true);
  dv.setUint32(0x202, 0x53726448, true);
  dv.setUint16(0x206, version, true);
  dv.setUint32(0x248, 100, true);
  dv.setUint32(0x24c, payload.length, true);
  img.set(payload, 1024 + 100);
  return img;
}

describe('findXzPayload', () => {
  const xzHead = Uint8Array.of(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0, 1, 2, 3);

  it('locates the payload from payload_offset/payload_length', () => {
    expect(findXzPayload(fakeBzImage(xzHead))).toEqual({ offset: 1124, length: 10 });
  });

  it('returns null for non-bzImages, old protocols, non-xz payloads and out-of-file fields', () => {
    expect(findXzPayload(new Uint8Array(100))).toBeNull();
    expect(findXzPayload(fakeBzImage(xzHead, 0x0207))).toBeNull();
    expect(findXzPayload(fakeBzImage(Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0)))).toBeNull();
    const img = fakeBzImage(xzHead);
    new DataView(img.buffer).setUint32(0x24c, 0xffffff00, true);
    expect(findXzPayload(img)).toBeNull();
  });
});

describe.skipIf(!haveKernel)('the real guest kernel', () => {
  it('decompresses the bzImage payload to an ELF vmlinux', () => {
    const image = new Uint8Array(readFileSync(kernelPath));
    const where = findXzPayload(image);
    expect(where).not.toBeNull();
    const payload = image.subarray(where!.offset, where!.offset + where!.length);
    const t0 = performance.now();
    const vmlinux = decompressXz(payload, { singleStream: true });
    const ms = performance.now() - t0;
    console.log(`kernel payload: ${payload.length} bytes -> ${vmlinux.length} bytes in ${ms.toFixed(0)} ms`);
    expect([...vmlinux.subarray(0, 4)]).toEqual([0x7f, 0x45, 0x4c, 0x46]);
    // Linux appends the decompressed size (le32) after the xz stream.
    const tail = payload.subarray(payload.length - 4);
    expect(vmlinux.length).toBe((tail[0]! | (tail[1]! << 8) | (tail[2]! << 16) | (tail[3]! << 24)) >>> 0);
    const ref = spawnSync('xz', ['-dc', '--single-stream'], { input: payload, maxBuffer: 1 << 28 });
    if (ref.status === 0) {
      expect(ref.stdout.length).toBe(vmlinux.length);
      expect(Buffer.compare(ref.stdout, vmlinux)).toBe(0);
    }
  });
});
