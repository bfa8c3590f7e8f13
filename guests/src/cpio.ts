/**
 * The "newc" cpio format (SVR4 with no CRC, magic 070701) that the Linux
 * kernel unpacks an initramfs from (Documentation/driver-api/early-userspace/
 * buffer-format.rst). Every header field is 8 ASCII hex digits; names and
 * file data are padded to 4-byte boundaries; a "TRAILER!!!" entry ends it.
 *
 * @module
 */

/** File type bits of `mode` (from <sys/stat.h>). */
export const CpioType = {
  /** Directory. */
  Dir: 0o040000,
  /** Regular file. */
  File: 0o100000,
  /** Symbolic link (the data is the target). */
  Symlink: 0o120000,
  /** Character device. */
  CharDev: 0o020000,
  /** Block device. */
  BlockDev: 0o060000,
} as const;

/** One archive member. Paths are relative, without a leading slash. */
export interface CpioEntry {
  /** Path inside the archive, e.g. `bin/busybox`. */
  readonly path: string;
  /** Full mode: type bits | permission bits. */
  readonly mode: number;
  /** File contents or symlink target; empty for directories and devices. */
  readonly data: Uint8Array;
  /** Owner (default 0). */
  readonly uid?: number;
  /** Group (default 0). */
  readonly gid?: number;
  /** Modification time in seconds since the epoch (default: the writer's fixed mtime). */
  readonly mtime?: number;
  /** Device major number (devices only). */
  readonly rdevMajor?: number;
  /** Device minor number (devices only). */
  readonly rdevMinor?: number;
}

/** A parsed archive member with every header field. */
export interface CpioParsedEntry extends CpioEntry {
  /** Inode number as written. */
  readonly ino: number;
  /** Link count as written. */
  readonly nlink: number;
  /** Owner. */
  readonly uid: number;
  /** Group. */
  readonly gid: number;
  /** Modification time. */
  readonly mtime: number;
  /** Device major. */
  readonly rdevMajor: number;
  /** Device minor. */
  readonly rdevMinor: number;
}

const MAGIC = '070701';
const HEADER = 110;
const TRAILER = 'TRAILER!!!';
const enc = new TextEncoder();
const dec = new TextDecoder();

function pad4(n: number): number {
  return (4 - (n & 3)) & 3;
}

function hex8(v: number): string {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`cpio field ${v} is not a 32-bit unsigned integer`);
  return v.toString(16).padStart(8, '0');
}

/** A helper to make entries: {@link dir}, {@link file}, {@link symlink}, {@link charDevice}. */
export const cpio = {
  /** A directory with permissions `perm` (default 0755). */
  dir(path: string, perm = 0o755): CpioEntry {
    return { path, mode: CpioType.Dir | perm, data: new Uint8Array(0) };
  },
  /** A regular file. */
  file(path: string, data: Uint8Array | string, perm = 0o644): CpioEntry {
    return { path, mode: CpioType.File | perm, data: typeof data === 'string' ? enc.encode(data) : data };
  },
  /** A symbolic link to `target`. */
  symlink(path: string, target: string): CpioEntry {
    return { path, mode: CpioType.Symlink | 0o777, data: enc.encode(target) };
  },
  /** A character device node. */
  charDevice(path: string, major: number, minor: number, perm = 0o600): CpioEntry {
    return { path, mode: CpioType.CharDev | perm, data: new Uint8Array(0), rdevMajor: major, rdevMinor: minor };
  },
};

/** Options of {@link writeCpio}. */
export interface CpioWriteOptions {
  /** mtime for entries that set none (default 0, for reproducible archives). */
  readonly mtime?: number;
}

/**
 * Serialize entries, in the order given, into a newc archive with a trailer.
 * Inode numbers are assigned 1, 2, 3...; the output depends only on the
 * entries, so identical inputs give identical bytes.
 * @throws Error for a duplicate or absolute path, or a path with `..`
 */
export function writeCpio(entries: readonly CpioEntry[], options: CpioWriteOptions = {}): Uint8Array {
  const seen = new Set<string>();
  const parts: Uint8Array[] = [];
  let total = 0;
  const push = (b: Uint8Array): void => {
    parts.push(b);
    total += b.length;
  };
  let ino = 1;
  const emit = (e: CpioEntry, inode: number, nlink: number): void => {
    const name = enc.encode(e.path);
    const header =
      MAGIC +
      hex8(inode) +
      hex8(e.mode) +
      hex8(e.uid ?? 0) +
      hex8(e.gid ?? 0) +
      hex8(nlink) +
      hex8(e.mtime ?? options.mtime ?? 0) +
      hex8(e.data.length) +
      hex8(0) +
      hex8(0) +
      hex8(e.rdevMajor ?? 0) +
      hex8(e.rdevMinor ?? 0) +
      hex8(name.length + 1) +
      hex8(0);
    push(enc.encode(header));
    push(name);
    push(new Uint8Array(1 + pad4(HEADER + name.length + 1)));
    push(e.data);
    push(new Uint8Array(pad4(e.data.length)));
  };
  for (const e of entries) {
    if (e.path === '' || e.path.startsWith('/') || e.path.split('/').includes('..')) {
      throw new Error(`cpio: bad path ${JSON.stringify(e.path)} (must be relative, without "..")`);
    }
    if (seen.has(e.path)) throw new Error(`cpio: duplicate path ${e.path}`);
    seen.add(e.path);
    const isDir = (e.mode & 0o170000) === CpioType.Dir;
    emit(e, ino++, isDir ? 2 : 1);
  }
  emit({ path: TRAILER, mode: 0, data: new Uint8Array(0) }, 0, 1);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Parse a newc archive (up to its trailer) into entries.
 * @throws Error for a bad magic, a truncated entry or a missing trailer
 */
export function readCpio(archive: Uint8Array): CpioParsedEntry[] {
  const out: CpioParsedEntry[] = [];
  let at = 0;
  const field = (i: number): number => {
    const s = dec.decode(archive.subarray(at + 6 + i * 8, at + 14 + i * 8));
    if (!/^[0-9a-fA-F]{8}$/.test(s)) throw new Error(`cpio: bad header field at ${at + 6 + i * 8}`);
    return parseInt(s, 16);
  };
  while (true) {
    if (at + HEADER > archive.length) throw new Error(`cpio: truncated header at ${at} (no trailer)`);
    const magic = dec.decode(archive.subarray(at, at + 6));
    if (magic !== MAGIC) throw new Error(`cpio: bad magic ${JSON.stringify(magic)} at ${at}`);
    const [ino, mode, uid, gid, nlink, mtime, size, , , rdevMajor, rdevMinor, namesize] = Array.from(
      { length: 12 },
      (_, i) => field(i),
    ) as number[];
    const nameStart = at + HEADER;
    if (namesize! < 1 || nameStart + namesize! > archive.length) throw new Error(`cpio: truncated name at ${nameStart}`);
    const path = dec.decode(archive.subarray(nameStart, nameStart + namesize! - 1));
    const dataStart = nameStart + namesize! + pad4(HEADER + namesize!);
    if (dataStart + size! > archive.length) throw new Error(`cpio: truncated data of ${path}`);
    if (path === TRAILER) return out;
    out.push({
      path,
      ino: ino!,
      mode: mode!,
      uid: uid!,
      gid: gid!,
      nlink: nlink!,
      mtime: mtime!,
      rdevMajor: rdevMajor!,
      rdevMinor: rdevMinor!,
      data: archive.slice(dataStart, dataStart + size!),
    });
    at = dataStart + size! + pad4(size!);
  }
}
