import { describe, expect, it } from 'vitest';
import { moduleKey, modulesDep, parseModulesBuiltin, readModinfo, resolveModules } from './modules.js';
import type { ModuleFile } from './modules.js';

/** A minimal ELF32 relocatable object with a .shstrtab and a .modinfo section. */
function elfWithModinfo(strings: string[]): Uint8Array {
  const enc = new TextEncoder();
  const shstr = enc.encode('\0.shstrtab\0.modinfo\0');
  const modinfo = enc.encode(strings.map((s) => `${s}\0`).join(''));
  const shoff = 52 + shstr.length + modinfo.length + 3 & ~3;
  const b = new Uint8Array(shoff + 3 * 40);
  const v = new DataView(b.buffer);
  b.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1]);
  v.setUint16(16, 1, true); // ET_REL
  v.setUint16(18, 3, true); // EM_386
  v.setUint32(0x20, shoff, true);
  v.setUint16(0x2e, 40, true);
  v.setUint16(0x30, 3, true);
  v.setUint16(0x32, 1, true);
  b.set(shstr, 52);
  b.set(modinfo, 52 + shstr.length);
  const sec = (i: number, name: number, off: number, size: number): void => {
    v.setUint32(shoff + i * 40, name, true);
    v.setUint32(shoff + i * 40 + 4, 1, true);
    v.setUint32(shoff + i * 40 + 0x10, off, true);
    v.setUint32(shoff + i * 40 + 0x14, size, true);
  };
  sec(1, 1, 52, shstr.length);
  sec(2, 11, 52 + shstr.length, modinfo.length);
  return b;
}

describe('readModinfo', () => {
  it('reads the key=value strings of .modinfo', () => {
    const info = readModinfo(elfWithModinfo(['license=GPL', 'depends=mptbase,scsi_transport_spi', 'name=mptspi']));
    expect(info).toEqual(['license=GPL', 'depends=mptbase,scsi_transport_spi', 'name=mptspi']);
  });
  it('rejects non-ELF input', () => {
    expect(() => readModinfo(new Uint8Array(64))).toThrow(/not an ELF file/);
  });
});

describe('module dependency closure', () => {
  const mk = (name: string, dir = 'drivers'): ModuleFile => ({ name: moduleKey(name), relPath: `kernel/${dir}/${name}.ko`, hostPath: `/x/${name}.ko` });
  const files = ['mptspi', 'mptscsih', 'mptbase', 'scsi_transport_spi', 'scsi_mod', 'scsi_common', 'sd_mod', 'BusLogic'].map((n) => mk(n));
  const index = new Map(files.map((f) => [f.name, f]));
  const deps: Record<string, string[]> = {
    mptspi: ['mptscsih', 'mptbase', 'scsi_transport_spi', 'scsi-mod'],
    mptscsih: ['mptbase', 'scsi_mod', 'scsi_common'],
    mptbase: [],
    scsi_transport_spi: ['scsi_mod'],
    scsi_mod: ['scsi_common'],
    scsi_common: [],
    sd_mod: ['scsi_mod', 'crc_builtin'],
    BusLogic: ['scsi_mod'],
  };
  const depsOf = (m: ModuleFile): string[] => deps[m.name]!;

  it('orders dependencies before their users and skips built-ins', () => {
    const c = resolveModules(['mptspi', 'sd-mod', 'BusLogic', 'vfat_builtin'], index, new Set(['crc_builtin', 'vfat_builtin']), depsOf);
    const order = c.modules.map((m) => m.name);
    expect(new Set(order)).toEqual(new Set(files.map((f) => f.name)));
    for (const [m, ds] of Object.entries(deps)) {
      for (const d of ds.map(moduleKey)) if (index.has(d)) expect(order.indexOf(d)).toBeLessThan(order.indexOf(m));
    }
    expect(c.builtin).toEqual(['vfat_builtin']);
    expect(c.depends.get('sd_mod')).toEqual(['scsi_mod']);
  });

  it('writes modules.dep with the transitive dependencies', () => {
    const c = resolveModules(['mptspi'], index, new Set(), depsOf);
    const dep = modulesDep(c);
    expect(dep).toContain('kernel/drivers/scsi_common.ko:\n');
    const line = dep.split('\n').find((l) => l.startsWith('kernel/drivers/mptspi.ko:'))!;
    expect(line.split(': ')[1]!.split(' ').sort()).toEqual(
      ['mptscsih', 'mptbase', 'scsi_transport_spi', 'scsi_mod', 'scsi_common'].map((n) => `kernel/drivers/${n}.ko`).sort(),
    );
  });

  it('names a missing module and who needs it', () => {
    const broken = new Map(index);
    broken.delete('scsi_common');
    expect(() => resolveModules(['sd_mod'], broken, new Set(['crc_builtin']), depsOf)).toThrow(
      /kernel module scsi_common \(needed by scsi_mod\) is not in the kernel package/,
    );
  });

  it('parses modules.builtin', () => {
    expect(parseModulesBuiltin('kernel/fs/ext4/ext4.ko\nkernel/lib/crc-t10dif.ko\n')).toEqual(new Set(['ext4', 'crc_t10dif']));
  });
});
