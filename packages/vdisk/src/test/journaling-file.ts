import type { FileLike, FileSystemLike, OpenMode } from '../storage/file-like.js';
import { MemoryFile, MemoryFileSystem } from '../storage/memory-file.js';

/** One recorded operation on a {@link JournalingFile}. */
export type JournalEntry =
  | {
      /** A write. */
      op: 'write';
      /** Byte position. */
      position: number;
      /** A copy of the bytes written. */
      data: Uint8Array;
    }
  | {
      /** A truncate. */
      op: 'truncate';
      /** New length in bytes. */
      length: number;
    }
  | {
      /** A flush. */
      op: 'flush';
    };

/**
 * A {@link FileLike} that records every write, truncate and flush, so tests
 * can check flush ordering and build what the disk would hold after a crash
 * at any point ({@link crashImage}).
 */
export class JournalingFile implements FileLike {
  /** Operations in issue order. */
  readonly journal: JournalEntry[] = [];
  /** The live content. */
  readonly content: MemoryFile;
  /** @param initial content at the start (taken as durable) */
  constructor(initial?: Uint8Array) {
    this.content = new MemoryFile(initial);
    this.base = initial ? initial.slice() : new Uint8Array(0);
  }
  private readonly base: Uint8Array;
  /** @inheritDoc */
  read(position: number, dst: Uint8Array): Promise<number> {
    return this.content.read(position, dst);
  }
  /** @inheritDoc */
  async write(position: number, src: Uint8Array): Promise<void> {
    this.journal.push({ op: 'write', position, data: src.slice() });
    await this.content.write(position, src);
  }
  /** @inheritDoc */
  size(): Promise<number> {
    return this.content.size();
  }
  /** @inheritDoc */
  async truncate(length: number): Promise<void> {
    this.journal.push({ op: 'truncate', length });
    await this.content.truncate(length);
  }
  /** @inheritDoc */
  async flush(): Promise<void> {
    this.journal.push({ op: 'flush' });
  }
  /** @inheritDoc */
  async close(): Promise<void> {}

  /**
   * The file after a crash during flush number `epoch` (0-based): every
   * operation before the flushes that completed is applied; of those issued
   * between the last completed flush and the interrupted one, only the ones
   * `keep` accepts (storage may persist any subset of unflushed writes);
   * nothing issued after the interrupted flush exists, because its caller
   * was still waiting for it.
   */
  crashImage(epoch: number, keep: (entry: JournalEntry, index: number) => boolean): MemoryFile {
    const f = new MemoryFile(this.base);
    let flushes = 0;
    this.journal.forEach((e, i) => {
      const durable = flushes < epoch;
      if (e.op === 'flush') {
        flushes++;
        return;
      }
      if (flushes > epoch) return;
      if (!durable && !keep(e, i)) return;
      if (e.op === 'write') f.writeSync(e.position, e.data);
      else f.truncateSync(e.length);
    });
    return f;
  }
  /** Number of flushes recorded. */
  get flushCount(): number {
    return this.journal.filter((e) => e.op === 'flush').length;
  }
}

/** A {@link MemoryFileSystem} whose files are {@link JournalingFile}s for the paths listed. */
export class JournalingFileSystem implements FileSystemLike {
  /** Journaled files by path. */
  readonly journaled = new Map<string, JournalingFile>();
  /** @param inner where other files live */
  constructor(readonly inner = new MemoryFileSystem()) {}
  /** Start journaling `path` from its current content. */
  async track(path: string): Promise<JournalingFile> {
    const j = new JournalingFile(this.inner.file(path).toBytes());
    this.journaled.set(path, j);
    return j;
  }
  /** @inheritDoc */
  async open(path: string, mode: OpenMode): Promise<FileLike> {
    return this.journaled.get(path) ?? this.inner.open(path, mode);
  }
  /** @inheritDoc */
  create(path: string): Promise<FileLike> {
    return this.inner.create(path);
  }
  /** @inheritDoc */
  exists(path: string): Promise<boolean> {
    return this.inner.exists(path);
  }
  /** @inheritDoc */
  remove(path: string): Promise<void> {
    return this.inner.remove(path);
  }
}
