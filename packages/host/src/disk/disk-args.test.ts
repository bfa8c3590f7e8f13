import { describe, expect, it } from 'vitest';
import { UsageError } from '../cli/run-args.js';
import { parseDiskArgs } from './disk-args.js';
import { formatSize, parseSize } from './size.js';

describe('parseSize', () => {
  it('takes bytes and K/M/G/T suffixes (binary), with optional B or iB', () => {
    expect(parseSize('512')).toBe(512);
    expect(parseSize('4G')).toBe(4 * 2 ** 30);
    expect(parseSize('4g')).toBe(4 * 2 ** 30);
    expect(parseSize('100M')).toBe(100 * 2 ** 20);
    expect(parseSize('1536K')).toBe(1536 * 1024);
    expect(parseSize('2T')).toBe(2 * 2 ** 40);
    expect(parseSize('1.5G')).toBe(1.5 * 2 ** 30);
    expect(parseSize('8MiB')).toBe(8 * 2 ** 20);
    expect(parseSize('8MB')).toBe(8 * 2 ** 20);
  });
  it('rejects junk, zero and sizes that are not whole sectors', () => {
    for (const bad of ['', 'G', '4X', '-1G', '0', '0K', '1000', '1.1K', 'lots', '4 G B']) expect(() => parseSize(bad), bad).toThrow(UsageError);
    expect(() => parseSize('1000')).toThrow(/not a multiple of 512/);
    expect(() => parseSize('4Q')).toThrow(/K, M, G or T/);
  });
  it('formats sizes for people', () => {
    expect(formatSize(0)).toBe('0 B');
    expect(formatSize(4 * 2 ** 30)).toBe('4 GiB');
    expect(formatSize(1536 * 1024)).toBe('1.50 MiB');
    expect(formatSize(100 * 2 ** 20 + 2 ** 19)).toBe('100.5 MiB');
  });
});

describe('parseDiskArgs', () => {
  it('parses create with its layout options', () => {
    expect(parseDiskArgs(['create', 'd.vmdk', '--size', '4G'])).toEqual({ cmd: 'create', path: 'd.vmdk', size: 4 * 2 ** 30, format: 'vmdk', subformat: null, adapter: null });
    expect(parseDiskArgs(['create', '--size=1M', '--format', 'vmdk', '--subformat', 'monolithicFlat', '--adapter=buslogic', 'd.vmdk'])).toEqual({
      cmd: 'create',
      path: 'd.vmdk',
      size: 2 ** 20,
      format: 'vmdk',
      subformat: 'monolithicFlat',
      adapter: 'buslogic',
    });
    expect(parseDiskArgs(['create', 'd.img', '--size', '1M', '--format', 'raw'])).toMatchObject({ format: 'raw', subformat: null });
  });
  it('parses convert, taking the format from the destination when not given', () => {
    expect(parseDiskArgs(['convert', 'a.vmdk', 'b.img'])).toMatchObject({ cmd: 'convert', src: 'a.vmdk', dst: 'b.img', format: 'raw' });
    expect(parseDiskArgs(['convert', 'a.img', 'b.vmdk'])).toMatchObject({ format: 'vmdk', subformat: null });
    expect(parseDiskArgs(['convert', 'a.img', 'b.bin', '--format', 'vmdk', '--subformat', 'twoGbMaxExtentSparse'])).toMatchObject({
      format: 'vmdk',
      subformat: 'twoGbMaxExtentSparse',
    });
  });
  it('parses info, commit, discard and check', () => {
    expect(parseDiskArgs(['info', 'x.vmdk'])).toEqual({ cmd: 'info', path: 'x.vmdk', json: false });
    expect(parseDiskArgs(['info', '--json', 'x.vmdk'])).toEqual({ cmd: 'info', path: 'x.vmdk', json: true });
    for (const cmd of ['commit', 'discard', 'check']) expect(parseDiskArgs([cmd, 'x.vmdk'])).toEqual({ cmd, path: 'x.vmdk' });
  });
  it('rejects usage errors with a message saying what is wrong', () => {
    const cases: [string[], RegExp][] = [
      [[], /expected a subcommand/],
      [['resize', 'x'], /unknown subcommand "resize"/],
      [['create', 'x.vmdk'], /--size is required/],
      [['create', 'x.vmdk', '--size'], /--size needs a value/],
      [['create', 'x.vmdk', '--size', '3'], /multiple of 512/],
      [['create', '--size', '1M'], /expected PATH, got nothing/],
      [['create', 'a', 'b', '--size', '1M'], /expected PATH, got "a" "b"/],
      [['create', 'x', '--size', '1M', '--format', 'qcow2'], /--format qcow2: expected raw or vmdk/],
      [['create', 'x', '--size', '1M', '--subformat', 'streamOptimized'], /--subformat streamOptimized/],
      [['create', 'x', '--size', '1M', '--adapter', 'ide'], /--adapter ide/],
      [['create', 'x', '--size', '1M', '--format', 'raw', '--subformat', 'monolithicFlat'], /vmdk only/],
      [['convert', 'a.vmdk'], /expected SRC DST/],
      [['info', 'x', '--size', '1M'], /unknown option --size/],
      [['info', 'x', '--json=yes'], /takes no value/],
      [['commit'], /expected DISK/],
    ];
    for (const [argv, msg] of cases) expect(() => parseDiskArgs(argv), argv.join(' ')).toThrow(msg);
    expect(() => parseDiskArgs(['check'])).toThrow(UsageError);
  });
});
