import { VdiskError } from '../errors.js';
import type { FileLike, FileSystemLike, OpenMode } from './file-like.js';

const CHUNK = 65536;

/**
 * A {@link FileLike} in memory, stored in 64 KiB chunks allocated on first
 * write: a 100 GiB sparse image costs only what has been written.
 */
export class MemoryFile implements FileLike {
  private readonly chunks = new Map<number, Uint8Array>();
  private length = 0;
  /** Completed {@link flush} calls (tests check flush ordering with it). */
  flushes = 0;
  /** False once {@link close} ran. */
  open = true;

  /** @param initial bytes the file starts with */
  constructor(initial?: Uint8Array) {
    if (initial) {
      this.writeSync(0, initial);
    }
  }
  /** Read synchronously (see {@link FileLike.read}). */
  readSync(position: number, dst: Uint8Array): number {
    const inside = Math.max(0, Math.min(dst.length, this.length - position));
    let done = 0;
    while (done < dst.length) {
      const p = position + done;
      const ci = Math.floor(p / CHUNK);
      const co = p - ci * CHUNK;
      const n = Math.min(CHUNK - co, dst.length - done);
      const chunk = done < inside ? this.chunks.get(ci) : undefined;
      if (chunk) dst.set(chunk.subarray(co, co + n), done);
      else dst.fill(0, done, done + n);
      done += n;
    }
    if (inside < dst.length) dst.fill(0, inside);
    return inside;
  }
  /** Write synchronously (see {@link FileLike.write}). */
  writeSync(position: number, src: Uint8Array): void {
    let done = 0;
    while (done < src.length) {
      const p = position + done;
      const ci = Math.floor(p / CHUNK);
      const co = p - ci * CHUNK;
      const n = Math.min(CHUNK - co, src.length - done);
      let chunk = this.chunks.get(ci);
      if (!chunk) {
        chunk = new Uint8Array(CHUNK);
        this.chunks.set(ci, chunk);
      }
      chunk.set(src.subarray(done, done + n), co);
      done += n;
    }
    if (position + src.length > this.length) this.length = position + src.length;
  }
  /** Length in bytes, synchronously. */
  get byteLength(): number {
    return this.length;
  }
  /** Bytes of memory actually held (allocated chunks). */
  get allocatedBytes(): number {
    return this.chunks.size * CHUNK;
  }
  /** A copy of the whole content (small files only). */
  toBytes(): Uint8Array {
    const out = new Uint8Array(this.length);
    this.readSync(0, out);
    return out;
  }
  /** Set the length synchronously. */
  truncateSync(length: number): void {
    if (length < this.length) {
      for (const ci of [...this.chunks.keys()]) {
        const start = ci * CHUNK;
        if (start >= length) this.chunks.delete(ci);
        else if (start + CHUNK > length) this.chunks.get(ci)!.fill(0, length - start);
      }
    }
    this.length = length;
  }
  /** @inheritDoc */
  async read(position: number, dst: Uint8Array): Promise<number> {
    this.check();
    return this.readSync(position, dst);
  }
  /** @inheritDoc */
  async write(position: number, src: Uint8Array): Promise<void> {
    this.check();
    this.writeSync(position, src);
  }
  /** @inheritDoc */
  async size(): Promise<number> {
    this.check();
    return this.length;
  }
  /** @inheritDoc */
  async truncate(length: number): Promise<void> {
    this.check();
    this.truncateSync(length);
  }
  /** @inheritDoc */
  async flush(): Promise<void> {
    this.check();
    this.flushes++;
  }
  /** @inheritDoc */
  async close(): Promise<void> {
    this.open = false;
  }
  private check(): void {
    if (!this.open) throw new VdiskError('io', 'file is closed');
  }
}

/**
 * A {@link FileSystemLike} in memory: a flat map from path to file content.
 * Every `open` returns a fresh handle on the same content.
 */
export class MemoryFileSystem implements FileSystemLike {
  /** Path to content. */
  readonly files = new Map<string, MemoryFile>();

  /** @inheritDoc */
  async open(path: string, _mode: OpenMode): Promise<FileLike> {
    const f = this.files.get(path);
    if (!f) throw new VdiskError('not-found', `no such file: ${path}`);
    return new MemoryFileHandle(f);
  }
  /** @inheritDoc */
  async create(path: string): Promise<FileLike> {
    if (this.files.has(path)) throw new VdiskError('exists', `file exists: ${path}`);
    const f = new MemoryFile();
    this.files.set(path, f);
    return new MemoryFileHandle(f);
  }
  /** @inheritDoc */
  async exists(path: string): Promise<boolean> {
    return this.files.has(path);
  }
  /** @inheritDoc */
  async remove(path: string): Promise<void> {
    this.files.delete(path);
  }
  /** The content at `path` (throws when missing), for tests. */
  file(path: string): MemoryFile {
    const f = this.files.get(path);
    if (!f) throw new VdiskError('not-found', `no such file: ${path}`);
    return f;
  }
}

/** One open handle on a shared {@link MemoryFile}; closing it leaves the content. */
class MemoryFileHandle implements FileLike {
  private closed = false;
  constructor(private readonly f: MemoryFile) {}
  async read(position: number, dst: Uint8Array): Promise<number> {
    this.check();
    return this.f.readSync(position, dst);
  }
  async write(position: number, src: Uint8Array): Promise<void> {
    this.check();
    this.f.writeSync(position, src);
  }
  async size(): Promise<number> {
    this.check();
    return this.f.byteLength;
  }
  async truncate(length: number): Promise<void> {
    this.check();
    this.f.truncateSync(length);
  }
  async flush(): Promise<void> {
    this.check();
    this.f.flushes++;
  }
  async close(): Promise<void> {
    this.closed = true;
  }
  private check(): void {
    if (this.closed) throw new VdiskError('io', 'file is closed');
  }
}
