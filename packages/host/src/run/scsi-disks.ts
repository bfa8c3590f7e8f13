import { isAbsolute, resolve } from 'node:path';
import type { DiskMode as VmxDiskMode, MachineConfig, PcOptions } from '@vm/machine';
import { openDisk, VdiskError } from '@vm/vdisk';
import type { DiskMode, FileSystemLike, VirtualDisk } from '@vm/vdisk';
import { UsageError } from '../cli/run-args.js';

/** One SCSI adapter as the pc preset takes it. */
export type PcScsiAdapter = NonNullable<PcOptions['scsi']>[number];

/** The LSI Logic adapter's own SCSI id: `--disk` skips it. */
const ADAPTER_ID = 7;
/** Highest SCSI id on a wide bus. */
const MAX_ID = 15;

/**
 * The disks a machine has open, grouped into the pc preset's `scsi` option.
 * The run owns them: {@link close} flushes and releases every one.
 */
export class AttachedDisks {
  /** The pc preset's `scsi` option. */
  readonly scsi: PcScsiAdapter[] = [];
  /** Every open disk, in opening order. */
  readonly disks: VirtualDisk[] = [];
  private closed = false;

  /**
   * Flush and close every disk, even when some fail; then reject with the
   * first failure. Closing twice is harmless.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const results = await Promise.allSettled(this.disks.map((d) => d.close()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
}

/**
 * The vdisk mode for a `.vmx` `scsiN:M.mode`. ESX's `append` keeps its redo
 * log across runs like `undoable`; the Workstation-style `independent-*`
 * modes behave as their plain counterparts (there are no snapshots here).
 */
export function diskModeFor(mode: VmxDiskMode): DiskMode {
  switch (mode) {
    case 'nonpersistent':
    case 'independent-nonpersistent':
      return 'nonpersistent';
    case 'undoable':
    case 'append':
      return 'undoable';
    default:
      return 'persistent';
  }
}

async function attach(fs: FileSystemLike, into: AttachedDisks, where: string, path: string, mode: DiskMode): Promise<VirtualDisk> {
  try {
    // Undoable disks keep `<disk>.REDO` next to the disk (openDisk's default).
    const d = await openDisk(fs, path, { mode });
    into.disks.push(d);
    return d;
  } catch (e) {
    if (e instanceof VdiskError) throw new VdiskError(e.kind, `${where} (${path}): ${e.message}`);
    throw e;
  }
}

/**
 * Open the disks a `.vmx` lists: present `scsiN` adapters in index order
 * (lsilogic or buslogic), each with its present `scsiN:M` hard disks at SCSI
 * id M, file names relative to `baseDir`, in their disk modes. CD-ROMs are
 * not emulated yet and are skipped with a warning. When any disk fails to
 * open, the ones already open are closed before the error propagates.
 * @param warn receives one line per skipped device
 */
export async function openVmxDisks(config: MachineConfig, baseDir: string, fs: FileSystemLike, warn: (message: string) => void): Promise<AttachedDisks> {
  const out = new AttachedDisks();
  try {
    const adapters = [...config.scsi].filter((a) => a.present).sort((a, b) => a.index - b.index);
    for (const a of adapters) {
      const disks: { id: number; backend: VirtualDisk }[] = [];
      const devices = [...a.devices].filter((d) => d.present).sort((x, y) => x.unit - y.unit);
      for (const dev of devices) {
        const where = `scsi${a.index}:${dev.unit}`;
        if (dev.deviceType !== 'scsi-hardDisk') {
          warn(`${where}: ${dev.deviceType} is not emulated yet; skipped`);
          continue;
        }
        if (dev.fileName === null || dev.fileName === '') {
          warn(`${where}: no fileName; skipped`);
          continue;
        }
        const path = isAbsolute(dev.fileName) ? dev.fileName : resolve(baseDir, dev.fileName);
        disks.push({ id: dev.unit, backend: await attach(fs, out, where, path, diskModeFor(dev.mode)) });
      }
      out.scsi.push({ virtualDev: a.virtualDev, disks });
    }
  } catch (e) {
    await out.close().catch(() => undefined);
    throw e;
  }
  return out;
}

/**
 * Open `--disk` paths (persistent) on one LSI Logic adapter, scsi0, at SCSI
 * ids 0, 1, 2, ... skipping 7 (the adapter's own). No paths: no adapter.
 */
export async function openCommandLineDisks(paths: readonly string[], fs: FileSystemLike): Promise<AttachedDisks> {
  const out = new AttachedDisks();
  if (paths.length === 0) return out;
  if (paths.length > MAX_ID) throw new UsageError(`--disk: at most ${MAX_ID} disks fit on one adapter (got ${paths.length})`);
  try {
    const disks: { id: number; backend: VirtualDisk }[] = [];
    let id = 0;
    for (const p of paths) {
      if (id === ADAPTER_ID) id++;
      disks.push({ id, backend: await attach(fs, out, `--disk scsi0:${id}`, resolve(p), 'persistent') });
      id++;
    }
    out.scsi.push({ virtualDev: 'lsilogic', disks });
  } catch (e) {
    await out.close().catch(() => undefined);
    throw e;
  }
  return out;
}
