/**
 * `@vm/host`: the host side of vm (Node only): serial consoles on terminals,
 * files and sockets, and the `vm` command line.
 *
 * @packageDocumentation
 */
export { SerialConsole } from './console/serial-console.js';
export { TerminalConsole } from './console/terminal-console.js';
export { FileConsole } from './console/file-console.js';
export { SocketConsole } from './console/socket-console.js';
export { parseRunArgs, parseSerialTarget, UsageError } from './cli/run-args.js';
export type { RunOptions, SerialTarget } from './cli/run-args.js';
export { parseDiskArgs, DISK_SUBCOMMANDS } from './disk/disk-args.js';
export type { DiskAdapter, DiskCommand, DiskImageFormat, DiskLayout } from './disk/disk-args.js';
export {
  describeDiskError,
  diskCheckCommand,
  diskCommitCommand,
  diskConvertCommand,
  diskCreateCommand,
  diskDiscardCommand,
  diskInfoCommand,
  runDiskCommand,
} from './disk/commands.js';
export type { DiskIo } from './disk/commands.js';
export { formatDiskInfo } from './disk/format-info.js';
export { ProgressReporter } from './disk/progress.js';
export type { ProgressStream } from './disk/progress.js';
export { formatSize, parseSize } from './disk/size.js';
export { AttachedDisks, diskModeFor, openCommandLineDisks, openVmxDisks } from './run/scsi-disks.js';
export type { PcScsiAdapter } from './run/scsi-disks.js';
