/**
 * Assemble the guest's initramfs tree (busybox with applet links, /init,
 * device nodes, test scripts, kernel modules) and pack it as gzip'd newc.
 *
 * @module
 */

import { gzipSync } from 'node:zlib';
import type { Applet } from './busybox.js';
import { cpio, writeCpio } from './cpio.js';
import type { CpioEntry } from './cpio.js';
import { INIT_SCRIPT, TEST_SCRIPTS } from './scripts.js';

/** A kernel module file to ship. */
export interface ShippedModule {
  /** Path relative to lib/modules/<version>/ (uncompressed `.ko`). */
  readonly relPath: string;
  /** Module contents (uncompressed). */
  readonly data: Uint8Array;
}

/** Inputs of {@link buildInitramfsEntries}. */
export interface InitramfsInputs {
  /** The busybox-static binary. */
  readonly busybox: Uint8Array;
  /** Its applets and link paths. */
  readonly applets: readonly Applet[];
  /** `uname -r` of the kernel, naming lib/modules/<version>. */
  readonly kernelVersion: string;
  /** Modules to ship. */
  readonly modules: readonly ShippedModule[];
  /** modules.dep for them. */
  readonly modulesDep: string;
  /** Test scripts by name (default {@link TEST_SCRIPTS}). */
  readonly tests?: Readonly<Record<string, string>>;
  /** /init (default {@link INIT_SCRIPT}). */
  readonly init?: string;
}

/**
 * The archive's entries, sorted so every directory precedes its contents,
 * with parent directories created as needed. Everything is owned by root
 * with mtime 0.
 */
export function buildInitramfsEntries(inputs: InitramfsInputs): CpioEntry[] {
  const map = new Map<string, CpioEntry>();
  const add = (e: CpioEntry): void => {
    const parts = e.path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const d = parts.slice(0, i).join('/');
      if (!map.has(d)) map.set(d, cpio.dir(d));
    }
    if (map.has(e.path) && (map.get(e.path)!.mode & 0o170000) !== 0o040000) throw new Error(`initramfs: ${e.path} added twice`);
    map.set(e.path, e);
  };
  for (const d of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'etc', 'proc', 'sys', 'dev', 'tmp', 'run', 'mnt', 'root', 'vmtest']) {
    add(cpio.dir(d, d === 'tmp' ? 0o1777 : d === 'root' ? 0o700 : 0o755));
  }
  // The kernel opens /dev/console for init before anything is mounted.
  add(cpio.charDevice('dev/console', 5, 1, 0o600));
  add(cpio.charDevice('dev/ttyS0', 4, 64, 0o660));
  add(cpio.charDevice('dev/tty', 5, 0, 0o666));
  add(cpio.charDevice('dev/null', 1, 3, 0o666));
  add(cpio.file('bin/busybox', inputs.busybox, 0o755));
  for (const a of inputs.applets) {
    if (a.path === 'bin/busybox' || a.name === 'busybox') continue;
    add(cpio.symlink(a.path, '/bin/busybox'));
  }
  add(cpio.file('init', inputs.init ?? INIT_SCRIPT, 0o755));
  add(cpio.file('etc/passwd', 'root:x:0:0:root:/root:/bin/sh\n'));
  add(cpio.file('etc/group', 'root:x:0:\n'));
  add(cpio.file('etc/hostname', 'vmguest\n'));
  add(cpio.file('etc/profile', 'export PATH=/sbin:/usr/sbin:/bin:/usr/bin\nexport PS1="vmguest# "\n'));
  for (const [name, text] of Object.entries(inputs.tests ?? TEST_SCRIPTS)) add(cpio.file(`vmtest/${name}.sh`, text, 0o755));
  const modDir = `lib/modules/${inputs.kernelVersion}`;
  add(cpio.dir(modDir));
  for (const m of inputs.modules) add(cpio.file(`${modDir}/${m.relPath}`, m.data, 0o644));
  add(cpio.file(`${modDir}/modules.dep`, inputs.modulesDep));
  return [...map.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Pack entries as a gzip-compressed newc archive (reproducible: mtime 0, fixed gzip header). */
export function packInitramfs(entries: readonly CpioEntry[]): Uint8Array {
  return new Uint8Array(gzipSync(writeCpio(entries), { level: 9 }));
}
