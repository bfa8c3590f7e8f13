import { describe, expect, it } from 'vitest';
import { parseRunArgs, parseSerialTarget, UsageError } from './run-args.js';

describe('parseRunArgs', () => {
  it('parses a direct kernel boot', () => {
    const o = parseRunArgs(['--kernel', 'vmlinuz', '--initrd=init.cpio.gz', '--append', 'console=ttyS0 quiet', '--memory', '128']);
    expect(o).toMatchObject({ kernel: 'vmlinuz', initrd: 'init.cpio.gz', append: 'console=ttyS0 quiet', memoryMiB: 128, vmx: [] });
    expect(o.serial).toEqual({ kind: 'stdio' });
    expect(o.clock).toBe('realtime');
    expect(o.engine).toBe('translator');
    expect(parseRunArgs(['--kernel', 'k', '--engine', 'interpreter']).engine).toBe('interpreter');
  });
  it('takes several .vmx files', () => {
    expect(parseRunArgs(['a.vmx', 'b.vmx']).vmx).toEqual(['a.vmx', 'b.vmx']);
  });
  it('rejects bad input with a message naming the option', () => {
    expect(() => parseRunArgs(['--memory', 'lots'])).toThrow(/--memory lots/);
    expect(() => parseRunArgs(['--kernel', 'k', '--engine', 'jit'])).toThrow(/--engine jit: expected translator or interpreter/);
    expect(() => parseRunArgs(['--frobnicate'])).toThrow(UsageError);
    expect(() => parseRunArgs(['--kernel'])).toThrow(/needs a value/);
    expect(() => parseRunArgs(['--initrd', 'x'])).toThrow(/need --kernel/);
    expect(() => parseRunArgs(['a.vmx', '--kernel', 'k'])).toThrow(/either/);
  });
});

describe('--disk', () => {
  it('is repeatable and keeps the order', () => {
    expect(parseRunArgs(['--kernel', 'k']).disks).toEqual([]);
    expect(parseRunArgs(['--kernel', 'k', '--disk', 'a.vmdk', '--disk=b.img', '--disk', 'c.vmdk']).disks).toEqual(['a.vmdk', 'b.img', 'c.vmdk']);
  });
  it('rejects a missing path, a .vmx run and more disks than one adapter holds', () => {
    expect(() => parseRunArgs(['--kernel', 'k', '--disk'])).toThrow(/--disk needs a value/);
    expect(() => parseRunArgs(['--kernel', 'k', '--disk='])).toThrow(/--disk needs a path/);
    expect(() => parseRunArgs(['m.vmx', '--disk', 'a.vmdk'])).toThrow(/scsiN:M/);
    const many = Array.from({ length: 16 }, (_, i) => ['--disk', `d${i}.vmdk`]).flat();
    expect(() => parseRunArgs(['--kernel', 'k', ...many])).toThrow(/at most 15/);
    expect(parseRunArgs(['--kernel', 'k', ...many.slice(2)]).disks).toHaveLength(15);
  });
});

describe('parseSerialTarget', () => {
  it('knows every target kind', () => {
    expect(parseSerialTarget('file:/tmp/x')).toEqual({ kind: 'file', path: '/tmp/x' });
    expect(parseSerialTarget('tcp:4555')).toEqual({ kind: 'socket', address: 'tcp:4555' });
    expect(parseSerialTarget('unix:/tmp/s')).toEqual({ kind: 'socket', address: 'unix:/tmp/s' });
    expect(() => parseSerialTarget('com1')).toThrow(UsageError);
  });
});
