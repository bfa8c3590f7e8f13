/**
 * The applets a busybox binary provides, so the initramfs can have one
 * symlink per applet. Asked of the binary (`busybox --list-full`) when the
 * host can run it; otherwise read from the binary's applet name table.
 *
 * @module
 */

import type { CommandRunner } from './run.js';

/** An applet and where its link goes (relative, e.g. `usr/bin/awk`). */
export interface Applet {
  /** Applet name. */
  readonly name: string;
  /** Link path relative to the root. */
  readonly path: string;
}

/**
 * Read the applet name table from a busybox binary: the NUL-separated,
 * strcmp-sorted list that starts `[`, `[[` (busybox's applet_names[]).
 * Every name goes under `bin/` (the kernel's PATH search does not care).
 * @throws Error when no table is found
 */
export function appletsFromBinary(binary: Uint8Array): Applet[] {
  const marker = [0x5b, 0, 0x5b, 0x5b, 0];
  let at = -1;
  outer: for (let i = 0; i + marker.length <= binary.length; i++) {
    for (let j = 0; j < marker.length; j++) if (binary[i + j] !== marker[j]) continue outer;
    if (i > 0 && binary[i - 1] !== 0) continue;
    at = i;
    break;
  }
  if (at < 0) throw new Error('no busybox applet table ("[", "[[", ...) in the binary');
  const names: string[] = [];
  let cur = '';
  for (let i = at; i < binary.length; i++) {
    const c = binary[i]!;
    if (c !== 0) {
      cur += String.fromCharCode(c);
      if (cur.length > 32) break;
      continue;
    }
    if (!/^[a-z0-9_.[\]-]+$/.test(cur) || (names.length > 0 && cur <= names[names.length - 1]!)) break;
    names.push(cur);
    cur = '';
  }
  if (names.length < 10) throw new Error(`busybox applet table looks wrong (${names.length} names)`);
  return names.map((name) => ({ name, path: `bin/${name}` }));
}

/** Parse `busybox --list-full` output (`usr/bin/awk` per line). */
export function parseListFull(text: string): Applet[] {
  return text
    .split('\n')
    .map((l) => l.trim().replace(/^\/+/, ''))
    .filter(Boolean)
    .map((path) => ({ name: path.slice(path.lastIndexOf('/') + 1), path }));
}

/** What {@link busyboxApplets} found. */
export interface AppletList {
  /** The applets. */
  readonly applets: Applet[];
  /** `list-full` when the binary ran, `binary-table` when its name table was read. */
  readonly method: 'list-full' | 'binary-table';
}

/**
 * The applets of the busybox binary at `hostPath`: run it if the host can,
 * else read its table.
 */
export function busyboxApplets(hostPath: string, binary: Uint8Array, runner: CommandRunner): AppletList {
  const r = runner.run(hostPath, ['--list-full']);
  if (r.status === 0) {
    const applets = parseListFull(r.stdout);
    if (applets.length >= 10) return { applets, method: 'list-full' };
  }
  return { applets: appletsFromBinary(binary), method: 'binary-table' };
}
