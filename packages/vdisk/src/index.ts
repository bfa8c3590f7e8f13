/**
 * `@vm/vdisk`: virtual disk files for vm. Raw images and VMDK
 * (monolithicSparse, monolithicFlat, twoGbMaxExtentSparse/Flat), ESX disk
 * modes with redo logs (persistent, nonpersistent, undoable), over an
 * abstract asynchronous {@link FileSystemLike} so the core runs in browsers;
 * the Node backend is `@vm/vdisk/node`. Every disk is a `@vm/bus`
 * `BlockBackend` with 512-byte sectors.
 *
 * @packageDocumentation
 */

export { VdiskError, toBlockError } from './errors.js';
export type { VdiskErrorKind } from './errors.js';
export { baseName, dirName, relativePath, resolvePath } from './storage/file-like.js';
export type { FileLike, FileSystemLike, OpenMode } from './storage/file-like.js';
export { MemoryFile, MemoryFileSystem } from './storage/memory-file.js';
export { SerialQueue } from './serial-queue.js';
export {
  FLAG_COMPRESSED,
  FLAG_MARKERS,
  FLAG_NL_DETECT,
  FLAG_RGD,
  FLAG_ZERO_GRAIN,
  GTE_ZEROED,
  MAX_SECTORS,
  SPARSE_MAGIC,
  formatSparseHeader,
  gdEntryCount,
  gdSectorCount,
  gtSectorCount,
  hasSparseMagic,
  parseSparseHeader,
} from './vmdk/header.js';
export type { SparseHeader } from './vmdk/header.js';
export { CID_NONE, formatDescriptor, newCid, parseDescriptor } from './vmdk/descriptor.js';
export type { Descriptor, ExtentAccess, ExtentLine, ExtentType } from './vmdk/descriptor.js';
export { SparseExtent } from './vmdk/sparse-extent.js';
export type { GrainCounts, SparseCreateOptions } from './vmdk/sparse-extent.js';
export type { AllocationKind, AllocationRun, Extent } from './disk/extent.js';
export { FlatExtent, ZeroExtent } from './disk/flat-extent.js';
export { ClampedExtent } from './disk/clamped-extent.js';
export { VirtualDisk } from './disk/virtual-disk.js';
export type { DescriptorHome, DiskFormat, DiskMode, VirtualDiskParts } from './disk/virtual-disk.js';
export { openVirtualDisk } from './disk/open.js';
export type { OpenOptions } from './disk/open.js';
export { TWO_GB_EXTENT_SECTORS, createDisk, defaultDdb, extentFileName } from './disk/create.js';
export type { CreateOptions, ParentLink, VmdkSubformat } from './disk/create.js';
export { commitRedo, createRedoLog, defaultRedoPath, discardRedo, openDisk } from './disk/modes.js';
export type { DiskModeOptions, ProgressCallback, RedoOptions } from './disk/modes.js';
export { describeDisk, diskInfo } from './disk/info.js';
export type { DiskInfo, ExtentInfo } from './disk/info.js';
export { convertDisk } from './disk/convert.js';
export type { ConvertOptions } from './disk/convert.js';
export { checkDisk } from './disk/check.js';
export type { CheckResult } from './disk/check.js';
