#!/usr/bin/env node
/**
 * The `vm` command.
 *
 * @module
 */
import { parseRunArgs, UsageError } from './run-args.js';
import { runVm } from '../run/run-vm.js';
import { defaultGuest } from '../run/guest-files.js';
import { VdiskError } from '@vm/vdisk';
import { NodeFileSystem } from '@vm/vdisk/node';
import { parseDiskArgs } from '../disk/disk-args.js';
import { runDiskCommand } from '../disk/commands.js';

const HELP = `usage: vm <command> [options]

commands:
  run [machine.vmx]               run a VM from a .vmx file
  run --kernel K [--initrd I] [--append "..."] [--memory MiB]
                                  boot a Linux kernel directly
  run --bios ROM [--memory MiB]   run a firmware image (SeaBIOS, a test ROM)
  run --default                   boot the default Linux guest (built by \`pnpm guests\`)
  disk create PATH --size SIZE [--format raw|vmdk] [--subformat S] [--adapter lsilogic|buslogic]
                                  make an empty disk (SIZE: bytes or K/M/G/T, e.g. 4G)
  disk info PATH [--json]         layout: format, capacity, extents, allocated grains, CIDs, redo log
  disk convert SRC DST [--format raw|vmdk] [--subformat S] [--adapter A]
                                  copy a disk into a new image (format from DST's extension by default)
  disk commit DISK                merge an undoable disk's redo log (DISK.REDO) into it
  disk discard DISK               throw away an undoable disk's redo log
  disk check PATH                 verify a VMDK's metadata (exit 1 on errors)

run options:
  --serial stdio|none|file:PATH|unix:PATH|tcp:[HOST:]PORT
                                  where the first serial port goes (default stdio; Ctrl-A x quits)
  --debugcon FILE                 bytes written to port 0x402 (SeaBIOS's log)
  --post FILE                     POST codes written to port 0x80
  --clock realtime|deterministic  virtual time mode (default realtime)
  --time-limit SECONDS            stop after this much virtual time (exit code 3)
  --disk PATH                     attach a disk (raw or VMDK) to an LSI Logic adapter, scsi0:0, 0:1, ...
                                  (repeatable; without a .vmx; a .vmx lists its disks as scsiN:M)

disk subformats (VMDK): monolithicSparse (default), monolithicFlat, twoGbMaxExtentSparse,
  twoGbMaxExtentFlat. A damaged image is reported with what is wrong, exit status 1.

The process exits with 0 when the guest powers off.`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    process.stdout.write(HELP + '\n');
    return cmd === undefined ? 2 : 0;
  }
  if (cmd === 'run') {
    if (rest.includes('--help')) {
      process.stdout.write(HELP + '\n');
      return 0;
    }
    let args = rest;
    if (rest[0] === '--default') {
      const g = defaultGuest();
      if (!g) throw new UsageError('the default guest is not built yet: run `pnpm guests` first');
      args = ['--kernel', g.kernel, '--initrd', g.initrd, '--append', 'console=ttyS0 quiet', ...rest.slice(1)];
    }
    const outcome = await runVm(parseRunArgs(args));
    if (outcome.reason === 'time-limit') process.stderr.write('vm: time limit reached\n');
    if (outcome.reason === 'idle') process.stderr.write('vm: the guest halted with nothing left to wake it\n');
    return outcome.exitCode;
  }
  if (cmd === 'disk') {
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(HELP + '\n');
      return 0;
    }
    return runDiskCommand(new NodeFileSystem(), parseDiskArgs(rest), { out: process.stdout, err: process.stderr });
  }
  throw new UsageError(`unknown command "${cmd}" (see vm --help)`);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    // A disk that cannot be opened for `vm run` says which disk and what is wrong, no stack.
    if (e instanceof UsageError) process.stderr.write(`vm: ${e.message}\n`);
    else if (e instanceof VdiskError) process.stderr.write(`vm: ${e.message} (${e.kind})\n`);
    else process.stderr.write(`vm: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exit(e instanceof UsageError ? 2 : 1);
  },
);
