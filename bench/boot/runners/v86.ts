import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BootInput, SystemRunner } from './types.js';

/** Serial lines after which a v86 guest has stopped: without ACPI, `poweroff -f` only halts. */
export const V86_END_LINES = ['reboot: System halted', 'reboot: Power down'];

const here = dirname(fileURLToPath(import.meta.url));

/** Where the bench's `v86` devDependency is installed, or null. */
export function findV86Dir(): string | null {
  try {
    return dirname(createRequire(import.meta.url).resolve('v86/package.json'));
  } catch {
    return null;
  }
}

/** Options of the v86 runner. */
export interface V86RunnerOptions {
  /** Debian's SeaBIOS image (`bios.bin`). */
  readonly bios: string;
  /** Debian's SeaBIOS VGA BIOS (`vgabios-stdvga.bin`), or null for none. */
  readonly vgaBios: string | null;
  /** Turn v86's x86-to-wasm JIT off (the interpreter alone). */
  readonly noJit: boolean;
}

/**
 * v86 from npm, headless in its own `node` process (`v86-headless.mjs`), booting
 * the kernel directly with Debian's SeaBIOS as its firmware.
 */
export class V86Runner implements SystemRunner {
  readonly id: 'v86' | 'v86-nojit';
  readonly label: string;
  private readonly v86Dir = findV86Dir();

  /** @param opts firmware location and JIT switch */
  constructor(private readonly opts: V86RunnerOptions) {
    this.id = opts.noJit ? 'v86-nojit' : 'v86';
    this.label = opts.noJit ? 'v86 no JIT' : 'v86';
  }

  unavailable(): string | null {
    if (this.v86Dir === null) return 'the v86 npm package is not installed (pnpm install in the repository)';
    const bios = this.opts.bios;
    if (!existsSync(bios)) return `${bios} not found: install Debian's seabios (apt-get install seabios)`;
    return null;
  }

  version(): string {
    if (this.v86Dir === null) return 'not installed';
    const pkg = JSON.parse(readFileSync(join(this.v86Dir, 'package.json'), 'utf8')) as { version: string };
    return `v86 ${pkg.version}${this.opts.noJit ? ' (JIT off)' : ''}`;
  }

  command(input: BootInput) {
    const vga = this.opts.vgaBios;
    const cfg = {
      v86Dir: this.v86Dir,
      bios: this.opts.bios,
      vgaBios: vga !== null && existsSync(vga) ? vga : null,
      kernel: input.kernel,
      initrd: input.initrd,
      cmdline: input.append,
      memoryMiB: input.memoryMiB,
      noJit: this.opts.noJit,
      endLines: V86_END_LINES,
    };
    return { command: process.execPath, args: [join(here, '..', 'v86-headless.mjs'), JSON.stringify(cfg)] };
  }
}
