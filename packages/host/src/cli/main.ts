#!/usr/bin/env node
/**
 * The `vm` command.
 *
 * @module
 */
import { parseRunArgs, UsageError } from './run-args.js';
import { runVm } from '../run/run-vm.js';
import { defaultGuest } from '../run/guest-files.js';

const HELP = `usage: vm <command> [options]

commands:
  run [machine.vmx]               run a VM from a .vmx file
  run --kernel K [--initrd I] [--append "..."] [--memory MiB]
                                  boot a Linux kernel directly
  run --bios ROM [--memory MiB]   run a firmware image (SeaBIOS, a test ROM)
  run --default                   boot the default Linux guest (built by \`pnpm guests\`)

run options:
  --serial stdio|none|file:PATH|unix:PATH|tcp:[HOST:]PORT
                                  where the first serial port goes (default stdio; Ctrl-A x quits)
  --debugcon FILE                 bytes written to port 0x402 (SeaBIOS's log)
  --post FILE                     POST codes written to port 0x80
  --clock realtime|deterministic  virtual time mode (default realtime)
  --time-limit SECONDS            stop after this much virtual time (exit code 3)

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
  throw new UsageError(`unknown command "${cmd}" (see vm --help)`);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof UsageError) process.stderr.write(`vm: ${e.message}\n`);
    else process.stderr.write(`vm: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exit(e instanceof UsageError ? 2 : 1);
  },
);
