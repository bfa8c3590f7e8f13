import type { ChildCommand } from '../child-watch.js';

/** The system names the bench knows, in the order of the table's columns. */
export const SYSTEM_IDS = ['vm', 'vm-interp', 'qemu', 'v86', 'v86-nojit'] as const;

/** One of the systems the bench runs. */
export type SystemId = (typeof SYSTEM_IDS)[number];

/** What every system boots: the same kernel, initramfs, command line and memory. */
export interface BootInput {
  readonly kernel: string;
  readonly initrd: string;
  readonly append: string;
  readonly memoryMiB: number;
}

/** How to run one system: a child process whose standard output is the guest's first serial port. */
export interface SystemRunner {
  readonly id: SystemId;
  /** Column heading, e.g. `QEMU TCG`. */
  readonly label: string;
  /** Why this system cannot run on this machine (with what to install or build), or null when it can. */
  unavailable(): string | null;
  /** The version that runs, for the result file. */
  version(): string;
  /** The command that boots `input` with the serial console on standard output. */
  command(input: BootInput): ChildCommand;
}
