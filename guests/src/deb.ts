/**
 * Unpacking a `.deb` (deb(5): an ar archive with debian-binary,
 * control.tar.* and data.tar.*) without installing it: `dpkg-deb -x` when
 * present, otherwise our own ar reader and the host's tar.
 *
 * @module
 */

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandRunner } from './run.js';

/** One member of an ar archive. */
export interface ArMember {
  /** Member name (trailing `/` of GNU names removed). */
  readonly name: string;
  /** Contents. */
  readonly data: Uint8Array;
}

const dec = new TextDecoder();

/**
 * Parse a common-format ar archive ("!<arch>\n", 60-byte headers, members
 * padded to even offsets).
 * @throws Error for a bad magic or a truncated member
 */
export function readAr(archive: Uint8Array): ArMember[] {
  if (dec.decode(archive.subarray(0, 8)) !== '!<arch>\n') throw new Error('not an ar archive (no "!<arch>" magic)');
  const out: ArMember[] = [];
  let at = 8;
  while (at + 60 <= archive.length) {
    const h = dec.decode(archive.subarray(at, at + 60));
    if (h.slice(58, 60) !== '`\n') throw new Error(`ar: bad member header at ${at}`);
    const name = h.slice(0, 16).trim().replace(/\/$/, '');
    const size = Number(h.slice(48, 58).trim());
    if (!Number.isInteger(size) || at + 60 + size > archive.length) throw new Error(`ar: truncated member ${name}`);
    out.push({ name, data: archive.subarray(at + 60, at + 60 + size) });
    at += 60 + size + (size & 1);
  }
  return out;
}

/**
 * Extract a `.deb`'s data files under `dest`.
 * @throws Error when neither dpkg-deb nor tar can unpack it
 */
export function extractDeb(debPath: string, dest: string, runner: CommandRunner): void {
  mkdirSync(dest, { recursive: true });
  const r = runner.run('dpkg-deb', ['-x', debPath, dest]);
  if (r.status === 0) return;
  if (r.errorCode !== 'ENOENT') throw new Error(`dpkg-deb -x ${debPath} failed: ${r.stderr.trim()}`);
  const data = readAr(new Uint8Array(readFileSync(debPath))).find((m) => m.name.startsWith('data.tar'));
  if (!data) throw new Error(`${debPath}: no data.tar member`);
  const tmp = mkdtempSync(join(dest, '.deb-'));
  try {
    const tarFile = join(tmp, data.name);
    writeFileSync(tarFile, data.data);
    // GNU tar detects the compression (xz, zstd, gzip) when reading a file.
    const t = runner.run('tar', ['-xf', tarFile, '-C', dest]);
    if (t.status !== 0) throw new Error(`tar -xf ${data.name} from ${debPath} failed: ${t.stderr.trim()}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
