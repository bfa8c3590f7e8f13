import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cpio, CpioType, readCpio, writeCpio } from './cpio.js';

const hasCpio = spawnSync('cpio', ['--version']).status === 0;

const sample = [
  cpio.dir('bin'),
  cpio.file('bin/busybox', new Uint8Array([1, 2, 3, 4, 5]), 0o755),
  cpio.symlink('bin/sh', '/bin/busybox'),
  cpio.dir('dev'),
  cpio.charDevice('dev/console', 5, 1),
  cpio.charDevice('dev/ttyS0', 4, 64, 0o660),
  cpio.file('init', '#!/bin/sh\necho hi\n', 0o755),
  { ...cpio.file('etc-odd', 'x'), uid: 1000, gid: 100, mtime: 1234567890 },
];

describe('writeCpio / readCpio', () => {
  it('round-trips every entry kind with its header fields', () => {
    const back = readCpio(writeCpio(sample));
    expect(back.map((e) => e.path)).toEqual(sample.map((e) => e.path));
    const by = new Map(back.map((e) => [e.path, e]));
    expect(by.get('bin')!.mode).toBe(CpioType.Dir | 0o755);
    expect(by.get('bin')!.nlink).toBe(2);
    expect(Array.from(by.get('bin/busybox')!.data)).toEqual([1, 2, 3, 4, 5]);
    expect(by.get('bin/busybox')!.mode).toBe(0o100755);
    expect(new TextDecoder().decode(by.get('bin/sh')!.data)).toBe('/bin/busybox');
    expect(by.get('bin/sh')!.mode).toBe(0o120777);
    const con = by.get('dev/console')!;
    expect([con.mode, con.rdevMajor, con.rdevMinor]).toEqual([0o020600, 5, 1]);
    expect([by.get('dev/ttyS0')!.rdevMajor, by.get('dev/ttyS0')!.rdevMinor]).toEqual([4, 64]);
    const odd = by.get('etc-odd')!;
    expect([odd.uid, odd.gid, odd.mtime]).toEqual([1000, 100, 1234567890]);
    expect(by.get('init')!.mtime).toBe(0);
    expect(new Set(back.map((e) => e.ino)).size).toBe(back.length);
  });

  it('aligns headers and data to 4 bytes and ends with a trailer', () => {
    const a = writeCpio([cpio.file('a', 'xyz'), cpio.file('bb', 'q')]);
    const text = new TextDecoder('latin1').decode(a);
    // first header at 0, name "a\0" ends at 112, data at 112, padded to 116
    expect(text.slice(0, 6)).toBe('070701');
    expect(text.slice(110, 112)).toBe('a\0');
    expect(text.slice(112, 115)).toBe('xyz');
    expect(text.slice(116, 122)).toBe('070701');
    expect(text.indexOf('TRAILER!!!')).toBeGreaterThan(0);
    expect(a.length % 4).toBe(0);
  });

  it('is reproducible and honours a default mtime', () => {
    expect(writeCpio(sample)).toEqual(writeCpio(sample));
    const t = readCpio(writeCpio([cpio.file('f', 'x')], { mtime: 42 }));
    expect(t[0]!.mtime).toBe(42);
  });

  it('rejects duplicate, absolute and escaping paths', () => {
    expect(() => writeCpio([cpio.file('a', ''), cpio.file('a', '')])).toThrow(/duplicate path a/);
    expect(() => writeCpio([cpio.file('/etc/x', '')])).toThrow(/bad path/);
    expect(() => writeCpio([cpio.file('a/../b', '')])).toThrow(/bad path/);
  });

  it('rejects corrupt archives', () => {
    const a = writeCpio(sample);
    const bad = a.slice();
    bad[0] = 0x39;
    expect(() => readCpio(bad)).toThrow(/bad magic/);
    expect(() => readCpio(a.subarray(0, 200))).toThrow(/truncated/);
  });

  it.skipIf(!hasCpio)('is readable by the system cpio', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cpio-'));
    try {
      writeFileSync(join(dir, 'a.cpio'), writeCpio(sample));
      const r = spawnSync('cpio', ['-t', '-F', join(dir, 'a.cpio')], { encoding: 'utf8' });
      expect(r.status).toBe(0);
      expect(r.stdout.trim().split('\n')).toEqual(sample.map((e) => e.path));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
