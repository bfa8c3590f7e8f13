import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BootInput, SystemRunner } from './types.js';

/** The repository's root, two folders above this bench. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The built `vm` command (the @vm/host package's `bin`). */
export const DEFAULT_VM_CLI = join(REPO_ROOT, 'packages', 'host', 'dist', 'cli', 'main.js');

/**
 * Us: the built `vm` command, `vm run --kernel K --initrd I --append A --memory M`,
 * which puts the guest's first serial port on standard output. It runs from the
 * compiled `dist/` so that no TypeScript loader is timed.
 */
export class VmRunner implements SystemRunner {
  readonly id: 'vm' | 'vm-interp';
  readonly label: string;

  /**
   * @param cli path of the compiled `vm` entry point
   * @param engine the CPU engine (`vm-interp` is our interpreter alone, the translator's yardstick)
   */
  constructor(
    private readonly cli = DEFAULT_VM_CLI,
    private readonly engine: 'translator' | 'interpreter' = 'translator',
  ) {
    this.id = engine === 'translator' ? 'vm' : 'vm-interp';
    this.label = engine === 'translator' ? 'vm (us)' : 'vm interpreter';
  }

  unavailable(): string | null {
    if (!existsSync(this.cli)) {
      return `the vm command is not built yet (${this.cli} is missing): build it with \`pnpm --filter @vm/host... build\``;
    }
    return null;
  }

  version(): string {
    try {
      const pkg = JSON.parse(readFileSync(join(dirname(this.cli), '..', '..', 'package.json'), 'utf8')) as { version?: string };
      return `@vm/host ${pkg.version ?? '?'}`;
    } catch {
      return '@vm/host (unknown version)';
    }
  }

  command(input: BootInput) {
    return {
      command: process.execPath,
      args: [
        this.cli,
        'run',
        '--kernel', input.kernel,
        '--initrd', input.initrd,
        '--append', input.append,
        '--memory', String(input.memoryMiB),
        ...(this.engine === 'translator' ? [] : ['--engine', this.engine]),
      ],
    };
  }
}
