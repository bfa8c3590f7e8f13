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
import { ApiError } from '../api/api-client.js';
import { CLIENT_COMMANDS, parseHostArgs, runClientCommand, runHostCommand, runManyVms } from './host-commands.js';

const HELP = `usage: vm <command> [options]

commands:
  run [machine.vmx]               run a VM from a .vmx file
  run a.vmx b.vmx ...             run several VMs together (each in its own thread; NICs join VMnets
                                  by ethernetN.networkName; consoles to serial0.fileName or stdout)
  host [options] VMX|DIR ...      run a host over an inventory of .vmx files (folders are searched),
                                  serving the management API (HTTP+JSON, schema at /api/schema)
      --listen [HOST:]PORT|unix:PATH  API address (default 127.0.0.1:8307)
      --pool MB                   machine memory shared by all VMs (default 1024)
      --pcpus N                   physical CPUs to run VMs on (default: all)
      --autostart                 power every VM on
      --swap-dir DIR              where per-VM swap files go
      --idle-tax PCT              idle-memory tax (default 75)
  ls [--json]                     list the host's VMs
  start|reset VM                  power on, reset
  stop VM [--soft]                power off (soft: the ACPI power button)
  suspend|resume VM               suspend to disk (<swap-dir>/VM.vmss) and continue from it
  pause|resume VM                 stop running a VM, keeping its memory, and let it go on
  console VM                      attach the terminal to VM's first serial port (Ctrl-A x quits)
  stats [VM] [--json]             CPU used/ready, memory granted/shared/ballooned/swapped/active
                                  (these talk to a host's API: --host URL or $VM_HOST,
                                  default http://127.0.0.1:8307)
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
  --engine translator|interpreter the CPU's engine: hot blocks compiled to JavaScript (default), or
                                  the interpreter alone (the reference, for comparisons)
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
    const listenAt = args.indexOf('--listen');
    const listen = listenAt >= 0 ? (args[listenAt + 1] ?? null) : null;
    if (listenAt >= 0) args = [...args.slice(0, listenAt), ...args.slice(listenAt + 2)];
    const options = parseRunArgs(args);
    if (options.vmx.length > 1) return runManyVms(options, { out: process.stdout, err: process.stderr }, listen);
    const outcome = await runVm(options);
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
  if (cmd === 'host') return runHostCommand(parseHostArgs(rest), { out: process.stdout, err: process.stderr });
  if ((CLIENT_COMMANDS as readonly string[]).includes(cmd)) return runClientCommand(cmd, rest, { out: process.stdout, err: process.stderr });
  throw new UsageError(`unknown command "${cmd}" (see vm --help)`);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    // A disk that cannot be opened for `vm run` says which disk and what is wrong, no stack.
    if (e instanceof UsageError) process.stderr.write(`vm: ${e.message}\n`);
    else if (e instanceof VdiskError) process.stderr.write(`vm: ${e.message} (${e.kind})\n`);
    else if (e instanceof ApiError) process.stderr.write(`vm: ${e.message}\n`);
    else process.stderr.write(`vm: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exit(e instanceof UsageError ? 2 : 1);
  },
);
