import { execFileSync } from 'node:child_process';
import type { BootInput, SystemRunner } from './types.js';

/**
 * QEMU's software emulator (TCG), as Debian's `qemu-system-x86` package ships it,
 * with exactly the options the peers' figures were taken with: one CPU, no display,
 * no NIC, the serial port on stdio, and `-no-reboot` so the guest's power-off ends it.
 */
export class QemuRunner implements SystemRunner {
  readonly id = 'qemu' as const;
  readonly label = 'QEMU TCG';

  /** @param binary the `qemu-system-i386` program (a name on PATH or a path) */
  constructor(private readonly binary = 'qemu-system-i386') {}

  unavailable(): string | null {
    try {
      execFileSync(this.binary, ['--version'], { stdio: 'ignore', timeout: 10_000 });
      return null;
    } catch {
      return `${this.binary} not found: install Debian's qemu-system-x86 (apt-get install qemu-system-x86)`;
    }
  }

  version(): string {
    const out = execFileSync(this.binary, ['--version'], { encoding: 'utf8', timeout: 10_000 });
    return out.split('\n')[0]!.trim();
  }

  command(input: BootInput) {
    return {
      command: this.binary,
      args: [
        '-accel', 'tcg',
        '-m', String(input.memoryMiB),
        '-smp', '1',
        '-display', 'none',
        '-serial', 'stdio',
        '-monitor', 'none',
        '-nic', 'none',
        '-no-reboot',
        '-kernel', input.kernel,
        '-initrd', input.initrd,
        '-append', input.append,
      ],
    };
  }
}
