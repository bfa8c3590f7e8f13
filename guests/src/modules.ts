/**
 * Kernel modules for the initramfs: their dependencies read from each
 * module's `.modinfo` ELF section (`depends=a,b`), since Debian's package
 * ships no modules.dep (depmod makes it at install time), and a modules.dep
 * for busybox's modprobe.
 *
 * @module
 */

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const dec = new TextDecoder();

/**
 * The strings of an ELF object's `.modinfo` section (`key=value`).
 * Handles ELF32 and ELF64, little-endian.
 * @throws Error for a file that is not a little-endian ELF object
 */
export function readModinfo(elf: Uint8Array): string[] {
  if (elf[0] !== 0x7f || elf[1] !== 0x45 || elf[2] !== 0x4c || elf[3] !== 0x46) throw new Error('not an ELF file');
  if (elf[5] !== 1) throw new Error('not a little-endian ELF file');
  const v = new DataView(elf.buffer, elf.byteOffset, elf.byteLength);
  const is64 = elf[4] === 2;
  const shoff = is64 ? Number(v.getBigUint64(0x28, true)) : v.getUint32(0x20, true);
  const shentsize = v.getUint16(is64 ? 0x3a : 0x2e, true);
  const shnum = v.getUint16(is64 ? 0x3c : 0x30, true);
  const shstrndx = v.getUint16(is64 ? 0x3e : 0x32, true);
  if (shoff === 0 || shoff + shnum * shentsize > elf.length || shstrndx >= shnum) throw new Error('ELF section table out of range');
  const sec = (i: number): { name: number; offset: number; size: number } => {
    const at = shoff + i * shentsize;
    return is64
      ? { name: v.getUint32(at, true), offset: Number(v.getBigUint64(at + 0x18, true)), size: Number(v.getBigUint64(at + 0x20, true)) }
      : { name: v.getUint32(at, true), offset: v.getUint32(at + 0x10, true), size: v.getUint32(at + 0x14, true) };
  };
  const strtab = sec(shstrndx);
  const nameOf = (off: number): string => {
    let s = '';
    for (let i = strtab.offset + off; i < elf.length && elf[i] !== 0; i++) s += String.fromCharCode(elf[i]!);
    return s;
  };
  for (let i = 0; i < shnum; i++) {
    const s = sec(i);
    if (nameOf(s.name) !== '.modinfo') continue;
    if (s.offset + s.size > elf.length) throw new Error('.modinfo out of range');
    return dec
      .decode(elf.subarray(s.offset, s.offset + s.size))
      .split('\0')
      .filter(Boolean);
  }
  return [];
}

/** Module names compare with `-` and `_` equivalent (as modprobe does). */
export function moduleKey(name: string): string {
  return name.replace(/\.ko(\.(xz|zst|gz))?$/, '').replace(/-/g, '_');
}

/** A module file in a kernel's module tree. */
export interface ModuleFile {
  /** Canonical name (underscores). */
  readonly name: string;
  /** Path relative to lib/modules/<version>/, e.g. `kernel/drivers/scsi/sd_mod.ko`. */
  readonly relPath: string;
  /** Absolute path on the host. */
  readonly hostPath: string;
}

/** Index every `.ko*` under a lib/modules/<version> directory by canonical name. */
export function indexModules(moduleDir: string): Map<string, ModuleFile> {
  const index = new Map<string, ModuleFile>();
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir).sort()) {
      const p = join(dir, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.ko(\.(xz|zst|gz))?$/.test(e)) index.set(moduleKey(e), { name: moduleKey(e), relPath: relative(moduleDir, p), hostPath: p });
    }
  };
  walk(moduleDir);
  return index;
}

/** The result of {@link resolveModules}. */
export interface ModuleClosure {
  /** Modules to ship, dependencies before their users. */
  readonly modules: readonly ModuleFile[];
  /** Each shipped module's direct dependencies (canonical names). */
  readonly depends: ReadonlyMap<string, readonly string[]>;
  /** Requested names that are built into the kernel (nothing to ship). */
  readonly builtin: readonly string[];
}

/**
 * The dependency closure of `wanted`, in load order.
 * @param depsOf reads a module's direct dependencies (its `depends=` list)
 * @throws Error for a module that is neither a file nor built in
 */
export function resolveModules(
  wanted: readonly string[],
  index: ReadonlyMap<string, ModuleFile>,
  builtin: ReadonlySet<string>,
  depsOf: (m: ModuleFile) => string[],
): ModuleClosure {
  const order: ModuleFile[] = [];
  const depends = new Map<string, string[]>();
  const builtinHit: string[] = [];
  const visiting = new Set<string>();
  const visit = (raw: string, from: string | null): void => {
    const key = moduleKey(raw);
    if (depends.has(key)) return;
    if (builtin.has(key)) {
      if (from === null && !builtinHit.includes(key)) builtinHit.push(key);
      return;
    }
    const m = index.get(key);
    if (!m) throw new Error(`kernel module ${raw}${from ? ` (needed by ${from})` : ''} is not in the kernel package`);
    if (visiting.has(key)) return; // a cycle; modprobe would refuse it too
    visiting.add(key);
    const deps = depsOf(m).map(moduleKey);
    for (const d of deps) visit(d, key);
    depends.set(key, deps.filter((d) => !builtin.has(d)));
    order.push(m);
  };
  for (const w of wanted) visit(w, null);
  return { modules: order, depends, builtin: builtinHit };
}

/** The `depends=` list of a module file. */
export function moduleDepends(m: ModuleFile): string[] {
  const info = readModinfo(new Uint8Array(readFileSync(m.hostPath)));
  const dep = info.find((s) => s.startsWith('depends='));
  return dep ? dep.slice(8).split(',').filter(Boolean) : [];
}

/** Canonical names listed in a modules.builtin file. */
export function parseModulesBuiltin(text: string): Set<string> {
  const s = new Set<string>();
  for (const line of text.split('\n')) {
    const base = line.trim().split('/').pop();
    if (base) s.add(moduleKey(base));
  }
  return s;
}

/**
 * modules.dep text (modules.dep(5)): `path: dep-path dep-path`, paths
 * relative to the module directory, one line per module.
 */
export function modulesDep(closure: ModuleClosure, relPathOf: (m: ModuleFile) => string = (m) => m.relPath): string {
  const byName = new Map(closure.modules.map((m) => [m.name, m]));
  const lines: string[] = [];
  for (const m of closure.modules) {
    // modules.dep lists the full transitive closure with every module before the
    // modules it needs: modprobe loads the list from its end (depmod's order).
    const loadOrder: string[] = [];
    const seen = new Set<string>();
    const visit = (n: string): void => {
      for (const d of closure.depends.get(n) ?? []) {
        if (seen.has(d)) continue;
        seen.add(d);
        visit(d);
        loadOrder.push(d);
      }
    };
    visit(m.name);
    const all = loadOrder.reverse();
    const deps = all.map((d) => relPathOf(byName.get(d)!));
    lines.push(`${relPathOf(m)}:${deps.length ? ' ' + deps.join(' ') : ''}`);
  }
  return lines.join('\n') + '\n';
}
