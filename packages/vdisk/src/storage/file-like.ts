/**
 * The storage abstraction under every disk: a random-access file with
 * asynchronous I/O, so the core runs in browsers (memory, OPFS) and in Node
 * (`@vm/vdisk/node`).
 *
 * @module
 */

/** A random-access file. Positions and lengths are byte counts below 2^53. */
export interface FileLike {
  /**
   * Read `dst.length` bytes at `position`. Bytes past the end of the file
   * read as zeros; resolves with how many bytes lay inside the file.
   */
  read(position: number, dst: Uint8Array): Promise<number>;
  /** Write `src` at `position`, growing the file when needed. */
  write(position: number, src: Uint8Array): Promise<void>;
  /** Current length in bytes. */
  size(): Promise<number>;
  /** Set the length (growing fills with zeros). */
  truncate(length: number): Promise<void>;
  /** Resolve once every write that resolved before this call is durable. */
  flush(): Promise<void>;
  /** Release the file; no call is valid afterwards. */
  close(): Promise<void>;
}

/** Open modes: read-only, or read-write. */
export type OpenMode = 'r' | 'rw';

/**
 * A directory tree of {@link FileLike}s, as a descriptor's extents and a redo
 * log name files relative to each other. Paths use `/` separators.
 */
export interface FileSystemLike {
  /** Open an existing file; rejects with VdiskError `not-found` when missing. */
  open(path: string, mode: OpenMode): Promise<FileLike>;
  /** Create a new empty file opened read-write; rejects with VdiskError `exists` when present. */
  create(path: string): Promise<FileLike>;
  /** True when a file exists at `path`. */
  exists(path: string): Promise<boolean>;
  /** Delete a file (no error when missing). */
  remove(path: string): Promise<void>;
}

/** The directory part of a `/`-separated path (`''` when there is none). */
export function dirName(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i + 1);
}

/** The last component of a `/`-separated path. */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Resolve `name` (as written in a descriptor) against the directory of `from`, folding `.` and `..`. */
export function resolvePath(from: string, name: string): string {
  if (name.startsWith('/')) return name;
  const parts: string[] = [];
  const abs = from.startsWith('/');
  let up = 0;
  for (const seg of (dirName(from) + name).split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (parts.length > 0) parts.pop();
      else if (!abs) up++;
    } else parts.push(seg);
  }
  return (abs ? '/' : '../'.repeat(up)) + parts.join('/');
}

/** The name of file `to` relative to the directory of file `from` (as a descriptor's parentFileNameHint). */
export function relativePath(from: string, to: string): string {
  if (from.startsWith('/') !== to.startsWith('/')) return to;
  const a = dirName(from).split('/').filter((s) => s !== '' && s !== '.');
  const b = to.split('/').filter((s) => s !== '' && s !== '.');
  let i = 0;
  while (i < a.length && i < b.length - 1 && a[i] === b[i]) i++;
  if (a.slice(i).includes('..')) return to;
  return '../'.repeat(a.length - i) + b.slice(i).join('/');
}
