import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { extractDeb, readAr } from './deb.js';
import { hostRunner, RecordingRunner } from './run.js';

function ar(members: [string, string][]): Uint8Array {
  let s = '!<arch>\n';
  for (const [name, data] of members) {
    s += `${name}/`.padEnd(16) + '0'.padEnd(12) + '0'.padEnd(6) + '0'.padEnd(6) + '100644'.padEnd(8) + String(data.length).padEnd(10) + '`\n';
    s += data + (data.length & 1 ? '\n' : '');
  }
  return new TextEncoder().encode(s);
}

describe('readAr', () => {
  it('reads members with even padding', () => {
    const m = readAr(ar([['debian-binary', '2.0\n'], ['control.tar.xz', 'abc'], ['data.tar.xz', 'hello']]));
    expect(m.map((x) => x.name)).toEqual(['debian-binary', 'control.tar.xz', 'data.tar.xz']);
    expect(new TextDecoder().decode(m[2]!.data)).toBe('hello');
    expect(new TextDecoder().decode(m[1]!.data)).toBe('abc');
  });
  it('rejects non-ar data and truncation', () => {
    expect(() => readAr(new TextEncoder().encode('PK\x03\x04'))).toThrow(/not an ar archive/);
    const a = ar([['data.tar.xz', 'hello world']]);
    expect(() => readAr(a.subarray(0, a.length - 4))).toThrow(/truncated member data.tar.xz/);
  });
});

describe('extractDeb without dpkg-deb', () => {
  const debs = join(process.env['VM_GUESTS_DIR'] || join(homedir(), '.cache', 'vm-guests'), 'debs');
  const deb = existsSync(debs) ? readdirSync(debs).find((f) => f.startsWith('busybox-static_')) : undefined;
  const hasTar = spawnSync('tar', ['--version']).status === 0;

  it.skipIf(!deb || !hasTar)('unpacks data.tar.* with our ar reader and the host tar', () => {
    const dest = mkdtempSync(join(tmpdir(), 'deb-'));
    try {
      const runner = new RecordingRunner((cmd, args) =>
        cmd === 'dpkg-deb' ? { status: -1, stdout: '', stderr: 'spawn dpkg-deb ENOENT', errorCode: 'ENOENT' } : hostRunner.run(cmd, args),
      );
      extractDeb(join(debs, deb!), dest, runner);
      expect(runner.calls.map((c) => c.cmd)).toEqual(['dpkg-deb', 'tar']);
      const bb = readFileSync(join(dest, 'bin', 'busybox'));
      expect([bb[0], bb[1], bb[2], bb[3]]).toEqual([0x7f, 0x45, 0x4c, 0x46]);
    } finally {
      rmSync(dest, { recursive: true, force: true });
    }
  });
});
