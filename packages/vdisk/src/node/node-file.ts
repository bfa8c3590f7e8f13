/// <reference types="node" />
import { constants } from 'node:fs';
import { open, rm, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { VdiskError } from '../errors.js';
import type { FileLike, FileSystemLike, OpenMode } from '../storage/file-like.js';

function ioError(e: unknown, path: string): VdiskError {
  const code = (e as { code?: string }).code;
  if (code === 'ENOENT') return new VdiskError('not-found', `no such file: ${path}`);
  if (code === 'EEXIST') return new VdiskError('exists', `file exists: ${path}`);
  return new VdiskError('io', `${path}: ${e instanceof Error ? e.message : String(e)}`);
}

/**
 * A {@link FileLike} on a Node `FileHandle`. `flush()` is a real `fsync`, so
 * it resolves only when the kernel reports the data on stable storage.
 */
export class NodeFile implements FileLike {
  /**
   * @param handle an open file handle (owned: closed by {@link close})
   * @param path the path, for error messages
   */
  constructor(
    readonly handle: FileHandle,
    readonly path: string,
  ) {}
  /** @inheritDoc */
  async read(position: number, dst: Uint8Array): Promise<number> {
    let done = 0;
    try {
      while (done < dst.length) {
        const { bytesRead } = await this.handle.read(dst, done, dst.length - done, position + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
    } catch (e) {
      throw ioError(e, this.path);
    }
    if (done < dst.length) dst.fill(0, done);
    return done;
  }
  /** @inheritDoc */
  async write(position: number, src: Uint8Array): Promise<void> {
    try {
      let done = 0;
      while (done < src.length) {
        const { bytesWritten } = await this.handle.write(src, done, src.length - done, position + done);
        done += bytesWritten;
      }
    } catch (e) {
      throw ioError(e, this.path);
    }
  }
  /** @inheritDoc */
  async size(): Promise<number> {
    try {
      return (await this.handle.stat()).size;
    } catch (e) {
      throw ioError(e, this.path);
    }
  }
  /** @inheritDoc */
  async truncate(length: number): Promise<void> {
    try {
      await this.handle.truncate(length);
    } catch (e) {
      throw ioError(e, this.path);
    }
  }
  /** @inheritDoc */
  async flush(): Promise<void> {
    try {
      await this.handle.sync();
    } catch (e) {
      throw ioError(e, this.path);
    }
  }
  /** @inheritDoc */
  async close(): Promise<void> {
    await this.handle.close();
  }
}

/** The host file system as a {@link FileSystemLike} (paths as Node takes them). */
export class NodeFileSystem implements FileSystemLike {
  /** @inheritDoc */
  async open(path: string, mode: OpenMode): Promise<FileLike> {
    try {
      return new NodeFile(await open(path, mode === 'r' ? 'r' : 'r+'), path);
    } catch (e) {
      throw ioError(e, path);
    }
  }
  /** @inheritDoc */
  async create(path: string): Promise<FileLike> {
    try {
      return new NodeFile(await open(path, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL, 0o644), path);
    } catch (e) {
      throw ioError(e, path);
    }
  }
  /** @inheritDoc */
  async exists(path: string): Promise<boolean> {
    try {
      await stat(path);
      return true;
    } catch {
      return false;
    }
  }
  /** @inheritDoc */
  async remove(path: string): Promise<void> {
    await rm(path, { force: true });
  }
}
