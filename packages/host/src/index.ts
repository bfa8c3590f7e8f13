/**
 * `@vm/host`: the host side of vm (Node only), the VMkernel's role: the
 * {@link VmHost} running many VMs in worker threads on one shared page pool
 * with the CPU scheduler (shares, reservations, limits) and the memory
 * scheduler (idle-memory tax, page sharing, ballooning, swapping); the
 * HTTP+JSON management API; serial consoles on terminals, files and
 * sockets; and the `vm` command line.
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
export { VmHost } from './vmhost/vm-host.js';
export type { VmHostOptions } from './vmhost/vm-host.js';
export type { HostSample, VmInfo, VmPowerState, VmSample } from './vmhost/vm-types.js';
export type { MemoryOrders, VmMemoryStats, VmSpec } from './vmhost/protocol.js';
export { RelayConsole } from './vmhost/relay-console.js';
export { HostTimers } from './vmhost/host-timers.js';
export { CpuDispatcher, DEFAULT_QUANTUM_MS, LIMIT_WINDOW_MS } from './sched/cpu-dispatcher.js';
export type { CpuDispatcherOptions, VcpuState, VcpuStats } from './sched/cpu-dispatcher.js';
export { admitCpu, cpuClaimFromConfig, cpuEntitlements } from './sched/cpu-policy.js';
export type { Admission, CpuClaim } from './sched/cpu-policy.js';
export { admitMem, DEFAULT_IDLE_TAX, idleCost, memClaimFromConfig, memTargets, sharesPerPage, swapShares } from './sched/mem-policy.js';
export { BALLOON_HEADROOM_FRACTION, BALLOON_HOLD_MS, BALLOON_STEP_FRACTION, BalloonMemo, balloonTarget, safeBalloonMax, touchedPages } from './sched/balloon-policy.js';
export type { BalloonInput } from './sched/balloon-policy.js';
export type { MemClaim } from './sched/mem-policy.js';
export { waterfill } from './sched/waterfill.js';
export { API_SCHEMA } from './api/api-schema.js';
export { startApiServer } from './api/api-server.js';
export type { ApiServer } from './api/api-server.js';
export { ApiClient, ApiError, DEFAULT_API } from './api/api-client.js';
export { findVmxFiles, formatStats, formatVmList, parseHostArgs, runClientCommand, runHostCommand, runManyVms, CLIENT_COMMANDS } from './cli/host-commands.js';
export type { CommandIo, HostArgs } from './cli/host-commands.js';
