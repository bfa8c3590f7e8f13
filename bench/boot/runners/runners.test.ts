import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { QemuRunner } from './qemu.js';
import { V86Runner, findV86Dir } from './v86.js';
import { VmRunner } from './vm.js';

const input = { kernel: 'k', initrd: 'i', append: 'console=ttyS0 quiet', memoryMiB: 128 };
const scratch = mkdtempSync(join(tmpdir(), 'boot-bench-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('QemuRunner', () => {
  it('runs TCG with one CPU, no display, no NIC, serial on stdio and no reboot', () => {
    const c = new QemuRunner().command(input);
    expect(c.command).toBe('qemu-system-i386');
    expect(c.args.join(' ')).toBe(
      '-accel tcg -m 128 -smp 1 -display none -serial stdio -monitor none -nic none -no-reboot -kernel k -initrd i -append console=ttyS0 quiet',
    );
  });
  it('says what to install when the program is missing', () => {
    expect(new QemuRunner(join(scratch, 'no-qemu')).unavailable()).toMatch(/qemu-system-x86/);
  });
});

describe('V86Runner', () => {
  it('runs the headless script in a fresh node with the whole configuration', () => {
    const c = new V86Runner({ bios: join(scratch, 'bios.bin'), vgaBios: null, noJit: true }).command(input);
    expect(c.command).toBe(process.execPath);
    expect(existsSync(c.args[0]!)).toBe(true);
    const cfg = JSON.parse(c.args[1]!);
    expect(cfg).toMatchObject({ kernel: 'k', initrd: 'i', cmdline: 'console=ttyS0 quiet', memoryMiB: 128, noJit: true });
    expect(cfg.endLines).toContain('reboot: System halted');
  });
  it('needs SeaBIOS', () => {
    const r = new V86Runner({ bios: join(scratch, 'none', 'bios.bin'), vgaBios: null, noJit: false });
    expect(r.unavailable()).toMatch(findV86Dir() === null ? /v86 npm package/ : /seabios/);
  });
});

describe('VmRunner', () => {
  it('skips with a message while the vm command is not built', () => {
    expect(new VmRunner(join(scratch, 'main.js')).unavailable()).toMatch(/not built yet/);
  });
  it('runs `vm run` with the direct-boot options', () => {
    const cli = join(scratch, 'main.js');
    writeFileSync(cli, '');
    const r = new VmRunner(cli);
    expect(r.unavailable()).toBeNull();
    expect(r.command(input).args).toEqual([cli, 'run', '--kernel', 'k', '--initrd', 'i', '--append', 'console=ttyS0 quiet', '--memory', '128']);
  });
  it('runs the interpreter alone as vm-interp', () => {
    const cli = join(scratch, 'main.js');
    writeFileSync(cli, '');
    const r = new VmRunner(cli, 'interpreter');
    expect(r.id).toBe('vm-interp');
    expect(r.command(input).args.slice(-2)).toEqual(['--engine', 'interpreter']);
  });
});
