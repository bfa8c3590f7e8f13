import { describe, expect, it } from 'vitest';
import { appletsFromBinary, busyboxApplets, parseListFull } from './busybox.js';
import { RecordingRunner } from './run.js';

function fakeBinary(names: string[]): Uint8Array {
  const enc = new TextEncoder();
  const junk = enc.encode('\x7fELF....usage: %s\0');
  const table = enc.encode(names.join('\0') + '\0\x01\x02garbage\0');
  const b = new Uint8Array(junk.length + table.length + 1);
  b.set(junk);
  b.set(table, junk.length + 1);
  return b;
}
const names = ['[', '[[', 'acpid', 'ash', 'awk', 'cat', 'cttyhack', 'echo', 'gzip', 'ls', 'mount', 'sh', 'zcat'];

describe('busybox applets', () => {
  it('reads the sorted name table from a binary', () => {
    const a = appletsFromBinary(fakeBinary(names));
    expect(a.map((x) => x.name)).toEqual(names);
    expect(a[3]).toEqual({ name: 'ash', path: 'bin/ash' });
  });
  it('rejects a binary without a table', () => {
    expect(() => appletsFromBinary(new TextEncoder().encode('no table here'))).toThrow(/no busybox applet table/);
  });
  it('parses --list-full and prefers it when the binary runs', () => {
    expect(parseListFull('usr/bin/[\nsbin/acpid\nbin/ash\n')).toEqual([
      { name: '[', path: 'usr/bin/[' },
      { name: 'acpid', path: 'sbin/acpid' },
      { name: 'ash', path: 'bin/ash' },
    ]);
    const listing = names.map((n) => `usr/bin/${n}`).join('\n');
    const runs = new RecordingRunner(() => ({ status: 0, stdout: listing, stderr: '' }));
    expect(busyboxApplets('/bb', fakeBinary(names), runs).method).toBe('list-full');
    expect(runs.calls[0]).toEqual({ cmd: '/bb', args: ['--list-full'] });
    const cannot = new RecordingRunner(() => ({ status: -1, stdout: '', stderr: 'ENOEXEC', errorCode: 'ENOEXEC' }));
    const r = busyboxApplets('/bb', fakeBinary(names), cannot);
    expect(r.method).toBe('binary-table');
    expect(r.applets.length).toBe(names.length);
  });
});
