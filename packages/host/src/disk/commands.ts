import { checkDisk, commitRedo, convertDisk, createDisk, defaultRedoPath, diskInfo, discardRedo, VdiskError } from '@vm/vdisk';
import type { CheckResult, DiskInfo, FileSystemLike } from '@vm/vdisk';
import type { DiskCommand } from './disk-args.js';
import { formatDiskInfo } from './format-info.js';
import { ProgressReporter } from './progress.js';
import type { ProgressStream } from './progress.js';
import { formatSize } from './size.js';

/** Where a `vm disk` command writes: results to `out` (stdout), progress and errors to `err` (stderr). */
export interface DiskIo {
  /** Results. */
  readonly out: { write(text: string): unknown };
  /** Progress and errors. */
  readonly err: ProgressStream;
  /** Millisecond clock for progress pacing (default Date.now). */
  readonly now?: () => number;
}

type Of<K extends 'create' | 'info' | 'convert'> = Extract<DiskCommand, { cmd: K }>;
/** commit, discard and check take just the image's path. */
type OnPath = { readonly path: string };

/** `vm disk create`: make an empty image. */
export async function diskCreateCommand(fs: FileSystemLike, c: Of<'create'>, io: DiskIo): Promise<number> {
  const disk = await createDisk(fs, c.path, {
    size: c.size,
    format: c.format,
    ...(c.subformat ? { subformat: c.subformat } : {}),
    ...(c.adapter ? { adapterType: c.adapter } : {}),
  });
  await disk.close();
  const layout = c.format === 'raw' ? 'raw' : `vmdk ${c.subformat ?? 'monolithicSparse'}`;
  io.out.write(`created ${c.path}: ${layout}, ${formatSize(c.size)}\n`);
  return 0;
}

/** `vm disk info`: the image's layout; `redo log` is the undoable redo log next to it, if any. */
export async function diskInfoCommand(fs: FileSystemLike, c: Of<'info'>, io: DiskIo): Promise<number> {
  const info: DiskInfo = await diskInfo(fs, c.path);
  const redo = defaultRedoPath(c.path);
  const redoLog = (await fs.exists(redo)) ? redo : null;
  io.out.write(c.json ? JSON.stringify({ ...info, redoLog }, null, 2) + '\n' : formatDiskInfo(info, redoLog));
  return 0;
}

/** `vm disk convert`: copy the guest-visible content into a new image, with progress. */
export async function diskConvertCommand(fs: FileSystemLike, c: Of<'convert'>, io: DiskIo): Promise<number> {
  const progress = new ProgressReporter(io.err, `converting ${c.src}`, io.now);
  let written: number;
  try {
    written = await convertDisk(fs, c.src, c.dst, {
      format: c.format,
      ...(c.subformat ? { subformat: c.subformat } : {}),
      ...(c.adapter ? { adapterType: c.adapter } : {}),
      onProgress: (done, total) => progress.update(done, total),
    });
  } finally {
    progress.finish();
  }
  io.out.write(`converted ${c.src} to ${c.dst} (${c.format}${c.subformat ? ` ${c.subformat}` : ''}): ${formatSize(written * 512)} of data copied\n`);
  return 0;
}

/** `vm disk commit`: merge an undoable disk's redo log into it. */
export async function diskCommitCommand(fs: FileSystemLike, c: OnPath, io: DiskIo): Promise<number> {
  const progress = new ProgressReporter(io.err, `committing ${defaultRedoPath(c.path)}`, io.now);
  let merged: number;
  try {
    merged = await commitRedo(fs, c.path, { onProgress: (done, total) => progress.update(done, total) });
  } finally {
    progress.finish();
  }
  io.out.write(`committed ${defaultRedoPath(c.path)} into ${c.path}: ${formatSize(merged * 512)} merged; redo log removed\n`);
  return 0;
}

/** `vm disk discard`: throw away an undoable disk's redo log. */
export async function diskDiscardCommand(fs: FileSystemLike, c: OnPath, io: DiskIo): Promise<number> {
  await discardRedo(fs, c.path);
  io.out.write(`discarded ${defaultRedoPath(c.path)}; ${c.path} is as it was before\n`);
  return 0;
}

/** `vm disk check`: verify the metadata; exit 1 when anything is wrong. */
export async function diskCheckCommand(fs: FileSystemLike, c: OnPath, io: DiskIo): Promise<number> {
  const r: CheckResult = await checkDisk(fs, c.path);
  if (r.errors.length === 0) {
    io.out.write(r.sparseExtents === 0 ? `${c.path}: no sparse metadata to check; no errors\n` : `${c.path}: ${r.sparseExtents} sparse extent(s) checked, no errors\n`);
    return 0;
  }
  for (const e of r.errors) io.out.write(`error: ${e}\n`);
  io.err.write(`vm: ${c.path}: ${r.errors.length} error(s) found\n`);
  return 1;
}

/** The path a failure most likely concerns, for the error line. */
function subject(c: DiskCommand): string {
  return c.cmd === 'convert' ? c.src : c.path;
}

/** `vm: PATH: what is wrong (kind)` for a vdisk failure. */
export function describeDiskError(c: DiskCommand, e: VdiskError): string {
  return `vm: disk ${c.cmd} ${subject(c)}: ${e.message} (${e.kind})`;
}

/**
 * Run a parsed `vm disk` command on `fs`. A corrupt, truncated or missing
 * image (a {@link VdiskError}) is reported on `err` and gives exit status 1;
 * other failures propagate.
 */
export async function runDiskCommand(fs: FileSystemLike, c: DiskCommand, io: DiskIo): Promise<number> {
  try {
    switch (c.cmd) {
      case 'create':
        return await diskCreateCommand(fs, c, io);
      case 'info':
        return await diskInfoCommand(fs, c, io);
      case 'convert':
        return await diskConvertCommand(fs, c, io);
      case 'commit':
        return await diskCommitCommand(fs, c, io);
      case 'discard':
        return await diskDiscardCommand(fs, c, io);
      case 'check':
        return await diskCheckCommand(fs, c, io);
    }
  } catch (e) {
    if (!(e instanceof VdiskError)) throw e;
    io.err.write(describeDiskError(c, e) + '\n');
    return 1;
  }
}
