/**
 * `@vm/vdisk/node`: the Node.js storage backend for `@vm/vdisk` (files
 * through `fs/promises`, flush is `fsync`). Browsers use the core entry
 * with a memory or custom {@link FileSystemLike}.
 *
 * @packageDocumentation
 */

export { NodeFile, NodeFileSystem } from './node-file.js';
export type { FileLike, FileSystemLike, OpenMode } from '../storage/file-like.js';
